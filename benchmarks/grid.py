"""How long the grid of one process area takes for a 200-unit appraisal, and one edit round trip.

Builds a throw-away appraisal of ``--units`` basic units x every ML2 practice (one artifact
and one affirmation per cell; ``benchmarks/big_appraisal.py``) and measures on the Python side:

* the grid of one PA: reading the state (:class:`cmmikit.method.grid.GridState`), building the table
  the browser gets and encoding it as JSON (what the comm sends), and the whole screen
  (``GridView``) with its widgets;
* one edit: a key on one cell -> store write with its version -> the patch of the changed cell
  and the OU (JSON-encoded), cycling FI/LI/PI/NI/NY over the PA's cells.

Baselines measured in the same run: the bare store reads the grid needs, one bare
``update_record`` call, and the walkthrough showing one practice of the same PA (every unit's
panel).  With ``--browser`` Voila serves notebooks/01b_grid.ipynb on that appraisal and
Chromium times switching the PA until the new grid is painted, and a key until the cell shows
the stored value.  Budgets: grid under 2 s, edit under 100 ms (p95); exit 1 when over.

    python benchmarks/grid.py [--units 200] [--pa SD] [--edits 100] [--browser]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import comm
from comm import DummyComm

from cmmikit.method.grid import Filters, GridState
from cmmikit.ui.grid import GridView, table_payload
from cmmikit.ui.walkthrough import WalkthroughView

sys.path.insert(0, str(Path(__file__).resolve().parent))

from big_appraisal import build_big_appraisal  # noqa: E402  (sibling scripts, not a package)
from step_render import p95, timings  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "01b_grid.ipynb"
VALUES = ("f", "l", "p", "n", "y")


class SerializingComm(DummyComm):
    """A comm that does the kernel's share of the work (JSON encoding) and counts the bytes."""

    sent_bytes = 0

    def publish_msg(self, msg_type: str, data=None, metadata=None, buffers=None, **keys) -> None:
        SerializingComm.sent_bytes += len(json.dumps({"msg_type": msg_type, "data": data, "metadata": metadata},
                                                     default=str))


def line(label: str, values: list[float]) -> str:
    return f"  {label:<58} median {statistics.median(values):8.1f} ms   p95 {p95(values):8.1f} ms"


GRID_PAINTED_JS = """
(pa) => new Promise((resolve, reject) => {
  setTimeout(() => reject(new Error('grid of ' + pa + ' not painted within 60 s')), 60000);
  const label = (o) => o.value.startsWith(pa + ' ');
  const select = [...document.querySelectorAll('.cmmikit-grid-screen select')].find((s) => [...s.options].some(label));
  const option = [...select.options].find(label);
  const painted = () => { const g = document.querySelector('.cmmikit-grid tr.group th');
                          return g && g.textContent.startsWith(pa + ' '); };
  const start = performance.now();
  const observer = new MutationObserver(() => {
    if (painted()) { observer.disconnect(); requestAnimationFrame(() => resolve(performance.now() - start)); }
  });
  observer.observe(document.body, {subtree: true, childList: true, characterData: true});
  select.value = option.value;
  select.dispatchEvent(new Event('change', {bubbles: true}));
})
"""

KEY_SHOWN_JS = """
([label, key, value]) => new Promise((resolve, reject) => {
  setTimeout(() => reject(new Error(label + ' did not show ' + value + ' within 20 s')), 20000);
  const root = document.querySelector('.cmmikit-grid');
  const td = root.querySelector(`td[aria-label^="${label}"]`);
  const start = performance.now();
  const observer = new MutationObserver(() => {
    if (!td.classList.contains('saving') && td.textContent.startsWith(value)) {
      observer.disconnect(); requestAnimationFrame(() => resolve(performance.now() - start));
    }
  });
  observer.observe(td, {subtree: true, childList: true, characterData: true, attributes: true});
  root.dispatchEvent(new KeyboardEvent('keydown', {key: key, bubbles: true}));
})
"""


