"""What a prepared source holds, as far as the load needs to know before reading it: the
layers, how they are grouped into tables, each group's columns, CRS and time columns, and
the chunk plan. Every inference records its reason; impossible sources fail here, before
any loading."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyogrio
from pyogrio import raw

from config import Settings
from core.errors import InvalidInput
from services.vector import layers as source_layers
from services.vector.columns import TEMPORAL_NAME, ColumnPlan, plan_columns, time_candidates
from services.vector.crs import check_bounds, resolve_crs
from services.vector.layers import gdal_errors
from services.vector.models import ChunkSpec, LayerGroup
from services.vector.sources import PreparedSource

# GDAL silently caps CSV columns at 2,000; lift the cap so the column limit below reports
# the file's real width.
pyogrio.set_gdal_config_options({"OGR_CSV_MAX_FIELD_COUNT": "100000"})
# Formats whose features are fetched by id in one index seek (a chunk reads its id range
# instead of stepping over the features before it).
SEEK_BY_ID = {"GPKG"}


@dataclass
class Inspection:
    layer: str | None
    layers: list[dict[str, Any]]
    datasets: list[dict[str, Any]]
    groups: list[LayerGroup]
    feature_count: int
    declared_geometry_type: str | None
    encoding: str | None
    chunks: list[ChunkSpec]
    csv_geometry: str | None = None
    warnings: list[str] = field(default_factory=list)


def inspect_source(
    prepared: PreparedSource,
    settings: Settings,
    *,
    layer: str | None,
    source_crs: str | None,
    all_layers: bool = False,
    merge_layers: bool = False,
) -> Inspection:
    """`merge_layers` loads every non-empty geometry layer into one set of tables (their
    columns united, feature ids continuing from one layer to the next); `all_layers`
    loads each into its own."""
    root = Path(prepared.root)
    datasets = source_layers.open_datasets(root, prepared.datasets)
    layers = source_layers.list_layers(root, datasets)
    chosen = source_layers.choose(layers, layer, all_layers, merge_layers)
    entries = {entry["name"]: entry for entry in layers}
    infos = {name: _layer_info(root, datasets, entries[name]) for names in chosen for name in names}
    _check_width(
        max(len(info["fields"]) for info in infos.values()), settings
    )  # before reading any attribute
    warnings: list[str] = []
    suffixes = (
        source_layers.table_suffixes([names[0] for names in chosen]) if all_layers else [None]
    )
    groups = [
        _group(
            names,
            suffix,
            root,
            datasets,
            entries,
            infos,
            source_crs,
            prepared.format,
            settings,
            warnings,
        )
        for names, suffix in zip(chosen, suffixes, strict=True)
    ]
    return Inspection(
        layer=chosen[0][0] if not (all_layers or merge_layers) else None,
        layers=layers,
        datasets=datasets,
        groups=groups,
        feature_count=sum(g.features for g in groups),
        declared_geometry_type=", ".join(
            dict.fromkeys(str(info["geometry_type"]) for info in infos.values())
        ),
        encoding=next(iter(infos.values())).get("encoding"),
        chunks=_plan_chunks(groups, infos, settings.vector_chunk_features),
        csv_geometry=next((d["csv_geometry"] for d in datasets if d["csv_geometry"]), None),
        warnings=warnings,
    )


def _group(
    names: list[str],
    suffix: str | None,
    root: Path,
    datasets: list[dict],
    entries: dict,
    infos: dict,
    source_crs: str | None,
    fmt: str,
    settings: Settings,
    warnings: list[str],
) -> LayerGroup:
    fields = _union_fields([_attribute_fields(root, datasets, entries[name]) for name in names])
    _check_width(len(fields), settings)
    group_infos = [infos[name] for name in names]
    # GDAL labels CSV points WGS 84 on its own; a CSV carries no CRS, so it gets the default.
    csv = all(datasets[entries[name]["dataset"]]["format"] == "csv" for name in names)
    declared = None if csv else _one_crs(names, group_infos)
    crs, crs_reason, reproject = resolve_crs(
        declared, source_crs, settings.vector_default_crs, fmt, warnings
    )
    check_bounds(_union_bounds(group_infos), crs, crs_reason, warnings)
    columns = plan_columns(pa.schema(fields), skip=set())
    return LayerGroup(
        name=suffix,
        layers=names,
        columns=columns,
        time_candidates=time_candidates(columns),
        temporal_property=_temporal_property(columns),
        source_crs=crs,
        crs_reason=crs_reason,
        needs_reprojection=reproject,
        features=sum(int(info["features"]) for info in group_infos),
    )


def _check_width(columns: int, settings: Settings) -> None:
    if columns > settings.vector_max_columns:
        raise InvalidInput(
            f"the source has {columns:,} columns; at most {settings.vector_max_columns:,} "
            "are accepted (PostgreSQL allows 1,600 per table)"
        )


def _layer_info(root: Path, datasets: list[dict], entry: dict[str, Any]) -> dict[str, Any]:
    dataset = datasets[entry["dataset"]]
    path, name = root / dataset["path"], entry["source_layer"]
    with gdal_errors("the source could not be read"):
        info = pyogrio.read_info(
            path,
            layer=name,
            force_feature_count=True,
            force_total_bounds=True,
            **dataset["open_options"],
        )
    if int(info["features"]) <= 0:
        raise InvalidInput(
            f"layer {entry['name']!r} has no features"
            if entry["name"]
            else "the source has no features"
        )
    if info["geometry_type"] is None:
        raise InvalidInput(f"layer {entry['name']!r} has no geometry column")
    info["fid_range"] = _contiguous_ids(path, name, info, dataset["open_options"])
    info["layer"] = entry["name"]
    return info


def _contiguous_ids(
    path: Path, layer: str, info: dict[str, Any], options: dict[str, str]
) -> int | None:
    """The first feature id when a seekable layer's ids run without gaps (1..n as written),
    so chunks can read id ranges; None otherwise."""
    fid = info.get("fid_column")
    if info.get("driver") not in SEEK_BY_ID or not fid:
        return None
    quoted = '"' + layer.replace('"', '""') + '"'
    column = '"' + fid.replace('"', '""') + '"'
    with gdal_errors("the source's feature ids could not be read"):
        _, table = raw.read_arrow(
            path,
            sql=f"SELECT MIN({column}) AS lo, MAX({column}) AS hi, COUNT(*) AS n FROM {quoted}",
            read_geometry=False,
            **options,
        )
    lo, hi, n = (table.column(c)[0].as_py() for c in ("lo", "hi", "n"))
    return int(lo) if lo is not None and hi - lo + 1 == n == int(info["features"]) else None


def _plan_chunks(
    groups: list[LayerGroup], infos: dict[str, dict[str, Any]], size: int
) -> list[ChunkSpec]:
    """Formats without fast seeking (FlatGeobuf, KML, CSV) reach a chunk by reading past the
    features before it; that scan is cheap next to the repair (FlatGeobuf: 90,000 complex
    polygons skipped in 0.2 s), so every format gets the same memory-bounded chunk size.
    A GeoPackage with gapless ids reads each chunk's id range instead (an index seek)."""
    chunks = []
    for index, group in enumerate(groups):
        first_id = 0
        for name in group.layers:
            count, lo = int(infos[name]["features"]), infos[name]["fid_range"]
            for skip in range(0, count, size):
                take = min(size, count - skip)
                chunks.append(
                    ChunkSpec(
                        index=len(chunks),
                        skip=skip,
                        count=take,
                        layer=name,
                        group=index,
                        id_offset=first_id,
                        fid_range=(lo + skip, lo + skip + take) if lo is not None else None,
                    )
                )
            first_id += count
    return chunks


