"""Benchmark: the final findings deck for the demo and for a 200-unit appraisal.

Times in the same run, for each appraisal:

- ``write_findings_deck`` end to end (snapshot copy, findings sync on the copy, rating, slides, atomic save), and
- the baseline it cannot avoid: the snapshot copy, the findings sync and the rating alone
  (``cmmikit.outputs.deck.read_current``), so the figure shows what building the slides adds.

The 200-unit appraisal is built as in ``benchmarks/export_xlsx.py``. Run: ``python benchmarks/deck.py [--units N]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from export_xlsx import best_of, build_appraisal  # noqa: E402  (a sibling script, not a package)

DAY = date(2026, 11, 13)


def measure(label: str, appraisal, out: Path, repeat: int) -> None:
    """Print the deck time, the snapshot+rating baseline and the slide count for one appraisal."""
    from cmmikit.outputs.deck import build_findings_deck, read_current

    slides = []
    deck = best_of(repeat, lambda: slides.append(build_findings_deck(appraisal, out, report_date=DAY).slides))
    base = best_of(repeat, lambda: read_current(appraisal, DAY))
    print(f"{label}: deck {deck:.2f} s for {slides[-1]} slides ({out.stat().st_size / 1e6:.1f} MB); "
          f"snapshot + findings sync + rating alone {base:.2f} s; slides add {deck - base:.2f} s "
          f"({(deck - base) / slides[-1] * 1000:.0f} ms per slide)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=200, help="basic units of the big appraisal")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each measurement; the fastest counts")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        run(Path(tmp), args.units, args.repeat)
    return 0


def run(folder: Path, units: int, repeat: int) -> None:
    """Measure the demo's deck, then build the big appraisal and measure its deck."""
    from cmmikit.demo import build_demo

    with build_demo(folder / "demo.cmmi") as demo:
        measure("demo (3 basic units, 1 support function)", demo, folder / "demo.pptx", repeat)
    start = time.perf_counter()
    big = build_appraisal(folder / "bench.cmmi", units)
    print(f"appraisal: {units} basic units, built in {time.perf_counter() - start:.1f} s")
    try:
        measure(f"{units} basic units", big, folder / "big.pptx", repeat)
    finally:
        big.close()


if __name__ == "__main__":
    sys.exit(main())
