"""Status vocabularies (mirrored by the CHECK constraints in 0002_engine.sql)."""

from typing import Literal

JobStatus = Literal[
    "queued", "processing", "completed", "completed_with_errors", "failed", "cancelled"
]
TaskStatus = Literal["pending", "queued", "running", "completed", "failed", "cancelled"]
StageStatus = Literal[
    "running", "completed", "completed_with_errors", "failed", "skipped", "cancelled"
]

TERMINAL_JOB_STATUSES = frozenset({"completed", "completed_with_errors", "failed", "cancelled"})
ACTIVE_JOB_STATUSES = frozenset({"queued", "processing"})
RETRYABLE_JOB_STATUSES = frozenset({"failed", "cancelled"})  # retry-failed applies to these
