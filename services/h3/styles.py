"""A MapLibre style for an H3 aggregation's tiles, coloured by one statistic: a ramp over
the statistic's range across the stored cells, its legend in `metadata` the way the
curated styles carry theirs (`geoetl:legend`: [{value, label, color}], `geoetl:property`)."""

from typing import Any

from core.errors import BadRequest
from infrastructure.db import zonal_stats
from services.h3 import tiles

# viridis at five stops: ordered, readable by most colour-blind viewers, and printable in grey
RAMP = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
CATEGORICAL_DEFAULT = "majority"


def default_statistic(aggregation: dict[str, Any]) -> str:
    offered = tiles.statistics(aggregation)
    for wanted in ("mean", CATEGORICAL_DEFAULT):
        if wanted in offered:
            return wanted
    return "count"


def checked_statistic(aggregation: dict[str, Any], statistic: str | None) -> str:
    if statistic is None:
        return default_statistic(aggregation)
    offered = tiles.statistics(aggregation)
    if statistic not in offered:
        raise BadRequest(
            f"statistic must be one of {offered} for {aggregation['collection_id']!r} (got {statistic!r})"
        )
    return statistic


def style(db, aggregation: dict[str, Any], statistic: str, base: str) -> dict[str, Any]:
    """A complete style (version 8): the TileJSON source and one fill layer."""
    with db.connection() as conn:
        low, high = zonal_stats.statistic_range(conn, aggregation, statistic)
    stops = ramp_stops(low, high)
    source = f"h3-{aggregation['collection_id']}"
    url = f"{base}/api/h3/features/collections/{aggregation['collection_id']}/tilejson.json"
    return {
        "version": 8,
        "name": f"{aggregation['title']} ({statistic})",
        "metadata": {
            "geoetl:property": statistic,
            "geoetl:aggregation": aggregation["collection_id"],
            "geoetl:range": [low, high],
            "geoetl:legend": [
                {"value": _label(v), "label": statistic, "color": c} for v, c in stops
            ],
        },
        "sources": {source: {"type": "vector", "url": url}},
        "layers": [
            {"id": "background", "type": "background", "paint": {"background-color": "#f4f6f7"}},
            {
                "id": f"{source}-fill",
                "type": "fill",
                "source": source,
                "source-layer": tiles.layer_name(aggregation),
                "filter": ["has", statistic],
                "paint": {
                    "fill-color": _colour(statistic, stops),
                    "fill-opacity": 0.75,
                    "fill-outline-color": "rgba(255,255,255,0.4)",
                },
            },
        ],
    }


def ramp_stops(low: float | None, high: float | None) -> list[tuple[float, str]]:
    """(value, colour) pairs spread evenly over [low, high]; one stop when there is no range."""
    if low is None or high is None or high <= low:
        return [(low if low is not None else 0.0, RAMP[-1])]
    step = (high - low) / (len(RAMP) - 1)
    return [(low + i * step, colour) for i, colour in enumerate(RAMP)]


def _colour(statistic: str, stops: list[tuple[float, str]]) -> Any:
    # Parents drawn at low zooms add up count and sum beyond the cells' range: the ramp
    # holds its end colours there (interpolate clamps), which reads as "at least".
    if len(stops) == 1:
        return stops[0][1]
    expression: list[Any] = ["interpolate", ["linear"], ["get", statistic]]
    for value, colour in stops:
        expression += [value, colour]
    return expression


def _label(value: float) -> str:
    return f"{value:.4g}"
