"""The IBAT Alliance API: which file is the latest release of a dataset, and its date.

Contract (docs/curated.md): GET {IBAT_BASE_URL}/data-downloads with the account's
`auth_key` and `auth_token` as query parameters answers JSON listing the downloadable
datasets, each with its `dataset` name, a `download_url` and an `update_date`; the
update date is the dataset's version. 401/403 are final; 429 and 5xx are retried with
backoff. Credentials are never logged: only the path is named in errors.
"""

from dataclasses import dataclass
from typing import Any

import httpx

from core.errors import ContractViolation, NotFound
from infrastructure.http.retrying import send_with_retries


@dataclass(frozen=True)
class IbatRelease:
    dataset: str
    version: str  # the update date
    download_url: str


class IbatClient:
    def __init__(
        self,
        base_url: str,
        auth_key: str,
        auth_token: str,
        http: httpx.Client,
        max_retries: int = 4,
        base_delay: float = 1.0,
    ):
        self._base = base_url.rstrip("/")
        self._auth = {"auth_key": auth_key, "auth_token": auth_token}
        self._http = http
        self._max_retries = max_retries
        self._base_delay = base_delay

    def latest_release(self, dataset: str) -> IbatRelease:
        response = send_with_retries(
            lambda: self._http.get(f"{self._base}/data-downloads", params=self._auth),
            what="IBAT data-downloads",
            max_retries=self._max_retries,
            base_delay=self._base_delay,
        )
        if response.status_code != 200:
            raise ContractViolation(f"IBAT data-downloads answered {response.status_code}")
        return _release(_entries(response), dataset)


def _entries(response: httpx.Response) -> list[dict[str, Any]]:
    try:
        body = response.json()
    except ValueError as exc:
        raise ContractViolation("IBAT data-downloads did not answer JSON") from exc
    entries = body.get("data") if isinstance(body, dict) else body
    if not isinstance(entries, list):
        raise ContractViolation(
            "IBAT data-downloads: expected a list of downloads (or {'data': [...]})"
        )
    return [e for e in entries if isinstance(e, dict)]


def _release(entries: list[dict[str, Any]], dataset: str) -> IbatRelease:
    for entry in entries:
        if str(entry.get("dataset", "")).lower() == dataset.lower():
            url, date = entry.get("download_url"), entry.get("update_date")
            if not url or not date:
                raise ContractViolation(
                    f"IBAT listing for {dataset!r} lacks download_url or update_date"
                )
            return IbatRelease(dataset=dataset, version=str(date), download_url=str(url))
    available = sorted({str(e.get("dataset")) for e in entries})
    raise NotFound(
        f"IBAT lists no dataset {dataset!r}; available: {', '.join(available) or 'none'}"
    )
