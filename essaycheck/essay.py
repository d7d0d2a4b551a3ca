"""The ``Essay``: a read document normalised, split into header/body/closing, and tokenized."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from .documents import Document
from .header import Layout, parse_layout, split_run_on
from .normalize import Normalized, normalize
from .tokenize import TokenCache, segment_words, split_sentences


@dataclass(frozen=True, slots=True)
class Sentence:
    """A body sentence: span in the normalised text, its paragraph index and its words."""

    start: int
    end: int
    paragraph: int
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Essay:
    """One essay ready for checking. Offsets are into ``norm.text`` unless said otherwise."""

    id: str
    source: str
    text: str
    norm: Normalized
    layout: Layout
    sentences: tuple[Sentence, ...]
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def author(self) -> str:
        return self.meta.get("author") or self.layout.author or self.layout.signature

    @property
    def unit(self) -> str:
        return (
            self.meta.get("unit") or self.layout.unit or self.meta.get("cell") or self.layout.cell
        )

    @property
    def role(self) -> str:
        return self.meta.get("role") or self.layout.role

    @property
    def body(self) -> str:
        return self.norm.text[self.layout.body_start : self.layout.body_end]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised span to the original ``text``."""
        return self.norm.to_original(start, end)

    @property
    def n_words(self) -> int:
        return sum(len(s.words) for s in self.sentences)


def _paragraph_index(text: str, start: int, end: int) -> list[int]:
    """For each line break position, which paragraph follows (lines are paragraphs)."""
    return [i for i in range(start, end) if text[i] == "\n"]


def prepare(
    documents: Sequence[Document],
    cache: TokenCache | None = None,
    n_jobs: int | None = None,
    whole: bool = False,
) -> list[Essay]:
    """Normalise, lay out, sentence-split and word-segment documents (segmentation cached).

    ``whole=True`` keeps the whole text as body (a resolution or a reference article).
    """
    staged = []
    for doc in documents:
        norm = normalize(doc.text)
        if not whole:
            norm = replace(norm, text=split_run_on(norm.text))
        layout = Layout(0, len(norm.text)) if whole else parse_layout(norm.text)
        spans = split_sentences(norm.text, layout.body_start, layout.body_end)
        breaks = _paragraph_index(norm.text, layout.body_start, layout.body_end)
        staged.append((doc, norm, layout, spans, breaks))
    words = segment_words(
        [[norm.text[a:b] for a, b in spans] for _, norm, _, spans, _ in staged], cache, n_jobs
    )
    essays = []
    for (doc, norm, layout, spans, breaks), ws in zip(staged, words, strict=True):
        sentences, para, k = [], 0, 0
        for (a, b), w in zip(spans, ws, strict=True):
            while k < len(breaks) and breaks[k] < a:
                para, k = para + 1, k + 1
            sentences.append(Sentence(a, b, para, tuple(w)))
        essays.append(
            Essay(doc.id, doc.source, doc.text, norm, layout, tuple(sentences), dict(doc.meta))
        )
    return essays
