"""The grid's state without a browser: rows, columns, OU values, markers, filters, edits and conflicts."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from cmmikit.errors import UnknownEntry
from cmmikit.method.grid import Filters, GridState, Group, Row, assessor_for
from cmmikit.store import Appraisal, Assessor

TODAY = datetime.now(timezone.utc).date().isoformat()


NO_FILTER = Filters()


def keys(state: GridState, filters: Filters = NO_FILTER) -> list[str]:
    return [item.key for item in state.visible(filters)]


def rows(state: GridState, filters: Filters = NO_FILTER) -> list[str]:
    return [item.key for item in state.visible(filters) if isinstance(item, Row)]


def test_rows_are_the_practices_in_model_order_grouped_by_goal_columns_the_sampled_units(tiny: Appraisal) -> None:
    state = GridState(tiny, "AA")
    assert keys(state) == ["AA SG 1", "AA SP 1.1", "AA SP 1.2", "AA SG 2", "AA SP 2.1", "AA GG 2", "AA GP 2.1"]
    first = state.visible()[0]
    assert isinstance(first, Group) and first.label == "AA SG 1 Alpha Goal One"
    assert state.row("AA SP 1.2").title == "Do the Second Thing"
    assert [c.name for c in state.columns] == ["U1", "U2"]
    assert state.cell("AA SP 1.1", "U1").value is None and state.cell("AA SP 1.1", "U1").version == 0


def test_columns_follow_sampling_and_all_pas_marks_cells_not_sampled(appraisal: Appraisal) -> None:
    sd = GridState(appraisal, "SD")
    assert [c.name for c in sd.columns] == ["Unit A", "Unit B"]       # QA Group is sampled for CM and PPQA only
    cm = GridState(appraisal, "CM")
    assert [(c.name, c.kind_label) for c in cm.columns] == [("Unit A", "basic unit"), ("Unit B", "basic unit"),
                                                           ("QA Group", "support function")]
    every = GridState(appraisal)
    assert len(every.rows) == len(appraisal.model.practices())
    assert not every.cell("SD SP 1.1", "QA Group").sampled and every.cell("CM SP 1.1", "QA Group").sampled
    assert every.set_values([("SD SP 1.1", "QA Group")], "FI").saved == []   # nothing to save where not sampled
    with pytest.raises(UnknownEntry, match="'XX' is not in model"):
        GridState(appraisal, "XX")


def test_ou_value_comes_from_the_aggregation_rules_and_team_decisions(tiny: Appraisal) -> None:
    state = GridState(tiny, "AA")
    assert (state.ou("AA SP 1.1").label, state.ou("AA SP 1.1").status) == ("", "not characterized")
    state.set_values([("AA SP 1.1", "U1")], "FI")
    state.set_values([("AA SP 1.1", "U2")], "LI")
    assert state.ou("AA SP 1.1").label == "LI"
    state.set_values([("AA SP 1.1", "U2")], "PI")
    ou = state.ou("AA SP 1.1")
    assert (ou.label, ou.value, ou.judgment_open) == ("LI or PI", None, True)
    assert "team judgment needed, LI or PI" in ou.tip(state.row("AA SP 1.1"))
    tiny.set_practice_decision("AA", "SP 1.1", "PI", "the gap matters")
    state.reload()
    assert (state.ou("AA SP 1.1").label, state.ou("AA SP 1.1").judgment_open) == ("PI", False)
    state.set_values([("AA SP 1.1", "U1")], "LI")     # the data changed after the decision: judgment open again
    ou = state.ou("AA SP 1.1")
    assert ou.judgment_open and ou.label == "LI or PI" and "decided before the data changed" in ou.note
    tiny.set_scope("BB", "not_applicable", "no beta work")
    every = GridState(tiny)
    assert every.ou("BB SP 1.1").status == "Not Applicable"
    assert next(g.label for g in every.groups if g.pa == "BB") == "BB SG 1 Beta Goal (not applicable: no beta work)"


def test_a_follow_ups_inherited_cells_are_marked_until_re_assessed(tiny: Appraisal, new_location) -> None:
    from cmmikit.store import follow_up

    tiny.update_record("AA", "SP 1.1", "U1", characterization="LI")
    tiny.update_record("AA", "SP 1.2", "U1", characterization="PI")
    with follow_up(tiny, new_location("fu")) as fu:
        state = GridState(fu, "AA")
        assert "inherited" in state.cell("AA SP 1.1", "U1").markers and "inherited" in state.cell("AA SP 1.2", "U1").markers
        assert "inherited" not in state.cell("AA SP 1.1", "U2").markers          # nothing was recorded there
        assert "inherited from the baseline" in state.cell("AA SP 1.1", "U1").tip()
        state.set_values([("AA SP 1.1", "U1")], "FI")                            # re-assessed in the grid
        assert "inherited" not in state.cell("AA SP 1.1", "U1").markers
        assert "inherited" not in GridState(fu, "AA").cell("AA SP 1.1", "U1").markers
        assert "inherited" in GridState(fu, "AA").cell("AA SP 1.2", "U1").markers


def test_markers_no_evidence_one_sided_weakness_warning_and_changed_since(tiny: Appraisal) -> None:
    tiny.add_evidence("AA", "SP 1.1", "U1", "artifact", "Plan")
    tiny.add_evidence("AA", "SP 1.2", "U1", "affirmation", "Interview")
    tiny.add_evidence("AA", "SP 2.1", "U1", "artifact", "Report")
    tiny.add_evidence("AA", "SP 2.1", "U1", "affirmation", "Interview 2")
    tiny.update_record("AA", "SP 2.1", "U1", characterization="LI", weaknesses="one gap")
    tiny.update_record("AA", "SP 1.1", "U1", characterization="FI")
    state = GridState(tiny, "AA")
    assert state.cell("AA SP 1.1", "U2").markers == ("no_evidence",)
    assert state.cell("AA SP 1.1", "U1").markers == ("artifacts_only", "warning")    # FI with one-sided evidence
    assert state.cell("AA SP 1.2", "U1").markers == ("affirmations_only",)
    assert state.cell("AA SP 2.1", "U1").markers == ("weakness",)
    assert "warning: FI with one-sided evidence (only artifacts)" in state.cell("AA SP 1.1", "U1").tip()

    since = GridState(tiny, "AA", since=TODAY)
    assert since.cell("AA SP 1.1", "U1").changed_by == tiny.user and "changed" in since.cell("AA SP 2.1", "U1").markers
    assert "changed" not in since.cell("AA SP 1.1", "U2").markers
    since.set_values([("AA SP 1.1", "U2")], "NY")        # an edit made here is a change since the date too
    assert "changed" in since.cell("AA SP 1.1", "U2").markers
    assert not any("changed" in c.markers for c in GridState(tiny, "AA", since="2999-01-01").cells.values())


def test_every_filter_keeps_the_rows_with_a_matching_cell(tiny: Appraisal) -> None:
    for unit in ("U1", "U2"):
        for practice in ("SP 1.1", "SP 1.2", "SP 2.1", "GP 2.1"):
            tiny.update_record("AA", practice, unit, characterization="FI")
    tiny.add_evidence("AA", "GP 2.1", "U1", "artifact", "Policy")
    tiny.add_evidence("AA", "GP 2.1", "U2", "artifact", "Policy")
    tiny.add_evidence("AA", "GP 2.1", "U1", "affirmation", "Talk")
    tiny.add_evidence("AA", "GP 2.1", "U2", "affirmation", "Talk")
    state = GridState(tiny, "AA")
    state.set_values([("AA SP 1.2", "U1")], None)
    state.set_values([("AA SP 2.1", "U2")], "PI")
    assert rows(state, Filters(uncharacterized=True)) == ["AA SP 1.2"]
    assert rows(state, Filters(weak=True)) == ["AA SP 2.1"]
    assert rows(state, Filters(judgment=True)) == ["AA SP 2.1"]
    # FI without evidence (SP 1.x); PI without a weakness (SP 2.1); GP 2.1 is FI on both kinds of evidence
    assert rows(state, Filters(warnings=True)) == ["AA SP 1.1", "AA SP 1.2", "AA SP 2.1"]
    assert rows(state, Filters(weak=True, uncharacterized=True)) == []          # filters that are on must all hold
    assert keys(state, Filters(weak=True)) == ["AA SG 2", "AA SP 2.1"]           # a heading only above its rows

    tiny.set_assessor("Ravi Menon", pas=["BB"])
    every = GridState(tiny, me="Ravi Menon")
    assert {r.pa for r in every.visible(Filters(mine=True)) if isinstance(r, Row)} == {"BB"}
    every.choose_me(None)
    assert every.visible(Filters(mine=True)) == [] and every.my_pas == ()

    tiny.update_record("AA", "SP 1.1", "U1", notes="seen again")
    assert rows(GridState(tiny, "AA", since=TODAY), Filters(changed=True)) == [
        "AA SP 1.1", "AA SP 1.2", "AA SP 2.1", "AA GP 2.1"]
    assert rows(GridState(tiny, "AA", since="2999-01-01"), Filters(changed=True)) == []


def test_an_edit_on_one_cell_and_on_a_selection_goes_to_the_store_with_its_version(tiny: Appraisal) -> None:
    state = GridState(tiny, "AA")
    result = state.set_values([("AA SP 1.1", "U1")], "FI")
    assert [c.key for c in result.saved] == [("AA SP 1.1", "U1")] and result.rows == {"AA SP 1.1"}
    assert tiny.record("AA", "SP 1.1", "U1").characterization == "FI"
    assert state.cell("AA SP 1.1", "U1").version == 1
    selection = [(r, u) for r in ("AA SP 1.1", "AA SP 1.2") for u in ("U1", "U2")]
    result = state.set_values(selection, "LI")
    assert len(result.saved) == 4 and result.rows == {"AA SP 1.1", "AA SP 1.2"}
    assert {tiny.record("AA", p, u).characterization for p in ("SP 1.1", "SP 1.2") for u in ("U1", "U2")} == {"LI"}
    assert state.set_values(selection, "LI").saved == []          # nothing changes: nothing written
    assert state.set_values(selection[:2], "").saved and tiny.record("AA", "SP 1.1", "U2").characterization is None
    log = tiny.history(pa="AA", practice="SP 1.1", instance="U1")
    assert [(c.old, c.new, c.user) for c in log if c.field == "characterization"] == [
        (None, "FI", tiny.user), ("FI", "LI", tiny.user), ("LI", None, tiny.user)]   # every edit in the change log


def test_a_conflict_is_returned_with_both_values_and_never_overwritten(tiny: Appraisal) -> None:
    state = GridState(tiny, "AA")
    with Appraisal.open(tiny.address, user="kim") as other:
        other.update_record("AA", "SP 1.1", "U1", characterization="PI", weaknesses="no records")
    result = state.set_values([("AA SP 1.1", "U1"), ("AA SP 1.1", "U2")], "FI")
    assert [c.key for c in result.saved] == [("AA SP 1.1", "U2")]
    [conflict] = result.conflicts
    assert (conflict.mine, conflict.theirs, conflict.changed_by) == ("FI", "PI", "kim")
    assert "kim saved PI" in conflict.message() and "yours FI was not saved" in conflict.message()
    assert tiny.record("AA", "SP 1.1", "U1").characterization == "PI"      # theirs stays
    assert state.cell("AA SP 1.1", "U1").value == "PI"                      # and is what the grid shows now
    assert state.ou("AA SP 1.1").label == "LI or PI"
    again = state.keep_mine(result.conflicts)
    assert [c.value for c in again.saved] == ["FI"] and not again.conflicts
    assert tiny.record("AA", "SP 1.1", "U1").characterization == "FI"


def test_same_value_saved_elsewhere_is_no_conflict_and_refresh_reads_cells_again(tiny: Appraisal) -> None:
    state = GridState(tiny, "AA")
    tiny.update_record("AA", "SP 1.2", "U2", characterization="NI")
    assert state.cell("AA SP 1.2", "U2").value is None
    assert state.refresh([("AA SP 1.2", "U2")]).saved[0].value == "NI"
    with Appraisal.open(tiny.address, user="kim") as other:
        other.update_record("AA", "SP 1.2", "U1", characterization="NY")
    result = state.set_values([("AA SP 1.2", "U1")], "NY")
    assert not result.conflicts and result.saved[0].value == "NY"


def test_evidence_counts_of_one_process_area(appraisal: Appraisal) -> None:
    appraisal.add_evidence("SD", "SP 1.1", "Unit A", "artifact", "Agreement")
    appraisal.add_evidence("CM", "SP 1.1", "Unit A", "affirmation", "Interview")
    assert appraisal.evidence_counts(pa="SD") == {("SD", "SP 1.1", "Unit A"): {"artifact": 1, "affirmation": 0}}
    assert set(appraisal.evidence_counts()) == {("SD", "SP 1.1", "Unit A"), ("CM", "SP 1.1", "Unit A")}


def test_text_form_lists_goals_practices_values_markers_and_the_legend(tiny: Appraisal) -> None:
    state = GridState(tiny, "AA")
    state.set_values([("AA SP 1.1", "U1")], "PI")
    text = state.text()
    lines = text.splitlines()
    assert lines[0] == "Grid AA Alpha Area: 4 of 4 practices x 2 instance(s)"
    assert lines[1].split() == ["U1", "U2", "|", "OU"]
    assert "AA SG 1 Alpha Goal One" in lines
    assert lines[3].split() == ["SP", "1.1", "PI\u2205\u26a0", "--\u2205", "|", "not", "characterized"]
    assert "\u2205 no evidence" in lines[-1]
    assert "(filters: PI/NI)" in state.text(Filters(weak=True))
    assert "(no practice matches the filters)" in state.text(Filters(judgment=True))


def test_assessor_for_a_login() -> None:
    team = [Assessor("Ravi Menon", "", ("SD",)), Assessor("Lucia Ortega", "", ("CM",))]
    assert assessor_for("ravi", team).name == "Ravi Menon"
    assert assessor_for("LuciaOrtega", team).name == "Lucia Ortega"
    assert assessor_for("Ravi Menon", team).name == "Ravi Menon"
    assert assessor_for("menon", team) is None and assessor_for("", team) is None
