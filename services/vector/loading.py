"""One chunk of features: read, repaired, and COPYed into the staging tables in one
transaction, recorded in app.vector_chunks so running it again changes nothing."""

from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pyarrow as pa
from psycopg.types.json import Jsonb
import pyogrio
from pyogrio import raw
from pyproj import CRS, Transformer

from infrastructure.db.queries import sql
from services.vector.attributes import prepare_columns, python_values, temporal_range
from services.vector import wkb_headers
from services.vector.ewkb import multi_ewkb
from services.vector.inspection import source_special_columns
from services.vector.layers import gdal_errors
from services.vector.models import ChunkSpec, InspectResult, LayerGroup
from services.vector.repair import SRID, RepairedGeometries, repair
from services.vector.report import KINDS, ChunkReport, RepairLog
from services.vector.staging import copy_rows


def stored_report(conn, key: dict) -> ChunkReport | None:
    row = conn.execute(sql("vector/chunk_report"), key).fetchone()
    return ChunkReport(**row["report"]) if row else None


def read_chunk(root: Path, plan: InspectResult, spec: ChunkSpec) -> tuple[dict, pa.Table]:
    """The chunk's features, by id range where the layer allows it, else by position."""
    entry = plan.layer_entry(spec.layer)
    dataset = plan.datasets[entry["dataset"]]
    path, layer = root / dataset["path"], entry["source_layer"]
    with gdal_errors(f"features {spec.skip}-{spec.skip + spec.count - 1} could not be read"):
        if spec.fid_range is not None:
            meta = pyogrio.read_info(path, layer=layer, **dataset["open_options"])
            column = '"' + meta["fid_column"].replace('"', '""') + '"'
            where = f"{column} >= {int(spec.fid_range[0])} AND {column} < {int(spec.fid_range[1])}"
            return raw.read_arrow(
                path, layer=layer, where=where, return_fids=True, **dataset["open_options"]
            )
        return raw.read_arrow(
            path,
            layer=layer,
            skip_features=spec.skip,
            max_features=spec.count,
            return_fids=True,
            **dataset["open_options"],
        )


def to_wgs84(source_crs: str) -> Callable[[np.ndarray], np.ndarray]:
    transformer = Transformer.from_crs(
        CRS.from_user_input(source_crs), CRS.from_epsg(4326), always_xy=True
    )

    def transform(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1], errcheck=False)
        return np.column_stack([x, y])

    return transform


class PreparedChunk:
    """A chunk after repair, ready to COPY: rows per kind and the report."""

    def __init__(
        self,
        plan: InspectResult,
        spec: ChunkSpec,
        meta: dict,
        table: pa.Table,
        *,
        tolerance: float,
        sample_size: int,
    ):
        fid_column, geometry_column = source_special_columns(meta)
        # pyogrio puts the ids first and the geometry last: read them by position, as a
        # property may carry either name too.
        names = table.column_names
        fids = (
            table.column(0).to_numpy()
            if names and names[0] == fid_column
            else np.arange(spec.skip, spec.skip + table.num_rows)
        )
        geometry = table.column(len(names) - 1 - names[::-1].index(geometry_column))
        wkb = geometry.to_numpy(zero_copy_only=False)
        self.plan, self.spec = plan, spec
        self.group: LayerGroup = plan.groups[spec.group]
        self.log = RepairLog(sample_size)
        transform = to_wgs84(self.group.source_crs) if self.group.needs_reprojection else None
        self.geometries: RepairedGeometries = repair(
            wkb,
            fids,
            self.log,
            transform=transform,
            tolerance=tolerance,
            codes=wkb_headers.type_codes(geometry),
        )
        self.attributes = prepare_columns(table, self.group.columns, fids, self.log)
        self.read = table.num_rows
        self.report = self._report()

    def _report(self) -> ChunkReport:
        g = self.geometries
        kept = np.unique(g.rows)
        report = ChunkReport(
            chunk=self.spec.index,
            group=self.spec.group,
            features_read=self.read,
            features_kept=len(kept),
            rows={kind: int((g.kinds == kind).sum()) for kind in KINDS if (g.kinds == kind).any()},
            repairs=self.log.repairs,
            dropped=self.log.dropped,
            repair_samples=self.log.repair_samples,
            dropped_samples=self.log.drop_samples,
            geometries_checked=g.checked,
            invalid_before=g.invalid_before,
            invalid_after=g.invalid_after,
            proven_valid=g.proven,
            input_types=g.input_types,
            bbox={
                kind: _bbox(g.bounds[g.kinds == kind]) for kind in KINDS if (g.kinds == kind).any()
            },
        )
        if self.group.temporal_property is not None:
            position = [c.name for c in self.group.columns].index(self.group.temporal_property)
            report.temporal_min, report.temporal_max = temporal_range(
                self.attributes[position], kept
            )
        return report

    def _selected(self, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Output positions of `kind`, their source rows, and ids (the feature's 1-based
        ordinal in the source, so ids are stable across re-runs of the same file)."""
        g = self.geometries
        selected = np.flatnonzero(g.kinds == kind)
        source_rows = g.rows[selected]
        return selected, source_rows, self.spec.id_offset + self.spec.skip + source_rows + 1

    def rows(self, kind: str) -> Iterator[tuple]:
        selected, source_rows, ids = self._selected(kind)
        if len(selected) == 0:
            return iter(())
        geometries = [multi_ewkb(self.geometries.wkb[i], SRID) for i in selected]
        values = [
            python_values(array, column, source_rows)
            for array, column in zip(self.attributes, self.group.columns, strict=True)
        ]
        return zip(ids.tolist(), geometries, *values, strict=True)


def _bbox(bounds: np.ndarray) -> list[float]:
    return [
        float(bounds[:, 0].min()),
        float(bounds[:, 1].min()),
        float(bounds[:, 2].max()),
        float(bounds[:, 3].max()),
    ]


def commit_chunk(conn, key: dict, chunk: PreparedChunk) -> ChunkReport:
    """COPY every kind's rows and record the chunk, all or nothing. A concurrent duplicate
    run waits on the ledger row and then finds the chunk already recorded."""
    recorded = conn.execute(
        sql("vector/record_chunk"), key | {"report": Jsonb(chunk.report.model_dump())}
    ).fetchone()
    if recorded is None:
        conn.rollback()
        return stored_report(conn, key)
    for kind in KINDS:
        if chunk.report.rows.get(kind):
            copy_rows(conn, chunk.group.staging[kind], chunk.group.columns, chunk.rows(kind))
    return chunk.report
