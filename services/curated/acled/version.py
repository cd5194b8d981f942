"""What an ACLED dataset holds, written as its source_version, and what it should hold
(its scope: events from `start_date`, optionally of some countries).

The version rule: the newest `timestamp` among the events held and the newest
`deleted_timestamp` among the deletions applied. The next update asks the source for
anything stamped after them. The scope's fingerprint rides along, so a changed
start_date or country list is noticed and the table is loaded afresh.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date

from core.errors import InvalidInput

VERSION = re.compile(r"^timestamp=(\d+);deleted_timestamp=(\d+);scope=([0-9a-f]{12})$")


@dataclass(frozen=True)
class Scope:
    start_date: date
    countries: tuple[str, ...]  # empty: every country

    @classmethod
    def of(cls, dataset_id: str, config: dict) -> "Scope":
        try:
            start = date.fromisoformat(str(config.get("start_date", "")))
        except ValueError as exc:
            raise InvalidInput(
                f"dataset {dataset_id}: source_config.start_date must be a date (YYYY-MM-DD)"
            ) from exc
        countries = config.get("countries") or []
        if not isinstance(countries, list) or not all(
            isinstance(c, str) and c.strip() and "|" not in c for c in countries
        ):
            raise InvalidInput(
                f"dataset {dataset_id}: source_config.countries must be a list of country names"
            )
        return cls(start_date=start, countries=tuple(sorted(c.strip() for c in countries)))

    @property
    def fingerprint(self) -> str:
        canonical = json.dumps(
            {"start_date": self.start_date.isoformat(), "countries": list(self.countries)}
        )
        return hashlib.sha1(canonical.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Held:
    timestamp: int  # newest event timestamp held
    deleted_timestamp: int  # newest deletion applied
    scope: str  # the fingerprint of the scope it was loaded for

    @classmethod
    def parse(cls, version: str | None) -> "Held | None":
        """None for anything else (never loaded, or a version written by something else)."""
        found = VERSION.match(version or "")
        return cls(int(found[1]), int(found[2]), found[3]) if found else None

    def __str__(self) -> str:
        return f"timestamp={self.timestamp};deleted_timestamp={self.deleted_timestamp};scope={self.scope}"
