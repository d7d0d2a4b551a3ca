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
    """A pair judged a copy. ``b`` is an essay id, a reference id (``kind == "reference"``) or
    an archived essay of an earlier campaign (``kind == "archive"``, ``campaign`` its campaign).

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
    source: str = ""  # the side judged to be the source, "" when unknown
    reason: str = ""  # why (Vietnamese), shown to reviewers
    confidence: str = ""  # how sure the source is: "cao", "trung bình", "" when unknown
    campaign: str = ""  # for ``kind == "archive"``: the archived essay's campaign

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
    Spans are in the normalised text and serve the relevance stage: ``quoted`` (resolution text)
    and ``taken`` (copied from a known source: a reference, or an essay judged to be the source)
    earn no credit; ``shared`` (shared with an essay, direction unknown) earns partial credit;
    ``copied`` is every matched span; ``boilerplate`` stock phrases and shared form text.
    """

    id: str
    n_tokens: int
    similarity: float
    quote_share: float
    boilerplate_share: float
    partners: tuple[str, ...] = ()
    copied: tuple[tuple[int, int], ...] = ()
    taken: tuple[tuple[int, int], ...] = ()
    shared: tuple[tuple[int, int], ...] = ()
    quoted: tuple[tuple[int, int], ...] = ()
    boilerplate: tuple[tuple[int, int], ...] = ()
    flags: tuple[str, ...] = field(default_factory=tuple)
