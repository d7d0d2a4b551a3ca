"""Stage 2 of copy detection: candidate pairs from a MinHash LSH index.

Three indexes (datasketch ``MinHashLSH``), each a sketch of what a copy keeps:

- ``full``: a text's own shingles (quotes and boilerplate left out), whole;
- ``window``: windows of ``window`` shingles, half overlapping, so that a copied section inside a
  longer essay is still found (a pair needs ``min_window_hits`` similar windows);
- ``fact``: the rare words and figures of its own sentences (a paraphrase keeps them).

:class:`CandidateIndex` is the one index of the library: a batch fills one in memory (datasketch's
dict storage) and queries it with its own texts; an archive keeps one in Redis (datasketch's Redis
storage) or in segment files (:mod:`essaycheck.archive.segments`) and is queried with the texts
of a new batch. Keys are decimal integers as bytes (``b"12"`` for text 12, ``b"12582915"`` =
12 × 2²⁰ + 3 for its fourth window), never pickled; band hashes are 8-byte digests. Both keep a
Redis archive small: Redis stores a set of integers as a compact intset, and every bucket's name
and its entry in the band table carry the band hash.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from hashlib import blake2b
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

from .fingerprint import minhash, token_hash

KINDS = ("full", "window", "fact")
MIN_FACTS = 3  # fewer rare facts than this say nothing about a paraphrase
WINDOW_SPAN = 1 << 20  # window keys are text × span + window: a text has fewer windows
_QUERY_CHUNK = 2000  # sketches looked up together (one Redis pipeline per band and chunk)


@dataclass(frozen=True)
class IndexParams:
    """The settings that shape sketches and index bands (see :class:`~.detect.CopyDetector`)."""

    num_perm: int = 128
    lsh_threshold: float = 0.2
    window: int = 60
    window_threshold: float = 0.4
    min_window_hits: int = 2
    fact_threshold: float = 0.2

    @classmethod
    def of(cls, detector: Any) -> IndexParams:
        """The index settings of an estimator holding them as parameters."""
        return cls(**{f: getattr(detector, f) for f in cls.__dataclass_fields__})

    @property
    def window_perm(self) -> int:
        # Windows are many: half the permutations keep their index small.
        return max(16, self.num_perm // 2)

    def lsh_settings(self) -> dict[str, tuple[float, int]]:
        """(threshold, permutations) of each index."""
        return {
            "full": (self.lsh_threshold, self.num_perm),
            "window": (self.window_threshold, self.window_perm),
            "fact": (self.fact_threshold, self.num_perm),
        }


@dataclass
class Sketches:
    """The MinHash sketches of one text: whole, per window, and of its rare facts."""

    full: MinHash | None = None
    windows: list[MinHash] = field(default_factory=list)
    fact: MinHash | None = None


def sketch(own: np.ndarray, facts: Iterable[str], params: IndexParams) -> Sketches:
    """Sketches of a text from its own shingle hashes (in text order) and its rare facts."""
    out = Sketches()
    if len(own):
        out.full = minhash(own, params.num_perm)
    step = max(1, params.window // 2)
    for start in range(0, min(max(1, len(own) - step), WINDOW_SPAN * step), step):
        chunk = own[start : start + params.window]
        if len(chunk) >= params.window // 2:
            out.windows.append(minhash(chunk, params.window_perm))
    facts = list(facts)
    if len(facts) >= MIN_FACTS:
        out.fact = minhash([token_hash(f) for f in facts], params.num_perm)
    return out


def text_key(n: int) -> bytes:
    return str(n).encode()


def window_key(n: int, w: int) -> bytes:
    return str(n * WINDOW_SPAN + w).encode()


def window_of(key: bytes) -> tuple[int, int]:
    """(text number, window) of a window key."""
    return divmod(int(key), WINDOW_SPAN)


def band_digest(band: bytes) -> bytes:
    """datasketch's band bytes (``r`` 32-bit values) as an 8-byte digest: the band hash every
    storage keys its buckets by (collisions: ~1 in 2⁶⁴ per pair of bands)."""
    return blake2b(band, digest_size=8).digest()


@dataclass
class Hits:
    """What an index holds that is like one text: texts by whole body or facts, and for each
    other text how many (own window, other window) pairs are alike."""

    texts: set[int] = field(default_factory=set)
    windows: Counter[int] = field(default_factory=Counter)

    def candidates(self, min_window_hits: int) -> set[int]:
        # One shared window is one shared sentence or two; a copy worth verifying shares more.
        return self.texts | {n for n, c in self.windows.items() if c >= min_window_hits}


TableFactory = Callable[[str, MinHashLSH], None]


class CandidateIndex:
    """MinHash LSH over whole texts, windows and facts, on any datasketch storage.

    ``storage_config`` is datasketch's (``{"type": "dict"}`` for memory, ``{"type": "redis",
    "redis": {...}, "basename": b"..."}``); ``attach`` (optional) replaces each index's band
    tables and key table after construction, for storage that datasketch cannot build itself
    (the embedded archive's segment files): datasketch picks storage by ``type`` only.
    """

    def __init__(
        self,
        params: IndexParams,
        storage_config: dict[str, Any] | None = None,
        attach: TableFactory | None = None,
    ) -> None:
        self.params = params
        config = storage_config or {"type": "dict"}
        base = config.get("basename", b"")
        self.lsh: dict[str, MinHashLSH] = {}
        for kind, (threshold, perm) in params.lsh_settings().items():
            # Two letters of the kind: Redis repeats the name in every bucket's key and entry.
            cfg = {**config, "basename": base + kind[:2].encode()} if base else config
            # Keys are bytes, never pickled (a pickle read back from a shared Redis runs code).
            self.lsh[kind] = MinHashLSH(
                threshold=threshold,
                num_perm=perm,
                storage_config=cfg,
                prepickle=False,
                hashfunc=band_digest,
            )
            if attach is not None:
                attach(kind, self.lsh[kind])

    # -- filling -------------------------------------------------------------------------------
    def entries(self, items: Iterable[tuple[int, Sketches]]) -> Iterator[tuple[str, bytes, Any]]:
        """(index kind, key, sketch) of each sketch of these texts."""
        for n, s in items:
            if s.full is not None:
                yield "full", text_key(n), s.full
            for w, m in enumerate(s.windows):
                yield "window", window_key(n, w), m
            if s.fact is not None:
                yield "fact", text_key(n), s.fact

    def insert(self, items: Iterable[tuple[int, Sketches]], buffer_size: int = 50000) -> None:
        """Add texts (number, sketches); buffered, so Redis gets pipelines, not round trips."""
        with ExitStack() as stack:
            sessions = {
                kind: stack.enter_context(lsh.insertion_session(buffer_size))
                for kind, lsh in self.lsh.items()
            }
            for kind, key, m in self.entries(items):
                # Keys are new numbers: the duplicate check would cost a look-up each.
                sessions[kind].insert(key, m, check_duplication=False)

    # -- looking up ----------------------------------------------------------------------------
    def _lookup(self, kind: str, sketches: Sequence[MinHash]) -> list[set[bytes]]:
        """The keys sharing a band with each sketch (``MinHashLSH.query`` for many at once:
        one ``getmany`` per band, which Redis storage runs as one pipeline)."""
        lsh = self.lsh[kind]
        out: list[set[bytes]] = [set() for _ in sketches]
        for lo in range(0, len(sketches), _QUERY_CHUNK):
            chunk = sketches[lo : lo + _QUERY_CHUNK]
            for (start, end), table in zip(lsh.hashranges, lsh.hashtables, strict=True):
                bands = [lsh._H(m.hashvalues[start:end]) for m in chunk]
                for found, keys in zip(
                    out[lo : lo + len(chunk)], table.getmany(*bands), strict=True
                ):
                    found.update(keys)
        return out

    def query(self, sketches: Sequence[Sketches]) -> list[Hits]:
        """For each text's sketches, what the index holds that is like it."""
        hits = [Hits() for _ in sketches]
        for kind in ("full", "fact"):
            where = [i for i, s in enumerate(sketches) if getattr(s, kind) is not None]
            found = self._lookup(kind, [getattr(sketches[i], kind) for i in where])
            for i, keys in zip(where, found, strict=True):
                hits[i].texts.update(int(k) for k in keys)
        owner = [i for i, s in enumerate(sketches) for _ in s.windows]
        found = self._lookup("window", [m for s in sketches for m in s.windows])
        for i, keys in zip(owner, found, strict=True):
            hits[i].windows.update(window_of(k)[0] for k in keys)
        return hits


def batch_pairs(
    sketches: Sequence[Sketches], skip: Callable[[int, int], bool], params: IndexParams
) -> set[tuple[int, int]]:
    """Candidate pairs ``(i, j)``, ``i < j``, within one batch of texts (numbered by position);
    ``skip(i, j)`` leaves out pairs not worth comparing (two references)."""
    index = CandidateIndex(params)
    index.insert(enumerate(sketches))
    pairs: set[tuple[int, int]] = set()
    for idx, hits in enumerate(index.query(sketches)):
        for other in hits.texts:
            if other != idx and not skip(idx, other):
                pairs.add((min(idx, other), max(idx, other)))
        # Each window pair is seen from both sides: count it from the lower number only.
        for other, n in hits.windows.items():
            if idx < other and n >= params.min_window_hits and not skip(idx, other):
                pairs.add((idx, other))
    return pairs
