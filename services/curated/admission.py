"""What a registry entry may ask the platform to do on its behalf: send only declared
source credentials, and only to hosts on the outbound allow-list; and, for a source with
rules of its own (ACLED), an entry those rules allow.

Refusals never echo a rejected credential_settings entry: a caller who pasted a value
where a name belongs must not see it reflected (in the answer, the logs, a proxy's cache).
"""

from config import Settings
from config.settings import SOURCE_CREDENTIAL_SETTINGS
from core.errors import InvalidInput, OutboundRefused
from core.models.curated import DatasetFields
from infrastructure.http.outbound import OutboundPolicy
from services.curated.acled.checking import entry_problems, handles


def check_entry(fields: DatasetFields, settings: Settings) -> None:
    """Refuses (422) an entry naming undeclared credentials or a source_url off the allow-list,
    or one its source's own rules refuse."""
    errors = [
        *credential_errors(fields.credential_settings),
        *source_url_errors(fields.source_url, settings),
        *source_errors(fields),
    ]
    if errors:
        raise InvalidInput(
            "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors
        )


def undeclared_positions(names: list[str]) -> list[int]:
    return [index for index, name in enumerate(names) if name not in SOURCE_CREDENTIAL_SETTINGS]


def credential_errors(names: list[str]) -> list[dict[str, str]]:
    message = f"not a declared source credential (allowed: {', '.join(SOURCE_CREDENTIAL_SETTINGS)})"
    return [
        {"field": f"credential_settings.{index}", "message": message, "type": "value_error"}
        for index in undeclared_positions(names)
    ]


def source_errors(fields: DatasetFields) -> list[dict[str, str]]:
    if not handles(fields.source_config):
        return []
    return [
        {"field": field, "message": message, "type": "value_error"}
        for field, message in entry_problems(fields)
    ]


def source_url_errors(url: str | None, settings: Settings) -> list[dict[str, str]]:
    """The allow-list only (no DNS): addresses are checked on every request, when it is sent."""
    if not url:
        return []
    try:
        OutboundPolicy.from_settings(settings).check_url(url)
    except OutboundRefused as exc:
        return [{"field": "source_url", "message": exc.detail, "type": "value_error"}]
    return []