def _one_crs(names: list[str], infos: list[dict[str, Any]]) -> str | None:
    """Layers loaded into the same tables must share their CRS (one reprojection per table)."""
    declared = {info["crs"] for info in infos}
    if len(declared) > 1:
        described = ", ".join(
            f"{name}: {info['crs'] or 'none'}" for name, info in zip(names, infos, strict=True)
        )
        raise InvalidInput(
            f"the layers declare different CRSs ({described}); load them with `all_layers` (a table "
            "each) or one at a time with `layer`"
        )
    return infos[0]["crs"]


def _union_bounds(infos: list[dict[str, Any]]):
    bounds = [info.get("total_bounds") for info in infos if info.get("total_bounds") is not None]
    if not bounds:
        return None
    return (
        min(b[0] for b in bounds),
        min(b[1] for b in bounds),
        max(b[2] for b in bounds),
        max(b[3] for b in bounds),
    )


def _attribute_fields(root: Path, datasets: list[dict], entry: dict[str, Any]) -> list[pa.Field]:
    dataset = datasets[entry["dataset"]]
    with gdal_errors("the source's attributes could not be read"):
        meta, table = raw.read_arrow(
            root / dataset["path"],
            layer=entry["source_layer"],
            max_features=1,
            return_fids=True,
            **dataset["open_options"],
        )
    fid_column, geometry_column = source_special_columns(meta)
    fields = list(table.schema)
    if fields and fields[0].name == fid_column:  # pyogrio: the ids first, the geometry last
        fields = fields[1:]
    if fields and fields[-1].name == geometry_column:
        fields = fields[:-1]
    return fields


def _union_fields(per_layer: list[list[pa.Field]]) -> list[pa.Field]:
    """Every column any layer has, in first-seen order; a column whose type differs
    between layers takes the wider numeric (or text) type."""
    merged: dict[str, pa.Field] = {}
    for fields in per_layer:
        for field_ in fields:
            seen = merged.get(field_.name)
            if seen is None:
                merged[field_.name] = field_
            elif seen.type != field_.type:
                merged[field_.name] = pa.field(field_.name, _wider(seen, field_))
    return list(merged.values())


def _wider(a: pa.Field, b: pa.Field) -> pa.DataType:
    numeric = (pa.types.is_integer, pa.types.is_floating)
    if all(any(test(f.type) for test in numeric) for f in (a, b)):
        return (
            pa.int64()
            if pa.types.is_integer(a.type) and pa.types.is_integer(b.type)
            else pa.float64()
        )
    if all(pa.types.is_string(f.type) or pa.types.is_large_string(f.type) for f in (a, b)):
        return pa.large_string()
    raise InvalidInput(
        f"the layers disagree on the type of column {a.name!r} ({a.type} and {b.type}); "
        "load them with `all_layers` (a table each) or one at a time with `layer`"
    )


def source_special_columns(meta: dict[str, Any]) -> tuple[str, str]:
    """(fid column, geometry column) of an arrow read: not attributes."""
    return meta.get("fid_column") or "OGC_FID", meta.get("geometry_name") or "wkb_geometry"


def _temporal_property(columns: list[ColumnPlan]) -> str | None:
    typed = [c for c in columns if c.kind in ("date", "timestamp")]
    named = [c for c in typed if TEMPORAL_NAME.search(c.source_name)]
    chosen = (named or typed or [None])[0]
    return chosen.name if chosen else None
