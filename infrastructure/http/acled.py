"""ACLED's API since 2025 (OAuth; the key + email API is retired): tokens and paged reads.

Contract (docs/curated.md "ACLED"):
- `POST {base}/oauth/token` with the account's e-mail and password (`grant_type=password`,
  `client_id=acled`, `scope=authenticated`), or a refresh token (`grant_type=refresh_token`)
  → `{"access_token", "refresh_token", "expires_in"}`. 400/401 there: the credentials (or
  the refresh token) were rejected — final, never retried.
- `GET {base}/api/acled/read` and `{base}/api/deleted/read` with `Authorization: Bearer`,
  `_format=json&limit=&page=` and filters → `{"success": true, "data": [...]}`; a page
  shorter than `limit` is the last. `success: false` carries the source's message: the
  read fails with it. 429 and 5xx are retried with backoff; a 401 means the token expired.

Tokens are never part of a message or a repr; errors name the endpoint, not the URL.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import httpx
import orjson

from core.errors import ContractViolation, SourceRejected
from core.redaction import scrub_secret_parameters, without_queries
from infrastructure.http.retrying import send_with_retries

TOKEN_PATH = "/oauth/token"
READ_PATHS = {"events": "/api/acled/read", "deleted": "/api/deleted/read"}
PAGE_LIMIT = 5000
DEFAULT_LIFETIME_SECONDS = (
    24 * 3600
)  # the contract's token lifetime, when an answer omits expires_in
MESSAGE_LIMIT = 300


class CredentialsRejected(SourceRejected):
    """The token endpoint refused the account's e-mail and password."""


class RefreshRejected(SourceRejected):
    """The token endpoint refused a refresh token (expired, revoked or already used)."""


class TokenRejected(SourceRejected):
    """A read answered 401: the access token expired or was revoked."""


@dataclass(frozen=True)
class Token:
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime

    def expires_within(self, seconds: float, now: datetime) -> bool:
        return self.expires_at <= now + timedelta(seconds=seconds)


class AcledClient:
    def __init__(
        self,
        base_url: str,
        http: httpx.Client,
        *,
        max_retries: int,
        base_delay: float = 1.0,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ):
        self._base = base_url.rstrip("/")
        self._http = http
        self._max_retries = max_retries
        self._base_delay = base_delay
        self._clock = clock

    def password_grant(self, email: str, password: str) -> Token:
        answer = self._token_request(
            {
                "username": email,
                "password": password,
                "grant_type": "password",
                "client_id": "acled",
                "scope": "authenticated",
            }
        )
        if answer.status_code in (400, 401, 403):
            raise CredentialsRejected(
                f"ACLED rejected the credentials (the token endpoint answered "
                f"{answer.status_code}): check ACLED_EMAIL and ACLED_PASSWORD"
            )
        return self._token(answer)

    def refresh_grant(self, refresh_token: str) -> Token:
        answer = self._token_request(
            {"refresh_token": refresh_token, "grant_type": "refresh_token", "client_id": "acled"}
        )
        if answer.status_code in (400, 401, 403):
            raise RefreshRejected(f"ACLED refused the refresh token ({answer.status_code})")
        return self._token(answer)

    def read(
        self, what: str, token: str, filters: dict[str, str], page: int, limit: int = PAGE_LIMIT
    ) -> list[Any]:
        """One page of `what` ("events" or "deleted"): the `data` list as ACLED sent it."""
        label = f"ACLED {what} page {page}"
        params = {"_format": "json", **filters, "limit": str(limit), "page": str(page)}
        answer = send_with_retries(
            lambda: self._http.get(
                self._base + READ_PATHS[what],
                params=params,
                headers={"Authorization": f"Bearer {token}"},
            ),
            what=label,
            max_retries=self._max_retries,
            base_delay=self._base_delay,
            rejected=(403,),
        )
        if answer.status_code == 401:
            raise TokenRejected(
                f"{label}: 401 Unauthorized (the access token expired or was revoked)"
            )
        return _data(answer, label)

    def _token_request(self, form: dict[str, str]) -> httpx.Response:
        # 400/401 are judged by the caller (the message differs for a password and a refresh);
        # 429/5xx are retried like any source answer.
        return send_with_retries(
            lambda: self._http.post(self._base + TOKEN_PATH, data=form),
            what="ACLED token endpoint",
            max_retries=self._max_retries,
            base_delay=self._base_delay,
            rejected=(),
        )

    def _token(self, answer: httpx.Response) -> Token:
        body = _json(answer, "ACLED token endpoint")
        if (
            answer.status_code != 200
            or not isinstance(body, dict)
            or not isinstance(body.get("access_token"), str)
        ):
            raise ContractViolation(
                f"ACLED token endpoint answered {answer.status_code} without an access_token"
            )
        lifetime = _seconds(body.get("expires_in"))
        refresh = body.get("refresh_token")
        return Token(
            access_token=body["access_token"],
            refresh_token=refresh if isinstance(refresh, str) else None,
            expires_at=self._clock() + timedelta(seconds=lifetime),
        )


def _data(answer: httpx.Response, label: str) -> list[Any]:
    body = _json(answer, label)
    if answer.status_code != 200:
        raise ContractViolation(f"{label} answered {answer.status_code}{_reason(body)}")
    if not isinstance(body, dict):
        raise ContractViolation(f"{label}: expected a JSON object with success and data")
    if body.get("success") is not True:
        raise ContractViolation(
            f"{label}: ACLED reported a failure{_reason(body) or ' (no message)'}"
        )
    data = body.get("data")
    if not isinstance(data, list):
        raise ContractViolation(f"{label}: the answer has no data list")
    return data


def _json(answer: httpx.Response, label: str) -> Any:
    try:
        return orjson.loads(answer.content)
    except orjson.JSONDecodeError as exc:
        if answer.status_code != 200:
            return None  # a plain-text error page: the status says enough
        raise ContractViolation(f"{label}: the answer is not JSON") from exc


def _reason(body: Any) -> str:
    """': <the source's message>' from an `error`: a string, an object with a message, or a
    list of those (ACLED sends [{"status": 403, "message": "Access denied."}])."""
    error = body.get("error") if isinstance(body, dict) else None
    errors = error if isinstance(error, list) else [error]
    error = "; ".join(text for text in map(_message, errors) if text)
    if not error:
        return ""
    text = scrub_secret_parameters(without_queries(str(error)))
    return ": " + (text if len(text) <= MESSAGE_LIMIT else text[:MESSAGE_LIMIT] + "…")


def _message(error: Any) -> str:
    if isinstance(error, dict):
        return str(error.get("message") or error.get("error") or orjson.dumps(error).decode())
    return str(error) if error else ""


def _seconds(value: Any) -> int:
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return DEFAULT_LIFETIME_SECONDS
    return seconds if seconds > 0 else DEFAULT_LIFETIME_SECONDS
