"""Stages 1 and 3 of copy detection: what a text is made of for comparison, and verifying a pair.

Stage 1 fingerprints each body and masks resolution quotes and boilerplate learned from the batch
(:func:`texts`), and finds each text's rare facts (:func:`facts`). Stage 3 verifies a candidate
pair (:func:`verify`): shingle passages (seed-extend-filter) and sentence chains (paraphrase);
:func:`check_pair` adds the evidence of who copied whom. A candidate may come from the batch or
from an archive (:mod:`essaycheck.archive`): both are verified by the same code.

The functions take the :class:`~essaycheck.detect.CopyDetector` whose parameters they use.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer

from .align import TokenPassage, align, covered
from .attribution import HIGH, Attribution, attribute
from .boilerplate import Exclusions, exclusions, frequent_shingles, runs
from .essay import Essay
from .fingerprint import Fingerprint, fingerprint, fingerprint_text
from .header import parse_date
from .matches import Match, Passage
from .paraphrase import monotone_chain
from .tokenize import is_word, segmented

if TYPE_CHECKING:
    from .detect import CopyDetector

# Pairs are verified down to these floors (or the thresholds, if lower), so that a re-run with
# other thresholds above them only filters again (see ``Analysis``).
_FLOOR_SCORE, _FLOOR_WORDS = 0.1, 40
Runs = tuple[tuple[int, int], ...]  # [start, end) token runs


# A campaign's form: shingles at least this share of the batch holds (questions of a Q&A
# campaign), never copying however long.
_FORM_SHARE = 0.3
# Shared text without a single figure of its own is the genre's formulas (closing formulas,
# slogans, Hồ Chí Minh's words, sentences on the resolution's importance) unless it is long:
# a copy of someone's own text carries their figures, or runs on for paragraphs.
_FACTLESS_MIN_WORDS = 150
_YEAR = re.compile(r"(19|20)\d\d")


def _own_figures(text: str, fp: Fingerprint, numbers: frozenset[str]) -> np.ndarray:
    """Tokens that are a figure of the writer's own: not a bare year, not the resolution's."""
    out = fp.digits.copy()
    for i in np.flatnonzero(out).tolist():
        token = text[fp.spans[i, 0] : fp.spans[i, 1]]
        out[i] = not _YEAR.fullmatch(token) and token.lstrip("0") not in numbers
    return out


def _figures(t: Text, mask: np.ndarray) -> bool:
    """Whether the matched tokens of ``t`` hold a figure of the writer's own."""
    return t.figures is not None and bool((mask & t.figures).any())


def floors(threshold: float, min_match_words: int) -> tuple[float, int]:
    """How far down pairs are verified for these thresholds."""
    return min(threshold, _FLOOR_SCORE), min(min_match_words, _FLOOR_WORDS)


@dataclass(frozen=True)
class TextBasis:
    """What a text's copy profile is made from, without its fingerprint: token offsets in the
    normalised and in the original text (int32), and which tokens are countable, quoted,
    boilerplate. ``campaign`` is set for an archived essay (an earlier campaign's)."""

    id: str
    spans: np.ndarray
    original: np.ndarray
    countable: np.ndarray
    quote: np.ndarray
    boilerplate: np.ndarray
    date: dt.date | None
    is_reference: bool
    campaign: str = ""

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


@dataclass
class Text:
    """A text ready for comparison (stage 1). ``is_reference`` for references and archived
    essays: texts that are compared with the batch, never with each other."""

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
    campaign: str = ""
    figures: np.ndarray | None = None  # tokens that are a figure of the writer's own

    @property
    def own_hashes(self) -> np.ndarray:
        """Shingle hashes of the own text, in text order (what candidates are sketched from)."""
        return self.fp.hashes[self.valid]


@dataclass(frozen=True)
class Context:
    """What the batch says about every text: the resolution's shingles (quotes) and the
    shingles frequent in the batch (boilerplate)."""

    quote_hashes: np.ndarray
    frequent: np.ndarray
    form: np.ndarray | None = None  # shared by so many essays that it is the campaign's form
    numbers: frozenset[str] = frozenset()  # the resolution's numbers ("08" and "8" alike)


