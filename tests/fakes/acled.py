"""A local server following ACLED's API contract (docs/curated.md "ACLED"):

- `POST /oauth/token`: the password grant (EMAIL, PASSWORD, client_id=acled,
  scope=authenticated) and the refresh grant (refresh tokens are single-use) → tokens;
  wrong credentials → 400 invalid_grant (or `reject_with`).
- `GET /api/acled/read` and `GET /api/deleted/read` with `Authorization: Bearer`,
  `_format=json`, `limit` (≤ 5000) and `page` (from 1), and filters: `field=value` with
  `field_where` one of = > < >= <= BETWEEN (`a|b`), or without `_where` a `|`-separated
  list of values (`country=A|B`). Answers `{"status": 200, "success": true, "count": k,
  "data": [...]}` with every value a string, in a stable order.

Tests change the source (add, revise, delete) and inject failures: statuses to answer
next (`fail_next`, e.g. a transient 503), a `success: false` page (`garbage_next`), tokens
that expire after a number of reads (`expire_after_reads`). The same app runs in a
subprocess for bench/acled.py, driven through `/_control/…`.
"""

import bisect
import secrets
import threading
import time
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Iterator

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support import free_port, wait_for_port

EMAIL, PASSWORD = "analyst@example.org", "acled-test-pa55word"
MAX_LIMIT = 5000
OPERATORS = {
    "=": lambda a, b: a == b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
}
NUMERIC = {"timestamp", "deleted_timestamp", "fatalities", "year"}
KEYS = ("event_date", "timestamp", "country")  # what the indexes and the usual filters need


class Events(Mapping):
    """The source's events, read-only: each decoded from its stored JSON when asked for
    (a million decoded dicts would take gigabytes)."""

    def __init__(self, serialized: dict[str, bytes]):
        self._serialized = serialized

    def __getitem__(self, event_id: str) -> dict[str, str]:
        return orjson.loads(self._serialized[event_id])

    def __iter__(self):
        return iter(self._serialized)

    def __len__(self) -> int:
        return len(self._serialized)


@dataclass
class Issued:
    expires_at: float
    reads_left: int | None


