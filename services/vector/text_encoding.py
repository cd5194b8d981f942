"""Text encodings of CSV and GeoJSON sources: detected by decoding, fixed by transcoding.

GDAL reads these formats as UTF-8; a file in another encoding is transcoded once to a
UTF-8 copy (reported as a warning) instead of letting bad bytes reach the database.
"""

import codecs
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

from core.errors import InvalidInput

BLOCK = 1024 * 1024
# Tried in order after UTF-8; latin-1 decodes any byte sequence, so it always ends the list.
FALLBACKS = ("cp1252", "latin-1")


@dataclass(frozen=True)
class EncodingFinding:
    encoding: str  # what the source is in
    reason: str
    needs_transcoding: bool


def detect_encoding(path: Path) -> EncodingFinding:
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return EncodingFinding("utf-16", "UTF-16 byte order mark", True)
    bom = head.startswith(codecs.BOM_UTF8)
    if _decodes(path, "utf-8-sig"):
        return EncodingFinding(
            "utf-8", "valid UTF-8" + (" (with a byte order mark)" if bom else ""), bom
        )
    for encoding in FALLBACKS:
        if _decodes(path, encoding):
            return EncodingFinding(encoding, f"not valid UTF-8; decodes as {encoding}", True)
    raise InvalidInput("text in no recognizable encoding")  # unreachable: latin-1 decodes anything


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while block := handle.read(BLOCK):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def transcode_to_utf8(source: Path, target: Path, encoding: str) -> None:
    partial = target.with_suffix(target.suffix + ".part")
    with (
        source.open(
            "r", encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline=""
        ) as reader,
        partial.open("w", encoding="utf-8", newline="") as writer,
    ):
        while block := reader.read(BLOCK):
            writer.write(block)
    partial.replace(target)


def check_well_formed_xml(path: Path) -> None:
    """Streams the document through expat (bounded memory; expat refuses entity bombs)."""
    try:
        for _, element in ElementTree.iterparse(path, events=("end",)):
            element.clear()  # keep memory flat on big documents
    except ElementTree.ParseError as exc:
        raise InvalidInput(f"invalid XML: {exc}") from exc
