"""OGC API – Features, Part 1 (core, GeoJSON) over the published tables in `geo`.

Collections are built from VectorMetadata (geo.table_metadata); features come from
PostGIS as GeoJSON. QGIS, GDAL (OAPIF driver) and OWSLib can add these layers.
"""

import math
import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from core.errors import BadRequest, NotFound
from core.features.cql import parse_filter
from core.features.query import (
    RESERVED,
    FeatureQuery,
    check_crs,
    parse_datetime,
    parse_equalities,
    parse_properties,
    parse_sortby,
)
from core.models.metadata import VectorMetadata
from infrastructure.db import catalog, features
from triggers.http.access import requires
from triggers.http.limits import MAX_OFFSET
from triggers.http.links import base_url, ogc_landing

router = APIRouter(prefix="/api/features", tags=["ogc-features"], dependencies=[requires("public")])

GEOJSON = "application/geo+json"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/sortables",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/property-property",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
]
MAX_LIMIT = 10_000
FEATURE_ID = re.compile(r"[0-9]{1,18}")


def _meta(request: Request, collection_id: str) -> VectorMetadata:
    with request.app.state.platform.db.connection() as conn:
        meta = catalog.get_vector_metadata(conn, collection_id)
    if meta is None:
        raise NotFound(f"no collection {collection_id!r}")
    return meta


@router.get("")
def landing(request: Request) -> dict[str, Any]:
    page = ogc_landing(
        request,
        "/api/features",
        "GeoETL features",
        "Vector tables published by GeoETL (OGC API – Features)",
    )
    page["links"].append(
        {
            "href": f"{base_url(request)}/api/interface/map",
            "rel": "alternate",
            "type": "text/html",
            "title": "every collection on a map",
        }
    )
    return page


@router.get("/conformance")
def conformance() -> dict[str, Any]:
    return {"conformsTo": CONFORMANCE}


