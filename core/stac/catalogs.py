"""Walking a static STAC catalog: from a root Catalog or Collection down its `child`
links, level by level (each level's documents are read together), collecting every
Collection and the item files it links — directly or through catalogs below it.

Items belong to the nearest Collection above them (pgSTAC has no catalogs). The walk is
depth-limited, refuses cycles and documents linked twice, and follows only links into
the source container: a child or item elsewhere cannot be read and is an error.
"""

from dataclasses import dataclass, field
from typing import Any, Callable

from core.errors import InvalidInput
from core.stac.hrefs import BlobLocation
from core.stac.validation import parse_json, validate_catalog_or_collection
from core.stac.versions import migrated

ReadMany = Callable[[list[str]], list[bytes]]  # blob names → their bytes, in order
MAX_DOCUMENTS = 50_000  # catalogs and collections, not items


@dataclass
class FoundCollection:
    id: str
    blob: str
    document: dict[str, Any]
    original_version: str | None
    item_blobs: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Node:
    blob: str
    path: tuple[str, ...]  # blobs from the root down to this one
    collection: str | None  # the Collection this node's items belong to


@dataclass
class CatalogWalk:
    location: BlobLocation
    read_many: ReadMany
    max_depth: int
    collections: dict[str, FoundCollection] = field(default_factory=dict)
    documents: int = 0
    _seen: dict[str, str] = field(default_factory=dict)  # blob → the document that linked it

    def run(self, root_blob: str) -> list[FoundCollection]:
        level = [_Node(root_blob, (root_blob,), None)]
        self._seen[root_blob] = "(root)"
        while level:
            self.documents += len(level)
            if self.documents > MAX_DOCUMENTS:
                raise InvalidInput(
                    f"{root_blob}: the catalog holds more than {MAX_DOCUMENTS:,} catalogs and collections"
                )
            documents = self.read_many([node.blob for node in level])
            level = [
                child
                for node, raw in zip(level, documents, strict=True)
                for child in self._visit(node, raw)
            ]
        return list(self.collections.values())

    def _visit(self, node: _Node, raw: bytes) -> list[_Node]:
        document, original = migrated(parse_json(raw, node.blob), node.blob)
        document = validate_catalog_or_collection(document, node.blob)
        scope = node.collection
        if document["type"] == "Collection":
            scope = self._add_collection(node, document, original)
        children = []
        for link in document["links"]:
            if link["rel"] == "item":
                self._add_item(node, scope, link["href"])
            elif link["rel"] == "child":
                children.append(self._child(node, link["href"], scope))
        return children

    def _add_collection(self, node: _Node, document: dict, original: str | None) -> str:
        found = self.collections.get(document["id"])
        if found is not None:
            raise InvalidInput(
                f"collection id {document['id']!r} appears twice: {found.blob} and {node.blob}"
            )
        self.collections[document["id"]] = FoundCollection(
            document["id"], node.blob, document, original
        )
        return document["id"]

    def _add_item(self, node: _Node, scope: str | None, href: str) -> None:
        if scope is None:
            raise InvalidInput(
                f"{node.blob} links items but is not a Collection nor inside one: "
                "pgSTAC keeps items in collections"
            )
        blob = self._inside(node, href, "item")
        self._first_link(node, blob)
        self.collections[scope].item_blobs.append(blob)

    def _child(self, node: _Node, href: str, scope: str | None) -> _Node:
        blob = self._inside(node, href, "child")
        if blob in node.path:
            raise InvalidInput(
                "catalog cycle: " + " → ".join(node.path[node.path.index(blob) :] + (blob,))
            )
        self._first_link(node, blob)
        if len(node.path) > self.max_depth:
            raise InvalidInput(
                f"{blob} is {len(node.path)} levels below {node.path[0]}, deeper than max_depth "
                f"{self.max_depth}: " + " → ".join(node.path + (blob,))
            )
        return _Node(blob, node.path + (blob,), scope)

    def _inside(self, node: _Node, href: str, rel: str) -> str:
        blob = self.location.blob_of(href, node.blob)
        if blob is None:
            raise InvalidInput(
                f"{node.blob}: {rel} link {href!r} is not in container {self.location.container!r}; "
                "only documents in the source container are read"
            )
        return blob

    def _first_link(self, node: _Node, blob: str) -> None:
        if blob in self._seen:
            raise InvalidInput(
                f"{blob} is linked twice: from {self._seen[blob]} and from {node.blob}"
            )
        self._seen[blob] = node.blob
