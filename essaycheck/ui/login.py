"""Login gate, first-run administrator, accounts page, and errors shown without tracebacks.

Nothing of a batch is drawn before :func:`gate` returns an account. The session token lives in
Streamlit's per-connection session state only (a reload of the page asks for the password
again); its hash and expiry are in the store (:mod:`essaycheck.auth`). Roles decide the pages
(:func:`pages_for`) and, through :class:`essaycheck.store.AccountStore`, what every screen loads
and may write.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import secrets
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from essaycheck.auth import Auth, LoginError
from essaycheck.private import touch_private
from essaycheck.store import ROLE_LABELS, ROLES, Account, PermissionDenied

TOKEN = "auth_token"
ACCOUNT = "account"
# Pages each role may open (the app's page keys). Reviewers work on their units' essays and
# pairs only; the committee view, new checks and past batches are for the committee.
REVIEWER_PAGES = ("essays", "essay", "pairs")
ADMIN_PAGES = ("accounts",)
ACCOUNTS_PAGE_LABEL = "Tài khoản và nhật ký"


def _store():  # type: ignore[no-untyped-def]
    from essaycheck.ui import common

    return common.raw_store()


def auth() -> Auth:
    return Auth(_store())


def current() -> Account | None:
    """The logged-in account of this browser session (None before login)."""
    account = st.session_state.get(ACCOUNT)
    return account if isinstance(account, Account) else None


def pages_for(account: Account, pages: dict[str, str]) -> dict[str, str]:
    """The app's pages this account may open, in the app's order."""
    if account.sees_all:
        allowed = dict(pages)
    else:
        allowed = {k: v for k, v in pages.items() if k in REVIEWER_PAGES}
    if account.is_admin:
        allowed |= {"accounts": ACCOUNTS_PAGE_LABEL}
    return allowed


def gate() -> Account | None:
    """The logged-in account, or None after drawing the login (or first-run) form."""
    a = auth()
    account = a.account(st.session_state.get(TOKEN))
    if account is not None:
        st.session_state[ACCOUNT] = account
        st.session_state["last_reviewer"] = account.name  # decisions carry the account's name
        return account
    if st.session_state.pop(TOKEN, None):
        st.session_state.pop(ACCOUNT, None)
        st.warning("Phiên làm việc đã hết hạn hoặc đã kết thúc: hãy đăng nhập lại.")
    if a.needs_setup():
        _first_run(a)
    else:
        _login(a)
    return None


def _login(a: Auth) -> None:
    # Streamlit's "Press Enter to submit form" hint is English; Enter still logs in.
    st.html("<style>[data-testid='InputInstructions'] { display: none; }</style>")
    st.header("Đăng nhập")
    st.caption("Rà soát bài thu hoạch: chỉ người được cấp tài khoản mới xem được bài và kết quả.")
    with st.form("login_form", enter_to_submit=True):
        username = st.text_input("Tên đăng nhập", key="login_user")
        password = st.text_input("Mật khẩu", type="password", key="login_password")
        submitted = st.form_submit_button("Đăng nhập", type="primary", key="login_submit")
    if submitted:
        try:
            session = a.login(username, password)
        except LoginError as exc:
            st.error(exc.message)
            return
        _start(session.token, session.account)


def _first_run(a: Auth) -> None:
    a.setup_code()  # printed in the terminal that runs the app (once per process)
    st.header("Lần chạy đầu: tạo tài khoản quản trị")
    st.info(
        "Chưa có tài khoản nào. Mã khởi tạo dùng một lần đã được in trong cửa sổ dòng lệnh đang "
        "chạy ứng dụng (nơi gõ `make app`). Nhập mã đó và đặt tên, mật khẩu cho quản trị viên; "
        "quản trị viên sẽ tạo tài khoản cho hội đồng và người xem xét. Cũng có thể tạo bằng lệnh "
        "`essaycheck users add TEN --role admin`."
    )
    with st.form("setup_form"):
        code = st.text_input("Mã khởi tạo (in trong cửa sổ dòng lệnh)", key="setup_code")
        username = st.text_input("Tên đăng nhập", key="setup_user")
        name = st.text_input("Họ và tên", key="setup_name")
        password = st.text_input("Mật khẩu (ít nhất 10 ký tự)", type="password", key="setup_pw")
        again = st.text_input("Nhập lại mật khẩu", type="password", key="setup_pw2")
        submitted = st.form_submit_button("Tạo tài khoản", type="primary", key="setup_submit")
    if submitted:
        if password != again:
            st.error("Hai lần nhập mật khẩu không giống nhau.")
            return
        try:
            session = a.create_first_admin(code, username, password, name)
        except (LoginError, ValueError) as exc:
            st.error(exc.message if isinstance(exc, LoginError) else str(exc))
            return
        _start(session.token, session.account)


def _start(token: str, account: Account) -> None:
    st.session_state[TOKEN] = token
    st.session_state[ACCOUNT] = account
    for key in ("login_password", "setup_pw", "setup_pw2", "setup_code"):
        st.session_state.pop(key, None)
    if not account.sees_all:
        st.session_state["page"] = "essays"
    st.rerun()


def account_box(account: Account) -> None:
    """Who is logged in, and a logout button (in the sidebar)."""
    units = f" — {', '.join(account.units)}" if account.role == "reviewer" else ""
    st.caption(f"Đăng nhập: **{_md(account.name)}** ({ROLE_LABELS[account.role]}{_md(units)})")
    st.button("Đăng xuất", key="logout", on_click=_logout)


def _logout() -> None:
    auth().logout(st.session_state.pop(TOKEN, None))
    for key in (ACCOUNT, "fresh_reports", "last_run", "batch_id", "page"):
        st.session_state.pop(key, None)


def _md(text: str) -> str:
    from essaycheck.ui.common import md

    return md(text)


# --- administrator's page -----------------------------------------------------------------
def accounts_page(account: Account) -> None:
    if not account.is_admin:
        st.error("Chỉ quản trị viên mới mở được trang này.")
        return
    store, a = _store(), auth()
    st.header("Tài khoản và nhật ký")
    rows = [
        {
            "Tên đăng nhập": x.username,
            "Họ và tên": x.display_name,
            "Vai trò": ROLE_LABELS[x.role],
            "Đơn vị": ", ".join(x.units) if x.role == "reviewer" else "mọi đơn vị",
            "Trạng thái": "đã khoá" if x.disabled else "hoạt động",
        }
        for x in store.accounts()
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

    st.subheader("Thêm tài khoản")
    with st.form("add_account", clear_on_submit=True):
        c1, c2 = st.columns(2)
        username = c1.text_input("Tên đăng nhập", key="acc_user")
        name = c2.text_input("Họ và tên", key="acc_name")
        role = c1.selectbox("Vai trò", ROLES, format_func=ROLE_LABELS.get, key="acc_role")
        units = c2.text_input("Đơn vị (người xem xét; cách nhau bằng dấu ;)", key="acc_units")
        password = st.text_input("Mật khẩu ban đầu (ít nhất 10 ký tự)", type="password")
        added = st.form_submit_button("Thêm", type="primary", key="acc_add")
    if added:
        unit_list = [u.strip() for u in units.split(";") if u.strip()]
        try:
            a.add_user(username, password, role, unit_list, name, by=account.username)
            st.success(f"Đã thêm tài khoản {_md(username)}.")
        except (LoginError, ValueError) as exc:
            st.error(exc.message if isinstance(exc, LoginError) else str(exc))

    st.subheader("Khoá, mở khoá, đặt lại mật khẩu")
    names = [x.username for x in store.accounts()]
    with st.form("change_account"):
        who = st.selectbox("Tài khoản", names, key="acc_pick")
        action = st.radio(
            "Việc cần làm",
            ("disable", "enable", "passwd"),
            format_func={"disable": "Khoá", "enable": "Mở khoá", "passwd": "Đặt mật khẩu mới"}.get,
            horizontal=True,
            key="acc_action",
        )
        new_password = st.text_input("Mật khẩu mới", type="password", key="acc_newpw")
        done = st.form_submit_button("Thực hiện", key="acc_do")
    if done and who:
        try:
            if action == "passwd":
                a.set_password(who, new_password, by=account.username)
            else:
                a.set_disabled(who, action == "disable", by=account.username)
            st.success("Đã lưu.")
        except (LoginError, ValueError, KeyError) as exc:
            st.error(exc.message if isinstance(exc, LoginError) else str(exc))

    st.subheader("Nhật ký (500 dòng gần nhất)")
    st.caption("Đăng nhập, đăng nhập sai, khoá tài khoản, quyết định, xoá đợt, thay đổi tài khoản.")
    st.dataframe(store.audit_log(limit=500).iloc[::-1], hide_index=True, width="stretch")


# --- errors without tracebacks --------------------------------------------------------------
def _logger(db_path: str) -> logging.Logger:
    """A rotating log file beside the database (``$ESSAYCHECK_LOG`` to choose), mode 0600."""
    log = logging.getLogger("essaycheck.app")
    path = Path(os.environ.get("ESSAYCHECK_LOG") or f"{db_path}.log")
    if not any(getattr(h, "baseFilename", None) == str(path) for h in log.handlers):
        touch_private(path)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=5_000_000, backupCount=3, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


def guarded(db_path: str, draw: Callable[[], None]) -> None:
    """Draw a page; an error becomes a Vietnamese message with an incident code, its traceback
    goes to the log file only (no server paths or code shown to the user)."""
    try:
        draw()
    except PermissionDenied as exc:
        st.error(exc.message)
    except Exception:
        incident = secrets.token_hex(4).upper()
        try:
            who = current()
            _logger(db_path).exception(
                "incident %s (account %s)", incident, who.username if who else "-"
            )
        except Exception:  # a full disk must not turn the message into a traceback
            pass
        st.error(
            f"Đã xảy ra lỗi không mong muốn (mã sự cố {incident}). Chi tiết đã được ghi vào nhật "
            "ký của máy chủ; hãy thử lại, hoặc báo mã này cho quản trị viên."
        )
