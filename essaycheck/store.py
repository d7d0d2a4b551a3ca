"""Saved batches and reviewers' decisions, in one SQLite file.

The review UI saves every checked batch (its report, as ``report.to_dict``) and every decision a
reviewer takes on a flagged essay or pair, so that both survive a restart and past batches can be
reopened. Every write runs in its own transaction; a connection is opened per call, so one
:class:`Store` can be shared by the threads of a web app.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from .pipeline import Report
from .report import from_dict, to_dict

DECISIONS = ("confirm", "dismiss", "discuss")
DECISION_LABELS = {"confirm": "xác nhận", "dismiss": "bác bỏ", "discuss": "cần thảo luận"}
TARGET_KINDS = ("essay", "pair")
DECISION_COLUMNS = [
    "batch_id",
    "target_kind",
    "target_id",
    "decision",
    "decision_label",
    "comment",
    "reviewer",
    "time",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    name     TEXT NOT NULL,
    created  TEXT NOT NULL,
    essays   INTEGER NOT NULL DEFAULT 0,
    flagged  INTEGER NOT NULL DEFAULT 0,
    report   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS decisions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id    INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    target_kind TEXT NOT NULL CHECK (target_kind IN ('essay', 'pair')),
    target_id   TEXT NOT NULL,
    decision    TEXT NOT NULL CHECK (decision IN ('confirm', 'dismiss', 'discuss')),
    comment     TEXT NOT NULL DEFAULT '',
    reviewer    TEXT NOT NULL DEFAULT '',
    time        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_batch ON decisions (batch_id, target_kind, target_id);
"""


def default_db_path() -> Path:
    """``$ESSAYCHECK_DB`` or ``~/.local/share/essaycheck/essaycheck.sqlite``."""
    env = os.environ.get("ESSAYCHECK_DB")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".local" / "share" / "essaycheck" / "essaycheck.sqlite"


def pair_target(a: str, b: str) -> str:
    """The target id of a pair decision: both ids, sorted, so ``(a, b)`` and ``(b, a)`` agree."""
    x, y = sorted((a, b))
    return f"{x}|{y}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class BatchInfo:
    """A saved batch as listed (the report itself is loaded with :meth:`Store.load_batch`)."""

    id: int
    name: str
    created: str
    essays: int
    flagged: int


class Store:
    """SQLite store of batches and decisions at ``path`` (default: :func:`default_db_path`)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path).expanduser() if path else default_db_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._transaction() as con:
            con.executescript(_SCHEMA)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection whose work is committed on success and rolled back on an exception."""
        with closing(sqlite3.connect(self.path, timeout=30)) as con:
            con.execute("PRAGMA foreign_keys = ON")
            with con:
                yield con

    def save_batch(self, name: str, report: Report) -> int:
        """Save a checked batch; returns its id."""
        data = to_dict(report)
        summary = data["summary"]
        with self._transaction() as con:
            cur = con.execute(
                "INSERT INTO batches (name, created, essays, flagged, report)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    name,
                    _now(),
                    summary["essays"],
                    summary["flagged"],
                    json.dumps(data, ensure_ascii=False),
                ),
            )
            return int(cur.lastrowid or 0)

    def list_batches(self) -> list[BatchInfo]:
        """Saved batches, newest first."""
        with self._transaction() as con:
            rows = con.execute(
                "SELECT id, name, created, essays, flagged FROM batches ORDER BY id DESC"
            ).fetchall()
        return [BatchInfo(*row) for row in rows]

    def load_batch(self, batch_id: int) -> Report:
        """The report of a saved batch; ``KeyError`` if there is no such batch."""
        with self._transaction() as con:
            row = con.execute("SELECT report FROM batches WHERE id = ?", (batch_id,)).fetchone()
        if row is None:
            raise KeyError(batch_id)
        return from_dict(json.loads(row[0]))

    def rename_batch(self, batch_id: int, name: str) -> None:
        with self._transaction() as con:
            con.execute("UPDATE batches SET name = ? WHERE id = ?", (name, batch_id))

    def delete_batch(self, batch_id: int) -> None:
        """Delete a batch and its decisions."""
        with self._transaction() as con:
            con.execute("DELETE FROM batches WHERE id = ?", (batch_id,))

    def record_decision(
        self,
        batch_id: int,
        target_kind: str,
        target_id: str,
        decision: str,
        comment: str = "",
        reviewer: str = "",
    ) -> None:
        """Record a reviewer's decision on an essay or a pair (see :func:`pair_target`).

        Decisions are kept as a history; the latest one per target is the one in force.
        """
        if target_kind not in TARGET_KINDS:
            raise ValueError(f"target_kind must be one of {TARGET_KINDS}, not {target_kind!r}")
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
        with self._transaction() as con:
            con.execute(
                "INSERT INTO decisions (batch_id, target_kind, target_id, decision, comment,"
                " reviewer, time) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    batch_id,
                    target_kind,
                    target_id,
                    decision,
                    comment.strip(),
                    reviewer.strip(),
                    _now(),
                ),
            )

    def decisions(self, batch_id: int, latest: bool = False) -> pd.DataFrame:
        """Decisions on a batch, oldest first (``latest=True``: only the last one per target)."""
        with self._transaction() as con:
            rows = con.execute(
                "SELECT batch_id, target_kind, target_id, decision, comment, reviewer, time"
                " FROM decisions WHERE batch_id = ? ORDER BY id",
                (batch_id,),
            ).fetchall()
        frame = pd.DataFrame(
            [(*r[:4], DECISION_LABELS[r[3]], *r[4:]) for r in rows], columns=DECISION_COLUMNS
        )
        if latest and not frame.empty:
            frame = frame.drop_duplicates(["target_kind", "target_id"], keep="last")
            frame = frame.reset_index(drop=True)
        return frame
