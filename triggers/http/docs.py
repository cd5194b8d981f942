"""GET /api/docs: Swagger UI over /api/openapi.json, from the app's own static files."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from triggers.http.access import requires
from web_interfaces import TEMPLATES_DIR

router = APIRouter(tags=["docs"], include_in_schema=False, dependencies=[requires("anyone")])
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


@router.get("/api/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "docs/swagger.html", {"openapi_url": request.app.openapi_url}
    )
