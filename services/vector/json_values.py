"""Nested attribute values (GDAL's JSON fields, arrow lists and structs) made acceptable to
PostgreSQL's jsonb, which refuses NaN and Infinity, the \\u0000 escape and unpaired
surrogates, and whose stack deep nesting exhausts. Such values are replaced (NaN by null,
the characters removed or replaced, nesting past MAX_DEPTH cut to null) and counted."""

import json
import math
from typing import Any

MAX_DEPTH = 100


def as_json_texts(values: list, parse: bool) -> tuple[list[str | None], list[int]]:
    """Each value as jsonb-safe JSON text (None stays None), and the positions that needed
    cleaning. `parse`: the values are JSON text (GDAL's), else Python objects (arrow's)."""
    texts, cleaned = [], []
    for position, value in enumerate(values):
        if value is None:
            texts.append(None)
            continue
        cleaner = _Cleaner()
        texts.append(
            json.dumps(
                cleaner.parsed(value) if parse else cleaner.clean(value, 0),
                allow_nan=False,
                ensure_ascii=False,
            )
        )
        if cleaner.changed:
            cleaned.append(position)
    return texts, cleaned


class _Cleaner:
    def __init__(self):
        self.changed = False

    def parsed(self, text: str) -> Any:
        try:
            value = json.loads(text)  # accepts NaN and Infinity, which the clean removes
        except (ValueError, RecursionError):
            self.changed = True
            return self.text(text)  # kept as a JSON string rather than lost
        return self.clean(value, 0)

    def clean(self, value: Any, depth: int) -> Any:
        if depth > MAX_DEPTH or (isinstance(value, float) and not math.isfinite(value)):
            self.changed = True
            return None
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.clean(v, depth + 1) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.clean(v, depth + 1) for v in value]
        if isinstance(value, (bytes, bytearray)):
            return self.text(bytes(value).decode("utf-8", errors="replace"))
        if value is None or isinstance(value, (bool, int, float)):
            return value
        return self.text(str(value))  # dates or decimals inside structs: their text

    def text(self, text: str) -> str:
        cleaned = text.replace("\x00", "")
        try:
            cleaned.encode("utf-8")
        except UnicodeEncodeError:  # unpaired surrogates
            cleaned = cleaned.encode("utf-8", errors="replace").decode("utf-8")
        self.changed |= cleaned != text
        return cleaned
