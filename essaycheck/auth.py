"""Logins for the review UI: argon2id password hashes, sessions that expire, lock-out.

- Passwords are hashed with argon2id (``argon2-cffi``, its default cost: 64 MiB, 3 passes);
  a hash made with an older cost is redone at the next successful login.
- A session token is 32 random bytes; only its BLAKE2b hash is stored, so the database does not
  hold a usable token. A session ends after :data:`IDLE_MINUTES` without use, after
  :data:`MAX_HOURS` in all, at logout, and when the account is disabled or its password changed.
- :data:`MAX_FAILURES` wrong passwords in a row lock the account for :data:`LOCK_MINUTES`
  (also against the right password); an unknown name costs the same time as a known one.
- Every login, failure, lock-out and logout goes to the store's audit log.
- First run: with no account at all, :func:`setup_code` makes a one-time code, printed in the
  terminal that runs the app; whoever types it in the first-run form creates the administrator.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .store import Account, Store

IDLE_MINUTES = 30
MAX_HOURS = 12
MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 10
_SETUP_KEY = "setup_code_hash"

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))  # checked for unknown names: same timing
_setup_codes: dict[str, str] = {}  # database path -> the code shown in this process's terminal


class LoginError(Exception):
    """A refused login or a rejected password; ``message`` is in Vietnamese for the UI."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