@dataclass
class FakeAcled:
    base_url: str = ""
    password: str = PASSWORD  # the account's password at the source (tests change it)
    deletions: list[dict[str, str]] = field(default_factory=list)
    stale: list[dict[str, str]] = field(
        default_factory=list
    )  # older versions still served, as if revised mid-read
    clock: int = 1_800_000_000  # the source's "now" for new stamps (Unix seconds)
    fail_next: list[int] = field(default_factory=list)  # statuses the next reads answer
    token_fail_next: list[int] = field(
        default_factory=list
    )  # statuses the next token requests answer
    garbage_next: list[str] = field(
        default_factory=list
    )  # messages of success:false pages to send next
    reject_with: int = 400  # status for refused credentials
    expire_after_reads: int | None = None  # tokens stop working after this many reads
    token_lifetime: int = 86_400  # expires_in of new tokens
    token_requests: int = 0  # every request to the token endpoint, refused ones too
    password_grants: int = 0
    refresh_grants: int = 0
    reads: list[dict[str, str]] = field(default_factory=list)  # query parameters of every read
    _tokens: dict[str, Issued] = field(default_factory=dict)
    _refresh: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _serialized: dict[str, bytes] = field(default_factory=dict)
    _keys: dict[str, tuple] = field(default_factory=dict)  # id -> (event_date, timestamp, country)
    _indexes: dict[str, Any] | None = None
    _results: dict[tuple, list[bytes]] = field(default_factory=dict)

    # -- the source changing ---------------------------------------------------------------

    @property
    def events(self) -> Events:
        return Events(self._serialized)

    def add(self, events) -> None:
        with self._lock:
            for event in events:
                self._store(event)
            self._changed()

    def revise(self, ids: list[str], **changes: str) -> int:
        """Revised in place: same id, new values, a newer timestamp. Returns the stamp."""
        with self._lock:
            self.clock += 60
            for event_id in ids:
                self._store(
                    orjson.loads(self._serialized[event_id])
                    | changes
                    | {"timestamp": str(self.clock)}
                )
            self._changed()
            return self.clock

    def _store(self, event: dict[str, str]) -> None:
        self._serialized[event["event_id_cnty"]] = _kept(event)
        self._keys[event["event_id_cnty"]] = tuple(event[key] for key in KEYS)

    def stamp_new(self, events: list[dict[str, str]]) -> list[dict[str, str]]:
        """New events as the source would add them now (stamped after everything held)."""
        self.clock += 60
        return [event | {"timestamp": str(self.clock)} for event in events]

    def delete(self, ids: list[str]) -> int:
        with self._lock:
            self.clock += 60
            for event_id in ids:
                del self._serialized[event_id]
                del self._keys[event_id]
                self.deletions.append(
                    {"event_id_cnty": event_id, "deleted_timestamp": str(self.clock)}
                )
            self._changed()
            return self.clock

    def _changed(self) -> None:
        self._indexes, self._results = None, {}

    def reset(self) -> None:
        with self._lock:
            self.deletions, self.stale, self._serialized, self._keys = [], [], {}, {}
            self.fail_next, self.token_fail_next, self.garbage_next, self.reads = [], [], [], []
            self.expire_after_reads, self.reject_with, self.password_grants, self.refresh_grants = (
                None,
                400,
                0,
                0,
            )
            self.token_requests = 0
            self.password = PASSWORD
            self._changed()

    # -- the contract ----------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        form = await request.form()
        with self._lock:
            self.token_requests += 1
            if self.token_fail_next:
                return Response(
                    status_code=self.token_fail_next.pop(0), headers={"retry-after": "0"}
                )
            if form.get("client_id") != "acled":
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            if form.get("grant_type") == "password":
                if (form.get("username"), form.get("password"), form.get("scope")) != (
                    EMAIL,
                    self.password,
                    "authenticated",
                ):
                    return JSONResponse(
                        {"error": "invalid_grant", "error_description": "Invalid credentials."},
                        status_code=self.reject_with,
                    )
                self.password_grants += 1
            elif form.get("grant_type") == "refresh_token":
                if form.get("refresh_token") not in self._refresh:
                    return JSONResponse(
                        {"error": "invalid_grant", "error_description": "Invalid refresh token."},
                        status_code=400,
                    )
                self._refresh.discard(form.get("refresh_token"))
                self.refresh_grants += 1
            else:
                return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
            return JSONResponse(self._issue())

    def _issue(self) -> dict:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self._tokens[access] = Issued(
            time.monotonic() + self.token_lifetime, self.expire_after_reads
        )
        self._refresh.add(refresh)
        return {
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "access_token": access,
            "refresh_token": refresh,
        }

    def read_events(self, request: Request) -> Response:
        return self._read(request, "events")

    def read_deleted(self, request: Request) -> Response:
        return self._read(request, "deleted")

    def _read(self, request: Request, what: str) -> Response:
        query = dict(request.query_params)
        with self._lock:
            self.reads.append({"what": what, **query})
            refusal = self._refusal(request, query)
            if refusal is not None:
                return refusal
            rows = self._matching(what, query)
        limit, page = int(query["limit"]), int(query["page"])
        data = rows[(page - 1) * limit : page * limit]
        body = b'{"status":200,"success":true,"count":%d,"data":[%s]}' % (
            len(data),
            b",".join(data),
        )
        return Response(body, media_type="application/json")

    def _refusal(self, request: Request, query: dict) -> Response | None:
        if self.fail_next:
            return Response(status_code=self.fail_next.pop(0), headers={"retry-after": "0"})
        if not self._authorized(request.headers.get("authorization", "")):
            return JSONResponse({"message": "Unauthorized"}, status_code=401)
        if self.garbage_next:
            message = self.garbage_next.pop(0)
            return JSONResponse(
                {"status": 400, "success": False, "error": [{"status": 400, "message": message}]}
            )
        if (
            query.get("_format") != "json"
            or not query.get("limit", "").isdigit()
            or not query.get("page", "").isdigit()
        ):
            return JSONResponse(
                {
                    "status": 400,
                    "success": False,
                    "error": [
                        {"status": 400, "message": "_format=json, limit and page are required"}
                    ],
                }
            )
        if not 1 <= int(query["limit"]) <= MAX_LIMIT or int(query["page"]) < 1:
            return JSONResponse(
                {
                    "status": 400,
                    "success": False,
                    "error": [
                        {"status": 400, "message": f"limit must be 1..{MAX_LIMIT}, page from 1"}
                    ],
                }
            )
        return None

    def _authorized(self, header: str) -> bool:
        issued = (
            self._tokens.get(header.removeprefix("Bearer ").strip())
            if header.startswith("Bearer ")
            else None
        )
        if issued is None or issued.expires_at < time.monotonic():
            return False
        if issued.reads_left is not None:
            if issued.reads_left <= 0:
                return False
            issued.reads_left -= 1
        return True

    # -- filtering, with indexes so a million events serve quickly -------------------------

    def _matching(self, what: str, query: dict) -> list[bytes]:
        filters = {
            k: v
            for k, v in query.items()
            if k not in ("_format", "limit", "page") and not k.endswith("_where")
        }
        key = (what, tuple(sorted((k, v, query.get(f"{k}_where", "")) for k, v in filters.items())))
        if key not in self._results:
            self._results[key] = self._select(what, filters, query)
        return self._results[key]

    def _select(self, what: str, filters: dict, query: dict) -> list[bytes]:
        if what == "deleted":
            rows = [d for d in self.deletions if _passes(d, filters, query)]
            return [orjson.dumps(row) for row in rows]
        candidates, used = self._narrowed(self._indexes or self._index(), filters, query)
        rest = {
            name: value for name, value in filters.items() if name != used
        }  # the slice is exact for `used`
        found = [
            self._serialized[event_id]
            for event_id in candidates
            if not rest or _passes(self._fields(event_id, rest), rest, query)
        ]
        return found + [
            orjson.dumps(event) for event in self.stale if _passes(event, filters, query)
        ]

    def _fields(self, event_id: str, filters: dict) -> dict[str, str]:
        """What the filters look at: the indexed keys, or the whole event for other filters."""
        if all(name in KEYS for name in filters):
            return dict(zip(KEYS, self._keys[event_id], strict=True))
        return orjson.loads(self._serialized[event_id])

    def _index(self) -> dict:
        """Event ids sorted by event_date and by timestamp (ties by id: a stable page order)."""
        by_date = sorted(self._keys, key=lambda i: (self._keys[i][0], i))
        by_stamp = sorted(self._keys, key=lambda i: (int(self._keys[i][1]), i))
        self._indexes = {
            "event_date": (by_date, [self._keys[i][0] for i in by_date]),
            "timestamp": (by_stamp, [int(self._keys[i][1]) for i in by_stamp]),
        }
        return self._indexes

    def _narrowed(self, indexes: dict, filters: dict, query: dict) -> tuple[list[str], str | None]:
        """A sorted index's slice for a range filter on event_date or timestamp, and that
        filter's name (the others are applied to the slice afterwards); else every event."""
        for name in ("event_date", "timestamp"):
            operator = query.get(f"{name}_where", "")
            if name in filters and operator in (">", ">=", "BETWEEN"):
                rows, keys = indexes[name]
                bounds = [_typed(name, bound) for bound in filters[name].split("|")]
                start = (
                    bisect.bisect_right(keys, bounds[0])
                    if operator == ">"
                    else bisect.bisect_left(keys, bounds[0])
                )
                end = bisect.bisect_right(keys, bounds[1]) if operator == "BETWEEN" else len(keys)
                return rows[start:end], name
        return indexes["event_date"][0], None

    # -- the bench drives a subprocess through these ---------------------------------------

    async def control(self, request: Request) -> Response:
        from tests.acled_samples import events, iter_events

        order = orjson.loads(await request.body())
        if order.get("generate"):
            generated = iter_events(
                order["generate"],
                start=_date(order["start"]),
                days=order["days"],
                impossible_every=order.get("impossible_every", 0),
                seed=order.get("seed", 13),
            )
            while batch := list(islice(generated, 50_000)):
                self.add(batch)
            self.clock = max(int(key[1]) for key in self._keys.values()) + 3600
        ids = sorted(self.events)
        step = max(1, len(ids) // max(1, order.get("revise", 0) + order.get("delete", 0)))
        picked = ids[::step]
        if order.get("revise"):
            self.revise(
                picked[: order["revise"]], fatalities="1", notes="Revised after a new report."
            )
        if order.get("delete"):
            self.delete(picked[order.get("revise", 0) : order.get("revise", 0) + order["delete"]])
        if order.get("add"):
            new = events(
                order["add"],
                start=_date(order["add_start"]),
                days=7,
                first_number=10_000_000,
                seed=99,
            )
            self.add(self.stamp_new(new))
        with self._lock:
            self._index()  # built now, so the bench does not time the fake sorting a million events
        return JSONResponse({"events": len(self.events), "deletions": len(self.deletions)})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/oauth/token", self.token, methods=["POST"]),
                Route("/api/acled/read", self.read_events),
                Route("/api/deleted/read", self.read_deleted),
                Route("/_control", self.control, methods=["POST"]),
            ]
        )


