"""What a prepared source holds, as far as the load needs to know before reading it:
the layer, its size, columns, CRS and bounds, time columns and the chunk plan.
Every inference records its reason; impossible sources fail here, before any loading."""

import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pyogrio
from pyogrio import raw
from pyogrio.errors import CRSError, DataLayerError, DataSourceError, FieldError, GeometryError
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as ProjCRSError

from config import Settings
from core.errors import InvalidInput
from services.vector.columns import TEMPORAL_NAME, ColumnPlan, plan_columns, time_candidates
from services.vector.csv_geometry import detect_csv_geometry
from services.vector.models import ChunkSpec
from services.vector.sources import PreparedSource

WGS84 = CRS.from_epsg(4326)
# GDAL silently caps CSV columns at 2,000; lift the cap so the column limit below reports
# the file's real width.
pyogrio.set_gdal_config_options({"OGR_CSV_MAX_FIELD_COUNT": "100000"})
CSV_OPTIONS = {"AUTODETECT_TYPE": "YES", "EMPTY_STRING_AS_NULL": "YES"}


@contextmanager
def gdal_errors(what: str) -> Iterator[None]:
    """GDAL refusing a file is bad input, not a reason to retry."""
    try:
        yield
    except (DataSourceError, DataLayerError, FieldError, GeometryError, CRSError) as exc:
        raise InvalidInput(f"{what}: {exc}") from exc


@dataclass
class Inspection:
    layer: str | None
    layers: list[dict[str, Any]]
    open_options: dict[str, str]
    feature_count: int
    declared_geometry_type: str | None
    encoding: str | None
    source_crs: str
    crs_reason: str
    needs_reprojection: bool
    columns: list[ColumnPlan]
    time_candidates: list[dict[str, str]]
    temporal_property: str | None
    chunks: list[ChunkSpec]
    csv_geometry: str | None = None
    warnings: list[str] = field(default_factory=list)


def inspect_source(prepared: PreparedSource, settings: Settings, *, layer: str | None,
                   source_crs: str | None, all_layers: bool = False) -> Inspection:
    """`all_layers` loads every non-empty geometry layer (e.g. a source shipping its
    polygons and its points as two layers): the columns are their union, chunks name
    their layer, and feature ids continue from one layer to the next."""
    path = Path(prepared.path)
    options, csv_reason = _open_options(prepared, path)
    layers = _layers(path, options)
    chosen = _non_empty_layers(layers) if all_layers else [_choose_layer(layers, layer)]
    infos = [_layer_info(path, name, options) for name in chosen]
    count = sum(int(info["features"]) for info in infos)
    _check_width(max(len(info["fields"]) for info in infos), settings)  # before reading any attribute
    fields = _union_fields([_attribute_fields(path, name, options) for name in chosen])
    _check_width(len(fields), settings)
    warnings: list[str] = []
    # GDAL labels CSV points WGS 84 on its own; a CSV carries no CRS, so it gets the default.
    declared = None if prepared.format == "csv" else _one_crs(chosen, infos)
    crs, crs_reason, reproject = resolve_crs(declared, source_crs, settings.vector_default_crs, prepared.format, warnings)
    check_bounds(_union_bounds(infos), crs, crs_reason, warnings)
    columns = plan_columns(pa.schema(fields), skip=set())
    candidates = time_candidates(columns)
    return Inspection(
        layer=None if all_layers else chosen[0], layers=layers, open_options=options, feature_count=count,
        declared_geometry_type=", ".join(dict.fromkeys(str(info["geometry_type"]) for info in infos)),
        encoding=infos[0].get("encoding"), source_crs=crs, crs_reason=crs_reason, needs_reprojection=reproject,
        columns=columns, time_candidates=candidates, temporal_property=_temporal_property(columns),
        chunks=_plan_chunks(chosen if all_layers else [None], infos, settings.vector_chunk_features),
        csv_geometry=csv_reason, warnings=warnings,
    )


