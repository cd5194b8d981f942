"""Activities, timer triggers and the scheduling entry point, against a fake engine."""

import asyncio
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from core.errors import InvalidInput, NotFound
from services.engine.engine import ReconcileReport, Submission
from triggers import scheduling
from triggers.azure import activities, timers
from triggers.azure.names import ORCHESTRATOR, STAGE_FINISHED_EVENT
from triggers.azure.notifier import DurableJobNotifier
from triggers.azure.starter import OrchestratorStarter
from triggers.scheduling import run_scheduled_work

NIGHT = datetime(2024, 5, 2, 2, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def no_scheduled_pipelines(monkeypatch):
    """The pipeline scheduler has nothing due unless a test says otherwise."""
    monkeypatch.setattr(scheduling, "submit_due_pipelines", lambda platform, now: [])


class FakeEngine:
    def __init__(
        self, jobs: dict | None = None, notifier=None, finishes: tuple[str, int] | None = None
    ):
        self.jobs = jobs or {}
        self.notifier = notifier
        self.finishes = finishes  # a stage the next sweep finishes (announced as the engine does)
        self.calls: list[str] = []

    def reconcile(self) -> ReconcileReport:
        self.calls.append("reconcile")
        return self._sweep()

    def reconcile_job(self, job_id: str) -> ReconcileReport:
        self.calls.append(f"reconcile {job_id}")
        return self._sweep()

    def _sweep(self) -> ReconcileReport:
        if self.finishes:
            self.notifier.stage_finished(*self.finishes)
        return ReconcileReport(
            advanced=1 if self.finishes else 0, details=["a long list of what the sweep did"]
        )

    def job(self, job_id: str) -> dict:
        self.calls.append("job")
        if job_id not in self.jobs:
            raise NotFound(f"no job {job_id}")
        return self.jobs[job_id]

    def submit(self, job_type: str, parameters: dict, *, principal) -> Submission:
        if job_type == "broken":
            raise InvalidInput("bad parameters")
        job_id = f"{job_type}:{parameters['day']}"
        created = not parameters.get("seen", False)
        if created and self.notifier is not None:  # as the engine announces a job it opened
            self.notifier.job_opened(job_id)
        return Submission(job={"job_id": job_id, "status": "queued"}, created=created)


class FakeClient:
    def __init__(self):
        self.events, self.started = [], []

    async def raise_event(self, instance_id, event_name, event_data=None):
        self.events.append((instance_id, event_name, event_data))

    async def start_new(self, orchestration_function_name, instance_id=None, client_input=None):
        self.started.append((orchestration_function_name, instance_id, client_input))


def test_advance_job_sweeps_its_own_job_then_reports_its_status():
    engine = FakeEngine(
        {
            "j1": {"status": "processing", "current_stage": 2},
            "j2": {"status": "completed_with_errors", "current_stage": 3},
        }
    )
    assert activities.advance_job(engine, "j1") == {
        "status": "processing",
        "current_stage": 2,
        "terminal": False,
    }
    assert activities.advance_job(engine, "j2") == {
        "status": "completed_with_errors",
        "current_stage": 3,
        "terminal": True,
    }
    assert engine.calls == ["reconcile j1", "job", "reconcile j2", "job"]  # never the whole world


def test_advance_job_on_an_unknown_job_ends_its_orchestrator():
    assert activities.advance_job(FakeEngine(), "nope") == {
        "status": "not_found",
        "current_stage": None,
        "terminal": True,
    }


def test_reconcile_job_returns_the_counters_without_the_details():
    report = activities.reconcile_job(FakeEngine(), "j1")
    assert report == {
        "acted": True,
        "requeued": 0,
        "failed": 0,
        "cancelled": 0,
        "advanced": 0,
        "republished": 0,
        "metrics_pruned": 0,
    }


def test_reconciler_timer_raises_events_for_the_stages_its_sweep_finished():
    notifier, client = DurableJobNotifier(OrchestratorStarter(enabled=True)), FakeClient()
    engine = FakeEngine(notifier=notifier, finishes=("job-z", 4))
    platform = SimpleNamespace(engine=engine)
    report = asyncio.run(timers.reconcile(platform, notifier, client))
    assert report.advanced == 1
    assert client.events == [("job-z", STAGE_FINISHED_EVENT, {"stage": 4})]


def submissions(*pairs):
    """Engine Submissions as the curated scheduler returns them: (job_id, created)."""
    return [
        Submission(job={"job_id": job_id, "status": "processing"}, created=created)
        for job_id, created in pairs
    ]


def test_run_scheduled_work_reports_the_curated_schedulers_submissions(monkeypatch):
    monkeypatch.setattr(
        scheduling,
        "submit_due_updates",
        lambda platform, now: submissions(("job-a", True), ("job-b", False)),
    )
    submitted = run_scheduled_work(SimpleNamespace(), NIGHT)
    assert [(s.job_id, s.created, s.status_url) for s in submitted] == [
        ("job-a", True, "/api/jobs/status/job-a"),
        ("job-b", False, "/api/jobs/status/job-b"),
    ]


def test_run_scheduled_work_reports_scheduled_pipelines_after_curated_updates(monkeypatch):
    monkeypatch.setattr(
        scheduling, "submit_due_updates", lambda platform, now: submissions(("curated", True))
    )
    monkeypatch.setattr(
        scheduling, "submit_due_pipelines", lambda platform, now: submissions(("pipeline", True))
    )
    assert [s.job_id for s in run_scheduled_work(SimpleNamespace(), NIGHT)] == [
        "curated",
        "pipeline",
    ]


def test_run_scheduled_work_submits_nothing_while_another_scheduler_acts(monkeypatch):
    monkeypatch.setattr(scheduling, "submit_due_updates", lambda platform, now: None)
    monkeypatch.setattr(scheduling, "submit_due_pipelines", lambda platform, now: None)
    assert run_scheduled_work(SimpleNamespace(), NIGHT) == []


def scheduled_through(engine: FakeEngine, *days: tuple[str, bool]):
    """A stand-in for the curated scheduler that submits through the (fake) engine."""
    return lambda platform, now: [
        engine.submit("refresh", {"day": day, "seen": seen}, principal=None) for day, seen in days
    ]


def test_nightly_starts_orchestrators_for_new_jobs_only(monkeypatch):
    notifier, client = DurableJobNotifier(OrchestratorStarter(enabled=True)), FakeClient()
    engine = FakeEngine(notifier=notifier)
    monkeypatch.setattr(
        scheduling, "submit_due_updates", scheduled_through(engine, ("d1", False), ("d0", True))
    )
    created = asyncio.run(
        timers.run_nightly(SimpleNamespace(engine=engine), notifier, client, NIGHT)
    )
    assert created == ["refresh:d1"]
    assert client.started == [(ORCHESTRATOR, "refresh:d1", "refresh:d1")]


def test_nightly_with_nothing_scheduled_starts_nothing(monkeypatch):
    notifier, client = DurableJobNotifier(OrchestratorStarter(enabled=True)), FakeClient()
    monkeypatch.setattr(scheduling, "submit_due_updates", lambda platform, now: [])
    created = asyncio.run(
        timers.run_nightly(
            SimpleNamespace(engine=FakeEngine(notifier=notifier)), notifier, client, NIGHT
        )
    )
    assert created == [] and client.started == []
