"""The embedded archive: a local folder, nothing to start.

    ARCHIVE/                 0700
      archive.sqlite         0600  format, settings, campaigns, essays (records, summaries)
      index/seg-*/           0700  one index segment per added batch (``.npy``, 0600)

Two reviewers may add to one archive at once: sketches are computed outside any lock, then one
SQLite write transaction (``BEGIN IMMEDIATE``, waited for) numbers the essays, writes the segment
and commits both, so nothing is lost and a reader sees a batch whole or not at all.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..candidates import CandidateIndex
from ..private import UntrustedPath, check_owner, private_dir, touch_private
from . import (
    FORMAT,
    AddResult,
    Archive,
    ArchivedEssay,
    ArchiveError,
    Campaign,
    Entry,
    Settings,
    Summary,
    chunks,
    decode_record,
    split_summary,
)
from .segments import SegmentStore

DB_NAME = "archive.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS campaigns (
    name TEXT PRIMARY KEY, resolution_title TEXT, resolution TEXT, created TEXT);
CREATE TABLE IF NOT EXISTS essays (
    key INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign TEXT NOT NULL, id TEXT NOT NULL, author TEXT, role TEXT, unit TEXT, date TEXT,
    n_windows INTEGER, shingles BLOB, facts TEXT, record BLOB,
    UNIQUE (campaign, id));
CREATE TABLE IF NOT EXISTS segments (name TEXT PRIMARY KEY, campaign TEXT NOT NULL);
"""
_BUSY_MS = 120_000  # another reviewer's add: wait for it rather than fail


