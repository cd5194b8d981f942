"""Where the items are, as inventory parts: lists of item files, byte ranges of NDJSON
files, slices of ItemCollections. Each part is one inventory task and one batch."""

from dataclasses import dataclass
from typing import Iterator

import orjson

from core.errors import InvalidInput
from core.stac.ndjson import range_bytes_for, ranges
from core.stac.validation import parse_json

HEAD_BYTES = 64 * 1024  # enough to tell NDJSON from a JSON document, and to size ranges
LONG_HEAD_BYTES = 1024 * 1024  # when the first line is longer than that


@dataclass(frozen=True)
class Part:
    collection_id: str
    kind: str  # links | ndjson | features
    blob: str | None = None
    first_byte: int | None = None
    end_byte: int | None = None
    size: int | None = None
    links: list[str] | None = None
    features: str | None = None
    first_feature: int | None = None

    def row(self, job_id: str, attempt: int, number: int) -> tuple:
        return (
            job_id,
            attempt,
            number,
            self.collection_id,
            self.kind,
            self.blob,
            self.first_byte,
            self.end_byte,
            self.size,
            self.links,
            self.features,
            self.first_feature,
        )


def link_parts(collection_id: str, item_blobs: list[str], batch_size: int) -> Iterator[Part]:
    for start in range(0, len(item_blobs), batch_size):
        yield Part(collection_id, "links", links=item_blobs[start : start + batch_size])


def is_ndjson(head: bytes) -> bool:
    """NDJSON when the first non-blank line is a whole Feature on its own; a document
    (ItemCollection, pretty-printed Item) otherwise."""
    first = next((line for line in head.split(b"\n") if line.strip()), b"")
    try:
        document = orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return isinstance(document, dict) and document.get("type") == "Feature"


def ndjson_parts(
    collection_id: str, blob: str, size: int, head: bytes, batch_size: int
) -> Iterator[Part]:
    """Ranges of about `batch_size` lines, judged by the average line of the head."""
    for start, end in ranges(size, range_bytes_for(head, batch_size)):
        yield Part(collection_id, "ndjson", blob=blob, first_byte=start, end_byte=end, size=size)


def feature_parts(collection_id: str, blob: str, raw: bytes, batch_size: int) -> Iterator[Part]:
    """An ItemCollection (or a lone Item) read whole, its features sliced into parts."""
    features = _features(parse_json(raw, blob), blob)
    for start in range(0, len(features), batch_size):
        lines = b"\n".join(
            orjson.dumps(feature) for feature in features[start : start + batch_size]
        )
        yield Part(
            collection_id, "features", blob=blob, features=lines.decode(), first_feature=start
        )


def _features(document, blob: str) -> list:
    kind = document.get("type") if isinstance(document, dict) else None
    if kind == "Feature":
        return [document]
    if kind == "FeatureCollection" and isinstance(document.get("features"), list):
        return document["features"]
    raise InvalidInput(
        f"{blob} is not an ItemCollection, an Item or NDJSON of items (its type is {kind!r})"
    )
