"""The job orchestrator: driven step by step with a fake context, and replayed by the
Durable SDK itself from a hand-built history."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from azure.durable_functions import DurableOrchestrationContext, Orchestrator

from triggers.azure.names import ADVANCE_ACTIVITY, RECONCILE_ACTIVITY, STAGE_FINISHED_EVENT
from triggers.azure.orchestrator import ACTIVITY_RETRY, job_orchestrator

JOB = "job-" + "a" * 60
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
WAIT = timedelta(seconds=60)
RUNNING = {"status": "processing", "current_stage": 1, "terminal": False}
DONE = {"status": "completed", "current_stage": 2, "terminal": True}


class FakeTask:
    def __init__(self, kind: str, **fields):
        self.kind = kind
        self.cancelled = False
        self.__dict__.update(fields)

    def cancel(self) -> None:
        self.cancelled = True


class FakeContext:
    """Records what the orchestrator asks for; the test plays the Durable runtime."""

    current_utc_datetime = NOW

    def __init__(self):
        self.continued_with = None

    def get_input(self):
        return JOB

    def call_activity_with_retry(self, name, retry_options, input_=None):
        return FakeTask("activity", name=name, input=input_, retry=retry_options)

    def wait_for_external_event(self, name):
        return FakeTask("event", name=name)

    def create_timer(self, fire_at):
        return FakeTask("timer", fire_at=fire_at)

    def task_any(self, tasks):
        return FakeTask("any", children=tasks)

    def continue_as_new(self, input_):
        self.continued_with = input_


def assert_activity(task, name):
    assert (task.kind, task.name, task.input, task.retry) == ("activity", name, JOB, ACTIVITY_RETRY)


def start(rounds: int = 20):
    context = FakeContext()
    generator = job_orchestrator(context, WAIT, rounds)
    assert_activity(next(generator), ADVANCE_ACTIVITY)
    return context, generator


def test_event_wins_cancels_the_timer_and_reads_the_job_again_until_terminal():
    _, orchestration = start()
    race = orchestration.send(RUNNING)
    event, timer = race.children
    assert (race.kind, event.kind, event.name, timer.kind) == (
        "any",
        "event",
        STAGE_FINISHED_EVENT,
        "timer",
    )
    assert timer.fire_at == NOW + WAIT

    assert_activity(orchestration.send(event), ADVANCE_ACTIVITY)
    assert timer.cancelled
    with pytest.raises(StopIteration) as finished:
        orchestration.send(DONE)
    assert finished.value.value == DONE


def test_timer_wins_runs_the_reconciler_then_reads_the_job_again():
    _, orchestration = start()
    event, timer = orchestration.send(RUNNING).children
    assert_activity(orchestration.send(timer), RECONCILE_ACTIVITY)
    assert not timer.cancelled and not event.cancelled
    assert_activity(orchestration.send({"acted": True, "advanced": 1}), ADVANCE_ACTIVITY)
    with pytest.raises(StopIteration):
        orchestration.send(DONE)


def test_terminal_on_the_first_read_returns_at_once():
    _, orchestration = start()
    with pytest.raises(StopIteration) as finished:
        orchestration.send({"status": "not_found", "current_stage": None, "terminal": True})
    assert finished.value.value["status"] == "not_found"


def test_continues_as_new_after_its_rounds_so_history_stays_short():
    context, orchestration = start(rounds=3)
    for round_ in range(3):
        event, _ = orchestration.send(RUNNING).children
        if round_ < 2:
            assert_activity(orchestration.send(event), ADVANCE_ACTIVITY)
    with pytest.raises(StopIteration) as finished:
        orchestration.send(event)
    assert finished.value.value is None
    assert context.continued_with == JOB


# -- the SDK's own replay ----------------------------------------------------------

TIMESTAMP = "%Y-%m-%dT%H:%M:%S.%fZ"
CALL_ACTIVITY_WITH_RETRY, CONTINUE_AS_NEW, CREATE_TIMER, WAIT_FOR_EXTERNAL_EVENT = (
    1,
    4,
    5,
    6,
)  # ActionType


class History:
    """Durable history events as the extension sends them (EventType numbers from
    azure.durable_functions.models.history.HistoryEventType)."""

    EXECUTION_STARTED, TASK_SCHEDULED, TASK_COMPLETED, TIMER_CREATED, TIMER_FIRED = 0, 4, 5, 10, 11
    ORCHESTRATOR_STARTED, ORCHESTRATOR_COMPLETED, EVENT_RAISED = 12, 13, 15

    def __init__(self):
        self.now = NOW
        self.events: list[dict] = []
        self._add(self.ORCHESTRATOR_STARTED)
        self.episode_started = self.now  # what the orchestrator sees as current_utc_datetime
        self._add(
            self.EXECUTION_STARTED,
            Name="job_orchestrator",
            Input=json.dumps(JOB),
            Version="",
            IsPlayed=True,
        )

    def _add(self, event_type: int, event_id: int = -1, **fields) -> None:
        self.now += timedelta(seconds=1)
        self.events.append(
            {
                "EventType": event_type,
                "EventId": event_id,
                "IsPlayed": False,
                "Timestamp": self.now.strftime(TIMESTAMP),
            }
            | fields
        )

    def episode(self) -> None:
        """Ends one orchestrator run; what follows arrives in the next one."""
        self._add(self.ORCHESTRATOR_COMPLETED)
        self._add(self.ORCHESTRATOR_STARTED)
        self.episode_started = self.now

    def activity(self, task_id: int, name: str, result: dict) -> None:
        self._add(self.TASK_SCHEDULED, task_id, Name=name)
        self.episode()
        self._add(self.TASK_COMPLETED, TaskScheduledId=task_id, Result=json.dumps(result))

    def race(self, timer_id: int) -> str:
        """The orchestrator's wait: the timer it created (the event wait has no history)."""
        fire_at = (self.episode_started + WAIT).strftime(TIMESTAMP)
        self._add(self.TIMER_CREATED, timer_id, FireAt=fire_at)
        self.episode()
        return fire_at

    def timer_fired(self, timer_id: int, fire_at: str) -> None:
        self._add(self.TIMER_FIRED, TimerId=timer_id, FireAt=fire_at)

    def stage_finished(self, stage: int) -> None:
        self._add(self.EVENT_RAISED, Name=STAGE_FINISHED_EVENT, Input=json.dumps({"stage": stage}))

    def context_json(self) -> str:
        return json.dumps(
            {
                "history": self.events,
                "instanceId": JOB,
                "isReplaying": False,
                "parentInstanceId": None,
                "input": json.dumps(JOB),
                "upperSchemaVersion": 0,
            }
        )


