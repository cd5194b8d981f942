"""Where absolute links in responses start: PUBLIC_BASE_URL when set, so a forged Host
header cannot put someone else's address into OGC/STAC links; otherwise the URL the
request came in on (local use)."""

from fastapi import Request


def base_url(request: Request) -> str:
    configured = request.app.state.platform.settings.public_base_url
    return (configured or str(request.base_url)).rstrip("/")
