"""API keys: created once (the key is shown then and never again), stored as a digest,
listed, revoked; a request's key resolved to its principal."""

import hashlib
import hmac
import secrets
from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from config import Settings
from core.access import BOOTSTRAP_ADMIN, KEY_ROLES, Principal, Role, check_key_name
from core.errors import Conflict, NotFound, Unauthorized
from infrastructure.db import access as repo
from infrastructure.db.pool import Database

KEY_PREFIX = "geoetl_"  # lets secret scanners and people recognise a leaked key
HINT_LENGTH = len(KEY_PREFIX) + 4


class KeyCreate(BaseModel):
    name: str = Field(
        description="who or what holds the key: lowercase letters, digits, '.', '_', '-'"
    )
    role: Role = Field(description="reader, submitter or admin")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_key_name(value)

    @field_validator("role")
    @classmethod
    def _role(cls, value: str) -> str:
        if value not in KEY_ROLES:
            raise ValueError(f"a key's role is one of {', '.join(KEY_ROLES)}")
        return value


class KeyView(BaseModel):
    name: str
    role: Role
    key_hint: str = Field(description="the key's first characters")
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class NewKey(KeyView):
    key: str = Field(description="the key itself: shown this once, stored only as a digest")


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(db: Database, request: KeyCreate, created_by: str) -> NewKey:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with db.connection() as conn:
        row = repo.insert_key(
            conn,
            name=request.name,
            role=request.role,
            key_hash=digest(key),
            key_hint=key[:HINT_LENGTH],
            created_by=created_by,
        )
    if row is None:
        raise Conflict(
            f"a key named {request.name!r} exists (revoked keys keep their name); choose another name"
        )
    return NewKey(**row, key=key)


def list_keys(db: Database) -> list[KeyView]:
    with db.connection() as conn:
        return [KeyView(**row) for row in repo.list_keys(conn)]


def revoke_key(db: Database, name: str) -> KeyView:
    with db.connection() as conn:
        row = repo.revoke_key(conn, name)
    if row is None:
        raise NotFound(f"no active key named {name!r}")
    return KeyView(**row)


def principal_for_key(db: Database, settings: Settings, key: str) -> Principal:
    """The principal a presented key stands for; Unauthorized when it stands for none."""
    bootstrap = settings.admin_api_key
    if bootstrap is not None and hmac.compare_digest(
        key.encode(), bootstrap.get_secret_value().encode()
    ):
        return BOOTSTRAP_ADMIN
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        raise Unauthorized("unknown or revoked API key")
    with db.connection() as conn:
        row = repo.key_by_hash(conn, digest(key))
    if row is None:
        raise Unauthorized("unknown or revoked API key")
    return Principal(name=row["name"], role=row["role"], kind="key")
