"""Essay text as safe HTML with coloured passages: a pure function, no Streamlit.

Essay texts, file names and ids are untrusted. Everything that comes from them is passed through
:func:`html.escape`; colours must be ``#rgb``/``#rrggbb`` and anchor ids are reduced to
``[A-Za-z0-9_-]``, so no input can open a tag or an attribute.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Which span wins where spans overlap: the passage being looked at, then copies, then quotes…
KIND_PRIORITY = {
    "current": 5,
    "copy": 4,
    "reference": 4,
    "quote": 3,
    "boilerplate": 2,
    "evidence": 1,
}
KIND_STYLE = {
    "current": "outline:2px solid #c0392b;border-radius:2px;",
    "copy": "border-radius:2px;",
    "reference": "border-radius:2px;border-bottom:2px solid #7b3294;",
    "quote": "background:transparent;border-bottom:2px dotted #2c7fb8;",
    "boilerplate": "background:transparent;color:#888;",
    "evidence": "background:transparent;border-bottom:2px solid #1a9641;",
}
# Pastel colours that stay readable under black text, one per copy source.
PALETTE = (
    "#ffd8a8",
    "#b2f2bb",
    "#a5d8ff",
    "#fcc2d7",
    "#d0bfff",
    "#ffec99",
    "#99e9f2",
    "#ffc9c9",
    "#c0eb75",
    "#eebefa",
    "#bac8ff",
    "#ffe066",
)
_COLOUR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")
_ANCHOR_BAD = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class Span:
    """A passage to mark: ``[start, end)`` in the original text.

    ``kind`` is one of :data:`KIND_PRIORITY`; ``colour`` a ``#rrggbb`` background; ``label`` the
    tooltip; ``anchor`` an id for the first mark of the span; ``link`` an anchor to jump to when
    the passage is clicked (the same passage in the other text of a pair).
    """

    start: int
    end: int
    kind: str = "copy"
    colour: str = ""
    label: str = ""
    anchor: str = ""
    link: str = ""


def colour_for(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def safe_anchor(name: str) -> str:
    """An id made only of ``[A-Za-z0-9_-]`` (other characters become ``_``)."""
    return _ANCHOR_BAD.sub("_", name)[:80]


def _style(span: Span) -> str:
    style = ""
    if _COLOUR.fullmatch(span.colour or ""):
        style += f"background:{span.colour};"
    return style + KIND_STYLE.get(span.kind, "")


def _open(span: Span, first: bool) -> str:
    attrs = [f'class="ec-{safe_anchor(span.kind)}"', f'style="{html.escape(_style(span))}"']
    if span.label:
        attrs.append(f'title="{html.escape(span.label, quote=True)}"')
    if first and span.anchor:
        attrs.append(f'id="{safe_anchor(span.anchor)}"')
    if span.link:
        return (
            f'<a href="#{safe_anchor(span.link)}" style="color:inherit;text-decoration:none">'
            + (f"<mark {' '.join(attrs)}>")
        )
    return f"<mark {' '.join(attrs)}>"


def _close(span: Span) -> str:
    return "</mark></a>" if span.link else "</mark>"


def _segments(n: int, spans: Sequence[Span]) -> list[tuple[int, int, int | None]]:
    """Cut ``[0, n)`` at every span edge; each piece carries the winning span's index (or None)."""
    edges = sorted({0, n, *(s.start for s in spans), *(s.end for s in spans)})
    pieces: list[tuple[int, int, int | None]] = []
    for a, b in itertools.pairwise(edges):
        best: int | None = None
        best_rank: tuple[int, int, int] = (-1, 0, 0)
        for i, s in enumerate(spans):
            if s.start <= a and b <= s.end:
                # higher priority, then the shorter (inner) span, then the one starting first
                rank = (KIND_PRIORITY.get(s.kind, 0), s.start - s.end, -s.start)
                if best is None or rank > best_rank:
                    best, best_rank = i, rank
        if pieces and pieces[-1][2] == best:
            pieces[-1] = (pieces[-1][0], b, best)
        else:
            pieces.append((a, b, best))
    return pieces


def highlight(text: str, spans: Iterable[Span]) -> str:
    """``text`` as HTML-escaped markup with each span wrapped in a styled ``<mark>``.

    Spans are clipped to the text; where they overlap the higher :data:`KIND_PRIORITY` wins
    (then the shorter one, so nested passages stay visible). Line breaks are kept as ``\\n``:
    show the result inside an element with ``white-space: pre-wrap`` (see :func:`text_box`).
    """
    n = len(text)
    clipped = [
        Span(max(0, s.start), min(n, s.end), s.kind, s.colour, s.label, s.anchor, s.link)
        for s in spans
        if min(n, s.end) > max(0, s.start)
    ]
    out: list[str] = []
    opened: set[int] = set()
    for a, b, idx in _segments(n, clipped):
        piece = html.escape(text[a:b], quote=True)
        if idx is None:
            out.append(piece)
            continue
        span = clipped[idx]
        out.append(_open(span, idx not in opened) + piece + _close(span))
        opened.add(idx)
    return "".join(out)


def text_box(body_html: str, height: int | None = 520) -> str:
    """Wrap highlighted markup in a readable, scrollable box (``height=None``: no scrolling)."""
    scroll = f"max-height:{int(height)}px;overflow-y:auto;" if height else ""
    return (
        '<div class="ec-text" style="white-space:pre-wrap;line-height:1.6;font-size:0.95rem;'
        "border:1px solid #ddd;border-radius:6px;padding:0.8rem 1rem;background:#fff;"
        f'color:#222;{scroll}">{body_html}</div>'
    )


def legend(items: Iterable[tuple[str, str, str]]) -> str:
    """Legend chips ``(kind, colour, label)``, escaped like the text."""
    chips = []
    for kind, colour, label in items:
        span = Span(0, 1, kind, colour)
        chips.append(
            f'<mark style="{html.escape(_style(span))}padding:0 0.4em;margin-right:0.6em;'
            f'white-space:nowrap;display:inline-block;">'
            f"{html.escape(label)}</mark>"
        )
    return '<div style="line-height:2">' + "".join(chips) + "</div>"
