"""What must not count as copying: resolution quotes, shared boilerplate, stock phrases.

Boilerplate is learned from the batch itself, as MOSS does with ``-m``: a shingle found in many
essays is a stock phrase. A long run of such shingles is a shared template, not a stock phrase, so
only short runs are excluded, unless a large share of the batch shares it: then it is the
campaign's form (its questions), never copying. The resolution's own text is excluded however
long the quote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import numpy as np

from .fingerprint import Fingerprint, fingerprint_text


@dataclass(frozen=True)
class Exclusions:
    """Per-token masks of a fingerprint: resolution quotes and boilerplate."""

    quote: np.ndarray
    boilerplate: np.ndarray

    @property
    def excluded(self) -> np.ndarray:
        return self.quote | self.boilerplate


def cover(hits: np.ndarray, n_tokens: int, k: int) -> np.ndarray:
    """Token mask covered by the k-grams whose start positions are ``True`` in ``hits``."""
    if n_tokens == 0 or not hits.any():
        return np.zeros(n_tokens, dtype=bool)
    return np.convolve(hits.astype(np.int32), np.ones(k, dtype=np.int32))[:n_tokens] > 0


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, end)`` of each run of ``True`` in a boolean array."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def frequent_shingles(
    fingerprints: list[Fingerprint], min_docs: int, groups: Sequence[str] | None = None
) -> np.ndarray:
    """Sorted hashes of the shingles found in at least ``min_docs`` of the fingerprints and,
    given the writers' ``groups`` (units), in at least two of them: text shared only inside one
    unit is that unit's (a ring of copies in one cell), not the genre's."""
    if not fingerprints:
        return np.zeros(0, dtype=np.uint64)
    per_doc = [np.unique(fp.hashes) for fp in fingerprints]
    values, counts = np.unique(np.concatenate(per_doc), return_counts=True)
    frequent = values[counts >= min_docs]
    if groups is None or len(set(groups)) < 2 or not len(frequent):
        return frequent
    # the first group seen for each frequent shingle, and whether any other group holds it
    codes = {g: n for n, g in enumerate(dict.fromkeys(groups))}
    first = np.full(len(frequent), -1)
    spread = np.zeros(len(frequent), dtype=bool)
    for hashes, group in zip(per_doc, groups, strict=True):
        at = np.searchsorted(frequent, hashes)
        hit = at < len(frequent)
        hit[hit] = frequent[at[hit]] == hashes[hit]
        idx = at[hit]
        code = codes[group]
        spread[idx] |= (first[idx] >= 0) & (first[idx] != code)
        first[idx] = np.where(first[idx] < 0, code, first[idx])
    return frequent[spread]


@lru_cache(maxsize=4)
def genre_hashes(k: int) -> np.ndarray:
    """Sorted hashes of the k-syllable shingles inside the genre's learned formulas
    (``genre_phrases.txt``, learned across campaigns by ``scripts/learn_genre_phrases.py``)."""
    text = files("essaycheck").joinpath("genre_phrases.txt").read_text(encoding="utf-8")
    phrases = [ln for ln in text.splitlines() if ln.strip() and ln[0] != "#"]
    hashes = [fingerprint_text(p, k).hashes for p in phrases]
    return np.unique(np.concatenate(hashes)) if hashes else np.zeros(0, np.uint64)


@lru_cache(maxsize=1)
def _stock_pattern() -> re.Pattern[str]:
    text = files("essaycheck").joinpath("stock_phrases.txt").read_text(encoding="utf-8")
    phrases = [ln.strip().lower() for ln in text.splitlines() if ln.strip() and ln[0] != "#"]
    parts = [r"\W+".join(map(re.escape, p.split())) for p in phrases]
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


def stock_phrase_mask(fp: Fingerprint, text: str) -> np.ndarray:
    """Tokens inside one of the built-in stock phrases ("nhận thức sâu sắc", ...)."""
    mask = np.zeros(fp.n_tokens, dtype=bool)
    if not fp.n_tokens:
        return mask
    starts = fp.spans[:, 0]
    for m in _stock_pattern().finditer(text.lower()):
        lo, hi = np.searchsorted(starts, [m.start(), m.end()])
        mask[lo:hi] = True
    return mask


def exclusions(
    fp: Fingerprint,
    text: str,
    k: int,
    quote_hashes: np.ndarray,
    frequent: np.ndarray,
    max_boilerplate_run: int,
    form: np.ndarray | None = None,
) -> Exclusions:
    """Masks for one fingerprint; ``text`` is the normalised text its spans point into.

    ``form``: shingles so many essays share that they are the campaign's own form (the
    questions set for a question-and-answer campaign), boilerplate however long the run."""
    quote = cover(np.isin(fp.hashes, quote_hashes), fp.n_tokens, k)
    # A figure is a fact, never a stock phrase: shingles holding a number stay countable.
    with_digit = np.zeros(len(fp.hashes), dtype=bool)
    if len(fp.digits) >= k:  # a text shorter than one shingle has no shingles to mask
        with_digit = np.convolve(fp.digits.astype(np.int32), np.ones(k, np.int32), "valid") > 0
    common = cover(np.isin(fp.hashes, frequent) & ~with_digit[: len(fp.hashes)], fp.n_tokens, k)
    boiler = stock_phrase_mask(fp, text)
    # the genre's formulas, however long the run: writers of other campaigns all use them
    boiler |= cover(
        np.isin(fp.hashes, genre_hashes(k)) & ~with_digit[: len(fp.hashes)], fp.n_tokens, k
    )
    for a, b in runs(common):
        if b - a <= max_boilerplate_run:
            boiler[a:b] = True
    if form is not None and len(form):
        boiler |= cover(np.isin(fp.hashes, form) & ~with_digit[: len(fp.hashes)], fp.n_tokens, k)
    return Exclusions(quote=quote, boilerplate=boiler & ~quote)
