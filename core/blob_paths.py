"""Blob paths given by users (parameters, STAC hrefs) must stay inside their container,
however they are decoded: a path is checked as written and after each round of
percent-decoding, so `..`, `%2e%2e` and `%252e%252e` are all refused."""

import posixpath
from urllib.parse import unquote

# Azure container names: 3-63 lowercase letters, digits and hyphens (no '--': checked where used).
CONTAINER_PATTERN = r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$"
MAX_DECODING_ROUNDS = 4
OUTSIDE = "must be a blob path inside the container (no leading '/', no '..', no backslash or control characters)"


def inside_container(path: str) -> str:
    """Returns the path unchanged, or raises ValueError when any decoding of it escapes."""
    for form in _decodings(path):
        if _escapes(form):
            raise ValueError(OUTSIDE)
    return path


def resolve_relative(document_blob: str, relative: str) -> str:
    """A relative href against the blob of the document holding it, kept inside the container."""
    decoded = _fully_decoded(relative)
    if decoded.startswith("/") or "\\" in decoded or _has_control(decoded):
        raise ValueError(OUTSIDE)
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(document_blob), decoded))
    if joined == ".." or joined.startswith("../") or joined.startswith("/"):
        raise ValueError(OUTSIDE)
    return joined


def _escapes(form: str) -> bool:
    return (
        form.startswith("/")
        or "\\" in form
        or _has_control(form)
        or any(segment == ".." for segment in form.split("/"))
    )


def _has_control(text: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def _decodings(path: str) -> list[str]:
    forms = [path]
    for _ in range(MAX_DECODING_ROUNDS):
        decoded = unquote(forms[-1])
        if decoded == forms[-1]:
            break
        forms.append(decoded)
    return forms


def _fully_decoded(path: str) -> str:
    return _decodings(path)[-1]
