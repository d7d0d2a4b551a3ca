"""Word .docx: the body's text in reading order, legacy-font runs converted to Unicode.

The body XML is walked in document order: paragraphs (one line each; ``w:br``/``w:cr`` start a
new line, ``w:tab`` is a tab), tables (one line per row, cells joined by a tab; a row with a single
non-empty cell, such as a frame around the whole essay, keeps that cell's lines; a row of short
lines, such as the header table "ĐẢNG BỘ … | ĐẢNG CỘNG SẢN VIỆT NAM", is read side by side, line i
of each cell on line i, as it looks on the page; a row with long paragraphs gives one line, each
cell's paragraphs joined by spaces), text boxes
(``w:txbxContent``, after the paragraph that anchors them, read once even when Word stores both a
DrawingML and a VML copy), content controls (``w:sdt``) and tracked insertions (``w:ins``).
Deleted text (``w:del``, ``w:moveFrom``, rows marked deleted), field codes, headers, footers,
footnotes and comments are left out. Soft hyphens are dropped.

A run whose effective font (run, character style, paragraph style, document defaults) is a
TCVN3 font (``.VnTime``; ``.VnTimeH`` = capitals) or a VNI font (``VNI-Times``) is converted with
:func:`legacy.decode` before soft hyphens are dropped (in TCVN3 the soft-hyphen code is "ư"),
unless the run already holds Unicode Vietnamese (text converted without changing the font).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from essaycheck.readers import legacy
from essaycheck.readers.errors import fail

if TYPE_CHECKING:
    from lxml.etree import _Element

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_REL_STYLES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")

# Containers whose children are read as if they stood in their parent.
_BLOCK_WRAPPERS = {W + "customXml", W + "ins", W + "moveTo", W + "smartTag"}
_INLINE_WRAPPERS = {
    W + "ins", W + "moveTo", W + "hyperlink", W + "smartTag", W + "customXml", W + "fldSimple",
    W + "dir", W + "bdo",
}  # fmt: skip
_FONT_SLOTS = ("ascii", "hAnsi", "cs")
SHORT_CELL_LINE = 100  # table rows whose cells hold only lines this short are read side by side


def is_encrypted_office(data: bytes) -> bool:
    """An OLE container holding an ``EncryptedPackage`` (a password-protected .docx/.xlsx)."""
    return data.startswith(OLE_MAGIC) and _ENCRYPTED_PACKAGE in data


@dataclass(frozen=True)
class LegacyFont:
    encoding: legacy.Encoding
    caps: bool


def legacy_font(name: str | None) -> LegacyFont | None:
    """The legacy encoding a font name implies: ``.Vn…`` = TCVN3 (``…H`` = capitals), ``VNI-…``."""
    if not name:
        return None
    key = name.strip().lower()
    if key.startswith(".vn"):
        return LegacyFont("tcvn3", caps=key.endswith("h"))
    if key.startswith(("vni-", "vni ")):
        return LegacyFont("vni", caps=False)
    return None


def _tag(el: Any) -> str:
    tag = el.tag
    return tag if isinstance(tag, str) else ""  # comments and processing instructions


def _rfonts(rpr: _Element | None) -> dict[str, str]:
    """Font slots an ``w:rPr`` sets; a theme font counts as set (to a non-legacy font)."""
    if rpr is None:
        return {}
    rfonts = rpr.find(W + "rFonts")
    if rfonts is None:
        return {}
    found: dict[str, str] = {}
    for slot in _FONT_SLOTS:
        if rfonts.get(W + slot + "Theme"):
            found[slot] = ""
        elif (value := rfonts.get(W + slot)) is not None:
            found[slot] = value
    return found


class _Fonts:
    """Resolves a run's effective fonts through styles and document defaults."""

    def __init__(self, styles: _Element | None) -> None:
        self._styles: dict[str, tuple[dict[str, str], str | None]] = {}
        self.defaults: dict[str, str] = {}
        self.default_paragraph: str | None = None
        self.style_fonts = lru_cache(maxsize=None)(self._style_fonts)
        if styles is None:
            return
        rpr_default = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
        self.defaults = _rfonts(rpr_default)
        for style in styles.iter(W + "style"):
            style_id = style.get(W + "styleId")
            if not style_id:
                continue
            based = style.find(W + "basedOn")
            self._styles[style_id] = (
                _rfonts(style.find(W + "rPr")),
                based.get(W + "val") if based is not None else None,
            )
            if style.get(W + "type") == "paragraph" and style.get(W + "default") in ("1", "true"):
                self.default_paragraph = style_id

    def _style_fonts(self, style_id: str | None) -> dict[str, str]:
        chain: list[dict[str, str]] = []
        seen: set[str] = set()
        while style_id and style_id in self._styles and style_id not in seen:
            seen.add(style_id)
            fonts, style_id = self._styles[style_id]
            chain.append(fonts)
        merged: dict[str, str] = {}
        for fonts in reversed(chain):  # the style itself overrides what it is based on
            merged.update(fonts)
        return merged

    def legacy(self, rpr: _Element | None, paragraph_style: str | None) -> LegacyFont | None:
        effective: dict[str, str] = {}
        layers = [self.defaults]
        if self._styles:
            layers.append(self.style_fonts(paragraph_style or self.default_paragraph))
            if rpr is not None and (rstyle := rpr.find(W + "rStyle")) is not None:
                layers.append(self.style_fonts(rstyle.get(W + "val")))
        layers.append(_rfonts(rpr))
        for layer in layers:
            effective.update(layer)
        names = [effective.get("hAnsi"), effective.get("ascii")]
        if not any(name is not None for name in names):
            names = [effective.get("cs")]
        for name in names:
            if found := legacy_font(name):
                return found
        return None


