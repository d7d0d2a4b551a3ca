"""``essaycheck users add|list|disable|enable|passwd``: the review UI's accounts, from a terminal.

The first administrator of a new installation can be made here (or in the app's first-run form);
the database is the app's (``$ESSAYCHECK_DB``, or ``--db``). Passwords are typed twice without
echo, read from standard input with ``--password-stdin`` (scripts), or made up and printed once
with ``--generate``. Every change is written to the store's audit log as done by ``(cli:USER)``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys
from datetime import UTC, datetime

from .auth import Auth, LoginError
from .store import ROLE_LABELS, ROLES, Store

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_users_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``users`` command to the top-level parser's subcommands."""
    u = sub.add_parser("users", help="manage the review UI's accounts")
    u.add_argument("--db", help="the app's database (default: $ESSAYCHECK_DB or the usual one)")
    cmd = u.add_subparsers(dest="users_command", required=True)

    def password_options(p: argparse.ArgumentParser) -> None:
        group = p.add_mutually_exclusive_group()
        group.add_argument(
            "--password-stdin", action="store_true", help="read the password from stdin"
        )
        group.add_argument(
            "--generate", action="store_true", help="make a random password and print it once"
        )

    a = cmd.add_parser("add", help="create an account")
    a.add_argument("username")
    a.add_argument("--role", choices=ROLES, required=True)
    a.add_argument(
        "--unit", action="append", default=[], help="a unit a reviewer sees (repeatable)"
    )
    a.add_argument("--name", default="", help="full name shown with decisions")
    password_options(a)
    cmd.add_parser("list", help="list the accounts")
    d = cmd.add_parser("disable", help="lock an account out (its sessions end)")
    d.add_argument("username")
    e = cmd.add_parser("enable", help="let a disabled account log in again")
    e.add_argument("username")
    p = cmd.add_parser("passwd", help="set a new password (ends sessions, lifts a lock-out)")
    p.add_argument("username")
    password_options(p)


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    """(password, generated)."""
    if args.generate:
        return secrets.token_urlsafe(12), True
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    first = getpass.getpass("Mật khẩu: ")
    if getpass.getpass("Nhập lại mật khẩu: ") != first:
        raise LoginError("Hai lần nhập mật khẩu không giống nhau.")
    return first, False


def _who() -> str:
    try:
        return f"(cli:{getpass.getuser()})"
    except Exception:  # no user name in this environment
        return f"(cli:{os.getuid() if hasattr(os, 'getuid') else '?'})"


def run(args: argparse.Namespace) -> int:
    """Carry out ``essaycheck users …``; messages in Vietnamese on stderr, tables on stdout."""
    store = Store(args.db) if args.db else Store()
    auth = Auth(store)
    by = _who()
    try:
        if args.users_command == "list":
            _list(store)
        elif args.users_command == "add":
            password, generated = _password(args)
            account = auth.add_user(args.username, password, args.role, args.unit, args.name, by=by)
            units = f" (đơn vị: {', '.join(account.units)})" if account.units else ""
            print(
                f"Đã tạo tài khoản '{account.username}': {ROLE_LABELS[account.role]}{units}.",
                file=sys.stderr,
            )
            if generated:
                print(f"Mật khẩu (chỉ hiện một lần): {password}")
        elif args.users_command in ("disable", "enable"):
            _known(store, args.username)
            auth.set_disabled(args.username, args.users_command == "disable", by=by)
            done = "khoá" if args.users_command == "disable" else "mở lại"
            print(f"Đã {done} tài khoản '{args.username}'.", file=sys.stderr)
        elif args.users_command == "passwd":
            _known(store, args.username)
            password, generated = _password(args)
            auth.set_password(args.username, password, by=by)
            print(f"Đã đổi mật khẩu của '{args.username}'.", file=sys.stderr)
            if generated:
                print(f"Mật khẩu mới (chỉ hiện một lần): {password}")
    except (LoginError, ValueError, KeyError) as exc:
        message = exc.message if isinstance(exc, LoginError) else str(exc).strip("'\"")
        print(f"essaycheck: {message}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _known(store: Store, username: str) -> None:
    if store.account(username) is None:
        raise ValueError(f"Không có tài khoản '{username}'.")


def _list(store: Store) -> None:
    accounts = store.accounts()
    if not accounts:
        print("Chưa có tài khoản nào.", file=sys.stderr)
        return
    for a in accounts:
        locked = a.locked_until > datetime.now(UTC).isoformat(timespec="seconds")
        state = "đã khoá" if a.disabled else ("tạm khoá" if locked else "hoạt động")
        units = ", ".join(a.units) if a.role == "reviewer" else "mọi đơn vị"
        print(f"{a.username}\t{a.name}\t{a.role}\t{state}\t{units}")
