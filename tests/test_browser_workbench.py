"""The workbench notebooks in a real browser, in JupyterLab AND in Voila: an appraisal day with clicks only.

Each test runs once per front end (``lab``: JupyterLab, notebook opened and "Run All";
``voila``: Voila serving the notebook folder).  Every stored value is checked through
the Appraisal API from this process, not on the screen.  Screenshots of each step go
to tests/artifacts/<front>-<step>.png.  Opt-in: ``pytest --browser`` or CMMIKIT_BROWSER=1.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from cmmikit.store import Appraisal
from cmmikit.ui import browser
from cmmikit.workbench import write_notebooks

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parent.parent
ARTIFACTS = Path(__file__).parent / "artifacts"
FRONTS = ("lab", "voila")
TIMEOUT = 30_000         # ms for one click to show its result
SLOW = 240_000           # ms for a notebook to run, or an export with the report
GAP = int(os.environ.get("CMMIKIT_TYPING_GAP", "1000"))  # ms from one typed item to the next


@pytest.fixture(autouse=True)
def _tools() -> None:
    reason = browser.missing_tools()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, demo_file: Path) -> Path:
    """The notebook folder both servers serve, as `cmmikit notebooks` writes it, with the sample appraisal."""
    nb = tmp_path_factory.mktemp("served") / "notebooks"
    write_notebooks(nb)
    shutil.copy(demo_file, nb / "sample.cmmi")
    return nb


class Fronts:
    """The two servers, started on first use and stopped at the end of the module."""

    def __init__(self, folder: Path, work: Path) -> None:
        self.folder, self.work = folder, work
        self.stack = ExitStack()
        self.urls: dict[str, browser.ServerURL] = {}
        self.runtime = work / "runtime"
        self.env = {"PYTHONPATH": str(ROOT), "JUPYTER_RUNTIME_DIR": str(self.runtime),
                    "CMMIKIT_CACHE_DIR": str(work / "cache"), "CMMIKIT_APPRAISAL": str(folder / "sample.cmmi"),
                    "MPLBACKEND": "Agg"}

    def url(self, front: str) -> browser.ServerURL:
        if front not in self.urls:
            if front == "lab":
                self.urls[front] = self.stack.enter_context(
                    browser.jupyter_lab(self.folder, env=self.env, workdir=self.work))
            else:  # Voila serving the folder, run in it so it reads voila.json
                self.urls[front] = self.stack.enter_context(
                    browser.voila(self.folder, env=self.env, workdir=self.folder))
        return self.urls[front]

    def choose(self, front: str, appraisal: Path) -> None:
        """What the chooser remembers for the server's session: the notebooks opened next show ``appraisal``."""
        self.runtime.mkdir(parents=True, exist_ok=True)
        (self.runtime / f"cmmikit-ui-{self.url(front).pid}.json").write_text(
            json.dumps({"appraisal": str(appraisal)}), encoding="utf-8")


@pytest.fixture(scope="module")
def fronts(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fronts]:
    servers = Fronts(folder, tmp_path_factory.mktemp("servers"))
    with servers.stack:
        yield servers


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = browser.launch_chromium(p)
        yield instance
        instance.close()


class Session:
    """One browser page on one front end, with the helpers a test needs."""

    def __init__(self, front: str, fronts: Fronts, page: Any) -> None:
        self.front, self.fronts, self.page = front, fronts, page
        self.url = fronts.url(front)
        page.set_default_timeout(TIMEOUT)

    def open(self, notebook: str, appraisal: Path) -> Any:
        self.fronts.choose(self.front, appraisal)
        if self.front == "lab":
            return browser.open_in_lab(self.page, self.url, notebook, timeout=SLOW)
        return browser.open_in_voila(self.page, self.url, notebook, timeout=SLOW)

    def shot(self, step: str, target: Any = None) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        (target or self.page).screenshot(path=str(ARTIFACTS / f"{self.front}-{step}.png"))

    def close(self) -> None:
        if self.front == "lab":  # shut the test's kernels down so the next test has the CPU
            self.page.evaluate("""async () => {
              const kernels = await (await fetch('/api/kernels')).json();
              await Promise.all(kernels.map((k) => fetch('/api/kernels/' + k.id, {method: 'DELETE'})));
            }""")
        self.page.close()