def context(
    det: CopyDetector,
    fingerprints: Sequence[Fingerprint],
    resolution: str,
    groups: Sequence[str] | None = None,
) -> Context:
    k = det.shingle_size
    quote_hashes = np.unique(fingerprint_text(resolution, k).hashes)
    min_docs = max(det.boilerplate_min_docs, math.ceil(det.boilerplate_ratio * len(fingerprints)))
    form_docs = max(min_docs, math.ceil(_FORM_SHARE * len(fingerprints)))
    return Context(
        quote_hashes,
        frequent_shingles(list(fingerprints), min_docs, groups),
        frequent_shingles(list(fingerprints), form_docs),
        frozenset(n.lstrip("0") for n in re.findall(r"\d+", resolution)),
    )


def make_text(
    det: CopyDetector, essay: Essay, fp: Fingerprint, ctx: Context, is_ref: bool, campaign: str = ""
) -> Text:
    k = det.shingle_size
    excl = exclusions(
        fp, essay.norm.text, k, ctx.quote_hashes, ctx.frequent, det.max_boilerplate_run, ctx.form
    )
    countable = ~excl.excluded
    valid = (
        np.convolve((~countable).astype(np.int32), np.ones(k, np.int32), "valid") == 0
        if fp.n_tokens >= k
        else np.zeros(0, dtype=bool)
    )
    starts = fp.spans[:, 0] if fp.n_tokens else np.zeros(0, np.int64)
    sent_tok = [tuple(np.searchsorted(starts, [s.start, s.end]).tolist()) for s in essay.sentences]
    own = [i for i, (a, b) in enumerate(sent_tok) if b > a and countable[a:b].mean() >= 0.5]
    return Text(
        essay, fp, excl, countable, valid, sent_tok, np.asarray(own, int), is_ref,
        campaign=campaign, figures=_own_figures(essay.norm.text, fp, ctx.numbers),
    )  # fmt: skip


def texts(
    det: CopyDetector,
    essays: Sequence[Essay],
    resolution: str,
    references: Sequence[Essay],
    units: dict[str, str] | None = None,
) -> tuple[list[Text], Context]:
    """Stage 1: every essay and reference ready for comparison, and the batch's context.
    ``units``: each essay's unit, so that text shared inside one unit is not boilerplate."""
    k = det.shingle_size
    fps = [fingerprint(e, k) for e in essays]
    ref_fps = [fingerprint(r, k) for r in references]
    groups = [(units or {}).get(e.id) or e.unit.lower() or e.id for e in essays]
    ctx = context(det, fps, resolution, groups)
    out = [make_text(det, e, f, ctx, False) for e, f in zip(essays, fps, strict=True)]
    out += [make_text(det, r, f, ctx, True) for r, f in zip(references, ref_fps, strict=True)]
    return out, ctx


def own_words(t: Text, resolution_words: set[str]) -> set[str]:
    """Words of a text's own sentences that are not all resolution syllables."""
    words = set()
    for i in t.own_sentences:
        words.update(w for w in t.essay.sentences[i].words if is_word(w))
    return {w for w in words if not all(s in resolution_words for s in w.split())}


# "Rare" is 5% of the texts, but never more than this many: in a province-sized batch, or in an
# archive of them, a compound 500 writers use is no trace of one essay. Batches of up to 400
# texts are unaffected.
MAX_RARE = 20
# A figure more than this many texts hold (a year, "100%") is no fact either; no batch of up to
# this many texts is affected.
COMMON_FIGURE = 100


def rare_facts(words: set[str], df: dict[str, int], rare: int) -> set[str]:
    """Figures, and word compounds in at most ``rare`` texts."""
    return {
        w
        for w in words
        if (any(c.isdigit() for c in w) and df[w] <= COMMON_FIGURE) or (" " in w and df[w] <= rare)
    }


@dataclass(frozen=True)
class FactStats:
    """How many texts of the batch hold each word, and how few make a word rare."""

    df: dict[str, int]
    rare: int

    def facts(self, words: set[str]) -> set[str]:
        """The rare facts of a text from outside the batch (its own words count it once)."""
        df = {w: self.df.get(w, 0) + 1 for w in words}
        return rare_facts(words, df, self.rare)


def facts(texts: list[Text], resolution_words: set[str]) -> tuple[list[set[str]], FactStats]:
    """Rare words and figures of each text's own sentences (what a paraphrase keeps)."""
    own = [own_words(t, resolution_words) for t in texts]
    df: dict[str, int] = {}
    for words in own:
        for w in words:
            df[w] = df.get(w, 0) + 1
    rare = max(2, min(math.ceil(0.05 * len(texts)), MAX_RARE))
    return [rare_facts(ws, df, rare) for ws in own], FactStats(df, rare)


