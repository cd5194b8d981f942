"""Unified metadata models: validation, STAC items and OGC collection documents."""

from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from core.models.metadata import (
    CRS84,
    ColumnDefinition,
    DDHRefs,
    ExternalRefs,
    Provider,
    RasterMetadata,
    VectorMetadata,
    ZarrMetadata,
)

CREATED = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def vector(**overrides) -> VectorMetadata:
    fields = dict(
        id="parks",
        title="Parks",
        description="City parks",
        bbox=(-1.0, 50.0, 1.0, 52.0),
        license="CC-BY-4.0",
        providers=[Provider(name="City", roles=["producer", "licensor"])],
        keywords=["parks"],
        etl_job_id="abc",
        stac_collection_id="vectors",
        created_at=CREATED,
        updated_at=CREATED,
        feature_count=12,
        geometry_type="MultiPolygon",
        source_crs="EPSG:27700",
        columns=[
            ColumnDefinition(name="name", type="text", source_name="Name"),
            ColumnDefinition(name="area", type="double precision"),
        ],
    )
    fields.update(overrides)
    return VectorMetadata(**fields)


def test_vector_stac_item_is_a_valid_shaped_stac_feature():
    item = vector().to_stac_item("http://host/")
    assert item["type"] == "Feature" and item["stac_version"] == "1.0.0"
    assert item["id"] == "parks" and item["collection"] == "vectors"
    assert item["bbox"] == [-1.0, 50.0, 1.0, 52.0]
    assert item["geometry"]["coordinates"][0][0] == [-1.0, 50.0]
    props = item["properties"]
    assert props["datetime"] == "2024-05-01T12:00:00Z"  # no temporal extent: publication time
    assert props["license"] == "CC-BY-4.0"
    assert props["table:row_count"] == 12
    assert [c["name"] for c in props["table:columns"]] == ["id", "geom", "name", "area"]
    assert item["assets"]["features"]["href"] == "http://host/api/features/collections/parks/items"
    assert item["assets"]["features"]["type"] == "application/geo+json"


def test_temporal_range_sets_start_end_and_null_datetime():
    start, end = (
        datetime(2020, 1, 1, tzinfo=timezone.utc),
        datetime(2021, 1, 1, tzinfo=timezone.utc),
    )
    props = vector(
        temporal_start=start, temporal_end=end, temporal_property="surveyed"
    ).to_stac_item()["properties"]
    assert props["datetime"] is None
    assert props["start_datetime"] == "2020-01-01T00:00:00Z"
    assert props["end_datetime"] == "2021-01-01T00:00:00Z"
    assert props["geoetl:temporal_property"] == "surveyed"


def test_stac_item_needs_a_collection():
    with pytest.raises(ValueError, match="stac_collection_id"):
        vector(stac_collection_id=None).to_stac_item()


def test_ogc_collection_document():
    doc = vector(temporal_start=datetime(2020, 1, 1, tzinfo=timezone.utc)).to_ogc_collection(
        "http://host"
    )
    assert doc["id"] == "parks" and doc["itemType"] == "feature"
    assert doc["extent"]["spatial"] == {"bbox": [[-1.0, 50.0, 1.0, 52.0]], "crs": CRS84}
    assert doc["extent"]["temporal"]["interval"] == [["2020-01-01T00:00:00Z", None]]
    rels = {link["rel"]: link["href"] for link in doc["links"]}
    assert rels["self"] == "http://host/api/features/collections/parks"
    assert rels["items"] == "http://host/api/features/collections/parks/items"


def test_queryables_map_column_types_to_json_schema():
    schema = vector().queryables("http://host")
    assert schema["properties"]["name"] == {"type": "string", "title": "Name"}
    assert schema["properties"]["area"]["type"] == "number"


@pytest.mark.parametrize(
    "license", ["MIT", "CC-BY-4.0", "Apache-2.0 OR MIT", "proprietary", "other"]
)
def test_spdx_licenses_accepted(license):
    assert vector(license=license).license == license


@pytest.mark.parametrize("license", ["", "not a licence", "CC BY"])
def test_non_spdx_licenses_rejected(license):
    with pytest.raises(ValidationError, match="SPDX"):
        vector(license=license)


def test_bbox_and_interval_are_checked():
    with pytest.raises(ValidationError):
        vector(bbox=(0, 10, 1, 5))  # south > north
    with pytest.raises(ValidationError, match="after"):
        vector(
            temporal_start=datetime(2022, 1, 1, tzinfo=timezone.utc),
            temporal_end=datetime(2021, 1, 1, tzinfo=timezone.utc),
        )
    assert vector(bbox=(170.0, -10.0, -170.0, 10.0)).bbox[0] == 170.0  # crosses the antimeridian


def test_unknown_fields_are_rejected():
    with pytest.raises(ValidationError):
        VectorMetadata(id="x", colour="red")


def test_raster_item_has_projection_and_bands():
    meta = RasterMetadata(
        id="dem",
        stac_collection_id="rasters",
        bbox=(10.0, 45.0, 11.0, 46.0),
        created_at=CREATED,
        blob_path="silver/dem.tif",
        band_count=2,
        dtype="float32",
        nodata=-9999,
        crs="EPSG:32632",
        resolution=(30.0, -30.0),
        width=100,
        height=200,
        band_descriptions=["elevation", None],
        cog_profile="deflate",
    )
    item = meta.to_stac_item("http://blobs")
    assert item["properties"]["proj:epsg"] == 32632
    assert item["properties"]["proj:shape"] == [200, 100]
    bands = item["assets"]["data"]["raster:bands"]
    assert len(bands) == 2 and bands[0]["name"] == "elevation" and "name" not in bands[1]
    assert bands[0]["nodata"] == -9999 and bands[0]["spatial_resolution"] == 30.0
    assert item["assets"]["data"]["href"] == "http://blobs/silver/dem.tif"


def test_zarr_item_describes_its_cube():
    meta = ZarrMetadata(
        id="tas",
        stac_collection_id="zarr",
        store_path="silver/tas.zarr",
        variables=["tas"],
        dimensions={"time": 12, "lat": 180, "lon": 360},
        created_at=CREATED,
    )
    props = meta.to_stac_item()["properties"]
    assert props["cube:dimensions"]["lat"]["type"] == "spatial"
    assert props["cube:variables"]["tas"]["dimensions"] == ["time", "lat", "lon"]


def test_external_refs():
    refs = ExternalRefs(
        dataset_id="parks",
        data_type="vector",
        ddh=DDHRefs(dataset_id="d", resource_id="r", version_id="v"),
    )
    assert refs.ddh.version_id == "v" and refs.other_refs == {}
    with pytest.raises(ValidationError):
        DDHRefs(dataset_id="", resource_id="r", version_id="v")