@pytest.fixture(params=FRONTS)
def session(request: pytest.FixtureRequest, fronts: Fronts, chromium: Any) -> Iterator[Session]:
    page = chromium.new_page(viewport={"width": 1500, "height": 1100}, accept_downloads=True)
    s = Session(request.param, fronts, page)
    yield s
    s.close()


def copy_sample(folder: Path, name: str) -> Path:
    target = folder / f"{name}.cmmi"
    shutil.copy(folder / "sample.cmmi", target)
    return target


def saved(screen: Any, text: str, timeout: float = TIMEOUT) -> None:
    """Wait until a status line of the screen says ``text``."""
    screen.locator("[role=status]").filter(has_text=text).first.wait_for(timeout=timeout)


def type_in(box: Any, text: str) -> None:
    """Type into a text box and leave it (boxes that save on their own save when left)."""
    box.fill(text)
    box.press("Tab")


# ------------------------------------------------------------------ 00_setup


def test_setup_task_with_clicks(session: Session, folder: Path) -> None:
    screen = session.open("00_setup.ipynb", folder / "sample.cmmi")
    name = f"Browser setup {session.front}"
    new_file = folder / f"browser-setup-{session.front}.cmmi"
    screen.get_by_text("Another file, a server URL, or a new appraisal").click()
    screen.get_by_role("textbox", name="New appraisal name").fill(name)
    screen.get_by_role("button", name="create new appraisal").click()
    saved(screen, f"created {name}")
    assert new_file.exists()
    remembered = json.loads((session.fronts.runtime / f"cmmikit-ui-{session.url.pid}.json").read_text())
    assert remembered == {"appraisal": str(new_file)}

    type_in(screen.get_by_role("textbox", name="Organizational unit"), "Managed services division")
    saved(screen, "Organizational unit: 'Managed services division'")
    screen.get_by_label("Start date").fill("2027-03-01")
    saved(screen, "Start date: '2027-03-01'")
    session.shot("setup-1-appraisal", screen)

    screen.get_by_role("tab", name="Units").click()
    for unit in ("Service Desk", "Data Centre"):
        screen.get_by_role("textbox", name="new basic unit or support function").fill(unit)
        screen.get_by_role("textbox", name="subgroup of the new unit").fill("Operations")
        screen.get_by_role("button", name="add", exact=True).click()
        saved(screen, f"added basic unit {unit}")
    screen.get_by_role("textbox", name="new basic unit or support function").fill("QA Office")
    screen.get_by_role("combobox", name="kind of the new unit").select_option(label="support function")
    screen.get_by_role("button", name="add", exact=True).click()
    saved(screen, "added support function QA Office")
    assert screen.get_by_role("combobox", name="kind of the new unit").input_value() != ""
    assert screen.get_by_role("textbox", name="subgroup of the new unit").input_value() == ""
    session.shot("setup-2-units", screen)

    screen.get_by_role("tab", name="Scope, sampling").click()
    screen.get_by_role("combobox", name="scope of SAM").select_option(label="not applicable")
    saved(screen, "SAM: type the reason it is not applicable")
    type_in(screen.get_by_role("textbox", name="reason for the scope of SAM"), "No suppliers are used")
    saved(screen, "SAM: not applicable (No suppliers are used)")
    screen.get_by_role("checkbox", name="QA Office sampled for PPQA").check()
    saved(screen, "QA Office sampled for PPQA")
    session.shot("setup-3-scope", screen)

    screen.get_by_role("tab", name="Team").click()
    screen.get_by_role("textbox", name="assessor name").fill("Ravi Menon")
    screen.get_by_role("textbox", name="role of the new assessor").fill("Assessor")
    screen.get_by_role("button", name="add assessor").click()
    saved(screen, "added Ravi Menon")
    for pa in ("SD", "WP"):
        screen.get_by_role("checkbox", name=f"Ravi Menon assesses {pa}").check()
    saved(screen, "Ravi Menon: SD, WP (Assessor)")
    # each checkbox sits under its column header
    box = screen.get_by_role("checkbox", name="Ravi Menon assesses WP").bounding_box()
    head = screen.get_by_text("WP", exact=True).bounding_box()
    centre = box["x"] + box["width"] / 2
    assert head["x"] - 4 <= centre <= head["x"] + head["width"] + 28, (box, head)
    session.shot("setup-4-team", screen)

    with Appraisal.open(new_file) as stored:
        info = stored.info()
        assert (info.name, info.org_unit, info.start_date) == (name, "Managed services division", "2027-03-01")
        units = {i.name: (i.kind, i.subgroup) for i in stored.instances()}
        assert units == {"Service Desk": ("basic_unit", "Operations"), "Data Centre": ("basic_unit", "Operations"),
                         "QA Office": ("support_function", "")}
        assert next(i for i in stored.instances() if i.name == "QA Office").pas == ("PPQA",)
        scope = stored.scopes()["SAM"]
        assert (scope.scope, scope.reason) == ("not_applicable", "No suppliers are used")
        [person] = stored.assessors()
        assert (person.name, person.role, person.pas) == ("Ravi Menon", "Assessor", ("SD", "WP"))


