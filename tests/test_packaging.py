"""The installed package is the whole product: .ci/wheel-check builds, installs and runs the wheel."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.wheel
def test_the_wheel_works_outside_the_source_tree(tmp_path):
    """Builds the sdist and wheel, installs the wheel in a fresh venv, runs demo/rate/export/report/notebooks."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(["bash", str(ROOT / ".ci" / "wheel-check")], cwd=tmp_path, env=env | {"TMPDIR": str(tmp_path)},
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "wheel-check: passed" in result.stdout
    assert not (ROOT / "cmmikit" / "_resources").exists()  # the build left nothing in the tree
