"""STAC in the shapes real catalogs come in, for the ingestion tests: Sentinel-2 L2A-like
items (as Earth Search publishes them: external COG assets, eo/raster/projection/view
fields), as an ItemCollection, as NDJSON, written in STAC 1.0.0-beta.2, and a static
catalog with nested child catalogs and relative item links."""

import json
from datetime import datetime, timedelta, timezone

import orjson

S2_BANDS = [
    ("B02", "blue", 0.49),
    ("B03", "green", 0.56),
    ("B04", "red", 0.665),
    ("B08", "nir", 0.842),
]
EXTENSIONS = [
    "https://stac-extensions.github.io/eo/v1.1.0/schema.json",
    "https://stac-extensions.github.io/projection/v1.1.0/schema.json",
    "https://stac-extensions.github.io/raster/v1.1.0/schema.json",
    "https://stac-extensions.github.io/view/v1.0.0/schema.json",
]
S3 = "https://sentinel-cogs.s3.us-west-2.amazonaws.com/sentinel-s2-l2a-cogs"


def s2_collection(collection_id: str, *, version: str = "1.0.0") -> dict:
    collection = {
        "type": "Collection",
        "stac_version": version,
        "stac_extensions": EXTENSIONS[:1],
        "id": collection_id,
        "title": "Sentinel-2 Level-2A (test extract)",
        "description": "Sentinel-2 L2A surface reflectance, a generated extract shaped like Earth Search's",
        "license": "proprietary",
        "keywords": ["sentinel", "earth observation", "esa"],
        "providers": [
            {"name": "ESA", "roles": ["producer", "licensor"], "url": "https://sentinel.esa.int"}
        ],
        "extent": {
            "spatial": {"bbox": [[-10.0, 35.0, 26.0, 53.0]]},
            "temporal": {"interval": [["2024-01-01T00:00:00Z", None]]},
        },
        "summaries": {
            "platform": ["sentinel-2a", "sentinel-2b"],
            "gsd": [10, 20, 60],
            "eo:cloud_cover": {"minimum": 0, "maximum": 100},
        },
        "links": [
            {
                "rel": "license",
                "href": "https://sentinel.esa.int/documents/247904/690755/Sentinel_Data_Legal_Notice",
            }
        ],
    }
    if (
        version == "1.0.0-beta.2"
    ):  # as written then: short extension ids, no type, summaries as min/max
        del collection["type"]
        collection["stac_extensions"] = ["eo"]
        collection["summaries"]["eo:cloud_cover"] = {"min": 0, "max": 100}
    return collection


def s2_item(
    collection_id: str, index: int, *, version: str = "1.0.0", asset_base: str = S3
) -> dict:
    when = datetime(2024, 1, 1, 10, 56, tzinfo=timezone.utc) + timedelta(hours=7 * index)
    zone, band = 29 + index % 7, "STU"[index % 3]
    tile = f"{zone}{band}{'NPQ'[index % 3]}{'CDE'[index % 3]}"
    west, south = -10.0 + (index % 40) * 0.9, 35.0 + (index // 40 % 20) * 0.9
    item_id = f"S2{'AB'[index % 2]}_{tile}_{when:%Y%m%d}_{index % 3}_L2A-{index:05d}"
    folder = f"{asset_base}/{zone}/{band}/{tile[-2:]}/{when:%Y/%-m}/{item_id}"
    item = {
        "type": "Feature",
        "stac_version": version,
        "stac_extensions": EXTENSIONS,
        "id": item_id,
        "collection": collection_id,
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [
                    [west, south],
                    [west + 0.9, south],
                    [west + 0.9, south + 0.9],
                    [west, south + 0.9],
                    [west, south],
                ]
            ],
        },
        "bbox": [west, south, west + 0.9, south + 0.9],
        "properties": {
            "datetime": when.isoformat().replace("+00:00", "Z"),
            "platform": f"sentinel-2{'ab'[index % 2]}",
            "constellation": "sentinel-2",
            "instruments": ["msi"],
            "gsd": 10,
            "eo:cloud_cover": round(index * 7.31 % 100, 2),
            "proj:epsg": 32600 + zone,
            "view:sun_azimuth": 160.2 + index % 9,
            "view:sun_elevation": 25.4 + index % 11,
            "s2:mgrs_tile": tile,
            "s2:processing_baseline": "05.10",
            "created": "2024-06-01T00:00:00Z",
        },
        "links": [
            {"rel": "self", "href": f"./{item_id}.json"},
            {"rel": "collection", "href": "./collection.json"},
        ],
        "assets": {
            **{
                name: {
                    "href": f"{folder}/{name}.tif",
                    "type": "image/tiff; application=geotiff; profile=cloud-optimized",
                    "title": f"{common} band",
                    "roles": ["data", "reflectance"],
                    "eo:bands": [
                        {"name": name, "common_name": common, "center_wavelength": centre}
                    ],
                    "raster:bands": [
                        {
                            "data_type": "uint16",
                            "nodata": 0,
                            "spatial_resolution": 10,
                            "scale": 0.0001,
                            "offset": -0.1,
                        }
                    ],
                }
                for name, common, centre in S2_BANDS
            },
            "visual": {
                "href": f"{folder}/TCI.tif",
                "type": "image/tiff; application=geotiff; profile=cloud-optimized",
                "roles": ["visual"],
                "eo:bands": [{"name": n, "common_name": c} for n, c, _ in S2_BANDS[2::-1]],
            },
            "thumbnail": {
                "href": f"{folder}/thumbnail.jpg",
                "type": "image/jpeg",
                "roles": ["thumbnail"],
            },
        },
    }
    if (
        version == "1.0.0-beta.2"
    ):  # short extension ids, and an EPSG code projection 2.0 calls proj:code
        item["stac_extensions"] = ["eo", "projection", "view"]
    return item


