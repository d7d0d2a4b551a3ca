"""Shingle fingerprints of essay bodies: stable hashes of syllable k-grams, and MinHash sketches.

Hashes are stable across runs and processes (blake2b of each syllable, then a polynomial over the
k-gram), so sketches can be cached and compared between batches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from datasketch import MinHash

from .essay import Essay
from .tokenize import syllables

_MIX = np.uint64(0x9E3779B97F4A7C15)


@lru_cache(maxsize=1 << 20)
def token_hash(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")


def shingle_hashes(tokens: list[str], k: int) -> np.ndarray:
    """uint64 hash of the k-gram starting at each position (``len(tokens) - k + 1`` of them)."""
    if len(tokens) < k:
        return np.zeros(0, dtype=np.uint64)
    th = np.fromiter((token_hash(t) for t in tokens), dtype=np.uint64, count=len(tokens))
    out = np.zeros(len(tokens) - k + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            out = out * _MIX + th[j : len(th) - k + 1 + j]
    return out


@dataclass(frozen=True)
class Fingerprint:
    """A text's syllables as offsets (into ``norm.text``), which hold a digit, and the hashes of
    their k-grams (the syllables themselves are not kept: a batch has millions)."""

    id: str
    spans: np.ndarray  # (n_tokens, 2) int32
    digits: np.ndarray  # (n_tokens,) bool
    hashes: np.ndarray  # (n_tokens - k + 1,) uint64

    @property
    def n_tokens(self) -> int:
        return len(self.spans)


def fingerprint_text(text: str, k: int, id: str = "", offset: int = 0) -> Fingerprint:
    """Fingerprint a plain text (a resolution, a list of stock phrases); spans + ``offset``."""
    tokens, spans = syllables(text)
    digits = np.array([not t.isalpha() for t in tokens], dtype=bool)  # a figure or a code
    return Fingerprint(id, (spans + offset).astype(np.int32), digits, shingle_hashes(tokens, k))


def fingerprint(essay: Essay, k: int) -> Fingerprint:
    """Fingerprint the body of ``essay`` (header and closing left out)."""
    start, end = essay.layout.body_start, essay.layout.body_end
    return fingerprint_text(essay.norm.text[start:end], k, essay.id, start)


@lru_cache(maxsize=8)
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    # Drawing the permutations is the costly part of a new MinHash: draw them once.
    return MinHash(num_perm=num_perm, hashfunc=int).permutations


def minhash(values: Iterable[int] | np.ndarray, num_perm: int) -> MinHash:
    """A datasketch MinHash of a set of uint64 hashes (already hashed: their low 32 bits are
    used as they are, as plain ints, so datasketch's per-value hash call is a cheap ``int``)."""
    m = MinHash(
        num_perm=num_perm, hashfunc=int, permutations=_permutations(num_perm), scheme="affine32"
    )
    arr = np.asarray(list(values) if isinstance(values, set) else values, np.uint64)
    if len(arr):
        m.update_batch(np.unique(arr & np.uint64(0xFFFFFFFF)).tolist())
    return m
