"""MapLibre GL style layers and legends for curated datasets.

WDPA is coloured by IUCN management category (the `iucn_cat` column of the target
schema); KBAs by their KBA status (`kba_status`). Colours follow the conventional IUCN
palette (strict protection dark green → sustainable use light green, unassigned greys).
ACLED events are circles coloured by `event_type` and sized by `fatalities`."""

from core.errors import NotFound

IUCN_CATEGORIES = [
    ("Ia", "Strict nature reserve", "#004d1a"),
    ("Ib", "Wilderness area", "#0b6623"),
    ("II", "National park", "#1e8449"),
    ("III", "Natural monument or feature", "#28b463"),
    ("IV", "Habitat/species management area", "#58d68d"),
    ("V", "Protected landscape/seascape", "#82e0aa"),
    ("VI", "Protected area with sustainable use", "#abebc6"),
    ("Not Reported", "Not reported", "#aab7b8"),
    ("Not Applicable", "Not applicable", "#d5dbdb"),
    ("Not Assigned", "Not assigned", "#e5e8e8"),
]

KBA_STATUSES = [
    ("confirmed", "Confirmed KBA", "#c0392b"),
    ("proposed", "Proposed KBA", "#f39c12"),
    ("delisted", "Delisted", "#95a5a6"),
]

# ACLED's six event types; the three kinds of political violence in warm colours,
# demonstrations in blues, strategic developments grey.
ACLED_EVENT_TYPES = [
    ("Battles", "Battles", "#c0392b"),
    ("Violence against civilians", "Violence against civilians", "#7d3c98"),
    ("Explosions/Remote violence", "Explosions/Remote violence", "#e67e22"),
    ("Riots", "Riots", "#d4ac0d"),
    ("Protests", "Protests", "#2e86c1"),
    ("Strategic developments", "Strategic developments", "#7f8c8d"),
]
# fatalities → circle radius (pixels), interpolated linearly between the stops
FATALITY_RADII = [(0, 3), (1, 4), (10, 7), (100, 12), (1000, 20)]

STYLE_PALETTES = {
    "iucn_categories": ("iucn_cat", IUCN_CATEGORIES),
    "kba_status": ("kba_status", KBA_STATUSES),
    "acled_event_types": ("event_type", ACLED_EVENT_TYPES),
}
FALLBACK = "#bdc3c7"


def style_for(dataset, base_url: str) -> dict:
    """A MapLibre GL style (version 8) for a dataset whose source_config names a style: its
    vector tiles as the source (TileJSON), its layers, and its legend in `metadata`
    (`geoetl:legend`: [{value, label, color}], `geoetl:property`; event styles add
    `geoetl:size_property` and `geoetl:size_legend`), where MapLibre allows what it does
    not draw. It works as-is: `new maplibregl.Map({style: <this URL>})`."""
    name = dataset.source_config.get("style")
    if name not in STYLE_PALETTES:
        raise NotFound(
            f"dataset {dataset.dataset_id!r} has no style (source_config.style: one of {sorted(STYLE_PALETTES)})"
        )
    column, palette = STYLE_PALETTES[name]
    source_layer = f"{dataset.target_schema}.{dataset.target_table}"
    events = name == "acled_event_types"
    tilejson = (
        f"{base_url.rstrip('/')}/api/features/collections/{dataset.target_table}/tilejson.json"
    )
    metadata = {
        "geoetl:style": name,
        "geoetl:property": column,
        "geoetl:dataset": dataset.dataset_id,
        "geoetl:legend": [
            {"value": v, "label": label, "color": color} for v, label, color in palette
        ],
    }
    if events:
        metadata |= {
            "geoetl:size_property": "fatalities",
            "geoetl:size_legend": [
                {"fatalities": count, "radius": radius} for count, radius in FATALITY_RADII
            ],
        }
    return {
        "version": 8,
        "name": f"{dataset.name} ({name})",
        "metadata": metadata,
        "sources": {dataset.dataset_id: {"type": "vector", "url": tilejson}},
        "layers": [
            {"id": "background", "type": "background", "paint": {"background-color": "#f4f6f7"}},
            *(_event_layers if events else _layers)(
                dataset.dataset_id, source_layer, column, palette
            ),
        ],
    }


def _event_layers(dataset_id: str, source_layer: str, column: str, palette) -> list[dict]:
    """One circle layer: colour by event type, radius by fatalities (a missing count as 0),
    the deadliest drawn on top."""
    radius = ["interpolate", ["linear"], ["coalesce", ["get", "fatalities"], 0]]
    for count, pixels in FATALITY_RADII:
        radius += [count, pixels]
    return [
        {
            "id": f"{dataset_id}-events",
            "type": "circle",
            "source": dataset_id,
            "source-layer": source_layer,
            "layout": {"circle-sort-key": ["coalesce", ["get", "fatalities"], 0]},
            "paint": {
                "circle-color": _match(column, palette),
                "circle-radius": radius,
                "circle-opacity": 0.8,
                "circle-stroke-color": "#ffffff",
                "circle-stroke-width": 0.5,
            },
        }
    ]


def _match(column: str, palette) -> list:
    match = ["match", ["get", column]]
    for value, _label, color in palette:
        match += [value, color]
    match.append(FALLBACK)
    return match


def _layers(dataset_id: str, source_layer: str, column: str, palette) -> list[dict]:
    match = _match(column, palette)
    common = {"source": dataset_id, "source-layer": source_layer}
    return [
        {
            "id": f"{dataset_id}-fill",
            "type": "fill",
            **common,
            "filter": ["==", ["geometry-type"], "Polygon"],
            "paint": {"fill-color": match, "fill-opacity": 0.55},
        },
        {
            "id": f"{dataset_id}-outline",
            "type": "line",
            **common,
            "filter": ["==", ["geometry-type"], "Polygon"],
            "paint": {"line-color": match, "line-width": 0.8},
        },
        {
            "id": f"{dataset_id}-points",
            "type": "circle",
            **common,
            "filter": ["==", ["geometry-type"], "Point"],
            "paint": {
                "circle-color": match,
                "circle-radius": 4,
                "circle-stroke-color": "#ffffff",
                "circle-stroke-width": 1,
            },
        },
    ]