class EmbeddedArchive(Archive):
    def __init__(self, path: str | Path, create: bool = True) -> None:
        self.root = Path(path).expanduser()
        self.location = str(self.root)
        db = self.root / DB_NAME
        if not db.exists() and not create:
            raise ArchiveError(f"Không có kho bài ở '{self.root}': hãy kiểm tra lại đường dẫn.")
        if self.root.exists() and not self.root.is_dir():
            raise ArchiveError(f"'{self.root}' là một tệp, không phải thư mục kho bài.")
        try:
            private_dir(self.root)
            touch_private(db)
            private_dir(self.root / "index")
        except UntrustedPath as exc:
            raise ArchiveError(f"Không dùng kho bài ở thư mục không an toàn: {exc}.") from exc
        self._db = db
        with self._connect() as con:
            con.executescript(_SCHEMA)
            row = con.execute("SELECT value FROM meta WHERE key='format'").fetchone()
            if row is None:
                con.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (FORMAT,))
                con.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('settings', ?)", (Settings().to_json(),)
                )
                con.execute("INSERT OR IGNORE INTO meta VALUES ('version', '0')")
            elif row[0] != FORMAT:
                raise ArchiveError(
                    f"Kho bài '{self.root}' có định dạng {row[0]!r}, phiên bản này đọc {FORMAT!r}."
                )
            settings = con.execute("SELECT value FROM meta WHERE key='settings'").fetchone()[0]
        self.settings = Settings.from_json(settings)
        self._store_segments = SegmentStore(self.root / "index")
        self._index = CandidateIndex(self.params, attach=self._store_segments.attach)

    @contextmanager
    def _connect(self) -> Any:
        check_owner(self._db, tighten=0o600)
        con = sqlite3.connect(self._db, timeout=_BUSY_MS / 1000, isolation_level=None)
        try:
            con.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
            con.execute("PRAGMA journal_mode=WAL")  # readers go on while a batch is added
            yield con
        finally:
            con.close()

    @property
    def index(self) -> CandidateIndex:
        with self._connect() as con:
            names = [r[0] for r in con.execute("SELECT name FROM segments ORDER BY rowid")]
        self._store_segments.use(names)
        return self._index

    def campaigns(self) -> list[Campaign]:
        with self._connect() as con:
            counts = dict(con.execute("SELECT campaign, count(*) FROM essays GROUP BY campaign"))
            return [
                Campaign(name, title or "", counts.get(name, 0), created or "", resolution or "")
                for name, title, resolution, created in con.execute(
                    "SELECT name, resolution_title, resolution, created FROM campaigns "
                    "ORDER BY created, name"
                )
            ]

    def state(self) -> str:
        with self._connect() as con:
            version = con.execute("SELECT value FROM meta WHERE key='version'").fetchone()[0]
        return f"{self.root.resolve()}#{version}"

    def summaries(self, keys: Sequence[int]) -> dict[int, Summary]:
        out: dict[int, Summary] = {}
        with self._connect() as con:
            for chunk in chunks(list(keys), 900):
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT key, shingles, facts FROM essays WHERE key IN ({marks})"
                for key, blob, facts in con.execute(sql, list(chunk)):
                    out[key] = split_summary(blob, facts)
        return out

    def essays(self, keys: Sequence[int]) -> list[ArchivedEssay]:
        out: list[ArchivedEssay] = []
        with self._connect() as con:
            for chunk in chunks(list(keys), 900):
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT key, campaign, id, record FROM essays WHERE key IN ({marks})"
                out.extend(decode_record(*row) for row in con.execute(sql, list(chunk)))
        order = {k: i for i, k in enumerate(keys)}
        return sorted(out, key=lambda e: order[e.key])

    def keys(self, campaign: str) -> list[int]:
        with self._connect() as con:
            sql = "SELECT key FROM essays WHERE campaign=? ORDER BY key"
            return [r[0] for r in con.execute(sql, (campaign,))]

    def _store(self, campaign: Campaign, entries: list[Entry]) -> AddResult:
        skipped: list[str] = []
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")  # one writer at a time; others wait (busy_timeout)
            segment = None
            try:
                con.execute(
                    "INSERT OR IGNORE INTO campaigns VALUES (?, ?, ?, ?)",
                    (campaign.name, campaign.resolution_title, campaign.resolution,
                     campaign.created),
                )  # fmt: skip
                added: list[tuple[int, Entry]] = []
                for e in entries:
                    cur = con.execute(
                        "INSERT OR IGNORE INTO essays (campaign, id, author, role, unit, date, "
                        "n_windows, shingles, facts, record) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (e.campaign, e.id, e.author, e.role, e.unit, e.date, e.n_windows,
                         e.shingles.astype("<u8").tobytes(), json.dumps(e.facts,
                         ensure_ascii=False), e.record),
                    )  # fmt: skip
                    if cur.rowcount:
                        added.append((int(cur.lastrowid or 0), e))
                    else:
                        skipped.append(e.id)
                self._index.insert((key, e.sketches) for key, e in added)
                segment = self._store_segments.flush()
                if segment:
                    con.execute("INSERT INTO segments VALUES (?, ?)", (segment, campaign.name))
                con.execute("UPDATE meta SET value = value + 1 WHERE key='version'")
                con.execute("COMMIT")
            except BaseException:
                self._store_segments.pending = []
                con.execute("ROLLBACK")
                if segment:
                    self._store_segments.delete(segment)
                raise
        return AddResult(campaign.name, len(added), tuple(skipped))

    def remove(self, campaign: str) -> int:
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                segments = [
                    r[0]
                    for r in con.execute("SELECT name FROM segments WHERE campaign=?", (campaign,))
                ]
                n = con.execute("DELETE FROM essays WHERE campaign=?", (campaign,)).rowcount
                found = con.execute("DELETE FROM campaigns WHERE name=?", (campaign,)).rowcount
                con.execute("DELETE FROM segments WHERE campaign=?", (campaign,))
                con.execute("UPDATE meta SET value = value + 1 WHERE key='version'")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        if not found:
            raise ArchiveError(f"Kho bài không có đợt '{campaign}'.")
        for name in segments:  # after the commit: readers no longer list them
            self._store_segments.delete(name)
        return n

    def size_on_disk(self) -> int:
        """Bytes of the archive's files (database, its journal, index segments)."""
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())