def _kept(event: dict[str, str]) -> bytes:
    """The event's JSON, copied: orjson's own buffer is larger than its result, and a million
    of them kept leave the heap fragmented (9 GB for a million events instead of 1 GB)."""
    return bytes(memoryview(orjson.dumps(event)))


def _passes(row: dict, filters: dict, query: dict) -> bool:
    for name, value in filters.items():
        held = row.get(name)
        if held is None:
            return False
        operator = query.get(f"{name}_where")
        if operator == "BETWEEN":
            low, high = value.split("|")
            if not _typed(name, low) <= _typed(name, held) <= _typed(name, high):
                return False
        elif operator in OPERATORS:
            if not OPERATORS[operator](_typed(name, held), _typed(name, value)):
                return False
        elif held not in value.split("|"):
            return False
    return True


def _typed(name: str, value: str):
    return int(value) if name in NUMERIC else value


def _date(text: str):
    from datetime import date

    return date.fromisoformat(text)


def serve(fake: FakeAcled, port: int) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(fake.app(), host="127.0.0.1", port=port, log_level="warning")
    )


@contextmanager
def running_fake_acled() -> Iterator[FakeAcled]:
    fake = FakeAcled()
    port = free_port()
    server = serve(fake, port)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(port)
    fake.base_url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=10)


if __name__ == "__main__":  # the bench's subprocess: python -m tests.fakes.acled <port>
    import sys

    serve(FakeAcled(), int(sys.argv[1])).run()
