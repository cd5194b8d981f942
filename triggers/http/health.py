"""GET /api/health: every dependency with status and latency; 503 naming what is down."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from core.models.platform import DependencyHealth, HealthReport
from infrastructure.health import check_all, default_probes
from triggers.http.access import requires

router = APIRouter(tags=["health"], dependencies=[requires("anyone")])


@router.get("/api/health", response_model=HealthReport, responses={503: {"model": HealthReport}})
def health(request: Request) -> JSONResponse:
    settings = request.app.state.platform.settings
    results = check_all(default_probes(settings), settings.health_timeout_seconds + 1)
    checks = {r.name: DependencyHealth(status="up" if r.up else "down", latency_ms=r.latency_ms, detail=r.detail) for r in results}
    failing = [name for name, check in checks.items() if check.status == "down"]
    report = HealthReport(status="down" if failing else "up", failing=failing, checks=checks)
    return JSONResponse(report.model_dump(mode="json"), status_code=503 if failing else 200)
