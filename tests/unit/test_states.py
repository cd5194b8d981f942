"""The status vocabularies live in core/engine/states.py once; the database's CHECK
constraints must say the same (a status one side knows and the other refuses is a bug
that shows only at run time)."""

import re
from typing import get_args

from core.engine.states import JobStatus, StageStatus, TaskStatus
from infrastructure.db.migrations import MIGRATIONS_DIR


def check_values(table: str) -> list[str]:
    engine = (MIGRATIONS_DIR / "0002_engine.sql").read_text()
    block = engine.split(f"CREATE TABLE app.{table} (")[1].split(");")[0]
    status = re.search(r"status\s+text[^\n]*\n\s*CHECK \(status IN \(([^)]*)\)\)", block)
    return [value.strip().strip("'") for value in status.group(1).split(",")]


def test_the_literals_match_the_check_constraints():
    assert check_values("jobs") == list(get_args(JobStatus))
    assert check_values("job_stages") == list(get_args(StageStatus))
    assert check_values("tasks") == list(get_args(TaskStatus))
