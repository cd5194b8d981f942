"""Attribute cleaning, CSV geometry detection, encodings and the other small pieces."""

from datetime import datetime, timezone

import numpy as np
import pyarrow as pa
import pytest

from core.errors import InvalidInput
from core.models.metadata import DDHRefs
from services.vector.attributes import prepare_columns, python_values, temporal_range
from services.vector.columns import ColumnPlan
from services.vector.csv_geometry import detect_csv_geometry
from services.vector.platform_requests import table_name_for
from services.vector.report import ChunkReport, RepairLog, merge_chunks
from services.vector.staging import final_index_name
from services.vector.text_encoding import check_well_formed_xml, detect_encoding
from services.vector.uploads import safe_filename
from triggers.http.features import parse_bbox

FIDS = np.array([10, 11, 12])


def cleaned(array: pa.Array, kind: str, pg_type: str):
    log = RepairLog(5)
    column = ColumnPlan(name="c", source_name="c", pg_type=pg_type, kind=kind)
    out = prepare_columns(pa.table({"c": array}), [column], FIDS, log)[0]
    return python_values(out, column, np.arange(3)), log


def test_timestamps_outside_years_1_to_9999_become_null():
    ms = pa.array(
        [-62167132800000, 1_600_000_000_000, 300_000_000_000_000], type=pa.timestamp("ms")
    )
    values, log = cleaned(ms, "timestamp", "timestamptz")
    assert values[0] is None and values[2] is None
    assert values[1] == datetime(2020, 9, 13, 12, 26, 40, tzinfo=timezone.utc)
    assert log.repairs == {"dates_nulled": 2} and log.repair_samples["dates_nulled"] == [10, 12]


def test_dates_outside_the_range_become_null():
    values, log = cleaned(
        pa.array([-800_000, 0, 3_000_000], type=pa.int32()).view(pa.date32()), "date", "date"
    )
    assert values[0] is None and values[1].year == 1970 and values[2] is None
    assert log.repairs["dates_nulled"] == 2


def test_text_nul_characters_and_invalid_utf8():
    raw = pa.array([b"ok", b"bad\xff\xfe", b"nul\x00here"], type=pa.binary()).view(pa.string())
    values, log = cleaned(raw, "text", "text")
    assert values == ["ok", "bad\ufffd\ufffd", "nulhere"]
    assert log.repairs == {"invalid_utf8_replaced": 1, "nul_characters_removed": 1}


def test_temporal_range():
    array = pa.array(
        [
            datetime(2020, 1, 1, tzinfo=timezone.utc),
            None,
            datetime(2021, 6, 1, tzinfo=timezone.utc),
        ],
        type=pa.timestamp("us", tz="UTC"),
    )
    assert temporal_range(array, np.array([0, 1, 2])) == (
        "2020-01-01T00:00:00+00:00",
        "2021-06-01T00:00:00+00:00",
    )
    assert temporal_range(array, np.array([], dtype=np.int64)) == (None, None)


@pytest.mark.parametrize(
    ("text", "options"),
    [
        (
            "id,Longitude,Latitude\n1,10.5,20.1\n2,11,21\n",
            {"X_POSSIBLE_NAMES": "Longitude", "Y_POSSIBLE_NAMES": "Latitude"},
        ),
        ("name;x;y\na;1;2\n", {"X_POSSIBLE_NAMES": "x", "Y_POSSIBLE_NAMES": "y"}),
        ('name,wkt\na,POINT (1 2)\nb,"LINESTRING (0 0, 1 1)"\n', {"GEOM_POSSIBLE_NAMES": "wkt"}),
        (
            "name\tfootprint\na\tSRID=4326;POLYGON ((0 0, 1 0, 1 1, 0 0))\n",
            {"GEOM_POSSIBLE_NAMES": "footprint"},
        ),
    ],
)
def test_csv_geometry_by_name_and_content(tmp_path, text, options):
    path = tmp_path / "a.csv"
    path.write_text(text)
    found = detect_csv_geometry(path)
    assert {k: v for k, v in found.open_options.items() if k != "KEEP_GEOM_COLUMNS"} == options


def test_csv_with_non_numeric_coordinates_has_no_geometry(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("name,lat,lon\na,north,east\nb,south,west\n")
    with pytest.raises(InvalidInput, match="CSV has no geometry"):
        detect_csv_geometry(path)


def test_encodings(tmp_path):
    cases = {
        "utf8": ("Café".encode(), "utf-8", False),
        "bom": (b"\xef\xbb\xbfCaf\xc3\xa9", "utf-8", True),
        "cp1252": ("Café – €".encode("cp1252"), "cp1252", True),
        "latin": (b"\x81\x8d", "latin-1", True),
    }
    for name, (data, encoding, transcode) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        found = detect_encoding(path)
        assert (found.encoding, found.needs_transcoding) == (encoding, transcode), name


def test_xml_well_formedness(tmp_path):
    good, bad = tmp_path / "good.kml", tmp_path / "bad.kml"
    good.write_text("<kml><Document/></kml>")
    bad.write_text("<kml><Document></kml>")
    check_well_formed_xml(good)
    with pytest.raises(InvalidInput, match="invalid XML: mismatched tag: line 1"):
        check_well_formed_xml(bad)


def test_small_helpers():
    assert parse_bbox("1,2,3,4") == [(1, 2, 3, 4)]
    assert parse_bbox("170,-10,-170,10") == [(170, -10, 180, 10), (-180, -10, -170, 10)]
    assert parse_bbox("1,2,0,3,4,9") == [(1, 2, 3, 4)]
    assert (
        table_name_for(DDHRefs(dataset_id="0042-Roads", resource_id="R 1", version_id="v2"))
        == "ddh_0042_roads_r_1_v2"
    )
    long_name = table_name_for(DDHRefs(dataset_id="x" * 100, resource_id="r", version_id="v"))
    assert len(long_name) == 63
    assert (
        safe_filename("../../etc/passwd") == "passwd"
        and safe_filename("my file (1).zip") == "my_file_1_.zip"
    )
    assert safe_filename(None) == "upload"
    assert (
        final_index_name("t" * 63, "geom_idx").endswith("_geom_idx")
        and len(final_index_name("t" * 63, "geom_idx")) <= 63
    )


def test_chunk_reports_merge():
    a = ChunkReport(
        chunk=1,
        features_read=3,
        features_kept=2,
        rows={"points": 2},
        dropped={"null_geometry": 1},
        dropped_samples={"null_geometry": [7]},
        bbox={"points": [0, 0, 1, 1]},
        temporal_min="2020-01-01",
        temporal_max="2020-02-01",
    )
    b = ChunkReport(
        chunk=0,
        features_read=2,
        features_kept=2,
        rows={"points": 1, "lines": 1},
        dropped_samples={"null_geometry": [1, 2]},
        bbox={"points": [-1, 0, 0.5, 2]},
        temporal_min="2019-01-01",
    )
    total = merge_chunks([a, b], sample_size=2)
    assert total.features_read == 5 and total.rows == {"points": 3, "lines": 1}
    assert total.dropped_samples == {"null_geometry": [1, 2]}  # chunk order, capped
    assert total.bbox["points"] == [-1, 0, 1, 2]
    assert (total.temporal_min, total.temporal_max) == ("2019-01-01", "2020-02-01")
