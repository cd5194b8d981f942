"""Who is calling, and what their role lets them do (docs/security.md).

Roles are ordered: anonymous < reader < submitter < admin; each may do what the roles
below it may. A principal's `owner_id` is what ownership of published things and the
`submitted_by` of jobs record.
"""

import re
from dataclasses import dataclass
from typing import Literal

Role = Literal["anonymous", "reader", "submitter", "admin"]
ROLES: tuple[Role, ...] = ("anonymous", "reader", "submitter", "admin")
KEY_ROLES: tuple[Role, ...] = ("reader", "submitter", "admin")
PrincipalKind = Literal["anonymous", "key", "bootstrap", "entra", "system"]

KEY_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


def rank(role: Role) -> int:
    return ROLES.index(role)


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role
    kind: PrincipalKind

    def may(self, required: Role) -> bool:
        return rank(self.role) >= rank(required)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def owner_id(self) -> str:
        """How jobs and ownership rows name this principal: `key:alice`, `entra:<oid>`,
        `admin` (the bootstrap key), `system:scheduler`, `anonymous`."""
        if self.kind in ("anonymous", "bootstrap"):
            return self.name
        return f"{self.kind}:{self.name}"


ANONYMOUS = Principal("anonymous", "anonymous", "anonymous")
BOOTSTRAP_ADMIN = Principal("admin", "admin", "bootstrap")
SCHEDULER = Principal("scheduler", "admin", "system")
OPERATOR = Principal(
    "operator", "admin", "system"
)  # in-process callers: the CLI, benchmarks, tests


def check_key_name(name: str) -> str:
    if not KEY_NAME.match(name):
        raise ValueError(
            "a key name is 1-63 characters: lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name
