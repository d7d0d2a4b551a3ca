"""What a check returns: a result per essay and the report of a whole batch."""

from __future__ import annotations

from dataclasses import dataclass, field

from .documents import ReadError
from .matches import CopyGroup, CopyProfile, Match
from .relevance import RelevanceScore


@dataclass(frozen=True)
class EssayResult:
    """Everything the report says about one essay."""

    id: str
    source: str
    author: str
    role: str
    unit: str
    n_words: int
    copy: CopyProfile
    relevance: RelevanceScore
    flags: tuple[str, ...]
    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    """Spans in the ORIGINAL text to highlight: ``quoted``, ``boilerplate``, ``copied``."""


@dataclass(frozen=True)
class Report:
    """The result of a check."""

    essays: list[EssayResult]
    matches: list[Match]
    groups: list[CopyGroup]
    errors: list[ReadError]
    texts: dict[str, str]  # original text of every essay and reference, for highlighting
    resolution_title: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    def essay(self, essay_id: str) -> EssayResult:
        return next(e for e in self.essays if e.id == essay_id)