def _sentence_docs(t: Text) -> list[list[str]]:
    return [[w for w in s.words if is_word(w)] for s in t.essay.sentences]


def sentence_vectors(texts: list[Text]) -> TfidfVectorizer | None:
    """TF-IDF of every sentence (rare words weigh most); each text keeps its own rows. Returns
    the vectorizer, for texts compared with the batch later (archived essays)."""
    docs, offsets = [], []
    for t in texts:
        offsets.append(len(docs))
        docs.extend(_sentence_docs(t))
    if not docs:
        return None
    vec = TfidfVectorizer(analyzer=segmented, sublinear_tf=True, max_df=0.2, min_df=1)
    try:
        vectors = vec.fit_transform(docs).tocsr()
    except ValueError:  # every word too frequent: nothing to compare
        return None
    for t, offset in zip(texts, offsets, strict=True):
        t.own_vectors = vectors[offset + t.own_sentences]
    return vec


def add_vectors(vec: TfidfVectorizer | None, texts: list[Text]) -> None:
    """Sentence vectors of texts from outside the batch, in the batch's vocabulary (one
    ``transform`` for all: each call has a fixed cost)."""
    docs, offsets = [], []
    for t in texts:
        offsets.append(len(docs))
        docs.extend(_sentence_docs(t))
    if vec is None or not docs:
        return
    vectors = vec.transform(docs).tocsr()
    for t, offset in zip(texts, offsets, strict=True):
        t.own_vectors = vectors[offset + t.own_sentences]


def _paraphrase(det: CopyDetector, a: Text, b: Text) -> list[tuple[int, int, float]]:
    if a.own_vectors is None or b.own_vectors is None or not a.own_vectors.shape[1]:
        return []
    sim = (a.own_vectors @ b.own_vectors.T).toarray()
    chain = monotone_chain(sim, det.paraphrase_similarity)
    shorter = min(len(a.own_sentences), len(b.own_sentences))
    if len(chain) < det.paraphrase_min_sentences or len(chain) < (
        det.paraphrase_min_share * shorter
    ):
        return []
    return [(int(a.own_sentences[i]), int(b.own_sentences[j]), s) for i, j, s in chain]


def worth_verifying(det: CopyDetector, n_common: int, shared_facts: int) -> bool:
    """The cheap bound that most candidates fail: too few shared shingles and facts."""
    k = det.shingle_size
    shared_words = n_common + k if n_common else 0
    _, floor_words = floors(det.threshold, det.min_match_words)
    return shared_words >= floor_words or shared_facts >= det.paraphrase_min_sentences


def verify(det: CopyDetector, a: Text, b: Text, shared_facts: int) -> tuple[Match, int, int] | None:
    k = det.shingle_size
    # Cheap bounds first: most candidates share a few stock shingles and no facts.
    n_common = len(np.intersect1d(a.shingles, b.shingles, assume_unique=True))
    maybe_paraphrase = shared_facts >= det.paraphrase_min_sentences
    shared_words = n_common + k if n_common else 0
    floor_score, floor_words = floors(det.threshold, det.min_match_words)
    if not worth_verifying(det, n_common, shared_facts):
        return None
    tps = (
        align(a.fp, b.fp, a.valid, b.valid, k, det.max_gap, det.min_passage_words)
        if n_common
        else []
    )
    mask_a = covered(tps, a.fp.n_tokens, "a") & a.countable
    mask_b = covered(tps, b.fp.n_tokens, "b") & b.countable
    sentence_pairs = _paraphrase(det, a, b) if maybe_paraphrase else []
    para: list[TokenPassage] = []
    for i, j, _ in sentence_pairs:
        (a0, a1), (b0, b1) = a.sentence_tokens[i], b.sentence_tokens[j]
        if a1 - a0 < det.min_passage_words or b1 - b0 < det.min_passage_words:
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
    if matched < _FACTLESS_MIN_WORDS and not _figures(a, mask_a):
        return None  # formulas, slogans and quotations shared, nothing of a writer's own
    method = "shingle" if tps else "paraphrase"
    if tps and para:
        method = "shingle+paraphrase"
    passages = [_passage(a, b, p, "shingle") for p in tps] + [
        _passage(a, b, p, "paraphrase") for p in para
    ]
    passages.sort(key=lambda p: p.a_start)
    kind = "essay"
    if b.is_reference:
        kind = "archive" if b.campaign else "reference"
    match = Match(
        a=a.essay.id,
        b=b.essay.id,
        kind=kind,
        coverage_a=round(float(cov_a), 4),
        coverage_b=round(float(cov_b), 4),
        score=round(float(score), 4),
        method=method,
        passages=tuple(passages),
        campaign=b.campaign,
    )
    # The shared-shingle bound says nothing about a paraphrase: only its matched words count.
    return match, matched, matched if maybe_paraphrase else shared_words


