"""Documents written in STAC before 1.0.0 (0.8, 0.9, the 1.0.0 betas and release
candidates) are brought to 1.x on read by pystac's migration, the maintained one: object
fields, extension ids → schema URLs, renamed extension fields. The version a document was
written in stays on it (`geoetl:original_stac_version`), so the catalog says what was
migrated; 1.x documents pass through untouched."""

from typing import Any

from pystac import STACError
from pystac.serialization import identify_stac_object, migrate_to_latest
from pystac.serialization.identify import STACVersionID

from core.errors import InvalidInput

FIRST_STABLE = "1.0.0"
ORIGINAL_VERSION = "geoetl:original_stac_version"


def needs_migration(document: Any) -> bool:
    """A document naming a version before 1.0.0. One naming none is left to validation
    (pystac cannot tell what it is either)."""
    version = document.get("stac_version") if isinstance(document, dict) else None
    if not isinstance(version, str) or not version:
        return False
    if version[:2] == "1." and "-" not in version:  # 1.x releases: most documents, decided cheaply
        return False
    try:
        return STACVersionID(version) < FIRST_STABLE
    except (ValueError, TypeError):
        return False


def migrated(document: dict[str, Any], source: str) -> tuple[dict[str, Any], str | None]:
    """(the document as STAC 1.x, the version it was written in), or (document, None)
    when it needed nothing."""
    if not needs_migration(document):
        return document, None
    original = document["stac_version"]
    try:
        result = migrate_to_latest(document, identify_stac_object(_as_written_then(document)))
    except (STACError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidInput(
            f"{source}: STAC {original} could not be migrated to 1.x: {exc}"
        ) from exc
    _record(result, original)
    return result, original


def _as_written_then(document: dict[str, Any]) -> dict[str, Any]:
    """Catalogs and collections got `type` in 1.0.0-rc.1; pystac identifies older ones
    without it, and refuses one that has it (as some providers add) — so it is left out
    for identification (the migration writes it back)."""
    if document.get("type") in ("Catalog", "Collection"):
        return {key: value for key, value in document.items() if key != "type"}
    return document


def _record(document: dict[str, Any], original: str) -> None:
    """Items keep it among their properties (searchable), catalogs and collections at the top."""
    if document.get("type") == "Feature" and isinstance(document.get("properties"), dict):
        document["properties"][ORIGINAL_VERSION] = original
    else:
        document[ORIGINAL_VERSION] = original
