"""XML sources (KML, GPX, GML, OSM) checked before GDAL reads them, and KML's bare rings.

The check streams the document through expat: it must be well formed and declare no
entities (GDAL's XML readers are not all hardened against entity expansion, and no
geodata needs them). A KML `LinearRing` outside any Polygon (e.g. next to a Polygon in a
MultiGeometry) is dropped by GDAL's KML readers, so such rings are rewritten first: into
the Polygon they bound, or a LineString when they enclose nothing.
"""

import re
import xml.sax
from pathlib import Path
from xml.parsers import expat
from xml.sax.saxutils import XMLGenerator

from core.errors import InvalidInput

BLOCK = 1024 * 1024
RING_PARENTS = {"multigeometry", "placemark"}  # where a LinearRing is bare


def check_xml(path: Path) -> int:
    """Refuses malformed XML and entity declarations; returns the KML bare rings found."""
    parser = expat.ParserCreate()
    stack: list[str] = []
    bare = 0

    def start(name, _attrs):
        nonlocal bare
        local = name.rsplit(":", 1)[-1].lower()
        if local == "linearring" and stack and stack[-1] in RING_PARENTS:
            bare += 1
        stack.append(local)

    def refuse_entities(*_args):
        raise InvalidInput("invalid XML: entity declarations are not accepted")

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda _name: stack.pop()
    parser.EntityDeclHandler = refuse_entities
    try:
        with path.open("rb") as handle:
            while block := handle.read(BLOCK):
                parser.Parse(block, False)
            parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise InvalidInput(
            f"invalid XML: {expat.ErrorString(exc.code)}: line {exc.lineno}, column {exc.offset}"
        ) from exc
    return bare


def rewrite_bare_rings(source: Path, target: Path) -> tuple[int, int]:
    """Copies a KML with each bare LinearRing made a Polygon (or, when it has fewer than
    three distinct positions, a LineString); returns (polygons, lines) made."""
    partial = target.with_suffix(target.suffix + ".part")
    with partial.open("w", encoding="utf-8") as out:
        handler = _RingRewriter(XMLGenerator(out, encoding="utf-8", short_empty_elements=False))
        parser = xml.sax.make_parser()
        parser.setContentHandler(handler)
        parser.setFeature(xml.sax.handler.feature_external_ges, False)
        parser.parse(str(source))
    partial.replace(target)
    return handler.polygons, handler.lines


class _RingRewriter(xml.sax.ContentHandler):
    """Passes every event through; a bare LinearRing's events are held until it ends,
    then written inside Polygon/outerBoundaryIs, or renamed LineString."""

    def __init__(self, out: XMLGenerator):
        super().__init__()
        self.out, self.stack, self.held = out, [], None
        self.polygons = self.lines = 0

    def startDocument(self):
        self.out.startDocument()

    def startElement(self, name, attrs):
        local = name.rsplit(":", 1)[-1].lower()
        if (
            self.held is None
            and local == "linearring"
            and self.stack
            and self.stack[-1] in RING_PARENTS
        ):
            self.held = [name, attrs, [], 0]
        if self.held is not None:
            self.held[2].append(("start", name, attrs))
            self.held[3] += 1
        else:
            self.out.startElement(name, attrs)
        self.stack.append(local)

    def endElement(self, name):
        self.stack.pop()
        if self.held is None:
            self.out.endElement(name)
            return
        self.held[2].append(("end", name, None))
        self.held[3] -= 1
        if self.held[3] == 0:
            self._release()

    def characters(self, content):
        if self.held is not None:
            self.held[2].append(("text", content, None))
        else:
            self.out.characters(content)

    def ignorableWhitespace(self, content):
        self.characters(content)

    def _release(self):
        ring_name, _, events, _ = self.held
        self.held = None
        prefix = ring_name[: -len("LinearRing")] if ring_name.endswith("LinearRing") else ""
        text = "".join(content for kind, content, _ in events if kind == "text")
        if len(set(re.findall(r"[^\s]+", text))) >= 3:
            self.polygons += 1
            self._replay(events, wrap=(prefix + "Polygon", prefix + "outerBoundaryIs"))
        else:
            self.lines += 1
            self._replay(events, rename={ring_name: prefix + "LineString"})

    def _replay(self, events, wrap=(), rename=None):
        for name in wrap:
            self.out.startElement(name, {})
        for kind, value, attrs in events:
            if kind == "start":
                self.out.startElement((rename or {}).get(value, value), attrs)
            elif kind == "end":
                self.out.endElement((rename or {}).get(value, value))
            else:
                self.out.characters(value)
        for name in reversed(wrap):
            self.out.endElement(name)
