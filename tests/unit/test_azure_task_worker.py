"""The Service Bus worker: message parsing, claiming, running and recording, with a fake engine."""

import asyncio
import json
from types import SimpleNamespace

from azure.durable_functions import DFApp

from services.engine.completion import Outcome
from services.engine.context import ClaimedTask
from services.engine.handlers import HandlerRegistry, JobRegistry
from services.hello.handlers import HANDLERS as HELLO_HANDLERS
from triggers.azure import task_worker
from triggers.azure.names import STAGE_FINISHED_EVENT
from triggers.azure.notifier import DurableJobNotifier
from triggers.azure.starter import OrchestratorStarter
from triggers.azure.task_runner import TaskRunner


def claimed(
    task_id: int, task_type: str = "hello.greet", parameters: dict | None = None
) -> ClaimedTask:
    return ClaimedTask(
        task_id=task_id,
        job_id="job-1",
        job_type="hello_world",
        attempt=1,
        stage=1,
        task_index=0,
        task_type=task_type,
        parameters=parameters or {"index": 0, "message": "hi"},
        tries=1,
        max_tries=3,
        timeout_seconds=60,
    )


class FakeEngine:
    """claim_task hands out each queued task once; record announces a finished stage the
    way the engine does after its commit."""

    def __init__(self, *tasks: ClaimedTask, notifier=None):
        self.queued = {t.task_id: t for t in tasks}
        self.notifier = notifier
        self.claims: list[tuple[int, str]] = []
        self.recorded: list[Outcome] = []
        self.jobs = JobRegistry([], HandlerRegistry(HELLO_HANDLERS))
        self.db = None

    def claim_task(self, task_id: int, worker_id: str) -> ClaimedTask | None:
        self.claims.append((task_id, worker_id))
        return self.queued.pop(task_id, None)

    def record(self, outcomes: list[Outcome]) -> None:
        self.recorded += outcomes
        if self.notifier is not None:
            for outcome in outcomes:
                self.notifier.stage_finished(outcome.task.job_id, outcome.task.stage)

    def heartbeat(self, entries):
        return {}


class FakeRunner:
    name = "host:1:servicebus"

    def __init__(self):
        self.ran: list[int] = []

    def run(self, task: ClaimedTask) -> Outcome:
        self.ran.append(task.task_id)
        return Outcome.completed(task, {"ok": True})


class FakeClient:
    def __init__(self):
        self.events: list[tuple[str, str, dict]] = []

    async def raise_event(self, instance_id, event_name, event_data=None):
        self.events.append((instance_id, event_name, event_data))


def test_malformed_message_is_completed_without_claiming(caplog):
    engine, runner = FakeEngine(), FakeRunner()
    assert task_worker.handle_task_message(engine, runner, b"{not json") == "malformed"
    assert task_worker.handle_task_message(engine, runner, b'{"task_id": "7"}') == "malformed"
    assert engine.claims == [] and runner.ran == [] and engine.recorded == []
    assert "malformed task message" in caplog.text


def test_duplicate_or_late_message_is_ignored():
    engine, runner = FakeEngine(claimed(7)), FakeRunner()
    assert task_worker.handle_task_message(engine, runner, b'{"task_id": 7}') == "recorded"
    assert task_worker.handle_task_message(engine, runner, b'{"task_id": 7}') == "ignored"
    assert engine.claims == [(7, runner.name), (7, runner.name)]
    assert runner.ran == [7]
    assert len(engine.recorded) == 1


def test_normal_message_claims_runs_and_records_the_outcome():
    engine, runner = FakeEngine(claimed(9)), FakeRunner()
    assert (
        task_worker.handle_task_message(engine, runner, json.dumps({"task_id": 9}).encode())
        == "recorded"
    )
    (outcome,) = engine.recorded
    assert (outcome.task.task_id, outcome.kind, outcome.result) == (9, "completed", {"ok": True})


def test_task_runner_runs_the_handler_through_worker_execute_with_one_heartbeat_monitor():
    engine = FakeEngine()
    runner = TaskRunner(
        SimpleNamespace(engine=engine, settings=SimpleNamespace(heartbeat_interval=30.0))
    )
    try:
        ok = runner.run(claimed(1, parameters={"index": 3, "message": "hello"}))
        bad = runner.run(claimed(2, parameters={"index": "not a number"}))
        unknown = runner.run(claimed(3, task_type="no.such.type"))
        assert runner.monitor.running
        first_loop = runner.monitor._loop._thread
        runner.run(claimed(4))
        assert runner.monitor._loop._thread is first_loop  # one heartbeat thread per process
    finally:
        runner.monitor.stop()
    assert (ok.kind, ok.result) == ("completed", {"index": 3, "greeting": "hello #3"})
    assert (bad.kind, bad.retryable) == ("failed", False) and "invalid task parameters" in bad.error
    assert unknown.kind == "failed" and "no handler" in unknown.error
    assert runner.monitor._in_flight == {}  # every task left the monitor when it ended
    assert runner.name.endswith(":servicebus")


class FakeMessage:
    message_id = "message-1"

    def __init__(self, body: bytes):
        self._body = body

    def get_body(self) -> bytes:
        return self._body


def registered_task_worker(engine, runner, notifier):
    app = DFApp()
    task_worker.register(app, engine, runner, notifier, "geoetl-tasks")
    (function,) = app.get_functions()
    return (
        function.get_user_function().client_function
    )  # the function body, before the SDK wraps the client


def test_registered_function_raises_stage_finished_on_the_invocations_client():
    notifier = DurableJobNotifier(OrchestratorStarter(enabled=True))
    engine, runner, client = FakeEngine(claimed(5), notifier=notifier), FakeRunner(), FakeClient()
    function = registered_task_worker(engine, runner, notifier)
    asyncio.run(function(msg=FakeMessage(b'{"task_id": 5}'), client=client))
    assert client.events == [("job-1", STAGE_FINISHED_EVENT, {"stage": 1})]
    asyncio.run(
        function(msg=FakeMessage(b'{"task_id": 5}'), client=client)
    )  # duplicate: nothing more
    asyncio.run(function(msg=FakeMessage(b"garbage"), client=client))
    assert len(client.events) == 1 and len(engine.recorded) == 1
