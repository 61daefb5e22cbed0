"""The workbench notebooks: committed clean, parameterized by tag, and runnable with papermill."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"
OURS = ("00_setup.ipynb", "00b_plan.ipynb", "01_walkthrough.ipynb", "01b_grid.ipynb", "01c_register.ipynb", "02_ratings.ipynb", "03_findings.ipynb",
        "04_export.ipynb")


@pytest.mark.parametrize("name", OURS)
def test_committed_clean_with_a_tagged_parameters_cell(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["parameters"]
    assert "appraisal_path = None" in code[0].source
    assert sum("parameters" in c.metadata.get("tags", []) for c in nb.cells) == 1
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert "widgets" not in nb.metadata
    displays = [c for c in code if c.source.strip().endswith("page")]
    assert displays and all(c.source.startswith("# NBVAL_IGNORE_OUTPUT") for c in displays)
    assert any(c.source.startswith("assert") or "\nassert " in c.source for c in code)


def shown_text(demo, tmp_path: Path, notebook: str, **parameters) -> str:
    """Run ``notebook`` with papermill on the demo appraisal; the text its cells printed."""
    papermill = pytest.importorskip("papermill")
    path = str(demo.path)
    demo.close()
    out = tmp_path / f"out-{notebook}"
    papermill.execute_notebook(str(NOTEBOOKS / notebook), str(out), kernel_name="python3",
                               parameters={"appraisal_path": path, **parameters}, progress_bar=False,
                               cwd=str(tmp_path))
    nb = nbformat.read(out, as_version=4)
    return "".join(o.get("data", {}).get("text/plain", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)


def test_papermill_runs_the_walkthrough_against_a_given_appraisal(demo, tmp_path: Path) -> None:
    text = shown_text(demo, tmp_path, "01_walkthrough.ipynb", pa="CM", practice="SP 1.2")
    assert "Walkthrough CM Configuration Management: SP 1.2" in text
    assert "Quality and Configuration Office" in text


def test_papermill_runs_the_register_narrowed_to_a_process_area(demo, tmp_path: Path) -> None:
    text = shown_text(demo, tmp_path, "01c_register.ipynb", pa="CM", search="baseline")
    assert text.startswith("Evidence register: ") and "shown" in text
    assert "baseline" in text.lower()


def test_papermill_runs_the_grid_of_all_process_areas_with_a_date(demo, tmp_path: Path) -> None:
    text = shown_text(demo, tmp_path, "01b_grid.ipynb", pa=None, since="2000-01-01")
    assert "Grid all process areas: " in text and "CM SG 1 Establish Baselines" in text
    assert "\u0394" in text    # every demo cell changed since 2000


def test_papermill_exports_into_a_folder_beside_the_notebook(demo, tmp_path: Path) -> None:
    papermill = pytest.importorskip("papermill")
    path = str(demo.path)
    demo.close()
    papermill.execute_notebook(str(NOTEBOOKS / "04_export.ipynb"), str(tmp_path / "export.ipynb"),
                               kernel_name="python3", progress_bar=False, cwd=str(tmp_path),
                               parameters={"appraisal_path": path, "export_now": True})
    [folder] = (tmp_path / "exports").iterdir()
    assert folder.name.startswith("northwind-it-services-ml2-readiness-")
    assert {p.name for p in folder.iterdir()} >= {"gap-analysis.xlsx", "charts", "report.html", "report.html.ipynb",
                                                  "report.pdf", "final-findings.pptx"}


@pytest.mark.parametrize("name", ("00_setup.ipynb", "01_walkthrough.ipynb", "02_ratings.ipynb", "03_findings.ipynb"))
def test_papermill_runs_the_screens_on_a_scampi_b(name: str, demo_b, tmp_path: Path) -> None:
    from rating_words import rating_words

    papermill = pytest.importorskip("papermill")
    path = str(demo_b.path)
    demo_b.close()
    out = tmp_path / name
    papermill.execute_notebook(str(NOTEBOOKS / name), str(out), kernel_name="python3", progress_bar=False,
                               parameters={"appraisal_path": path}, cwd=str(tmp_path))
    nb = nbformat.read(out, as_version=4)
    text = "".join(o.get("data", {}).get("text/plain", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)
    assert {"00_setup.ipynb": "SCAMPI B", "01_walkthrough.ipynb": "risk (",
            "02_ratings.ipynb": "SCAMPI B: findings, not ratings", "03_findings.ipynb": "open gaps"}[name] in text
    assert rating_words(text) == []
