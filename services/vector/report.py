"""The quality report: what was read, what was repaired or dropped and why, what was inferred.

Chunk tasks each produce a ChunkReport; the publish stage merges them into one
VectorReport, stored with the job result and served at GET /api/vector/{table}/report.
"""

from typing import Any

import numpy as np
from pydantic import BaseModel

# What each counter means (published with the report, so a reader needs no docs).
REPAIRS = {
    "rings_closed": "features whose unclosed rings were closed",
    "curves_linearized": "features with curves (circular arcs) stroked into straight segments: at most 2.8125° of "
    "arc per segment, within 0.03 % of the radius of the true curve",
    "bare_rings_salvaged": "features with a ring outside any polygon (e.g. a KML LinearRing), built as the polygon it "
    "bounds (or a line when it encloses nothing)",
    "partly_salvaged": "features whose geometry was partly unreadable or unbuildable: the readable parts were kept",
    "unbuildable_parts_dropped": "collection members, rings and vertices that could not be built (dropped)",
    "empty_parts_removed": "empty rings and empty parts removed (PostGIS refuses empty rings)",
    "non_finite_vertices_removed": "features from which NaN or infinite vertices were removed",
    "forced_2d": "features whose Z/M coordinates were dropped",
    "reprojected": "features reprojected to EPSG:4326",
    "duplicate_vertices_removed": "repeated or near-identical consecutive vertices removed (vertices)",
    "features_with_duplicate_vertices": "features that had repeated consecutive vertices",
    "made_valid": "invalid features repaired with make_valid (structure method)",
    "collapsed_parts_dropped": "parts that collapsed to a lower dimension during repair (dropped)",
    "snap_rounded": "repaired geometries that rounding to the served 1e-9° grid made invalid, snap-rounded "
    "valid on the grid (parts collapsed at that precision removed)",
    "reoriented": "polygon features re-oriented (exterior counter-clockwise, holes clockwise)",
    "antimeridian_split": "features cut at the antimeridian into pieces on both sides",
    "longitudes_wrapped": "features moved back into [-180, 180] longitude",
    "collections_split": "geometry collections split by kind into the per-kind tables",
    "collection_parts_dropped": "pieces of a split collection dropped (collapsed or out of range) while the "
    "feature's other pieces were kept",
    "promoted_to_multi": "single geometries stored as their Multi type",
    "dates_nulled": "date/time values outside years 1-9999 set to NULL",
    "nul_characters_removed": "text values from which NUL characters were removed",
    "invalid_utf8_replaced": "text values with invalid UTF-8 (bad bytes replaced)",
    "json_values_cleaned": "nested (JSON) values PostgreSQL would refuse, cleaned: NaN/Infinity as null, NUL "
    "characters removed, unpaired surrogates replaced, nesting past 100 levels cut",
}
DROPS = {
    "null_geometry": "no geometry",
    "empty_geometry": "empty geometry",
    "unreadable_geometry": "geometry with nothing that could be read or built (corrupt, or a line of one point)",
    "out_of_bounds": "coordinates outside the valid range of the CRS (non-finite, |lat| > 90 or |lon| > 360 after reprojection)",
    "collapsed": "geometry that collapsed entirely to a lower dimension when made valid",
}
KINDS = ("points", "lines", "polygons")


class RepairLog:
    """Counters and capped samples of source feature ids, filled by the vectorized steps."""

    def __init__(self, sample_size: int):
        self.sample_size = sample_size
        self.repairs: dict[str, int] = {}
        self.dropped: dict[str, int] = {}
        self.repair_samples: dict[str, list[int]] = {}
        self.drop_samples: dict[str, list[int]] = {}

    def repair(self, name: str, fids: np.ndarray, amount: int | None = None) -> None:
        if len(fids) == 0 and not amount:
            return
        self.repairs[name] = self.repairs.get(name, 0) + (len(fids) if amount is None else amount)
        self._sample(self.repair_samples, name, fids)

    def drop(self, reason: str, fids: np.ndarray) -> None:
        if len(fids) == 0:
            return
        self.dropped[reason] = self.dropped.get(reason, 0) + len(fids)
        self._sample(self.drop_samples, reason, fids)

    def _sample(self, samples: dict[str, list[int]], name: str, fids: np.ndarray) -> None:
        kept = samples.setdefault(name, [])
        room = self.sample_size - len(kept)
        if room > 0:
            kept.extend(int(f) for f in fids[:room])


