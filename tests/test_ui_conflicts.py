"""Two assessors on one appraisal: a stale edit is shown with both values and 'keep mine' / 'take theirs',
never saved over the other; every screen names who changed a cell last and shows its history on request."""

from __future__ import annotations

import pytest

from cmmikit.store import Appraisal
from cmmikit.ui.findings import FindingsView
from cmmikit.ui.ratings import RatingsView
from cmmikit.ui.walkthrough import WalkthroughView


@pytest.fixture
def two(appraisal: Appraisal):
    """The same appraisal open twice, as ann and as ravi (two kernels)."""
    address = appraisal.address
    with Appraisal.open(address, user="ann") as ann, Appraisal.open(address, user="ravi") as ravi:
        yield ann, ravi


def test_a_stale_weakness_is_offered_not_overwritten_then_kept(two) -> None:
    ann, ravi = two
    mine, theirs = WalkthroughView(ann, pa="SD").panels[0], WalkthroughView(ravi, pa="SD").panels[0]
    theirs.weaknesses.value = "No SLA review (ravi)"
    assert theirs.status.ok and "ravi" in theirs.last_change.value
    mine.weaknesses.value = "SLA unsigned (ann)"                      # ann still sees version 0
    assert not mine.status.ok and mine.status.conflict_open
    assert "ravi changed the weaknesses" in mine.status.text and "theirs 'No SLA review (ravi)'" in mine.status.text
    assert "yours 'SLA unsigned (ann)'" in mine.status.text
    assert ann.record("SD", "SP 1.1", "Unit A").weaknesses == "No SLA review (ravi)"   # nothing overwritten
    mine.status.mine_button.click()
    assert mine.status.ok and ann.record("SD", "SP 1.1", "Unit A").weaknesses == "SLA unsigned (ann)"
    changes = [c for c in ann.history(pa="SD", practice="SP 1.1", instance="Unit A") if c.field == "weaknesses"]
    assert [(c.user, c.new) for c in changes] == [("ravi", "No SLA review (ravi)"), ("ann", "SLA unsigned (ann)")]


def test_a_stale_characterization_shows_the_stored_value_and_take_theirs_keeps_it(two) -> None:
    ann, ravi = two
    mine, theirs = WalkthroughView(ann, pa="SD").panels[0], WalkthroughView(ravi, pa="SD").panels[0]
    theirs.characterization.value = "LI"
    mine.characterization.value = "FI"
    assert mine.status.conflict_open and mine.characterization.value == "LI"   # never shown as set when not stored
    mine.status.theirs_button.click()
    assert mine.status.ok and not mine.status.conflict_open and mine.characterization.value == "LI"
    assert ann.record("SD", "SP 1.1", "Unit A").characterization == "LI"
    mine.characterization.value = "PI"                                        # now based on the fresh version
    assert mine.status.ok and ann.record("SD", "SP 1.1", "Unit A").characterization == "PI"


def test_last_change_and_the_cells_history_on_request(two) -> None:
    ann, ravi = two
    ravi.update_record("SD", "SP 1.1", "Unit B", characterization="PI")
    ravi.update_record("SD", "SP 1.1", "Unit B", characterization="LI")
    panel = WalkthroughView(ann, pa="SD").panels[1]
    assert "last change: characterization by ravi" in panel.last_change.value
    assert panel.history.value == ""
    panel.history_button.value = True
    assert panel.history.value.count("<tr>") == 3 and ">PI<" in panel.history.value and ">LI<" in panel.history.value
    panel.history_button.value = False
    assert panel.history.value == ""


def test_a_stale_evidence_edit_is_offered(two) -> None:
    ann, ravi = two
    eid = ann.add_evidence("SD", "SP 1.1", "Unit A", "artifact", "SLA v1")
    view = WalkthroughView(ann, pa="SD")
    panel = view.panels[0]
    panel.edit_evidence.value = True
    row = panel.rows[0]
    ravi.update_evidence(eid, description="SLA v2 (ravi)")
    row.description.value = "SLA v3 (ann)"
    assert panel.status.conflict_open and "theirs 'SLA v2 (ravi)'" in panel.status.text
    panel.status.mine_button.click()
    assert ann.evidence()[0].description == "SLA v3 (ann)"


def test_a_team_decision_recorded_meanwhile_is_offered(two) -> None:
    ann, ravi = two
    for unit, value in (("Unit A", "FI"), ("Unit B", "PI")):
        ann.update_record("SD", "SP 1.1", unit, characterization=value)
    view = RatingsView(ann, pa="SD")
    ravi.set_practice_decision("SD", "SP 1.1", "PI", "one unit lacks it")
    view.decision_value.value = "LI"
    view.decision_rationale.value = "minor weakness"
    view.record_decision()
    assert view.decision_status.conflict_open and "ravi changed the SD SP 1.1 team decision" in view.decision_status.text
    assert ann.practice_decisions()[0].value == "PI"
    view.decision_status.mine_button.click()
    assert view.decision_status.ok and ann.practice_decisions()[0].value == "LI"


def test_a_finding_edited_meanwhile_is_offered(two) -> None:
    ann, ravi = two
    fid = ann.add_finding("weakness", "SD", "SG 1", "SLAs are not reviewed")
    view = FindingsView(ann)
    view.finding_picker.value = fid
    ravi.update_finding(fid, statement="SLAs are reviewed late (ravi)")
    view.statement.value = "SLAs are never reviewed (ann)"
    view.save()
    assert view.edit_status.conflict_open and "theirs 'SLAs are reviewed late (ravi)'" in view.edit_status.text
    view.edit_status.theirs_button.click()
    assert ann.finding(fid).statement == "SLAs are reviewed late (ravi)"


def test_a_scampi_b_team_decision_recorded_meanwhile_is_offered_in_labels(two) -> None:
    ann, ravi = two
    ann.set_type("SCAMPI B")
    for unit, value in (("Unit A", "low"), ("Unit B", "high")):
        ann.update_record("SD", "SP 1.1", unit, characterization=value, weaknesses="gap")
    view = RatingsView(ann, pa="SD")
    ravi.set_practice_decision("SD", "SP 1.1", "high", "one unit lacks it")
    view.practice_dropdown.value = ("SD", "SP 1.1")
    view.decision_value.value = "medium"
    view.decision_rationale.value = "a minor gap"
    view.record_decision()
    assert view.decision_status.conflict_open and "high risk" in view.decision_status.text
    assert "medium risk" in view.decision_status.text and ann.practice_decisions()[0].value == "high"
    view.decision_status.mine_button.click()
    assert view.decision_status.ok and ann.practice_decisions()[0].value == "medium"
