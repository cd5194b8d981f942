"""What non-admins may see of jobs, tasks, events and errors: values under secret-looking
keys, URL query strings (signed URLs, credentials in query parameters) and local file
paths are replaced; everything else is shown as it is."""

import re
from typing import Any

REDACTED = "<redacted>"
LOCAL_PATH_SHOWN = "<local path>"
SECRET_KEY = re.compile(r"(password|passwd|secret|token|api[_-]?key|auth[_-]?key|credential|connection[_-]?string"
                        r"|sas|signature|^sig$|^key$|^authorization$)", re.IGNORECASE)
URL_WITH_QUERY = re.compile(r"\b([a-z][a-z0-9+.-]*://[^\s'\"?#<>]+)\?[^\s'\"#<>]*", re.IGNORECASE)
LOCAL_PATH = re.compile(r"(?<![\w:/.~-])/(?:tmp|var|home|root|work|usr|opt|srv|mnt|proc|etc|dev|run|private)"
                        r"(?:/[^\s'\"),;:<>]*)?")


def redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: REDACTED if isinstance(key, str) and SECRET_KEY.search(key) and value[key] not in (None, "")
                else redact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def redact_text(text: str) -> str:
    text = URL_WITH_QUERY.sub(lambda m: f"{m.group(1)}?{REDACTED}", text)
    return LOCAL_PATH.sub(LOCAL_PATH_SHOWN, text)
