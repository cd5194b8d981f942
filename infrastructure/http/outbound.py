"""Outbound HTTP only to the hosts SOURCE_ALLOWED_HOSTS lists.

Every request a guarded client sends is checked by its transport, and httpx calls the
transport once per hop, so a redirect is checked like the first request: http/https
only, host and port on the allow-list, and every address the host resolves to public
(not private, loopback, link-local, multicast, reserved or unspecified) unless the host,
or the address itself, is listed by exact name (a `.suffix` entry never unlocks them).

The connection itself resolves again and connects only to addresses that pass the same
check, so a name that resolves to a public address for the check and to a private one a
moment later (DNS rebinding) still cannot reach the private one.
"""

import ipaddress
import socket
import ssl
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable

import httpcore
import httpx

from config import Settings
from core.errors import OutboundRefused

DEFAULT_PORTS = (80, 443)
SCHEMES = ("http", "https")
MAX_REDIRECTS = 5
# The address properties that make a destination internal; the first one found names the refusal.
NON_PUBLIC = (
    "is_loopback",
    "is_link_local",
    "is_unspecified",
    "is_multicast",
    "is_private",
    "is_reserved",
)

Resolver = Callable[..., list]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class HostRule:
    """One allow-list entry: `host` (default ports 80 and 443), `host:port`, or
    `.example.com` (any subdomain of example.com, not example.com itself)."""

    host: str  # lowercase name, or a normalized IP; a suffix rule without its leading dot
    port: int | None  # None: the default ports
    suffix: bool = False

    @classmethod
    def parse(cls, entry: str) -> "HostRule":
        host, port = _split_port(entry.strip().lower())
        suffix = host.startswith(".")
        return cls(host=normalize_host(host.lstrip(".")), port=port, suffix=suffix)

    def covers(self, host: str, port: int) -> bool:
        if port not in ((self.port,) if self.port is not None else DEFAULT_PORTS):
            return False
        return host.endswith("." + self.host) if self.suffix else host == self.host


class OutboundPolicy:
    def __init__(self, rules: Iterable[HostRule], resolve: Resolver = socket.getaddrinfo):
        self._rules = tuple(rules)
        self._resolve = resolve

    @classmethod
    def from_settings(
        cls, settings: Settings, resolve: Resolver = socket.getaddrinfo
    ) -> "OutboundPolicy":
        return cls([HostRule.parse(entry) for entry in settings.allowed_source_hosts], resolve)

    def check_url(self, url: str | httpx.URL) -> tuple[str, int]:
        """Scheme and allow-list (no DNS): the (host, port) the URL would reach."""
        url = url if isinstance(url, httpx.URL) else _parse(url)
        if url.scheme not in SCHEMES:
            raise OutboundRefused(
                f"outbound request refused: scheme {url.scheme or '(none)'!r} is not allowed "
                "(http and https only)"
            )
        host = normalize_host(url.raw_host.decode("ascii"))
        port = url.port or (443 if url.scheme == "https" else 80)
        if not host:
            raise OutboundRefused("outbound request refused: the URL names no host")
        if self._rule_for(host, port) is None:
            raise OutboundRefused(
                f"outbound request to {_show(host, port)} refused: not in SOURCE_ALLOWED_HOSTS"
            )
        return host, port

    def addresses(self, host: str, port: int) -> list[str]:
        """The addresses `host` resolves to, each allowed to be connected to; raises
        OutboundRefused if any is not (socket.gaierror if the name does not resolve)."""
        host = normalize_host(host)
        rule = self._rule_for(host, port)
        if rule is None:
            raise OutboundRefused(
                f"outbound request to {_show(host, port)} refused: not in SOURCE_ALLOWED_HOSTS"
            )
        found = list(
            dict.fromkeys(info[4][0] for info in self._resolve(host, port, type=socket.SOCK_STREAM))
        )
        for address in found:
            kind = non_public_kind(ipaddress.ip_address(address))
            if kind and not self._unlocked(rule, address, port):
                raise OutboundRefused(
                    f"outbound request to {_show(host, port)} refused: it resolves to a {kind} "
                    "address; list the host (or that address) itself in SOURCE_ALLOWED_HOSTS to "
                    "allow it"
                )
        return found

    def _rule_for(self, host: str, port: int) -> HostRule | None:
        """An exact rule if there is one (it may unlock private addresses), else a suffix rule."""
        matches = [rule for rule in self._rules if rule.covers(host, port)]
        return min(matches, key=lambda rule: rule.suffix, default=None)

    def _unlocked(self, rule: HostRule, address: str, port: int) -> bool:
        if not rule.suffix:
            return True
        literal = normalize_host(address)
        return any(not r.suffix and r.covers(literal, port) for r in self._rules)


