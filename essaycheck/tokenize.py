"""Sentence splitting, syllable tokens and underthesea word segmentation (cached, parallel).

Word segmentation is the slowest stage of a check, so results are cached by content hash in a
small SQLite file: a batch checked twice (say, with other thresholds) is segmented once. The file
is 0600 in a 0700 folder; a damaged one is moved aside with a warning and started anew.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import numpy as np

from .private import UntrustedPath, touch_private, warn

T = TypeVar("T")
_SYLLABLE = re.compile(r"\w+")
_PARALLEL_MIN_TEXTS = 64


def syllables(text: str) -> tuple[list[str], np.ndarray]:
    """Lower-cased syllables (letters/digits runs) and their ``(start, end)`` offsets."""
    spans, toks = [], []
    for m in _SYLLABLE.finditer(text):
        toks.append(m.group().lower())
        spans.append(m.span())
    return toks, np.asarray(spans, dtype=np.int64).reshape(-1, 2)


@lru_cache(maxsize=1 << 18)
def is_word(token: str) -> bool:
    """Whether a segmented token holds a letter or digit (not punctuation)."""
    return any(c.isalnum() for c in token)


def segmented(words: list[str]) -> list[str]:
    """TF-IDF analyzer for sentences already segmented into words (a function, so it pickles)."""
    return words


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]``: every line is split by underthesea on its own."""
    from underthesea import sent_tokenize

    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for line in text[start:end].split("\n"):
        line_start, pos = pos, pos + len(line) + 1
        if not line.strip():
            continue
        cursor = line_start
        for sent in sent_tokenize(line):
            found = text.find(sent, cursor, line_start + len(line))
            if found < 0:  # underthesea changed the sentence: keep the rest of the line whole
                spans.append((cursor, line_start + len(line)))
                break
            spans.append((found, found + len(sent)))
            cursor = found + len(sent)
    return [s for s in spans if text[s[0] : s[1]].strip()]


def _segment(sentences: Sequence[str]) -> list[list[str]]:
    from underthesea import word_tokenize

    return [[w.lower() for w in word_tokenize(s)] for s in sentences]


def _key(sentences: Sequence[str]) -> str:
    return hashlib.blake2b("\x1e".join(sentences).encode(), digest_size=16).hexdigest()


def default_cache_path() -> Path:
    """``$ESSAYCHECK_CACHE`` or ``~/.cache/essaycheck/tokens.sqlite``."""
    env = os.environ.get("ESSAYCHECK_CACHE")
    if env:
        return Path(env)
    return Path.home() / ".cache" / "essaycheck" / "tokens.sqlite"


class TokenCache:
    """Content-hash cache of word segmentations, in SQLite (``path=None``: in memory only)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else None
        self._memory: dict[str, list[list[str]]] = {}

    def _connect(self) -> sqlite3.Connection:
        assert self.path is not None
        own = self.path.parent == default_cache_path().parent
        touch_private(self.path, own_dir=own)
        con = sqlite3.connect(self.path, timeout=30)
        con.execute("CREATE TABLE IF NOT EXISTS words (key TEXT PRIMARY KEY, value TEXT)")
        return con

    def _run(self, work: Callable[[sqlite3.Connection], T]) -> T | None:
        """``work(connection)``; a damaged file is moved aside (with a warning) and replaced by
        an empty one; an untrusted or unwritable file: the cache is kept in memory only."""
        for attempt in (1, 2):
            try:
                with closing(self._connect()) as con, con:
                    return work(con)
            except UntrustedPath as exc:
                warn(f"Không dùng bộ nhớ đệm tách từ vì tệp không an toàn: {exc}.")
            except sqlite3.DatabaseError as exc:
                if attempt == 1 and self._set_aside(exc):
                    continue
            except OSError:
                pass
            break
        self.path = None  # go on in memory: a check never fails for its cache
        return None

    def _set_aside(self, exc: BaseException) -> bool:
        assert self.path is not None
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            return False  # busy, not damaged
        aside = self.path.with_name(self.path.name + ".damaged")
        try:
            self.path.replace(aside)
        except OSError:
            return False
        warn(
            f"Bộ nhớ đệm tách từ '{self.path}' bị hỏng ({exc}) nên đã được chuyển sang "
            f"'{aside.name}' và tạo lại."
        )
        return True

    def get_many(self, keys: Sequence[str]) -> dict[str, list[list[str]]]:
        found = {k: self._memory[k] for k in keys if k in self._memory}
        missing = [k for k in keys if k not in found]
        if self.path is not None and missing:

            def read(con: sqlite3.Connection) -> dict[str, list[list[str]]]:
                rows: dict[str, list[list[str]]] = {}
                for i in range(0, len(missing), 500):
                    chunk = missing[i : i + 500]
                    marks = ",".join("?" * len(chunk))
                    sql = f"SELECT key, value FROM words WHERE key IN ({marks})"
                    for key, value in con.execute(sql, chunk):
                        words = _valid(value)
                        if words is not None:  # a tampered row is segmented again
                            rows[key] = _interned(words)
                return rows

            found.update(self._run(read) or {})
        return found

    def put_many(self, items: dict[str, list[list[str]]]) -> None:
        if self.path is not None and items:
            rows = [(k, json.dumps(v, ensure_ascii=False)) for k, v in items.items()]
            self._run(
                lambda con: con.executemany("INSERT OR REPLACE INTO words VALUES (?, ?)", rows)
            )
        if self.path is None:  # a file cache is read back when needed: no copy in memory
            self._memory.update(items)


def _valid(value: object) -> list[list[str]] | None:
    """A cached segmentation if it has the right shape (a list of lists of strings)."""
    try:
        words = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if not isinstance(words, list):
        return None
    for sentence in words:
        if not isinstance(sentence, list) or not all(isinstance(w, str) for w in sentence):
            return None
    return words


def segment_words(
    texts: Sequence[Sequence[str]], cache: TokenCache | None = None, n_jobs: int | None = None
) -> list[list[list[str]]]:
    """Word-segment each text (a list of sentences) with underthesea; lower-cased words.

    Cache misses are segmented on ``n_jobs`` processes (default: all cores) when there are
    enough of them to pay for starting the workers.
    """
    cache = cache or TokenCache(None)
    keys = [_key(t) for t in texts]
    found = cache.get_many(list(dict.fromkeys(keys)))
    todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
    if todo:
        jobs = n_jobs or os.cpu_count() or 1
        items = list(todo.items())
        if jobs > 1 and len(items) >= _PARALLEL_MIN_TEXTS:
            with ProcessPoolExecutor(jobs) as pool:
                results = list(pool.map(_segment, [t for _, t in items], chunksize=16))
        else:
            results = [_segment(t) for _, t in items]
        new = {k: _interned(r) for (k, _), r in zip(items, results, strict=True)}
        cache.put_many(new)
        found.update(new)
    return [found[k] for k in keys]


def _interned(sentences: list[list[str]]) -> list[list[str]]:
    # One string object per distinct word: a batch holds millions of words, few of them distinct.
    return [[sys.intern(w) for w in sentence] for sentence in sentences]