# ------------------------------------------------------------------ 01_walkthrough


def test_thirty_evidence_adds_then_characterization_and_weakness(session: Session, folder: Path) -> None:
    path = folder / f"walk-{session.front}.cmmi"
    with Appraisal.create(path, name="Walkthrough in the browser") as a:
        a.add_instance("Service Desk")
        a.add_instance("Data Centre")
    screen = session.open("01_walkthrough.ipynb", path)
    panel = screen.locator(".cmmikit-panel-0")
    box = panel.get_by_role("textbox", name="new evidence: description")
    add = panel.get_by_role("button", name="add evidence")
    # typed key by key as a person types, "add evidence" clicked at once, one item a second; the titles
    # share prefixes ("Evidence item 1" is a prefix of 12): a cut-short title would link item 1 again
    from playwright.sync_api import expect
    for n in range(1, 31):
        start = time.monotonic()
        expect(box).to_have_value("")     # a person types the next title once the box is empty again
        box.press_sequentially(f"Evidence item {n}")
        add.click()
        session.page.wait_for_timeout(max(0, GAP - (time.monotonic() - start) * 1000))
    saved(panel, "added: Evidence item 30")
    session.shot("walk-1-thirty-adds", panel)
    with Appraisal.open(path) as stored:
        descriptions = [e.description for e in stored.evidence(pa="SD", practice="SP 1.1", instance="Service Desk")]
    assert descriptions == [f"Evidence item {n}" for n in range(1, 31)]
    expect(box).to_have_value("")

    panel.get_by_role("button", name="PI", exact=True).click()
    saved(panel, "PI saved")
    type_in(panel.get_by_role("textbox", name="Weaknesses"), "Only one of three agreements was analysed.")
    saved(panel, "weaknesses saved")
    # keyboard: l on a panel's buttons sets LI there; the right arrow steps to the next practice
    panel.get_by_role("button", name="PI", exact=True).focus()
    session.page.keyboard.press("l")
    saved(panel, "LI saved")
    panel.get_by_role("textbox", name="new evidence: description").fill("Half-typed interview note")
    session.page.keyboard.press("Tab")
    panel.get_by_role("button", name="LI", exact=True).focus()
    session.page.keyboard.press("ArrowRight")
    screen.get_by_text("SD SP 1.2 Establish the Service Agreement").wait_for()
    screen.get_by_text("Evidence drafts not added yet: SD SP 1.1 (Service Desk)").wait_for()
    session.shot("walk-2-characterized", screen)
    with Appraisal.open(path) as stored:
        record = stored.record("SD", "SP 1.1", "Service Desk")
        assert (record.characterization, record.weaknesses) == ("LI", "Only one of three agreements was analysed.")
        assert len(stored.evidence()) == 30
    # typing a registered title offers the item: linking it here reuses it (no second register entry)
    other = screen.locator(".cmmikit-panel-1")
    other.get_by_role("textbox", name="new evidence: description").fill("Evidence item 7")
    other.get_by_role("button", name=re.compile(r"^\W*link$")).click()   # its name starts with the icon glyph
    saved(other, "linked ART-7 'Evidence item 7' (used in 2 cells)")
    session.shot("walk-3-linked-from-register", other)
    with Appraisal.open(path) as stored:
        assert len(stored.register()) == 30 and stored.artifact(7).cells[-1] == ("SD", "SP 1.2", "Data Centre")


