"""The merge screen: conflicts reviewed one by one with widget clicks (no browser), and its notebook."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from cmmikit.store import Appraisal, slice_appraisal
from cmmikit.ui.merge import MergeView

NOTEBOOK = Path(__file__).parent.parent / "notebooks" / "05_merge.ipynb"


@pytest.fixture
def pair(demo, tmp_path):
    """The demo as FILE and a CM slice, with two conflicts and one change made in the slice only."""
    path = tmp_path / "ravi.cmmi"
    slice_appraisal(demo, path, ["CM"], assessor="Ravi Menon").close()
    with Appraisal.open(path, user="ravi") as piece:
        piece.update_record("CM", "SP 1.1", "Service Desk", characterization="PI", weaknesses="no CI list")
        piece.update_record("CM", "SP 1.2", "Service Desk", notes="ravi: <b>tool</b> seen")
        piece.update_record("CM", "SP 1.3", "Service Desk", notes="ravi: audit seen")
        demo.user = "lead"
        demo.update_record("CM", "SP 1.2", "Service Desk", notes="lead: ask for the tool")
        demo.update_record("CM", "SP 1.3", "Service Desk", notes="lead: audit missing")
        yield demo, piece, path


def test_conflicts_are_shown_with_both_values_and_chosen_one_by_one(pair):
    demo, piece, _ = pair
    view = MergeView(demo, piece)
    assert [row.conflict.label for row in view.rows] == ["CM SP 1.2 / Service Desk", "CM SP 1.3 / Service Desk"]
    first, _ = view.rows
    assert "ravi: &lt;b&gt;tool&lt;/b&gt; seen" in first.theirs.value and "<b>tool</b>" not in first.theirs.value
    assert "lead: ask for the tool" in first.mine.value and "(lead)" in first.mine.value
    assert "not decided" in first.state.value
    assert "1 change(s) from the slice, 2 conflict(s), 0 decided" in view.header.value
    assert "CM SP 1.1 / Service Desk: characterization -&gt; &#x27;PI&#x27;" in view.changes.value

    first.take_theirs_button.click()
    assert first.choice == "theirs" and first.take_theirs_button.button_style == "info"
    assert "1 decided" in view.header.value
    view.apply_button.click()
    assert view.status.ok, view.status.text
    assert view.status.text == "merged: 2 change(s) applied, 1 conflict(s) resolved, 1 left for later"
    assert demo.record("CM", "SP 1.2", "Service Desk").notes == "ravi: <b>tool</b> seen"
    assert demo.record("CM", "SP 1.3", "Service Desk").notes == "lead: audit missing"
    assert demo.record("CM", "SP 1.1", "Service Desk").updated_by == "ravi"
    assert [row.conflict.label for row in view.rows] == ["CM SP 1.3 / Service Desk"]   # the undecided one waits
    assert view.result.steps == [] and "Nothing changed in the slice only" in view.changes.value

    view.rows[0].keep_mine_button.click()
    view.apply_button.click()
    assert view.rows == [] and demo.record("CM", "SP 1.3", "Service Desk").notes == "lead: audit missing"
    assert view.apply_button.disabled                    # nothing left to merge
    assert "CM SP 1.3" not in view.summary()


def test_choose_all_and_reopening_keep_the_choices(pair):
    demo, piece, _ = pair
    view = MergeView(demo, piece)
    view.all_theirs_button.click()
    assert view.resolutions() == {r.conflict.id: "theirs" for r in view.rows}
    view.refresh_button.click()                         # planning again keeps what was decided
    assert set(view.resolutions().values()) == {"theirs"} and len(view.rows) == 2
    view.apply_button.click()
    assert demo.record("CM", "SP 1.3", "Service Desk").notes == "ravi: audit seen"


def test_the_slice_can_be_entered_in_the_view(pair, tmp_path):
    demo, _, path = pair
    view = MergeView(demo)
    assert view.result is None and view.picker.layout.display is None
    assert view.apply_button.layout.display == "none"
    view.apply()
    assert not view.status.ok and "open a slice first" in view.status.text
    view.slice_path.value = str(tmp_path / "nothing.cmmi")
    view.open_button.click()
    assert not view.status.ok and "nothing.cmmi" in view.status.text
    view.slice_path.value = demo.address
    view.open_button.click()
    assert not view.status.ok and "not a slice" in view.status.text
    view.slice_path.value = str(path)
    view.open_button.click()
    assert view.result is not None and len(view.rows) == 2 and view.picker.layout.display == "none"


def test_notebook_is_committed_clean_with_a_tagged_parameters_cell():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["parameters"]
    assert "appraisal_path = None" in code[0].source and "slice_path = None" in code[0].source
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert "widgets" not in nb.metadata
    assert any(c.source.startswith("# NBVAL_IGNORE_OUTPUT") and c.source.strip().endswith("view") for c in code)


def test_papermill_runs_the_notebook_on_a_slice(pair, tmp_path):
    papermill = pytest.importorskip("papermill")
    demo, piece, path = pair
    address = demo.address
    demo.close()
    piece.close()
    out = tmp_path / "merge.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), kernel_name="python3", progress_bar=False,
                               parameters={"appraisal_path": address, "slice_path": str(path)}, cwd=str(tmp_path))
    text = "".join(o.get("data", {}).get("text/plain", "") for c in nbformat.read(out, as_version=4).cells
                   if c.cell_type == "code" for o in c.outputs)
    assert "Merge ravi.cmmi into demo.cmmi: 1 change(s) from the slice, 2 conflict(s)" in text
    assert "[undecided] CM SP 1.2 / Service Desk" in text
    with Appraisal.open(address) as again:               # the notebook only looked
        assert again.record("CM", "SP 1.2", "Service Desk").notes == "lead: ask for the tool"
