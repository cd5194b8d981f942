"""A local HTTP server that records every request it receives (path and query) and answers
200 (or what the test says): the place a test points an outbound request that must never
arrive, to prove it did not. Standard library only, so unit tests can use it."""

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator

Answer = Callable[
    [str], tuple[int, dict[str, str], bytes]
]  # request target -> status, headers, body


@dataclass
class Recorder:
    base_url: str = ""
    port: int = 0
    requests: list[str] = field(default_factory=list)  # "GET /path?query" of each request
    hosts: list[str] = field(default_factory=list)  # the Host header of each request
    answer: Answer = lambda target: (200, {"content-type": "text/plain"}, b"ok")


@contextmanager
def recording_server() -> Iterator[Recorder]:
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            recorder.requests.append(f"{self.command} {self.path}")
            recorder.hosts.append(self.headers.get("host", ""))
            status, headers, body = recorder.answer(self.path)
            self.send_response(status)
            for name, value in (headers | {"content-length": str(len(body))}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_HEAD = do_POST = _handle

        def log_message(self, *args) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder.port = server.server_address[1]
    recorder.base_url = f"http://127.0.0.1:{recorder.port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
