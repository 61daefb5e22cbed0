"""Where the shipped files are: the source checkout's folders, or their copies in an installed wheel."""

from __future__ import annotations

import shutil

import pytest

from cmmikit import resources
from cmmikit.model import find_model_dir, model_search_path


def test_a_checkout_uses_its_top_level_folders():
    assert not resources.BUNDLED.exists()  # the copies exist only inside a built wheel
    assert resources.root() == resources.CHECKOUT
    assert (resources.models_dir() / "cmmi-svc-1.3" / "model.yaml").is_file()
    assert resources.report_notebook() == resources.CHECKOUT / "notebooks" / "report.ipynb"
    assert (resources.templates_dir() / "report" / "index.html.j2").is_file()
    assert model_search_path()[-1] == resources.models_dir()
    assert find_model_dir().parent == resources.models_dir()


def test_workbench_notebooks_are_every_notebook_but_the_report():
    names = [p.name for p in resources.workbench_notebooks()]
    assert names == sorted(names) and "00_setup.ipynb" in names and "04_export.ipynb" in names
    assert resources.REPORT_NOTEBOOK not in names


def test_an_installed_wheel_uses_its_bundled_copies(tmp_path, monkeypatch):
    bundled = tmp_path / "_resources"
    shutil.copytree(resources.CHECKOUT / "questionnaires", bundled / "questionnaires")
    shutil.copytree(resources.CHECKOUT / "notebooks", bundled / "notebooks")
    monkeypatch.setattr(resources, "BUNDLED", bundled)
    assert resources.root() == bundled
    assert resources.report_notebook() == bundled / "notebooks" / "report.ipynb"
    assert resources.workbench_notebooks()[0].parent == bundled / "notebooks"


def test_a_missing_file_says_the_installation_is_incomplete(tmp_path, monkeypatch):
    (tmp_path / "_resources" / "notebooks").mkdir(parents=True)
    (tmp_path / "_resources" / "notebooks" / "report.ipynb").write_text("{}")
    monkeypatch.setattr(resources, "BUNDLED", tmp_path / "_resources")
    with pytest.raises(resources.MissingResource, match="no workbench notebooks.*incomplete"):
        resources.workbench_notebooks()
    with pytest.raises(resources.MissingResource) as exc:
        resources.require(resources.templates_dir() / "report" / "index.html.j2")
    assert "index.html.j2: not found" in str(exc.value) and "reinstall" in str(exc.value)
    assert "\n" not in str(exc.value)
