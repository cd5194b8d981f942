"""What publishing an aggregation writes besides the cells: its h3.aggregations row and
its STAC item (host-independent hrefs, as the vector items have), and the scratch blobs
(a mosaic's VRT) it no longer needs."""

from datetime import timezone
from typing import Any

from services.engine.context import TaskContext
from services.h3.models import Plan
from services.h3.mosaic import scratch_prefix

STAC_VERSION = "1.0.0"


def aggregation_row(
    plan: Plan, bbox: tuple[float, float, float, float], ctx: TaskContext
) -> dict[str, Any]:
    source = plan.source
    west, south, east, north = bbox
    return {
        "source_id": source.source_id,
        "resolution": plan.resolution,
        "collection_id": plan.collection_id,
        "title": f"{source.title} on H3 resolution {plan.resolution}",
        "source": {
            "kind": source.kind,
            "id": source.source_id,
            "band": source.band,
            "raster_type": source.raster_type,
            "nodata": source.nodata,
        },
        "raster_type": source.raster_type,
        "categorical": source.categorical,
        "statistics": plan.statistics,
        "area": plan.area,
        "bbox_west": west,
        "bbox_south": south,
        "bbox_east": east,
        "bbox_north": north,
        "job_id": ctx.job_id,
        "attempt": ctx.job_attempt,
        "stac_collection_id": ctx.adapters.settings.stac_h3_collection,
    }


def stac_collection(collection_id: str) -> dict[str, Any]:
    return {
        "type": "Collection",
        "stac_version": STAC_VERSION,
        "id": collection_id,
        "title": "H3 aggregations",
        "description": "Rasters summarised on the H3 grid by GeoETL's h3_aggregate job",
        "license": "other",
        "links": [],
        "extent": {
            "spatial": {"bbox": [[-180, -90, 180, 90]]},
            "temporal": {"interval": [[None, None]]},
        },
    }


def stac_item(row: dict[str, Any]) -> dict[str, Any]:
    bbox = [row["bbox_west"], row["bbox_south"], row["bbox_east"], row["bbox_north"]]
    features = f"/api/h3/features/collections/{row['collection_id']}"
    return {
        "type": "Feature",
        "stac_version": STAC_VERSION,
        "id": row["collection_id"],
        "collection": row["stac_collection_id"],
        "bbox": bbox,
        "geometry": _footprint(bbox),
        "properties": {
            "title": row["title"],
            "datetime": row["computed_at"]
            .astimezone(timezone.utc)
            .isoformat()
            .replace("+00:00", "Z"),
            "h3:resolution": row["resolution"],
            "geoetl:source": row["source"],
            "geoetl:statistics": row["statistics"],
            "geoetl:cell_count": row["cell_count"],
            "geoetl:categorical": row["categorical"],
            "geoetl:area": row["area"],
            "geoetl:etl_job_id": row["job_id"],
        },
        "links": [],
        "assets": {
            "cells": {
                "href": f"{features}/items",
                "type": "application/geo+json",
                "title": "the cells with their statistics (OGC API – Features)",
                "roles": ["data"],
            },
            "ogc-collection": {
                "href": features,
                "type": "application/json",
                "title": "OGC API – Features collection",
                "roles": ["metadata"],
            },
        },
    }


def _footprint(bbox: list[float]) -> dict[str, Any]:
    """The bbox as a GeoJSON polygon; two across the antimeridian."""
    west, south, east, north = bbox
    boxes = [(west, east)] if west <= east else [(west, 180.0), (-180.0, east)]
    rings = [[[[w, south], [e, south], [e, north], [w, north], [w, south]]] for w, e in boxes]
    return (
        {"type": "Polygon", "coordinates": rings[0]}
        if len(rings) == 1
        else {"type": "MultiPolygon", "coordinates": rings}
    )


def delete_scratch(ctx: TaskContext) -> None:
    """The job's scratch blobs (every attempt's); a retried publish finds fewer or none."""
    blobs, container = ctx.adapters.blobs, ctx.adapters.settings.silver_container
    for blob in blobs.list(container, scratch_prefix(ctx.job_id)):
        blobs.delete(
            container, blob.name
        )  # False when a concurrent retry deleted it first: as wanted
