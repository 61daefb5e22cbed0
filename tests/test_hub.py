"""Two real hub users on one PostgreSQL appraisal: the team's JupyterHub deployment end to end.

A JupyterHub from PyPI runs ``deploy/jupyterhub/jupyterhub_config.py`` (through the test overlay in
tests/hub.py) on 127.0.0.1 with its proxy from npm. dana and ravi log in through the hub's login
page in Chromium; each single-user server reaches the shared PostgreSQL as the database login of
the same name (``PGUSER``, passwords in a private pgpass file, none in any URL). Both open the
walkthrough notebook the hub gave them; each saves a characterization, sees the other's, the
change log names both, and once the lead freezes the record, the database refuses them both.
Opt-in like every browser test (``pytest --browser`` or CMMIKIT_BROWSER=1; CI turns it on).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import hub
from leaks import leaks
from cmmikit.cli import main
from cmmikit.store import Appraisal
from cmmikit.ui import browser

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(__file__).parent / "artifacts"
MEMBERS = {"dana": "dana-Db-Pw-41", "ravi": "ravi-Db-Pw-52"}
CELL = ("SD", "SP 1.1", "Service Desk")     # the walkthrough's first practice, first unit
TIMEOUT = 20                                  # seconds for a click to reach the store


@pytest.fixture(autouse=True)
def _tools() -> None:
    reason = hub.missing()
    if reason:
        pytest.skip(reason)


def team_appraisal(postgres, demo_file: Path, tmp_path: Path) -> str:  # noqa: ANN001 (the cluster fixture)
    """The sample appraisal on the server, its database logins for the team and their private pgpass file."""
    import psycopg

    url = postgres.url(f"hub{os.getpid()}")
    dump = tmp_path / "demo.json"
    assert main(["export-json", str(demo_file), "-o", str(dump)]) == 0
    assert main(["import-json", str(dump), "-o", url]) == 0
    with psycopg.connect(postgres.dsn(), autocommit=True) as conn:   # the database administrator's part
        for login, password in MEMBERS.items():
            conn.execute(f"DROP OWNED BY {login}" if conn.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone() else "SELECT 1")
            conn.execute(f"DROP ROLE IF EXISTS {login}")
            conn.execute(f"CREATE ROLE {login} LOGIN PASSWORD '{password}'")
    for login in MEMBERS:   # the lead's part: both assess the PA of the cell they change
        assert main(["grant", url, "--login", login, "--role", "assessor", "--pa", CELL[0]]) == 0
    pgpass = tmp_path / "pgpass"
    pgpass.write_text("".join(f"127.0.0.1:{postgres.port}:*:{login}:{pw}\n" for login, pw in MEMBERS.items()))
    pgpass.chmod(0o600)
    return url


def stored(url: str) -> str | None:
    with Appraisal.open(url) as appraisal:
        return appraisal.record(*CELL).characterization


def wait_stored(url: str, expected: str) -> None:
    start = time.monotonic()
    while time.monotonic() - start < TIMEOUT:
        if stored(url) == expected:
            return
        time.sleep(0.2)
    pytest.fail(f"{' '.join(CELL)} holds {stored(url)!r}, not {expected!r}, {TIMEOUT} s after the click")


def test_two_hub_users_work_on_one_server_appraisal(postgres, demo_file, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    url = team_appraisal(postgres, demo_file, tmp_path)
    server = f"postgresql+psycopg://127.0.0.1:{postgres.port}/{url.split('/')[-1].split('?')[0]}"
    shared = f"{server}?appraisal={url.split('appraisal=')[1]}"     # no user, no password: PGUSER and pgpass
    env = {"PGPASSFILE": str(tmp_path / "pgpass"), "PYTHONPATH": str(ROOT), "CMMIKIT_APPRAISAL": shared,
           "JUPYTERLAB_SETTINGS_DIR": str(browser.lab_settings(tmp_path / "lab-settings"))}
    ARTIFACTS.mkdir(exist_ok=True)
    before = stored(url)
    first, second = ("PI", "LI") if before not in ("PI", "LI") else ("NI", "PI" if before == "LI" else "LI")
    with hub.jupyterhub(tmp_path / "hub", server=server, users=list(MEMBERS), env=env) as hub_url, \
            sync_playwright() as p:
        chromium = browser.launch_chromium(p)
        try:
            screens = {}
            for login in MEMBERS:   # each in a browser of their own (separate cookies)
                page = chromium.new_context(viewport={"width": 1280, "height": 1000}).new_page()
                lab = hub.log_in(page, hub_url, login)
                screens[login] = (page, lab, browser.open_in_lab(page, lab, "01_walkthrough.ipynb"))
            dana_page, dana_lab, dana = screens["dana"]
            ravi_page, ravi_lab, ravi = screens["ravi"]

            expect(ravi.get_by_text("you are ravi (assessor of SD)").first).to_be_visible()
            dana.locator(".widget-toggle-buttons").first.get_by_role("button", name=first, exact=True).click()
            wait_stored(url, first)
            # ravi's open screen names dana's change by itself; a click shows it
            expect(ravi.locator(".cmmikit-live").get_by_text("dana", exact=True)).to_be_visible(
                timeout=TIMEOUT * 1000)
            expect(ravi.locator(".cmmikit-live")).to_be_in_viewport()   # where ravi is, not above the page
            ravi_page.screenshot(path=str(ARTIFACTS / "hub-ravi-live.png"))
            ravi.get_by_role("button", name="show their changes").click()
            expect(ravi.get_by_text("last change: characterization by dana").first).to_be_visible()
            ravi.locator(".widget-toggle-buttons").first.get_by_role("button", name=second, exact=True).click()
            wait_stored(url, second)
            ravi_page.screenshot(path=str(ARTIFACTS / "hub-ravi.png"))

            with Appraisal.open(url) as lead:
                lead.freeze("final findings presented")
            dana = browser.open_in_lab(dana_page, dana_lab, "01_walkthrough.ipynb")   # the current values
            expect(dana.get_by_text("last change: characterization by ravi").first).to_be_visible()
            dana.locator(".widget-toggle-buttons").first.get_by_role("button", name=first, exact=True).click()
            expect(dana.get_by_text("frozen by").first).to_be_visible(timeout=TIMEOUT * 1000)
            dana_page.screenshot(path=str(ARTIFACTS / "hub-dana-frozen.png"))
        finally:
            chromium.close()
    assert stored(url) == second                    # the frozen record kept ravi's value
    with Appraisal.open(url) as a:
        who = [(c.user, c.new) for c in a.history() if c.key == "SD SP 1.1 / Service Desk"
               and c.field == "characterization"][-2:]
    assert who == [("dana", first), ("ravi", second)]
    for secret in (*MEMBERS.values(), postgres.dsn().split(":")[2].split("@")[0]):   # logs, homes, notebooks
        assert not leaks(secret, tmp_path / "hub"), secret
