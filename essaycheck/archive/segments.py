"""The embedded archive's index storage: datasketch band tables kept in ``.npy`` segment files.

A :class:`~essaycheck.candidates.CandidateIndex` is datasketch's ``MinHashLSH``; here its band
tables are :class:`SegmentTable` views on a :class:`SegmentStore` (datasketch builds storage by
``type`` only, so they are attached after construction). Every added batch writes one immutable
segment: per band table, the band hashes (the index's 8-byte band digests, as integers) sorted,
with the essay number and window of each entry. A look-up is a binary search in each segment,
for a whole batch of queries at once, on memory-mapped arrays: memory stays small whatever the
archive's size. Removing a campaign deletes its segments; nothing is rewritten.

Files are plain ``.npy`` read with ``allow_pickle=False``.
"""

from __future__ import annotations

import mmap
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from datasketch import MinHashLSH
from datasketch.storage import OrderedStorage, UnorderedStorage

from ..candidates import text_key, window_key, window_of
from ..private import FILE_MODE, private_dir

_ARRAYS = ("offsets", "h", "n", "w")


def band_hash(digest: bytes) -> int:
    """The index's band digest (:func:`~essaycheck.candidates.band_digest`) as stored."""
    return int.from_bytes(digest, "little")


class Segment:
    """One written segment, memory-mapped: ``offsets[t]:offsets[t+1]`` are table ``t``'s rows,
    sorted by ``h``; ``n`` the essay number, ``w`` the window (-1: whole text or facts)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        arrays = {
            a: np.load(folder / f"{a}.npy", mmap_mode="r", allow_pickle=False) for a in _ARRAYS
        }
        self.offsets, self.h, self.n, self.w = (arrays[a] for a in _ARRAYS)

    def release(self) -> None:
        """Unmap the pages read so far: they stay in the OS page cache (the next look-up maps
        them again without reading the disk), so the check holds one table's slice of one
        segment at a time, not the whole index, whatever the archive's size."""
        for arr in (self.h, self.n, self.w):
            mapped = getattr(arr, "_mmap", None)  # numpy.memmap's mapping (none if empty)
            if mapped is not None and hasattr(mmap, "MADV_DONTNEED"):
                mapped.madvise(mmap.MADV_DONTNEED)

    def lookup(self, table: int, queries: np.ndarray) -> list[tuple[int, list[bytes]]]:
        """(query position, keys) for each query with entries in ``table``; ``queries``
        sorted (numpy's binary search then starts each from the last one's place)."""
        if table + 1 >= len(self.offsets):
            return []
        lo, hi = int(self.offsets[table]), int(self.offsets[table + 1])
        if lo == hi:
            return []
        h = self.h[lo:hi]
        left = np.searchsorted(h, queries, "left")
        found = np.nonzero(left < len(h))[0]
        found = found[h[left[found]] == queries[found]]  # most queries are in no bucket
        right = np.searchsorted(h, queries[found], "right")
        out = []
        for q, a, b in zip(found.tolist(), left[found].tolist(), right.tolist(), strict=True):
            rows = slice(lo + a, lo + b)
            keys = [
                window_key(n, w) if w >= 0 else text_key(n)
                for n, w in zip(self.n[rows].tolist(), self.w[rows].tolist(), strict=True)
            ]
            out.append((q, keys))
        return out


Row = tuple[int, int, int, int]  # table, band hash, essay number, window (-1: none)


def write_segment(folder: Path, n_tables: int, rows: list[Row]) -> None:
    """Write ``rows`` as a segment in the new folder ``folder``."""
    t, h, n, w = (
        np.fromiter((r[i] for r in rows), dtype=d, count=len(rows))
        for i, d in enumerate((np.int32, np.uint64, np.int64, np.int32))
    )
    order = np.lexsort((h, t))
    offsets = np.searchsorted(t[order], np.arange(n_tables + 1), "left").astype(np.int64)
    arrays = {"offsets": offsets, "h": h[order], "n": n[order], "w": w[order]}
    for name, arr in arrays.items():
        path = folder / f"{name}.npy"
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
        with os.fdopen(fd, "wb") as out:
            np.save(out, arr, allow_pickle=False)
            out.flush()
            os.fsync(out.fileno())


