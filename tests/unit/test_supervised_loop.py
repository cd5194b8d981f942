"""The one background loop: it outlives any exception its step raises, backs off, and
tells /api/health when it is failing or has not succeeded for several periods."""

import threading
from itertools import pairwise
import time

from infrastructure.supervised import SupervisedLoop, loop_health


def test_an_unexpected_exception_is_logged_and_the_loop_goes_on(caplog):
    calls, recovered = [], threading.Event()

    def step():
        calls.append(time.monotonic())
        if len(calls) <= 2:
            raise TypeError("Object of type int64 is not JSON serializable")
        recovered.set()

    loop = SupervisedLoop("unit-flaky", step, 0.05, max_backoff=0.1)
    loop.start()
    try:
        assert recovered.wait(5)
        assert loop.alive and loop.health().consecutive_failures == 0
    finally:
        loop.stop()
    assert "unexpected error" in caplog.text and "TypeError" in caplog.text  # with its traceback
    assert not loop.alive and "unit-flaky" not in [h.name for h in loop_health()]


def test_a_failing_loop_reports_its_failures_and_backs_off():
    attempts = []

    def step():
        attempts.append(time.monotonic())
        raise RuntimeError("still broken")

    loop = SupervisedLoop("unit-broken", step, 0.05, max_backoff=0.2)
    loop.start()
    try:
        time.sleep(0.8)
        health = next(h for h in loop_health() if h.name == "unit-broken")
        assert (
            health.consecutive_failures >= 3 and health.last_error == "RuntimeError: still broken"
        )
    finally:
        loop.stop()
    gaps = [b - a for a, b in pairwise(attempts)]
    assert gaps[-1] >= 0.15  # backed off towards max_backoff, not hammering every 50 ms


def test_a_loop_without_success_for_three_periods_is_stale():
    loop = SupervisedLoop("unit-stale", lambda: None, 0.1)
    loop.run_step()
    assert not loop.health().stale
    loop._last_success -= 0.5  # as if its steps had hung for five periods
    assert loop.health().stale


def test_health_reports_a_failing_loop_by_the_kind_of_error_only():
    from triggers.http.health import loop_status

    loop = SupervisedLoop(
        "unit-health", lambda: (_ for _ in ()).throw(ValueError("secret at /tmp/x")), 1.0
    )
    loop.run_step()
    status = loop_status(loop.health())
    assert status.status == "failing" and status.consecutive_failures == 1
    assert status.last_error == "ValueError"
    loop._last_success -= 10
    assert loop_status(loop.health()).status == "stale"
