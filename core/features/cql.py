"""CQL2 filters (text and JSON encodings) read by the `cql2` library (the reference
parser of the OGC Common Query Language), as CQL2-JSON for the SQL compiler."""

import cql2

from core.errors import BadRequest

LANGUAGES = ("cql2-text", "cql2-json")
MAX_FILTER_CHARS = 20_000
# The parser recurses natively per nesting level: a few thousand nested parentheses crash
# the process (measured: 3,000 do). Nothing real nests this deep.
MAX_NESTING = 64
OPENING, CLOSING, QUOTES = "([{", ")]}", "'\""


def parse_filter(text: str, language: str | None) -> dict:
    language = language or "cql2-text"
    if language not in LANGUAGES:
        raise BadRequest(f"filter-lang must be one of {', '.join(LANGUAGES)} (got {language!r})")
    if len(text) > MAX_FILTER_CHARS:
        raise BadRequest(f"filter is longer than {MAX_FILTER_CHARS:,} characters")
    if nesting(text) > MAX_NESTING:
        raise BadRequest(f"filter nests brackets deeper than {MAX_NESTING} levels")
    try:
        expression = cql2.parse_text(text) if language == "cql2-text" else cql2.parse_json(text)
        return expression.to_json()
    except (cql2.ParseError, cql2.ValidationError, ValueError) as exc:
        raise BadRequest(f"filter is not valid {language}: {_first_line(exc)}") from exc


def nesting(text: str) -> int:
    """The deepest bracket nesting outside quoted strings (both encodings: 'text' literals
    with '' escapes, "JSON" strings with backslash escapes)."""
    depth = deepest = 0
    quote, escaped = None, False
    for char in text:
        if quote is not None:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = None
        elif char in QUOTES:
            quote = char
        elif char in OPENING:
            depth += 1
            deepest = max(deepest, depth)
        elif char in CLOSING:
            depth -= 1
    return deepest


def _first_line(exc: Exception) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " ".join(lines[:6])[:500] or type(exc).__name__
