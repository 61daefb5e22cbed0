"""A colleague's change reaches an open screen: named on it within seconds, shown on a click, nothing redrawn
under the user's hands; the own changes are not announced (both backends)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cmmikit.store import Appraisal
from cmmikit.ui import common
from cmmikit.ui.live import ColleagueChanges
from cmmikit.ui.walkthrough import WalkthroughView
from cmmikit.ui.workbench import Workbench


@pytest.fixture
def screen(appraisal: Appraisal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """ann's walkthrough screen on the appraisal (her kernel) and ravi's handle on it (his kernel)."""
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv(common.SERVER_PID_ENV, "778")
    monkeypatch.setenv(common.APPRAISAL_ENV, "")
    monkeypatch.setenv("CMMIKIT_USER", "ann")
    page = Workbench(WalkthroughView, appraisal.address, folder=tmp_path, pa="SD")
    with Appraisal.open(appraisal.address, user="ravi") as ravi:
        yield page, ravi
    page.close()
    Workbench._live.clear()
    common.release_all()


def test_a_colleagues_change_is_named_and_shown_on_a_click(screen) -> None:
    page, ravi = screen
    live = page.live
    assert live.check() == [] and live.widget.layout.display == "none"
    page.view.panels[0].characterization.value = "FI"          # ann's own change: not announced
    assert page.view.panels[0].status.ok and live.check() == []
    ravi.update_record("SD", "SP 1.1", "Unit B", characterization="PI")
    [waiting] = live.check()
    assert waiting.user == "ravi" and live.widget.layout.display == "flex"
    assert "<b>ravi</b> changed SD SP 1.1 · Unit B (characterization)" in live.notice.value
    assert page.view.panels[1].characterization.value != "PI"   # not redrawn under her hands
    live.show_button.click()
    assert page.view.panels[1].characterization.value == "PI" and page.view.panels[0].characterization.value == "FI"
    assert live.widget.layout.display == "none" and live.check() == []


def test_many_changes_are_counted_by_person(screen) -> None:
    page, ravi = screen
    for n, unit in enumerate(("Unit A", "Unit B", "QA Group") * 2):
        ravi.update_record("SD", "SP 1.1" if n < 3 else "SP 1.2", unit, weaknesses=f"gap {n}")
    waiting = page.live.check()
    assert len(waiting) == 6
    assert page.live.notice.value.count("<b>ravi</b> changed") == 3 and "3 earlier changes by ravi" in \
        page.live.notice.value


def test_the_kernels_event_loop_looks_by_itself(screen) -> None:
    page, ravi = screen

    async def session() -> ColleagueChanges:
        live = ColleagueChanges(page.appraisal, page.redraw, every=0.05)
        live.start()
        ravi.update_record("SD", "SP 1.1", "Unit A", characterization="NI")
        for _ in range(100):
            await asyncio.sleep(0.05)
            if live.waiting:
                break
        live.stop()
        return live

    live = asyncio.run(session())
    assert [c.user for c in live.waiting] == ["ravi"] and "Unit A" in live.notice.value
