"""The compiled item schema is a fast path, not a second opinion: it accepts the valid
items (or it would save nothing) and never accepts what the pydantic models refuse."""

import copy
from typing import Any, Iterator

import pytest
from pydantic import ValidationError

from core.stac.item_schema import passes_fast
from core.stac.validation import Item
from tests.stac_samples import item_document

ODD_VALUES = [
    None,
    "",
    "x",
    0,
    -1,
    1.5,
    1e9,
    -200,
    95,
    True,
    [],
    [1, 2],
    [[1, 2]],
    {},
    {"a": 1},
    "2024-01-01",
    "2024-01-01T00:00:00",
    "2024-01-01T00:00:00Z",
    "2024-13-01T00:00:00Z",
    "2024-01-01T00:00:00+02:00",
    "Point",
    "GeometryCollection",
    "Feature",
    "x" * 256,
]


def samples() -> list[dict]:
    polygon = item_document("c", 3, "./s.tif")
    point = item_document("c", 4, "./s.tif") | {
        "geometry": {"type": "Point", "coordinates": [1, 2, 3]},
        "bbox": [1, 2, 0, 1, 2, 5],
    }
    ranged = item_document("c", 5, "./s.tif")
    ranged["properties"] = {
        "datetime": None,
        "start_datetime": "2024-01-01T00:00:00Z",
        "end_datetime": "2024-02-01T00:00:00Z",
    }
    nothing = item_document("c", 6, "./s.tif") | {"geometry": None}
    nothing.pop("bbox")
    collection = item_document("c", 7, "./s.tif") | {
        "geometry": {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Point", "coordinates": [1, 2]},
                {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
            ],
        }
    }
    return [polygon, point, ranged, nothing, collection]


def paths(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value[:6]):
            yield from paths(child, prefix + (index,))


def mutations(item: dict) -> Iterator[dict]:
    for path in list(paths(item)):
        if not path:
            continue
        for value in ODD_VALUES + ["<delete>"]:
            changed = copy.deepcopy(item)
            parent = changed
            for part in path[:-1]:
                parent = parent[part]
            if value == "<delete>":
                if isinstance(parent, dict):
                    del parent[path[-1]]
                else:
                    parent.pop(path[-1])
            else:
                parent[path[-1]] = value
            yield changed


def models_accept(item: dict) -> bool:
    try:
        Item.model_validate(item)
        return True
    except ValidationError:
        return False


@pytest.mark.parametrize("index", range(5))
def test_valid_items_take_the_fast_path(index):
    item = samples()[index]
    assert models_accept(item) and passes_fast(item)


@pytest.mark.parametrize("index", range(5))
def test_the_fast_path_never_accepts_what_the_models_refuse(index):
    accepted_by_schema_only = []
    tried = 0
    for changed in mutations(samples()[index]):
        tried += 1
        if passes_fast(changed) and not models_accept(changed):
            accepted_by_schema_only.append(changed)
    assert tried > 500
    assert accepted_by_schema_only == []


def test_what_only_python_can_check_is_checked_after_the_schema():
    item = samples()[0]
    assert not passes_fast(item | {"bbox": [0, 10, 1, 9]})  # south above north
    ranged = samples()[2]
    ranged["properties"]["start_datetime"] = "2024-03-01T00:00:00Z"  # start after end
    assert not passes_fast(ranged)
