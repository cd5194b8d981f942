"""Which assets are copied and which are registered as they are.

An asset in the source container is copied (server-side) to the same path in the target.
An asset elsewhere — another cloud, a web server — is registered unchanged and never
fetched, unless the job asks for `copy_external` and its host is in
SOURCE_ALLOWED_HOSTS: then it is downloaded (through the guarded client) to
external/<host>/<path> in the target. Local paths, `file://`, our other containers and
`..` out of the container are refused (core.stac.hrefs).
"""

from dataclasses import dataclass, field
from typing import Callable

from core.stac.hrefs import BlobLocation, external_blob, origin_of, scheme_of
from services.ingest.models import AssetCopy

FETCHABLE = ("http", "https")


@dataclass
class AssetPlan:
    copies: list[AssetCopy] = field(default_factory=list)
    external_hosts: list[str] = field(default_factory=list)  # one entry per asset registered as is


@dataclass(frozen=True)
class AssetPlanner:
    source: BlobLocation
    copy_external: bool = False
    host_allowed: Callable[[str], bool] = lambda url: False  # SOURCE_ALLOWED_HOSTS, without DNS

    def plan(self, assets: dict[str, dict], document_blob: str) -> AssetPlan:
        plan = AssetPlan()
        for key, asset in assets.items():
            href = asset["href"]
            blob = self.source.blob_of(href, document_blob)
            if blob is not None:
                plan.copies.append(AssetCopy(key=key, source_blob=blob, target_blob=blob))
            elif self._fetched(href):
                plan.copies.append(AssetCopy(key=key, url=href, target_blob=external_blob(href)))
            else:
                plan.external_hosts.append(origin_of(href))
        return plan

    def _fetched(self, href: str) -> bool:
        return self.copy_external and scheme_of(href) in FETCHABLE and self.host_allowed(href)
