"""Circular arcs (ISO SQL/MM curves) as straight segments.

Each arc is stroked with at most STEP radians per segment: 32 segments per quarter circle,
PostGIS's ST_CurveToLine default. The chord then stays within MAX_DEVIATION of the radius
from the true arc (0.03 %: 3 m on a 10 km radius, 3 mm on 10 m), whatever the units of
the source CRS. An arc's end points are kept exactly, so curves that meet still meet.
"""

import math

import numpy as np

SEGMENTS_PER_QUARTER = 32
STEP = (math.pi / 2) / SEGMENTS_PER_QUARTER
MAX_DEVIATION = 1 - math.cos(STEP / 2)  # relative to the radius: 3.0e-4
# Three points this close to a line (relative to the arc's size) make a straight segment.
COLLINEAR = 1e-12


def stroke_circular_string(points: np.ndarray) -> np.ndarray:
    """(n, 2) control points of a CIRCULARSTRING (start, middle, end, middle, end…) →
    the vertices of the line. A trailing point that completes no arc is joined straight."""
    if len(points) < 3:
        return points
    pieces = [points[:1]]
    last = 0
    for start in range(0, len(points) - 2, 2):
        pieces.append(stroke_arc(points[start], points[start + 1], points[start + 2])[1:])
        last = start + 2
    pieces.append(points[last + 1 :])
    return np.concatenate(pieces)


def stroke_arc(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray) -> np.ndarray:
    """The arc from p0 through p1 to p2 as vertices (p0 and p2 exact)."""
    if np.array_equal(p0, p2):
        return _full_circle(p0, p1)
    center = _circumcenter(p0, p1, p2)
    if center is None:
        return np.array([p0, p1, p2]) if not _between(p0, p1, p2) else np.array([p0, p2])
    start, middle, end = (math.atan2(p[1] - center[1], p[0] - center[0]) for p in (p0, p1, p2))
    counter_clockwise = _cross(p1 - p0, p2 - p1) > 0
    sweep = (end - start) % (2 * math.pi) if counter_clockwise else -((start - end) % (2 * math.pi))
    return _stroke(center, float(np.hypot(*(p0 - center))), start, sweep, p0, p2)


def _full_circle(p0: np.ndarray, p1: np.ndarray) -> np.ndarray:
    """SQL/MM's circle: start = end, the middle point diametrically opposite."""
    center = (p0 + p1) / 2
    radius = float(np.hypot(*(p0 - center)))
    if radius == 0:
        return np.array([p0])
    start = math.atan2(p0[1] - center[1], p0[0] - center[0])
    return _stroke(center, radius, start, 2 * math.pi, p0, p0)


def _stroke(
    center: np.ndarray,
    radius: float,
    start: float,
    sweep: float,
    first: np.ndarray,
    last: np.ndarray,
) -> np.ndarray:
    segments = max(1, math.ceil(abs(sweep) / STEP))
    angles = start + sweep * np.arange(segments + 1) / segments
    vertices = np.column_stack(
        [center[0] + radius * np.cos(angles), center[1] + radius * np.sin(angles)]
    )
    vertices[0], vertices[-1] = first, last
    return vertices


def _circumcenter(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray) -> np.ndarray | None:
    a, b = p1 - p0, p2 - p0
    d = 2 * _cross(a, b)
    scale = float(np.hypot(*a) * np.hypot(*b))
    if scale == 0 or abs(d) <= COLLINEAR * 2 * scale:
        return None
    a2, b2 = a @ a, b @ b
    return p0 + np.array([b[1] * a2 - a[1] * b2, a[0] * b2 - b[0] * a2]) / d


def _between(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray) -> bool:
    return float((p1 - p0) @ (p2 - p1)) >= 0


def _cross(a: np.ndarray, b: np.ndarray) -> float:
    return float(a[0] * b[1] - a[1] * b[0])
