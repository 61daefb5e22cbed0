"""Benchmark: the appraisal report as HTML and as PDF, and the size of the report of a large appraisal.

Times, in the same run (best of ``--repeat``):

- ``cmmikit report`` to HTML and to PDF on the sample appraisal (``cmmikit demo``), and the
  PDF step alone (WeasyPrint printing the HTML), so the PDF's cost is seen against the HTML's;
- with ``--units N`` (default 500): an appraisal of N basic units x all ML2 practices with long
  weakness and strength texts (:func:`build_large_appraisal`, also used by the tests) is
  reported to HTML; prints the file size (goal: under 10 MB) and, with ``--browser``, the time
  Chromium takes to open it (goal: under 5 s) beside the time it takes to open the sample's report.

Run: ``python benchmarks/report.py [--units 500] [--browser] [--repeat 2]`` (``--units 0`` skips it).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

DATE = "2026-11-20"
CHARACTERIZATIONS = ("FI", "FI", "FI", "LI", "LI", "PI", "NI")
FILLER = ("The team reviewed the records, interviewed the practitioners and compared the results with the "
          "intent of the practice; ")


def long_text(unit: str, title: str, what: str, sentences: int) -> str:
    """A realistic, long observation (several hundred characters) naming the unit once."""
    return f"{unit}: {what} '{title}'. " + FILLER * sentences


def build_large_appraisal(path: Path, units: int = 500, *, seed: int = 11, sentences: int = 4):
    """An appraisal of ``units`` basic units, every ML2 practice characterized, long weaknesses and strengths.

    Every non-FI cell has a weakness and every FI cell a strength of about ``120 * sentences``
    characters, so the findings of one practice carry up to ``units`` lines: the shape that made
    the report grow to 88 MB before long lists were summarised.  Findings are synced and some
    actions planned.  Returns the open :class:`~cmmikit.store.Appraisal`.
    """
    from cmmikit.method.findings import plan_action, sync_findings
    from cmmikit.store import Appraisal

    rnd = random.Random(seed)
    appraisal = Appraisal.create(path, name=f"Benchmark: {units} basic units", org_unit="Benchmark OU",
                                 lead_appraiser="Lead Appraiser", start_date="2026-11-02", end_date="2026-11-13",
                                 description="A large appraisal with long texts. " + FILLER * 6)
    practices = appraisal.model.practices()
    with appraisal.transaction():
        for n in range(1, units + 1):
            unit = f"Unit {n:03d}"
            appraisal.add_instance(unit, subgroup=f"Group {n % 7}", description=f"Basic unit {n}. " + FILLER * 3)
            for p in practices:
                value = rnd.choice(CHARACTERIZATIONS)
                title = p.title.lower()
                weakness = long_text(unit, title, "no records were shown for", sentences) if value != "FI" else ""
                strength = long_text(unit, title, "keeps complete records for", sentences) if value == "FI" else ""
                appraisal.update_record(p.pa, p.id, unit, characterization=value, weaknesses=weakness,
                                        strengths=strength)
    sync_findings(appraisal)
    for finding in [f for f in appraisal.findings() if f.kind == "weakness"][:12]:
        plan_action(appraisal, finding.id, f"Define and roll out a procedure for {finding.pa} "
                    f"{', '.join(finding.practices)}. " + FILLER * 2, owner="Process group", due_date="2026-10-31")
    return appraisal


def open_in_chromium(paths: list[Path]) -> list[float]:
    """Seconds from navigation to the load event plus a painted frame, per file, in Debian's Chromium."""
    from playwright.sync_api import sync_playwright

    from cmmikit.ui import browser

    times = []
    with sync_playwright() as p:
        chromium = browser.launch_chromium(p)
        try:
            for path in paths:
                page = chromium.new_page(viewport={"width": 1280, "height": 1000})
                start = time.perf_counter()
                page.goto(path.resolve().as_uri(), wait_until="load", timeout=120_000)
                page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done()))")
                times.append(time.perf_counter() - start)
                page.close()
        finally:
            chromium.close()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=500, help="basic units of the large appraisal (0: skip it)")
    parser.add_argument("--browser", action="store_true", help="also time opening the HTML in Chromium")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each measurement; the fastest counts")
    args = parser.parse_args(argv)

    from export_xlsx import best_of  # the benchmarks' shared timing rule (this folder is on sys.path)

    from cmmikit.demo import build_demo
    from cmmikit.outputs.report import export_html, render_report, write_pdf

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        build_demo(tmp_path / "demo.cmmi").close()

        def report(name: str) -> None:
            render_report(tmp_path / "demo.cmmi", tmp_path / name, report_date=DATE, force=True)

        html_time = best_of(args.repeat, lambda: report("demo.html"))
        pdf_time = best_of(args.repeat, lambda: report("demo.pdf"))
        import nbformat

        nb = nbformat.read(tmp_path / "demo.html.ipynb", as_version=4)
        page = export_html(nb, title="demo")
        print_time = best_of(args.repeat, lambda: write_pdf(page, tmp_path / "print.pdf"))
        print("sample appraisal (cmmikit demo):")
        print(f"  report to HTML: {html_time:.2f} s ({(tmp_path / 'demo.html').stat().st_size / 1e6:.2f} MB)")
        print(f"  report to PDF:  {pdf_time:.2f} s ({(tmp_path / 'demo.pdf').stat().st_size / 1e6:.2f} MB), "
              f"{pdf_time / html_time:.2f}x the HTML; of it WeasyPrint printing the HTML: {print_time:.2f} s")

        if args.units:
            start = time.perf_counter()
            build_large_appraisal(tmp_path / "large.cmmi", args.units).close()
            built = time.perf_counter() - start
            large = best_of(1, lambda: render_report(tmp_path / "large.cmmi", tmp_path / "large.html",
                                                     report_date=DATE, force=True))
            size = (tmp_path / "large.html").stat().st_size / 1e6
            print(f"large appraisal: {args.units} basic units x all ML2 practices, long texts (built in {built:.0f} s)")
            print(f"  report to HTML: {large:.1f} s, {size:.2f} MB (goal: under 10 MB) -> "
                  f"{'OK' if size < 10 else 'TOO BIG'}")
            if args.browser:
                demo_open, large_open = open_in_chromium([tmp_path / "demo.html", tmp_path / "large.html"])
                print(f"  opening in Chromium: {large_open:.2f} s (sample report: {demo_open:.2f} s; goal: under "
                      f"5 s) -> {'OK' if large_open < 5 else 'SLOWER THAN GOAL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
