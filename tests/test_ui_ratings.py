"""The rating review view: characterize through the walkthrough widgets, then read the rating tables."""

from __future__ import annotations

import pytest

from cmmikit import palette
from cmmikit.store import Appraisal
from cmmikit.ui.ratings import RatingsView
from cmmikit.ui.tables import cell_gap, coverage_gaps
from cmmikit.ui.walkthrough import WalkthroughView

UNITS = ("Unit A", "Unit B")


def characterize_all(walk: WalkthroughView, value: str = "FI") -> None:
    """Through the widgets: evidence of both kinds and a characterization for every practice and instance."""
    walk.practice_dropdown.value = walk.pa.practices[0].id
    while True:
        for name in UNITS:
            panel = walk.panel(name)
            for kind in ("artifact", "affirmation"):
                panel.new_kind.value = kind
                panel.new_description.value = f"{kind} for {walk.practice.id}"
                panel.add_evidence_button.click()
            panel.characterization.value = value
        if walk.next_button.disabled:
            break
        walk.next_button.click()


@pytest.fixture
def rated_sd(appraisal: Appraisal) -> WalkthroughView:
    walk = WalkthroughView(appraisal, pa="SD")
    characterize_all(walk)
    return walk


def sd_row(view: RatingsView) -> str:
    """The SD row of the PA table as rendered HTML."""
    html = view.pa_table.value
    start = html.index(">SD<")
    return html[start:html.index("</tr>", start)]


def test_every_sd_practice_fi_rates_sd_satisfied_and_the_table_shows_it(rated_sd: WalkthroughView,
                                                                       appraisal: Appraisal) -> None:
    assert rated_sd.progress.value == "SD: 18 of 18 practices characterized"
    view = RatingsView(appraisal, pa="SD")
    pas = view.ratings.pas.set_index("pa")
    assert pas.loc["SD", "rating"] == "Satisfied" and pas.loc["SD", "capability_level"] == "CL2"
    assert set(view.ratings.goals[view.ratings.goals.pa == "SD"].rating) == {"Satisfied"}
    assert "Satisfied" in sd_row(view) and palette.BLUE in view.pa_table.value
    assert "SD    Satisfied       SG 1 Satisfied" in repr(view)
    # other PAs are not characterized, so there is no maturity level rating yet
    assert "Maturity level 2: Not Rated" in view.maturity.value
    assert view.gaps[view.gaps.pa == "SD"].empty


def test_one_instance_pi_needs_team_judgment_then_the_decision_rates_the_goal(rated_sd: WalkthroughView,
                                                                             appraisal: Appraisal) -> None:
    rated_sd.practice_dropdown.value = "SP 1.1"
    rated_sd.panel("Unit A").weaknesses.value = "Only one contract was analysed."
    rated_sd.panel("Unit A").characterization.value = "PI"
    view = RatingsView(appraisal, pa="SD")
    goals = view.ratings.goals.set_index(["pa", "goal"])
    assert goals.loc[("SD", "SG 1"), "rating"] == "Not Rated"
    assert "1 team judgment(s) open" in view.open_judgments.value
    assert palette.YELLOW in view.practice_table.value  # the open case is highlighted
    assert view.judgment_dropdown.value == ("SD", "SP 1.1")
    assert list(view.decision_value.options) == ["LI", "PI"]

    view.decision_value.value = "PI"
    view.decision_rationale.value = ""
    view.record_decision_button.click()
    assert not view.decision_status.ok and "rationale" in view.decision_status.text
    assert appraisal.practice_decisions() == []

    view.decision_rationale.value = "The gap in Unit A affects every new agreement."
    view.record_decision_button.click()
    assert view.decision_status.ok and "team decision PI recorded" in view.decision_status.text
    [decision] = appraisal.practice_decisions()
    assert (decision.pa, decision.practice, decision.value) == ("SD", "SP 1.1", "PI")
    goals = view.ratings.goals.set_index(["pa", "goal"])
    assert goals.loc[("SD", "SG 1"), "rating"] == "Unsatisfied"
    assert goals.loc[("SD", "SG 2"), "rating"] == "Satisfied"
    assert "Unsatisfied" in sd_row(view)
    assert "decided PI" in view.judgment_dropdown.label

    view.clear_decision_button.click()
    assert appraisal.practice_decisions() == []
    assert view.ratings.goals.set_index(["pa", "goal"]).loc[("SD", "SG 1"), "rating"] == "Not Rated"


