"""Messy FeatureCollections at the loader (issue 14, item 4): duplicate keys, property types
that change from feature to feature, NaN and Infinity, huge strings, deep nesting, NUL
characters and unpaired surrogates, non-UTF-8 bytes, broken geometries. Each generated file
goes through the real preparation, inspection, repair and binary COPY into staging tables,
and must end as a clean table or as a clean failure (InvalidInput, a message for the user):
any other exception is a defect."""

import json
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from core.errors import InvalidInput
from services.vector import staging
from services.vector.inspection import inspect_source
from services.vector.loading import PreparedChunk, commit_chunk, read_chunk
from services.vector.models import InspectResult
from services.vector.publishing import drop_staging
from services.vector.sources import _prepare, archive_limits

KEYS = ["name", "Name", "NAME", "value", "id", "geom", "", "a b", "ünï", "x" * 80]
INTERNAL = (
    "Traceback",
    "Error(",
    "Exception(",
    "ArrowNotImplemented",
    "psycopg",
    "GEOSException",
    "NoneType",
)

scalar = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=False, allow_infinity=False)
    .map(repr)
    .filter(lambda t: "e" in t or "." in t),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-0.0", "true", "false", "null"]),
    st.text(max_size=12).map(lambda t: json.dumps(t, ensure_ascii=False)),
    st.sampled_from(
        ['"\\u0000 nul"', '"\\ud800 lone"', '"\\udfff"', '"emoji 🗺"', '"tab\\tquote\\""']
    ),
    st.integers(10_000, 200_000).map(lambda n: json.dumps("x" * n)),
)


def obj(pairs: list[tuple[str, str]]) -> str:
    """A JSON object, written by hand so keys may repeat."""
    return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{v}" for k, v in pairs) + "}"


values = st.recursive(
    scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda items: "[" + ",".join(items) + "]"),
        st.lists(st.tuples(st.sampled_from(KEYS), inner), max_size=3).map(obj),
    ),
    max_leaves=8,
)
deep = st.integers(20, 2000).map(lambda n: "[" * n + "1" + "]" * n)

position = st.one_of(
    st.tuples(st.integers(-5, 5), st.integers(-5, 5)).map(lambda p: f"[{p[0]},{p[1]}]"),
    st.sampled_from(["[NaN,1]", "[1]", "[]", "[200,95]", "[1,2,3,4]", '["a","b"]']),
)
ring = st.lists(position, min_size=0, max_size=6).map(lambda ps: "[" + ",".join(ps + ps[:1]) + "]")
geometry = st.one_of(
    st.just("null"),
    st.just('"nothing"'),
    st.just('{"type":"Point","coordinates":"x"}'),
    position.map(lambda p: f'{{"type":"Point","coordinates":{p}}}'),
    st.lists(position, max_size=4).map(
        lambda ps: '{"type":"LineString","coordinates":[' + ",".join(ps) + "]}"
    ),
    st.lists(ring, max_size=3).map(
        lambda rs: '{"type":"Polygon","coordinates":[' + ",".join(rs) + "]}"
    ),
    st.lists(st.lists(ring, max_size=2), max_size=2).map(
        lambda ps: (
            '{"type":"MultiPolygon","coordinates":['
            + ",".join("[" + ",".join(p) + "]" for p in ps)
            + "]}"
        )
    ),
    st.lists(position, max_size=3).map(
        lambda ps: (
            '{"type":"GeometryCollection","geometries":['
            + ",".join(f'{{"type":"Point","coordinates":{p}}}' for p in ps)
            + "]}"
        )
    ),
)


@st.composite
def feature(draw) -> str:
    properties = draw(
        st.lists(
            st.tuples(
                st.sampled_from(KEYS),
                st.one_of(values, deep) if draw(st.integers(0, 9)) == 0 else values,
            ),
            max_size=5,
        )
    )
    pairs = [("type", '"Feature"'), ("properties", obj(properties)), ("geometry", draw(geometry))]
    if draw(st.booleans()):
        pairs.append(("id", draw(st.sampled_from(["1", "1", '"a"', "1.5", "-3", "null"]))))
    return obj(draw(st.permutations(pairs)))


