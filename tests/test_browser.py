"""End to end in a real headless browser: ``streamlit run`` + Playwright + Debian's Chromium.

Walks start → results → essay → pair → decision → overview → export at 1366 px: uploads sample
essays, the resolution, references and the units file through the file uploaders, opens an essay
and a pair, saves a decision, downloads the Excel and the printable per-unit report. Fails on any
request that leaves localhost and on English words on these screens. Screenshots go to
``tests/artifacts/`` (and to ``$ESSAYCHECK_SCREENSHOTS``, e.g. ``docs/screenshots``, when set).
Needs ``/usr/bin/chromium`` (``apt-get install chromium``).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
UPLOADS = ["bv_02.txt", "bv_09.docx", "tp_02.txt", "tp_09.txt", "xa_05.txt"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not start")


def _wait_idle(page, timeout: float = 30) -> None:
    """Wait until no script run is in progress (Streamlit's status widget is gone)."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=timeout * 1000)


@pytest.fixture
def server(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    if not (SAMPLES / "batch").is_dir():
        pytest.skip("data/samples/batch is missing (python scripts/make_samples.py builds it)")
    pytest.importorskip("playwright.sync_api")
    port = _free_port()
    db = tmp_path / "review.sqlite"
    env = os.environ | {
        "ESSAYCHECK_DB": str(db),
        "ESSAYCHECK_CACHE": str(tmp_path / "tokens.sqlite"),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app_streamlit.py"),
           "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"]  # fmt: skip
    from essaycheck.auth import Auth
    from essaycheck.store import Store

    Auth(Store(db)).add_user("admin", PASSWORD, "admin", display_name="Lê Thị Mai")
    log = (tmp_path / "streamlit.log").open("w")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url, db
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


# Words of Streamlit's own English, or of the code, that must not reach a reviewer's screen.
ENGLISH = re.compile(
    r"\b(Upload|Browse files|Drag and drop|per file|Limit|Deploy|Rerun|Running|Stop|Settings|"
    r"Print|Record a screencast|Clear cache|About|Showing page|Choose an option|No results|"
    r"Press Enter|Download|Error|Traceback|essay|pair|reference|unit_name|profile|aliases|"
    r"UTC|confirm|dismiss|discuss|source|None|nan|null)\b"
)
# The text a reviewer sees: visible text nodes, without Material icon ligatures ("upload").
VISIBLE_TEXT_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || !node.textContent.trim()) continue;
    if (el.closest('[data-testid="stIconMaterial"], script, style, noscript')) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility !== 'visible' || parseFloat(cs.fontSize) === 0) continue;
    if (!el.getClientRects().length) continue;
    out.push(node.textContent.trim());
  }
  return out.join(' | ');
}"""
PASSWORD = "mat khau quan tri"
UPLOADS_ALL = [*UPLOADS, "thcs_10.docx", "thcs_11.docx"]
REFERENCES = ["mau_1.txt", "nam_2023_kl21.txt"]


def _vietnamese_only(page, screen: str) -> str:
    text = page.evaluate(VISIBLE_TEXT_JS)
    assert "Rà soát bài thu hoạch" in text  # the walk sees the page, sidebar included
    found = sorted(set(ENGLISH.findall(text)))
    assert not found, f"English on the {screen} screen: {found}"
    return text


def _shot(page, name: str) -> None:
    # Streamlit keeps the scroll position across pages: show each screen from its top
    page.evaluate(
        "() => { for (const el of document.querySelectorAll('*')) "
        "if (el.scrollTop > 0) el.scrollTop = 0; }"
    )
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    docs = os.environ.get("ESSAYCHECK_SCREENSHOTS")  # refresh docs/screenshots on request
    if docs:
        page.screenshot(path=str(Path(docs) / f"{name}.png"))


def _side(page, label: str) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_text(label, exact=True).click()
    _wait_idle(page)


def test_start_results_essay_pair_decision_overview_export(server):
    """The whole walk a reviewer makes, at 1366 px, in Vietnamese, without leaving localhost."""
    from openpyxl import load_workbook
    from playwright.sync_api import expect, sync_playwright

    from essaycheck.store import Store
    from essaycheck.ui.essays import WIDTHS

    url, db = server
    ARTIFACTS.mkdir(exist_ok=True)
    outside: list[str] = []

    def guard(route) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1366, "height": 900}, locale="en-US", accept_downloads=True
        )
        context.route("**/*", guard)
        page = context.new_page()
        page.on("websocket", lambda ws: outside.append(ws.url) if "127.0.0.1" not in ws.url else 0)
        page.set_default_timeout(60_000)
        try:
            # start
            page.goto(url)
            # the first run of the script imports the checker: give it time
            expect(page.get_by_role("button", name="Đăng nhập")).to_be_visible(timeout=60_000)
            _wait_idle(page)
            _vietnamese_only(page, "login")
            page.get_by_label("Tên đăng nhập").fill("admin")
            page.get_by_label("Mật khẩu").fill(PASSWORD)
            page.get_by_role("button", name="Đăng nhập").click()
            expect(page.get_by_text("Kiểm tra một đợt bài thu hoạch")).to_be_visible()
            _wait_idle(page)
            _vietnamese_only(page, "start")
            # one uploader at a time: each upload reruns the page and redraws the uploaders
            uploads = [
                [SAMPLES / "batch" / n for n in UPLOADS_ALL],
                [SAMPLES / "resolution.txt"],
                [SAMPLES / "reference" / n for n in REFERENCES],
                [SAMPLES / "units.csv"],
            ]
            for i, files in enumerate(uploads):
                uploader = page.locator('[data-testid="stFileUploader"]').nth(i)
                uploader.locator('input[type="file"]').set_input_files([str(f) for f in files])
                expect(uploader.get_by_text(files[0].name, exact=True)).to_be_visible()
                _wait_idle(page)
            _vietnamese_only(page, "start (files chosen)")
            page.get_by_role("button", name="Bắt đầu kiểm tra").click()

            # results
            expect(page.get_by_text(f"Đã kiểm tra {len(UPLOADS_ALL)} bài")).to_be_visible(
                timeout=180_000
            )
            _wait_idle(page)
            _vietnamese_only(page, "results")
            table = page.locator('[data-testid="stDataFrame"]').last.bounding_box()
            assert table and table["x"] + table["width"] <= 1366
            assert table["width"] >= sum(WIDTHS.values()), (table, sum(WIDTHS.values()))
            _shot(page, "essay_list")

            # essay
            page.get_by_role("button", name="Xem bài").click()
            _wait_idle(page)
            expect(page.get_by_text("Mức độ liên hệ", exact=True)).to_be_visible()
            expect(page.get_by_text("Trùng lặp với bài khác", exact=True)).to_be_visible()
            _wait_idle(page)
            _vietnamese_only(page, "essay")
            _shot(page, "essay_view")

            # pair
            _side(page, "So sánh cặp bài")
            expect(page.get_by_text("Toàn văn hai bài")).to_be_visible()
            expect(page.get_by_text("Bài gốc có thể là:").first).to_be_visible()
            expect(page.get_by_text("Mức tin cậy").first).to_be_visible()
            expect(page.locator('mark[id="pa-0"]')).to_have_count(1)
            _wait_idle(page)
            _shot(page, "pair_view")
            page.get_by_role("button", name="Đoạn sau").click()
            _wait_idle(page)
            expect(page.locator("mark.ec-current")).to_have_count(4)  # 2 excerpts + 2 full texts
            page.locator('a[href="#pb-0"]').first.click()  # jump to the passage in the other text
            assert page.url.endswith("#pb-0")
            _vietnamese_only(page, "pair")

            # decision: nothing chosen until the reviewer chooses
            # the logged-in account decides: its name is filled in and cannot be changed
            expect(page.get_by_label("Người xem xét (họ và tên)")).to_have_value("Lê Thị Mai")
            page.get_by_role("button", name="Lưu quyết định").click()
            expect(page.get_by_text("Hãy chọn một quyết định")).to_be_visible()
            page.get_by_text("xác nhận", exact=False).first.click()
            page.get_by_label("Nhận xét").fill("Chép nguyên văn, chỉ đổi tên")
            page.get_by_role("button", name="Lưu quyết định").click()
            expect(page.get_by_text("Đã lưu: xác nhận")).to_be_visible()
            _wait_idle(page)
            _vietnamese_only(page, "decision")
            page.screenshot(path=str(ARTIFACTS / "decision.png"))

            # overview
            _side(page, "Tổng quan (hội đồng)")
            expect(page.get_by_text("Tổng quan đợt kiểm tra")).to_be_visible()
            expect(page.get_by_role("button", name="Tải báo cáo để in")).to_be_visible()
            _wait_idle(page)
            _vietnamese_only(page, "overview")
            _shot(page, "overview")

            # export
            with page.expect_download() as download:
                page.get_by_role(
                    "button", name="Excel (đơn vị, bài, cặp, nhóm, quyết định)"
                ).click()
            xlsx = ARTIFACTS / "export.xlsx"
            download.value.save_as(xlsx)
            with page.expect_download() as download:
                page.get_by_role("button", name="Tải báo cáo để in").click()
            printable = ARTIFACTS / "bao_cao_theo_don_vi.html"
            download.value.save_as(printable)
            _vietnamese_only(page, "export")
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "browser_failure.png"), full_page=True)
            raise
        finally:
            context.close()
            browser.close()

    assert outside == [], f"requests left localhost: {outside}"
    saved = Store(db).list_batches()
    assert len(saved) == 1 and saved[0].essays == len(UPLOADS_ALL)
    taken = Store(db).decisions(saved[0].id)
    assert list(taken.decision) == ["confirm"] and taken.iloc[0].reviewer == "Lê Thị Mai"
    assert taken.iloc[0].target_kind == "pair"
    book = load_workbook(xlsx)
    assert "Quyết định" in book.sheetnames and "Bài thu hoạch" in book.sheetnames
    assert book["Quyết định"].cell(2, 3).value == "xác nhận"
    page_html = printable.read_text(encoding="utf-8")
    assert "Bệnh viện Đa khoa huyện Thuận Giang" in page_html and "Lê Thị Mai" in page_html
