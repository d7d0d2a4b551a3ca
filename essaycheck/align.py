"""Passage alignment between two fingerprints: seed, extend, filter (PAN text-alignment style).

Seeds are shingles the two texts share (outside excluded text). Seeds close to each other in
both texts are chained into passages, bridging small gaps of edited words (as WCopyfind does), and
passages shorter than a minimum are dropped. Reordered paragraphs come out as separate passages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .fingerprint import Fingerprint

_MAX_SEED_REPEATS = 4  # a shingle repeated more often than this inside one text seeds nothing


@dataclass(frozen=True)
class TokenPassage:
    """Aligned token ranges ``[a_start, a_end)`` and ``[b_start, b_end)`` and the seeds behind."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    seeds: int


def _positions(hashes: np.ndarray, valid: np.ndarray) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for pos in np.flatnonzero(valid):
        out.setdefault(int(hashes[pos]), []).append(int(pos))
    return out


def seeds(a: Fingerprint, b: Fingerprint, valid_a: np.ndarray, valid_b: np.ndarray) -> np.ndarray:
    """``(i, j)`` start positions of shingles shared by ``a`` and ``b`` (valid ones only)."""
    common = np.intersect1d(a.hashes[valid_a], b.hashes[valid_b])
    if not len(common):
        return np.zeros((0, 2), dtype=np.int64)
    pa = _positions(a.hashes, valid_a & np.isin(a.hashes, common))
    pb = _positions(b.hashes, valid_b & np.isin(b.hashes, common))
    pairs = [
        (i, j)
        for h, ia in pa.items()
        if len(ia) <= _MAX_SEED_REPEATS and len(pb.get(h, ())) <= _MAX_SEED_REPEATS
        for i in ia
        for j in pb[h]
    ]
    return np.asarray(sorted(pairs), dtype=np.int64).reshape(-1, 2)


def chain(pairs: np.ndarray, k: int, max_gap: int) -> list[TokenPassage]:
    """Chain seeds (sorted by ``i``) that follow each other within ``max_gap`` tokens in both."""
    open_: list[list[int]] = []  # [a_start, a_last, b_start, b_last, seeds]
    done: list[list[int]] = []
    for i, j in pairs.tolist():
        best = None
        for p in open_:
            di, dj = i - p[1], j - p[3]
            near = 0 < di <= max_gap + k and 0 < dj <= max_gap + k and abs(di - dj) <= max_gap
            if near and (best is None or abs(di - dj) < abs(i - best[1] - (j - best[3]))):
                best = p
        if best is None:
            open_.append([i, i, j, j, 1])
        else:
            best[1], best[3], best[4] = i, j, best[4] + 1
        # Passages that can no longer be extended are closed to keep the scan short.
        still = [p for p in open_ if i - p[1] <= max_gap + k]
        done.extend(p for p in open_ if i - p[1] > max_gap + k)
        open_ = still
    done.extend(open_)
    return [TokenPassage(p[0], p[1] + k, p[2], p[3] + k, p[4]) for p in done]


def align(
    a: Fingerprint,
    b: Fingerprint,
    valid_a: np.ndarray,
    valid_b: np.ndarray,
    k: int,
    max_gap: int,
    min_tokens: int,
) -> list[TokenPassage]:
    """Passages of at least ``min_tokens`` tokens in both texts, sorted by position in ``a``."""
    passages = chain(seeds(a, b, valid_a, valid_b), k, max_gap)
    kept = [
        p
        for p in passages
        if p.a_end - p.a_start >= min_tokens and p.b_end - p.b_start >= min_tokens
    ]
    return sorted(kept, key=lambda p: (p.a_start, p.b_start))


def covered(passages: list[TokenPassage], n_tokens: int, side: str) -> np.ndarray:
    """Token mask of one side (``"a"`` or ``"b"``) covered by the passages."""
    mask = np.zeros(n_tokens, dtype=bool)
    for p in passages:
        lo, hi = (p.a_start, p.a_end) if side == "a" else (p.b_start, p.b_end)
        mask[lo:hi] = True
    return mask
