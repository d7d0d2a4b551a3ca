"""The costly part of a check, kept on disk: a batch checked again with other thresholds only
redoes what the thresholds change.

What is kept, per batch (its documents, resolution, references, units and the detector settings
that shape candidates and verification): the detector's :class:`~essaycheck.detect.Analysis`,
the fitted :class:`~essaycheck.relevance.RelevanceScorer`, what the report says of each writer,
and each essay's relevance with the copy profile and settings it was scored with. A re-run
filters the verified pairs again and re-scores only essays whose profile or settings changed.
Files are ``.npz`` written by :mod:`.safe_state` (JSON and numeric arrays, read with
``allow_pickle=False``: a planted file cannot run code), in a folder of mode 0700 owned by the
user, files 0600; the newest few are kept. A damaged file is moved aside with a warning and the
batch analysed again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import safe_state
from .detect import Analysis, CopyDetector
from .documents import Document
from .matches import CopyProfile
from .private import UntrustedPath, private_dir, private_file, warn
from .relevance import RelevanceScore, RelevanceScorer
from .units import Unit

# Thresholds applied after the analysis: changing them does not change the cache key.
# (n_jobs changes no result)
_DECISION_PARAMS = ("threshold", "min_section_words", "min_match_words", "n_jobs")


@dataclass(frozen=True)
class Writer:
    """What the report says of an essay's writer, read from the prepared essay."""

    source: str
    author: str
    role: str
    unit: Unit
    n_words: int
    signature_mismatch: bool


@dataclass
class RunState:
    """Everything a re-run of one batch needs without preparing its essays again."""

    analysis: Analysis
    scorer: RelevanceScorer
    writers: dict[str, Writer]
    resolution_title: str
    scored: dict[str, tuple[CopyProfile, RelevanceScore]] = field(default_factory=dict)

    def cached_relevance(self, essay_id: str, profile: CopyProfile) -> RelevanceScore | None:
        """The relevance scored for this essay with this profile, by ``scorer`` as it is."""
        hit = self.scored.get(essay_id)
        return hit[1] if hit and hit[0] == profile else None

    def set_relevance_params(self, params: dict[str, Any]) -> None:
        """Set the scorer's settings; scores made with other settings are forgotten."""
        if self.scorer.get_params() != params:
            self.scorer.set_params(**params)
            self.scored.clear()


@lru_cache(maxsize=1)
def library_hash() -> str:
    """A hash of the library's own code (as first read by this process): a cache made by other
    code is not used, and benchmarks say which version they measured."""
    h = hashlib.blake2b(digest_size=6)
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()


def run_key(
    documents: Sequence[Document],
    resolution: str,
    references: Sequence[Document],
    units: Sequence[Unit],
    detector: CopyDetector,
    extra: str = "",
) -> str:
    """The content hash of a check's inputs, minus the thresholds applied after analysis;
    ``extra`` is anything else the analysis depends on (the state of an archive)."""
    h = hashlib.blake2b(digest_size=16)

    def add(*parts: object) -> None:
        for part in parts:
            h.update(str(part).encode("utf-8", "surrogatepass"))
            h.update(b"\x1f")

    params = detector.get_params()
    analysed = {k: v for k, v in sorted(params.items()) if k not in _DECISION_PARAMS}
    floors = CopyDetector.floors(detector.threshold, detector.min_match_words)
    add(library_hash(), analysed, floors, resolution, repr(list(units)), extra)
    for group in (documents, references):
        add(len(group))
        for d in group:
            add(d.id, d.source, d.text, sorted(d.meta.items()))
    return h.hexdigest()


SUFFIX = ".npz"
_writers: list[threading.Thread] = []  # saves still running in the background


class RunCache:
    """A folder of run states, one file per batch key, the newest ``keep`` kept.

    Saving runs in a background thread (the report is ready before its cache is written; the
    interpreter waits for the thread before it exits), and loading waits for pending saves.
    """

    def __init__(self, folder: str | Path, keep: int = 4) -> None:
        self.folder = Path(folder)
        self.keep = keep

    @staticmethod
    def wait() -> None:
        """Wait until every background save has been written."""
        while _writers:
            _writers.pop().join()

    def _folder(self) -> Path | None:
        """The cache folder, created 0700; None (with a warning) if another user owns it or may
        write to it: files there could have been planted."""
        try:
            return private_dir(self.folder)
        except UntrustedPath as exc:
            warn(f"Không dùng bộ nhớ đệm kết quả vì thư mục không an toàn: {exc}.")
        except OSError:
            pass
        return None

    def load(self, key: str) -> RunState | None:
        self.wait()
        folder = self._folder()
        if folder is None:
            return None
        path = folder / f"{key}{SUFFIX}"
        try:
            private_file(path)
            state = safe_state.load(path)
        except FileNotFoundError:
            return None
        except UntrustedPath as exc:
            warn(f"Bỏ qua tệp bộ nhớ đệm không an toàn: {exc}.")
            return None
        except (safe_state.StateFormatError, OSError, ValueError) as exc:
            self._set_aside(path, exc)
            return None
        if not isinstance(state, RunState):
            self._set_aside(path, TypeError(type(state).__name__))
            return None
        path.touch()  # recently used: kept longest
        return state

    @staticmethod
    def _set_aside(path: Path, exc: BaseException) -> None:
        """Move a damaged cache file aside (kept for a look, never read again) and say so."""
        aside = path.with_name(path.name + ".damaged")
        try:
            path.replace(aside)
        except OSError:
            path.unlink(missing_ok=True)
        warn(
            f"Tệp bộ nhớ đệm '{path.name}' bị hỏng ({type(exc).__name__}) nên đã được chuyển "
            f"sang '{aside.name}'; đợt này được phân tích lại từ đầu."
        )

    def save(self, key: str, state: RunState) -> None:
        """Write ``state`` under ``key`` in a background thread."""
        thread = threading.Thread(target=self._write, args=(key, state), name="essaycheck-save")
        thread.start()
        _writers.append(thread)

    def _write(self, key: str, state: RunState) -> None:
        tmp = None
        try:
            folder = private_dir(self.folder)
            fd, name = tempfile.mkstemp(suffix=".tmp", dir=folder)  # one per writer, 0600
            tmp = Path(name)
            with os.fdopen(fd, "wb") as out:
                safe_state.dump(state, out)
            tmp.replace(folder / f"{key}{SUFFIX}")  # whole files only
            old = sorted(folder.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime)
            for path in old[: -self.keep]:
                path.unlink(missing_ok=True)
            for path in folder.glob("*.joblib"):  # pickles of older versions: never loaded
                path.unlink(missing_ok=True)
        except (OSError, UntrustedPath, safe_state.StateFormatError):
            # A full disk, a read-only or untrusted folder, or an object the format does not
            # hold: the next run analyses again.
            if tmp is not None:
                tmp.unlink(missing_ok=True)
