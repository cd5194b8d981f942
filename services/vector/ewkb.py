"""EWKB for PostGIS binary COPY: the source's own WKB re-headed, not re-encoded.

A published table holds one Multi* type with SRID 4326, so each value is promoted to its
Multi type and tagged with the SRID by rewriting the header bytes only; geometries the
repair left untouched keep their source WKB as it came (no encode pass).
"""

import struct

SRID_FLAG = 0x20000000
MULTI_OF = {1: 4, 2: 5, 3: 6, 4: 4, 5: 5, 6: 6}
PLAIN_2D = set(MULTI_OF)


def wkb_type(wkb: bytes) -> int:
    return struct.unpack_from("<I" if wkb[0] == 1 else ">I", wkb, 1)[0]


def is_plain_2d(wkb: bytes) -> bool:
    """True for 2D (no Z/M, no SRID) point/line/polygon WKB, single or multi."""
    return len(wkb) >= 5 and wkb[0] in (0, 1) and wkb_type(wkb) in PLAIN_2D


def multi_ewkb(wkb: bytes, srid: int) -> bytes:
    """Multi* EWKB with `srid` from plain 2D WKB of a single or multi geometry."""
    order = "<" if wkb[0] == 1 else ">"
    kind = wkb_type(wkb)
    multi = MULTI_OF[kind]
    if kind == multi:
        return wkb[:1] + struct.pack(order + "II", multi | SRID_FLAG, srid) + wkb[5:]
    return wkb[:1] + struct.pack(order + "III", multi | SRID_FLAG, srid, 1) + wkb
