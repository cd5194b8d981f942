"""Who may call a route: every route declares it with `requires(...)`, and the gate
(triggers/http/gate.py) checks it before a byte of the body is read.

Route roles: `anyone` (health, API docs, static files), `public` (published data: OGC
Features, STAC, styles; anonymous unless PUBLIC_DATA_ANONYMOUS is false, then reader),
`reader`, `submitter`, `admin`.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Literal, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel
from starlette.datastructures import Headers

from core.access import ANONYMOUS, Principal, Role, rank
from core.errors import Forbidden, Unauthorized
from core.redaction import redact
from services.access.keys import principal_for_key

RouteRole = Literal["anyone", "public", "reader", "submitter", "admin"]
BodyKind = Literal["json", "upload"]
EASY_AUTH_HEADER = "x-ms-client-principal"
# App roles of the Entra ID app registration, as Easy Auth passes them (docs/security.md).
ENTRA_APP_ROLES: dict[str, Role] = {
    "GeoETL.Reader": "reader",
    "GeoETL.Submitter": "submitter",
    "GeoETL.Admin": "admin",
}


@dataclass(frozen=True)
class Requires:
    """A route's role and the kind of body it takes. A FastAPI dependency, so the route
    carries it (the gate finds it there) and a handler may ask for the principal."""

    role: RouteRole
    body: BodyKind = "json"

    async def __call__(self, request: Request) -> Principal:
        # async: it only reads the scope, so FastAPI runs it in place, not in its threadpool
        principal = request.scope.get("state", {}).get("principal")
        if principal is None:  # the gate always sets one; without it, refuse rather than guess
            raise Unauthorized("request was not authenticated")
        return principal


def requires(role: RouteRole, body: BodyKind = "json"):
    return Depends(Requires(role, body))


def principal_of(request: Request) -> Principal:
    return request.scope.get("state", {}).get("principal") or ANONYMOUS


def effective_role(route_role: RouteRole, public_data_anonymous: bool) -> Role:
    if route_role == "anyone":
        return "anonymous"
    if route_role == "public":
        return "anonymous" if public_data_anonymous else "reader"
    return route_role


def check_role(principal: Principal, required: Role) -> None:
    if principal.may(required):
        return
    if principal.role == "anonymous":
        raise Unauthorized(
            f"this route needs a {required} key: send it as x-functions-key or Authorization: Bearer"
        )
    raise Forbidden(
        f"this route needs the {required} role; {principal.owner_id} is a {principal.role}"
    )


def presented_key(headers: Headers) -> str | None:
    key = headers.get("x-functions-key")
    authorization = headers.get("authorization", "")
    if not key and authorization[:7].lower() == "bearer ":
        key = authorization[7:].strip()
    return key or None


def presents_credentials(platform, headers: Headers) -> bool:
    """Whether authenticating needs a look-up (a key, or a trusted Easy Auth principal)."""
    return presented_key(headers) is not None or bool(
        platform.settings.trust_easy_auth and headers.get(EASY_AUTH_HEADER)
    )


def authenticate(platform, headers: Headers) -> Principal:
    """The caller: a key (x-functions-key or Bearer), an Easy Auth principal where that is
    trusted, or anonymous. A key that is presented but wrong is an error, never anonymous."""
    key = presented_key(headers)
    if key is not None:
        return principal_for_key(platform.db, platform.settings, key)
    if platform.settings.trust_easy_auth and headers.get(EASY_AUTH_HEADER):
        return easy_auth_principal(headers[EASY_AUTH_HEADER])
    return ANONYMOUS


def easy_auth_principal(encoded: str) -> Principal:
    """App Service authentication's principal (base64 JSON with `claims`): its object id
    names it, its highest GeoETL app role is its role."""
    try:
        document = json.loads(base64.b64decode(encoded, validate=True))
        claims = {(c["typ"], c["val"]) for c in document.get("claims", [])}
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise Unauthorized("malformed X-MS-CLIENT-PRINCIPAL") from exc
    object_id = next(
        (val for typ, val in claims if typ.endswith("/objectidentifier") or typ == "oid"), None
    )
    roles = [
        ENTRA_APP_ROLES[val]
        for typ, val in claims
        if typ in ("roles", document.get("role_typ")) and val in ENTRA_APP_ROLES
    ]
    if not object_id or not roles:
        raise Forbidden(
            "the signed-in identity has no GeoETL app role (GeoETL.Reader, .Submitter or .Admin)"
        )
    return Principal(name=object_id, role=max(roles, key=rank), kind="entra")


M = TypeVar("M", bound=BaseModel)


def visible_to(principal: Principal, model: M) -> M:
    """The model as `principal` may see it: whole for admins, redacted for everyone else
    (core/redaction.py: secrets, signed URLs, local paths)."""
    if principal.is_admin:
        return model
    return type(model).model_validate(redact(model.model_dump(mode="json")))