class SegmentStore:
    """The segments of one archive, and the rows of the segment being written."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tables: dict[bytes, int] = {}  # datasketch table name -> table number
        self.pending: list[Row] = []
        self._open: dict[str, Segment] = {}
        self.names: list[str] = []  # the segments to read (set from the archive's database)

    def table(self, name: bytes) -> int:
        return self.tables.setdefault(name, len(self.tables))

    def use(self, names: Sequence[str]) -> None:
        """Read these segments (the committed ones) from now on."""
        self.names = list(names)
        self._open = {k: v for k, v in self._open.items() if k in self.names}

    def _segment(self, name: str) -> Segment | None:
        if name not in self._open:
            try:
                self._open[name] = Segment(self.root / name)
            except FileNotFoundError:  # removed by another reviewer since the list was read
                return None
        return self._open[name]

    def lookup(self, table: int, bands: Sequence[bytes]) -> list[set[bytes]]:
        queries = np.fromiter((band_hash(b) for b in bands), dtype=np.uint64, count=len(bands))
        order = np.argsort(queries)
        queries = queries[order]
        out: list[set[bytes]] = [set() for _ in bands]
        for name in self.names:
            segment = self._segment(name)
            if segment is None:
                continue
            for q, keys in segment.lookup(table, queries):
                out[order[q]].update(keys)
            segment.release()
        return out

    def flush(self) -> str | None:
        """Write the pending rows as a new segment; its name (None if there were none)."""
        if not self.pending:
            return None
        private_dir(self.root)
        tmp = Path(tempfile.mkdtemp(prefix=".seg-", dir=self.root))  # 0700
        try:
            write_segment(tmp, len(self.tables), self.pending)
            name = "seg-" + tmp.name.removeprefix(".seg-")
            tmp.rename(self.root / name)  # whole segments only
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self.pending = []
        return name

    def delete(self, name: str) -> None:
        self._open.pop(name, None)
        shutil.rmtree(self.root / name, ignore_errors=True)

    def attach(self, kind: str, lsh: MinHashLSH) -> None:
        """Replace ``lsh``'s band tables and key table by views on this store."""
        lsh.hashtables = [
            SegmentTable(self, self.table(f"{kind}_{i}".encode()), kind == "window")
            for i in range(lsh.b)
        ]
        lsh.keys = NoKeys()


class SegmentTable(UnorderedStorage):
    """One band table of one index: datasketch's storage interface on a :class:`SegmentStore`.
    Inserts are collected for the next segment; removal is by whole segments."""

    def __init__(self, store: SegmentStore, table: int, windows: bool) -> None:
        self.store = store
        self.t = table
        self.windows = windows

    def get(self, key: bytes) -> set[bytes]:
        return self.store.lookup(self.t, [key])[0]

    def getmany(self, *keys: bytes) -> list[set[bytes]]:
        return self.store.lookup(self.t, keys)

    def insert(self, key: bytes, *vals: bytes, **kwargs: Any) -> None:
        h = band_hash(key)
        for v in vals:
            n, w = window_of(v) if self.windows else (int(v), -1)
            self.store.pending.append((self.t, h, n, w))

    def remove(self, *keys: Any, **kwargs: Any) -> None:
        raise NotImplementedError("segments are removed whole, with their campaign")

    def remove_val(self, key: Any, val: Any, **kwargs: Any) -> None:
        raise NotImplementedError("segments are removed whole, with their campaign")

    def keys(self) -> list[bytes]:
        raise NotImplementedError("segment tables are not listed")

    def size(self) -> int:
        raise NotImplementedError("segment tables are not counted")

    def itemcounts(self, **kwargs: Any) -> dict:
        raise NotImplementedError("segment tables are not counted")

    def has_key(self, key: bytes) -> bool:
        return bool(self.get(key))


class NoKeys(OrderedStorage):
    """datasketch's key table (key -> band hashes, used to remove one key): not kept, since a
    campaign's essays are removed with their segments."""

    def keys(self) -> list[bytes]:
        return []

    def get(self, key: Any) -> list[bytes]:
        return []

    def insert(self, key: Any, *vals: Any, **kwargs: Any) -> None:
        pass

    def remove(self, *keys: Any, **kwargs: Any) -> None:
        pass

    def remove_val(self, key: Any, val: Any, **kwargs: Any) -> None:
        pass

    def size(self) -> int:
        return 0

    def itemcounts(self, **kwargs: Any) -> dict:
        return {}

    def has_key(self, key: Any) -> bool:
        return False
