"""Pure rules: retry backoff, failure tolerance, a finished job's status."""

import math
import random

from core.engine.definitions import FailurePolicy, RetryPolicy


def backoff_seconds(policy: RetryPolicy, tries: int, rng: random.Random | None = None) -> float:
    """Exponential backoff after the `tries`-th failed execution, with +/- jitter."""
    base = min(policy.backoff_max_seconds, policy.backoff_base_seconds * (2 ** max(0, tries - 1)))
    spread = base * policy.jitter
    return max(0.0, base + (rng or random).uniform(-spread, spread))


def allowed_failures(policy: FailurePolicy, total: int) -> int:
    """How many permanently failed tasks a stage of `total` tasks tolerates."""
    return math.floor(policy.tolerate_failure_share * total + 1e-9)


def stage_outcome(policy: FailurePolicy, total: int, failed: int) -> str:
    if failed == 0:
        return "completed"
    return "completed_with_errors" if failed <= allowed_failures(policy, total) else "failed"


def final_job_status(stage_statuses: list[str]) -> str:
    if "failed" in stage_statuses:
        return "failed"
    return "completed_with_errors" if "completed_with_errors" in stage_statuses else "completed"
