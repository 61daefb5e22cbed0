"""A real browser on the walkthrough: Voila serves 01_walkthrough.ipynb, Playwright drives Debian's Chromium.

Opt-in (``pytest --browser`` or CMMIKIT_BROWSER=1; CI turns it on).  Skips with
the reason when Chromium, Voila or Playwright are missing.  The screenshot is
kept in tests/artifacts/.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from cmmikit.store import Appraisal

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parent.parent
NOTEBOOK = ROOT / "notebooks" / "01_walkthrough.ipynb"
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERVER_TIMEOUT = 90   # seconds for Voila to answer
WIDGET_TIMEOUT = 90_000  # ms for the kernel to run the notebook and the widgets to render
ACTION_TIMEOUT = 20_000  # ms for each step once the page is up
STORE_TIMEOUT = 20    # seconds for a click to reach the appraisal file


# Click "next" and resolve with the milliseconds until the new practice title is painted.
STEP_JS = """
(title) => new Promise((resolve) => {
  const shown = () => [...document.querySelectorAll('h3')].some((h) => h.textContent.includes(title));
  const button = [...document.querySelectorAll('button.widget-button')].find((b) => b.textContent.includes('next'));
  const start = performance.now();
  const observer = new MutationObserver(() => {
    if (shown()) {
      observer.disconnect();
      requestAnimationFrame(() => resolve(performance.now() - start));
    }
  });
  observer.observe(document.body, {subtree: true, childList: true, characterData: true});
  button.click();
})
"""


def _require_tools() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    for module in ("voila", "playwright"):
        pytest.importorskip(module, reason=f"{module} is not installed (pip install -e '.[browser]')")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(demo, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Voila serving the walkthrough on the private demo copy; yields (url, appraisal path)."""
    _require_tools()
    path = demo.path
    demo.close()
    port = _free_port()
    log_path = tmp_path / "voila.log"
    env = {**os.environ, "CMMIKIT_APPRAISAL": str(path), "PYTHONUNBUFFERED": "1"}
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "voila", str(NOTEBOOK), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_answering(url, server, log_path)
        yield url, path
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def _wait_until_answering(url: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"voila exited with {server.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"voila did not answer within {SERVER_TIMEOUT}s:\n{log_path.read_text(errors='replace')}")


def _stored(path: Path, pa: str, practice: str, instance: str) -> str | None:
    with Appraisal.open(path) as appraisal:
        return appraisal.record(pa, practice, instance).characterization


def _wait_for_store(path: Path, pa: str, practice: str, instance: str, expected: str) -> float:
    start = time.monotonic()
    while time.monotonic() - start < STORE_TIMEOUT:
        if _stored(path, pa, practice, instance) == expected:
            return time.monotonic() - start
        time.sleep(0.1)
    pytest.fail(f"{pa} {practice} {instance}: the store still holds {_stored(path, pa, practice, instance)!r}, "
                f"not {expected!r}, {STORE_TIMEOUT}s after the click")


def test_walkthrough_in_chromium_saves_a_characterization(served: tuple[str, Path]) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, path = served
    instance = "Service Desk"
    before = _stored(path, "CM", "SP 1.2", instance)
    target = "PI" if before != "PI" else "LI"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.set_default_timeout(WIDGET_TIMEOUT)
            page.goto(url, timeout=WIDGET_TIMEOUT)
            page.wait_for_selector(".widget-dropdown select")
            page.set_default_timeout(ACTION_TIMEOUT)
            expect(page.get_by_text("SD SP 1.1 Analyze Existing Agreements and Service Data")).to_be_visible()

            page.locator(".widget-dropdown select").first.select_option(label="CM Configuration Management")
            expect(page.get_by_text("CM SP 1.1 Identify Configuration Items")).to_be_visible()
            step_ms = page.evaluate(STEP_JS, "CM SP 1.2 Establish a Configuration Management System")
            expect(page.get_by_text("CM SP 1.2 Establish a Configuration Management System")).to_be_visible()

            panel = page.locator(".widget-toggle-buttons").first
            panel.get_by_role("button", name=target, exact=True).click()
            waited = _wait_for_store(path, "CM", "SP 1.2", instance, target)
            expect(page.get_by_text("saved characterization").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "walkthrough.png"), full_page=False)
        finally:
            browser.close()
    print(f"browser: next practice rendered {step_ms:.0f} ms after the click; "
          f"{target} was in the store {waited * 1000:.0f} ms after the click returned")
    assert _stored(path, "CM", "SP 1.2", instance) == target
    assert step_ms < 2000, f"stepping took {step_ms:.0f} ms in the browser"