@st.composite
def messy_collection(draw) -> bytes:
    features = draw(st.lists(feature(), min_size=0, max_size=6))
    text = obj([("type", '"FeatureCollection"'), ("features", "[" + ",".join(features) + "]")])
    if draw(st.booleans()):
        text = text.replace(
            '"FeatureCollection"', '"FeatureCollection","type":"FeatureCollection"', 1
        )
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "latin-1", "broken"]))
    if encoding == "latin-1":
        return text.encode("latin-1", errors="replace")
    data = text.encode("utf-8", errors="surrogatepass")
    return data.replace(b"\xc3\xbc", b"\xfc\xff") if encoding == "broken" else data  # stray bytes


def load(data: bytes, directory: Path, platform) -> tuple[InspectResult, list]:
    """The loader as the tasks run it, minus the blob storage: prepare, inspect, stage, and
    read/repair/COPY each chunk in its own transaction."""
    settings, job_id = platform.settings, f"messy{uuid.uuid4().hex}"
    download = directory / "download.bin"
    download.parent.mkdir(parents=True, exist_ok=True)
    download.write_bytes(data)
    prepared = _prepare(download, "messy.geojson", directory, archive_limits(settings), "etag")
    found = inspect_source(prepared, settings, layer=None, source_crs=None)
    with platform.db.connection() as conn:
        for index, group in enumerate(found.groups):
            group.staging = staging.create_staging_tables(conn, job_id, 1, group.columns, index)
    plan = InspectResult(
        source={"format": prepared.format},
        layer=found.layer,
        layers=found.layers,
        datasets=found.datasets,
        groups=found.groups,
        feature_count=found.feature_count,
        declared_geometry_type=found.declared_geometry_type,
        chunks=found.chunks,
        warnings=[],
    )
    reports = []
    try:
        for spec in plan.chunks:
            meta, table = read_chunk(Path(prepared.root), plan, spec)
            chunk = PreparedChunk(plan, spec, meta, table, tolerance=1e-9, sample_size=5)
            with platform.db.connection() as conn:
                reports.append(
                    commit_chunk(conn, {"job_id": job_id, "attempt": 1, "chunk": spec.index}, chunk)
                )
        check_tables(platform, plan, reports)
    finally:
        with platform.db.connection() as conn:
            drop_staging(conn, plan, job_id, 1)
    return plan, reports


def check_tables(platform, plan: InspectResult, reports: list) -> None:
    """Every row valid, served attributes serialisable, every feature accounted for."""
    rows = {
        kind: sum(r.rows.get(kind, 0) for r in reports) for kind in ("points", "lines", "polygons")
    }
    with platform.db.connection() as conn:
        for kind, table in plan.groups[0].staging.items():
            found = conn.execute(
                f"SELECT count(*) AS n, coalesce(bool_and(ST_IsValid(geom)), true) AS valid, "
                f'count(to_jsonb(t)) AS serialised FROM geo_staging."{table}" t'
            ).fetchone()
            assert (found["n"], found["valid"], found["serialised"]) == (
                rows[kind],
                True,
                rows[kind],
            ), kind
    for report in reports:
        assert report.features_read == report.features_kept + sum(report.dropped.values())


@pytest.fixture(scope="module")
def loader_platform(engine_platform):
    return engine_platform


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=messy_collection())
def test_messy_feature_collections_load_clean_or_fail_clean(
    loader_platform, tmp_path_factory, data
):
    note(f"source: {data[:2000]!r}")
    try:
        load(data, tmp_path_factory.mktemp("messy"), loader_platform)
    except InvalidInput as exc:
        note(f"refused: {exc.detail}")
        assert exc.detail and not any(marker in exc.detail for marker in INTERNAL), exc.detail


def test_the_duplicate_key_file_from_the_issue_loads(loader_platform, tmp_path):
    """Nested properties (and a key given twice) failed in the load stage with
    `ArrowNotImplementedError: Function 'match_substring' has no kernel…`."""
    data = (
        b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":1,"a":{"x":1,"x":2},'
        b'"b":{"nan":NaN,"nul":"\\u0000"}},"geometry":{"type":"Point","coordinates":[1,2]}}]}'
    )
    plan, reports = load(data, tmp_path, loader_platform)
    assert [c.pg_type for c in plan.groups[0].columns] == ["jsonb", "jsonb"]
    assert reports[0].rows == {"points": 1} and reports[0].repairs["json_values_cleaned"] == 1
