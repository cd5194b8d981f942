"""Published H3 aggregations, read-only and public: a listing, and each aggregation as an
OGC API – Features collection whose features are its cells, the hexagons generated from
the cell ids on read (h3), cut at the antimeridian as RFC 7946 asks."""

from datetime import datetime, timezone
from typing import Any

import h3.api.basic_int as h3
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from core.errors import NotFound
from core.h3 import cells as h3cells
from infrastructure.db import zonal_stats
from triggers.http.access import requires
from triggers.http.features import CONFORMANCE, GEOJSON, MAX_LIMIT, page_links, parse_bbox
from triggers.http.limits import MAX_OFFSET
from triggers.http.links import base_url, ogc_landing

router = APIRouter(prefix="/api/h3", tags=["h3"], dependencies=[requires("public")])
STATISTICS = ("count", "sum", "mean", "min", "max", "stddev", "majority", "fractions", "coverage")


def published(request: Request, collection_id: str) -> dict[str, Any]:
    with request.app.state.platform.db.connection() as conn:
        return published_in(conn, collection_id)


def published_in(conn, collection_id: str) -> dict[str, Any]:
    row = zonal_stats.aggregation_by_collection(conn, collection_id)
    if row is None:
        raise NotFound(f"no H3 aggregation {collection_id!r}")
    return row


@router.get("/aggregations")
def aggregations(
    request: Request,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict:
    with request.app.state.platform.db.connection() as conn:
        rows = zonal_stats.list_aggregations(conn, limit=limit, offset=offset)
    return {"aggregations": [_summary(row, base_url(request)) for row in rows]}


def _summary(row: dict[str, Any], base: str) -> dict[str, Any]:
    return {
        "collection_id": row["collection_id"],
        "title": row["title"],
        "source": row["source"],
        "resolution": row["resolution"],
        "statistics": row["statistics"],
        "categorical": row["categorical"],
        "cells": row["cell_count"],
        "area": row["area"],
        "job_id": row["job_id"],
        "computed_at": row["computed_at"].isoformat(),
        "bbox": [row["bbox_west"], row["bbox_south"], row["bbox_east"], row["bbox_north"]],
        "features_url": f"{base}/api/h3/features/collections/{row['collection_id']}/items",
        "stac_item_url": f"{base}/api/stac/collections/{row['stac_collection_id']}/items/{row['collection_id']}",
    }


@router.get("/features")
def landing(request: Request) -> dict[str, Any]:
    return ogc_landing(
        request,
        "/api/h3/features",
        "GeoETL H3 aggregations",
        "Rasters summarised on H3 cells (OGC API – Features)",
    )


@router.get("/features/conformance")
def conformance() -> dict[str, Any]:
    return {"conformsTo": CONFORMANCE}


@router.get("/features/collections")
def collections(
    request: Request,
    limit: int = Query(1000, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict:
    with request.app.state.platform.db.connection() as conn:
        rows = zonal_stats.list_aggregations(conn, limit=limit, offset=offset)
    base = base_url(request)
    return {
        "links": [
            {
                "href": f"{base}/api/h3/features/collections",
                "rel": "self",
                "type": "application/json",
            }
        ],
        "collections": [_collection(row, base) for row in rows],
    }


@router.get("/features/collections/{collection_id}")
def collection(collection_id: str, request: Request) -> dict[str, Any]:
    return _collection(published(request, collection_id), base_url(request))


def _collection(row: dict[str, Any], base: str) -> dict[str, Any]:
    url = f"{base}/api/h3/features/collections/{row['collection_id']}"
    return {
        "id": row["collection_id"],
        "title": row["title"],
        "description": f"{row['cell_count']:,} H3 cells at resolution {row['resolution']}: "
        f"{', '.join(row['statistics'])} of {row['source']['id']}",
        "itemType": "feature",
        "extent": {
            "spatial": {
                "bbox": [
                    [row["bbox_west"], row["bbox_south"], row["bbox_east"], row["bbox_north"]]
                ],
                "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
            }
        },
        "links": [
            {"href": url, "rel": "self", "type": "application/json", "title": "this collection"},
            {
                "href": f"{url}/items",
                "rel": "items",
                "type": GEOJSON,
                "title": "the cells as GeoJSON",
            },
            {
                "href": f"{url}/tiles",
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                "type": "application/json",
                "title": "the cells as vector tiles",
            },
            {
                "href": f"{url}/style",
                "rel": "stylesheet",
                "type": "application/vnd.mapbox.style+json",
                "title": "a MapLibre style (?statistic=...)",
            },
        ],
    }


@router.get("/features/collections/{collection_id}/items")
def items(
    collection_id: str,
    request: Request,
    bbox: str | None = Query(None, description="west,south,east,north (CRS84)"),
    limit: int = Query(10, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> JSONResponse:
    row = published(request, collection_id)
    with request.app.state.platform.db.connection() as conn:
        found, matched = zonal_stats.cells_page(
            conn, row, bboxes=parse_bbox(bbox), limit=limit, offset=offset
        )
    url = f"{base_url(request)}/api/h3/features/collections/{collection_id}"
    body = {
        "type": "FeatureCollection",
        "features": [_feature(cell) for cell in found],
        "numberMatched": matched,
        "numberReturned": len(found),
        "timeStamp": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
        "links": page_links(
            f"{url}/items", {"bbox": bbox} if bbox else {}, limit, offset, len(found), matched
        )
        + [{"href": url, "rel": "collection", "type": "application/json", "title": row["title"]}],
    }
    return JSONResponse(body, media_type=GEOJSON)


@router.get("/features/collections/{collection_id}/items/{cell_id}")
def item(collection_id: str, cell_id: str, request: Request) -> JSONResponse:
    row = published(request, collection_id)
    cell = _cell(cell_id)
    with request.app.state.platform.db.connection() as conn:
        found, _ = zonal_stats.cells_page(conn, row, bboxes=[], cell=cell, limit=1, offset=0)
    if not found:
        raise NotFound(f"no cell {cell_id!r} in {collection_id!r}")
    url = f"{base_url(request)}/api/h3/features/collections/{collection_id}"
    feature = _feature(found[0]) | {
        "links": [
            {"href": f"{url}/items/{cell_id}", "rel": "self", "type": GEOJSON},
            {"href": url, "rel": "collection", "type": "application/json"},
        ]
    }
    return JSONResponse(feature, media_type=GEOJSON)


def _cell(cell_id: str) -> int:
    """A cell id as H3 writes it (15 hex digits); anything else names no feature."""
    try:
        cell = h3.str_to_int(cell_id)
    except (ValueError, TypeError):
        raise NotFound(f"{cell_id!r} is not an H3 cell id") from None
    if not h3.is_valid_cell(cell):
        raise NotFound(f"{cell_id!r} is not an H3 cell id")
    return cell


def _feature(row: dict[str, Any]) -> dict[str, Any]:
    cell_id = h3.int_to_str(row["cell"])
    properties = {
        "cell": cell_id,
        **{name: row[name] for name in STATISTICS if row[name] is not None},
        "computed_at": row["computed_at"].isoformat(),
    }
    return {
        "type": "Feature",
        "id": cell_id,
        "geometry": h3cells.geojson(row["cell"]),
        "properties": properties,
    }
