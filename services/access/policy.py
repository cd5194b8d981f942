"""Who may start which job, with which parameters, and how much work (docs/security.md).

Every submission passes here whatever the route (jobs API, platform API, curated
updates, the scheduler, the CLI), so a rule holds once for all of them.
"""

from typing import Any

from config import Settings
from core.access import Principal
from core.engine.definitions import JobDefinition
from core.errors import Forbidden, InvalidInput, TooManyRequests
from infrastructure.db import access as repo

TAKEOVER = "replace_owned_by_other"
HOUR = 3600.0


class SubmissionPolicy:
    def __init__(self, settings: Settings):
        self._settings = settings

    @property
    def task_budget(self) -> int:
        return self._settings.job_max_tasks

    def authorize(
        self, definition: JobDefinition, raw: dict[str, Any], principal: Principal
    ) -> None:
        if not principal.may(definition.min_role):
            raise Forbidden(
                f"job type {definition.job_type!r} is started by {definition.min_role}s only"
                + (" (and the scheduler)" if definition.min_role == "admin" else "")
                + f"; you are {principal.owner_id} ({principal.role})"
            )
        if principal.is_admin:
            return
        for name, setting in definition.restricted_parameters.items():
            self._check_restricted(name, raw.get(name), setting)
        if raw.get(TAKEOVER):
            raise Forbidden(f"{TAKEOVER} is for admins: ask one to take the resource over")

    def with_settings_defaults(
        self, definition: JobDefinition, raw: dict[str, Any]
    ) -> dict[str, Any]:
        """Restricted parameters left out take their setting's value (the configured
        containers), so the job's parameters, and its id, name them explicitly."""
        filled = dict(raw)
        for name, setting in definition.restricted_parameters.items():
            if setting and filled.get(name) is None:
                filled[name] = getattr(self._settings, setting)
        return filled

    def _check_restricted(self, name: str, value: Any, setting: str | None) -> None:
        allowed = getattr(self._settings, setting) if setting else None
        if value in (None, False, "") or (setting and value == allowed):
            return
        if setting:
            raise Forbidden(
                f"parameter {name!r} is admin-only; leave it out (it is {allowed!r} for you)"
            )
        raise Forbidden(f"parameter {name!r} is admin-only; leave it out")

    def check_rate(self, conn, principal: Principal) -> None:
        """The hourly task cap of a non-admin principal (KEY_MAX_TASKS_PER_HOUR)."""
        if principal.is_admin:
            return
        cap = self._settings.key_max_tasks_per_hour
        used = repo.tasks_submitted_since(conn, principal.owner_id, HOUR)
        if used >= cap:
            raise TooManyRequests(
                f"{principal.owner_id} planned {used:,} tasks in the last hour; the cap is {cap:,} "
                "(KEY_MAX_TASKS_PER_HOUR)",
                retry_after_seconds=300,
            )


def reject_nul(value: Any, path: str = "") -> None:
    """PostgreSQL text cannot hold U+0000: refuse it with the field's name instead of failing later."""
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidInput(
                f"{path or '(root)'}: text may not contain the NUL character (\\u0000)",
                errors=[
                    {"field": path or "(root)", "message": "contains U+0000", "type": "value_error"}
                ],
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            reject_nul(key, path)
            reject_nul(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            reject_nul(item, f"{path}.{index}" if path else str(index))
