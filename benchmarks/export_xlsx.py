"""Benchmark: the gap-analysis workbook for 200 basic units x all ML2 practices.

Builds such an appraisal through the store API in one transaction (every practice
characterized in every unit, one artifact and one affirmation each, weaknesses on
the PI/NI ones), runs the findings sync and plans some actions, then times in the same run:

- ``write_gap_workbook`` end to end (rating, findings, building and writing every sheet), and
- a bare openpyxl write-only dump of the same cells (the same sheets, headers and values,
  no styles, tables, conditional formats, row heights, links or charts),

and prints where the export's time goes (rating, findings, gathering the sheet contents, writing),
what ``cmmikit export-xlsx`` adds on top (the snapshot copy with its findings sync), and, when
XlsxWriter is installed, a bare XlsxWriter dump of the same cells for comparison.

Goal: the export within 1.2x of the bare openpyxl dump.  Run: ``python benchmarks/export_xlsx.py [--units N]``.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

CHARACTERIZATIONS = ("FI", "FI", "FI", "LI", "LI", "PI", "NI")
GOAL = 1.2


def build_appraisal(path: Path, units: int, seed: int = 7):
    """An appraisal with ``units`` basic units, every ML2 practice characterized with evidence."""
    from cmmikit.store import Appraisal

    rnd = random.Random(seed)
    appraisal = Appraisal.create(path, name=f"Benchmark: {units} basic units", org_unit="Benchmark OU")
    practices = appraisal.model.practices()
    with appraisal.transaction():
        for n in range(1, units + 1):
            unit = f"Unit {n:03d}"
            appraisal.add_instance(unit, subgroup=f"Group {n % 4}")
            for p in practices:
                value = rnd.choice(CHARACTERIZATIONS)
                weak = f"{unit}: '{p.title}' is done informally; no records were shown." if value not in ("FI",) else ""
                appraisal.update_record(p.pa, p.id, unit, characterization=value, weaknesses=weak)
                appraisal.add_evidence(p.pa, p.id, unit, "artifact", f"{p.work_products[0]} ({unit})",
                                       location=f"https://intranet.example/{n}/{p.pa}", who="Process owner")
                appraisal.add_evidence(p.pa, p.id, unit, "affirmation", f"Interview about {p.title}", who="Team lead")
    from cmmikit.method.findings import plan_action, sync_findings

    sync_findings(appraisal)  # one finding per practice with weaknesses, as the findings notebook does
    for finding in appraisal.findings()[:40]:
        plan_action(appraisal, finding.id, f"Define and roll out a procedure for {finding.pa} {finding.practices[0]}",
                    owner="Process group", due_date="2027-03-31")
    return appraisal


def bare_dump(sheets: list[tuple[str, list[list]]], path: Path) -> None:
    """The same cells with nothing but openpyxl's write-only append."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)


def same_cells(path: Path) -> list[tuple[str, list[list]]]:
    """Every sheet's cell values as written by the export (read back, outside the timings)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        return [(ws.title, [list(row) for row in ws.iter_rows(values_only=True)]) for ws in wb.worksheets]
    finally:
        wb.close()


def bare_xlsxwriter_dump(sheets: list[tuple[str, list[list]]], path: Path) -> None:
    """The same cells written with XlsxWriter (strings stay strings), for comparison."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False})
    for title, rows in sheets:
        ws = wb.add_worksheet(title)
        for n, row in enumerate(rows):
            ws.write_row(n, 0, row)
    wb.close()


def phases(appraisal, repeat: int) -> dict[str, float]:
    """The export's parts that are not writing, each timed on its own (fastest of ``repeat``)."""
    from cmmikit.outputs.excel import findings_frames, gap_sheets
    from cmmikit.method.rating import rate

    ratings = rate(appraisal)
    findings, actions = findings_frames(appraisal, ratings)
    return {"rating": best_of(repeat, lambda: rate(appraisal)),
            "findings and action plan": best_of(repeat, lambda: findings_frames(appraisal, ratings)),
            "gathering the sheet contents": best_of(repeat, lambda: gap_sheets(appraisal, ratings, findings, actions))}


def best_of(repeat: int, run) -> float:
    """The fastest of ``repeat`` timed runs (other load on the machine only ever adds time)."""
    times = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each measurement; the fastest counts")
    args = parser.parse_args(argv)

    from cmmikit.outputs.excel import export_workbook, write_gap_workbook

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        start = time.perf_counter()
        appraisal = build_appraisal(tmp_path / "bench.cmmi", args.units)
        built = time.perf_counter() - start
        try:
            export = best_of(args.repeat, lambda: write_gap_workbook(appraisal, tmp_path / "gap.xlsx"))
            parts = phases(appraisal, args.repeat)
            cli = best_of(1, lambda: export_workbook(appraisal, tmp_path / "cli.xlsx"))
        finally:
            appraisal.close()
        sheets = same_cells(tmp_path / "gap.xlsx")
        n_cells = sum(sum(v is not None for v in row) for _, rows in sheets for row in rows)
        bare = best_of(args.repeat, lambda: bare_dump(sheets, tmp_path / "bare.xlsx"))
        try:
            other = best_of(args.repeat, lambda: bare_xlsxwriter_dump(sheets, tmp_path / "bare-xw.xlsx"))
        except ImportError:
            other = None
    ratio = export / bare
    print(f"appraisal: {args.units} basic units, built in {built:.1f} s")
    print(f"cells written: {n_cells:,} in {len(sheets)} sheets")
    print(f"gap workbook export (rating + findings + sheets): {export:.2f} s")
    for name, seconds in parts.items():
        print(f"  of which {name + ':':<30} {seconds:6.2f} s ({seconds / bare:.2f}x the bare dump)")
    writing = export - sum(parts.values())
    print(f"  of which {'writing the sheets:':<30} {writing:6.2f} s ({writing / bare:.2f}x the bare dump)")
    print(f"export-xlsx (snapshot copy + findings sync + export): {cli:.2f} s")
    print(f"bare openpyxl write-only dump of the same cells:  {bare:.2f} s")
    if other is not None:
        print(f"bare XlsxWriter dump of the same cells (comparison): {other:.2f} s ({other / bare:.2f}x)")
    print(f"ratio: {ratio:.2f}x (goal: within {GOAL}x) -> {'OK' if ratio <= GOAL else 'SLOWER THAN GOAL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
