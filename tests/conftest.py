"""Shared fixtures: tiny appraisals in temporary files, the tiny made-up model, the demo."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cmmikit.store import Appraisal

DATA = Path(__file__).parent / "data"
TINY_MODEL = DATA / "tiny-model"
collect_ignore_glob = ["data/*.ipynb", "artifacts/*"]  # fixture notebooks are inputs, not tests


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--browser", action="store_true", default=False,
                     help="run the browser tests (Chromium + Playwright); also CMMIKIT_BROWSER=1")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--browser") or os.environ.get("CMMIKIT_BROWSER") == "1":
        return
    skip = pytest.mark.skip(reason="browser test: run with --browser or CMMIKIT_BROWSER=1")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing from the developer's environment leaks into a test."""
    monkeypatch.delenv("CMMIKIT_MODEL_PATH", raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")


@pytest.fixture
def appraisal(tmp_path: Path):
    """An empty CMMI-SVC appraisal with two basic units and a support function (CM, PPQA)."""
    with Appraisal.create(tmp_path / "a.cmmi", name="Test appraisal", org_unit="Test OU") as a:
        a.add_instance("Unit A")
        a.add_instance("Unit B")
        a.add_instance("QA Group", "support_function", pas=["CM", "PPQA"])
        yield a


@pytest.fixture
def tiny(tmp_path: Path):
    """An appraisal against the tiny made-up model (2 PAs, 1 generic goal), two basic units."""
    with Appraisal.create(tmp_path / "tiny.cmmi", name="Tiny", model=TINY_MODEL) as a:
        a.add_instance("U1")
        a.add_instance("U2")
        yield a


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample appraisal built once per session; copy it before changing it."""
    from cmmikit.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.cmmi"
    build_demo(path).close()
    return path


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path):
    """A private, writable copy of the sample appraisal."""
    copy = tmp_path / "demo.cmmi"
    shutil.copy(demo_file, copy)
    with Appraisal.open(copy) as a:
        yield a
