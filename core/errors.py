"""The project's one error tree.

Each error carries the HTTP status and problem+json title it maps to, and whether a task
failing with it may be retried. Anything outside this tree is treated as transient.
"""

from typing import Any, Mapping, Sequence


class GeoETLError(Exception):
    status: int = 500
    title: str = "Internal error"
    slug: str = "internal-error"
    retryable: bool = True

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class InvalidInput(GeoETLError):
    """Bad parameters or a malformed file: retrying cannot help."""

    status, title, slug, retryable = 422, "Invalid input", "invalid-input", False


class BadRequest(GeoETLError):
    status, title, slug, retryable = 400, "Bad request", "bad-request", False


class NotFound(GeoETLError):
    status, title, slug, retryable = 404, "Not found", "not-found", False


class Conflict(GeoETLError):
    status, title, slug, retryable = 409, "Conflict", "conflict", False


class PayloadTooLarge(GeoETLError):
    status, title, slug, retryable = 413, "Payload too large", "payload-too-large", False


class Unauthorized(GeoETLError):
    status, title, slug, retryable = 401, "Unauthorized", "unauthorized", False


class Forbidden(GeoETLError):
    """Authenticated, but the role (or ownership) does not allow it."""

    status, title, slug, retryable = 403, "Forbidden", "forbidden", False


class TooManyRequests(GeoETLError):
    status, title, slug, retryable = 429, "Too many requests", "too-many-requests", False

    def __init__(self, detail: str, *, retry_after_seconds: int):
        super().__init__(detail)
        self.retry_after_seconds = max(1, int(retry_after_seconds))


class ContractViolation(GeoETLError):
    """A dependency or handler broke its contract (wrong result shape, bad upstream data)."""

    status, title, slug, retryable = 502, "Contract violation", "contract-violation", False


class DependencyUnavailable(GeoETLError):
    """A database, storage account or queue could not be reached: worth retrying."""

    status, title, slug, retryable = 503, "Dependency unavailable", "dependency-unavailable", True


class MigrationError(GeoETLError):
    status, title, slug, retryable = 500, "Schema migration failed", "migration-failed", False


class TaskCancelled(GeoETLError):
    """Raised inside a handler (through its context) when its job was cancelled or its
    lease was lost; the worker records the task as cancelled, not failed."""

    status, title, slug, retryable = 409, "Task cancelled", "task-cancelled", False


class TaskTimedOut(GeoETLError):
    status, title, slug, retryable = 504, "Task timed out", "task-timed-out", True


def field_errors(validation_errors: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """pydantic's errors as [{field, message, type}]; FastAPI's 'body' prefix dropped."""
    out = []
    for error in validation_errors:
        loc = [str(part) for part in error.get("loc", ()) if part != "body"]
        out.append(
            {
                "field": ".".join(loc) or "(root)",
                "message": error.get("msg", ""),
                "type": error.get("type", ""),
            }
        )
    return out


class OutboundRefused(GeoETLError):
    """An outbound request the allow-list forbids (host, port, scheme or a private address):
    permanent until an operator changes SOURCE_ALLOWED_HOSTS. The detail names the host,
    never a path or query string (which may carry credentials)."""

    status, title, slug, retryable = 422, "Outbound request refused", "outbound-refused", False


class SourceRejected(GeoETLError):
    """An external source refused us (401/403): retrying with the same credentials cannot help."""

    status, title, slug, retryable = 502, "Source rejected the request", "source-rejected", False


# Blob storage outcomes, raised by every BlobStorage implementation (core/storage.py) in
# place of the SDK's exceptions, so callers catch our types and the in-memory store can
# stand in for the real one.


class BlobNotFound(NotFound):
    """The blob (or its container) does not exist; `name` empty: the container."""

    def __init__(self, container: str, name: str = ""):
        super().__init__(
            f"blob {name!r} not found in container {container!r}"
            if name
            else f"container {container!r} not found"
        )
        self.container, self.name = container, name


class BlobExists(Conflict):
    """A write with overwrite=False found the blob already there."""

    def __init__(self, container: str, name: str):
        super().__init__(f"blob {name!r} already exists in container {container!r}")
        self.container, self.name = container, name


class BlobChanged(Conflict):
    """A read pinned to an ETag found the blob overwritten since."""

    def __init__(self, container: str, name: str):
        super().__init__(
            f"blob {name!r} in container {container!r} changed since it was first read"
        )
        self.container, self.name = container, name


class BlobTooLarge(PayloadTooLarge):
    """A whole read refused on the blob's size, before its body was read."""

    def __init__(self, container: str, name: str, size: int, max_bytes: int):
        super().__init__(
            f"blob {name!r} in container {container!r} is {size:,} bytes, more than {max_bytes:,}"
        )
        self.container, self.name, self.size, self.max_bytes = container, name, size, max_bytes


class BlobBlocksMissing(ContractViolation):
    """A commit named blocks that were never staged (or expired uncommitted): committing
    the same list again cannot succeed, so it is not retried."""

    def __init__(self, container: str, name: str):
        super().__init__(
            f"blob {name!r} in container {container!r}: the block list names blocks never staged"
        )
        self.container, self.name = container, name
