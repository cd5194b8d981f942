"""Admin routes: schema status and deployment. All require the admin key."""

from fastapi import APIRouter, Depends, Request

from core.models.platform import DeployView, SchemaStatusView
from triggers.http.auth import require_admin
from triggers.operations import deploy_platform, schema_status

router = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[Depends(require_admin)])


@router.get("/db/status", response_model=SchemaStatusView)
def db_status(request: Request) -> SchemaStatusView:
    return schema_status(request.app.state.platform)


@router.post("/db/deploy", response_model=DeployView)
def db_deploy(request: Request) -> DeployView:
    return deploy_platform(request.app.state.platform)
