"""The findings view driven like a user would: set values, click buttons, check the store and the text form."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import nbformat
import pytest

from cmmikit.store import Appraisal
from cmmikit.ui.findings import FindingsView

TODAY = date(2026, 12, 1)


@pytest.fixture
def view(appraisal: Appraisal) -> FindingsView:
    appraisal.update_record("CM", "SP 1.1", "Unit A", weaknesses="No list of configuration items.")
    appraisal.update_record("CM", "SP 1.2", "Unit B", weaknesses="No CM tool <b>at all</b>.")
    appraisal.update_record("SD", "SP 2.3", "Unit A", strengths="Excellent request tool.")
    return FindingsView(appraisal, today=TODAY)


def test_empty_appraisal_opens_and_sync_generates_findings(view: FindingsView) -> None:
    assert view.finding_picker.options == () and "nothing to show" in view.table.value
    assert repr(view).startswith("Findings: 0 open gaps (0 blocking ML2), 0 strengths, 0 dismissed; actions: 0 open")
    view.sync_button.click()
    assert view.status.text == "findings: 3 created" and view.status.ok
    assert len(view.finding_picker.options) == 2              # gaps only by default
    assert view.finding_picker.value == view.frame.iloc[0]["id"]
    assert "Findings: 2 open gaps" in repr(view) and "#1" in repr(view)
    view.sync_button.click()
    assert view.status.text == "findings: 3 unchanged"
    assert "priority = 100 *" in view.formula.value


def test_user_text_is_escaped_everywhere(view: FindingsView) -> None:
    view.sync_button.click()
    view.pa_filter.value = "CM"
    view.finding_picker.value = next(v for label, v in view.finding_picker.options if "SP 1.2" in label)
    for html in (view.table.value, view.detail.value):
        assert "<b>at all</b>" not in html
    assert "&lt;b&gt;at all&lt;/b&gt;" in view.table.value
    assert view.statement.value == "Unit B: No CM tool <b>at all</b>."


def test_edit_save_and_dismiss(view: FindingsView) -> None:
    view.sync_button.click()
    fid = view.finding_picker.value
    view.statement.value = "Configuration items are not identified in any unit."
    view.impact.value, view.effort.value = 5, 1
    view.save_button.click()
    stored = view.appraisal.finding(fid)
    assert (stored.statement, stored.impact, stored.effort, stored.edited) == (
        "Configuration items are not identified in any unit.", 5, 1, True)
    assert view.edit_status.text == f"finding #{fid} saved" and view.finding_picker.value == fid
    assert view.frame.set_index("id").loc[fid, "rank"] == 1
    view.dismiss_button.click()
    assert view.appraisal.finding(fid).status == "dismissed"
    assert fid not in [v for _, v in view.finding_picker.options]
    assert "dismissed" in view.edit_status.text and view.edit_status.undo_button.layout.display is None
    view.edit_status.undo_button.click()
    assert view.appraisal.finding(fid).status == "open" and view.finding_picker.value == fid
    assert view.edit_status.text == f"finding #{fid} dismissal undone"


def test_dismissed_findings_can_be_shown_and_restored(view: FindingsView) -> None:
    view.sync_button.click()
    fid = view.finding_picker.value
    view.dismiss_button.click()
    view.show.value = "dismissed"
    assert [v for _, v in view.finding_picker.options] == [fid] and view.finding_picker.value == fid
    assert "<b>dismissed</b>" in view.detail.value and view.save_button.disabled and not view.restore_button.disabled
    assert "1</b> dismissed" in view.headline.value
    view.restore_button.click()
    assert view.appraisal.finding(fid).status == "open" and view.show.value == "gaps"
    assert view.finding_picker.value == fid and view.edit_status.text == f"finding #{fid} restored"


def test_a_blank_statement_is_refused_with_a_message(view: FindingsView) -> None:
    view.sync_button.click()
    fid = view.finding_picker.value
    before = view.appraisal.finding(fid).statement
    view.statement.value = "   "
    view.save_button.click()
    assert not view.edit_status.ok and "needs a statement" in view.edit_status.text
    assert view.appraisal.finding(fid).statement == before


def test_merge_selected_findings(view: FindingsView) -> None:
    view.sync_button.click()
    ids = [v for _, v in view.merge_picker.options]
    view.merge_picker.value = tuple(ids[:1])
    view.merge_button.click()
    assert not view.merge_status.ok and "at least two" in view.merge_status.text
    view.merge_picker.value = tuple(ids)
    view.merge_statement.value = "Configuration management is not in place."
    view.merge_button.click()
    assert view.merge_status.ok, view.merge_status.text
    merged = [f for f in view.appraisal.findings() if f.origin == "merged"]
    assert len(merged) == 1 and merged[0].practices == ("SP 1.1", "SP 1.2")
    assert [v for _, v in view.finding_picker.options] == [merged[0].id]
    assert view.finding_picker.value == merged[0].id and view.merge_statement.value == ""


def test_write_a_finding_by_hand(view: FindingsView) -> None:
    view.new_pa.value = "WP"
    view.new_goal.value = "SG 2"
    assert [v for _, v in view.new_practices.options][:2] == ["SP 2.1", "SP 2.2"]
    view.new_practices.value = ("SP 2.2",)
    view.new_instances.value = ("Unit A", "Unit B")
    view.add_button.click()
    assert not view.add_status.ok and "needs a statement" in view.add_status.text
    view.new_statement.value = "Risks are identified once and never revisited."
    view.add_button.click()
    [f] = view.appraisal.findings()
    assert (f.origin, f.pa, f.goal, f.practices, f.instances) == ("manual", "WP", "SG 2", ("SP 2.2",),
                                                                   ("Unit A", "Unit B"))
    assert view.finding_picker.options[0][1] == f.id and view.new_statement.value == ""


def test_filters_choose_pa_blocking_and_strengths(demo: Appraisal) -> None:
    view = FindingsView(demo, today=TODAY)
    view.pa_filter.value = "MA"
    assert set(view.visible()["pa"]) == {"MA"} and len(view.finding_picker.options) == len(view.visible())
    view.pa_filter.value = "all"
    view.show.value = "blocking"
    assert view.visible()["blocks_ml2"].all() and set(view.visible()["goal_rating"]) == {"Unsatisfied"}
    view.show.value = "strengths"
    assert set(view.visible()["kind"]) == {"strength"}
    assert all("(strength)" in label for label, _ in view.finding_picker.options)
    assert "and " in view.table.value and "more (narrow the filter)" in view.table.value


def test_action_plan_add_overdue_and_close(view: FindingsView) -> None:
    view.sync_button.click()
    fid = view.finding_picker.value
    view.action_description.value = "Write the CM plan"
    view.action_owner.value = "Kim"
    view.action_due.value = date(2026, 11, 15)
    assert f"New action for finding #{fid}</b>: CM SG 1 SP 1.1" in view.action_heading.value
    view.add_action_button.click()
    assert view.action_status_line.ok, view.action_status_line.text
    assert view.action_status_line.text == f"action added to finding #{fid}"
    assert "Write the CM plan" in view.finding_actions.value and view.action_description.value == ""
    [action] = view.appraisal.actions()
    assert (action.finding_id, action.owner, action.due_date) == (fid, "Kim", "2026-11-15")
    assert "1 open, 1 overdue" in repr(view) and "<b>1</b> overdue" in view.action_summary.value
    assert "16 days overdue" in view.actions_table.value  # said in words (and bold), not by colour alone
    view.action_status.value = "done"
    view.update_action_button.click()
    assert view.appraisal.actions()[0].status == "done"
    assert "0 open, 0 overdue, 1 done" in repr(view)


def test_the_demo_view_summarizes_without_a_front_end(demo: Appraisal) -> None:
    view = FindingsView(demo, today=TODAY)
    text = repr(view)
    assert text.startswith("Findings: ") and "actions: 3 open, 1 overdue, 1 done" in text
    assert "\n  #1 " in text and "Measurement data is collected" in text
    bundle = view._repr_mimebundle_()
    assert bundle["text/plain"] == text and "application/vnd.jupyter.widget-view+json" in bundle


NOTEBOOK = Path(__file__).parent.parent / "notebooks" / "03_findings.ipynb"


def test_notebook_is_committed_clean_with_a_tagged_parameters_cell() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["parameters"] and "appraisal_path = None" in code[0].source
    assert all(not c.outputs and c.execution_count is None for c in code) and "widgets" not in nb.metadata
    displays = [c for c in code if c.source.strip().endswith("page")]
    assert displays and all(c.source.startswith("# NBVAL_IGNORE_OUTPUT") for c in displays)


def test_papermill_runs_the_notebook_against_a_given_appraisal(demo: Appraisal, tmp_path: Path) -> None:
    import papermill

    path = str(demo.path)
    demo.close()
    out = tmp_path / "findings.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), kernel_name="python3", progress_bar=False,
                               parameters={"appraisal_path": path}, cwd=str(tmp_path))
    nb = nbformat.read(out, as_version=4)
    text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "")
                   for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "Findings: 113 open gaps" in text and "actions: 3 open, 1 overdue" in text
    assert "(findings: 148 unchanged)" in text        # the notebook syncs; the demo's findings are in step


def test_titles_name_every_unit_or_how_many(demo: Appraisal) -> None:
    from cmmikit.ui.findings import finding_title, unit_label

    assert unit_label("A, B") == "A, B" and unit_label("A, B, C") == "3 units" and unit_label("") == ""
    view = FindingsView(demo, today=TODAY)
    wide = view.frame[(view.frame["n_instances"] >= 3) & view.frame["statement"].str.contains("\n")].iloc[0]
    title = finding_title(wide)
    assert title.startswith(f"{wide['n_instances']} units: ") and title.endswith(" (+2 more lines)")
    two = view.frame[view.frame["n_instances"] == 2].iloc[0]
    assert finding_title(two).startswith(two["instances"] + ": ")


def test_group_of_one_goal_is_merged_whole(demo: Appraisal) -> None:
    view = FindingsView(demo, today=TODAY)
    pa, goal, kind = view.group_picker.value
    members = view.frame[(view.frame["pa"] == pa) & (view.frame["goal"] == goal) & (view.frame["kind"] == kind)]
    assert len(members) >= 2 and f"{pa} {goal}" in view.group_picker.label
    assert all(line in view.group_statement.value for line in members.iloc[0]["statement"].splitlines())
    before = len(view.frame)
    view.merge_group_button.click()
    assert view.merge_status.ok, view.merge_status.text
    assert len(view.frame) == before - len(members) + 1
    merged = view.appraisal.finding(view.finding_picker.value)
    assert merged.origin == "merged" and (merged.pa, merged.goal) == (pa, goal)
    assert (pa, goal, kind) not in [v for _, v in view.group_picker.options]


def test_tables_are_readable_and_refresh(view: FindingsView) -> None:
    assert "nothing to show" in view.rollup_table.value
    view.sync_button.click()
    assert "open gaps" in view.rollup_table.value and "n_gaps" not in view.rollup_table.value
    assert "readiness (FI or LI)" in view.readiness_table.value and "0%" in view.readiness_table.value
    assert "0.555556" not in view.readiness_table.value
    assert ">CM<" in view.rollup_table.value and ">2<" in view.rollup_table.value


def test_a_scampi_b_ranks_through_the_scale_and_shows_no_rating(demo_b) -> None:
    from cmmikit.ui.findings import FindingsView
    from rating_words import rating_words
    from test_ui_walkthrough import widget_text

    view = FindingsView(demo_b)
    assert len(view.frame) and "SCAMPI B: findings, not ratings" in view.headline.value
    assert "goal outlook" in view.table.value and "goal rating" not in view.table.value
    assert demo_b.scale.colours["high"] in view.table.value or demo_b.scale.colours["medium"] in view.table.value
    assert "on the scale: low" in view.formula.value and "FI or LI" not in view.readiness_heading.value
    assert rating_words(widget_text(view.widget) + repr(view)) == []
