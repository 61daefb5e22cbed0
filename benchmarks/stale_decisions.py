"""Stale team decisions: the newest data change per practice, read from a long change log.

Every rating asks the store for the newest change of each practice's records and evidence
(:meth:`Appraisal.data_changes`). This script fills the sample appraisal's change log to
``--changes`` lines (default 300 000, a long appraisal of a large unit) and prints, each beside
a baseline measured in the same run:

- that query, against one scan of the change log that returns nothing;
- the same query without the ``changes_by_practice`` index (dropped on a copy), to show what
  the index buys;
- a whole rating of that appraisal, against rating the sample with its own short change log
  (the difference is the one index scan above).

Run: python benchmarks/stale_decisions.py [--changes N]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from foundation import show, timed  # noqa: E402  (a sibling script, not a package)

from cmmikit.demo import build_demo
from cmmikit.method.rating import rate
from cmmikit.store import Appraisal

FIELDS = ("characterization", "strengths", "weaknesses", "notes", "description", "statement")
ENTITIES = ("record", "record", "evidence", "finding", "practice decision")


def fill_change_log(path: Path, n: int) -> None:
    """Add ``n`` plausible change-log lines (random practices, entities and fields) to an appraisal file."""
    with Appraisal.open(path) as a:
        practices = [(p.pa, p.id) for p in a.model.practices()]
        units = [i.name for i in a.instances()]
    rnd = random.Random(3)
    rows = []
    for _ in range(n):
        pa, practice = rnd.choice(practices)
        entity = rnd.choice(ENTITIES)
        rows.append(("2026-11-02T09:00:00+00:00", "bench", entity, pa, practice, rnd.choice(units), f"{pa} {practice}",
                     rnd.choice(FIELDS), None, "x"))
    conn = sqlite3.connect(path)
    conn.executemany("INSERT INTO changes (at, changed_by, entity, pa, practice, instance, key, field, old, new) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=300_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stale.cmmi"
        build_demo(path).close()
        short = Path(tmp) / "short-log.cmmi"
        shutil.copy(path, short)
        fill_change_log(path, args.changes)
        bare = Path(tmp) / "no-index.cmmi"
        shutil.copy(path, bare)
        conn = sqlite3.connect(bare)
        conn.execute("DROP INDEX changes_by_practice")
        conn.commit()
        conn.close()
        print(f"sample appraisal with {args.changes} extra change-log lines")
        with Appraisal.open(path) as a, Appraisal.open(bare) as b, Appraisal.open(short) as c:
            count = timed(lambda: a.history(since="9999"), 5)   # one scan of the log, nothing returned
            show("newest data change per practice", timed(a.data_changes, 5), count, "< 3x")
            show("... without changes_by_practice", timed(b.data_changes, 5), timed(a.data_changes, 5), "(what it buys)")
            show("rate() with the long change log", timed(lambda: rate(a), 3), timed(lambda: rate(c), 3),
                 "< 3x (one scan)")


if __name__ == "__main__":
    main()