def test_a_practice_pi_everywhere_makes_its_goal_unsatisfied(rated_sd: WalkthroughView, appraisal: Appraisal) -> None:
    view = RatingsView(appraisal, pa="SD")
    assert view.ratings.pas.set_index("pa").loc["SD", "rating"] == "Satisfied"
    rated_sd.practice_dropdown.value = "SP 3.2"
    for name in UNITS:
        rated_sd.panel(name).weaknesses.value = "Monitoring is manual."
        rated_sd.panel(name).characterization.value = "PI"
    view.refresh_button.click()
    goals = view.ratings.goals.set_index(["pa", "goal"])
    assert goals.loc[("SD", "SG 3"), "rating"] == "Unsatisfied"
    assert goals.loc[("SD", "SG 3"), "reason"] == "practices at 1 PI"
    assert view.ratings.pas.set_index("pa").loc["SD", "rating"] == "Unsatisfied"
    assert "Unsatisfied" in sd_row(view) and "practices at 1 PI" in view.goal_table.value


def test_team_can_rate_a_satisfied_goal_unsatisfied(rated_sd: WalkthroughView, appraisal: Appraisal) -> None:
    view = RatingsView(appraisal, pa="SD")
    view.goal_dropdown.value = ("SD", "SG 2")
    view.goal_rationale.value = "Weaknesses in escalation put every agreement at risk."
    view.record_goal_decision_button.click()
    goals = view.ratings.goals.set_index(["pa", "goal"])
    assert goals.loc[("SD", "SG 2"), "rating"] == "Unsatisfied"
    assert [d.goal for d in appraisal.goal_decisions()] == ["SG 2"]
    view.goal_dropdown.value = ("SD", "SG 2")
    view.clear_goal_decision_button.click()
    assert appraisal.goal_decisions() == []


def test_coverage_gaps_list_what_is_left(appraisal: Appraisal) -> None:
    appraisal.update_record("SD", "SP 1.1", "Unit A", characterization="FI")
    appraisal.add_evidence("SD", "SP 1.2", "Unit A", "artifact", "SLA")
    appraisal.update_record("SD", "SP 1.2", "Unit A", characterization="LI", weaknesses="unsigned")
    appraisal.update_record("SD", "SP 2.1", "Unit A", characterization="NY")
    appraisal.set_scope("SAM", "not_applicable", "no suppliers")
    view = RatingsView(appraisal, pa="SD")
    gaps = view.gaps.set_index(["pa", "practice", "instance"]).gap
    assert gaps[("SD", "SP 1.1", "Unit A")] == "no evidence"
    assert gaps[("SD", "SP 1.2", "Unit A")] == "artifacts only (no affirmation)"
    assert gaps[("SD", "SP 1.1", "Unit B")] == "not characterized, no evidence"
    assert ("SD", "SP 2.1", "Unit A") not in gaps.index  # Not Yet needs no evidence
    assert "SAM" not in set(view.gaps.pa)  # not applicable: nothing left to do
    assert any(g.startswith("coverage rule: SD") for g in view.gaps.gap)
    assert "artifacts only (no affirmation)" in view.gaps_table.value
    assert f"{len(view.gaps[view.gaps.pa == 'SD'])} gap(s)" in view.gaps_table.value


@pytest.mark.parametrize(("value", "n_art", "n_aff", "gap"), [
    (None, 0, 0, "not characterized, no evidence"),
    (None, 1, 0, "not characterized; artifacts only (no affirmation)"),
    (None, 1, 1, "not characterized"),
    ("FI", 0, 2, "affirmations only (no artifact)"),
    ("NI", 0, 1, ""),
    ("LI", 2, 1, ""),
])
def test_cell_gap(value: str | None, n_art: int, n_aff: int, gap: str) -> None:
    assert cell_gap(value, n_art, n_aff) == gap