def _check_width(columns: int, settings: Settings) -> None:
    if columns > settings.vector_max_columns:
        raise InvalidInput(f"the source has {columns:,} columns; at most {settings.vector_max_columns:,} "
                           "are accepted (PostgreSQL allows 1,600 per table)")


def _layer_info(path: Path, name: str, options: dict[str, str]) -> dict[str, Any]:
    with gdal_errors("the source could not be read"):
        info = pyogrio.read_info(path, layer=name, force_feature_count=True, force_total_bounds=True, **options)
    if int(info["features"]) <= 0:
        raise InvalidInput(f"layer {name!r} has no features" if name else "the source has no features")
    if info["geometry_type"] is None:
        raise InvalidInput(f"layer {name!r} has no geometry column")
    return info


def _plan_chunks(names: list[str | None], infos: list[dict[str, Any]], size: int) -> list[ChunkSpec]:
    """Formats without fast seeking (FlatGeobuf, KML, CSV) reach a chunk by reading past the
    features before it; that scan is cheap next to the repair (FlatGeobuf: 90,000 complex
    polygons skipped in 0.2 s), so every format gets the same memory-bounded chunk size.
    `names` is [None] for the usual one-layer load (the inspection's layer is read)."""
    chunks, first_id = [], 0
    for name, info in zip(names, infos):
        count = int(info["features"])
        for skip in range(0, count, size):
            chunks.append(ChunkSpec(index=len(chunks), skip=skip, count=min(size, count - skip), layer=name,
                                    id_offset=first_id))
        first_id += count
    return chunks


def _non_empty_layers(layers: list[dict[str, Any]]) -> list[str]:
    names = [layer["name"] for layer in layers if layer["features"] > 0]
    if not names:
        raise InvalidInput("the source has no features")
    return names


def _one_crs(names: list[str], infos: list[dict[str, Any]]) -> str | None:
    """Layers loaded together must share their CRS (one reprojection per load)."""
    declared = {info["crs"] for info in infos}
    if len(declared) > 1:
        described = ", ".join(f"{name}: {info['crs'] or 'none'}" for name, info in zip(names, infos))
        raise InvalidInput(f"the layers declare different CRSs ({described}); load them one at a time with `layer`")
    return infos[0]["crs"]


def _union_bounds(infos: list[dict[str, Any]]):
    bounds = [info.get("total_bounds") for info in infos if info.get("total_bounds") is not None]
    if not bounds:
        return None
    return (min(b[0] for b in bounds), min(b[1] for b in bounds), max(b[2] for b in bounds), max(b[3] for b in bounds))


def _open_options(prepared: PreparedSource, path: Path) -> tuple[dict[str, str], str | None]:
    if prepared.format != "csv":
        return {}, None
    found = detect_csv_geometry(path)
    return {**CSV_OPTIONS, **found.open_options}, found.reason


def _layers(path: Path, options: dict[str, str]) -> list[dict[str, Any]]:
    """Layers with a geometry column (attribute-only tables are not loadable)."""
    with gdal_errors("the source could not be opened"):
        listed = pyogrio.list_layers(path)
        layers = []
        for name, _ in listed:
            # read_info, unlike list_layers, applies the open options (a CSV's geometry columns)
            info = pyogrio.read_info(path, layer=name, force_feature_count=True, **options)
            if info["geometry_type"] is not None:
                layers.append({"name": str(name), "geometry_type": info["geometry_type"],
                               "features": int(info["features"])})
    if not layers:
        raise InvalidInput("the source has no layer with geometries")
    return layers


def _choose_layer(layers: list[dict[str, Any]], wanted: str | None) -> str:
    names = [layer["name"] for layer in layers]
    described = ", ".join(f"{layer['name']} ({layer['geometry_type']}, {layer['features']} features)" for layer in layers)
    if wanted is not None:
        if wanted not in names:
            raise InvalidInput(f"no layer {wanted!r}; the source has: {described}")
        return wanted
    non_empty = [layer["name"] for layer in layers if layer["features"] > 0]
    if len(non_empty) > 1:
        raise InvalidInput(f"the source has {len(non_empty)} layers; choose one with `layer`: {described}")
    return non_empty[0] if non_empty else names[0]


