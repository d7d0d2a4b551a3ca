"""Copy detection: candidates with MinHash LSH, verification by alignment, copy groups.

Stages (each a method, timed in ``timings_``):
1. fingerprint bodies; mask resolution quotes and boilerplate learned from the batch;
2. candidates: MinHash LSH over whole bodies, over windows (a copied section inside a longer essay
   is still found) and over rare facts (a paraphrase keeps its figures and names);
3. verify each candidate: shingle passages (seed-extend-filter) and sentence chains (paraphrase),
   with the evidence of who copied whom;
4. decide: the pairs above the thresholds, directions by date, profiles, and copy groups as
   connected components of confirmed matches.

Stages 1-3 (``analyse``) do not depend on ``threshold`` or ``min_match_words`` (down to floors)
and return an ``Analysis``; stage 4 (``decide``) is cheap, so other thresholds need only it.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from datasketch import MinHashLSH
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer

from .align import TokenPassage, align, covered
from .attribution import HIGH, Attribution, attribute, date_hint
from .boilerplate import Exclusions, exclusions, frequent_shingles, runs
from .essay import Essay
from .fingerprint import Fingerprint, fingerprint, fingerprint_text, minhash, token_hash
from .header import parse_date
from .matches import CopyGroup, CopyProfile, Match, Passage
from .normalize import fold, normalize
from .parallel import map_shared
from .paraphrase import monotone_chain
from .tokenize import is_word, segmented, syllables

RESOLUTION_ONLY_SHARE = 0.6  # body mostly resolution text: no personal work
# Pairs are verified down to these floors (or the thresholds, if lower), so that a re-run with
# other thresholds above them only filters again (see ``Analysis``).
_FLOOR_SCORE, _FLOOR_WORDS = 0.1, 40
Runs = tuple[tuple[int, int], ...]  # [start, end) token runs


@dataclass(frozen=True)
class TextBasis:
    """What a text's copy profile is made from, without its fingerprint: token offsets in the
    normalised and in the original text (int32), and which tokens are countable, quoted,
    boilerplate."""

    id: str
    spans: np.ndarray
    original: np.ndarray
    countable: np.ndarray
    quote: np.ndarray
    boilerplate: np.ndarray
    date: dt.date | None
    is_reference: bool

    @property
    def n_tokens(self) -> int:
        return len(self.countable)


@dataclass(frozen=True)
class VerifiedPair:
    """A candidate pair that passed verification at the floors, with its evidence of direction
    and the token runs of each side (``"a"``, ``"b"``, and the facts sentences ``"a_facts"``,
    ``"b_facts"``)."""

    a: int
    b: int
    match: Match
    matched_words: int
    shared_words: int  # words of the shingles both hold (matched words for a paraphrase)
    runs: dict[str, Runs]


@dataclass(frozen=True)
class Analysis:
    """The threshold-free result of :meth:`CopyDetector.analyse`: the costly part of detection.

    :meth:`CopyDetector.decide` turns it into matches, groups and profiles for given
    thresholds; it pickles, so a re-run with other thresholds can start from it.
    """

    texts: tuple[TextBasis, ...]
    pairs: tuple[VerifiedPair, ...]
    floors: tuple[float, int]
    n_candidates: int
    timings: dict[str, float]


@dataclass
class _Text:
    essay: Essay
    fp: Fingerprint
    excl: Exclusions
    countable: np.ndarray  # tokens that are neither quotes nor boilerplate
    valid: np.ndarray  # shingles made only of countable tokens
    sentence_tokens: list[tuple[int, int]]  # token range of each sentence
    own_sentences: np.ndarray  # indices of sentences mostly made of countable tokens
    is_reference: bool
    shingles: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))  # sorted, valid
    own_vectors: csr_matrix | None = None  # TF-IDF rows of the own sentences


@dataclass(frozen=True)
class _PairState:
    """What verifying a pair reads (shared with forked workers, never copied)."""

    detector: CopyDetector
    texts: list[_Text]
    facts: list[set[str]]
    unit_of: dict[str, str]
    unit_facts: dict[str, Counter[str]]


def _check_pair(state: _PairState, pair: tuple[int, int]) -> VerifiedPair | None:
    return state.detector._check_pair(state, *pair)


class CopyDetector(BaseEstimator):
    """Find copied essays in a batch, and copies of reference texts.

    Parameters are stored as given (scikit-learn style); :meth:`fit` runs the detection and sets
    ``matches_``, ``groups_``, ``profiles_``, ``n_candidates_`` and ``timings_``.

    Parameters
    ----------
    threshold: a pair is a copy when the larger of its two coverages reaches this share.
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
    """

    def __init__(
        self,
        threshold: float = 0.15,
        min_match_words: int = 40,
        shingle_size: int = 5,
        num_perm: int = 128,
        lsh_threshold: float = 0.2,
        window: int = 60,
        window_threshold: float = 0.4,
        min_window_hits: int = 2,
        fact_threshold: float = 0.35,
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

    # -- stage 1 -----------------------------------------------------------------------------
    def _texts(
        self, essays: Sequence[Essay], resolution: str, references: Sequence[Essay]
    ) -> list[_Text]:
        k = self.shingle_size
        fps = [fingerprint(e, k) for e in essays]
        ref_fps = [fingerprint(r, k) for r in references]
        quote_hashes = np.unique(fingerprint_text(resolution, k).hashes)
        min_docs = max(self.boilerplate_min_docs, math.ceil(self.boilerplate_ratio * len(fps)))
        frequent = frequent_shingles(fps, min_docs)
        texts = []
        for essay, fp, is_ref in [(e, f, False) for e, f in zip(essays, fps, strict=True)] + [
            (r, f, True) for r, f in zip(references, ref_fps, strict=True)
        ]:
            excl = exclusions(
                fp, essay.norm.text, k, quote_hashes, frequent, self.max_boilerplate_run
            )
            countable = ~excl.excluded
            valid = (
                np.convolve((~countable).astype(np.int32), np.ones(k, np.int32), "valid") == 0
                if fp.n_tokens >= k
                else np.zeros(0, dtype=bool)
            )
            starts = fp.spans[:, 0] if fp.n_tokens else np.zeros(0, np.int64)
            sent_tok = [
                tuple(np.searchsorted(starts, [s.start, s.end]).tolist()) for s in essay.sentences
            ]
            own = [i for i, (a, b) in enumerate(sent_tok) if b > a and countable[a:b].mean() >= 0.5]
            texts.append(
                _Text(essay, fp, excl, countable, valid, sent_tok, np.asarray(own, int), is_ref)
            )
        return texts

    # -- stage 2 -----------------------------------------------------------------------------
    def _candidates(self, texts: list[_Text], facts: list[set[str]]) -> set[tuple[int, int]]:
        full = MinHashLSH(threshold=self.lsh_threshold, num_perm=self.num_perm)
        # Windows are many: half the permutations keep their index small.
        window_perm = max(16, self.num_perm // 2)
        windows = MinHashLSH(threshold=self.window_threshold, num_perm=window_perm)
        fact_lsh = MinHashLSH(threshold=self.fact_threshold, num_perm=self.num_perm)
        sketches: list[tuple[str, object, object]] = []
        step = max(1, self.window // 2)
        for idx, t in enumerate(texts):
            own = t.fp.hashes[t.valid]
            if len(own):
                m = minhash(own, self.num_perm)
                full.insert(idx, m)
                sketches.append(("full", idx, m))
            for w, start in enumerate(range(0, max(1, len(own) - step), step)):
                chunk = own[start : start + self.window]
                if len(chunk) >= self.window // 2:
                    m = minhash(chunk, window_perm)
                    windows.insert((idx, w), m)
                    sketches.append(("window", (idx, w), m))
            if len(facts[idx]) >= 3:
                m = minhash([token_hash(f) for f in facts[idx]], self.num_perm)
                fact_lsh.insert(idx, m)
                sketches.append(("fact", idx, m))
        index = {"full": full, "window": windows, "fact": fact_lsh}
        pairs: set[tuple[int, int]] = set()
        window_hits: Counter[tuple[int, int]] = Counter()
        for kind, key, m in sketches:
            idx = key[0] if kind == "window" else key
            for hit in index[kind].query(m):
                other = hit[0] if kind == "window" else hit
                if other == idx or (texts[idx].is_reference and texts[other].is_reference):
                    continue
                pair = (min(idx, other), max(idx, other))
                if kind != "window":
                    pairs.add(pair)
                elif idx < other:  # each window pair is seen from both sides: count it once
                    window_hits[pair] += 1
        # One shared window is one shared sentence or two; a copy worth verifying shares more.
        pairs.update(p for p, n in window_hits.items() if n >= self.min_window_hits)
        return pairs

    def _facts(self, texts: list[_Text], resolution_words: set[str]) -> list[set[str]]:
        """Rare words and figures of each text's own sentences (what a paraphrase keeps)."""
        own_words = []
        for t in texts:
            words = set()
            for i in t.own_sentences:
                words.update(w for w in t.essay.sentences[i].words if is_word(w))
            own_words.append(
                {w for w in words if not all(s in resolution_words for s in w.split())}
            )
        df: dict[str, int] = {}
        for words in own_words:
            for w in words:
                df[w] = df.get(w, 0) + 1
        rare = max(2, math.ceil(0.05 * len(texts)))
        return [
            {w for w in ws if any(c.isdigit() for c in w) or (" " in w and df[w] <= rare)}
            for ws in own_words
        ]

    # -- stage 3 -----------------------------------------------------------------------------
    @staticmethod
    def _sentence_vectors(texts: list[_Text]) -> None:
        """TF-IDF of every sentence (rare words weigh most); each text keeps its own rows."""
        docs, offsets = [], []
        for t in texts:
            offsets.append(len(docs))
            docs.extend([w for w in s.words if is_word(w)] for s in t.essay.sentences)
        if not docs:
            return
        vec = TfidfVectorizer(analyzer=segmented, sublinear_tf=True, max_df=0.2, min_df=1)
        try:
            vectors = vec.fit_transform(docs).tocsr()
        except ValueError:  # every word too frequent: nothing to compare
            return
        for t, offset in zip(texts, offsets, strict=True):
            t.own_vectors = vectors[offset + t.own_sentences]

    def _paraphrase(self, a: _Text, b: _Text) -> list[tuple[int, int, float]]:
        if a.own_vectors is None or b.own_vectors is None or not a.own_vectors.shape[1]:
            return []
        sim = (a.own_vectors @ b.own_vectors.T).toarray()
        chain = monotone_chain(sim, self.paraphrase_similarity)
        shorter = min(len(a.own_sentences), len(b.own_sentences))
        if len(chain) < self.paraphrase_min_sentences or len(chain) < (
            self.paraphrase_min_share * shorter
        ):
            return []
        return [(int(a.own_sentences[i]), int(b.own_sentences[j]), s) for i, j, s in chain]

    def _verify(self, a: _Text, b: _Text, shared_facts: int) -> tuple[Match, int, int] | None:
        k = self.shingle_size
        # Cheap bounds first: most candidates share a few stock shingles and no facts.
        n_common = len(np.intersect1d(a.shingles, b.shingles, assume_unique=True))
        maybe_paraphrase = shared_facts >= self.paraphrase_min_sentences
        shared_words = n_common + k if n_common else 0
        floor_score, floor_words = self.floors(self.threshold, self.min_match_words)
        if shared_words < floor_words and not maybe_paraphrase:
            return None
        tps = (
            align(a.fp, b.fp, a.valid, b.valid, k, self.max_gap, self.min_passage_words)
            if n_common
            else []
        )
        mask_a = covered(tps, a.fp.n_tokens, "a") & a.countable
        mask_b = covered(tps, b.fp.n_tokens, "b") & b.countable
        sentence_pairs = self._paraphrase(a, b) if maybe_paraphrase else []
        para: list[TokenPassage] = []
        for i, j, _ in sentence_pairs:
            (a0, a1), (b0, b1) = a.sentence_tokens[i], b.sentence_tokens[j]
            if a1 - a0 < self.min_passage_words or b1 - b0 < self.min_passage_words:
                continue  # a heading or a number, not a sentence
            if mask_a[a0:a1].mean() < 0.5:  # not already matched word for word
                para.append(TokenPassage(a0, a1, b0, b1, 0))
                mask_a[a0:a1] |= a.countable[a0:a1]
                mask_b[b0:b1] |= b.countable[b0:b1]
        na, nb = int(a.countable.sum()), int(b.countable.sum())
        if not na or not nb:
            return None
        cov_a, cov_b = mask_a.sum() / na, mask_b.sum() / nb
        matched = min(int(mask_a.sum()), int(mask_b.sum()))
        score = max(cov_a, cov_b)
        if matched < floor_words or score < floor_score:
            return None  # below any threshold worth re-running with
        method = "shingle" if tps else "paraphrase"
        if tps and para:
            method = "shingle+paraphrase"
        passages = [self._passage(a, b, p, "shingle") for p in tps] + [
            self._passage(a, b, p, "paraphrase") for p in para
        ]
        passages.sort(key=lambda p: p.a_start)
        match = Match(
            a=a.essay.id,
            b=b.essay.id,
            kind="reference" if b.is_reference else "essay",
            coverage_a=round(float(cov_a), 4),
            coverage_b=round(float(cov_b), 4),
            score=round(float(score), 4),
            method=method,
            passages=tuple(passages),
        )
        # The shared-shingle bound says nothing about a paraphrase: only its matched words count.
        return match, matched, matched if maybe_paraphrase else shared_words

    @staticmethod
    def _passage(a: _Text, b: _Text, p: TokenPassage, method: str) -> Passage:
        def span(t: _Text, lo: int, hi: int) -> tuple[int, int]:
            return t.essay.original_span(int(t.fp.spans[lo, 0]), int(t.fp.spans[hi - 1, 1]))

        a0, a1 = span(a, p.a_start, p.a_end)
        b0, b1 = span(b, p.b_start, p.b_end)
        return Passage(a0, a1, b0, b1, p.a_end - p.a_start, method)

    # -- stage 4 -----------------------------------------------------------------------------
    @staticmethod
    def _groups(ids: list[str], refs: set[str], matches: list[Match]) -> list[CopyGroup]:
        index = {x: i for i, x in enumerate(ids)}
        rows = [index[m.a] for m in matches]
        cols = [index[m.b] for m in matches]
        graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(ids), len(ids)))
        _, labels = connected_components(graph, directed=False)
        degree: Counter[str] = Counter()
        votes: Counter[str] = Counter(m.source for m in matches if m.source)
        for m in matches:
            degree.update((m.a, m.b))
        members: dict[int, list[str]] = {}
        for x in sorted(degree):
            members.setdefault(int(labels[index[x]]), []).append(x)
        groups = []
        for n, group in enumerate(sorted(members.values(), key=lambda g: (-len(g), g[0]))):
            group_refs = tuple(x for x in group if x in refs)
            # The suspected source: a reference, else the essay judged source most often, else
            # a hub copied by all the others; "" when the texts do not say.
            ranked = sorted(group_refs or group, key=lambda x: (-votes[x], -degree[x]))
            top = ranked[0]
            tied = len(ranked) > 1 and (votes[ranked[1]], degree[ranked[1]]) == (
                votes[top],
                degree[top],
            )
            source = top if group_refs or votes[top] or not tied else ""
            groups.append(CopyGroup(n + 1, tuple(group), source, group_refs))
        return groups

    def _profile(
        self, t: TextBasis, masks: dict[str, list[np.ndarray]], partners: list[str], refs: set[str]
    ) -> tuple[CopyProfile, dict[str, list[tuple[int, int]]]]:
        """The copy profile (normalised offsets) and the spans to highlight (original ones)."""
        n = t.n_tokens

        def union(*roles: str) -> np.ndarray:
            out = np.zeros(n, dtype=bool)
            for role in roles:
                for m in masks.get(role, ()):
                    out |= m
            return out

        def spans(mask: np.ndarray, offsets: np.ndarray = t.spans) -> tuple[tuple[int, int], ...]:
            return tuple((int(offsets[lo, 0]), int(offsets[hi - 1, 1])) for lo, hi in runs(mask))

        matched = union("taken", "shared", "given")
        # Sentences holding the partner's facts count as copied for credit, not for similarity.
        taken = union("taken", "taken_facts")
        na = int(t.countable.sum())
        quote_share = float(t.quote.mean()) if n else 0.0
        flags = []
        if partners:
            flags.append("copy")
        if any(p in refs for p in partners):
            flags.append("copy_of_reference")
        if quote_share >= RESOLUTION_ONLY_SHARE:
            flags.append("resolution_only")
        profile = CopyProfile(
            id=t.id,
            n_tokens=n,
            similarity=round(float((matched & t.countable).sum() / na), 4) if na else 0.0,
            quote_share=round(quote_share, 4),
            boilerplate_share=round(float(t.boilerplate.mean()), 4) if n else 0.0,
            partners=tuple(sorted(set(partners))),
            copied=spans(matched),
            taken=spans(taken),
            shared=spans(union("shared", "shared_facts") & ~taken),
            quoted=spans(t.quote),
            boilerplate=spans(t.boilerplate),
            flags=tuple(flags),
        )
        highlights = {
            "quoted": list(spans(t.quote, t.original)),
            "boilerplate": list(spans(t.boilerplate, t.original)),
            "copied": list(spans(matched, t.original)),
        }
        return profile, highlights

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
    ) -> Analysis:
        """The costly stages: fingerprints, candidates, verification and evidence of direction,
        independent of ``threshold`` and ``min_match_words`` down to their floors."""
        units = units or {}
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        resolution = normalize(resolution).text  # once, for quotes and for facts
        texts = self._texts(essays, resolution, references)
        resolution_words = set(syllables(resolution)[0])
        facts = self._facts(texts, resolution_words)
        timings["fingerprint"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        candidates = self._candidates(texts, facts)
        timings["candidates"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        self._sentence_vectors(texts)
        for t in texts:
            t.shingles = np.unique(t.fp.hashes[t.valid])
        unit_of = {t.essay.id: fold(units.get(t.essay.id) or t.essay.unit) for t in texts}
        unit_facts: dict[str, Counter[str]] = {}
        for t, f in zip(texts, facts, strict=True):
            if not t.is_reference:
                unit_facts.setdefault(unit_of[t.essay.id], Counter()).update(f)
        state = _PairState(self, texts, facts, unit_of, unit_facts)
        verified = map_shared(_check_pair, state, sorted(candidates), self.n_jobs, 4000)
        pairs = [p for p in verified if p is not None]
        timings["verify"] = time.perf_counter() - t0
        bases = tuple(self._basis(t) for t in texts)
        floors = self.floors(self.threshold, self.min_match_words)
        return Analysis(bases, tuple(pairs), floors, len(candidates), timings)

    def _check_pair(self, state: _PairState, i: int, j: int) -> VerifiedPair | None:
        """Verify one candidate pair and gather its evidence of direction."""
        texts, facts = state.texts, state.facts
        a, b = (i, j) if not texts[i].is_reference else (j, i)
        shared = facts[a] & facts[b]
        verified = self._verify(texts[a], texts[b], len(shared))
        if verified is None:
            return None
        match, matched_words, shared_words = verified
        if texts[b].is_reference:
            who = Attribution(match.b, "Trùng với bài mẫu / tài liệu tham khảo.", HIGH)
        else:
            ea, eb = texts[a].essay, texts[b].essay
            who = attribute(
                ea,
                eb,
                (state.unit_of[ea.id], state.unit_of[eb.id]),
                shared,
                state.unit_facts,
                (match.coverage_a, match.coverage_b) if match.method == "shingle" else None,
            )
        side_runs = {
            side: tuple(runs(self._side_mask(texts[n], match, side)))
            for n, side in ((a, "a"), (b, "b"))
        } | {
            f"{side}_facts": tuple(runs(self._fact_mask(texts[n], shared)))
            for n, side in ((a, "a"), (b, "b"))
        }
        match = replace(match, source=who.source, reason=who.reason, confidence=who.confidence)
        return VerifiedPair(a, b, match, matched_words, shared_words, side_runs)

    @staticmethod
    def floors(threshold: float, min_match_words: int) -> tuple[float, int]:
        """How far down :meth:`analyse` verifies pairs for these thresholds."""
        return min(threshold, _FLOOR_SCORE), min(min_match_words, _FLOOR_WORDS)

    def decide(self, analysis: Analysis) -> CopyDetector:
        """Matches at this detector's thresholds, their direction, copy groups and profiles."""
        if self.threshold < analysis.floors[0] or self.min_match_words < analysis.floors[1]:
            raise ValueError("the analysis was made for higher thresholds: analyse again")
        t0 = time.perf_counter()
        texts = analysis.texts
        kept = [
            p
            for p in analysis.pairs
            if p.match.score >= self.threshold
            and min(p.matched_words, p.shared_words) >= self.min_match_words
        ]
        kept = self._settle(texts, kept)
        masks: dict[int, dict[str, list[np.ndarray]]] = {}
        partners: dict[int, list[str]] = {}
        for p in kept:
            source = p.match.source
            for n, side, other in ((p.a, "a", p.match.b), (p.b, "b", p.match.a)):
                if texts[n].is_reference:
                    continue
                role = "shared" if not source else "taken" if source == other else "given"
                mine = masks.setdefault(n, {})
                mine.setdefault(role, []).append(self._mask(texts[n], p.runs[side]))
                if role != "given":  # a paraphrase keeps the source's figures and names
                    facts = self._mask(texts[n], p.runs[f"{side}_facts"])
                    mine.setdefault(role + "_facts", []).append(facts)
                partners.setdefault(n, []).append(other)
        refs = {t.id for t in texts if t.is_reference}
        matches = [p.match for p in kept]
        self.reference_ids_ = refs
        self.matches_ = matches
        self.groups_ = self._groups([t.id for t in texts], refs, matches)
        self.profiles_, self.highlights_ = {}, {}
        for n, t in enumerate(texts):
            if not t.is_reference:
                profile, marks = self._profile(t, masks.get(n, {}), partners.get(n, []), refs)
                self.profiles_[t.id], self.highlights_[t.id] = profile, marks
        self.n_candidates_ = analysis.n_candidates
        self.timings_ = {**analysis.timings, "groups": time.perf_counter() - t0}
        return self

    @staticmethod
    def _basis(t: _Text) -> TextBasis:
        spans = t.fp.spans
        n = len(spans)
        original = np.zeros((n, 2), dtype=np.int32)
        if n:
            original[:, 0] = t.essay.norm.starts[spans[:, 0]]
            original[:, 1] = t.essay.norm.ends[spans[:, 1] - 1]
        return TextBasis(
            t.essay.id,
            spans,
            original,
            t.countable,
            t.excl.quote,
            t.excl.boilerplate,
            parse_date(t.essay.layout.date),
            t.is_reference,
        )

    @staticmethod
    def _mask(t: TextBasis, token_runs: Runs) -> np.ndarray:
        mask = np.zeros(t.n_tokens, dtype=bool)
        for lo, hi in token_runs:
            mask[lo:hi] = True
        return mask

    @staticmethod
    def _settle(texts: Sequence[TextBasis], pairs: list[VerifiedPair]) -> list[VerifiedPair]:
        """Directions that hold together over the whole batch.

        Two copies of one source are siblings: neither copied the other. The centre of a star
        (the source of several copies) is not made a copy of one of them. A pair left without a
        source gets the writers' dates as a hint in its reason, never as a verdict.
        """
        sources_of: dict[int, set[int]] = {}
        given: Counter[int] = Counter()
        for p in pairs:
            if p.match.source:
                src, taker = (p.a, p.b) if texts[p.a].id == p.match.source else (p.b, p.a)
                sources_of.setdefault(taker, set()).add(src)
                given[src] += 1
        linked = {(p.a, p.b) for p in pairs} | {(p.b, p.a) for p in pairs}
        out = []
        for p in pairs:
            m = p.match
            if m.source and not texts[p.b].is_reference:
                src, taker = (p.a, p.b) if texts[p.a].id == m.source else (p.b, p.a)
                common = sources_of.get(p.a, set()) & sources_of.get(p.b, set())
                # The taker's text is explained by another source that the named one matches
                # too: the named source may be a sibling copy of it.
                common |= {z for z in sources_of.get(taker, set()) - {src} if (src, z) in linked}
                if common:
                    first = texts[min(common)].id
                    reason = (
                        f"Cả hai bài cùng lấy nội dung từ {first}: chưa rõ bài nào chép bài nào."
                    )
                    m = replace(m, source="", reason=reason, confidence="")
                elif given[taker] >= 2 and given[src] < given[taker]:
                    reason = (
                        f"Chưa rõ bài gốc: bài {texts[taker].id} là nguồn của nhiều bài khác, "
                        f"căn cứ cho rằng nó chép bài {texts[src].id} chưa đủ tin cậy."
                    )
                    m = replace(m, source="", reason=reason, confidence="")
            if not m.source:
                a, b = texts[p.a], texts[p.b]
                hint = date_hint(a.id, a.date, b.id, b.date)
                m = replace(m, reason=m.reason or hint or "Chưa rõ bài gốc: không có căn cứ.")
            out.append(replace(p, match=m) if m is not p.match else p)
        return out

    @staticmethod
    def _fact_mask(t: _Text, shared_facts: set[str]) -> np.ndarray:
        """Countable tokens of the own sentences that hold one of ``shared_facts``."""
        mask = np.zeros(t.fp.n_tokens, dtype=bool)
        for i in t.own_sentences if shared_facts else ():
            if shared_facts.intersection(t.essay.sentences[i].words):
                lo, hi = t.sentence_tokens[i]
                mask[lo:hi] = True
        return mask & t.countable

    @staticmethod
    def _side_mask(t: _Text, match: Match, side: str) -> np.ndarray:
        """Countable tokens of one side inside the match's passages (from original offsets)."""
        mask = np.zeros(t.fp.n_tokens, dtype=bool)
        if not t.fp.n_tokens:
            return mask
        orig_starts = t.essay.norm.starts[t.fp.spans[:, 0]]
        for p in match.passages:
            lo, hi = (p.a_start, p.a_end) if side == "a" else (p.b_start, p.b_end)
            x, y = np.searchsorted(orig_starts, [lo, hi])
            mask[x:y] = True
        return mask & t.countable
