"""CQL2 filters (text and JSON encodings) read by the `cql2` library (the reference
parser of the OGC Common Query Language), as CQL2-JSON for the SQL compiler."""

import cql2

from core.errors import BadRequest

LANGUAGES = ("cql2-text", "cql2-json")
MAX_FILTER_CHARS = 20_000


def parse_filter(text: str, language: str | None) -> dict:
    language = language or "cql2-text"
    if language not in LANGUAGES:
        raise BadRequest(f"filter-lang must be one of {', '.join(LANGUAGES)} (got {language!r})")
    if len(text) > MAX_FILTER_CHARS:
        raise BadRequest(f"filter is longer than {MAX_FILTER_CHARS:,} characters")
    try:
        expression = cql2.parse_text(text) if language == "cql2-text" else cql2.parse_json(text)
        return expression.to_json()
    except (cql2.ParseError, cql2.ValidationError, ValueError) as exc:
        raise BadRequest(f"filter is not valid {language}: {_first_line(exc)}") from exc


def _first_line(exc: Exception) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " ".join(lines[:6])[:500] or type(exc).__name__