@pytest.mark.parametrize("session", ["lab"], indirect=True)   # Voila runs a notebook once per page: no 'Run All'
def test_run_all_twice_with_another_process_then_a_save_reaches_the_file(session: Session, folder: Path) -> None:
    path = copy_sample(folder, "run-all-twice")
    session.open("01_walkthrough.ipynb", path)
    screen = browser.lab_run_all(session.page, timeout=SLOW)   # the second "Run All" in the same kernel
    rate = subprocess.run([sys.executable, "-m", "cmmikit.cli", "rate", str(path)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert rate.returncode == 0, rate.stderr
    panel = screen.locator(".cmmikit-panel-0")
    with Appraisal.open(path) as stored:
        name = [i for i in stored.instances() if "SD" in i.pas][0].name
        before = stored.record("SD", "SP 1.1", name).characterization
    target = "NY" if before != "NY" else "NI"
    panel.get_by_role("button", name=target, exact=True).click()
    saved(panel, f"{target} saved")
    session.shot("run-all-twice-saved", screen)
    check = subprocess.run([sys.executable, "-c", "import sys; from cmmikit.store import Appraisal; "
                            "a = Appraisal.open(sys.argv[1]); print(a.record('SD', 'SP 1.1', sys.argv[2])"
                            ".characterization)", str(path), name],
                           capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert check.stdout.strip() == target, check.stderr


def test_kernel_restart_disables_the_widgets(session: Session, folder: Path) -> None:
    path = copy_sample(folder, f"restart-{session.front}")
    screen = session.open("01_walkthrough.ipynb", path)
    panel = screen.locator(".cmmikit-panel-0")
    with Appraisal.open(path) as stored:
        name = [i for i in stored.instances() if "SD" in i.pas][0].name
        before = stored.record("SD", "SP 1.1", name).characterization
    if session.front == "lab":
        browser.lab_restart_kernel(session.page)
    else:  # Voila has no restart: the kernel dies
        for pid in browser.kernel_pids(session.url.pid):
            os.kill(pid, 9)
    session.page.locator(".cmmikit-screen.jupyter-widgets-disconnected").first.wait_for(timeout=SLOW)
    banner = session.page.evaluate(
        "() => getComputedStyle(document.querySelector('.cmmikit-screen.jupyter-widgets-disconnected'), "
        "'::before').content")
    assert "Not connected" in banner
    fi = panel.get_by_role("button", name="FI", exact=True)
    assert fi.is_hidden()   # no control left to press: nothing can look set that is not stored
    session.shot("restart-disabled", screen)
    with Appraisal.open(path) as stored:
        assert stored.record("SD", "SP 1.1", name).characterization == before


# ------------------------------------------------------------------ 01b_grid


def test_grid_keyboard_entry_on_a_selection_then_one_cell(session: Session, folder: Path) -> None:
    path = copy_sample(folder, f"grid-{session.front}")
    with Appraisal.open(path) as a:
        first, second = [i.name for i in a.instances() if "SD" in i.pas][:2]
        before = {(p, u): a.record("SD", p, u).characterization for p in ("SP 1.1", "SP 1.2") for u in (first, second)}
    target = next(v for v in ("NI", "PI", "NY") if v not in before.values())
    screen = session.open("01b_grid.ipynb", path)
    grid = screen.locator(".cmmikit-grid")
    cell = lambda practice, unit: grid.locator(f'td[aria-label^="SD {practice} / {unit}:"]')  # noqa: E731
    cell("SP 1.1", first).click()
    cell("SP 1.2", second).click(modifiers=["Shift"])          # a 2 x 2 rectangle
    session.page.keyboard.press(target[0])                     # n / p / y
    saved(screen, f"4 cells: {target} saved")
    for practice in ("SP 1.1", "SP 1.2"):
        for unit in (first, second):
            assert cell(practice, unit).inner_text().startswith(target)
    session.page.keyboard.press("ArrowRight")                  # one cell again: SP 1.2 in the third unit
    session.page.keyboard.press("Delete")
    third = [c for c in grid.locator("thead th.col").all_inner_texts() if c != "OU"][2]
    saved(screen, f"SD SP 1.2 / {third}: blank saved")
    session.shot("grid-keyboard", screen)
    with Appraisal.open(path) as stored:
        assert {stored.record("SD", p, u).characterization for p in ("SP 1.1", "SP 1.2")
                for u in (first, second)} == {target}
        assert stored.record("SD", "SP 1.2", third).characterization is None


# ------------------------------------------------------------------ 02_ratings, 03_findings, 04_export


def test_team_decision_in_ratings(session: Session, folder: Path) -> None:
    path = copy_sample(folder, f"ratings-{session.front}")
    with Appraisal.open(path) as a:
        decision = a.practice_decisions()[0]
        a.clear_practice_decision(decision.pa, decision.practice)   # an open team judgment again
    screen = session.open("02_ratings.ipynb", path)
    screen.get_by_role("combobox", name="Show").select_option(label=decision.pa)
    practice = screen.get_by_role("combobox", name="Practice")
    option = practice.locator("option").filter(has_text=f"{decision.pa} {decision.practice} ")
    option.wait_for(state="attached")  # the list follows the filter
    practice.select_option(label=option.text_content())
    screen.get_by_role("textbox", name="Rationale").fill("Browser test: the gap affects every agreement.")
    screen.get_by_role("button", name="record decision").click()
    saved(screen, f"{decision.pa} {decision.practice}: team decision")
    session.shot("ratings-decision", screen)
    with Appraisal.open(path) as stored:
        found = [d for d in stored.practice_decisions() if (d.pa, d.practice) == (decision.pa, decision.practice)]
    assert len(found) == 1 and found[0].rationale == "Browser test: the gap affects every agreement."


def test_action_added_to_a_named_finding(session: Session, folder: Path) -> None:
    path = copy_sample(folder, f"findings-{session.front}")
    screen = session.open("03_findings.ipynb", path)
    screen.get_by_role("tab", name="Finding and its actions").click()
    heading = screen.get_by_text("New action for finding #")
    fid = int(heading.text_content().split("#", 1)[1].split(":", 1)[0])
    screen.get_by_role("textbox", name="Action").fill("Write the measurement procedure")
    screen.get_by_role("textbox", name="Owner").fill("Kim")
    screen.get_by_role("button", name="Add action").click()
    saved(screen, f"action added to finding #{fid}")
    session.shot("findings-action", screen)
    with Appraisal.open(path) as stored:
        actions = [a for a in stored.actions() if a.description == "Write the measurement procedure"]
    assert [(a.finding_id, a.owner) for a in actions] == [(fid, "Kim")]


def test_export_writes_beside_the_notebooks_with_links_that_download(session: Session, folder: Path) -> None:
    path = copy_sample(folder, f"export-{session.front}")
    with Appraisal.open(path) as a:
        a.update_info(name=f"Export {session.front}")
    screen = session.open("04_export.ipynb", path)
    assert not (folder / "exports").exists() or not any((folder / "exports").glob(f"export-{session.front}-*"))
    for extra in ("final-findings deck (PowerPoint)", "report (PDF, A4)"):  # other modules, with their own tests
        box = screen.locator(".widget-checkbox").filter(has_text=extra).locator("input")
        assert box.count() == 1, extra
        box.uncheck()
        assert not box.is_checked(), extra
    screen.get_by_role("button", name="Export").click()
    done = screen.locator("[role=status]").filter(has_text="written into exports/")
    partial = screen.locator("[role=status]").filter(has_text="deliverables written")
    try:
        done.or_(partial).first.wait_for(timeout=SLOW)
    finally:
        session.shot("export-after-click", screen)
    assert done.count(), partial.text_content()
    assert "11 files written" in done.text_content()   # workbook, 4 charts x PNG and SVG, report and its notebook
    [target] = (folder / "exports").glob(f"export-{session.front}-*")
    session.shot("export-done", screen)
    # every link on the screen downloads the file it names (Voila: allowed by the voila.json written beside)
    for summary in screen.locator("summary").all():
        summary.click()
    links = screen.locator("a[download]")
    names = sorted(links.all_inner_texts())
    assert f"exports/{target.name}/gap-analysis.xlsx" in names and f"exports/{target.name}/report.html" in names
    assert not [n for n in names if n.endswith(".ipynb")]   # the report's intermediate notebook is not offered
    assert len(names) == 10
    for n in range(links.count()):
        link = links.nth(n)
        rel = link.inner_text()
        with session.page.expect_download() as download:
            link.click()
        got = download.value
        assert got.failure() is None, rel
        assert got.suggested_filename == Path(rel).name
        assert Path(got.path()).read_bytes() == (folder / rel).read_bytes(), rel
    assert screen.locator("img").count() >= 4
