"""What the map page offers (GET /api/maps/layers): every published table, raster,
pgSTAC collection and H3 aggregation, with where its tiles, style, legend inputs and details are; and the map
links of a job's outputs (dashboard job detail, curated page)."""

from typing import Any, Literal

from pydantic import BaseModel

from infrastructure.db import catalog, raster_metadata, stac_catalog, zonal_stats
from services.curated import registry
from services.curated.styles import STYLE_PALETTES
from services.h3 import styles as h3styles
from services.h3.tiles import bbox as h3bbox

LayerKind = Literal["vector", "raster", "collection", "h3"]
MAX_LAYERS = 1000
MAP_PAGE = "/api/interface/map"


class MapLayer(BaseModel):
    kind: LayerKind
    id: str
    title: str
    bbox: tuple[float, float, float, float] | None
    tilejson: str
    detail: str  # a JSON description: OGC collection, raster info, STAC collection
    geometry_type: str | None = None  # vector
    feature_count: int | None = None  # vector
    raster_type: str | None = None  # raster
    style: str | None = None  # a curated dataset's or H3 aggregation's MapLibre style
    report: str | None = None  # vector: the quality report (reader key)
    features: str | None = None  # vector, h3: OGC API Features items

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


def map_href(kind: LayerKind, layer_id: str) -> str:
    return f"{MAP_PAGE}?layer={kind}:{layer_id}"


def layers(db, settings, base: str) -> list[MapLayer]:
    styles = {
        d.target_table: f"{base}/api/curated/datasets/{d.dataset_id}/style"
        for d in registry.list_datasets(db)
        if d.source_config.get("style") in STYLE_PALETTES
    }
    with db.connection() as conn:
        tables, _ = catalog.list_vector_metadata(conn, limit=MAX_LAYERS, offset=0)
        rasters = raster_metadata.recent(conn, MAX_LAYERS)
        collections = stac_catalog.all_collections(conn)
        aggregations = zonal_stats.list_aggregations(conn, limit=MAX_LAYERS, offset=0)
    found = [_vector(m, base, styles.get(m.id)) for m in tables]
    found += [_raster(m, base) for m in rasters]
    found += [
        _collection(c, base) for c in collections if c["id"] != settings.stac_vector_collection
    ]
    found += [_h3(a, base) for a in aggregations]
    return found


def _vector(meta, base: str, style: str | None) -> MapLayer:
    url = f"{base}/api/features/collections/{meta.id}"
    return MapLayer(
        kind="vector",
        id=meta.id,
        title=meta.title or meta.id,
        bbox=meta.bbox,
        tilejson=f"{url}/tilejson.json",
        detail=url,
        geometry_type=meta.geometry_type,
        feature_count=meta.feature_count,
        style=style,
        report=f"{base}/api/vector/{meta.id}/report",
        features=f"{url}/items",
    )


def _raster(meta, base: str) -> MapLayer:
    url = f"{base}/api/raster/{meta.id}"
    return MapLayer(
        kind="raster",
        id=meta.id,
        title=meta.title or meta.id,
        bbox=meta.bbox,
        tilejson=f"{url}/tilejson.json",
        detail=f"{url}/info",
        raster_type=meta.raster_type,
    )


def _collection(collection: dict[str, Any], base: str) -> MapLayer:
    url = f"{base}/api/stac/collections/{collection['id']}"
    boxes = ((collection.get("extent") or {}).get("spatial") or {}).get("bbox") or [None]
    bbox = tuple(boxes[0][:4]) if boxes[0] and len(boxes[0]) >= 4 else None
    return MapLayer(
        kind="collection",
        id=collection["id"],
        title=collection.get("title") or collection["id"],
        bbox=bbox,
        tilejson=f"{url}/tilejson.json",
        detail=url,
    )


def _h3(aggregation: dict[str, Any], base: str) -> MapLayer:
    """Opens styled by its default statistic; the style route takes any other."""
    url = f"{base}/api/h3/features/collections/{aggregation['collection_id']}"
    statistic = h3styles.default_statistic(aggregation)
    return MapLayer(
        kind="h3",
        id=aggregation["collection_id"],
        title=aggregation["title"],
        bbox=h3bbox(aggregation),
        tilejson=f"{url}/tilejson.json",
        detail=url,
        geometry_type="Polygon",
        feature_count=aggregation["cell_count"],
        style=f"{url}/style?statistic={statistic}",
        features=f"{url}/items",
    )


def job_outputs(job_type: str, result: dict[str, Any] | None) -> list[dict[str, str]]:
    """[{label, href}] map links for what a finished job published."""
    result = result or {}
    if job_type == "process_vector":
        return [
            {"label": table, "href": map_href("vector", table)}
            for table in result.get("tables") or []
        ]
    if job_type == "curated_update" and result.get("table"):
        return [{"label": result["table"], "href": map_href("vector", result["table"])}]
    if job_type == "process_raster" and result.get("item_id"):
        return [
            {"label": result["item_id"], "href": map_href("raster", result["item_id"])},
            {
                "label": f"collection {result['collection_id']}",
                "href": map_href("collection", result["collection_id"]),
            },
        ]
    if job_type == "ingest_collection":  # every collection a catalog held
        ids = [c["collection_id"] for c in result.get("collections") or []] or [
            result.get("collection_id")
        ]
        return [{"label": i, "href": map_href("collection", i)} for i in ids if i]
    if job_type == "h3_aggregate" and result.get("collection_id"):
        return [{"label": result["collection_id"], "href": map_href("h3", result["collection_id"])}]
    return []
