"""Azure Service Bus (azure-servicebus): the connection and the task dispatcher.

A message carries only a task id; the worker that receives it still claims the row, so
a duplicated, late or lost message can delay work but never double or lose it.
"""

import json
import logging
import threading
from datetime import datetime, timedelta, timezone
from typing import Callable

from azure.servicebus import ServiceBusClient, ServiceBusMessage

from config import Settings

log = logging.getLogger(__name__)


def make_servicebus_client(settings: Settings) -> ServiceBusClient:
    """From a connection string, or from the namespace with managed identity."""
    if settings.servicebus_connection is not None:
        return ServiceBusClient.from_connection_string(
            settings.servicebus_connection.get_secret_value()
        )
    if settings.servicebus_namespace:
        from azure.identity import DefaultAzureCredential

        return ServiceBusClient(settings.servicebus_namespace, credential=DefaultAzureCredential())
    raise ValueError(
        "Service Bus is not configured: set SERVICEBUS_CONNECTION or SERVICEBUS_NAMESPACE"
    )


def task_message(task_id: int, not_before: datetime | None = None) -> ServiceBusMessage:
    """A message carrying only the task id; `not_before` schedules it (a retry's backoff)."""
    return ServiceBusMessage(
        json.dumps({"task_id": task_id}),
        content_type="application/json",
        subject="task",
        scheduled_enqueue_time_utc=not_before,
    )


def task_id_of(body: bytes | str) -> int:
    """The task id in a message body; anything else is a malformed message."""
    data = json.loads(body)
    task_id = data.get("task_id") if isinstance(data, dict) else None
    if not isinstance(task_id, int) or isinstance(task_id, bool):
        raise ValueError(f"message has no integer task_id: {str(body)[:200]}")
    return task_id


class ServiceBusDispatcher:
    """Publishes task ids in batches after commit; the sender is reused across calls."""

    tracks_dispatch = True  # the engine records dispatched_at so the reconciler can republish

    def __init__(
        self,
        settings: Settings,
        client_factory: Callable[[Settings], ServiceBusClient] = make_servicebus_client,
    ):
        self._settings = settings
        self._client_factory = client_factory
        self._lock = threading.Lock()
        self._client = None
        self._sender = None

    def publish(self, task_ids: list[int], delay_seconds: float = 0.0) -> None:
        not_before = (
            datetime.now(timezone.utc) + timedelta(seconds=delay_seconds)
            if delay_seconds > 0
            else None
        )
        with self._lock:
            try:
                self._send(task_ids, not_before)
            except Exception:
                self._reset()  # the next publish reconnects; the reconciler republishes these
                raise

    def _send(self, task_ids: list[int], not_before: datetime | None) -> None:
        sender = self._get_sender()
        batch = sender.create_message_batch()
        for task_id in task_ids:
            message = task_message(task_id, not_before)
            try:
                batch.add_message(message)
            except ValueError:  # batch full (MessageSizeExceededError is a ValueError)
                sender.send_messages(batch)
                batch = sender.create_message_batch()
                batch.add_message(message)
        sender.send_messages(batch)

    def _get_sender(self):
        if self._sender is None:
            self._client = self._client_factory(self._settings)
            self._sender = self._client.get_queue_sender(self._settings.servicebus_task_queue)
        return self._sender

    def _reset(self) -> None:
        for closable in (self._sender, self._client):
            if closable is not None:
                try:
                    closable.close()
                except (
                    Exception
                ) as exc:  # closing a broken connection may fail too; nothing to keep
                    log.debug("closing Service Bus handle failed: %s", exc)
        self._sender = self._client = None

    def close(self) -> None:
        with self._lock:
            self._reset()
