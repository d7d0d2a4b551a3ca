"""Saved batches, reviewers' decisions, accounts, sessions and the audit log, in one SQLite file.

The review UI saves every checked batch (its report, as ``report.to_dict``) and every decision a
reviewer takes on a flagged essay or pair, so that both survive a restart and past batches can be
reopened. Every write runs in its own transaction; a connection is opened per call, so one
:class:`Store` can be shared by the threads of a web app. The file is 0600 in a 0700 folder.

Roles (:class:`Account`): a ``reviewer`` sees and decides on the essays of the units given to
the account only; a ``committee`` member sees every unit and decides; an ``admin`` also manages
accounts and deletes batches. The methods that take an ``account`` enforce this (raising
:class:`PermissionDenied`); without one they act for the local user of the library (CLI,
notebooks), who owns the file anyway. Password hashing and sessions are in :mod:`.auth`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from .pipeline import Report
from .private import touch_private
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
    "account",
]
ROLES = ("reviewer", "committee", "admin")
ROLE_LABELS = {
    "reviewer": "người xem xét (theo đơn vị)",
    "committee": "thành viên hội đồng",
    "admin": "quản trị viên",
}

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
CREATE TABLE IF NOT EXISTS accounts (
    username      TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('reviewer', 'committee', 'admin')),
    units         TEXT NOT NULL DEFAULT '[]',
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT NOT NULL DEFAULT '',
    created       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    username   TEXT NOT NULL REFERENCES accounts(username) ON DELETE CASCADE,
    created    TEXT NOT NULL,
    last_seen  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    time    TEXT NOT NULL,
    account TEXT NOT NULL DEFAULT '',
    action  TEXT NOT NULL,
    target  TEXT NOT NULL DEFAULT '',
    detail  TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class PermissionDenied(PermissionError):
    """The account may not see or do this; ``message`` is in Vietnamese for the UI."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def unit_key(name: str) -> str:
    """A unit name compared without case, accents composition or extra spaces."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


@dataclass(frozen=True)
class Account:
    """A login: ``units`` are the unit names a reviewer may see (ignored for other roles)."""

    username: str
    display_name: str
    role: str
    units: tuple[str, ...] = ()
    disabled: bool = False
    failed: int = 0
    locked_until: str = ""
    created: str = ""

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def sees_all(self) -> bool:
        """Committee members and administrators see every unit."""
        return self.role in ("committee", "admin")

    @property
    def scope(self) -> tuple[str, ...] | None:
        """The unit keys this account is limited to; None for every unit."""
        return None if self.sees_all else tuple(sorted({unit_key(u) for u in self.units}))


def restrict(report: Report, scope: Iterable[str] | None) -> Report:
    """The part of ``report`` that an account limited to units ``scope`` may see (None: all).

    Kept: the essays of those units; references (the resolution's outlines and sample essays,
    not anyone's writing); matches whose two sides are both kept; groups with their members cut
    to what is kept. Partners in other units are removed from each essay's profile, and the
    texts and unreadable files of other units are left out (file names can name people)."""
    if scope is None:
        return report
    allowed = set(scope)
    essays = [e for e in report.essays if unit_key(e.unit) in allowed]
    essay_ids = {e.id for e in report.essays}
    kept = {e.id for e in essays}
    visible = kept | {i for i in report.texts if i not in essay_ids}  # references
    essays = [
        replace(e, copy=replace(e.copy, partners=tuple(p for p in e.copy.partners if p in visible)))
        for e in essays
    ]
    matches = [m for m in report.matches if m.a in visible and m.b in visible]
    groups = []
    for g in report.groups:
        members = tuple(m for m in g.members if m in visible)
        if any(m in kept for m in members):
            source = g.source if g.source in visible else ""
            references = tuple(r for r in g.references if r in visible)
            groups.append(replace(g, members=members, source=source, references=references))
    texts = {i: t for i, t in report.texts.items() if i in visible}
    return replace(report, essays=essays, matches=matches, groups=groups, errors=[], texts=texts)


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


def _account(row: tuple) -> Account:
    username, display, role, units, disabled, failed, locked, created = row
    return Account(username, display, role, tuple(json.loads(units)), bool(disabled), failed,
                   locked, created)  # fmt: skip


_ACCOUNT_FIELDS = "username, display_name, role, units, disabled, failed, locked_until, created"
DENIED_UNIT = "Tài khoản của bạn không được xem hoặc quyết định về bài của đơn vị này."
DENIED_ADMIN = "Chỉ quản trị viên mới làm được việc này."
DENIED_COMMITTEE = "Chỉ thành viên hội đồng hoặc quản trị viên mới làm được việc này."


class Store:
    """SQLite store of batches, decisions and accounts at ``path`` (default:
    :func:`default_db_path`)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path).expanduser() if path else default_db_path()
        # Created 0600 before SQLite opens it; the default folder is the tool's own (0700).
        touch_private(self.path, own_dir=self.path.parent == default_db_path().parent)
        with self._transaction() as con:
            con.executescript(_SCHEMA)
            columns = {row[1] for row in con.execute("PRAGMA table_info(decisions)")}
            if "account" not in columns:  # a store made before accounts existed
                con.execute("ALTER TABLE decisions ADD COLUMN account TEXT NOT NULL DEFAULT ''")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection whose work is committed on success and rolled back on an exception."""
        with closing(sqlite3.connect(self.path, timeout=30)) as con:
            con.execute("PRAGMA foreign_keys = ON")
            with con:
                yield con

    def save_batch(self, name: str, report: Report, account: Account | None = None) -> int:
        """Save a checked batch; returns its id (with ``account``: a committee member's or an
        administrator's task, kept in the audit log)."""
        if account is not None and not account.sees_all:
            raise PermissionDenied(DENIED_COMMITTEE)
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
            batch_id = int(cur.lastrowid or 0)
            if account is not None:
                self._audit(con, account.username, "save_batch", str(batch_id), name)
            return batch_id

    def list_batches(self) -> list[BatchInfo]:
        """Saved batches, newest first."""
        with self._transaction() as con:
            rows = con.execute(
                "SELECT id, name, created, essays, flagged FROM batches ORDER BY id DESC"
            ).fetchall()
        return [BatchInfo(*row) for row in rows]

    def load_batch(self, batch_id: int, account: Account | None = None) -> Report:
        """The report of a saved batch (for ``account``: the part it may see, see
        :func:`restrict`); ``KeyError`` if there is no such batch."""
        with self._transaction() as con:
            row = con.execute("SELECT report FROM batches WHERE id = ?", (batch_id,)).fetchone()
        if row is None:
            raise KeyError(batch_id)
        report = from_dict(json.loads(row[0]))
        return restrict(report, account.scope) if account is not None else report

    def rename_batch(self, batch_id: int, name: str, account: Account | None = None) -> None:
        if account is not None and not account.sees_all:
            raise PermissionDenied(DENIED_COMMITTEE)
        with self._transaction() as con:
            con.execute("UPDATE batches SET name = ? WHERE id = ?", (name, batch_id))
            if account is not None:
                self._audit(con, account.username, "rename_batch", str(batch_id), name)

    def delete_batch(self, batch_id: int, account: Account | None = None) -> None:
        """Delete a batch and its decisions (an administrator's task when ``account`` is given);
        the deletion is kept in the audit log."""
        if account is not None and not account.is_admin:
            raise PermissionDenied(DENIED_ADMIN)
        with self._transaction() as con:
            row = con.execute("SELECT name FROM batches WHERE id = ?", (batch_id,)).fetchone()
            con.execute("DELETE FROM batches WHERE id = ?", (batch_id,))
            if row is not None:
                who = account.username if account is not None else ""
                self._audit(con, who, "delete_batch", str(batch_id), row[0])

    def _essay_units(self, batch_id: int) -> dict[str, str]:
        """Essay id -> unit key for a saved batch (references are not essays)."""
        with self._transaction() as con:
            row = con.execute("SELECT report FROM batches WHERE id = ?", (batch_id,)).fetchone()
        if row is None:
            raise KeyError(batch_id)
        return {e["id"]: unit_key(e.get("unit", "")) for e in json.loads(row[0])["essays"]}

    def may_decide(self, account: Account, batch_id: int, target_kind: str, target_id: str) -> bool:
        """Whether ``account`` may see and decide on this essay or pair."""
        if account.disabled:
            return False
        if account.sees_all:
            return True
        units = self._essay_units(batch_id)
        allowed = set(account.scope or ())
        ids = target_id.split("|") if target_kind == "pair" else [target_id]
        if target_kind == "essay" and target_id not in units:
            return False
        # A pair's reference side belongs to no unit; each essay side must be in the account's.
        return all(units[i] in allowed for i in ids if i in units) and any(i in units for i in ids)

    def record_decision(
        self,
        batch_id: int,
        target_kind: str,
        target_id: str,
        decision: str,
        comment: str = "",
        reviewer: str = "",
        account: Account | None = None,
    ) -> None:
        """Record a reviewer's decision on an essay or a pair (see :func:`pair_target`).

        Decisions are kept as a history; the latest one per target is the one in force. With
        ``account``, the decision is recorded under that account (its name, not ``reviewer``),
        only if it may decide on the target (:class:`PermissionDenied` otherwise), and in the
        audit log.
        """
        if target_kind not in TARGET_KINDS:
            raise ValueError(f"target_kind must be one of {TARGET_KINDS}, not {target_kind!r}")
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
        if account is not None:
            if not self.may_decide(account, batch_id, target_kind, target_id):
                raise PermissionDenied(DENIED_UNIT)
            reviewer = account.name
        username = account.username if account is not None else ""
        with self._transaction() as con:
            con.execute(
                "INSERT INTO decisions (batch_id, target_kind, target_id, decision, comment,"
                " reviewer, time, account) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    batch_id,
                    target_kind,
                    target_id,
                    decision,
                    comment.strip(),
                    reviewer.strip(),
                    _now(),
                    username,
                ),
            )
            self._audit(
                con, username, "decision", f"{batch_id}:{target_kind}:{target_id}", decision
            )

    def decisions(
        self, batch_id: int, latest: bool = False, account: Account | None = None
    ) -> pd.DataFrame:
        """Decisions on a batch, oldest first (``latest=True``: only the last one per target;
        ``account``: only those on essays and pairs the account may see)."""
        with self._transaction() as con:
            rows = con.execute(
                "SELECT batch_id, target_kind, target_id, decision, comment, reviewer, time,"
                " account FROM decisions WHERE batch_id = ? ORDER BY id",
                (batch_id,),
            ).fetchall()
        if account is not None and not account.sees_all:
            units = self._essay_units(batch_id) if rows else {}
            allowed = set(account.scope or ())

            def visible(kind: str, target: str) -> bool:
                ids = target.split("|") if kind == "pair" else [target]
                essays = [i for i in ids if i in units]
                return bool(essays) and all(units[i] in allowed for i in essays)

            rows = [r for r in rows if visible(r[1], r[2])]
        frame = pd.DataFrame(
            [(*r[:4], DECISION_LABELS[r[3]], *r[4:]) for r in rows], columns=DECISION_COLUMNS
        )
        if latest and not frame.empty:
            frame = frame.drop_duplicates(["target_kind", "target_id"], keep="last")
            frame = frame.reset_index(drop=True)
        return frame

    # --- accounts ---------------------------------------------------------------------------
    def count_accounts(self) -> int:
        with self._transaction() as con:
            return int(con.execute("SELECT COUNT(*) FROM accounts").fetchone()[0])

    def add_account(
        self,
        username: str,
        password_hash: str,
        role: str,
        units: Iterable[str] = (),
        display_name: str = "",
        by: str = "",
    ) -> Account:
        """Create an account (the hash comes from :func:`essaycheck.auth.hash_password`);
        ``ValueError`` (Vietnamese) for a taken name or an unknown role."""
        username = username.strip()
        if not username or len(username) > 64 or any(c.isspace() for c in username):
            raise ValueError("Tên đăng nhập phải có 1–64 ký tự và không có dấu cách.")
        if role not in ROLES:
            raise ValueError(f"Vai trò phải là một trong: {', '.join(ROLES)}.")
        unit_list = sorted({u.strip() for u in units if u.strip()})
        try:
            with self._transaction() as con:
                con.execute(
                    "INSERT INTO accounts (username, display_name, role, units, password_hash,"
                    " created) VALUES (?, ?, ?, ?, ?, ?)",
                    (username, display_name.strip(), role,
                     json.dumps(unit_list, ensure_ascii=False), password_hash, _now()),
                )  # fmt: skip
                self._audit(con, by, "add_account", username, role)
        except sqlite3.IntegrityError:
            raise ValueError(f"Tên đăng nhập '{username}' đã có.") from None
        account = self.account(username)
        assert account is not None
        return account

    def account(self, username: str) -> Account | None:
        with self._transaction() as con:
            row = con.execute(
                f"SELECT {_ACCOUNT_FIELDS} FROM accounts WHERE username = ?", (username,)
            ).fetchone()
        return _account(row) if row else None

    def accounts(self) -> list[Account]:
        with self._transaction() as con:
            rows = con.execute(f"SELECT {_ACCOUNT_FIELDS} FROM accounts ORDER BY username")
            return [_account(r) for r in rows.fetchall()]

    def password_hash(self, username: str) -> str | None:
        with self._transaction() as con:
            row = con.execute(
                "SELECT password_hash FROM accounts WHERE username = ?", (username,)
            ).fetchone()
        return row[0] if row else None

    def update_account(self, username: str, by: str = "", **fields: object) -> None:
        """Change ``display_name``, ``role``, ``units``, ``password_hash``, ``disabled``,
        ``failed`` or ``locked_until``; ``KeyError`` for an unknown account. Disabling an account
        or changing its password ends its sessions."""
        allowed = {"display_name", "role", "units", "password_hash", "disabled", "failed",
                   "locked_until"}  # fmt: skip
        if unknown := set(fields) - allowed:
            raise ValueError(f"unknown account fields: {sorted(unknown)}")
        if "role" in fields and fields["role"] not in ROLES:
            raise ValueError(f"Vai trò phải là một trong: {', '.join(ROLES)}.")
        values = {
            k: json.dumps(sorted(set(v)), ensure_ascii=False) if k == "units" else v  # type: ignore[call-overload]
            for k, v in fields.items()
        }
        with self._transaction() as con:
            sets = ", ".join(f"{k} = ?" for k in values)
            cur = con.execute(
                f"UPDATE accounts SET {sets} WHERE username = ?", (*values.values(), username)
            )
            if cur.rowcount == 0:
                raise KeyError(username)
            if "password_hash" in fields or fields.get("disabled"):
                con.execute("DELETE FROM sessions WHERE username = ?", (username,))
            quiet = {"failed", "locked_until"}  # login bookkeeping is audited by the login
            if set(fields) - quiet:
                changed = ", ".join(sorted(k for k in fields if k != "password_hash"))
                if "password_hash" in fields:
                    changed = ", ".join(filter(None, [changed, "password"]))
                self._audit(con, by, "update_account", username, changed)

    # --- sessions (tokens are stored hashed; see essaycheck.auth) ---------------------------
    def add_session(self, token_hash: str, username: str) -> None:
        now = _now()
        with self._transaction() as con:
            con.execute(
                "INSERT INTO sessions (token_hash, username, created, last_seen)"
                " VALUES (?, ?, ?, ?)",
                (token_hash, username, now, now),
            )

    def session(self, token_hash: str) -> tuple[str, str, str] | None:
        """(username, created, last_seen) of a session, or None."""
        with self._transaction() as con:
            row = con.execute(
                "SELECT username, created, last_seen FROM sessions WHERE token_hash = ?",
                (token_hash,),
            ).fetchone()
        return tuple(row) if row else None  # type: ignore[return-value]

    def touch_session(self, token_hash: str) -> None:
        with self._transaction() as con:
            con.execute(
                "UPDATE sessions SET last_seen = ? WHERE token_hash = ?", (_now(), token_hash)
            )

    def end_session(self, token_hash: str) -> None:
        with self._transaction() as con:
            con.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))

    def end_sessions_before(self, created: str, last_seen: str) -> None:
        """Drop sessions created before ``created`` or idle since before ``last_seen``."""
        with self._transaction() as con:
            con.execute(
                "DELETE FROM sessions WHERE created < ? OR last_seen < ?", (created, last_seen)
            )

    # --- settings and audit log -------------------------------------------------------------
    def setting(self, key: str) -> str | None:
        with self._transaction() as con:
            row = con.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str | None) -> None:
        with self._transaction() as con:
            if value is None:
                con.execute("DELETE FROM settings WHERE key = ?", (key,))
            else:
                con.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, value))

    @staticmethod
    def _audit(
        con: sqlite3.Connection, account: str, action: str, target: str = "", detail: str = ""
    ) -> None:
        con.execute(
            "INSERT INTO audit (time, account, action, target, detail) VALUES (?, ?, ?, ?, ?)",
            (_now(), account, action, target, detail[:500]),
        )

    def audit(self, account: str, action: str, target: str = "", detail: str = "") -> None:
        """Add a line to the audit log (logins, decisions, deletions, account changes)."""
        with self._transaction() as con:
            self._audit(con, account, action, target, detail)

    def audit_log(self, limit: int | None = None) -> pd.DataFrame:
        """The audit log, oldest first (the last ``limit`` lines)."""
        with self._transaction() as con:
            rows = con.execute(
                "SELECT time, account, action, target, detail FROM audit ORDER BY id DESC"
                + (" LIMIT ?" if limit else ""),
                (limit,) if limit else (),
            ).fetchall()
        columns = ["time", "account", "action", "target", "detail"]
        return pd.DataFrame(rows[::-1], columns=columns)


