"""The Service Bus-triggered worker: one message, one task id, one task.

The message is a hint: the task row is claimed with the same compare-and-swap as the
PostgreSQL workers use, so a duplicate or late message claims nothing and is ignored,
and a malformed one is logged and completed (retrying it could never succeed). Errors
reaching the database propagate: the host abandons the message and Service Bus
redelivers it (dead-lettering after its max delivery count; the reconciler republishes
tasks whose dispatch went stale)."""

import logging
from typing import Literal

import azure.functions as func
from azure.durable_functions import DFApp

from infrastructure.queues.servicebus import task_id_of
from services.engine.engine import Engine
from triggers.azure.names import SERVICE_BUS_CONNECTION
from triggers.azure.notifier import DurableJobNotifier
from triggers.azure.task_runner import TaskRunner

log = logging.getLogger(__name__)

MessageResult = Literal["malformed", "ignored", "recorded"]


def handle_task_message(engine: Engine, runner: TaskRunner, body: bytes | str) -> MessageResult:
    try:
        task_id = task_id_of(body)
    except ValueError as exc:  # includes JSON and UTF-8 decoding errors
        log.warning("completing a malformed task message without running anything: %s", exc)
        return "malformed"
    task = engine.claim_task(task_id, runner.name)
    if task is None:
        log.info("task %d is not queued (duplicate or late message): ignored", task_id)
        return "ignored"
    engine.record([runner.run(task)])
    return "recorded"


def register(
    app: DFApp, engine: Engine, runner: TaskRunner, notifier: DurableJobNotifier, queue_name: str
) -> None:
    @app.function_name("task_worker")
    @app.service_bus_queue_trigger(
        arg_name="msg", queue_name=queue_name, connection=SERVICE_BUS_CONNECTION
    )
    @app.durable_client_input(client_name="client")
    async def task_worker(msg: func.ServiceBusMessage, client) -> None:
        result = await notifier.run(client, handle_task_message, engine, runner, msg.get_body())
        log.debug("task message %s: %s", msg.message_id, result)