class GuardedTransport(httpx.BaseTransport):
    """Checks each request (each redirect hop) against the policy before `inner` sends it."""

    def __init__(self, policy: OutboundPolicy, inner: httpx.BaseTransport):
        self._policy = policy
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host, port = self._policy.check_url(request.url)
        try:
            self._policy.addresses(host, port)
        except socket.gaierror as exc:
            raise httpx.ConnectError(f"cannot resolve {host}", request=request) from exc
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


class _VettedBackend(httpcore.NetworkBackend):
    """Connects only to addresses the policy allows, resolved at connect time."""

    def __init__(self, policy: OutboundPolicy):
        self._policy = policy
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            addresses = self._policy.addresses(host, port)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}") from exc
        failure = None
        for address in addresses:
            try:
                return self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc  # try the host's next address, as socket.create_connection would
        raise failure or httpcore.ConnectError(f"{host} has no address")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


@lru_cache(maxsize=1)
def verifying_context() -> ssl.SSLContext:
    """httpx's default TLS context (certificates and host names verified), built once per
    process: loading the CA bundle takes tens of milliseconds, and a client is made per task.
    An SSLContext may be shared by threads."""
    return httpx.create_ssl_context()


class _VettingHTTPTransport(httpx.HTTPTransport):
    """httpx's own transport over a connection pool that connects through _VettedBackend.
    httpx 0.28 takes no network backend, so the pool it built is replaced (httpx is pinned;
    tests/unit/test_outbound.py fails if a new version stops using `_pool`)."""

    def __init__(self, policy: OutboundPolicy):
        super().__init__(verify=verifying_context())
        self._pool = httpcore.ConnectionPool(
            ssl_context=verifying_context(), network_backend=_VettedBackend(policy)
        )


def guarded_transport(
    policy: OutboundPolicy, inner: httpx.BaseTransport | None = None
) -> GuardedTransport:
    return GuardedTransport(policy, inner if inner is not None else _VettingHTTPTransport(policy))


def guarded_client(
    settings: Settings,
    *,
    policy: OutboundPolicy | None = None,
    inner: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """The one way the platform makes outbound HTTP requests. Direct connections only
    (trust_env off): through a proxy, the addresses checked would not be those reached."""
    transport = guarded_transport(policy or OutboundPolicy.from_settings(settings), inner)
    return httpx.Client(
        transport=transport,
        timeout=settings.http_timeout_seconds,
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        trust_env=False,
    )


def normalize_host(host: str) -> str:
    """Lowercase, no trailing dot, no IPv6 brackets; IP literals in canonical form."""
    host = host.strip().lower().rstrip(".").removeprefix("[").removesuffix("]")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def non_public_kind(address: IPAddress) -> str | None:
    """Why an address is internal ('loopback', 'private', ...), or None if it is public.
    IPv6 forms that embed an IPv4 address (mapped, 6to4) are judged by it too."""
    for embedded in _embedded_ipv4(address):
        if kind := non_public_kind(embedded):
            return kind
    for attribute in NON_PUBLIC:
        if getattr(address, attribute):
            return attribute.removeprefix("is_").replace("_", "-")
    return None if address.is_global else "non-global"


def _embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    if address.version != 6:
        return []
    return [a for a in (address.ipv4_mapped, address.sixtofour) if a is not None]


def _split_port(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):  # [::1] or [::1]:8080
        host, _, rest = entry.partition("]")
        return host + "]", int(rest[1:]) if rest.startswith(":") else None
    host, colon, port = entry.rpartition(":")
    return (host, int(port)) if colon else (entry, None)


def _parse(url: str) -> httpx.URL:
    try:
        return httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise OutboundRefused("outbound request refused: not a valid URL") from exc


def _show(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