def _token_hash(token: str) -> str:
    return hashlib.blake2b(token.encode("utf-8"), digest_size=32).hexdigest()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (after :func:`check_password`)."""
    check_password(password)
    return _hasher.hash(password)


def check_password(password: str) -> None:
    """Raise :class:`LoginError` for a password too weak to protect disciplinary files."""
    if len(password) < MIN_PASSWORD:
        raise LoginError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.")
    if len(password) > 1024:
        raise LoginError("Mật khẩu quá dài (tối đa 1024 ký tự).")
    if len(set(password)) < 4:
        raise LoginError("Mật khẩu quá đơn giản: hãy dùng nhiều ký tự khác nhau.")


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Session:
    """A logged-in session: give ``token`` back to :meth:`Auth.account` on each request."""

    token: str
    account: Account


class Auth:
    """Accounts, logins and sessions on a :class:`~essaycheck.store.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # --- accounts ---------------------------------------------------------------------------
    def add_user(
        self,
        username: str,
        password: str,
        role: str,
        units: tuple[str, ...] | list[str] = (),
        display_name: str = "",
        by: str = "",
    ) -> Account:
        if role == "reviewer" and not [u for u in units if u.strip()]:
            raise ValueError("Người xem xét theo đơn vị cần ít nhất một đơn vị (--unit).")
        return self.store.add_account(
            username, hash_password(password), role, units, display_name, by=by
        )

    def set_password(self, username: str, password: str, by: str = "") -> None:
        """A new password; ends the account's sessions and lifts a lock-out."""
        self.store.update_account(
            username, by=by, password_hash=hash_password(password), failed=0, locked_until=""
        )

    def set_disabled(self, username: str, disabled: bool = True, by: str = "") -> None:
        if disabled and self._last_admin(username):
            raise ValueError("Không thể khoá quản trị viên cuối cùng còn hoạt động.")
        self.store.update_account(username, by=by, disabled=int(disabled))

    def _last_admin(self, username: str) -> bool:
        admins = [a for a in self.store.accounts() if a.is_admin and not a.disabled]
        return [a.username for a in admins] == [username]

    # --- logins -----------------------------------------------------------------------------
    def login(self, username: str, password: str) -> Session:
        """A new session, or :class:`LoginError` with a Vietnamese reason (the same one for a
        wrong name and a wrong password, so that names cannot be guessed one by one)."""
        username = username.strip()
        account = self.store.account(username) if username else None
        stored = self.store.password_hash(username) if account else None
        ok = verify_password(stored or _DUMMY_HASH, password) and stored is not None
        wrong = LoginError("Tên đăng nhập hoặc mật khẩu không đúng.")
        if account is None:
            self.store.audit(username[:64], "login_failed", detail="unknown account")
            raise wrong
        if account.disabled:
            self.store.audit(username, "login_failed", detail="disabled")
            raise LoginError("Tài khoản này đã bị khoá. Hãy liên hệ quản trị viên.")
        now = _now()
        if account.locked_until and account.locked_until > _iso(now):
            self.store.audit(username, "login_failed", detail="locked")
            until = datetime.fromisoformat(account.locked_until).astimezone()
            raise LoginError(
                f"Tài khoản tạm khoá vì nhập sai mật khẩu nhiều lần; thử lại sau {until:%H:%M}."
            )
        if not ok:
            failed = account.failed + 1
            if failed >= MAX_FAILURES:
                lock = _iso(now + timedelta(minutes=LOCK_MINUTES))
                self.store.update_account(username, failed=0, locked_until=lock)
                self.store.audit(username, "locked", detail=f"{MAX_FAILURES} failures")
            else:
                self.store.update_account(username, failed=failed)
                self.store.audit(username, "login_failed", detail="wrong password")
            raise wrong
        assert stored is not None
        if _hasher.check_needs_rehash(stored):
            self.store.update_account(username, password_hash=_hasher.hash(password))
        if account.failed or account.locked_until:
            self.store.update_account(username, failed=0, locked_until="")
        token = secrets.token_urlsafe(32)
        self.store.add_session(_token_hash(token), username)
        self.store.audit(username, "login")
        account = self.store.account(username)
        assert account is not None
        return Session(token, account)

    def account(self, token: str | None) -> Account | None:
        """The account of a live session (its idle time reset), or None if the token is
        unknown, expired, or its account disabled."""
        if not token:
            return None
        key = _token_hash(token)
        found = self.store.session(key)
        if found is None:
            return None
        username, created, last_seen = found
        now = _now()
        expired = created < _iso(now - timedelta(hours=MAX_HOURS)) or last_seen < _iso(
            now - timedelta(minutes=IDLE_MINUTES)
        )
        account = self.store.account(username)
        if expired or account is None or account.disabled:
            self.store.end_session(key)
            if expired and account is not None:
                self.store.audit(username, "session_expired")
            return None
        self.store.touch_session(key)
        return account

    def logout(self, token: str | None) -> None:
        if not token:
            return
        key = _token_hash(token)
        found = self.store.session(key)
        self.store.end_session(key)
        if found:
            self.store.audit(found[0], "logout")

    # --- first run --------------------------------------------------------------------------
    def needs_setup(self) -> bool:
        return self.store.count_accounts() == 0

    def setup_code(self, announce: bool = True) -> str | None:
        """The one-time code for the first-run form (None once an account exists). Made once
        per process and printed to this process's terminal (stderr); only its hash is stored."""
        if not self.needs_setup():
            return None
        key = str(self.store.path)
        code = _setup_codes.get(key)
        if code is None or not self._code_matches(code):
            code = "-".join(secrets.token_hex(2).upper() for _ in range(3))
            _setup_codes[key] = code
            self.store.set_setting(_SETUP_KEY, _token_hash(code))
            if announce:
                print(
                    "\n*** essaycheck: chưa có tài khoản nào. Mã khởi tạo dùng một lần để tạo "
                    f"tài khoản quản trị trong trình duyệt: {code} ***\n"
                    "    (hoặc tạo bằng lệnh: essaycheck users add TEN --role admin)\n",
                    file=sys.stderr,
                    flush=True,
                )
        return code

    def _code_matches(self, code: str) -> bool:
        stored = self.store.setting(_SETUP_KEY)
        return stored is not None and hmac.compare_digest(stored, _token_hash(code.strip()))

    def create_first_admin(
        self, code: str, username: str, password: str, display_name: str = ""
    ) -> Session:
        """Create the first administrator with the one-time code, and log in."""
        if not self.needs_setup():
            raise LoginError("Đã có tài khoản: hãy đăng nhập.")
        if not self._code_matches(code.strip().upper()):
            self.store.audit(username[:64], "setup_failed", detail="wrong code")
            raise LoginError("Mã khởi tạo không đúng: hãy xem lại mã in trong cửa sổ dòng lệnh.")
        self.add_user(username, password, "admin", display_name=display_name, by="(first run)")
        self.store.set_setting(_SETUP_KEY, None)
        _setup_codes.pop(str(self.store.path), None)
        return self.login(username, password)