class AccountStore:
    """A :class:`Store` as one logged-in account may use it: every read is cut to what the
    account may see and every write checked and recorded under the account (the review UI hands
    this to its screens, so that no screen can forget a check). ``account=None`` (nobody logged
    in) may do nothing."""

    def __init__(self, store: Store, account: Account | None) -> None:
        self.store = store
        self.account = account
        self.path = store.path

    def _who(self) -> Account:
        if self.account is None or self.account.disabled:
            raise PermissionDenied("Hãy đăng nhập để tiếp tục.")
        return self.account

    def list_batches(self) -> list[BatchInfo]:
        self._who()
        return self.store.list_batches()

    def load_batch(self, batch_id: int) -> Report:
        return self.store.load_batch(batch_id, self._who())

    def save_batch(self, name: str, report: Report) -> int:
        return self.store.save_batch(name, report, self._who())

    def rename_batch(self, batch_id: int, name: str) -> None:
        self.store.rename_batch(batch_id, name, self._who())

    def delete_batch(self, batch_id: int) -> None:
        self.store.delete_batch(batch_id, self._who())

    def record_decision(
        self,
        batch_id: int,
        target_kind: str,
        target_id: str,
        decision: str,
        comment: str = "",
        reviewer: str = "",
    ) -> None:
        """As :meth:`Store.record_decision`; ``reviewer`` is ignored: the account decides."""
        self.store.record_decision(
            batch_id, target_kind, target_id, decision, comment, account=self._who()
        )

    def decisions(self, batch_id: int, latest: bool = False) -> pd.DataFrame:
        return self.store.decisions(batch_id, latest, account=self._who())

    def may_decide(self, batch_id: int, target_kind: str, target_id: str) -> bool:
        return self.store.may_decide(self._who(), batch_id, target_kind, target_id)
