"""Vector test files, good and bad, built in memory (bytes) so tests need no fixtures on disk."""

import io
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

GARBAGE_KML = b"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2">
<Document><name>garbage</name>
<Placemark><name>bowtie</name><ExtendedData><Data name="surveyed"><value>2021-03-04</value></Data></ExtendedData>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 1,1 1,0 0,1 0,0</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>dupes3d</name>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>2,0,10 2,0,10 3,0,10 3,1,10 3,1,10 2,1,10 2,0,10</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>unclosed</name>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>4,0 5,0 5,1 4,1</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>road</name><LineString><coordinates>0,5 1,6 1,6 2,7</coordinates></LineString></Placemark>
<Placemark><name>well</name><Point><coordinates>10,10,5</coordinates></Point></Placemark>
<Placemark><name>dateline</name>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>179,-17 -179,-17 -179,-16 179,-16 179,-17</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>mixed</name><MultiGeometry><Point><coordinates>20,20</coordinates></Point>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>20,21 21,21 21,22 20,22 20,21</coordinates></LinearRing></outerBoundaryIs></Polygon></MultiGeometry></Placemark>
<Placemark><name>nothing</name></Placemark>
<Placemark><name>sliver</name>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>30,0 31,0 32,0 30,0</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
</Document></kml>
"""


def geodataframe(n: int = 5, crs: str = "EPSG:4326", offset: float = 0.0) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "Name": [f"feature {i}" for i in range(n)],
            "count": list(range(n)),
            "Observed Date": [f"2020-01-{i + 1:02d}" for i in range(n)],
        },
        geometry=[shapely.box(offset + i, i, offset + i + 0.5, i + 0.5) for i in range(n)],
        crs=crs,
    )


def written(frame: gpd.GeoDataFrame, driver: str, suffix: str, **options) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"data{suffix}"
        pyogrio.write_dataframe(frame, path, driver=driver, **options)
        return path.read_bytes()


def geopackage(layers: dict[str, gpd.GeoDataFrame]) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.gpkg"
        for name, frame in layers.items():
            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", append=path.exists())
        return path.read_bytes()


def zipped_dataset(
    frame: gpd.GeoDataFrame, driver: str, name: str, drop: tuple[str, ...] = ()
) -> bytes:
    """A zip of a multi-file dataset (shapefile, File Geodatabase); `drop` removes members by suffix."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        pyogrio.write_dataframe(frame, path, driver=driver)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(Path(tmp).rglob("*")):
                if file.is_file() and not file.name.endswith(drop):
                    archive.write(file, file.relative_to(tmp).as_posix())
        return buffer.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def traversal_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("../../etc/evil.geojson"),
            b'{"type": "FeatureCollection", "features": []}',
        )
    return buffer.getvalue()


def zip_bomb(size: int = 64 * 1024 * 1024) -> bytes:
    """A member that deflates ~1000-fold (zeros), well past the default ratio limit."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("data.geojson", "w") as member:
            block = b"\x00" * (1024 * 1024)
            for _ in range(size // len(block)):
                member.write(block)
    return buffer.getvalue()


def repeated_member_zip(count: int = 2000, member_bytes: int = 1024 * 1024) -> bytes:
    """`count` members of `member_bytes` zeros each (the many-small-members bomb: no member
    is big enough for the per-member ratio). Deflated once and written `count` times, so
    the 2,000 x 1 MiB archive (2 GiB unpacked, about 2.2 MB) takes milliseconds to build."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = compressor.compress(b"\x00" * member_bytes) + compressor.flush()
    crc, out, central = zlib.crc32(b"\x00" * member_bytes), io.BytesIO(), []
    for index in range(count):
        name, offset = f"part{index:04d}.csv".encode(), out.tell()
        out.write(
            struct.pack(
                zipfile.structFileHeader,
                zipfile.stringFileHeader,
                20,
                0,
                0,
                zipfile.ZIP_DEFLATED,
                0,
                0x21,
                crc,
                len(data),
                member_bytes,
                len(name),
                0,
            )
            + name
            + data
        )
        central.append(
            struct.pack(
                zipfile.structCentralDir,
                zipfile.stringCentralDir,
                20,
                3,
                20,
                0,
                0,
                zipfile.ZIP_DEFLATED,
                0,
                0x21,
                crc,
                len(data),
                member_bytes,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )
    start = out.tell()
    out.write(b"".join(central))
    out.write(
        struct.pack(
            zipfile.structEndArchive,
            zipfile.stringEndArchive,
            0,
            0,
            count,
            count,
            out.tell() - start,
            start,
            0,
        )
    )
    return out.getvalue()


def with_declared_sizes(
    data: bytes, *, file_size: int | None = None, compress_size: int | None = None
) -> bytes:
    """The zip with every member's central-directory sizes replaced: a zip that lies.
    (Walks the central directory from the end record, so member data is never touched.)"""
    patched = bytearray(data)
    end = struct.unpack(zipfile.structEndArchive, data[-zipfile.sizeEndCentDir :])
    offset = end[zipfile._ECD_OFFSET]
    for _ in range(end[zipfile._ECD_ENTRIES_TOTAL]):
        record = struct.unpack(
            zipfile.structCentralDir, data[offset : offset + zipfile.sizeCentralDir]
        )
        if compress_size is not None:
            patched[offset + 20 : offset + 24] = compress_size.to_bytes(4, "little")
        if file_size is not None:
            patched[offset + 24 : offset + 28] = file_size.to_bytes(4, "little")
        offset += zipfile.sizeCentralDir + sum(
            record[i]
            for i in (
                zipfile._CD_FILENAME_LENGTH,
                zipfile._CD_EXTRA_FIELD_LENGTH,
                zipfile._CD_COMMENT_LENGTH,
            )
        )
    return bytes(patched)


def corrupt_zip() -> bytes:
    good = zip_of({"data.geojson": b'{"type": "FeatureCollection", "features": []}' * 100})
    return good[:30] + b"\xde\xad\xbe\xef" * 8 + good[62:]


def geojson(features: list[dict], extra: str = "") -> bytes:
    import json

    return json.dumps(
        {"type": "FeatureCollection", **({"name": extra} if extra else {}), "features": features}
    ).encode()


def point_feature(x: float, y: float, **properties) -> dict:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Point", "coordinates": [x, y]},
    }


def wide_csv(columns: int = 10_000) -> bytes:
    header = ["lon", "lat"] + [f"c{i}" for i in range(columns)]
    row = ["1", "2"] + ["x"] * columns
    return (",".join(header) + "\n" + ",".join(row) + "\n").encode()


def geopackage_with_dates() -> bytes:
    """Three points with a timestamp column; one value set to year 0 (out of range)."""
    import sqlite3

    import pandas as pd

    frame = gpd.GeoDataFrame(
        {
            "name": ["a", "b", "c"],
            "seen": pd.to_datetime(["2020-01-01", "2021-01-01", "2022-01-01"]),
        },
        geometry=[shapely.Point(i, i) for i in range(3)],
        crs="EPSG:4326",
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dates.gpkg"
        pyogrio.write_dataframe(frame, path, layer="dates")
        with sqlite3.connect(
            path
        ) as conn:  # GeoPackage triggers need SpatiaLite functions: drop them first
            for (trigger,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            ).fetchall():
                conn.execute(f'DROP TRIGGER "{trigger}"')
            conn.execute("UPDATE dates SET seen = '0000-01-01T00:00:00Z' WHERE name = 'a'")
        return path.read_bytes()
