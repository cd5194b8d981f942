"""The curated datasets page at /api/interface/curated: the registry with each dataset's
version, last update and its outcome, upload for manual datasets, and update buttons
(which call the JSON API with the admin key, as the jobs dashboard does)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from services.curated import registry
from triggers.http.access import requires
from web_interfaces import TEMPLATES_DIR
from web_interfaces.formatting import register_filters

router = APIRouter(prefix="/api/interface/curated", tags=["dashboard"], include_in_schema=False)
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
register_filters(templates.env)


@router.get("", response_class=HTMLResponse, dependencies=[requires("anyone")])
def page(request: Request) -> HTMLResponse:
    settings = request.app.state.platform.settings
    return templates.TemplateResponse(
        request, "curated/page.html", {"refresh_seconds": settings.dashboard_refresh_seconds}
    )


@router.get("/datasets", response_class=HTMLResponse, dependencies=[requires("reader")])
def datasets(request: Request) -> HTMLResponse:
    """The table (HTMX fragment): the same models as GET /api/curated/datasets and …/history."""
    overview = registry.overview(request.app.state.platform.db)
    return templates.TemplateResponse(request, "curated/datasets.html", {"datasets": overview})
