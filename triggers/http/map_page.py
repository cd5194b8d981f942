"""The map page at /api/interface/map (MapLibre GL JS from the app's own static files) and
its data, GET /api/maps/layers: every published table, raster, STAC collection and H3
aggregation with its tiles, style and details. The shell holds no data; the layers are public data."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from services.tiles.layers import MapLayer, layers
from triggers.http.access import requires
from triggers.http.links import base_url
from web_interfaces import TEMPLATES_DIR

router = APIRouter(tags=["maps"])
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


@router.get(
    "/api/interface/map",
    response_class=HTMLResponse,
    include_in_schema=False,
    dependencies=[requires("anyone")],
)
def page(request: Request) -> HTMLResponse:
    """`?layer=vector:<table>`, `raster:<id>`, `collection:<id>` or `h3:<collection id>` opens that layer."""
    return templates.TemplateResponse(request, "map/page.html", {})


@router.get("/api/maps/layers", response_model=list[MapLayer], dependencies=[requires("public")])
def map_layers(request: Request) -> list[MapLayer]:
    platform = request.app.state.platform
    return layers(platform.db, platform.settings, base_url(request))