def test_user_text_in_tables_is_escaped(appraisal: Appraisal) -> None:
    appraisal.add_instance("<img src=x onerror=alert(1)>", pas=["SD"])
    view = RatingsView(appraisal, pa="SD")
    assert "<img" not in view.gaps_table.value and "&lt;img src=x" in view.gaps_table.value


def test_filter_shows_one_or_all_process_areas(appraisal: Appraisal) -> None:
    view = RatingsView(appraisal)
    assert ">WP<" in view.pa_table.value and ">SD<" in view.pa_table.value
    view.pa_filter.value = "SD"
    assert ">WP<" not in view.pa_table.value and set(view.goal_frame()["PA"]) == {"SD"}
    assert coverage_gaps(view.ratings).shape[1] == 4


def test_coverage_rule_gaps_say_which_practice_lacks_what(appraisal: Appraisal) -> None:
    from cmmikit.ui.tables import coverage_missing

    appraisal.update_instance("Unit A", subgroup="Operations")
    appraisal.update_instance("Unit B", subgroup="Operations")
    appraisal.add_evidence("SD", "SP 1.1", "Unit A", "affirmation", "Interview")
    appraisal.update_record("SD", "SP 1.1", "Unit A", characterization="PI", weaknesses="partly")
    view = RatingsView(appraisal, pa="SD")
    rule = next(g for g in view.gaps.gap if g.startswith("coverage rule: SD: no basic unit in subgroup Operations"))
    assert "Missing: Unit A: no artifact for SP 1.1, SP 1.2" in rule
    assert "no affirmation for SG 2, SG 3, GG 2" in rule and "Unit B: no artifact for SP 1.1" in rule
    assert coverage_missing(view.ratings, "CM", "QA Group").startswith("QA Group: no artifact for SP 1.1")
    assert "what is missing" in view.gaps_table.value


def test_empty_decision_lists_are_explained(appraisal: Appraisal) -> None:
    view = RatingsView(appraisal, pa="SD")
    assert view.goal_dropdown.options == () and view.record_goal_decision_button.disabled
    assert "the team can rate Unsatisfied only a goal the rules rate Satisfied" in view.goal_note.value
    assert "4 goals Not Rated" in view.goal_note.value
    assert "No practice needs a team judgment" in view.judgment_note.value


def test_save_status_sits_beside_its_button(rated_sd: WalkthroughView, appraisal: Appraisal) -> None:
    view = RatingsView(appraisal, pa="SD")
    view.goal_dropdown.value = ("SD", "SG 2")
    view.record_goal_decision_button.click()
    assert not view.goal_status.ok and view.decision_status.text == ""
    row = next(c for c in view.widget.children if view.goal_status.widget in getattr(c, "children", ()))
    assert view.record_goal_decision_button in row.children


def test_outlook_stale_decisions_and_follow_ups_are_shown(tiny, tmp_path) -> None:
    from cmmikit.store import follow_up
    from cmmikit.ui.ratings import RatingsView

    practice = tiny.model.pa("AA").practices[0]
    tiny.update_record("AA", practice.id, "U1", characterization="FI")
    tiny.update_record("AA", practice.id, "U2", characterization="PI", weaknesses="missing")
    tiny.set_practice_decision("AA", practice.id, "LI", "minor")
    view = RatingsView(tiny)
    assert "Outlook:" in view.outlook.value and "best case:" in view.outlook.value
    tiny.update_record("AA", practice.id, "U2", weaknesses="now worse")   # the data changed after the decision
    view.refresh()
    case = next(c for c in view.ratings.practices.itertuples() if c.practice == practice.id and c.pa == "AA")
    assert case.stale and case.status == "team judgment open"
    view.judgment_dropdown.value = ("AA", practice.id)
    view._show_judgment()
    assert "decided before the data changed" in view.stale_note.value
    assert view.confirm_decision_button.layout.display is None
    view.confirm_decision_button.click()
    assert view.decision_status.ok and view.stale_note.value == ""
    case = next(c for c in view.ratings.practices.itertuples() if c.practice == practice.id and c.pa == "AA")
    assert not case.stale and case.ou == "LI"
    with follow_up(tiny, str(tmp_path / "follow.cmmi")) as later:
        screen = RatingsView(later)
        assert "Follow-up of" in screen.follow_up.value and "still inherited" in screen.follow_up.value
        before = screen.ratings.practices.n_FI.sum()
        screen.reassessed_only_box.value = True
        assert screen.ratings.reassessed_only and screen.ratings.practices.n_FI.sum() < before


