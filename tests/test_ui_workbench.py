"""The notebook screen: the appraisal chooser (files, path or URL, new) and one live screen per kind per kernel."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmmikit.store import Appraisal
from cmmikit.ui import common
from cmmikit.ui.ratings import RatingsView
from cmmikit.ui.setup import SetupView
from cmmikit.ui.walkthrough import WalkthroughView
from cmmikit.ui.workbench import Workbench, display_location, find_appraisals, slug


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A notebook folder with two appraisals (one in a subfolder), a checkpoint copy and an export; its own
    Jupyter session."""
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv(common.SERVER_PID_ENV, "777")
    monkeypatch.setenv(common.APPRAISAL_ENV, "")  # recorded: what the chooser remembers is undone afterwards
    nb = tmp_path / "notebooks"
    (nb / "team").mkdir(parents=True)
    (nb / ".ipynb_checkpoints").mkdir()
    (nb / "exports").mkdir()
    with Appraisal.create(nb / "alpha.cmmi", name="Alpha") as a:
        a.add_instance("Service Desk")
    Appraisal.create(nb / "team" / "beta.cmmi", name="Beta").close()
    (nb / ".ipynb_checkpoints" / "alpha-checkpoint.cmmi").write_bytes(b"x")
    (nb / "exports" / "old.cmmi").write_bytes(b"x")
    yield nb
    Workbench._live.clear()
    common.release_all()


def test_lists_appraisal_files_under_the_folder_without_opening_them(folder: Path) -> None:
    assert [p.relative_to(folder).as_posix() for p in find_appraisals(folder)] == ["alpha.cmmi", "team/beta.cmmi"]


def test_chooser_opens_another_file_and_remembers_it(folder: Path) -> None:
    page = Workbench(SetupView, folder / "alpha.cmmi", folder=folder)
    chooser = page.chooser
    labels = [label for label, _ in chooser.files.options]
    assert labels[0].startswith("alpha.cmmi (changed ") and labels[1].startswith("team/beta.cmmi")
    assert chooser.files.value == str((folder / "alpha.cmmi").resolve())
    chooser.files.value = str((folder / "team" / "beta.cmmi").resolve())
    chooser.open_file_button.click()
    assert page.view.appraisal.info().name == "Beta" and page.view_box.children == (page.view.widget,)
    assert "opened Beta" in chooser.status.text and ">Beta<" in chooser.current_label.value
    assert common.remembered_location() == str(folder / "team" / "beta.cmmi")
    # another notebook of the session opens the remembered appraisal without being told
    other = Workbench(RatingsView, folder=folder)
    assert other.appraisal is page.appraisal


def test_chooser_path_url_and_mistakes(folder: Path) -> None:
    page = Workbench(SetupView, folder / "alpha.cmmi", folder=folder)
    chooser = page.chooser
    chooser.open_location_button.click()
    assert not chooser.status.ok and "type a file path" in chooser.status.text
    chooser.location.value = "team/beta.cmmi"  # relative to the notebook folder
    chooser.open_location_button.click()
    assert page.appraisal.info().name == "Beta"
    chooser.location.value = "missing.cmmi"
    chooser.open_location_button.click()
    assert not chooser.status.ok and "no such appraisal file" in chooser.status.text
    assert page.appraisal.info().name == "Beta"  # the screen stays on what it had
    assert display_location("postgresql+psycopg://ann:secret@db:5432/x?appraisal=a") == \
        "postgresql+psycopg://ann@db:5432/x?appraisal=a"


def test_chooser_creates_a_new_appraisal(folder: Path) -> None:
    page = Workbench(SetupView, folder / "alpha.cmmi", folder=folder)
    chooser = page.chooser
    chooser.create_button.click()
    assert "name first" in chooser.status.text
    chooser.new_name.value = "Northwind ML2 2027"
    chooser.create_button.click()
    created = folder / f"{slug('Northwind ML2 2027')}.cmmi"
    assert created.name == "northwind-ml2-2027.cmmi" and created.exists()
    assert page.view.appraisal.info().name == "Northwind ML2 2027" and page.view.instance_rows == []
    assert chooser.new_name.value == "" and common.remembered_location() == str(created)
    chooser.new_name.value = "Again"
    chooser.new_file.value = "northwind-ml2-2027"
    chooser.create_button.click()
    assert not chooser.status.ok and "already exists" in chooser.status.text


def test_running_the_cell_again_replaces_the_screen_and_reuses_the_handle(folder: Path) -> None:
    first = Workbench(WalkthroughView, folder / "alpha.cmmi", folder=folder, pa="CM")
    panel = first.view.panels[0]
    second = Workbench(WalkthroughView, folder / "alpha.cmmi", folder=folder, pa="CM")
    assert second.appraisal is first.appraisal                 # one connection per file per kernel
    assert first.widget.comm is None and panel.characterization.comm is None  # the old screen is closed
    assert second.widget.comm is not None
    second.view.panels[0].characterization.value = "LI"
    assert second.appraisal.record("CM", "SP 1.1", "Service Desk").characterization == "LI"
    assert repr(second).startswith("Walkthrough CM Configuration Management")
    ratings = Workbench(RatingsView, folder / "alpha.cmmi", folder=folder)
    assert second.widget.comm is not None and ratings.appraisal is second.appraisal  # other kinds stay


def test_a_view_that_cannot_be_built_keeps_the_screen(folder: Path) -> None:
    page = Workbench(WalkthroughView, folder / "alpha.cmmi", folder=folder, pa="CM")
    tiny = folder / "tiny.cmmi"
    Appraisal.create(tiny, name="Tiny", model=Path(__file__).parent / "data" / "tiny-model").close()
    page.chooser.location.value = str(tiny)
    page.chooser.open_location_button.click()
    assert not page.chooser.status.ok and "CM" in page.chooser.status.text
    assert page.appraisal.info().name == "Alpha"


