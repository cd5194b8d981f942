"""What changed between two versions of a definition, as a unified diff of their JSON."""

import difflib
import json
from typing import Any


def pretty(definition: dict[str, Any]) -> list[str]:
    return json.dumps(definition, indent=2, ensure_ascii=False).splitlines()


def definition_diff(
    before: dict[str, Any] | None, after: dict[str, Any], *, old: str, new: str
) -> list[str]:
    return list(
        difflib.unified_diff(
            pretty(before) if before is not None else [],
            pretty(after),
            fromfile=old,
            tofile=new,
            lineterm="",
        )
    )
