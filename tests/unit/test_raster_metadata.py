"""RasterMetadata's STAC item: projection and raster always, eo only for coloured bands."""

from core.models.metadata import EO_EXTENSION, RasterMetadata


def raster(**fields) -> RasterMetadata:
    return RasterMetadata(
        id="r",
        stac_collection_id="rasters",
        bbox=(14.9, 45.1, 15.0, 45.2),
        crs="EPSG:32633",
        blob_path="silver/rasters/r.tif",
        width=256,
        height=256,
        resolution=(30.0, 30.0),
        **fields,
    )


def test_coloured_bands_get_eo_common_names_and_statistics_go_into_raster_bands():
    item = raster(
        band_count=3,
        color_interpretation=["red", "green", "blue"],
        raster_type="rgb",
        band_statistics=[{"minimum": 0.0, "maximum": 255.0, "mean": 120.0, "stddev": 30.0}] * 3,
    ).to_stac_item("http://h")
    asset = item["assets"]["data"]
    assert EO_EXTENSION in item["stac_extensions"]
    assert asset["eo:bands"] == [
        {"name": "b1", "common_name": "red"},
        {"name": "b2", "common_name": "green"},
        {"name": "b3", "common_name": "blue"},
    ]
    assert (
        asset["raster:bands"][0]["statistics"]["maximum"] == 255.0
        and asset["href"] == "http://h/silver/rasters/r.tif"
    )
    assert (
        item["properties"]["geoetl:raster_type"] == "rgb"
        and item["properties"]["proj:epsg"] == 32633
    )


def test_a_grey_band_has_no_eo_extension():
    item = raster(
        band_count=1,
        dtype="float32",
        nodata=-9999.0,
        color_interpretation=["gray"],
        band_descriptions=["elevation"],
    ).to_stac_item("http://h")
    assert EO_EXTENSION not in item["stac_extensions"] and "eo:bands" not in item["assets"]["data"]
    assert item["assets"]["data"]["raster:bands"] == [
        {"data_type": "float32", "nodata": -9999.0, "spatial_resolution": 30.0, "name": "elevation"}
    ]
