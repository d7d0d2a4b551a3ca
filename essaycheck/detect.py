"""Copy detection: candidates with MinHash LSH, verification by alignment, copy groups.

Stages (each a method, timed in ``timings_``):
1. fingerprint bodies; mask resolution quotes and boilerplate learned from the batch;
2. candidates: MinHash LSH over whole bodies, over windows (a copied section inside a longer essay
   is still found) and over rare facts (a paraphrase keeps its figures and names);
3. verify each candidate: shingle passages (seed-extend-filter) and sentence chains (paraphrase);
4. copy groups as connected components of confirmed matches.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from datasketch import MinHashLSH
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer

from .align import TokenPassage, align, covered
from .attribution import Attribution, attribute, date_order
from .boilerplate import Exclusions, exclusions, frequent_shingles, runs
from .essay import Essay
from .fingerprint import Fingerprint, fingerprint, fingerprint_text, minhash, token_hash
from .header import parse_date
from .matches import CopyGroup, CopyProfile, Match, Passage
from .normalize import fold, normalize
from .paraphrase import monotone_chain
from .tokenize import is_word

RESOLUTION_ONLY_SHARE = 0.6  # body mostly resolution text: no personal work
_Found = tuple[int, int, Match, Attribution]  # a verified pair and who is its source


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


class CopyDetector:
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
        vec = TfidfVectorizer(analyzer=lambda ws: ws, sublinear_tf=True, max_df=0.2, min_df=1)
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

    def _verify(self, a: _Text, b: _Text, shared_facts: int) -> Match | None:
        k = self.shingle_size
        # Cheap bounds first: most candidates share a few stock shingles and no facts.
        n_common = len(np.intersect1d(a.shingles, b.shingles, assume_unique=True))
        maybe_paraphrase = shared_facts >= self.paraphrase_min_sentences
        if n_common + k < self.min_match_words and not maybe_paraphrase:
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
        if matched < self.min_match_words or score < self.threshold:
            return None
        method = "shingle" if tps else "paraphrase"
        if tps and para:
            method = "shingle+paraphrase"
        passages = [self._passage(a, b, p, "shingle") for p in tps] + [
            self._passage(a, b, p, "paraphrase") for p in para
        ]
        passages.sort(key=lambda p: p.a_start)
        return Match(
            a=a.essay.id,
            b=b.essay.id,
            kind="reference" if b.is_reference else "essay",
            coverage_a=round(float(cov_a), 4),
            coverage_b=round(float(cov_b), 4),
            score=round(float(score), 4),
            method=method,
            passages=tuple(passages),
        )

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
        self, t: _Text, masks: dict[str, list[np.ndarray]], partners: list[str]
    ) -> CopyProfile:
        n = t.fp.n_tokens

        def union(*roles: str) -> np.ndarray:
            out = np.zeros(n, dtype=bool)
            for role in roles:
                for m in masks.get(role, ()):
                    out |= m
            return out

        def spans(mask: np.ndarray) -> tuple[tuple[int, int], ...]:
            return tuple(
                (int(t.fp.spans[lo, 0]), int(t.fp.spans[hi - 1, 1])) for lo, hi in runs(mask)
            )

        matched = union("taken", "shared", "given")
        # Sentences holding the partner's facts count as copied for credit, not for similarity.
        taken = union("taken", "taken_facts")
        na = int(t.countable.sum())
        quote_share = float(t.excl.quote.mean()) if n else 0.0
        flags = []
        if partners:
            flags.append("copy")
        if any(p in self.reference_ids_ for p in partners):
            flags.append("copy_of_reference")
        if quote_share >= RESOLUTION_ONLY_SHARE:
            flags.append("resolution_only")
        return CopyProfile(
            id=t.essay.id,
            n_tokens=n,
            similarity=round(float((matched & t.countable).sum() / na), 4) if na else 0.0,
            quote_share=round(quote_share, 4),
            boilerplate_share=round(float(t.excl.boilerplate.mean()), 4) if n else 0.0,
            partners=tuple(sorted(set(partners))),
            copied=spans(matched),
            taken=spans(taken),
            shared=spans(union("shared", "shared_facts") & ~taken),
            quoted=spans(t.excl.quote),
            boilerplate=spans(t.excl.boilerplate),
            flags=tuple(flags),
        )

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
        """
        units = units or {}
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        resolution = normalize(resolution).text  # once, for quotes and for facts
        texts = self._texts(essays, resolution, references)
        self.reference_ids_ = {r.id for r in references}
        resolution_words = set(fingerprint_text(resolution, 1).tokens)
        facts = self._facts(texts, resolution_words)
        timings["fingerprint"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        pairs = self._candidates(texts, facts)
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
        common = np.zeros(0, np.uint64)
        found: list[_Found] = []
        for i, j in sorted(pairs):
            a, b = (i, j) if not texts[i].is_reference else (j, i)
            match = self._verify(texts[a], texts[b], len(facts[a] & facts[b]))
            if match is None:
                continue
            if texts[b].is_reference:
                who = Attribution(match.b, "Trùng với bài mẫu / tài liệu tham khảo.")
            else:
                ea, eb = texts[a].essay, texts[b].essay
                who = attribute(
                    ea,
                    eb,
                    (unit_of[ea.id], unit_of[eb.id]),
                    facts[a] & facts[b],
                    unit_facts,
                    (match.coverage_a, match.coverage_b) if match.method == "shingle" else None,
                    common,
                )
            found.append((a, b, match, who))
        found = self._date_order(texts, found)
        matches: list[Match] = []
        masks: dict[int, dict[str, list[np.ndarray]]] = {}
        partners: dict[int, list[str]] = {}
        for a, b, match, who in found:
            match = replace(match, source=who.source, reason=who.reason)
            matches.append(match)
            shared_facts = facts[a] & facts[b]
            for n, side, other in ((a, "a", match.b), (b, "b", match.a)):
                if texts[n].is_reference:
                    continue
                role = "shared" if not who.source else "taken" if who.source == other else "given"
                mine = masks.setdefault(n, {})
                mine.setdefault(role, []).append(self._side_mask(texts[n], match, side))
                if role != "given":  # a paraphrase keeps the source's figures and names
                    mine.setdefault(role + "_facts", []).append(
                        self._fact_mask(texts[n], shared_facts)
                    )
                partners.setdefault(n, []).append(other)
        timings["verify"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        ids = [t.essay.id for t in texts]
        self.groups_ = self._groups(ids, {t.essay.id for t in texts if t.is_reference}, matches)
        self.profiles_ = {
            t.essay.id: self._profile(t, masks.get(n, {}), partners.get(n, []))
            for n, t in enumerate(texts)
            if not t.is_reference
        }
        timings["groups"] = time.perf_counter() - t0
        self.matches_ = matches
        self.n_candidates_ = len(pairs)
        self.timings_ = timings
        return self

    @staticmethod
    def _date_order(texts: list[_Text], found: list[_Found]) -> list[_Found]:
        """Direct the pairs nothing else directs by the writers' dates, earliest source first.

        An earlier date says little when that essay took its text from a third one, so an essay
        known to have taken text is never made a source by its date; going in date order means
        such takers are known before they could be chosen.
        """
        takers = {
            x
            for a, b, _, who in found
            if who.source
            for x in (a, b)
            if texts[x].essay.id != who.source
        }
        dates = {}
        for a, b, _, who in found:
            if not who.source:
                for x in (a, b):
                    dates.setdefault(x, parse_date(texts[x].essay.layout.date))
        undirected = [
            n
            for n, (a, b, _, who) in enumerate(found)
            if not who.source and dates[a] and dates[b] and dates[a] != dates[b]
        ]
        out = list(found)
        for n in sorted(undirected, key=lambda n: min(dates[found[n][0]], dates[found[n][1]])):
            a, b, match, _ = found[n]
            source, taker = (a, b) if dates[a] < dates[b] else (b, a)
            if source not in takers:
                out[n] = (a, b, match, date_order(texts[a].essay, texts[b].essay))
                takers.add(taker)
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
