"""NDJSON read in byte ranges, so one large file is inventoried by many tasks at once.

A line belongs to the range holding its first byte: a range reads past its end to finish
its last line, and skips a first line that began in the previous range. Ranges that tile
the file therefore see every line exactly once, whatever the line lengths.
"""

from typing import Callable, Iterator

Reader = Callable[[int, int], bytes]  # (offset, length) → at most that many bytes
OVERHANG = 64 * 1024  # read past the range's end, for its last line


def ranges(size: int, range_bytes: int) -> list[tuple[int, int]]:
    """[start, end) byte ranges covering a file of `size` bytes."""
    step = max(1, range_bytes)
    return [(start, min(size, start + step)) for start in range(0, size, step)] or [(0, 0)]


def range_bytes_for(
    sample: bytes, lines_wanted: int, *, floor: int = 64 * 1024, ceiling: int = 64 * 1024**2
) -> int:
    """Bytes per range for about `lines_wanted` lines, from the average line of a sample."""
    lines = max(1, sample.count(b"\n"))
    average = len(sample) / lines
    return int(min(ceiling, max(floor, average * lines_wanted)))


def lines_in_range(read: Reader, start: int, end: int, size: int) -> Iterator[tuple[int, bytes]]:
    """(offset, line) for every non-blank line starting in [start, end), without its newline."""
    if start >= end:
        return
    origin = max(0, start - 1)  # one byte back: is `start` itself the start of a line?
    buffer = read(origin, min(size, end + OVERHANG) - origin)
    position = _first_line_start(buffer, origin, start)
    while position is not None and origin + position < end:
        newline = buffer.find(b"\n", position)
        while newline < 0 and origin + len(buffer) < size:  # the line runs past what we read
            buffer += read(
                origin + len(buffer), min(size - origin - len(buffer), max(OVERHANG, len(buffer)))
            )
            newline = buffer.find(b"\n", position)
        line = buffer[position : newline if newline >= 0 else len(buffer)]
        if line.strip():
            yield origin + position, line.rstrip(b"\r")
        position = newline + 1 if newline >= 0 else None


def _first_line_start(buffer: bytes, origin: int, start: int) -> int | None:
    if start == 0:
        return 0
    if buffer[:1] == b"\n":  # the byte before `start` ends a line: `start` begins one
        return 1
    newline = buffer.find(b"\n")
    return newline + 1 if newline >= 0 else None
