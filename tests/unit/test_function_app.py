"""function_app.py is importable without services and registers the expected functions."""

import importlib
import json
import sys
import time


def load_function_app(monkeypatch):
    # Nothing listens on port 9: any I/O at import would fail or hang here.
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")
    sys.modules.pop("function_app", None)
    started = time.monotonic()
    module = importlib.import_module("function_app")
    return module, time.monotonic() - started


def bindings_of(function) -> list[dict]:
    """The bindings as the Functions host reads them (function.json)."""
    return json.loads(function.get_function_json())["bindings"]


def test_import_does_no_io_and_registers_the_http_api(monkeypatch):
    module, seconds = load_function_app(monkeypatch)
    assert seconds < 10
    assert module.platform.db._opened is False
    functions = {f.get_function_name(): f for f in module.app.get_functions()}
    assert "http_api" in functions
    trigger = next(b for b in bindings_of(functions["http_api"]) if b["type"] == "httpTrigger")
    assert trigger["route"] == "{*route}"
    assert set(trigger["methods"]) == {"GET", "POST", "PUT", "PATCH", "DELETE"}
    assert trigger["authLevel"] == "ANONYMOUS"


def registered(monkeypatch) -> tuple[object, dict]:
    module, _ = load_function_app(monkeypatch)
    return module, {f.get_function_name(): f for f in module.app.get_functions()}


def trigger_of(function) -> dict:
    (trigger,) = [b for b in bindings_of(function) if b["type"].endswith("Trigger")]
    return trigger


def has_durable_client(function) -> bool:
    return {"type": "durableClient", "name": "client", "direction": "IN"} in bindings_of(function)


def test_registers_the_azure_runtime_functions(monkeypatch):
    _, functions = registered(monkeypatch)
    assert set(functions) == {
        "http_api",
        "job_orchestrator",
        "advance_job",
        "reconcile_job",
        "task_worker",
        "reconciler_timer",
        "metrics_sampler",
        "nightly_scheduler",
    }
    assert has_durable_client(
        functions["http_api"]
    )  # any request may open a job: it starts its orchestrator
    assert trigger_of(functions["job_orchestrator"]) == {
        "direction": "IN",
        "type": "orchestrationTrigger",
        "name": "context",
    }
    for activity in ("advance_job", "reconcile_job"):
        assert trigger_of(functions[activity]) == {
            "direction": "IN",
            "type": "activityTrigger",
            "name": "job_id",
        }


def test_service_bus_worker_listens_on_the_task_queue_through_the_host_connection(monkeypatch):
    monkeypatch.setenv("SERVICEBUS_TASK_QUEUE", "geoetl-tasks-unit")
    _, functions = registered(monkeypatch)
    worker = functions["task_worker"]
    assert trigger_of(worker) == {
        "direction": "IN",
        "type": "serviceBusTrigger",
        "name": "msg",
        "queueName": "geoetl-tasks-unit",
        "connection": "ServiceBusConnection",
    }
    assert has_durable_client(worker)


def test_timer_schedules(monkeypatch):
    _, functions = registered(monkeypatch)
    assert trigger_of(functions["reconciler_timer"])["schedule"] == "0 */5 * * * *"
    assert trigger_of(functions["metrics_sampler"])["schedule"] == "*/30 * * * * *"
    assert trigger_of(functions["nightly_scheduler"])["schedule"] == "0 0 2 * * *"
    assert all(
        trigger_of(functions[name])["type"] == "timerTrigger"
        for name in ("reconciler_timer", "nightly_scheduler")
    )
    assert has_durable_client(functions["reconciler_timer"]) and has_durable_client(
        functions["nightly_scheduler"]
    )


def test_the_engine_announces_finished_stages_to_the_durable_notifier(monkeypatch):
    module, _ = registered(monkeypatch)
    assert module.platform.engine.notifier is module.notifier


def test_registered_orchestrator_replays_through_the_sdk(monkeypatch):
    _, functions = registered(monkeypatch)
    started = "2024-05-01T12:00:00.000000Z"
    history = [
        {"EventType": 12, "EventId": -1, "IsPlayed": False, "Timestamp": started},
        {
            "EventType": 0,
            "EventId": -1,
            "IsPlayed": False,
            "Timestamp": started,
            "Name": "job_orchestrator",
            "Input": json.dumps("job-1"),
            "Version": "",
        },
    ]
    context = json.dumps(
        {
            "history": history,
            "instanceId": "job-1",
            "isReplaying": False,
            "parentInstanceId": None,
            "input": json.dumps("job-1"),
            "upperSchemaVersion": 0,
        }
    )
    state = json.loads(functions["job_orchestrator"].get_user_function()(context))
    (batch,) = state["actions"]
    assert [(a["functionName"], json.loads(a["input"])) for a in batch] == [
        ("advance_job", "job-1")
    ]


def test_host_json_sizes_service_bus_and_durable_for_long_tasks():
    from tests.support import ROOT

    host = json.loads((ROOT / "host.json").read_text())
    service_bus, durable = host["extensions"]["serviceBus"], host["extensions"]["durableTask"]
    assert host["functionTimeout"] == "00:30:00"
    assert service_bus["autoCompleteMessages"] is True
    assert (
        service_bus["maxAutoLockRenewalDuration"] >= host["functionTimeout"]
    )  # "hh:mm:ss" compares as text
    assert service_bus["maxConcurrentCalls"] >= 1 and "prefetchCount" in service_bus
    assert durable["hubName"].isalnum()
    assert host["extensions"]["http"]["routePrefix"] == ""
