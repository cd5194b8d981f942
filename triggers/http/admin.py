"""Admin routes: schema status and deployment, API keys. All need the admin role."""

from fastapi import APIRouter, Request

from core.models.platform import DeployView, SchemaStatusView
from services.access import keys
from services.access.keys import KeyCreate, KeyView, NewKey
from triggers.http.access import principal_of, requires
from triggers.operations import deploy_platform, schema_status

router = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[requires("admin")])


@router.get("/db/status", response_model=SchemaStatusView)
def db_status(request: Request) -> SchemaStatusView:
    return schema_status(request.app.state.platform)


@router.post("/db/deploy", response_model=DeployView)
def db_deploy(request: Request) -> DeployView:
    return deploy_platform(request.app.state.platform)


@router.post("/keys", status_code=201, response_model=NewKey)
def create_key(payload: KeyCreate, request: Request) -> NewKey:
    """A new key for `name` with `role`; the key is in this answer only (stored as a digest)."""
    return keys.create_key(
        request.app.state.platform.db, payload, created_by=principal_of(request).owner_id
    )


@router.get("/keys", response_model=list[KeyView])
def list_keys(request: Request) -> list[KeyView]:
    return keys.list_keys(request.app.state.platform.db)


@router.delete("/keys/{name}", response_model=KeyView)
def revoke_key(name: str, request: Request) -> KeyView:
    """Revokes the key at once; its name stays taken (the audit trail keeps it)."""
    return keys.revoke_key(request.app.state.platform.db, name)
