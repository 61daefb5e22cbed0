"""A real browser on the walkthrough: Voila serves 01_walkthrough.ipynb, Playwright drives Debian's Chromium.

Opt-in (``pytest --browser`` or CMMIKIT_BROWSER=1; CI turns it on).  Skips with
the reason when Chromium, Voila or Playwright are missing.  The screenshot is
kept in tests/artifacts/walkthrough.png.
"""

from __future__ import annotations

import importlib.util
import statistics
import time
from pathlib import Path

import pytest

from cmmikit.store import Appraisal
from cmmikit.ui import browser

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parent.parent
NOTEBOOK = ROOT / "notebooks" / "01_walkthrough.ipynb"
ARTIFACTS = Path(__file__).parent / "artifacts"
RENDER_TIMEOUT = 90_000  # ms for the kernel to run the notebook and the widgets to render
ACTION_TIMEOUT = 20_000  # ms for each step once the page is up
STORE_TIMEOUT = 20       # seconds for a click to reach the appraisal file


@pytest.fixture(autouse=True)
def _tools() -> None:
    reason = browser.missing_tools()
    if reason:
        pytest.skip(reason)


def _env(appraisal: Path, tmp_path: Path) -> dict[str, str]:
    """The served kernel opens ``appraisal`` and keeps its session memory in the test's folder."""
    return {"CMMIKIT_APPRAISAL": str(appraisal), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
            "PYTHONPATH": str(ROOT)}


def _stored(path: Path, pa: str, practice: str, instance: str) -> str | None:
    with Appraisal.open(path) as appraisal:
        return appraisal.record(pa, practice, instance).characterization


def _wait_for_store(path: Path, key: tuple[str, str, str], expected: str) -> float:
    start = time.monotonic()
    while time.monotonic() - start < STORE_TIMEOUT:
        if _stored(path, *key) == expected:
            return time.monotonic() - start
        time.sleep(0.1)
    pytest.fail(f"{' '.join(key)}: the store holds {_stored(path, *key)!r}, not {expected!r}, "
                f"{STORE_TIMEOUT}s after the click")


def test_walkthrough_in_chromium_saves_a_characterization(demo, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    path = demo.path
    demo.close()
    key = ("CM", "SP 1.2", "Service Desk")
    target = "PI" if _stored(path, *key) != "PI" else "LI"
    ARTIFACTS.mkdir(exist_ok=True)
    with browser.voila(NOTEBOOK, env=_env(path, tmp_path), workdir=tmp_path) as url, sync_playwright() as p:
        chromium = browser.launch_chromium(p)
        try:
            page = chromium.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(url, timeout=RENDER_TIMEOUT)
            page.wait_for_selector(".widget-dropdown select", timeout=RENDER_TIMEOUT)
            page.set_default_timeout(ACTION_TIMEOUT)
            expect(page.get_by_text("SD SP 1.1 Analyze Existing Agreements and Service Data")).to_be_visible()

            page.get_by_role("combobox", name="Process area").select_option(label="CM Configuration Management")
            expect(page.get_by_text("CM SP 1.1 Identify Configuration Items")).to_be_visible()
            step = browser.step_ms(page, "CM SP 1.2 Establish a Configuration Management System")

            first_panel = page.locator(".widget-toggle-buttons").first
            first_panel.get_by_role("button", name=target, exact=True).click()
            waited = _wait_for_store(path, key, target)
            expect(page.get_by_text(f"{target} saved").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "walkthrough.png"))
        finally:
            chromium.close()
    print(f"browser: next practice painted {step:.0f} ms after the click; {target} was in the store "
          f"{waited * 1000:.0f} ms after the click returned")
    assert _stored(path, *key) == target


def test_stepping_with_20_instances_in_chromium(tmp_path: Path) -> None:
    """The rendering figure that matters: click 'next' to new practice painted, 20 instance panels."""
    from playwright.sync_api import sync_playwright

    spec = importlib.util.spec_from_file_location("step_render", ROOT / "benchmarks" / "step_render.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    path = tmp_path / "twenty.cmmi"
    bench.build(path, 20).close()
    with browser.voila(NOTEBOOK, env=_env(path, tmp_path), workdir=tmp_path) as url, sync_playwright() as p:
        chromium = browser.launch_chromium(p)
        try:
            page = chromium.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url, timeout=RENDER_TIMEOUT)
            page.wait_for_selector(".widget-toggle-buttons", timeout=RENDER_TIMEOUT)
            assert page.locator(".widget-toggle-buttons").count() == 20
            with Appraisal.open(path) as appraisal:
                practices = appraisal.model.pa("SD").practices
            times = [browser.step_ms(page, f"SD {p.id} {p.title}") for p in practices[1:9]]
        finally:
            chromium.close()
    median = statistics.median(times)
    print(f"browser, 20 instances: step median {median:.0f} ms, max {max(times):.0f} ms")
    # the 100 ms budget is shown by benchmarks/step_render.py --browser; here: every step painted
    assert len(times) == 8 and all(t > 0 for t in times)
