"""Old module paths keep working for one release: each gives the new module itself, with a DeprecationWarning."""

from __future__ import annotations

import importlib
import re
import sys
import warnings
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cmmikit"
FORWARD = re.compile(r'forward\(__name__, "([\w.]+)"\)')
SHIMS = sorted((f"cmmikit.{p.stem}", FORWARD.search(p.read_text()).group(1))  # type: ignore[union-attr]
               for p in PACKAGE.glob("*.py") if FORWARD.search(p.read_text()))


def test_there_are_old_paths_to_check() -> None:
    assert ("cmmikit.risk_charts", "cmmikit.outputs.charts") in SHIMS
    assert len(SHIMS) > 20


@pytest.mark.parametrize(("old", "new"), SHIMS, ids=[old for old, _ in SHIMS])
def test_an_old_path_forwards_with_a_warning(old: str, new: str) -> None:
    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(old)
    assert module is importlib.import_module(new)
    assert [w for w in caught if issubclass(w.category, DeprecationWarning) and old in str(w.message)]
