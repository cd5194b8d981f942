"""GET /api/health: every dependency with status and latency; 503 naming what is down."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from core.models.platform import DependencyHealth, HealthReport, LoopStatus
from core.redaction import redact_text
from infrastructure.health import check_all, default_probes
from infrastructure.supervised import LoopHealth, loop_health
from triggers.http.access import requires

router = APIRouter(tags=["health"], dependencies=[requires("anyone")])


@router.get("/api/health", response_model=HealthReport, responses={503: {"model": HealthReport}})
def health(request: Request) -> JSONResponse:
    settings = request.app.state.platform.settings
    results = check_all(default_probes(settings), settings.health_timeout_seconds + 1)
    checks = {
        r.name: DependencyHealth(
            status="up" if r.up else "down", latency_ms=r.latency_ms, detail=r.detail
        )
        for r in results
    }
    failing = [name for name, check in checks.items() if check.status == "down"]
    loops = {loop.name: loop_status(loop) for loop in loop_health()}
    troubled = any(loop.status != "ok" for loop in loops.values())
    report = HealthReport(
        status="down" if failing else "degraded" if troubled else "up",
        failing=failing,
        checks=checks,
        loops=loops,
    )
    return JSONResponse(report.model_dump(mode="json"), status_code=503 if failing else 200)


def loop_status(loop: LoopHealth) -> LoopStatus:
    status = "stale" if loop.stale else "failing" if loop.consecutive_failures else "ok"
    # Health is public: the kind of error, not its text.
    error = redact_text(loop.last_error.split(":", 1)[0]) if loop.last_error else None
    return LoopStatus(
        status=status,
        seconds_since_success=loop.seconds_since_success,
        period_seconds=loop.period_seconds,
        consecutive_failures=loop.consecutive_failures,
        last_error=error,
    )
