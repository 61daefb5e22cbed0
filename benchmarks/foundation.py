"""Foundation figures: package import time, model loading, rating an appraisal.

Each figure is printed beside a baseline measured in the same run:
- ``import cmmikit`` against a bare ``python -c pass`` (target: under 0.5 s, no heavy imports);
- loading the whole model (YAML parse + pydantic validation) against parsing the same YAML alone
  (target: well under 100 ms);
- rating the sample appraisal against reading its records and evidence from the store.

Run: python benchmarks/foundation.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from cmmikit import model as model_module
from cmmikit.demo import build_demo
from cmmikit.method.rating import rate


def timed(func, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return samples


def show(name: str, samples: list[float], baseline: list[float], target: str) -> None:
    med, base = statistics.median(samples), statistics.median(baseline)
    print(f"{name:<28} median {med * 1000:8.1f} ms   baseline {base * 1000:8.1f} ms   "
          f"ratio {med / base:5.2f}x   target {target}")


def python_startup(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main() -> None:
    show("import cmmikit (process)", [python_startup("import cmmikit, cmmikit.cli") for _ in range(7)],
         [python_startup("pass") for _ in range(7)], "< 500 ms")

    folder = model_module.find_model_dir()
    files = sorted(folder.glob("*.yaml"))
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    def parse_only() -> None:
        for f in files:
            yaml.load(f.read_text(), Loader=loader)

    def load_fresh() -> None:
        model_module._load_cached.cache_clear()
        model_module.load_model()

    show("load whole model", timed(load_fresh, 20), timed(parse_only, 20), "< 100 ms")

    with tempfile.TemporaryDirectory() as tmp:
        appraisal = build_demo(Path(tmp) / "demo.cmmi")
        rate(appraisal)  # warm pandas

        def read_only() -> None:
            appraisal.records()
            appraisal.evidence()

        show("rate sample appraisal", timed(lambda: rate(appraisal), 10), timed(read_only, 10),
             "interactive (< 1 s)")
        appraisal.close()


if __name__ == "__main__":
    main()
