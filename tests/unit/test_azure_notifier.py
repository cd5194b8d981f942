"""Stage-finished events and orchestrator starts through a fake Durable client."""

import asyncio
import threading

import pytest

from triggers.azure.names import ORCHESTRATOR, STAGE_FINISHED_EVENT
from triggers.azure.notifier import DurableJobNotifier
from triggers.azure.starter import OrchestratorStarter


class FakeClient:
    def __init__(self, fail_for: set[str] = frozenset()):
        self.fail_for = fail_for
        self.events: list[tuple[str, str, dict]] = []
        self.started: list[tuple[str, str, str]] = []

    async def raise_event(self, instance_id, event_name, event_data=None):
        if instance_id in self.fail_for:
            raise Exception(
                f"No instance with ID {instance_id} found."
            )  # what the SDK raises on 404
        self.events.append((instance_id, event_name, event_data))

    async def start_new(self, orchestration_function_name, instance_id=None, client_input=None):
        if instance_id in self.fail_for:
            raise Exception("An Orchestration instance with the ID already exists.")
        self.started.append((orchestration_function_name, instance_id, client_input))
        return instance_id


def test_run_raises_one_event_per_finished_stage_after_the_work_returns():
    notifier, client = DurableJobNotifier(OrchestratorStarter(enabled=True)), FakeClient()
    seen_threads = []

    def work(job_id):
        seen_threads.append(threading.current_thread())
        notifier.stage_finished(job_id, 1)
        notifier.stage_finished(job_id, 1)  # announced twice: raised once
        notifier.stage_finished(job_id, 2)
        assert client.events == []  # nothing is raised while the transaction's caller still runs
        return "done"

    assert asyncio.run(notifier.run(client, work, "job-a")) == "done"
    assert client.events == [
        ("job-a", STAGE_FINISHED_EVENT, {"stage": 1}),
        ("job-a", STAGE_FINISHED_EVENT, {"stage": 2}),
    ]
    assert seen_threads[0] is not threading.main_thread()  # the event loop stays free


def test_stages_finished_outside_an_invocation_are_dropped():
    notifier, client = DurableJobNotifier(OrchestratorStarter(enabled=True)), FakeClient()
    notifier.stage_finished("job-a", 1)
    asyncio.run(notifier.run(client, lambda: None))
    assert client.events == []


def test_concurrent_invocations_raise_only_their_own_events_on_their_own_clients():
    notifier = DurableJobNotifier(OrchestratorStarter(enabled=True))
    clients = {"job-a": FakeClient(), "job-b": FakeClient()}
    both_running = threading.Barrier(2, timeout=5)

    def work(job_id):
        both_running.wait()  # both invocations are inside their work at once
        notifier.stage_finished(job_id, 1)

    async def main():
        await asyncio.gather(
            *(notifier.run(client, work, job_id) for job_id, client in clients.items())
        )

    asyncio.run(main())
    assert clients["job-a"].events == [("job-a", STAGE_FINISHED_EVENT, {"stage": 1})]
    assert clients["job-b"].events == [("job-b", STAGE_FINISHED_EVENT, {"stage": 1})]


def test_an_undeliverable_event_is_logged_and_the_others_still_go(caplog):
    notifier, client = (
        DurableJobNotifier(OrchestratorStarter(enabled=True)),
        FakeClient(fail_for={"job-gone"}),
    )

    def work():
        notifier.stage_finished("job-gone", 1)
        notifier.stage_finished("job-b", 3)

    asyncio.run(notifier.run(client, work))
    assert client.events == [("job-b", STAGE_FINISHED_EVENT, {"stage": 3})]
    assert "not delivered" in caplog.text and "No instance with ID job-gone" in caplog.text


def test_work_that_fails_after_finishing_a_stage_still_raises_the_event_and_the_error():
    notifier, client = DurableJobNotifier(OrchestratorStarter(enabled=True)), FakeClient()

    def work():
        notifier.stage_finished("job-a", 1)
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError, match="database went away"):
        asyncio.run(notifier.run(client, work))
    assert client.events == [("job-a", STAGE_FINISHED_EVENT, {"stage": 1})]


def test_starter_starts_the_orchestrator_with_the_job_id_as_instance_and_input():
    client = FakeClient()
    asyncio.run(OrchestratorStarter(enabled=True).start(client, "job-a"))
    assert client.started == [(ORCHESTRATOR, "job-a", "job-a")]


def test_starter_does_nothing_in_local_mode():
    client = FakeClient()
    asyncio.run(OrchestratorStarter(enabled=False).start(client, "job-a"))
    assert client.started == []


def test_starter_logs_a_failed_start_instead_of_failing_the_request(caplog):
    client = FakeClient(fail_for={"job-a"})
    asyncio.run(OrchestratorStarter(enabled=True).start(client, "job-a"))
    assert client.started == []
    assert "orchestrator for job job-a not started" in caplog.text
