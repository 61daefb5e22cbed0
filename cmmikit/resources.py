"""Where the files shipped with cmmikit are: the models, the report notebook and template, the workbench notebooks.

The top-level folders of the source tree (``questionnaires/``, ``notebooks/``, ``templates/``)
are the source of truth.  A wheel carries copies of them under ``cmmikit/_resources/``
(made at build time by ``setup.py``); a source checkout or an editable install uses
the folders themselves.
"""

from __future__ import annotations

from pathlib import Path

from cmmikit.errors import CmmikitError

PACKAGE = Path(__file__).resolve().parent
BUNDLED = PACKAGE / "_resources"  # an installed wheel
CHECKOUT = PACKAGE.parent  # a source checkout or an editable install
REPORT_NOTEBOOK = "report.ipynb"
VOILA_CONFIG = "voila.json"  # Voila's file allow-list: lets the export screen's links download


class MissingResource(CmmikitError):
    """A file that ships with cmmikit is not where it should be: the installation is incomplete."""


def root() -> Path:
    """The folder holding ``questionnaires/``, ``notebooks/`` and ``templates/``."""
    return BUNDLED if BUNDLED.is_dir() else CHECKOUT


def models_dir() -> Path:
    """The shipped model folders (one sub-folder per model, e.g. ``cmmi-svc-1.3``)."""
    return root() / "questionnaires"


def notebooks_dir() -> Path:
    return root() / "notebooks"


def report_notebook() -> Path:
    """The parameterized report notebook that ``cmmikit report`` executes."""
    return notebooks_dir() / REPORT_NOTEBOOK


def templates_dir() -> Path:
    """The nbconvert template folders (``templates/report``)."""
    return root() / "templates"


def workbench_notebooks() -> list[Path]:
    """The notebooks a user works in (every shipped notebook except the report template), by name."""
    found = sorted(p for p in require(notebooks_dir()).glob("*.ipynb") if p.name != REPORT_NOTEBOOK)
    if not found:
        raise MissingResource(f"{notebooks_dir()}: no workbench notebooks; this cmmikit installation is incomplete")
    return found


def workbench_files() -> list[Path]:
    """What ``cmmikit notebooks`` writes: the workbench notebooks and Voila's ``voila.json`` beside them."""
    return [*workbench_notebooks(), require(notebooks_dir() / VOILA_CONFIG)]


def require(path: Path) -> Path:
    """``path`` if it exists; otherwise one clear line saying the installation is incomplete."""
    if not path.exists():
        raise MissingResource(f"{path}: not found; this cmmikit installation is incomplete "
                              "(reinstall it: pip install --force-reinstall cmmikit)")
    return path
