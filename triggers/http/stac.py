"""A read-only STAC API over pgSTAC: collections, their items, one item.

Stored items carry host-independent (root-relative) hrefs; links and absolute hrefs are
added here, from the URL the request came in on.
"""

from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import psycopg
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from core.errors import BadRequest, NotFound
from infrastructure.db import stac_catalog
from triggers.http.access import requires
from triggers.http.links import base_url

router = APIRouter(prefix="/api/stac", tags=["stac"], dependencies=[requires("public")])
GEOJSON = "application/geo+json"


@router.get("/collections")
def collections(request: Request) -> dict[str, Any]:
    with request.app.state.platform.db.connection() as conn:
        found = stac_catalog.all_collections(conn)
    base = base_url(request)
    return {
        "collections": [_collection_links(c, base) for c in found],
        "links": [
            {"href": f"{base}/api/stac/collections", "rel": "self", "type": "application/json"}
        ],
    }


@router.get("/collections/{collection_id}")
def collection(collection_id: str, request: Request) -> dict[str, Any]:
    with request.app.state.platform.db.connection() as conn:
        found = stac_catalog.get_collection(conn, collection_id)
    if found is None:
        raise NotFound(f"no STAC collection {collection_id!r}")
    return _collection_links(found, base_url(request))


@router.get("/collections/{collection_id}/items")
def items(
    collection_id: str,
    request: Request,
    limit: int = Query(10, ge=1, le=1000),
    token: str | None = Query(None, max_length=2000),
) -> JSONResponse:
    base = base_url(request)
    search = {"collections": [collection_id], "limit": limit} | ({"token": token} if token else {})
    with request.app.state.platform.db.connection() as conn:
        if stac_catalog.get_collection(conn, collection_id) is None:
            raise NotFound(f"no STAC collection {collection_id!r}")
        result = _search(conn, search)
    url = f"{base}/api/stac/collections/{collection_id}/items"
    links = [
        {"href": url, "rel": "self", "type": GEOJSON},
        {
            "href": f"{base}/api/stac/collections/{collection_id}",
            "rel": "collection",
            "type": "application/json",
        },
    ]
    for link in result.get("links", []):
        if link.get("rel") in ("next", "prev") and (page := _token(link.get("href", ""))):
            links.append(
                {
                    "href": f"{url}?{urlencode({'limit': limit, 'token': page})}",
                    "rel": link["rel"],
                    "type": GEOJSON,
                }
            )
    body = {
        "type": "FeatureCollection",
        "features": [_item_links(i, base) for i in result.get("features") or []],
        "numberReturned": result.get("numberReturned", 0),
        "links": links,
    }
    return JSONResponse(body, media_type=GEOJSON)


@router.get("/collections/{collection_id}/items/{item_id}")
def item(collection_id: str, item_id: str, request: Request) -> JSONResponse:
    with request.app.state.platform.db.connection() as conn:
        found = stac_catalog.get_item(conn, collection_id, item_id)
    if found is None:
        raise NotFound(f"no STAC item {item_id!r} in {collection_id!r}")
    return JSONResponse(_item_links(found, base_url(request)), media_type=GEOJSON)


def _search(conn, search: dict[str, Any]) -> dict[str, Any]:
    """pgSTAC's search; a paging token it cannot read is the caller's error, not ours."""
    try:
        return stac_catalog.search(conn, search)
    except psycopg.Error as exc:
        if "token" not in search:
            raise
        raise BadRequest(
            "invalid paging token: use the token of a next/prev link as given"
        ) from exc


def _token(href: str) -> str | None:
    values = parse_qs(urlparse(href).query).get("token")
    return values[0] if values else None


def _collection_links(collection: dict[str, Any], base: str) -> dict[str, Any]:
    url = f"{base}/api/stac/collections/{collection['id']}"
    kept = [
        link
        for link in collection.get("links", [])
        if link.get("rel") not in ("self", "items", "root", "parent")
    ]
    return {
        **collection,
        "links": kept
        + [
            {"href": url, "rel": "self", "type": "application/json"},
            {"href": f"{url}/items", "rel": "items", "type": GEOJSON},
            {"href": f"{base}/api/stac/collections", "rel": "parent", "type": "application/json"},
        ],
    }


def _item_links(item: dict[str, Any], base: str) -> dict[str, Any]:
    collection_url = f"{base}/api/stac/collections/{item['collection']}"
    assets = {
        key: {**asset, "href": _absolute(asset.get("href", ""), base)}
        for key, asset in item.get("assets", {}).items()
    }
    kept = [
        link
        for link in item.get("links", [])
        if link.get("rel") not in ("self", "collection", "parent", "root")
    ]
    return {
        **item,
        "assets": assets,
        "links": kept
        + [
            {"href": f"{collection_url}/items/{item['id']}", "rel": "self", "type": GEOJSON},
            {"href": collection_url, "rel": "collection", "type": "application/json"},
            {"href": collection_url, "rel": "parent", "type": "application/json"},
        ],
    }


def _absolute(href: str, base: str) -> str:
    return f"{base}{href}" if href.startswith("/") else href
