"""Copy detection: candidates with MinHash LSH, verification by alignment, copy groups.

The stages, one module each (each timed in ``timings_``):

1. :mod:`.verify` (``texts``, ``facts``): fingerprint bodies; mask resolution quotes and
   boilerplate learned from the batch; rare facts of each text;
2. :mod:`.candidates`: MinHash LSH over whole bodies, windows (a copied section inside a longer
   essay is still found) and rare facts (a paraphrase keeps its figures and names) — the same
   index serves a batch (in memory) and an archive of earlier campaigns (:mod:`.archive`);
3. :mod:`.verify` (``check_pair``): shingle passages (seed-extend-filter) and sentence chains
   (paraphrase), with the evidence of who copied whom;
4. :mod:`.decide`: the pairs above the thresholds, directions that hold together, profiles,
   and copy groups as connected components of confirmed matches.

Stages 1-3 (``analyse``) do not depend on ``threshold`` or ``min_match_words`` (down to floors)
and return an ``Analysis``; stage 4 (``decide``) is cheap, so other thresholds need only it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from sklearn.base import BaseEstimator

from . import decide as _decide
from . import verify as _verify
from .candidates import IndexParams, batch_pairs, sketch
from .essay import Essay
from .normalize import fold, normalize
from .parallel import map_shared
from .tokenize import syllables
from .verify import TextBasis, VerifiedPair

if TYPE_CHECKING:
    from .archive import Archive

__all__ = ["Analysis", "CopyDetector", "TextBasis", "VerifiedPair"]


@dataclass(frozen=True)
class Analysis:
    """The threshold-free result of :meth:`CopyDetector.analyse`: the costly part of detection.

    :meth:`CopyDetector.decide` turns it into matches, groups and profiles for given
    thresholds; it is kept by the run cache, so a re-run with other thresholds can start from
    it. ``archived`` holds the original text of every archived essay a pair was verified with.
    """

    texts: tuple[TextBasis, ...]
    pairs: tuple[VerifiedPair, ...]
    floors: tuple[float, int]
    n_candidates: int
    timings: dict[str, float]
    archived: dict[str, str] = field(default_factory=dict)


class CopyDetector(BaseEstimator):
    """Find copied essays in a batch, and copies of reference texts.

    Parameters are stored as given (scikit-learn style); :meth:`fit` runs the detection and sets
    ``matches_``, ``groups_``, ``profiles_``, ``n_candidates_`` and ``timings_``.

    Parameters
    ----------
    threshold: a pair is a copy when the larger of its two coverages reaches this share (honest
        essays of one unit share its figures and facts: up to 0.41 on the labelled campaigns,
        copies from 0.58 up)...
    min_section_words: ... or when at least this many words are copied word for word (a
        section lifted into a long essay of one's own; honest pairs of one unit share up to 68);
    min_match_words: ... and at least this many own words are matched.
    shingle_size: syllables per shingle.
    num_perm, lsh_threshold, window, window_threshold, min_window_hits, fact_threshold:
        candidate search (whole bodies; windows of ``window`` shingles, a pair needing
        ``min_window_hits`` similar windows; sets of rare facts).
    boilerplate_min_docs, boilerplate_ratio: a shingle in at least max(min_docs, ratio * n)
        essays is boilerplate, when it stands in a run of at most ``max_boilerplate_run``
        syllables (longer shared runs are a template, not a stock phrase).
    max_gap, min_passage_words: passages bridge gaps of edited words and are at least this long.
    paraphrase_similarity, paraphrase_min_sentences, paraphrase_min_share: a paraphrase is a
        chain of at least ``min_sentences`` similar sentences in the same order, covering at
        least ``min_share`` of the shorter essay's own sentences.
    n_jobs: processes verifying candidate pairs in a large batch (``None``: all cores).

    The stages are the modules :mod:`.verify`, :mod:`.candidates` and :mod:`.decide`; this
    class holds the settings and runs them in order.
    """

    def __init__(
        self,
        threshold: float = 0.5,
        min_section_words: int = 100,
        min_match_words: int = 40,
        shingle_size: int = 5,
        num_perm: int = 128,
        lsh_threshold: float = 0.2,
        window: int = 60,
        window_threshold: float = 0.4,
        min_window_hits: int = 2,
        fact_threshold: float = 0.2,
        boilerplate_min_docs: int = 4,
        boilerplate_ratio: float = 0.02,
        max_boilerplate_run: int = 25,
        max_gap: int = 8,
        min_passage_words: int = 8,
        paraphrase_similarity: float = 0.35,
        paraphrase_min_sentences: int = 4,
        paraphrase_min_share: float = 0.4,
        n_jobs: int | None = 1,
    ) -> None:
        self.threshold = threshold
        self.min_section_words = min_section_words
        self.min_match_words = min_match_words
        self.shingle_size = shingle_size
        self.num_perm = num_perm
        self.lsh_threshold = lsh_threshold
        self.window = window
        self.window_threshold = window_threshold
        self.min_window_hits = min_window_hits
        self.fact_threshold = fact_threshold
        self.boilerplate_min_docs = boilerplate_min_docs
        self.boilerplate_ratio = boilerplate_ratio
        self.max_boilerplate_run = max_boilerplate_run
        self.max_gap = max_gap
        self.min_passage_words = min_passage_words
        self.paraphrase_similarity = paraphrase_similarity
        self.paraphrase_min_sentences = paraphrase_min_sentences
        self.paraphrase_min_share = paraphrase_min_share
        self.n_jobs = n_jobs

    def fit(
        self,
        essays: Sequence[Essay],
        resolution: str = "",
        references: Sequence[Essay] = (),
        units: dict[str, str] | None = None,
    ) -> CopyDetector:
        """Detect copies among ``essays`` and of ``references``; returns ``self``.

        ``units`` maps essay ids to canonical unit names (from a units file); without it the
        unit written in each header is used. It only serves to tell who copied whom.
        The same as ``decide(analyse(...))``.
        """
        return self.decide(self.analyse(essays, resolution, references, units))

    def analyse(
        self,
        essays: Sequence[Essay],
        resolution: str = "",
        references: Sequence[Essay] = (),
        units: dict[str, str] | None = None,
        archive: Archive | None = None,
    ) -> Analysis:
        """The costly stages: fingerprints, candidates, verification and evidence of direction,
        independent of ``threshold`` and ``min_match_words`` down to their floors.

        With an ``archive``, each essay is also compared with the archived essays of earlier
        campaigns that the archive's index finds like it (matches of kind ``"archive"``)."""
        units = units or {}
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        resolution = normalize(resolution).text  # once, for quotes and for facts
        texts, ctx = _verify.texts(self, essays, resolution, references, units)
        resolution_words = set(syllables(resolution)[0])
        facts, fact_stats = _verify.facts(texts, resolution_words)
        timings["fingerprint"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        params = IndexParams.of(self)
        sketches = [sketch(t.own_hashes, f, params) for t, f in zip(texts, facts, strict=True)]
        candidates = batch_pairs(
            sketches, lambda i, j: texts[i].is_reference and texts[j].is_reference, params
        )
        timings["candidates"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        vectorizer = _verify.sentence_vectors(texts)
        for t in texts:
            t.shingles = np.unique(t.own_hashes)
        n_batch = len(texts)
        archived: dict[str, str] = {}
        if archive is not None:
            from .archive.compare import archive_candidates

            timings["verify"] = time.perf_counter() - t0  # the batch's share so far
            t0 = time.perf_counter()
            found = archive_candidates(
                self, archive, texts, facts, sketches, ctx, fact_stats, resolution_words
            )
            _verify.add_vectors(vectorizer, found.texts)
            texts += found.texts
            facts += found.facts
            candidates |= found.pairs
            archived = {t.essay.id: t.essay.text for t in found.texts}
            timings["archive"] = time.perf_counter() - t0
            t0 = time.perf_counter()
        # A unit the caller could not resolve stays unknown ("") rather than its header's
        # spelling: two spellings of one unit must not look like two units.
        unit_of = {t.essay.id: fold(units.get(t.essay.id, t.essay.unit)) for t in texts}
        unit_facts: dict[str, Counter[str]] = {}
        for t, f in zip(texts[:n_batch], facts, strict=False):
            if not t.is_reference:
                unit_facts.setdefault(unit_of[t.essay.id], Counter()).update(f)
        state = _verify.PairState(self, texts, facts, unit_of, unit_facts)
        verified = map_shared(_verify.check_pair_item, state, sorted(candidates), self.n_jobs, 4000)
        pairs = [p for p in verified if p is not None]
        timings["verify"] = time.perf_counter() - t0 + timings.get("verify", 0.0)
        bases = tuple(_verify.basis(t) for t in texts)
        floors = self.floors(self.threshold, self.min_match_words)
        return Analysis(bases, tuple(pairs), floors, len(candidates), timings, archived)

    @staticmethod
    def floors(threshold: float, min_match_words: int) -> tuple[float, int]:
        """How far down :meth:`analyse` verifies pairs for these thresholds."""
        return _verify.floors(threshold, min_match_words)

    def decide(self, analysis: Analysis) -> CopyDetector:
        """Matches at this detector's thresholds, their direction, copy groups and profiles."""
        _decide.decide(self, analysis)
        return self
