"""How long stepping to the next practice takes in the walkthrough with 20 instances.

Builds a throw-away appraisal with 20 basic units, each with a characterization,
texts and three evidence items for every SD practice, opens the walkthrough on
SD and steps next/previous through the practices.  Prints the median and p95 of
one step, and as a baseline the bare store reads for one practice (the PA's
records and the practice's evidence, what a step reads) measured in the same run,
with the ratio.
Widget state updates go through a comm that serializes them to JSON, as a kernel
would, and are counted: the browser has to apply each one.

With ``--browser`` it also serves notebooks/01_walkthrough.ipynb on that
appraisal with Voila and measures in Debian's Chromium the time from clicking
"next" to the new practice being painted (the figure an assessor feels); the
budget then applies to that figure.

    python benchmarks/step_render.py [--instances 20] [--steps 200] [--budget-ms 100] [--browser]

Exits 1 if the p95 step exceeds the budget (the browser p95 with ``--browser``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import comm
from comm import DummyComm

from cmmikit.store import Appraisal
from cmmikit.ui.walkthrough import WalkthroughView

PA = "SD"
NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "01_walkthrough.ipynb"


class SerializingComm(DummyComm):
    """A comm that does the kernel's share of the work (JSON encoding) and counts messages."""

    sent = 0

    def publish_msg(self, msg_type: str, data=None, metadata=None, buffers=None, **keys) -> None:
        json.dumps({"msg_type": msg_type, "data": data, "metadata": metadata}, default=str)
        SerializingComm.sent += 1


def build(path: Path, n_instances: int) -> Appraisal:
    appraisal = Appraisal.create(path, name="step benchmark")
    practices = appraisal.model.pa(PA).practices
    with appraisal.transaction():
        for n in range(1, n_instances + 1):
            unit = f"Unit {n:02d}"
            appraisal.add_instance(unit, pas=[PA])
            for i, p in enumerate(practices):
                value = ("FI", "LI", "PI", "NI", "NY")[(n + i) % 5]
                appraisal.update_record(PA, p.id, unit, characterization=value, strengths=f"strength {n}",
                                        weaknesses="" if value == "FI" else f"weakness of {unit} in {p.id}",
                                        notes="interview notes " * 5)
                for kind in ("artifact", "artifact", "affirmation"):
                    appraisal.add_evidence(PA, p.id, unit, kind, f"{kind} of {unit} for {p.id}",
                                           location=f"https://intranet.example/{n}/{p.id}")
    return appraisal


def timings(action: Callable[[], None], repeat: int) -> list[float]:
    result = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        result.append((time.perf_counter() - start) * 1000)
    return result


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def browser_steps(path: Path, workdir: Path, steps: int) -> list[float]:
    """Click-to-paint times of ``steps`` practice steps in Chromium (Voila serving the walkthrough)."""
    from playwright.sync_api import sync_playwright

    from cmmikit.ui import browser

    reason = browser.missing_tools()
    if reason:
        raise SystemExit(f"--browser: {reason}")
    with Appraisal.open(path) as appraisal:
        practices = appraisal.model.pa(PA).practices
    first = f"{practices[0].id} {practices[0].title}"
    result: list[float] = []
    with browser.voila(NOTEBOOK, env={"CMMIKIT_APPRAISAL": str(path)}, workdir=workdir) as url, \
            sync_playwright() as p:
        chromium = browser.launch_chromium(p)
        try:
            page = chromium.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url, timeout=90_000)
            page.wait_for_selector(".widget-toggle-buttons", timeout=90_000)
            while len(result) < steps:
                page.get_by_role("combobox", name="Practice").select_option(label=first)
                page.get_by_text(f"{PA} {first}").wait_for()
                for p_next in practices[1:]:
                    if len(result) == steps:
                        break
                    result.append(browser.step_ms(page, f"{PA} {p_next.id} {p_next.title}"))
        finally:
            chromium.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=20)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--budget-ms", type=float, default=100.0)
    parser.add_argument("--browser", action="store_true", help="also measure in Chromium (Voila serving the notebook)")
    parser.add_argument("--browser-steps", type=int, default=34)
    args = parser.parse_args(argv)
    comm.create_comm = SerializingComm

    with tempfile.TemporaryDirectory() as tmp:
        appraisal = build(Path(tmp) / "bench.cmmi", args.instances)
        view = WalkthroughView(appraisal, pa=PA)
        last = len(view.pa.practices) - 1
        direction = [1]

        def step() -> None:
            # walk forward to the last practice, then back, and so on: every call renders a new practice
            if view.index in (0, last):
                direction[0] = 1 if view.index == 0 else -1
            (view.next_button if direction[0] == 1 else view.previous_button).click()

        def bare_reads() -> None:
            appraisal.records(PA)
            appraisal.evidence(pa=PA, practice=view.practice.id)

        timings(step, 10)  # warm up
        before = SerializingComm.sent
        steps = timings(step, args.steps)
        messages = (SerializingComm.sent - before) / args.steps
        reads = timings(bare_reads, args.steps)
        appraisal.close()
        painted = browser_steps(appraisal.path, Path(tmp), args.browser_steps) if args.browser else []

    step_median, read_median = statistics.median(steps), statistics.median(reads)
    print(f"walkthrough step to the next practice, {args.instances} instances, {args.steps} steps")
    print(f"  step:          median {step_median:7.2f} ms   p95 {p95(steps):7.2f} ms")
    print(f"  baseline (bare store reads for one practice): median {read_median:7.2f} ms   p95 {p95(reads):7.2f} ms")
    print(f"  ratio step / baseline: {step_median / read_median:.1f}x")
    print(f"  widget state messages per step: {messages:.0f}")
    judged = p95(steps)
    if painted:
        judged = p95(painted)
        print(f"  browser (Voila + Chromium), click to new practice painted, {len(painted)} steps: "
              f"median {statistics.median(painted):7.2f} ms   p95 {judged:7.2f} ms")
    verdict = "within" if judged < args.budget_ms else "OVER"
    print(f"  budget {args.budget_ms:.0f} ms for the p95 ({'browser' if painted else 'Python side, no browser'}): "
          f"{verdict}")
    return 0 if judged < args.budget_ms else 1


if __name__ == "__main__":
    sys.exit(main())
