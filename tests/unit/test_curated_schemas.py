"""Curated target schemas and the vector pipeline's all-layers planning, without services."""

from datetime import datetime, timezone

import pyarrow as pa
import pytest

from core.errors import InvalidInput
from core.models.curated import CuratedDataset
from services.curated.handlers import publish_table
from services.curated.schemas import KBA, WDPA, loads_all_layers, schema_for
from services.vector.inspection import _plan_chunks, _union_fields
from services.vector.models import LayerGroup


def test_each_wdpa_release_is_read_by_the_variant_its_fields_name():
    assert WDPA.variant_for({"site_id", "name_eng", "realm"}).name == "current (from November 2025)"
    legacy = WDPA.variant_for({"wdpaid", "name", "orig_name", "marine"})
    assert legacy.source_candidates("name_eng") == ("name",) and legacy.source_candidates(
        "name"
    ) == ("orig_name",)
    assert legacy.recode["realm"] == {"0": "Terrestrial", "1": "Coastal", "2": "Marine"}
    assert legacy.source_candidates("iucn_cat") == ("iucn_cat",)
    with pytest.raises(
        InvalidInput, match="no SITE_ID or WDPAID column .columns found: fid, label"
    ):
        WDPA.variant_for({"label", "fid"})
    assert KBA.variant_for({"sitrecid"}).source_candidates("sit_area_km2") == (
        "sitareakm2",
        "sitarea",
    )
    assert [c.name for c in KBA.columns if c.lowercase] == ["kba_status"]


def test_the_seeded_handlers_name_their_schema_and_wdpa_loads_every_layer():
    assert (
        schema_for({"handler": "ibat_wdpa"}) is WDPA and schema_for({"handler": "ibat_kba"}) is KBA
    )
    assert schema_for({"handler": "file"}) is None and schema_for({}) is None
    assert loads_all_layers({"handler": "ibat_wdpa"}) and not loads_all_layers(
        {"handler": "ibat_kba"}
    )
    assert loads_all_layers({"all_layers": True})


def dataset(**fields) -> CuratedDataset:
    now = datetime.now(timezone.utc)
    return CuratedDataset(
        **{
            "dataset_id": "admin0",
            "name": "n",
            "source_type": "manual",
            "target_table": "curated_admin0",
            "created_at": now,
            "updated_at": now,
        }
        | fields
    )


def test_only_a_plain_full_replace_publishes_straight_to_the_target():
    assert publish_table(dataset()) == "curated_admin0"
    mapped = publish_table(dataset(dataset_id="wdpa", source_config={"handler": "ibat_wdpa"}))
    keyed = publish_table(
        dataset(dataset_id="x" * 63, update_strategy="upsert", key_columns=["code"])
    )
    assert mapped.startswith("incoming_") and mapped.endswith("_wdpa")
    assert keyed.startswith("incoming_") and len(keyed) <= 48  # room for _polygons within 63
    assert (
        publish_table(
            dataset(dataset_id="x" * 62 + "y", update_strategy="upsert", key_columns=["code"])
        )
        != keyed
    )


def test_layers_loaded_together_unite_their_columns_and_continue_their_ids():
    polygons = [
        pa.field("SITE_ID", pa.int32()),
        pa.field("GIS_AREA", pa.float64()),
        pa.field("NAME", pa.string()),
    ]
    points = [
        pa.field("SITE_ID", pa.int64()),
        pa.field("NAME", pa.large_string()),
        pa.field("REP_AREA", pa.int32()),
    ]
    united = {f.name: f.type for f in _union_fields([polygons, points])}
    assert united == {
        "SITE_ID": pa.int64(),
        "GIS_AREA": pa.float64(),
        "NAME": pa.large_string(),
        "REP_AREA": pa.int32(),
    }
    assert (
        _union_fields([[pa.field("A", pa.int32())], [pa.field("A", pa.float32())]])[0].type
        == pa.float64()
    )
    with pytest.raises(InvalidInput, match="disagree on the type of column 'A'"):
        _union_fields([[pa.field("A", pa.int32())], [pa.field("A", pa.string())]])

    merged = LayerGroup(
        layers=["poly", "point"],
        columns=[],
        source_crs="EPSG:4326",
        crs_reason="",
        needs_reprojection=False,
    )
    infos = {
        "poly": {"features": 5, "fid_range": None},
        "point": {"features": 2, "fid_range": None},
    }
    chunks = _plan_chunks([merged], infos, size=2)
    assert [(c.index, c.layer, c.skip, c.count, c.id_offset) for c in chunks] == [
        (0, "poly", 0, 2, 0),
        (1, "poly", 2, 2, 0),
        (2, "poly", 4, 1, 0),
        (3, "point", 0, 2, 5),
    ]
    separate = [merged.model_copy(update={"layers": [name]}) for name in ("poly", "point")]
    assert [(c.group, c.layer, c.id_offset) for c in _plan_chunks(separate, infos, size=10)] == [
        (0, "poly", 0),
        (1, "point", 0),
    ]