def resolve_crs(found: str | None, override: str | None, default: str, fmt: str,
                warnings: list[str]) -> tuple[str, str, bool]:
    """(CRS as used, why, whether features need reprojecting to EPSG:4326)."""
    if override is not None:
        crs = CRS.from_user_input(override)
        reason = f"source_crs parameter {override}"
        if found and not _same(CRS.from_user_input(found), crs):
            warnings.append(f"source_crs {override} overrides the CRS in the file ({describe_crs(CRS.from_user_input(found))})")
    elif found:
        crs = CRS.from_user_input(found)
        reason = "declared by the source" + (" (RFC 7946: GeoJSON is WGS 84)" if fmt == "geojson" else "")
    else:
        crs = CRS.from_user_input(default)
        reason = f"none in the source: assumed the default {default}"
        warnings.append(f"the source declares no CRS; assumed {default} (pass source_crs if that is wrong)")
    return describe_crs(crs), reason, not _same(crs, WGS84)


def describe_crs(crs: CRS) -> str:
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()


def _same(a: CRS, b: CRS) -> bool:
    return a.equals(b, ignore_axis_order=True)


def check_bounds(bounds, crs_text: str, crs_reason: str, warnings: list[str]) -> None:
    """Refuses sources whose coordinates lie nowhere near the range of their CRS (a wrong
    or missing CRS); a few stray features only earn a warning (they are dropped and counted)."""
    if bounds is None or not all(math.isfinite(v) for v in bounds):
        return
    crs = CRS.from_user_input(crs_text)
    try:
        west, south, east, north = Transformer.from_crs(crs, WGS84, always_xy=True).transform_bounds(*bounds, errcheck=False)
    except ProjCRSError as exc:
        raise InvalidInput(f"cannot transform from {crs_text} to EPSG:4326: {exc}") from exc
    span = f"x {bounds[0]:.6g}..{bounds[2]:.6g}, y {bounds[1]:.6g}..{bounds[3]:.6g}"
    finite = all(math.isfinite(v) for v in (west, south, east, north))
    if not finite or south > 90 or north < -90 or west > 360 or east < -360:
        raise InvalidInput(f"coordinates ({span}) lie far outside the valid range of {_short(crs_text)} "
                           f"(CRS {crs_reason}): the CRS is missing or wrong; pass source_crs")
    if south < -90 or north > 90 or west < -360 or east > 360:
        warnings.append(f"some coordinates ({span}) fall outside the valid range of {_short(crs_text)}; "
                        "those features are dropped (dropped.out_of_bounds)")


def _short(crs_text: str) -> str:
    return crs_text if crs_text.startswith("EPSG:") else "the source CRS"


def _attribute_fields(path: Path, layer: str | None, options: dict[str, str]) -> list[pa.Field]:
    with gdal_errors("the source's attributes could not be read"):
        meta, table = raw.read_arrow(path, layer=layer, max_features=1, return_fids=True, **options)
    special = set(source_special_columns(meta))
    return [f for f in table.schema if f.name not in special]


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
        return pa.int64() if pa.types.is_integer(a.type) and pa.types.is_integer(b.type) else pa.float64()
    if all(pa.types.is_string(f.type) or pa.types.is_large_string(f.type) for f in (a, b)):
        return pa.large_string()
    raise InvalidInput(f"the layers disagree on the type of column {a.name!r} ({a.type} and {b.type}); "
                       "load them one at a time with `layer`")


def source_special_columns(meta: dict[str, Any]) -> tuple[str, str]:
    """(fid column, geometry column) of an arrow read: not attributes."""
    return meta.get("fid_column") or "OGC_FID", meta.get("geometry_name") or "wkb_geometry"


def _temporal_property(columns: list[ColumnPlan]) -> str | None:
    typed = [c for c in columns if c.kind in ("date", "timestamp")]
    named = [c for c in typed if TEMPORAL_NAME.search(c.source_name)]
    chosen = (named or typed or [None])[0]
    return chosen.name if chosen else None


