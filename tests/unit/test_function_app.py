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