@router.get("/collections")
def collections(
    request: Request,
    limit: int = Query(1000, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict[str, Any]:
    with request.app.state.platform.db.connection() as conn:
        metas, _ = catalog.list_vector_metadata(conn, limit=limit, offset=offset)
    base = base_url(request)
    return {
        "links": [
            {"href": f"{base}/api/features/collections", "rel": "self", "type": "application/json"}
        ],
        "collections": [m.to_ogc_collection(base) for m in metas],
    }


@router.get("/collections/{collection_id}")
def collection(collection_id: str, request: Request) -> dict[str, Any]:
    return _meta(request, collection_id).to_ogc_collection(base_url(request))


@router.get("/collections/{collection_id}/queryables")
def queryables(collection_id: str, request: Request) -> JSONResponse:
    return JSONResponse(
        _meta(request, collection_id).queryables(base_url(request)),
        media_type="application/schema+json",
    )


@router.get("/collections/{collection_id}/items")
def items(
    collection_id: str,
    request: Request,
    bbox: str | None = Query(None, description="west,south,east,north (CRS84)"),
    limit: int = Query(10, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    datetime_: str | None = Query(
        None,
        alias="datetime",
        max_length=200,
        description="an RFC 3339 instant (a date: that day) or an interval "
        "start/end, `..` for an open end; on the detected time column",
    ),
    filter_: str | None = Query(None, alias="filter", description="a CQL2 filter (docs/maps.md)"),
    filter_lang: str | None = Query(
        None, alias="filter-lang", description="cql2-text (default) or cql2-json"
    ),
    filter_crs: str | None = Query(None, alias="filter-crs", description="CRS84 only"),
    bbox_crs: str | None = Query(None, alias="bbox-crs", description="CRS84 only"),
    sortby: str | None = Query(
        None, max_length=2000, description="[+|-]queryable,... (then by id)"
    ),
    properties: str | None = Query(
        None, max_length=20000, description="queryables to return, comma-separated"
    ),
) -> JSONResponse:
    """Features of a collection. Any other parameter must be a queryable: `name=value` keeps
    features whose `name` equals the value. Malformed parameters are a 400."""
    meta = _meta(request, collection_id)
    boxes = parse_bbox(bbox)
    feature_query = read_query(
        meta, dict(request.query_params), datetime_, filter_, filter_lang, sortby, properties
    )
    check_crs(filter_crs, "filter-crs")
    check_crs(bbox_crs, "bbox-crs")
    with request.app.state.platform.db.connection() as conn:
        found, matched = features.items(
            conn, meta, bboxes=boxes, query=feature_query, limit=limit, offset=offset
        )
    url = f"{base_url(request)}/api/features/collections/{collection_id}"
    body = {
        "type": "FeatureCollection",
        "features": found,
        "numberMatched": matched,
        "numberReturned": len(found),
        "timeStamp": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
        "links": page_links(
            f"{url}/items", dict(request.query_params), limit, offset, len(found), matched
        )
        + [
            {
                "href": url,
                "rel": "collection",
                "type": "application/json",
                "title": meta.title or meta.id,
            }
        ],
    }
    return JSONResponse(body, media_type=GEOJSON)


def read_query(
    meta: VectorMetadata,
    params: dict[str, str],
    datetime_text: str | None,
    filter_text: str | None,
    filter_lang: str | None,
    sortby: str | None,
    properties: str | None,
    reserved: set[str] = RESERVED,
) -> FeatureQuery:
    """The filters, order and properties a request asks for, checked against the collection;
    `params` names that are not `reserved` (the route's own) must be queryables."""
    query = FeatureQuery(equalities=parse_equalities(params, meta, reserved))
    if datetime_text is not None:
        if meta.temporal_property is None:
            raise BadRequest(
                f"datetime: {meta.id} has no time column (its temporal extent is not known)"
            )
        query.time_column, query.window = meta.temporal_property, parse_datetime(datetime_text)
    if filter_text is not None:
        query.cql2 = parse_filter(filter_text, filter_lang)
    elif filter_lang is not None and filter_lang not in ("cql2-text", "cql2-json"):
        raise BadRequest(f"filter-lang must be cql2-text or cql2-json (got {filter_lang!r})")
    if sortby is not None:
        query.sortby = parse_sortby(sortby, meta)
    if properties is not None:
        query.properties = parse_properties(properties, meta)
    return query


@router.get("/collections/{collection_id}/items/{feature_id}")
def item(collection_id: str, feature_id: str, request: Request) -> JSONResponse:
    meta = _meta(request, collection_id)
    if not FEATURE_ID.fullmatch(feature_id):  # ASCII digits only: '²' or '１２' are not ids
        raise NotFound(f"no feature {feature_id!r} in {collection_id!r}")
    with request.app.state.platform.db.connection() as conn:
        feature = features.item(conn, meta, int(feature_id))
    if feature is None:
        raise NotFound(f"no feature {feature_id!r} in {collection_id!r}")
    url = f"{base_url(request)}/api/features/collections/{collection_id}"
    feature["links"] = [
        {"href": f"{url}/items/{feature_id}", "rel": "self", "type": GEOJSON},
        {"href": url, "rel": "collection", "type": "application/json"},
    ]
    return JSONResponse(feature, media_type=GEOJSON)


def parse_bbox(text: str | None) -> list[tuple[float, float, float, float]]:
    """One box, or two when it crosses the antimeridian (west > east)."""
    if text is None:
        return []
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError as exc:
        raise BadRequest(
            f"bbox must be four numbers: west,south,east,north (got {text!r})"
        ) from exc
    if len(values) == 6:  # with heights: west,south,min,east,north,max
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise BadRequest(f"bbox must be four numbers: west,south,east,north (got {text!r})")
    west, south, east, north = values
    if south > north:
        raise BadRequest("bbox south is greater than north")
    if west > east:
        return [(west, south, 180.0, north), (-180.0, south, east, north)]
    return [(west, south, east, north)]


def page_links(
    url: str, params: dict[str, str], limit: int, offset: int, returned: int, matched: int
) -> list[dict]:
    """self/next/prev with the request's own filters, so a client paging on keeps them."""
    kept = {k: v for k, v in params.items() if k not in ("limit", "offset")}

    def href(at: int) -> str:
        return f"{url}?{urlencode(kept | {'limit': limit, 'offset': at})}"

    links = [{"href": href(offset), "rel": "self", "type": GEOJSON, "title": "this page"}]
    if offset + returned < matched:
        links.append(
            {"href": href(offset + limit), "rel": "next", "type": GEOJSON, "title": "next page"}
        )
    if offset > 0:
        links.append(
            {
                "href": href(max(0, offset - limit)),
                "rel": "prev",
                "type": GEOJSON,
                "title": "previous page",
            }
        )
    return links
