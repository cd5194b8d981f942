"""problem+json (RFC 9457) for every error the API returns, including the ones nobody
expected: those answer 500 with a correlation id (the traceback is logged under it, the
caller sees no internals), and a database that cannot be reached answers 503."""

import logging
import uuid
from http import HTTPStatus

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import DependencyUnavailable, GeoETLError, TooManyRequests, field_errors

log = logging.getLogger(__name__)
PROBLEM_TYPE_BASE = "https://geoetl.dev/problems/"
MEDIA_TYPE = "application/problem+json"
RETRY_AFTER_UNAVAILABLE = 30


class FieldError(BaseModel):
    field: str
    message: str
    type: str


class Problem(BaseModel):
    """An error (RFC 9457); `errors` lists invalid fields, `correlation_id` names a logged 500."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None
    correlation_id: str | None = None


_PROBLEM = {
    "model": Problem,
    "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
# Every route may answer these (the gate's 401/403/408/413/429, validation's 422, 5xx).
PROBLEM_RESPONSES = {
    "4XX": {**_PROBLEM, "description": "the request cannot be served (problem+json)"},
    "5XX": {
        **_PROBLEM,
        "description": "the platform failed or a dependency is down (problem+json)",
    },
}


def problem(
    status: int,
    title: str,
    detail: str,
    slug: str,
    errors: list | None = None,
    headers: dict[str, str] | None = None,
    **extra,
) -> JSONResponse:
    body = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def problem_response(exc: GeoETLError) -> JSONResponse:
    headers = None
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
    elif exc.status == 503:
        headers = {"Retry-After": str(RETRY_AFTER_UNAVAILABLE)}
    return problem(exc.status, exc.title, exc.detail, exc.slug, exc.errors, headers)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(GeoETLError)
    async def _domain(_: Request, exc: GeoETLError) -> JSONResponse:
        return problem_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = field_errors(exc.errors())
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "Invalid input", detail, "invalid-input", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        return problem(exc.status_code, _reason(exc.status_code), str(exc.detail), slug)

    @app.exception_handler(psycopg.OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _database_down(_: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", type(exc).__name__)
        return problem_response(
            DependencyUnavailable("the database is unavailable; try again shortly")
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        correlation_id = uuid.uuid4().hex
        log.error(
            "unhandled error %s on %s %s",
            correlation_id,
            request.method,
            request.url.path,
            exc_info=exc,
        )
        return problem(
            500,
            "Internal error",
            f"an unexpected error occurred; quote {correlation_id} to the operators",
            "internal-error",
            correlation_id=correlation_id,
        )


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