def test_every_screen_names_all_its_inputs(folder: Path) -> None:
    from cmmikit.ui.common import unlabelled
    from cmmikit.ui.export import ExportView
    from cmmikit.ui.findings import FindingsView

    for make in (SetupView, WalkthroughView, RatingsView, FindingsView, ExportView):
        page = Workbench(make, folder / "alpha.cmmi", folder=folder)
        assert unlabelled(page.widget) == [], make.__name__


def test_chooser_creates_a_scampi_b_and_shows_type_and_scale(folder: Path) -> None:
    from cmmikit.ui.assessment import AssessmentView

    page = Workbench(RatingsView, folder / "alpha.cmmi", folder=folder)
    chooser = page.chooser
    assert "SCAMPI A" in chooser.current_label.value and "FI fully implemented" in chooser.current_label.value
    assert chooser.new_type.scale_files.layout.display == "none"
    chooser.new_type.type_dropdown.value = "SCAMPI B"
    assert "low risk" in chooser.new_type.preview.value and "high risk" in chooser.new_type.preview.value
    chooser.new_name.value = "Dry run"
    chooser.create_button.click()
    assert chooser.status.ok, chooser.status.text
    assert page.appraisal.info().appraisal_type == "SCAMPI B" and page.appraisal.scale.id == "scampi-b"
    assert isinstance(page.view, AssessmentView)                   # 02_ratings follows the type
    assert "SCAMPI B" in chooser.current_label.value and "medium risk" in chooser.current_label.value


def test_chooser_creates_a_scampi_c_on_a_team_scale_file_shown_first(folder: Path) -> None:
    from conftest import DATA

    (folder / "acme.yaml").write_bytes((DATA / "scales" / "traffic-light-c.yaml").read_bytes())
    (folder / "broken.yaml").write_text("id: x\nname: X\nvalues: []\n", encoding="utf-8")
    page = Workbench(SetupView, folder / "alpha.cmmi", folder=folder)
    picker = page.chooser.new_type
    picker.type_dropdown.value = "SCAMPI C"
    assert picker.scale_files.layout.display != "none"
    assert picker.scale_files._options_labels[1:] == ("acme.yaml", "broken.yaml")
    picker.scale_files.value = str((folder / "broken.yaml").resolve())
    assert "broken.yaml" in picker.preview.value and "values" in picker.preview.value   # one-line error shown
    page.chooser.new_name.value = "Broken"
    page.chooser.create_button.click()
    assert not page.chooser.status.ok and not (folder / "broken.cmmi").exists()
    picker.scale_files.value = str((folder / "acme.yaml").resolve())
    assert "approach embedded" in picker.preview.value and "Defined, used everywhere" in picker.preview.value
    page.chooser.new_name.value = "Acme C"
    page.chooser.create_button.click()
    assert page.chooser.status.ok, page.chooser.status.text
    assert page.appraisal.info().appraisal_type == "SCAMPI C" and page.appraisal.scale.id == "acme-c"
    assert page.view.type_picker.scale_files.value == "<own>"        # the setup screen shows the own scale


def test_every_screen_names_all_its_inputs_on_a_scampi_b(folder: Path, demo_b_file: Path) -> None:
    import shutil

    from cmmikit.ui.common import unlabelled
    from cmmikit.ui.export import ExportView
    from cmmikit.ui.findings import FindingsView

    shutil.copy(demo_b_file, folder / "dry-run.cmmi")
    for make in (SetupView, WalkthroughView, RatingsView, FindingsView, ExportView):
        page = Workbench(make, folder / "dry-run.cmmi", folder=folder)
        assert unlabelled(page.widget) == [], make.__name__


def test_chooser_lists_the_team_servers_appraisals_with_your_role(folder: Path, postgres,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from postgres_cluster import PASSWORD

    names = [f"chooser{os.getpid()}{n}" for n in ("a", "b")]
    for name, title in zip(names, ("Gamma", "Delta")):
        Appraisal.create(postgres.url(name), name=title).close()
    server = postgres.url().replace(f":{PASSWORD}@", "@")
    monkeypatch.setenv("CMMIKIT_SERVER", server)
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    page = Workbench(SetupView, folder / "alpha.cmmi", folder=folder)
    chooser = page.chooser
    listed = dict(chooser.files.options)
    for name, title in zip(names, ("Gamma", "Delta")):
        [label] = [label for label in listed if label.startswith(f"{title} on the team server (you: lead")]
        assert listed[label] == f"{server}?appraisal={name}"
    assert all(PASSWORD not in value and PASSWORD not in label for label, value in chooser.files.options)
    assert "you are" in chooser.current_label.value
    chooser.files.value = f"{server}?appraisal={names[1]}"
    chooser.open_file_button.click()
    assert page.view.appraisal.info().name == "Delta", chooser.status.text
    assert "you are postgres (lead)" in chooser.current_label.value
    assert chooser.files.value == f"{server}?appraisal={names[1]}"   # the open one is the listed one, not a copy
    values = [value for _, value in chooser.files.options]
    assert len(values) == len(set(values))


def test_an_unreachable_team_server_is_one_line_and_the_files_stay(folder: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMMIKIT_SERVER", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    page = Workbench(SetupView, folder / "alpha.cmmi", folder=folder)
    assert page.chooser.status.text.startswith("CMMIKIT_SERVER: ") and "\n" not in page.chooser.status.text
    assert [label.split(" ")[0] for label, _ in page.chooser.files.options] == ["alpha.cmmi", "team/beta.cmmi"]
