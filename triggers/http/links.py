"""Where absolute links in responses start: PUBLIC_BASE_URL when set, so a forged Host
header cannot put someone else's address into OGC/STAC links; otherwise the URL the
request came in on (local use)."""

from fastapi import Request


def base_url(request: Request) -> str:
    configured = request.app.state.platform.settings.public_base_url
    return (configured or str(request.base_url)).rstrip("/")


def ogc_landing(request: Request, path: str, title: str, description: str) -> dict:
    """An OGC API landing page for the API rooted at `path` (e.g. /api/features): itself,
    the OpenAPI document, its conformance classes and its collections."""
    base = base_url(request)
    root = f"{base}{path}"
    return {
        "title": title,
        "description": description,
        "links": [
            {"href": root, "rel": "self", "type": "application/json", "title": "this document"},
            {
                "href": f"{base}/api/openapi.json",
                "rel": "service-desc",
                "type": "application/vnd.oai.openapi+json;version=3.0",
                "title": "the API definition",
            },
            {
                "href": f"{root}/conformance",
                "rel": "conformance",
                "type": "application/json",
                "title": "conformance classes",
            },
            {
                "href": f"{root}/collections",
                "rel": "data",
                "type": "application/json",
                "title": "collections",
            },
        ],
    }
