"""Deterministic job identity: identical validated parameters give the same job."""

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: one spelling per value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def job_id_for(job_type: str, parameters: dict[str, Any]) -> str:
    return hashlib.sha256(f"{job_type}\n{canonical_json(parameters)}".encode()).hexdigest()
