"""What copy detection finds: matched passages, matches between texts, copy groups."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Passage:
    """A matched passage: character spans in both ORIGINAL texts, and how it was found.

    ``method`` is ``"shingle"`` (shared word sequences) or ``"paraphrase"`` (aligned sentences
    that say the same with other words).
    """

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    n_words: int
    method: str = "shingle"


@dataclass(frozen=True)
class Match:
    """A pair judged a copy. ``b`` is an essay id or a reference id (``kind == "reference"``).

    ``coverage_a``/``coverage_b``: share of each side's own words (quotes and boilerplate left
    out) inside the passages; ``score`` is what thresholds and precision-recall curves use.
    """

    a: str
    b: str
    kind: str
    coverage_a: float
    coverage_b: float
    score: float
    method: str
    passages: tuple[Passage, ...] = ()

    def other(self, essay_id: str) -> str:
        return self.b if essay_id == self.a else self.a


@dataclass(frozen=True)
class CopyGroup:
    """Essays (and references) connected by matches; ``source`` is the suspected origin."""

    id: int
    members: tuple[str, ...]
    source: str
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class CopyProfile:
    """Per-essay view of copy detection.

    ``similarity``: share of own words matched to other texts; ``quote_share`` and
    ``boilerplate_share``: share of all body words that are resolution quotes or boilerplate.
    ``copied``/``quoted``: normalised-text spans, used by the relevance stage so that copied or
    quoted sentences earn no credit; ``copied_from_reference`` separates what came from a
    reference (never own work) from what is shared with another essay (author unknown).
    """

    id: str
    n_tokens: int
    similarity: float
    quote_share: float
    boilerplate_share: float
    partners: tuple[str, ...] = ()
    copied: tuple[tuple[int, int], ...] = ()
    copied_from_reference: tuple[tuple[int, int], ...] = ()
    quoted: tuple[tuple[int, int], ...] = ()
    flags: tuple[str, ...] = field(default_factory=tuple)