# -- SCAMPI B and C: the assessment (findings, not ratings)


def test_scampi_b_shows_the_assessment_with_the_forecast_and_no_rating_word(demo_b: Appraisal) -> None:
    from cmmikit.ui.assessment import AssessmentView
    from rating_words import rating_words

    view = RatingsView(demo_b)
    assert isinstance(view, AssessmentView)
    scale = demo_b.scale
    assert "SCAMPI B: findings, not ratings" in view.headline.value
    assert "Readiness forecast" in view.forecast.value and "ML2 in a SCAMPI A" in view.forecast.value
    assert "low risk" in view.pa_table.value and scale.colours["high"] in view.practice_table.value
    assert "likely to be satisfied in a SCAMPI A" in view.goal_table.value
    assert view.decision_value._options_labels == ("low risk", "medium risk", "high risk")
    assert not hasattr(view, "goal_dropdown")          # no goal rating controls
    shown = "\n".join([repr(view), view.headline.value, view.forecast.value, view.pa_table.value,
                       view.goal_table.value, view.practice_table.value, view.stale_decisions.value,
                       *(str(o) for o in view.practice_dropdown._options_labels)])
    assert rating_words(shown) == []


def test_scampi_b_team_decision_on_the_scale_is_stored_then_goes_stale(demo_b: Appraisal) -> None:
    from cmmikit.ui.walkthrough import WalkthroughView

    view = RatingsView(demo_b, pa="CM")
    view.practice_dropdown.value = ("CM", "SP 1.1")
    view.decision_value.value = "medium"
    view.decision_rationale.value = "the baselines are not audited"
    view.record_decision_button.click()
    assert view.decision_status.ok, view.decision_status.text
    decision = next(d for d in demo_b.practice_decisions() if (d.pa, d.practice) == ("CM", "SP 1.1"))
    assert decision.value == "medium"
    row = view.assessment.practices.set_index(["pa", "practice"]).loc[("CM", "SP 1.1")]
    assert row.ou == "medium" and "team decision: medium risk" in row.decision_note
    assert "decided medium risk" in view.practice_dropdown.label

    walk = WalkthroughView(demo_b, pa="CM", practice="SP 1.1")   # the data change after the decision
    walk.panels[0].characterization.value = "high"
    view.refresh()
    assert "1 team decision(s) taken before their data changed" in view.stale_decisions.value
    assert view.confirm_decision_button.layout.display != "none"
    view.confirm_decision_button.click()
    assert view.decision_status.ok and "0 stale" in repr(view)
    view.clear_decision_button.click()
    assert not [d for d in demo_b.practice_decisions() if (d.pa, d.practice) == ("CM", "SP 1.1")]


def test_scampi_c_team_scale_labels_and_no_forecast(tmp_path) -> None:
    from conftest import DATA
    from rating_words import rating_words

    with Appraisal.create(tmp_path / "c.cmmi", name="C", appraisal_type="SCAMPI C",
                          scale=DATA / "scales" / "traffic-light-c.yaml") as c:
        c.add_instance("U1")
        c.update_record("CM", "SP 1.1", "U1", characterization="drafted", weaknesses="no owner")
        view = RatingsView(c, pa="CM")
        assert "SCAMPI C: findings, not ratings" in view.headline.value and view.forecast.value == ""
        assert "approach drafted" in view.practice_table.value
        assert view.decision_value._options_values == ("embedded", "used", "drafted", "missing")  # no not-yet
        assert rating_words(repr(view) + view.pa_table.value + view.goal_table.value) == []
