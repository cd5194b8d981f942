"""Column names and types for PostgreSQL, and time column candidates."""

import pyarrow as pa

from services.vector.columns import (
    ColumnPlan,
    column_kind,
    plan_columns,
    sanitize_names,
    time_candidates,
)


def test_names_are_safe_identifiers():
    names = sanitize_names(
        [
            "Name",
            "name",
            "NAME",
            "id",
            "geom",
            "ctid",
            "1st place",
            "Évaluation (%)",
            "",
            "a" * 80,
            "a" * 80,
            'x"; DROP TABLE t; --',
        ]
    )
    assert names[:3] == ["name", "name_1", "name_2"]
    assert names[3:6] == ["id_1", "geom_1", "ctid_1"]
    assert names[6] == "c_1st_place"
    assert names[7] == "evaluation"
    assert names[8] == "column_9"
    assert names[9] == "a" * 63 and names[10] == "a" * 61 + "_1"
    assert names[11] == "x_drop_table_t"
    assert all(len(n) <= 63 for n in names) and len(set(names)) == len(names)


def test_types():
    assert column_kind(pa.int32()) == ("integer", "int")
    assert column_kind(pa.int64()) == ("bigint", "int")
    assert column_kind(pa.uint32()) == ("bigint", "int")
    assert column_kind(pa.float32()) == ("double precision", "float")
    assert column_kind(pa.string()) == ("text", "text")
    assert column_kind(pa.bool_()) == ("boolean", "bool")
    assert column_kind(pa.date32()) == ("date", "date")
    assert column_kind(pa.timestamp("ms", tz="UTC")) == ("timestamptz", "timestamp")
    assert column_kind(pa.list_(pa.int32())) == ("jsonb", "json")
    assert column_kind(pa.binary()) == ("bytea", "bytes")


def test_plan_skips_fid_and_geometry_and_finds_time_columns():
    schema = pa.schema(
        [
            ("OGC_FID", pa.int64()),
            ("Survey Date", pa.date32()),
            ("updated_at", pa.string()),
            ("label", pa.string()),
            ("wkb_geometry", pa.binary()),
        ]
    )
    plans = plan_columns(schema, skip={"OGC_FID", "wkb_geometry"})
    assert [p.name for p in plans] == ["survey_date", "updated_at", "label"]
    assert time_candidates(plans) == [
        {"column": "survey_date", "reason": "typed date column"},
        {
            "column": "updated_at",
            "reason": "text column named like a date or time (values not typed)",
        },
    ]
    assert isinstance(plans[0], ColumnPlan)