def _passage(a: Text, b: Text, p: TokenPassage, method: str) -> Passage:
    def span(t: Text, lo: int, hi: int) -> tuple[int, int]:
        return t.essay.original_span(int(t.fp.spans[lo, 0]), int(t.fp.spans[hi - 1, 1]))

    a0, a1 = span(a, p.a_start, p.a_end)
    b0, b1 = span(b, p.b_start, p.b_end)
    return Passage(a0, a1, b0, b1, p.a_end - p.a_start, method)


@dataclass(frozen=True)
class PairState:
    """What verifying a pair reads (shared with forked workers, never copied)."""

    detector: CopyDetector
    texts: list[Text]
    facts: list[set[str]]
    unit_of: dict[str, str]
    unit_facts: dict[str, Counter[str]]


def check_pair_item(state: PairState, pair: tuple[int, int]) -> VerifiedPair | None:
    """:func:`check_pair` as ``map_shared`` calls it."""
    return check_pair(state, *pair)


def check_pair(state: PairState, i: int, j: int) -> VerifiedPair | None:
    """Verify one candidate pair and gather its evidence of direction."""
    texts, facts = state.texts, state.facts
    a, b = (i, j) if not texts[i].is_reference else (j, i)
    shared = facts[a] & facts[b]
    verified = verify(state.detector, texts[a], texts[b], len(shared))
    if verified is None:
        return None
    match, matched_words, shared_words = verified
    if texts[b].campaign:
        who = archive_attribution(texts[a].essay, texts[b].essay, texts[b].campaign)
    elif texts[b].is_reference:
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
        side: tuple(runs(_side_mask(texts[n], match, side))) for n, side in ((a, "a"), (b, "b"))
    } | {
        f"{side}_facts": tuple(runs(_fact_mask(texts[n], shared)))
        for n, side in ((a, "a"), (b, "b"))
    }
    match = replace(match, source=who.source, reason=who.reason, confidence=who.confidence)
    return VerifiedPair(a, b, match, matched_words, shared_words, side_runs)


def archive_attribution(essay: Essay, archived: Essay, campaign: str) -> Attribution:
    """An essay of an earlier campaign is the source; the reason tells a writer reusing their
    own essay from someone handing in another writer's."""
    from .normalize import fold

    mine, theirs = fold(essay.author), fold(archived.author)
    where = f"bài {archived.id} của đợt '{campaign}' trong kho bài"
    if mine and mine == theirs:
        reason = (
            f"Người viết dùng lại bài của chính mình: {where} cùng người viết ({archived.author})."
        )
    elif mine and theirs:
        reason = (
            f"Nộp bài của người khác: {where} do {archived.author}"
            + (f" ({archived.unit})" if archived.unit else "")
            + f" viết, không phải {essay.author}."
        )
    else:
        reason = f"Trùng với {where}; không rõ tên người viết để biết có phải bài của chính mình."
    return Attribution(archived.id, reason, HIGH)


def basis(t: Text) -> TextBasis:
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
        t.campaign,
    )


def _fact_mask(t: Text, shared_facts: set[str]) -> np.ndarray:
    """Countable tokens of the own sentences that hold one of ``shared_facts``."""
    mask = np.zeros(t.fp.n_tokens, dtype=bool)
    for i in t.own_sentences if shared_facts else ():
        if shared_facts.intersection(t.essay.sentences[i].words):
            lo, hi = t.sentence_tokens[i]
            mask[lo:hi] = True
    return mask & t.countable


def _side_mask(t: Text, match: Match, side: str) -> np.ndarray:
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