def browser_figures(path: Path, workdir: Path, pa: str, other: str, first_unit: str,
                    edits: int) -> tuple[list[float], list[float], list[float]]:
    """Chromium with Voila serving the grid notebook: PA switch to painted grid, key to cell showing the value,
    and the bare kernel round trip of the grid widget (a ping) as the floor under an edit."""
    from playwright.sync_api import sync_playwright

    from cmmikit.ui import browser

    reason = browser.missing_tools()
    if reason:
        raise SystemExit(f"--browser: {reason}")
    switches: list[float] = []
    keys: list[float] = []
    pings: list[float] = []
    env = {"CMMIKIT_APPRAISAL": str(path), "CMMIKIT_CACHE_DIR": str(workdir / "cache")}
    with browser.voila(NOTEBOOK, env=env, workdir=workdir) as url, sync_playwright() as p:
        chromium = browser.launch_chromium(p)
        try:
            page = chromium.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url, timeout=180_000)
            page.wait_for_selector(".cmmikit-grid td[data-c]", timeout=180_000)
            for n in range(3):
                switches.append(page.evaluate(GRID_PAINTED_JS, other))
                switches.append(page.evaluate(GRID_PAINTED_JS, pa))
            practice = page.locator(".cmmikit-grid th.row").first.inner_text()
            label = f"{pa} {practice} / {first_unit}:"
            page.locator(f'.cmmikit-grid td[aria-label^="{label}"]').click()
            for n in range(edits):
                key = VALUES[n % len(VALUES)]
                value = {"f": "FI", "l": "LI", "p": "PI", "n": "NI", "y": "NY"}[key]
                keys.append(page.evaluate(KEY_SHOWN_JS, [label, key, value]))
                pings.append(page.evaluate("() => document.querySelector('.cmmikit-grid').ping()"))
        finally:
            chromium.close()
    return switches, keys, pings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--pa", default="SD")
    parser.add_argument("--edits", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5, help="grid builds measured")
    parser.add_argument("--budget-grid-ms", type=float, default=2000.0)
    parser.add_argument("--budget-edit-ms", type=float, default=100.0)
    parser.add_argument("--browser", action="store_true", help="also measure in Chromium (Voila serving 01b_grid)")
    args = parser.parse_args(argv)
    if args.repeat < 2 or args.edits < 2:
        parser.error("--repeat and --edits need at least 2 (a p95 is printed)")
    comm.create_comm = SerializingComm
    pa = args.pa

    with tempfile.TemporaryDirectory() as tmp:
        appraisal = build_big_appraisal(Path(tmp) / "grid.cmmi", args.units)
        appraisal.user = "bench"

        def bare_reads() -> None:
            with appraisal.snapshot():
                appraisal.instances()
                appraisal.records(pa)
                appraisal.evidence_counts(pa=pa)

        def state_and_payload() -> int:
            state = GridState(appraisal, pa)
            return len(json.dumps(table_payload(state, Filters())))

        reads = timings(bare_reads, args.repeat)
        states = timings(lambda: GridState(appraisal, pa), args.repeat)
        payloads = timings(state_and_payload, args.repeat)
        size = state_and_payload()
        views: list[float] = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            GridView(appraisal, pa).close()
            views.append((time.perf_counter() - start) * 1000)

        view = GridView(appraisal, pa)
        practices = list(view.state.rows)
        units = [c.name for c in view.state.columns]
        cells = [(row.key, unit) for row in practices for unit in units]
        counter = [0]

        def edit() -> None:
            n = counter[0]
            counter[0] += 1
            view.grid.press(VALUES[n % len(VALUES)], [cells[(n * 7) % len(cells)]])

        before = SerializingComm.sent_bytes
        edits = timings(edit, args.edits)
        patch_bytes = (SerializingComm.sent_bytes - before) / args.edits
        saved_ok = view.status.ok
        bare: list[float] = []
        for n in range(args.edits):
            practice = practices[n % len(practices)]
            start = time.perf_counter()
            appraisal.update_record(pa, practice.practice, units[-1], characterization=("FI", "LI")[n % 2])
            bare.append((time.perf_counter() - start) * 1000)

        walk = WalkthroughView(appraisal, pa=pa)
        steps = timings(lambda: walk.step(+1 if walk.index < len(walk.pa.practices) - 1 else -walk.index), 5)
        walk.close()
        view.close()
        other = next(p for p in appraisal.model.pa_ids if p != pa)
        appraisal.close()
        painted: tuple[list[float], list[float], list[float]] = ([], [], [])
        if args.browser:
            painted = browser_figures(Path(tmp) / "grid.cmmi", Path(tmp), pa, other, units[0], min(args.edits, 30))

    print(f"grid of {pa}: {len(practices)} practices x {len(units)} units ({args.units}-unit appraisal), "
          f"{args.repeat} builds, {args.edits} edits")
    print(line("bare store reads (instances, records, evidence counts)", reads))
    print(line("grid state (GridState)", states))
    print(line(f"state + table for the browser, JSON ({size / 1024:.0f} KB)", payloads))
    print(line("whole screen (GridView with its widgets)", views))
    print(line("baseline: walkthrough showing one practice (all units)", steps))
    print(line("edit: key -> store write -> patch (JSON)", edits) + f"   {patch_bytes / 1024:.1f} KB sent per edit")
    print(line("baseline: one bare update_record", bare))
    judged_grid, judged_edit = statistics.median(views), p95(edits)
    if painted[0]:
        judged_grid, judged_edit = p95(painted[0]), p95(painted[1])
        print(line(f"browser: switch PA until the grid is painted ({len(painted[0])}x)", painted[0]))
        print(line(f"browser: key until the cell shows the stored value ({len(painted[1])}x)", painted[1]))
        print(line(f"baseline: browser -> kernel -> browser, nothing done ({len(painted[2])}x)", painted[2]))
    ok = judged_grid < args.budget_grid_ms and judged_edit < args.budget_edit_ms and saved_ok
    where = "browser p95" if painted[0] else "Python side: screen median, edit p95"
    print(f"  budgets ({where}): grid {args.budget_grid_ms:.0f} ms -> {judged_grid:.0f} ms, "
          f"edit {args.budget_edit_ms:.0f} ms -> {judged_edit:.0f} ms: {'within' if ok else 'OVER'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
