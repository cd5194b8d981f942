"""The access gate: an ASGI middleware that, before the app reads a request's body,
finds the route, authenticates the caller, checks the route's role and the caller's rate
limit, and refuses a declared body over the route's limit. While the app reads the body
it counts the bytes and watches the pace, cutting off an oversize or stalled body early.

Answers: 401 (no or wrong key), 403 (role), 429 (rate, with Retry-After), 413 (size),
408 (a body that stalls or trickles), 503 (the key store is down).
"""

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from anyio import to_thread
from fastapi.routing import APIRoute
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import Headers
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import BadRequest, GeoETLError, PayloadTooLarge, TooManyRequests
from core.access import ANONYMOUS
from triggers.http.access import (
    Requires,
    authenticate,
    check_role,
    effective_role,
    presents_credentials,
)
from triggers.http.problems import problem_response

log = logging.getLogger(__name__)

MULTIPART_OVERHEAD = 1024 * 1024  # form boundaries and headers around an uploaded file
SLOW_BODY_GRACE_SECONDS = 10.0
ROLE_ORDER = ("anyone", "public", "reader", "submitter", "admin")
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


class RequestTimeout(GeoETLError):
    status, title, slug, retryable = 408, "Request timeout", "request-timeout", False


@dataclass(frozen=True)
class RouteRule:
    role: str
    body: str


class AccessGate:
    def __init__(self, app: ASGIApp, *, api, platform):
        self.app = app
        self._api = api  # the FastAPI app: its routes say who may call them
        self._platform = platform
        self._rules: dict[int, RouteRule] = {}
        self._flat: list | None = None
        settings = platform.settings
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._limits = {
            "read": parse(settings.rate_limit_reads),
            "write": parse(settings.rate_limit_writes),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            rule = self._rule_for(scope)
            headers = Headers(scope=scope)
            principal = await self._principal(headers)
            check_role(
                principal, effective_role(rule.role, self._platform.settings.public_data_anonymous)
            )
            if rule.role != "anyone":
                self._check_rate(scope, principal)
            limit = self._body_limit(rule)
            _check_declared_length(headers, limit)
        except GeoETLError as exc:
            await problem_response(exc)(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        guard = BodyGuard(receive, limit, self._platform.settings)
        await self._run_guarded(scope, guard, send)

    async def _principal(self, headers: Headers):
        """Anonymous callers need no look-up: answered here, without a trip to a worker
        thread (most tile and map requests are anonymous)."""
        if not presents_credentials(self._platform, headers):
            return ANONYMOUS
        return await to_thread.run_sync(authenticate, self._platform, headers)

    async def _run_guarded(self, scope: Scope, guard: "BodyGuard", send: Send) -> None:
        started = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if guard.rejected is not None:  # the app answered a body we cut off: answer for it
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await problem_response(guard.rejected)(scope, guard.receive, send)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, guard.receive, guarded_send)
        except BodyRejected:
            if not started:
                await problem_response(guard.rejected)(scope, guard.receive, send)

    def _rule_for(self, scope: Scope) -> RouteRule:
        for route in self._routes():
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return self._rule_of(route)
        return RouteRule("anyone", "json")  # no such route: the app answers 404/405

    def _routes(self) -> list:
        if self._flat is None:
            self._flat = flat_routes(self._api)
        return self._flat

    def _rule_of(self, route) -> RouteRule:
        cached = self._rules.get(id(route))
        if cached is None:
            cached = self._rules[id(route)] = route_rule(route)
        return cached

    def _check_rate(self, scope: Scope, principal) -> None:
        kind = "read" if scope["method"] in READ_METHODS else "write"
        who = (
            principal.owner_id
            if principal.role != "anonymous"
            else f"ip:{(scope.get('client') or ('?',))[0]}"
        )
        limit = self._limits[kind]
        if not self._limiter.hit(limit, kind, who):
            reset_at, _ = self._limiter.get_window_stats(limit, kind, who)
            raise TooManyRequests(
                f"rate limit of {limit} {kind}s reached for {who}",
                retry_after_seconds=int(reset_at - time.time()) + 1,
            )

    def _body_limit(self, rule: RouteRule) -> int:
        settings = self._platform.settings
        return (
            settings.upload_max_bytes + MULTIPART_OVERHEAD
            if rule.body == "upload"
            else settings.api_max_body_bytes
        )


def flat_routes(api) -> list:
    """The app's routes, those of included routers spelled out (FastAPI keeps included
    routers as branches; each branch lists its routes with their full paths)."""
    flat = []
    for route in api.router.routes:
        if hasattr(route, "effective_route_contexts"):
            flat += [context.original_route for context in route.effective_route_contexts()]
        else:
            flat.append(route)
    return flat


def route_rule(route) -> RouteRule:
    """The strictest `requires(...)` among the route's dependencies. A FastAPI route with
    none is a programming error: it is closed to everyone but admins (and a test fails)."""
    if not isinstance(route, APIRoute):
        return RouteRule("anyone", "json")  # the OpenAPI document, the docs, static files
    marks = [d.call for d in route.dependant.dependencies if isinstance(d.call, Requires)]
    if not marks:
        log.error("route %s declares no role: admins only", route.path)
        return RouteRule("admin", "json")
    strictest = max(marks, key=lambda m: ROLE_ORDER.index(m.role))
    return RouteRule(strictest.role, "upload" if any(m.body == "upload" for m in marks) else "json")


def _check_declared_length(headers: Headers, limit: int) -> None:
    declared = headers.get("content-length")
    if declared is None:
        return
    if not declared.isdigit():
        raise BadRequest("Content-Length must be a number")
    if int(declared) > limit:
        raise PayloadTooLarge(
            f"the body of {int(declared):,} bytes is over this route's limit of {limit:,} bytes"
        )


class BodyRejected(Exception):
    """Raised into the app when the body is cut off; the gate answers with the reason."""


class BodyGuard:
    """The app's `receive`, counting body bytes and timing them until the body is complete."""

    def __init__(self, receive: Receive, limit: int, settings: Any):
        self._receive = receive
        self._limit = limit
        self._idle = settings.http_body_idle_timeout_seconds
        self._min_rate = settings.http_body_min_bytes_per_second
        self._started = time.monotonic()
        self._received = 0
        self._complete = False
        self.rejected: GeoETLError | None = None

    async def receive(self) -> Message:
        if self._complete or self.rejected is not None:
            return await self._receive()
        try:
            message = await asyncio.wait_for(self._receive(), self._idle)
        except asyncio.TimeoutError:
            self._reject(RequestTimeout(f"the request body stalled for {self._idle:g} s"))
        if message["type"] == "http.request":
            self._count(message)
        return message

    def _count(self, message: Message) -> None:
        self._received += len(message.get("body", b""))
        self._complete = not message.get("more_body", False)
        if self._received > self._limit:
            self._reject(
                PayloadTooLarge(f"the body is over this route's limit of {self._limit:,} bytes")
            )
        elapsed = time.monotonic() - self._started
        if (
            not self._complete
            and elapsed > SLOW_BODY_GRACE_SECONDS
            and self._received / elapsed < self._min_rate
        ):
            self._reject(
                RequestTimeout(
                    f"the request body arrives at {self._received / elapsed:,.0f} bytes/s, "
                    f"under the minimum of {self._min_rate:,}"
                )
            )

    def _reject(self, error: GeoETLError) -> None:
        self.rejected = error
        raise BodyRejected(error.detail)