class ChunkReport(BaseModel):
    chunk: int
    group: int = 0
    features_read: int = 0
    features_kept: int = 0
    rows: dict[str, int] = {}
    repairs: dict[str, int] = {}
    dropped: dict[str, int] = {}
    repair_samples: dict[str, list[int]] = {}
    dropped_samples: dict[str, list[int]] = {}
    geometries_checked: int = 0
    invalid_before: int = 0
    invalid_after: int = 0
    proven_valid: int = 0
    input_types: dict[str, int] = {}
    bbox: dict[str, list[float]] = {}
    temporal_min: str | None = None
    temporal_max: str | None = None
    seconds: dict[
        str, float
    ] = {}  # where the chunk's time went: read, repair, copy (the task's own clock)


class Validity(BaseModel):
    """`checked`: every geometry; `proven_valid`: polygons the star-shaped test cleared
    (valid as stored and as served) without GEOS; `invalid_before`/`invalid_after`: of
    the rest, on the served grid, before and after repair."""

    checked: int
    invalid_before: int
    invalid_after: int
    proven_valid: int = 0
    served_decimals: int = 9


class PublishedTable(BaseModel):
    table_name: str
    kind: str
    geometry_type: str
    feature_count: int
    bbox: list[float] | None
    layers: list[str] | None = None  # all_layers: the source layer the table holds


class VectorReport(BaseModel):
    job_id: str
    table_name: str
    tables: list[PublishedTable]
    source: dict[str, Any]
    inferred: dict[str, Any]
    features_read: int
    features_written: int
    accounted: bool
    rows: dict[str, int]
    repairs: dict[str, int]
    dropped: dict[str, int]
    repair_samples: dict[str, list[int]]
    dropped_samples: dict[str, list[int]]
    validity: Validity
    warnings: list[str]
    seconds: dict[str, float] = {}  # summed over the load's chunks: read, repair, copy
    definitions: dict[str, dict[str, str]] = {"repairs": REPAIRS, "dropped": DROPS}

    def summary(self) -> dict[str, Any]:
        return {
            "features_read": self.features_read,
            "features_written": self.features_written,
            "accounted": self.accounted,
            "rows": self.rows,
            "repairs": self.repairs,
            "dropped": self.dropped,
            "validity": self.validity.model_dump(),
            "warnings": len(self.warnings),
            "seconds": self.seconds,
        }


def merge_chunks(chunks: list[ChunkReport], sample_size: int) -> ChunkReport:
    total = ChunkReport(chunk=-1)
    for chunk in sorted(chunks, key=lambda c: c.chunk):
        total.features_read += chunk.features_read
        total.features_kept += chunk.features_kept
        total.geometries_checked += chunk.geometries_checked
        total.invalid_before += chunk.invalid_before
        total.invalid_after += chunk.invalid_after
        total.proven_valid += chunk.proven_valid
        for mine, theirs in (
            (total.rows, chunk.rows),
            (total.repairs, chunk.repairs),
            (total.dropped, chunk.dropped),
            (total.input_types, chunk.input_types),
        ):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value
        for mine, theirs in (
            (total.repair_samples, chunk.repair_samples),
            (total.dropped_samples, chunk.dropped_samples),
        ):
            for key, values in theirs.items():
                kept = mine.setdefault(key, [])
                kept.extend(values[: max(0, sample_size - len(kept))])
        for kind, box in chunk.bbox.items():
            total.bbox[kind] = union_bbox(total.bbox.get(kind), box)
        for step, seconds in chunk.seconds.items():
            total.seconds[step] = round(total.seconds.get(step, 0.0) + seconds, 3)
        total.temporal_min = _min(total.temporal_min, chunk.temporal_min)
        total.temporal_max = _max(total.temporal_max, chunk.temporal_max)
    return total


def union_bbox(a: list[float] | None, b: list[float] | None) -> list[float] | None:
    if a is None:
        return b
    if b is None:
        return a
    return [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]


def _min(a: str | None, b: str | None) -> str | None:
    return b if a is None else a if b is None else min(a, b)


def _max(a: str | None, b: str | None) -> str | None:
    return b if a is None else a if b is None else max(a, b)
