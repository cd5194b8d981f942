"""Ownership of what the platform publishes: tables in `geo`, STAC collections and items.

A job may replace only what its owner owns. Names that curated datasets use are theirs
alone; shared collections (the vector and raster catalogs) are owned by the platform and
take items from anyone, each item owned by whoever published it. The rules are pure;
infrastructure/db/ownership.py applies them to the ledger under row locks.
"""

from dataclasses import dataclass
from typing import Literal

ResourceKind = Literal["table", "raster", "stac_collection", "stac_item", "h3_aggregation"]
ClaimMode = Literal["replace", "contribute", "shared"]

PLATFORM = "platform"
CURATED_PREFIX = "curated:"
# Table names the curated pipeline writes (its targets and their intermediates).
CURATED_TABLE_PREFIXES = ("curated_", "incoming_")


def curated_owner(dataset_id: str) -> str:
    return CURATED_PREFIX + dataset_id


@dataclass(frozen=True)
class Resource:
    kind: ResourceKind
    name: str  # table name; collection id; "collection/item"

    def describe(self) -> str:
        return {
            "table": f"table geo.{self.name}",
            "raster": f"raster {self.name!r}",
            "stac_collection": f"STAC collection {self.name!r}",
            "stac_item": f"STAC item {self.name!r}",
            "h3_aggregation": f"H3 aggregation {self.name!r}",
        }[self.kind]


@dataclass(frozen=True)
class Claim:
    """`replace`: the job will overwrite the resource, so it must be (or become) the
    owner's. `contribute`: the job adds to it (an item into a collection), allowed when
    the resource is the owner's, the platform's, or new (then the owner's). `shared`: a
    catalog everyone adds to (the vector and raster collections): the platform's, always."""

    resource: Resource
    mode: ClaimMode = "replace"


def table(name: str) -> Claim:
    return Claim(Resource("table", name))


def raster(raster_id: str) -> Claim:
    return Claim(Resource("raster", raster_id))


def h3_aggregation(collection_id: str) -> Claim:
    return Claim(Resource("h3_aggregation", collection_id))


def stac_collection(collection_id: str, mode: ClaimMode = "replace") -> Claim:
    return Claim(Resource("stac_collection", collection_id), mode)


def stac_item(collection_id: str, item_id: str) -> Claim:
    return Claim(Resource("stac_item", f"{collection_id}/{item_id}"))


def refusal(claim: Claim, owner: str, current: str | None, takeover: bool) -> str | None:
    """Why `owner` may not make `claim` when `current` owns the resource (None: nobody);
    None when it may. `takeover` is an admin's explicit replace_owned_by_other."""
    resource = claim.resource
    if (
        resource.kind == "table"
        and resource.name.startswith(CURATED_TABLE_PREFIXES)
        and not owner.startswith(CURATED_PREFIX)
    ):
        return f"{resource.describe()} is reserved for curated datasets: update it through its curated dataset"
    if claim.mode == "shared":
        return (
            None
            if current in (None, PLATFORM)
            else f"{resource.describe()} is owned by {current}, not shared"
        )
    if current is None or current == owner:
        return None
    if claim.mode == "contribute" and current == PLATFORM:
        return None
    if takeover and not current.startswith(CURATED_PREFIX):
        return None
    return f"{resource.describe()} is owned by {current}" + (
        "; an admin may take it over with replace_owned_by_other: true"
        if not current.startswith(CURATED_PREFIX)
        else "; update it through its curated dataset"
    )


def new_owner(claim: Claim, owner: str, current: str | None) -> str | None:
    """The owner to record after an allowed claim (None: leave the row as it is)."""
    if claim.mode == "shared":
        return None if current == PLATFORM else PLATFORM
    if current == owner or (claim.mode == "contribute" and current == PLATFORM):
        return None
    return owner