def replay(history: History, rounds: int = 20) -> dict:
    """The SDK's executor runs the generator against the history: the state JSON it returns
    is what the Durable extension acts on."""
    orchestrator = Orchestrator(lambda context: job_orchestrator(context, WAIT, rounds))
    return json.loads(
        orchestrator.handle(DurableOrchestrationContext.from_json(history.context_json()))
    )


def actions(state: dict) -> list[tuple]:
    """(type, activity or event name, input) per action; timers as (type, fireAt, isCanceled)."""
    out = []
    for action in (a for batch in state["actions"] for a in batch):
        kind = action["actionType"]
        if kind == CALL_ACTIVITY_WITH_RETRY:
            out.append((kind, action["functionName"], json.loads(action["input"])))
        elif kind == CREATE_TIMER:
            out.append((kind, action["fireAt"], action["isCanceled"]))
        elif kind == WAIT_FOR_EXTERNAL_EVENT:
            out.append((kind, action["externalEventName"]))
        else:
            out.append((kind, action.get("input")))
    return out


ADVANCE = (CALL_ACTIVITY_WITH_RETRY, ADVANCE_ACTIVITY, JOB)
RECONCILE = (CALL_ACTIVITY_WITH_RETRY, RECONCILE_ACTIVITY, JOB)
WAIT_EVENT = (WAIT_FOR_EXTERNAL_EVENT, STAGE_FINISHED_EVENT)


def test_sdk_replay_first_episode_schedules_advance_job_with_retries():
    state = replay(History())
    assert state["isDone"] is False
    assert actions(state) == [ADVANCE]
    assert state["actions"][0][0]["retryOptions"] == {
        "firstRetryIntervalInMilliseconds": 5000,
        "maxNumberOfAttempts": 5,
    }


def test_sdk_replay_races_the_event_against_a_timer_at_the_wait():
    history = History()
    history.activity(0, ADVANCE_ACTIVITY, RUNNING)
    fire_at = (history.episode_started + WAIT).strftime(TIMESTAMP)
    state = replay(history)
    assert state["isDone"] is False
    assert actions(state) == [ADVANCE, WAIT_EVENT, (CREATE_TIMER, fire_at, False)]


def test_sdk_replay_event_path_cancels_the_timer_and_returns_the_final_status():
    history = History()
    history.activity(0, ADVANCE_ACTIVITY, RUNNING)
    fire_at = history.race(1)
    history.stage_finished(1)
    history.activity(2, ADVANCE_ACTIVITY, DONE)
    state = replay(history)
    assert state["isDone"] is True
    assert state["output"] == DONE
    assert actions(state) == [ADVANCE, WAIT_EVENT, (CREATE_TIMER, fire_at, True), ADVANCE]


def test_sdk_replay_timeout_path_runs_reconcile_job():
    history = History()
    history.activity(0, ADVANCE_ACTIVITY, RUNNING)
    fire_at = history.race(1)
    history.timer_fired(1, fire_at)
    state = replay(history)
    assert state["isDone"] is False
    assert actions(state) == [ADVANCE, WAIT_EVENT, (CREATE_TIMER, fire_at, False), RECONCILE]


def test_sdk_replay_continues_as_new_with_the_job_id():
    history = History()
    history.activity(0, ADVANCE_ACTIVITY, RUNNING)
    fire_at = history.race(1)
    history.stage_finished(1)
    state = replay(history, rounds=1)
    assert state["isDone"] is True and "output" not in state
    assert actions(state) == [
        ADVANCE,
        WAIT_EVENT,
        (CREATE_TIMER, fire_at, True),
        (CONTINUE_AS_NEW, json.dumps(JOB)),
    ]
