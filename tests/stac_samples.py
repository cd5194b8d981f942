"""Small STAC collections written to blob storage for the ingestion tests: a collection
document, one JSON file per item and a tiny COG per item (each with its own pixels)."""

import json

import numpy as np
from rasterio.io import MemoryFile
from rasterio.transform import Affine

COG_SIZE = 32


def tiny_cog(seed: int) -> bytes:
    """A 32 x 32 three-band uint8 COG in EPSG:4326, distinct per seed."""
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 255, size=(3, COG_SIZE, COG_SIZE), dtype=np.uint8)
    profile = {
        "driver": "COG",
        "width": COG_SIZE,
        "height": COG_SIZE,
        "count": 3,
        "dtype": "uint8",
        "crs": "EPSG:4326",
        "transform": Affine(0.001, 0, seed % 100, 0, -0.001, 10),
        "compress": "deflate",
    }
    with MemoryFile() as memory:
        with memory.open(**profile) as dataset:
            dataset.write(data)
        return memory.read()


def collection_document(collection_id: str, item_hrefs: list[str]) -> dict:
    return {
        "type": "Collection",
        "stac_version": "1.0.0",
        "id": collection_id,
        "title": f"Test collection {collection_id}",
        "description": "Generated for the ingestion tests",
        "license": "CC-BY-4.0",
        "keywords": ["imagery", "test"],
        "extent": {
            "spatial": {"bbox": [[0.0, 9.0, 100.0, 10.0]]},
            "temporal": {"interval": [["2024-01-01T00:00:00Z", None]]},
        },
        "links": [{"rel": "self", "href": "./collection.json"}]
        + [{"rel": "item", "href": href, "type": "application/json"} for href in item_hrefs],
    }


def item_document(collection_id: str, index: int, asset_href: str) -> dict:
    west = float(index % 100)
    return {
        "type": "Feature",
        "stac_version": "1.0.0",
        "stac_extensions": ["https://stac-extensions.github.io/eo/v1.1.0/schema.json"],
        "id": f"{collection_id}-item-{index:04d}",
        "collection": collection_id,
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [
                    [west, 9.968],
                    [west + 0.032, 9.968],
                    [west + 0.032, 10.0],
                    [west, 10.0],
                    [west, 9.968],
                ]
            ],
        },
        "bbox": [west, 9.968, west + 0.032, 10.0],
        "properties": {"datetime": f"2024-01-{1 + index % 28:02d}T00:00:00Z", "gsd": 111.0},
        "links": [
            {"rel": "collection", "href": "../collection.json"},
            {"rel": "self", "href": f"./item-{index:04d}.json"},
        ],
        "assets": {
            "visual": {
                "href": asset_href,
                "type": "image/tiff; application=geotiff; profile=cloud-optimized",
                "roles": ["data"],
                "eo:bands": [
                    {"name": "r", "common_name": "red"},
                    {"name": "g", "common_name": "green"},
                    {"name": "b", "common_name": "blue"},
                ],
                "raster:bands": [{"data_type": "uint8"}] * 3,
            },
            "homepage": {
                "href": "https://example.com/about.html",
                "type": "text/html",
                "roles": ["metadata"],
            },
        },
    }


def bare_item(item: dict) -> dict:
    """The item without the metadata that describes its bands and pixel size."""
    del item["properties"]["gsd"]
    for key in ("eo:bands", "raster:bands"):
        item["assets"]["visual"].pop(key)
    return item


def upload_collection(
    client, container: str, prefix: str, count: int, band_metadata: bool = True
) -> dict:
    """Writes `prefix`/collection.json, `prefix`/items/*.json and `prefix`/assets/*.tif;
    returns the ids and blob names the tests check."""
    item_hrefs, asset_blobs, item_ids = [], [], []
    container_client = client.get_container_client(container)
    for index in range(count):
        asset_blob = f"{prefix}/assets/scene-{index:04d}.tif"
        item = item_document(prefix, index, f"../assets/scene-{index:04d}.tif")
        item = item if band_metadata else bare_item(item)
        container_client.upload_blob(asset_blob, tiny_cog(index), overwrite=True)
        container_client.upload_blob(
            f"{prefix}/items/item-{index:04d}.json", json.dumps(item), overwrite=True
        )
        item_hrefs.append(f"./items/item-{index:04d}.json")
        asset_blobs.append(asset_blob)
        item_ids.append(item["id"])
    container_client.upload_blob(
        f"{prefix}/collection.json",
        json.dumps(collection_document(prefix, item_hrefs)),
        overwrite=True,
    )
    return {
        "collection_id": prefix,
        "collection_blob": f"{prefix}/collection.json",
        "asset_blobs": asset_blobs,
        "item_ids": item_ids,
    }