class _Walker:
    def __init__(self, fonts: _Fonts) -> None:
        self.fonts = fonts

    # --- block level ---------------------------------------------------------------------------
    def block(self, parent: _Element) -> list[str]:
        lines: list[str] = []
        for child in parent:
            tag = _tag(child)
            if tag == W + "p":
                lines.extend(self.paragraph(child))
            elif tag == W + "tbl":
                lines.extend(self.table(child))
            elif tag == W + "sdt":
                content = child.find(W + "sdtContent")
                if content is not None:
                    lines.extend(self.block(content))
            elif tag in _BLOCK_WRAPPERS:
                lines.extend(self.block(child))
            elif tag == MC + "AlternateContent" and (branch := _branch(child)) is not None:
                lines.extend(self.block(branch))
        return lines

    def paragraph(self, p: _Element) -> list[str]:
        style_el = p.find(f"{W}pPr/{W}pStyle")
        style = style_el.get(W + "val") if style_el is not None else None
        parts: list[str] = []
        boxes: list[str] = []
        self.inline(p, style, parts, boxes)
        return "".join(parts).split("\n") + boxes

    def table(self, tbl: _Element) -> list[str]:
        lines: list[str] = []
        for row in _children(tbl, W + "tr"):
            if row.find(f"{W}trPr/{W}del") is not None:  # tracked row deletion
                continue
            cells = [self.block(tc) for tc in _children(row, W + "tc")]
            kept = [(cell, [ln.strip() for ln in cell if ln.strip()]) for cell in cells]
            kept = [(cell, filled) for cell, filled in kept if filled]
            if len(kept) == 1:  # a frame: the cell's lines as they are
                lines.extend(kept[0][0])
                continue
            filled_cells = [filled for _, filled in kept]
            if not filled_cells:
                continue
            if max(len(ln) for cell in filled_cells for ln in cell) <= SHORT_CELL_LINE:
                # a header table: side-by-side blocks, read line by line as they appear
                for i in range(max(map(len, filled_cells))):
                    lines.append("\t".join(cell[i] for cell in filled_cells if i < len(cell)))
            else:
                lines.append("\t".join(" ".join(cell) for cell in filled_cells))
        return lines

    # --- inline level --------------------------------------------------------------------------
    def inline(
        self, parent: _Element, style: str | None, parts: list[str], boxes: list[str]
    ) -> None:
        for child in parent:
            tag = _tag(child)
            if tag == W + "r":
                self.run(child, style, parts, boxes)
            elif tag in _INLINE_WRAPPERS:
                self.inline(child, style, parts, boxes)
            elif tag == W + "sdt":
                content = child.find(W + "sdtContent")
                if content is not None:
                    self.inline(content, style, parts, boxes)
            elif tag == MC + "AlternateContent" and (branch := _branch(child)) is not None:
                self.inline(branch, style, parts, boxes)
            # w:del, w:moveFrom, w:pPr, bookmarks, proofing marks, math: nothing to read

    def run(self, r: _Element, style: str | None, parts: list[str], boxes: list[str]) -> None:
        pieces: list[str] = []
        for child in r:
            tag = _tag(child)
            if tag == W + "t":
                pieces.append(child.text or "")
            elif tag == W + "tab" or tag == W + "ptab":
                pieces.append("\t")
            elif tag in (W + "br", W + "cr"):
                pieces.append("\n")
            elif tag == W + "noBreakHyphen":
                pieces.append("-")
            elif tag in (W + "drawing", W + "pict", W + "object", MC + "AlternateContent"):
                self.text_boxes(child, boxes)
            # w:delText, w:instrText, w:softHyphen, w:sym, w:fldChar: nothing to read
        text = "".join(pieces)
        if not text:
            return
        font = self.fonts.legacy(r.find(W + "rPr"), style)
        if font is not None and not legacy.has_unicode_vietnamese(text):
            text = legacy.decode(text, font.encoding, caps=font.caps)
        parts.append(text.replace("\xad", ""))

    def text_boxes(self, el: _Element, boxes: list[str]) -> None:
        """Lines of the text boxes inside a drawing, each read once."""
        tag = _tag(el)
        if tag == W + "txbxContent":
            boxes.extend(self.block(el))
        elif tag == MC + "AlternateContent":
            if (branch := _branch(el)) is not None:
                self.text_boxes(branch, boxes)
        else:
            for child in el:
                self.text_boxes(child, boxes)


