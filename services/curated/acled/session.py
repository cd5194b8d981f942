"""One ACLED token per update job, shared by its tasks (docs/decisions.md, 24).

The check signs in with the account's e-mail and password and keeps the token in
app.source_tokens under the job's id; every fetch task of the job reads it from there.
Near its expiry, or when a read answers 401, the token is renewed with the refresh grant
(or, if ACLED refuses the refresh token, by signing in again) — by one task at a time:
the others wait on the row and take the token it stored. The token never enters task
parameters, results, events or logs, which is what the jobs API shows.
"""

import logging
from datetime import datetime, timezone
from typing import Callable

from pydantic import SecretStr

from config import Settings
from config.settings import SOURCE_CREDENTIAL_SETTINGS
from core.errors import InvalidInput, SourceRejected
from infrastructure.db.pool import Database
from infrastructure.db.queries import sql
from infrastructure.http.acled import PAGE_LIMIT, AcledClient, RefreshRejected, Token, TokenRejected

log = logging.getLogger(__name__)
SOURCE = "acled"
ACCOUNT_SETTINGS = {"ACLED_EMAIL", "ACLED_PASSWORD"}
# Renew this long before the expiry ACLED announced: a page must not be read with a token
# that runs out on the way.
RENEW_BEFORE_SECONDS = 60
MAX_RENEWALS = (
    4  # tokens other tasks stored, each possibly run out too, before one fresh from ACLED
)

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def open_session(
    settings: Settings,
    db: Database,
    job_id: str,
    base_url: str,
    credential_settings: list[str],
    http,
) -> "AcledSession":
    """The job's session: its stored token, and the account named by the dataset's settings."""
    client = AcledClient(base_url, http, max_retries=settings.http_max_retries)
    return AcledSession(
        client, TokenStore(db, job_id), lambda: account(settings, credential_settings)
    )


def account(settings: Settings, credential_settings: list[str]) -> tuple[str, str]:
    """(e-mail, password) from the settings the dataset names."""
    if set(credential_settings) != ACCOUNT_SETTINGS or len(credential_settings) != 2:
        raise InvalidInput(
            "an ACLED dataset names ACLED_EMAIL and ACLED_PASSWORD in credential_settings "
            f"(declared source credentials: {', '.join(SOURCE_CREDENTIAL_SETTINGS)})"
        )
    email, password = _value(settings.acled_email), _value(settings.acled_password)
    if not (email and password) and _value(settings.acled_api_key):
        raise SourceRejected(
            "ACLED_API_KEY is set, but ACLED retired its key + email API in 2025: set ACLED_EMAIL "
            "and ACLED_PASSWORD (the ACLED account's login) instead"
        )
    for name, value in (("ACLED_EMAIL", email), ("ACLED_PASSWORD", password)):
        if not value:
            raise SourceRejected(f"credential setting {name} is not set")
    return email, password


def _value(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret is not None else None


class TokenStore:
    """The job's row in app.source_tokens."""

    def __init__(self, db: Database, job_id: str, source: str = SOURCE):
        self._db = db
        self._key = {"job_id": job_id, "source": source}

    def current(self) -> Token | None:
        with self._db.connection() as conn:
            row = conn.execute(sql("source_tokens/get"), self._key).fetchone()
        return _token(row)

    def first(self, token: Token) -> Token:
        """Stores the job's first token, or returns the one another task stored first."""
        with self._db.connection() as conn:
            row = conn.execute(sql("source_tokens/insert"), self._key | _values(token)).fetchone()
            if row is None:
                row = conn.execute(sql("source_tokens/get"), self._key).fetchone()
        return _token(row)

    def renew(self, stale: Token, obtain: Callable[[], Token]) -> tuple[Token, bool]:
        """A token other than `stale`: the one another task stored meanwhile, or `obtain()`'s,
        stored while the row is locked (so the job signs in or refreshes once, not per task).
        The flag says whether the token is fresh from ACLED (True) or another task's."""
        with self._db.connection() as conn:
            held = _token(conn.execute(sql("source_tokens/lock"), self._key).fetchone())
            if held is not None and held.access_token != stale.access_token:
                return held, False
            fresh = obtain()
            conn.execute(sql("source_tokens/save"), self._key | _values(fresh))
        return fresh, True


def forget_token(conn, job_id: str, source: str = SOURCE) -> None:
    conn.execute(sql("source_tokens/forget"), {"job_id": job_id, "source": source})


def purge_tokens(conn) -> None:
    conn.execute(sql("source_tokens/purge"))


def _token(row: dict | None) -> Token | None:
    if row is None:
        return None
    return Token(
        access_token=row["access_token"],
        refresh_token=row["refresh_token"],
        expires_at=row["expires_at"],
    )


def _values(token: Token) -> dict:
    return {
        "access_token": token.access_token,
        "refresh_token": token.refresh_token,
        "expires_at": token.expires_at,
    }


class AcledSession:
    """Reads from ACLED with the job's token, renewing it when it runs out."""

    def __init__(
        self,
        client: AcledClient,
        store: TokenStore,
        sign_in: Callable[[], tuple[str, str]],
        clock: Clock = _utc_now,
    ):
        self._client = client
        self._store = store
        self._sign_in = sign_in  # the account, read only when a password grant is needed
        self._clock = clock
        self._token: Token | None = None

    def sign_in(self) -> None:
        """Makes sure the job has a usable token (signs in if it has none)."""
        self._usable()

    def read(self, what: str, filters: dict[str, str], page: int, limit: int = PAGE_LIMIT) -> list:
        token = self._usable()
        for _ in range(MAX_RENEWALS):
            try:
                return self._client.read(what, token.access_token, filters, page, limit)
            except TokenRejected:
                # Expired or revoked before its announced time: renew. A token another task
                # stored may itself have run out meanwhile, so that one is renewed again; a 401
                # with a token fresh from ACLED is final (TokenRejected is a SourceRejected).
                token, fresh = self._renew(token)
                if fresh:
                    return self._client.read(what, token.access_token, filters, page, limit)
        return self._client.read(what, token.access_token, filters, page, limit)

    def _usable(self) -> Token:
        if self._token is None:
            self._token = self._store.current() or self._store.first(self._password_grant())
        if self._token.expires_within(RENEW_BEFORE_SECONDS, self._clock()):
            self._renew(self._token)
        return self._token

    def _renew(self, stale: Token) -> tuple[Token, bool]:
        self._token, fresh = self._store.renew(stale, lambda: self._obtain(stale))
        return self._token, fresh

    def _obtain(self, stale: Token) -> Token:
        if stale.refresh_token:
            try:
                return self._client.refresh_grant(stale.refresh_token)
            except RefreshRejected:
                log.info("ACLED refused the job's refresh token; signing in again")
        return self._password_grant()

    def _password_grant(self) -> Token:
        return self._client.password_grant(*self._sign_in())
