"""A local server following the IBAT contract the platform relies on (docs/curated.md):
GET /v1/data-downloads?auth_key&auth_token → {"data": [{dataset, download_url, update_date}]},
and a separate download URL serving the file. Tests set releases, files and failures."""

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.support import free_port, wait_for_port

KEY, TOKEN = "test-ibat-key", "test-ibat-token"


@dataclass
class FakeIbat:
    base_url: str = ""
    releases: dict[str, str] = field(default_factory=dict)  # dataset -> update date
    files: dict[str, bytes] = field(default_factory=dict)  # dataset -> file bytes
    fail_next: list[int] = field(default_factory=list)  # statuses to answer the listing with first
    declare_length: bool = True  # False: chunked, no Content-Length
    redirect_listing_to: str | None = None  # a base URL the listing redirects to, query and all
    download_base_url: str | None = None  # where download_urls point (default: this server)
    listing_calls: int = 0

    def listing(self, request: Request) -> Response:
        self.listing_calls += 1
        if (
            self.redirect_listing_to
        ):  # as a hostile or compromised source would: credentials forwarded too
            return RedirectResponse(
                f"{self.redirect_listing_to}{request.url.path}?{request.url.query}", status_code=302
            )
        if self.fail_next:
            status = self.fail_next.pop(0)
            return Response(
                status_code=status, headers={"retry-after": "0"} if status == 429 else {}
            )
        if (
            request.query_params.get("auth_key") != KEY
            or request.query_params.get("auth_token") != TOKEN
        ):
            return JSONResponse({"error": "invalid credentials"}, status_code=401)
        files = self.download_base_url or self.base_url
        data = [
            {
                "dataset": name,
                "update_date": date,
                "download_url": f"{files}/files/{name}/{date}/{name}.zip",
            }
            for name, date in self.releases.items()
        ]
        return JSONResponse({"data": data})

    def download(self, request: Request) -> Response:
        body = self.files.get(request.path_params["dataset"])
        if body is None:
            return Response(status_code=404)
        if not self.declare_length:
            return StreamingResponse(
                iter([body[i : i + 65536] for i in range(0, len(body), 65536)]),
                media_type="application/zip",
            )
        return Response(body, media_type="application/zip")


@contextmanager
def running_fake_ibat() -> Iterator[FakeIbat]:
    fake = FakeIbat()
    app = Starlette(
        routes=[
            Route("/v1/data-downloads", fake.listing),
            Route("/files/{dataset}/{date}/{name}", fake.download),
        ]
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(port)
    fake.base_url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=10)
