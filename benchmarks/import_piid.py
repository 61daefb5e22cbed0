"""Benchmark: importing a PIID workbook of N basic units x all ML2 practices.

Every row names a direct artifact shared by the whole PA, one of its own, an indirect artifact and an
affirmation per unit, a characterization and (for LI/PI/NI) a weakness. Times in the same run:

- ``import_piid`` end to end: size checks, reading and checking every row, the plan, and writing it
  in one transaction (register entries, links, practice records, the change log);
- the baseline: the same changes made the way a script would, one ``add_evidence`` per artifact or
  affirmation and one ``update_record`` per row, in one transaction, on an identical empty appraisal;
- a bare openpyxl read of the workbook's cells (the floor for any import).

Goal: the import no slower than the per-call baseline.
Run: ``python benchmarks/import_piid.py [--units N] [--url postgresql+psycopg://...?appraisal=NAME]``.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

CHARACTERIZATIONS = ("FI", "FI", "LI", "LI", "PI", "NI")


def make_rows(practices, units: list[str], seed: int = 3) -> list[list[str]]:
    rnd = random.Random(seed)
    rows = []
    for p in practices:
        for unit in units:
            value = rnd.choice(CHARACTERIZATIONS)
            rows.append([p.pa, p.id, unit, f"{p.pa} process description\n{p.work_products[0]} ({unit})",
                         f"{unit} tool export", "", f"{unit} team interview", value, "",
                         f"{p.title} is done informally in {unit}" if value != "FI" else "", ""])
    return rows


def write_workbook(path: Path, rows: list[list[str]]) -> None:
    from openpyxl import Workbook

    from cmmikit.imports.piid import HEADERS

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("PIID")
    ws.append(list(HEADERS.values()))
    for row in rows:
        ws.append(row)
    wb.save(path)


def new_appraisal(location: str, units: list[str]):
    from cmmikit.store import Appraisal

    appraisal = Appraisal.create(location, name="PIID benchmark", overwrite=True)
    with appraisal.transaction():
        for unit in units:
            appraisal.add_instance(unit)
    return appraisal


def per_call(appraisal, rows: list[list[str]]) -> None:
    """The baseline: one store call per artifact, affirmation and record."""
    with appraisal.transaction():
        for pa, practice, unit, direct, indirect, _, affirmation, value, _, weakness, _ in rows:
            for title in direct.split("\n"):
                appraisal.add_evidence(pa, practice, unit, "artifact", title)
            appraisal.add_evidence(pa, practice, unit, "artifact", indirect, artifact_kind="indirect")
            appraisal.add_evidence(pa, practice, unit, "affirmation", affirmation)
            appraisal.update_record(pa, practice, unit, characterization=value, **({"weaknesses": weakness}
                                                                                    if weakness else {}))


def bare_read(path: Path) -> int:
    from openpyxl import load_workbook

    wb = load_workbook(path, data_only=True)
    try:
        return sum(1 for ws in wb.worksheets for _ in ws.iter_rows(values_only=True))
    finally:
        wb.close()


def timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--url", default=None, help="a PostgreSQL appraisal URL to run on (default: SQLite files)")
    args = parser.parse_args(argv)

    from cmmikit.model import load_model
    from cmmikit.imports.piid import import_piid

    units = [f"Unit {n:03d}" for n in range(1, args.units + 1)]
    rows = make_rows(load_model().practices(), units)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        workbook = folder / "piid.xlsx"
        write_workbook(workbook, rows)
        read = timed(lambda: bare_read(workbook))
        with new_appraisal(args.url or str(folder / "import.cmmi"), units) as appraisal:
            imported = timed(lambda: import_piid(appraisal, workbook))
            n_items, n_links = len(appraisal.register()), sum(appraisal.evidence_counts()[k].total()
                                                             for k in appraisal.evidence_counts())
        with new_appraisal(args.url or str(folder / "baseline.cmmi"), units) as appraisal:
            baseline = timed(lambda: per_call(appraisal, rows))
            same = (len(appraisal.register()), sum(c.total() for c in appraisal.evidence_counts().values()))
    print(f"{len(rows)} rows ({args.units} units x {len(rows) // args.units} practices) -> {n_items} register "
          f"entries, {n_links} links ({'same as' if same == (n_items, n_links) else 'DIFFERENT from'} the baseline)")
    print(f"bare openpyxl read of the workbook:      {read:6.2f} s")
    print(f"import_piid (read, check, one write):    {imported:6.2f} s")
    print(f"baseline, one store call per item/row:   {baseline:6.2f} s")
    ok = imported <= baseline
    print(f"import / baseline: {imported / baseline:.2f} (goal <= 1.00): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
