"""Where a STAC href points: a blob of the source container, or somewhere else.

Relative hrefs resolve against the document that holds them (as STAC says); absolute
ones count as blobs when they are the source container's URL or its /vsiaz/ path.
"""

import hashlib
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from core.blob_paths import inside_container, resolve_relative
from core.errors import InvalidInput


# Hrefs outside the source container are registered as they are, if they are on the web
# or another cloud; local paths (`/etc/…`, `file://`) and our other containers are refused.
EXTERNAL_SCHEMES = {"http", "https", "s3", "gs"}
# Where copy_external puts an external asset in the target container: by host and path,
# so the same URL is one blob whichever item or collection names it.
EXTERNAL_PREFIX = "external"
# RFC 3986's scheme, and the authority after it (userinfo dropped): the two things asked
# of every external href, read without urlsplit's cost (assets come by the 100,000).
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_AUTHORITY = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^/?#]*)")


def scheme_of(href: str) -> str:
    """The href's scheme, lowercased ('' when it has none)."""
    match = _SCHEME.match(href)
    return match[1].lower() if match else ""


def origin_of(href: str) -> str:
    """scheme://host[:port] of an absolute href, never the credentials it may carry."""
    match = _AUTHORITY.match(href)
    return f"{scheme_of(href)}://{match[1].lower()}" if match else scheme_of(href) + ":"


@dataclass(frozen=True)
class BlobLocation:
    """A source container, as the hrefs of its documents may name it."""

    container: str
    container_url: str  # e.g. https://account.blob.core.windows.net/bronze (no trailing slash)

    def blob_of(self, href: str, document_blob: str) -> str | None:
        """The blob `href` names in this container, or None when it points elsewhere; an
        href that climbs out of the container (`..`, encoded or not) is refused."""
        try:
            if is_absolute(href):
                return self._absolute_blob(href)
            return resolve_relative(document_blob, urlsplit(href).path)
        except ValueError as exc:
            raise InvalidInput(
                f"{document_blob}: href {href!r} points outside container {self.container!r} "
                "to somewhere it may not (a local path, another container, '..')"
            ) from exc

    def _absolute_blob(self, href: str) -> str | None:
        for prefix in (self.container_url.rstrip("/") + "/", f"/vsiaz/{self.container}/"):
            if href.startswith(prefix):
                blob = urlsplit(href[len(prefix) :]).path
                return posixpath.normpath(unquote(inside_container(blob))) if blob else None
        if href.startswith("/") or scheme_of(href) not in EXTERNAL_SCHEMES:
            raise ValueError("a local path, another container or a non-web scheme")
        return None


def external_blob(url: str) -> str:
    """The target blob for an external http(s) asset: external/<host[:port]>/<path>, plus a
    digest of the query string (signed URLs differ only there). Credentials in the URL
    never reach the name; a path that would climb out of the container is refused."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower() + (f":{parts.port}" if parts.port else "")
    path = unquote(parts.path).lstrip("/") or "index"
    name = f"{EXTERNAL_PREFIX}/{host}/{path}"
    if parts.query:
        name += "~" + hashlib.sha256(parts.query.encode()).hexdigest()[:12]
    try:
        inside_container(name)
    except ValueError as exc:
        raise InvalidInput(
            f"external asset {url!r} has a path that cannot be a blob name: {exc}"
        ) from exc
    return posixpath.normpath(name)


def is_absolute(href: str) -> bool:
    return "://" in href or href.startswith("/")


def with_assets_moved(document: dict, target_hrefs: dict[str, str]) -> dict:
    """A copy of a STAC document whose copied assets point at their new home (by asset
    key) and without relative links, which would resolve against the source files."""
    moved = dict(document)
    if "assets" in document:
        moved["assets"] = {
            key: ({**asset, "href": target_hrefs[key]} if key in target_hrefs else asset)
            for key, asset in document["assets"].items()
        }
    moved["links"] = [link for link in document.get("links", []) if is_absolute(link["href"])]
    return moved
