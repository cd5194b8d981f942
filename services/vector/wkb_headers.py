"""The byte order and type code of every WKB value in a chunk, read from the arrow column's
buffers at once (a Python loop over 25,000 values costs a tenth of a second)."""

import numpy as np
import pyarrow as pa

NO_TYPE = -1


def type_codes(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The raw type code (flags included) of each value; NO_TYPE for nulls, values too
    short for a header and unknown byte orders."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if len(array) == 0:
        return np.zeros(0, dtype=np.int64)
    if pa.types.is_binary(array.type):
        array = array.cast(pa.large_binary())
    _, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[
        array.offset : array.offset + len(array) + 1
    ]
    data = (
        np.frombuffer(data_buffer, dtype=np.uint8)
        if data_buffer is not None
        else np.zeros(0, dtype=np.uint8)
    )
    start, length = offsets[:-1], np.diff(offsets)
    usable = (length >= 5) & ~np.asarray(array.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    codes = np.full(len(array), NO_TYPE, dtype=np.int64)
    at = start[usable]
    order = data[at]
    raw = [data[at + k].astype(np.int64) for k in range(1, 5)]
    little = raw[0] | raw[1] << 8 | raw[2] << 16 | raw[3] << 24
    big = raw[3] | raw[2] << 8 | raw[1] << 16 | raw[0] << 24
    codes[usable] = np.where(order == 1, little, np.where(order == 0, big, NO_TYPE))
    return codes


def base_types(codes: np.ndarray) -> np.ndarray:
    """Without Z/M/SRID flags (ISO thousands or EWKB bits); OGR's LinearRing (101) kept."""
    masked = codes & 0x0FFFFFFF
    return np.where(codes == NO_TYPE, NO_TYPE, np.where(masked == 101, 101, masked % 1000))


def plain_2d(codes: np.ndarray) -> np.ndarray:
    """Point, line or polygon, single or multi, 2D, no SRID: the bytes EWKB re-heads."""
    return (codes >= 1) & (codes <= 6)


def plain_2d_type(wkb: bytes) -> int:
    """The type code of one plain 2D value (see plain_2d)."""
    return int.from_bytes(wkb[1:5], "little" if wkb[0] == 1 else "big")
