"""Shared fixtures: tiny appraisals in temporary files, the tiny made-up model, the demo."""

from __future__ import annotations

import itertools
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


_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL cluster for the whole run (skipped without its binaries, unless CI requires it)."""
    from postgres_cluster import Cluster, find_bin

    bindir = find_bin()
    if bindir is None:
        if os.environ.get("CMMIKIT_REQUIRE_PG") == "1":
            pytest.fail("CMMIKIT_REQUIRE_PG=1 but no PostgreSQL server binaries (initdb, pg_ctl) were found")
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl): install Debian's postgresql to run these")
    cluster = Cluster(bindir).start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Run a test on both stores: an SQLite file and an appraisal on a PostgreSQL server."""
    return request.param


@pytest.fixture
def new_location(backend: str, tmp_path: Path, request: pytest.FixtureRequest):
    """A function giving fresh appraisal locations (file paths or server URLs) for the current backend."""
    def make(stem: str = "a") -> str:
        if backend == "sqlite":
            return str(tmp_path / f"{stem}.cmmi")
        cluster = request.getfixturevalue("postgres")
        return cluster.url(f"t{os.getpid()}-{next(_names)}-{stem}")
    return make


@pytest.fixture
def appraisal(new_location):
    """An empty CMMI-SVC appraisal with two basic units and a support function (CM, PPQA), on both backends."""
    with Appraisal.create(new_location("a"), name="Test appraisal", org_unit="Test OU") as a:
        a.add_instance("Unit A")
        a.add_instance("Unit B")
        a.add_instance("QA Group", "support_function", pas=["CM", "PPQA"])
        yield a


@pytest.fixture
def tiny(new_location):
    """An appraisal against the tiny made-up model (2 PAs, 1 generic goal), two basic units, on both backends."""
    with Appraisal.create(new_location("tiny"), name="Tiny", model=TINY_MODEL) as a:
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


@pytest.fixture(scope="session")
def demo_b_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample appraisal as a SCAMPI B readiness dry run (low / medium / high risk), built once per session."""
    from cmmikit.demo import build_demo

    path = tmp_path_factory.mktemp("demo_b") / "demo-b.cmmi"
    build_demo(path, appraisal_type="SCAMPI B").close()
    return path


@pytest.fixture
def demo_b(demo_b_file: Path, tmp_path: Path):
    """A private, writable copy of the SCAMPI B sample."""
    copy = tmp_path / "demo-b.cmmi"
    shutil.copy(demo_b_file, copy)
    with Appraisal.open(copy) as a:
        yield a
