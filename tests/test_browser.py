"""End to end in a real headless browser: ``streamlit run`` + Playwright + Debian's Chromium.

Uploads a few sample essays and the resolution through the file uploaders, waits for the results,
opens the pair view, jumps between passages, saves a decision, and leaves a screenshot in
``tests/artifacts/``. Needs ``/usr/bin/chromium`` (``apt-get install chromium``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

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


def test_upload_check_pair_view_and_decision(server):
    from playwright.sync_api import expect, sync_playwright

    from essaycheck.store import Store

    url, db = server
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.set_default_timeout(60_000)
        try:
            page.goto(url)
            expect(page.get_by_text("Kiểm tra một đợt bài thu hoạch")).to_be_visible()
            uploaders = page.locator('[data-testid="stFileUploader"]')
            uploaders.nth(0).locator('input[type="file"]').set_input_files(
                [str(SAMPLES / "batch" / n) for n in UPLOADS]
            )
            uploaders.nth(1).locator('input[type="file"]').set_input_files(
                str(SAMPLES / "resolution.txt")
            )
            for name in [*UPLOADS, "resolution.txt"]:
                expect(page.get_by_text(name, exact=True)).to_be_visible()

            _wait_idle(page)
            page.get_by_role("button", name="Bắt đầu kiểm tra").click()
            expect(page.get_by_text(f"Đã kiểm tra {len(UPLOADS)} bài")).to_be_visible(
                timeout=120_000
            )

            page.get_by_text("So sánh cặp bài", exact=True).click()
            expect(page.get_by_text("Toàn văn hai bài")).to_be_visible()
            expect(page.locator('mark[id="pa-0"]')).to_have_count(1)
            page.get_by_role("button", name="Đoạn sau").click()
            expect(page.locator("mark.ec-current")).to_have_count(4)  # 2 excerpts + 2 full texts
            page.locator('a[href="#pb-0"]').first.click()  # jump to the passage in the other text
            assert page.url.endswith("#pb-0")

            page.get_by_text("xác nhận", exact=False).first.click()
            page.get_by_label("Nhận xét").fill("Chép nguyên văn, chỉ đổi tên")
            page.get_by_label("Người xem xét (họ và tên)").fill("Lê Thị Mai")
            page.get_by_role("button", name="Lưu quyết định").click()
            expect(page.get_by_text("Đã lưu: xác nhận")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "browser_pair_view.png"))
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "browser_failure.png"), full_page=True)
            raise
        finally:
            browser.close()

    saved = Store(db).list_batches()
    assert len(saved) == 1 and saved[0].essays == len(UPLOADS)
    taken = Store(db).decisions(saved[0].id)
    assert list(taken.decision) == ["confirm"] and taken.iloc[0].reviewer == "Lê Thị Mai"
    assert taken.iloc[0].target_kind == "pair"
