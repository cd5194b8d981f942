"""ServiceBusDispatcher against a fake Service Bus client, and task_id_of on message bodies."""

import json

import pytest
from azure.servicebus.exceptions import MessageSizeExceededError, ServiceBusConnectionError

from config import Settings
from infrastructure.queues.servicebus import ServiceBusDispatcher, task_id_of


class FakeBatch:
    def __init__(self, capacity: int):
        self.capacity = capacity
        self.messages = []

    def add_message(self, message) -> None:
        if len(self.messages) >= self.capacity:
            raise MessageSizeExceededError(message="batch full")
        self.messages.append(message)


class FakeSender:
    def __init__(self, capacity: int, fail_sends: int = 0):
        self.capacity = capacity
        self.fail_sends = fail_sends
        self.batches: list[list[int]] = []
        self.closed = False

    def create_message_batch(self) -> FakeBatch:
        return FakeBatch(self.capacity)

    def send_messages(self, batch: FakeBatch) -> None:
        if self.fail_sends:
            self.fail_sends -= 1
            raise ServiceBusConnectionError(message="connection lost")
        self.batches.append([task_id_of(str(m)) for m in batch.messages])

    def close(self) -> None:
        self.closed = True


class FakeClient:
    def __init__(self, sender: FakeSender):
        self.sender = sender
        self.queues: list[str] = []
        self.closed = False

    def get_queue_sender(self, queue_name: str) -> FakeSender:
        self.queues.append(queue_name)
        return self.sender

    def close(self) -> None:
        self.closed = True


def dispatcher_with(*senders: FakeSender):
    clients = [FakeClient(s) for s in senders]
    made = iter(clients)
    dispatcher = ServiceBusDispatcher(
        Settings(servicebus_task_queue="geoetl-test-tasks"), client_factory=lambda _: next(made)
    )
    return dispatcher, clients


def test_publishes_task_ids_in_batches_opening_a_new_batch_when_one_is_full():
    sender = FakeSender(capacity=2)
    dispatcher, (client,) = dispatcher_with(sender)
    dispatcher.publish([1, 2, 3, 4, 5])
    assert sender.batches == [[1, 2], [3, 4], [5]]
    assert client.queues == ["geoetl-test-tasks"]


def test_reuses_its_sender_across_publishes():
    sender = FakeSender(capacity=10)
    dispatcher, (client,) = dispatcher_with(sender)
    dispatcher.publish([1])
    dispatcher.publish([2, 3])
    assert sender.batches == [[1], [2, 3]]
    assert client.queues == ["geoetl-test-tasks"]


def test_an_error_closes_the_connection_and_the_next_publish_reconnects():
    broken, healthy = FakeSender(capacity=10, fail_sends=1), FakeSender(capacity=10)
    dispatcher, (first, second) = dispatcher_with(broken, healthy)
    with pytest.raises(ServiceBusConnectionError):
        dispatcher.publish([7, 8])
    assert broken.closed and first.closed
    dispatcher.publish([7, 8])
    assert healthy.batches == [[7, 8]]
    assert second.queues == ["geoetl-test-tasks"]


def test_close_releases_the_connection():
    sender = FakeSender(capacity=10)
    dispatcher, (client,) = dispatcher_with(sender)
    dispatcher.publish([1])
    dispatcher.close()
    assert sender.closed and client.closed


def test_tracks_dispatch_so_the_reconciler_republishes():
    assert ServiceBusDispatcher.tracks_dispatch is True


@pytest.mark.parametrize(
    "body", [b'{"task_id": 42}', '{"task_id": 42}', json.dumps({"task_id": 42, "extra": "ignored"})]
)
def test_task_id_of_reads_good_bodies(body):
    assert task_id_of(body) == 42


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00",
        b"[42]",
        b"null",
        b'{"id": 42}',
        b'{"task_id": "42"}',
        b'{"task_id": 4.2}',
        b'{"task_id": true}',
        b'{"task_id": null}',
    ],
)
def test_task_id_of_rejects_malformed_bodies_with_value_error(body):
    with pytest.raises(ValueError):
        task_id_of(body)


def test_a_retry_is_published_as_a_message_scheduled_after_its_backoff():
    from datetime import datetime, timedelta, timezone

    sender = SchedulingSender()
    dispatcher, _ = dispatcher_with(sender)
    before = datetime.now(timezone.utc)
    dispatcher.publish([5], delay_seconds=30)
    dispatcher.publish([6])
    (retry,), (fresh,) = sender.sent
    assert (
        before + timedelta(seconds=30)
        <= retry.scheduled_enqueue_time_utc
        <= datetime.now(timezone.utc) + timedelta(seconds=30)
    )
    assert fresh.scheduled_enqueue_time_utc is None


class SchedulingSender(FakeSender):
    """Keeps the messages themselves, to read their scheduled enqueue time."""

    def __init__(self):
        super().__init__(capacity=10)
        self.sent = []

    def send_messages(self, batch: FakeBatch) -> None:
        self.sent.append(list(batch.messages))
