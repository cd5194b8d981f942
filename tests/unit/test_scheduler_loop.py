import threading

import triggers.loops as loops


def test_the_scheduler_loop_runs_the_scheduled_work_at_each_fire_time(monkeypatch):
    fired = []
    called = threading.Event()

    def fake_run(platform, now):
        fired.append(now)
        called.set()
        return []

    monkeypatch.setattr(loops, "run_scheduled_work", fake_run)
    loop = loops.scheduler_loop(platform=object(), cron="* * * * * *")  # every second
    loop.start()
    try:
        assert called.wait(5)
    finally:
        loop.stop()
    assert fired[0].tzinfo is not None and fired[0].microsecond == 0
