import time

from infrastructure.health import check_all


def test_failures_are_reported_with_their_cause_and_others_still_pass():
    def broken():
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    results = {
        r.name: r
        for r in check_all({"ok": lambda: "v1", "blob_storage": broken}, deadline_seconds=2)
    }
    assert results["ok"].up and results["ok"].detail == "v1"
    assert not results["blob_storage"].up
    assert (
        results["blob_storage"].detail == "ConnectionRefusedError: [Errno 111] Connection refused"
    )


def test_a_hung_probe_is_reported_at_the_deadline_not_waited_for():
    started = time.monotonic()
    results = {
        r.name: r
        for r in check_all(
            {"slow": lambda: time.sleep(5), "fast": lambda: "ok"}, deadline_seconds=0.3
        )
    }
    assert time.monotonic() - started < 2
    assert not results["slow"].up and "no answer within 0.3s" in results["slow"].detail
    assert results["fast"].up
