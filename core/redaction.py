"""Text that may leave the process (logs, error messages) without the credentials it
carried: secret-looking `name=value` pairs, bearer tokens, query strings of URLs."""

import re

MASK = "***"

# Parameter names whose values are credentials: IBAT's auth_key/auth_token, OAuth tokens,
# SAS signatures (sig), connection-string keys (AccountKey, SharedAccessKey), passwords.
SECRET_PARAMETERS = (
    "auth_key", "auth_token", "access_token", "refresh_token", "id_token", "token", "api_key", "apikey", "key",
    "password", "passwd", "pwd", "secret", "client_secret", "sig", "signature", "accountkey", "sharedaccesskey",
)

# `name=value` where name is a whole word (so `monkey=` is not `key=`); the value runs to
# the next separator of a query string, connection string or sentence.
_SECRET_PAIR = re.compile(r"(?i)(?<![A-Za-z0-9_])(" + "|".join(SECRET_PARAMETERS) + r")=[^&;,\s'\"#]*")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")
_URL_QUERY = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s?#'\"<>]*)\?[^\s#'\"<>]*")


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
