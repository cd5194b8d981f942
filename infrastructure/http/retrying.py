"""Requests with backoff for 429 and 5xx answers (honouring Retry-After); 401/403 are final
unless the caller takes them (`rejected`: ACLED answers 401 to an expired token, which is
renewed, not reported).

Messages name what was asked (`what`, a path at most), never the URL: its query string
may carry credentials (IBAT's auth_key and auth_token travel there)."""

import logging
import random
import time
from typing import Callable

import httpx

from core.errors import ContractViolation, DependencyUnavailable, SourceRejected
from core.redaction import scrub_secret_parameters, without_queries

log = logging.getLogger(__name__)
RETRYABLE = {429, 500, 502, 503, 504}


def send_with_retries(
    send: Callable[[], httpx.Response],
    *,
    what: str,
    max_retries: int,
    base_delay: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    rejected: tuple[int, ...] = (401, 403),
) -> httpx.Response:
    """`send` issues the request; returns the first answer that is neither 429 nor 5xx.
    A status in `rejected` raises SourceRejected."""
    for attempt in range(max_retries + 1):
        try:
            response = send()
        except httpx.TooManyRedirects as exc:
            raise ContractViolation(f"{what}: too many redirects") from exc
        except httpx.TransportError as exc:
            if attempt == max_retries:
                raise DependencyUnavailable(f"{what}: {type(exc).__name__}: {_safe(exc)}") from exc
            response = None
        if response is not None and response.status_code in rejected:
            raise SourceRejected(
                f"{what}: {response.status_code} {response.reason_phrase} — check the credentials "
                "named by the dataset's credential_settings"
            )
        if response is not None and response.status_code not in RETRYABLE:
            return response
        if attempt == max_retries:
            raise DependencyUnavailable(
                f"{what}: still {response.status_code} after {max_retries} retries"
            )
        delay = _delay(response, attempt, base_delay)
        log.warning(
            "%s: %s, retrying in %.1fs",
            what,
            response.status_code if response else "no answer",
            delay,
        )
        sleep(delay)
    raise AssertionError("unreachable")


def _safe(exc: Exception) -> str:
    """A transport error's text without URLs' query strings or secret-looking parameters."""
    return scrub_secret_parameters(without_queries(str(exc)))


def _delay(response: httpx.Response | None, attempt: int, base_delay: float) -> float:
    retry_after = response.headers.get("retry-after") if response is not None else None
    if retry_after and retry_after.isdigit():
        return min(float(retry_after), 300.0)
    return min(60.0, base_delay * 2**attempt) * random.uniform(0.75, 1.25)
