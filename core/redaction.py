"""Text and values that may leave the process (logs, error messages, what non-admins are
shown of jobs) without the credentials or internals they carried: secret-looking
`name=value` pairs, bearer tokens, URL query strings (signed URLs), local file paths."""

import re
from typing import Any

MASK = "***"
REDACTED = "<redacted>"
LOCAL_PATH_SHOWN = "<local path>"

# Parameter names whose values are credentials: IBAT's auth_key/auth_token, OAuth tokens,
# SAS signatures (sig), connection-string keys (AccountKey, SharedAccessKey), passwords.
SECRET_PARAMETERS = (
    "auth_key",
    "auth_token",
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "api_key",
    "apikey",
    "key",
    "password",
    "passwd",
    "pwd",
    "secret",
    "client_secret",
    "sig",
    "signature",
    "accountkey",
    "sharedaccesskey",
)

# `name=value` where name is a whole word (so `monkey=` is not `key=`); the value runs to
# the next separator of a query string, connection string or sentence.
_SECRET_PAIR = re.compile(
    r"(?i)(?<![A-Za-z0-9_])(" + "|".join(SECRET_PARAMETERS) + r")=[^&;,\s'\"#]*"
)
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")
_URL_QUERY = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s?#'\"<>]*)\?[^\s#'\"<>]*")
# Keys of JSON objects whose values are secrets, whatever they hold.
_SECRET_KEY = re.compile(
    r"(password|passwd|secret|token|api[_-]?key|auth[_-]?key|credential|connection[_-]?string"
    r"|sas|signature|^sig$|^key$|^authorization$)",
    re.IGNORECASE,
)
_LOCAL_PATH = re.compile(
    r"(?<![\w:/.~-])/(?:tmp|var|home|root|work|usr|opt|srv|mnt|proc|etc|dev|run|private)"
    r"(?:/[^\s'\"),;:<>]*)?"
)


def scrub_secret_parameters(text: str) -> str:
    """`auth_key=abc&dataset=wdpa` → `auth_key=***&dataset=wdpa`; `Bearer xyz` → `Bearer ***`."""
    text = _SECRET_PAIR.sub(lambda m: f"{m.group(1)}={MASK}", text)
    return _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)


def without_queries(text: str) -> str:
    """Every URL in `text` without its query string: `https://h/p?auth_key=…` → `https://h/p?…`."""
    return _URL_QUERY.sub(lambda m: f"{m.group(1)}?…", text)


def scrub_values(text: str, secrets: tuple[str, ...]) -> str:
    """Replaces each of the given secret values wherever it occurs (pass the longest first,
    so a value that contains another is masked whole)."""
    for value in secrets:
        if value in text:
            text = text.replace(value, MASK)
    return text


def redact(value: Any) -> Any:
    """A JSON value as non-admins see it: secrets under secret-looking keys replaced, and
    every string through `redact_text`."""
    if isinstance(value, dict):
        return {
            key: REDACTED
            if isinstance(key, str) and _SECRET_KEY.search(key) and value[key] not in (None, "")
            else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def redact_text(text: str) -> str:
    """No query strings (signed URLs, credentials in URLs), no local file paths, no secret pairs."""
    text = scrub_secret_parameters(without_queries(text))
    return _LOCAL_PATH.sub(LOCAL_PATH_SHOWN, text)