def _branch(alternate: _Element) -> _Element | None:
    """The one branch of ``mc:AlternateContent`` to read: the first Choice, else the Fallback."""
    choice = alternate.find(MC + "Choice")
    return choice if choice is not None else alternate.find(MC + "Fallback")


def _children(parent: _Element, tag: str) -> list[_Element]:
    """``parent``'s children with ``tag``, looking through content controls and custom XML."""
    found: list[_Element] = []
    for child in parent:
        ctag = _tag(child)
        if ctag == tag:
            found.append(child)
        elif ctag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                found.extend(_children(content, tag))
        elif ctag in (W + "customXml", W + "ins", W + "moveTo"):
            found.extend(_children(child, tag))
    return found


def _load(data: bytes, source: str) -> tuple[_Element, _Element | None]:
    """The document and styles XML of a WordprocessingML package (.docx, .docm, .dotx)."""
    try:
        from docx.opc.package import OpcPackage
        from docx.oxml.parser import parse_xml
    except ImportError:  # pragma: no cover - python-docx is a core dependency
        raise fail("missing_dependency", source, package="python-docx") from None

    def element(part: Any) -> _Element:
        el = getattr(part, "element", None)
        return el if el is not None else parse_xml(part.blob)

    try:
        package = OpcPackage.open(io.BytesIO(data))
        main = package.main_document_part
        document = element(main)
    except Exception:
        raise fail("corrupt_docx", source) from None
    body = document.find(W + "body")
    if body is None:
        raise fail("corrupt_docx", source)
    try:
        styles: _Element | None = element(main.part_related_by(_REL_STYLES))
    except Exception:  # no styles part, or an unreadable one: fonts come from runs only
        styles = None
    return body, styles


def read_docx(data: bytes, source: str) -> str:
    """The text of a .docx file's body (see the module notes)."""
    if is_encrypted_office(data):
        raise fail("encrypted_office", source)
    body, styles = _load(data, source)
    return "\n".join(_Walker(_Fonts(styles)).block(body)).strip()
