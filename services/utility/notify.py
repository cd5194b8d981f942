"""utility.notify: tell someone a pipeline got here. The message is recorded in the job's
events (the dashboard and the execution view show it); with a `url`, it is also POSTed as
JSON to that webhook, which must be on SOURCE_ALLOWED_HOSTS like every outbound request.

Delivery is at least once (a retried task posts again): the `Idempotency-Key` header,
the job id and task index, lets a receiver drop repeats."""

from typing import Any

import httpx
from psycopg.types.json import Jsonb
from pydantic import BaseModel, Field, field_validator

from core.errors import ContractViolation, DependencyUnavailable
from infrastructure.db.queries import sql
from infrastructure.http.outbound import guarded_client
from services.engine.context import TaskContext
from services.engine.handlers import handler


class NotifyParams(BaseModel):
    message: str = Field(
        min_length=1,
        max_length=2000,
        description="what to say; may quote earlier outputs, "
        "e.g. 'published {{ stages.publish.output.tables }}'",
    )
    url: str | None = Field(
        None,
        max_length=2000,
        description="webhook to POST {job_id, message, data} to "
        "(its host must be on SOURCE_ALLOWED_HOSTS); none: the job's events only",
    )
    data: dict[str, Any] | list[Any] | str | int | float | bool | None = Field(
        None, description="anything else to send along, e.g. an earlier stage's output"
    )

    @field_validator("url")
    @classmethod
    def _web_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("url must be an http(s) URL")
        return value


class Notified(BaseModel):
    message: str
    delivered_to: str | None = Field(None, description="the webhook's host, when one was called")
    status_code: int | None = None


@handler("utility.notify")
def notify(params: NotifyParams, ctx: TaskContext) -> Notified:
    status = _post(params, ctx) if params.url else None
    with ctx.adapters.db.connection() as conn:
        conn.execute(
            sql("engine/insert_event"),
            {
                "job_id": ctx.job_id,
                "attempt": ctx.job_attempt,
                "event": "notification",
                "stage": ctx.task.stage,
                "task_id": ctx.task_id,
                "detail": Jsonb({"message": params.message, "webhook_status": status}),
            },
        )
    return Notified(
        message=params.message,
        delivered_to=httpx.URL(params.url).host if params.url else None,
        status_code=status,
    )


def _post(params: NotifyParams, ctx: TaskContext) -> int:
    body = {"job_id": ctx.job_id, "message": params.message, "data": params.data}
    headers = {"Idempotency-Key": f"{ctx.job_id}:{ctx.task.task_index}"}
    try:
        with guarded_client(ctx.adapters.settings) as client:
            response = client.post(params.url, json=body, headers=headers)
    except httpx.TransportError as exc:
        raise DependencyUnavailable(
            f"webhook {httpx.URL(params.url).host} unreachable: {type(exc).__name__}"
        ) from exc
    if response.status_code >= 500:
        raise DependencyUnavailable(f"webhook {response.url.host} answered {response.status_code}")
    if response.status_code >= 400:
        raise ContractViolation(
            f"webhook {response.url.host} refused the notification ({response.status_code})"
        )
    return response.status_code
