"""The layers of a prepared source: every geometry layer of every dataset in it, under a
name the user can pass as `layer`, each opened by the GDAL driver its format names.

One dataset: GDAL's layer names. Several (an archive holding two shapefiles, a KMZ beside
a GeoPackage): each dataset's file name, and `file/layer` where it has several layers.
"""

import re
import unicodedata
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

import pyogrio
from pyogrio.errors import CRSError, DataLayerError, DataSourceError, FieldError, GeometryError

from core.errors import InvalidInput
from services.vector.csv_geometry import detect_csv_geometry
from services.vector.formats import DRIVERS

CSV_OPTIONS = {"AUTODETECT_TYPE": "YES", "EMPTY_STRING_AS_NULL": "YES"}
# GML: never fetch a remote application schema named by the document.
GML_OPTIONS = {"DOWNLOAD_SCHEMA": "NO"}
MAX_IDENTIFIER = 63


@contextmanager
def gdal_errors(what: str) -> Iterator[None]:
    """GDAL refusing a file is bad input, not a reason to retry."""
    try:
        yield
    except (DataSourceError, DataLayerError, FieldError, GeometryError, CRSError) as exc:
        raise InvalidInput(f"{what}: {exc}") from exc


def open_datasets(root: Path, datasets: list[dict]) -> list[dict[str, Any]]:
    """Each dataset with the open options GDAL needs for it (a CSV's geometry columns)."""
    opened = []
    for dataset in datasets:
        options, csv_reason = {}, None
        if dataset["format"] == "csv":
            found = detect_csv_geometry(root / dataset["path"])
            options, csv_reason = {**CSV_OPTIONS, **found.open_options}, found.reason
        elif dataset["format"] == "gml":
            options = dict(GML_OPTIONS)
        opened.append(
            {
                "path": dataset["path"],
                "format": dataset["format"],
                "member": dataset.get("member"),
                "open_options": options,
                "csv_geometry": csv_reason,
            }
        )
    return opened


def list_layers(root: Path, datasets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Layers with a geometry column (attribute-only tables are not loadable), named."""
    layers = []
    for index, dataset in enumerate(datasets):
        found = _dataset_layers(root / dataset["path"], dataset)
        for layer in found:
            layer |= {
                "dataset": index,
                "name": _public_name(layer["source_layer"], dataset, len(found), datasets),
            }
        layers.extend(found)
    if not layers:
        raise InvalidInput("the source has no layer with geometries")
    _check_unique([layer["name"] for layer in layers])
    return layers


def _dataset_layers(path: Path, dataset: dict[str, Any]) -> list[dict[str, Any]]:
    what = (
        f"{dataset['member']} could not be opened"
        if dataset.get("member")
        else "the source could not be opened"
    )
    options = dataset["open_options"]
    with gdal_errors(what):
        listed = pyogrio.list_layers(path)
        layers = []
        for name, _ in listed:
            # read_info, unlike list_layers, applies the open options (a CSV's geometry columns)
            info = pyogrio.read_info(path, layer=name, force_feature_count=True, **options)
            _check_driver(info["driver"], dataset)
            if info["geometry_type"] is not None:
                layers.append(
                    {
                        "source_layer": str(name),
                        "geometry_type": info["geometry_type"],
                        "features": int(info["features"]),
                        "driver": info["driver"],
                    }
                )
    return layers


def _check_driver(driver: str, dataset: dict[str, Any]) -> None:
    expected = DRIVERS.get(dataset["format"], set())
    if driver not in expected:
        raise InvalidInput(
            f"{dataset.get('member') or 'the source'} looks like {dataset['format']} but GDAL reads it "
            f"as {driver}: refused"
        )


def _public_name(
    layer: str, dataset: dict[str, Any], layers_in_dataset: int, datasets: list[dict[str, Any]]
) -> str:
    if len(datasets) == 1:
        return layer
    stem = _stem(dataset["member"])
    if sum(_stem(d["member"]) == stem for d in datasets) > 1:
        stem = str(PurePosixPath(dataset["member"]).with_suffix(""))
    return stem if layers_in_dataset == 1 else f"{stem}/{layer}"


def _stem(member: str) -> str:
    """The file's name without extensions; a KMZ's doc.kml goes by the KMZ's name."""
    path = PurePosixPath(member)
    name = path.parent.name if path.name.lower() == "doc.kml" and path.parent.name else path.name
    return name.split(".")[0] if not name.lower().endswith(".gdb") else name[:-4]


def _check_unique(names: list[str]) -> None:
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InvalidInput(
            f"the source has several layers named {', '.join(repeated)}: GDAL cannot tell them apart"
        )


def choose(
    layers: list[dict[str, Any]], wanted: str | None, all_layers: bool, merge_layers: bool
) -> list[list[str]]:
    """The layers to load, grouped by the tables they load into."""
    non_empty = [layer["name"] for layer in layers if layer["features"] > 0]
    if all_layers or merge_layers:
        if not non_empty:
            raise InvalidInput("the source has no features")
        return [[name] for name in non_empty] if all_layers else [non_empty]
    return [[_choose_layer(layers, wanted, non_empty)]]


def _choose_layer(layers: list[dict[str, Any]], wanted: str | None, non_empty: list[str]) -> str:
    described = ", ".join(
        f"{layer['name']} ({layer['geometry_type']}, {layer['features']} features)"
        for layer in layers
    )
    if wanted is not None:
        if wanted not in [layer["name"] for layer in layers]:
            raise InvalidInput(f"no layer {wanted!r}; the source has: {described}")
        return wanted
    if len(non_empty) > 1:
        raise InvalidInput(
            f"the source has {len(non_empty)} layers; choose one with `layer`, or load them all with "
            f"`all_layers: true` (one table each): {described}"
        )
    return non_empty[0] if non_empty else layers[0]["name"]


def table_suffixes(names: list[str]) -> list[str]:
    """Each layer's name as a table-name suffix: lowercase ASCII identifier characters,
    unique (`_2`, `_3`… after repeats), at most 40 characters (the table name goes first)."""
    taken: set[str] = set()
    suffixes = []
    for position, name in enumerate(names, start=1):
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
        base = (
            re.sub(r"_+", "_", re.sub(r"[^a-z0-9]+", "_", ascii_name)).strip("_")[:40].rstrip("_")
        )
        base = base or f"layer_{position}"
        suffix, counter = base, 1
        while suffix in taken:
            counter += 1
            suffix = f"{base[:36]}_{counter}"
        taken.add(suffix)
        suffixes.append(suffix)
    return suffixes
