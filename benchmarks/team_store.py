"""Benchmark: a team on one appraisal, on an SQLite file and on PostgreSQL.

1. ``--writers`` processes (default 10), each saving a characterization every ``--interval``
   seconds (0.1) for ``--seconds`` (30) on one appraisal: 80% of saves go to the writer's own
   unit, 20% to cells every writer shares, always with the version the writer read (so
   concurrent edits of a shared cell conflict instead of overwriting). Printed: saves/s, p50/p99
   save latency, conflicts, and lost writes (acknowledged saves missing from the change log or
   from the rows; must be 0).
2. ``rate()`` and the gap workbook of a ``--units`` (200) basic-unit appraisal on PostgreSQL
   against the same on SQLite, measured in the same run (goal: within 1.5x).
3. ``rate()`` against the bare store reads of its old inputs (every record and every Evidence
   object; goal: at most 1x, since ``rate()`` now counts evidence in the database).

PostgreSQL: a throwaway cluster (initdb/pg_ctl, as tests/postgres_cluster.py) unless ``--pg URL``
names a server database; without PostgreSQL binaries that part is reported as skipped.
Run: ``python benchmarks/team_store.py [--seconds 30] [--writers 10] [--units 200]``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]
SHARED_CELLS = [("WP", "SP 1.1"), ("WP", "SP 1.2"), ("SD", "SP 1.1"), ("SD", "SP 2.1"), ("CM", "SP 1.1")]


def writer(location: str, number: int, seconds: float, interval: float) -> None:
    """One assessor: save a characterization every ``interval`` seconds; print the results as JSON."""
    from cmmikit.errors import ConflictError
    from cmmikit.store import Appraisal

    rnd = random.Random(number)
    acked, latencies, conflicts = [], [], 0
    with Appraisal.open(location, user=f"writer-{number}") as a:
        own = [(p.pa, p.id) for p in a.model.practices()]
        deadline = time.time() + seconds
        seq = 0
        while time.time() < deadline:
            tick = time.perf_counter()
            shared = rnd.random() < 0.2
            pa, practice = rnd.choice(SHARED_CELLS if shared else own)
            unit = "Shared unit" if shared else f"Unit {number}"
            seq += 1
            note = f"w{number}-{seq}"
            base = a.record(pa, practice, unit).version
            start = time.perf_counter()
            try:
                a.update_record(pa, practice, unit, characterization=rnd.choice("FLPN") + "I", notes=note,
                                base_version=base)
                latencies.append(time.perf_counter() - start)
                acked.append(note)
            except ConflictError:
                conflicts += 1
            time.sleep(max(0.0, interval - (time.perf_counter() - tick)))
    print(json.dumps({"acked": acked, "latencies": latencies, "conflicts": conflicts}))


def team_run(location: str, writers: int, seconds: float, interval: float) -> dict:
    from cmmikit.store import Appraisal

    with Appraisal.create(location, name="Team benchmark", overwrite=True, user="lead") as a:
        with a.transaction():
            for n in range(writers):
                a.add_instance(f"Unit {n}")
            a.add_instance("Shared unit")
    procs = [subprocess.Popen([sys.executable, __file__, "--writer", location, str(n), str(seconds), str(interval)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(writers)]
    results = []
    for p in procs:
        out, err = p.communicate()
        if p.returncode:
            raise SystemExit(f"a writer failed: {err.strip().splitlines()[-1] if err.strip() else p.returncode}")
        results.append(json.loads(out))
    acked = [note for r in results for note in r["acked"]]
    latencies = sorted(x for r in results for x in r["latencies"])
    with Appraisal.open(location) as a:
        changes = [c for c in a.history(entity="record") if c.field == "notes"]
        stored = {r.notes for r in a.records()}
    lost = sum(note not in {c.new for c in changes} for note in acked)
    last_per_cell = {c.key: c.new for c in changes}   # each cell's last change must be what its row holds
    lost_rows = sum(note not in stored for note in last_per_cell.values())
    return {"saves": len(acked), "per_s": len(acked) / seconds, "p50": _pct(latencies, 50),
            "p99": _pct(latencies, 99), "conflicts": sum(r["conflicts"] for r in results), "lost": lost + lost_rows}


def _pct(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))] * 1000


def timed(func, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--pg", default=None, help="a PostgreSQL database URL to use instead of a throwaway cluster")
    parser.add_argument("--writer", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.writer:
        location, number, seconds, interval = args.writer
        writer(location, int(number), float(seconds), float(interval))
        return

    from big_appraisal import build_big_appraisal
    from cmmikit.outputs.excel import write_gap_workbook
    from cmmikit.method.rating import rate

    folder = Path(tempfile.mkdtemp(prefix="cmmikit-team-"))
    cluster = None
    server = args.pg
    if server is None:
        from postgres_cluster import Cluster, find_bin

        bindir = find_bin()
        if bindir is not None:
            cluster = Cluster(bindir).start()
            server = cluster.url()
    locations = {"SQLite": str(folder / "team.cmmi")}
    if server:
        locations["PostgreSQL"] = f"{server}?appraisal=team-benchmark"
    try:
        print(f"{args.writers} writers, one save every {args.interval * 1000:.0f} ms each, {args.seconds:.0f} s")
        print(f"{'backend':<11} {'saves':>6} {'saves/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'conflicts':>9} {'lost':>5}")
        for name, location in locations.items():
            r = team_run(location, args.writers, args.seconds, args.interval)
            print(f"{name:<11} {r['saves']:>6} {r['per_s']:>8.1f} {r['p50']:>8.1f} {r['p99']:>8.1f} "
                  f"{r['conflicts']:>9} {r['lost']:>5}")
        if "PostgreSQL" not in locations:
            print("PostgreSQL: skipped (no server binaries; install Debian's postgresql or pass --pg URL)")

        print(f"\n{args.units} basic units x all ML2 practices, two evidence items each (median of 3 runs)")
        figures = {}
        for name, location in locations.items():
            target = location if name == "SQLite" else location.replace("team-benchmark", "big-benchmark")
            if name == "SQLite":
                target = str(folder / "big.cmmi")
            with build_big_appraisal(target, args.units) as a:
                rate(a)  # warm the model and the engine
                figures[name] = (timed(lambda: rate(a)),
                                 timed(lambda: write_gap_workbook(a, folder / f"gap-{name}.xlsx"), repeat=1))
                if name == "SQLite":
                    bare = timed(lambda: (a.instances(), a.records(), a.evidence(), a.practice_decisions(),
                                          a.goal_decisions(), a.scopes()))
                    print(f"rate() {figures[name][0]:.2f} s vs the bare reads of its old inputs {bare:.2f} s: "
                          f"{figures[name][0] / bare:.2f}x (goal: at most 1x)")
        for name, (rate_s, xlsx_s) in figures.items():
            print(f"{name:<11} rate() {rate_s:.2f} s   export-xlsx {xlsx_s:.2f} s")
        if "PostgreSQL" in figures:
            sq, pg = figures["SQLite"], figures["PostgreSQL"]
            print(f"PostgreSQL / SQLite: rate() {pg[0] / sq[0]:.2f}x, export-xlsx {pg[1] / sq[1]:.2f}x (goal: within 1.5x)")
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
