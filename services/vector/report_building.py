"""The published load's quality report, from the inspection's plan and the chunks' counts."""

from services.vector.models import InspectResult, LayerGroup
from services.vector.precision import SERVED_DECIMALS
from services.vector.publishing import TableChoice
from services.vector.report import ChunkReport, PublishedTable, Validity, VectorReport
from services.vector.staging import GEOMETRY_TYPES


def build_report(
    job_id: str,
    table_name: str,
    plan: InspectResult,
    totals: ChunkReport,
    per_group: dict[int, ChunkReport],
    choices: list[TableChoice],
    warnings: list[str],
) -> VectorReport:
    dropped = sum(totals.dropped.values())
    repairs = dict(totals.repairs)
    for name, count in plan.source.get(
        "prepare_repairs", {}
    ).items():  # salvaged before GDAL read the file
        repairs[name] = repairs.get(name, 0) + count
    first = plan.groups[0]
    return VectorReport(
        job_id=job_id,
        table_name=table_name,
        tables=[
            PublishedTable(
                table_name=c.table_name,
                kind=c.kind,
                geometry_type=GEOMETRY_TYPES[c.kind],
                feature_count=c.rows,
                bbox=per_group[c.group].bbox.get(c.kind),
                layers=list(c.layers) if plan.groups[c.group].name is not None else None,
            )
            for c in choices
        ],
        source={**plan.source, "layer": plan.layer, "layers": plan.layers},
        inferred={
            "format": plan.source["format"],
            "format_reason": plan.source["format_reason"],
            "encoding": plan.source.get("encoding"),
            "encoding_reason": plan.source.get("encoding_reason"),
            "declared_geometry_type": plan.declared_geometry_type,
            "geometry_types_found": totals.input_types,
            "csv_geometry": plan.source.get("csv_geometry"),
            **_group_inference(first, per_group[0]),
            "groups": [
                _group_inference(g, per_group[i]) | {"layers": g.layers}
                for i, g in enumerate(plan.groups)
            ]
            if len(plan.groups) > 1
            else None,
        },
        features_read=totals.features_read,
        features_written=totals.features_kept,
        accounted=totals.features_read == totals.features_kept + dropped,
        rows=totals.rows,
        repairs=repairs,
        dropped=totals.dropped,
        repair_samples=totals.repair_samples,
        dropped_samples=totals.dropped_samples,
        validity=Validity(
            checked=totals.geometries_checked,
            invalid_before=totals.invalid_before,
            invalid_after=totals.invalid_after,
            proven_valid=totals.proven_valid,
            served_decimals=SERVED_DECIMALS,
        ),
        warnings=warnings,
        seconds=totals.seconds,
    )


def _group_inference(group: LayerGroup, totals: ChunkReport) -> dict:
    return {
        "crs": group.source_crs,
        "crs_reason": group.crs_reason,
        "time_candidates": group.time_candidates,
        "temporal_property": group.temporal_property,
        "temporal_extent": [totals.temporal_min, totals.temporal_max]
        if group.temporal_property
        else None,
        "columns": [
            {"name": c.name, "source_name": c.source_name, "type": c.pg_type} for c in group.columns
        ],
    }