def item_collection(items: list[dict]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": items}, indent=1).encode()


def ndjson(items: list[dict]) -> bytes:
    return b"".join(orjson.dumps(item) + b"\n" for item in items)


def upload(client, container: str, files: dict[str, bytes | dict]) -> None:
    container_client = client.get_container_client(container)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else json.dumps(content).encode()
        container_client.upload_blob(name, data, overwrite=True)


def catalog(catalog_id: str, links: list[dict]) -> dict:
    return {
        "type": "Catalog",
        "stac_version": "1.0.0",
        "id": catalog_id,
        "description": f"catalog {catalog_id}",
        "links": links,
    }


def nested_catalog(prefix: str, cog: bytes) -> dict[str, bytes | dict]:
    """catalog.json → collections `<prefix>-dem` (items below two nested child catalogs,
    2023/ → 2023/06/, with COG assets beside them) and `<prefix>-s2` (items linked directly,
    external assets)."""
    dem_id, s2_id = f"{prefix}-dem", f"{prefix}-s2"
    dem = s2_collection(dem_id) | {"title": "DEM tiles", "keywords": ["elevation"]}
    dem["links"] = [
        {"rel": "root", "href": "../catalog.json"},
        {"rel": "child", "href": "./2023/catalog.json"},
    ]
    files: dict[str, bytes | dict] = {
        f"{prefix}/catalog.json": catalog(
            prefix,
            [
                {"rel": "child", "href": "./dem/collection.json"},
                {"rel": "child", "href": "./s2/collection.json"},
                {"rel": "self", "href": "./catalog.json"},
            ],
        ),
        f"{prefix}/dem/collection.json": dem,
        f"{prefix}/dem/2023/catalog.json": catalog(
            "2023",
            [
                {"rel": "child", "href": "./06/catalog.json"},
                {"rel": "parent", "href": "../collection.json"},
            ]
            + [{"rel": "item", "href": f"./tile-{i}/tile-{i}.json"} for i in range(3)],
        ),
        f"{prefix}/dem/2023/06/catalog.json": catalog(
            "2023-06", [{"rel": "item", "href": f"./tile-{i}.json"} for i in range(3, 7)]
        ),
    }
    for i in range(7):
        folder = f"{prefix}/dem/2023/tile-{i}" if i < 3 else f"{prefix}/dem/2023/06"
        item = s2_item(dem_id, i)
        item["id"], item["assets"] = (
            f"dem-tile-{i}",
            {
                "dem": {
                    "href": f"./tile-{i}.tif",
                    "type": "image/tiff",
                    "roles": ["data", "elevation"],
                }
            },
        )
        files[f"{folder}/tile-{i}.json"], files[f"{folder}/tile-{i}.tif"] = item, cog
    s2 = s2_collection(s2_id)
    s2["links"] += [{"rel": "item", "href": f"./items/{i}.json"} for i in range(5)]
    files[f"{prefix}/s2/collection.json"] = s2
    files.update({f"{prefix}/s2/items/{i}.json": s2_item(s2_id, i) for i in range(5)})
    return files
