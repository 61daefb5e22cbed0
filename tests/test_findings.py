"""Gap findings: weights file, scoring properties, generation from weaknesses, merge, frames, action plan."""

from __future__ import annotations

import dataclasses
import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from cmmikit.method import findings as F
from cmmikit.errors import CmmikitError, InvalidValue
from cmmikit.method.rating import rate

DEFAULT = yaml.safe_load(F.DEFAULT_WEIGHTS.read_text(encoding="utf-8"))
WEIGHTS = F.load_weights()


def weaknesses(appraisal, pa: str, practice: str, **by_instance: str) -> None:
    for instance, text in by_instance.items():
        appraisal.update_record(pa, practice, instance.replace("_", " "), weaknesses=text)


# ------------------------------------------------------------------ weights file


def test_default_weights_load_and_show_in_the_formula():
    assert WEIGHTS.weights == {"impact": 3, "breadth": 2, "characterization": 2, "goal_rating": 2, "ease": 1}
    assert WEIGHTS.characterization["NI"] == 1.0 and WEIGHTS.goal_rating["Unsatisfied"] == 1.0
    formula = F.score_formula(WEIGHTS)
    assert formula.startswith("priority = 100 * (3*impact + 2*breadth + 2*characterization + 2*goal + 1*ease) / 10")
    assert "finding_weights.yaml (cmmikit default)" in formula


def test_weights_are_data_a_changed_file_changes_the_formula(tmp_path: Path):
    data = yaml.safe_load(F.DEFAULT_WEIGHTS.read_text())
    data["weights"]["ease"] = 0
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(data))
    weights = F.load_weights(path)
    assert weights.total == 9
    assert "0*ease) / 9" in F.score_formula(weights) and str(path) in F.score_formula(weights)


def _mutated(change) -> dict:
    data = yaml.safe_load(F.DEFAULT_WEIGHTS.read_text())
    change(data)
    return data


BAD_WEIGHTS = {
    "unknown_factor": (lambda d: d["weights"].update(urgency=1), "weights.urgency", "unknown key"),
    "missing_factor": (lambda d: d["weights"].pop("breadth"), "weights.breadth", "missing"),
    "text_weight": (lambda d: d["weights"].update(impact="high"), "weights.impact", "must be a number"),
    "negative_weight": (lambda d: d["weights"].update(ease=-1), "weights.ease", "at least 0"),
    "all_zero": (lambda d: d.update(weights={k: 0 for k in d["weights"]}), "weights", "above 0"),
    "severity_above_one": (lambda d: d["characterization"].update(NI=2), "characterization.NI", "between 0 and 1"),
    "pi_below_li": (lambda d: d["characterization"].update(PI=0.1), "characterization.PI",
                    "at least characterization.LI"),
    "not_rated_below_satisfied": (lambda d: d["goal_rating"].update(**{"Not Rated": 0, "Satisfied": 0.2}),
                                  "goal_rating.Not Rated", "at least goal_rating.Satisfied"),
    "unsatisfied_equal_satisfied": (lambda d: d["goal_rating"].update(**{"Unsatisfied": 0, "Not Rated": 0}),
                                    "goal_rating.Unsatisfied", "above goal_rating.Satisfied"),
    "missing_rating": (lambda d: d["goal_rating"].pop("Not Rated"), "goal_rating.Not Rated", "missing"),
    "default_impact_out_of_range": (lambda d: d["defaults"].update(impact=7), "defaults.impact", "1 to 5"),
    "unknown_section": (lambda d: d.update(extras={}), "extras", "unknown key"),
    "section_not_a_mapping": (lambda d: d.update(weights=[1, 2]), "weights", "must be a mapping"),
}


@pytest.mark.parametrize("scenario", sorted(BAD_WEIGHTS))
def test_bad_weights_file_is_refused_naming_the_file_and_key(tmp_path: Path, scenario: str):
    change, key, problem = BAD_WEIGHTS[scenario]
    path = tmp_path / f"bad_{scenario}.yaml"
    path.write_text(yaml.safe_dump(_mutated(change)))
    with pytest.raises(F.WeightsError) as err:
        F.load_weights(path)
    assert isinstance(err.value, CmmikitError)
    assert err.value.key == key
    message = str(err.value)
    assert str(path) in message and repr(key) in message and problem in message


@pytest.mark.parametrize("text", ["weights: [unclosed", "", "just text"])
def test_unreadable_or_empty_weights_file_is_refused(tmp_path: Path, text: str):
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(F.WeightsError, match="broken.yaml"):
        F.load_weights(path)


def test_missing_weights_file_is_refused(tmp_path: Path):
    with pytest.raises(F.WeightsError, match="nothere.yaml: cannot read"):
        F.load_weights(tmp_path / "nothere.yaml")


# ------------------------------------------------------------------ the formula's properties

levels = st.integers(1, 5)
chars = st.sampled_from(F.CHARACTERIZATION_KEYS)
goal_ratings = st.sampled_from(F.GOAL_RATING_KEYS)
factors = st.builds(F.Factors, impact=levels, effort=levels, breadth=st.floats(0, 1), characterization=chars,
                    goal_rating=goal_ratings)
weight_sets = st.fixed_dictionaries({k: st.floats(0, 10) for k in F.FACTORS}).filter(lambda w: sum(w.values()) > 0)


@given(factors, st.floats(0, 1), weight_sets)
def test_more_instances_affected_never_lowers_priority(f: F.Factors, wider: float, weights: dict):
    w = dataclasses.replace(WEIGHTS, weights=weights)
    lower, higher = sorted([f.breadth, wider])
    assert F.priority(dataclasses.replace(f, breadth=higher), w) >= F.priority(dataclasses.replace(f, breadth=lower), w)


@given(factors)
def test_unsatisfied_goal_outranks_the_same_finding_on_a_satisfied_goal(f: F.Factors):
    on_unsatisfied = F.priority(dataclasses.replace(f, goal_rating="Unsatisfied"), WEIGHTS)
    on_satisfied = F.priority(dataclasses.replace(f, goal_rating="Satisfied"), WEIGHTS)
    assert on_unsatisfied > on_satisfied


@given(factors, levels)
def test_priority_is_within_0_and_100_and_grows_with_impact(f: F.Factors, other_impact: int):
    low, high = sorted([f.impact, other_impact])
    score_low = F.priority(dataclasses.replace(f, impact=low), WEIGHTS)
    assert 0 <= score_low <= F.priority(dataclasses.replace(f, impact=high), WEIGHTS) <= 100


def test_priority_extremes_and_a_worked_example():
    worst = F.Factors(impact=5, effort=1, breadth=1.0, characterization="NI", goal_rating="Unsatisfied")
    best = F.Factors(impact=1, effort=5, breadth=0.0, characterization="FI", goal_rating="Satisfied")
    assert F.priority(worst, WEIGHTS) == 100.0 and F.priority(best, WEIGHTS) == 0.0
    # 100 * (3*0.5 + 2*0.5 + 2*0.7 + 2*1.0 + 1*0.5) / 10 = 64.0
    example = F.Factors(impact=3, effort=3, breadth=0.5, characterization="PI", goal_rating="Unsatisfied")
    assert F.priority(example, WEIGHTS) == 64.0


# ------------------------------------------------------------------ generation from weaknesses


def test_sync_groups_weaknesses_per_practice_and_makes_strengths(appraisal):
    weaknesses(appraisal, "CM", "SP 1.1", Unit_A="No list of configuration items.",
               Unit_B="Unit B names items only in e-mails.")
    appraisal.update_record("CM", "SP 1.1", "QA Group", strengths="The CMDB is complete.")
    weaknesses(appraisal, "WP", "GP 2.2", Unit_A="No plan for the process.")
    report = F.sync_findings(appraisal)
    assert len(report.created) == 3 and not report.updated
    by_key = {f.source_key: f for f in appraisal.findings()}
    gap = by_key["weakness:CM:SP 1.1"]
    assert (gap.kind, gap.pa, gap.goal, gap.practices) == ("weakness", "CM", "SG 1", ("SP 1.1",))
    assert gap.origin == "generated"
    assert gap.instances == ("Unit A", "Unit B")
    # each instance's weakness once, named by its instance unless the text already says it
    assert gap.statement == "Unit A: No list of configuration items.\nUnit B names items only in e-mails."
    assert by_key["weakness:WP:GP 2.2"].goal == "GG 2"
    strength = by_key["strength:CM:SP 1.1"]
    assert strength.kind == "strength" and strength.instances == ("QA Group",)


def test_sync_is_idempotent(appraisal):
    weaknesses(appraisal, "CM", "SP 1.1", Unit_A="Gap one.")
    first = F.sync_findings(appraisal)
    second = F.sync_findings(appraisal)
    assert len(first.created) == 1 and second.unchanged == first.created and not second.changed
    assert len(appraisal.findings()) == 1
    assert str(second) == "findings: 1 unchanged"


def test_sync_refreshes_unedited_findings_in_place(appraisal):
    weaknesses(appraisal, "CM", "SP 1.1", Unit_A="Gap one.")
    [fid] = F.sync_findings(appraisal).created
    weaknesses(appraisal, "CM", "SP 1.1", Unit_A="Gap one, reworded.", Unit_B="Also here.")
    report = F.sync_findings(appraisal)
    assert report.updated == [fid]
    f = appraisal.finding(fid)
    assert f.instances == ("Unit A", "Unit B") and "reworded" in f.statement and not f.edited


def test_sync_keeps_the_users_statement_and_flags_it_for_review(appraisal):
    weaknesses(appraisal, "CM", "SP 1.1", Unit_A="Gap one.")
    [fid] = F.sync_findings(appraisal).created
    appraisal.update_finding(fid, statement="Configuration items are not identified.", impact=4)
    assert F.sync_findings(appraisal).unchanged == [fid]
    weaknesses(appraisal, "CM", "SP 1.1", Unit_B="Also in B.")
    report = F.sync_findings(appraisal)
    assert report.review == [fid] and not report.changed and "review 1 edited" in str(report)
    f = appraisal.finding(fid)
    assert f.statement == "Configuration items are not identified." and f.instances == ("Unit A",) and f.impact == 4


def test_vanished_weaknesses_remove_unedited_and_dismiss_edited_or_planned_findings(appraisal):
    for practice in ("SP 1.1", "SP 1.2", "SP 1.3"):
        weaknesses(appraisal, "CM", practice, Unit_A=f"Gap in {practice}.")
    plain, edited, planned = F.sync_findings(appraisal).created
    appraisal.update_finding(edited, statement="Reworded by the team.")
    action = F.plan_action(appraisal, planned, "Write the procedure", owner="Kim", due_date="2027-01-31")
    for practice in ("SP 1.1", "SP 1.2", "SP 1.3"):
        weaknesses(appraisal, "CM", practice, Unit_A="")
    report = F.sync_findings(appraisal)
    assert report.removed == [plain] and sorted(report.dismissed) == sorted([edited, planned])
    assert {f.id: f.status for f in appraisal.findings()} == {edited: "dismissed", planned: "dismissed"}
    assert appraisal.finding(edited).instances == () and appraisal.finding(edited).statement == "Reworded by the team."
    assert [a.id for a in appraisal.actions()] == [action]
    # weaknesses come back: the auto-dismissed one reopens, the user's stays dismissed but is flagged
    for practice in ("SP 1.1", "SP 1.2", "SP 1.3"):
        weaknesses(appraisal, "CM", practice, Unit_A=f"Gap in {practice} again.")
    report = F.sync_findings(appraisal)
    assert report.reopened == [planned] and report.review == [edited] and len(report.created) == 1
    assert appraisal.finding(planned).status == "open" and not appraisal.finding(planned).edited


def test_a_finding_the_user_dismissed_stays_dismissed_quietly(appraisal):
    weaknesses(appraisal, "CM", "SP 1.1", Unit_A="Minor slip.")
    [fid] = F.sync_findings(appraisal).created
    appraisal.update_finding(fid, status="dismissed")
    report = F.sync_findings(appraisal)
    assert report.unchanged == [fid] and not report.review and appraisal.finding(fid).status == "dismissed"
    weaknesses(appraisal, "CM", "SP 1.1", Unit_B="Now in B too.")
    assert F.sync_findings(appraisal).review == [fid]


def test_sync_leaves_manual_findings_alone_and_skips_out_of_scope_pas(appraisal):
    manual = appraisal.add_finding("weakness", "SAM", "SG 1", "No supplier list.", practices=["SP 1.2"])
    weaknesses(appraisal, "SAM", "SP 1.1", Unit_A="Gap.")
    appraisal.set_scope("SAM", "not_applicable", "no suppliers")
    report = F.sync_findings(appraisal)
    assert not report.created and [f.id for f in appraisal.findings()] == [manual]


# ------------------------------------------------------------------ merging


def test_merge_creates_a_merged_finding_and_retires_the_sources(appraisal):
    weaknesses(appraisal, "CM", "SP 1.2", Unit_B="No CM system.")
    weaknesses(appraisal, "CM", "SP 1.1", Unit_A="No item list.")
    first, second = F.sync_findings(appraisal).created
    appraisal.update_finding(first, impact=4, effort=2)
    action = appraisal.add_action(first, "Pick a CM tool")
    merged = F.merge_findings(appraisal, [second, first], "Configuration management is not set up.")
    f = appraisal.finding(merged)
    assert (f.origin, f.status, f.pa, f.goal, f.kind) == ("merged", "open", "CM", "SG 1", "weakness")
    assert f.practices == ("SP 1.1", "SP 1.2") and f.instances == ("Unit A", "Unit B")
    assert (f.impact, f.effort) == (4, 2)
    for source in (first, second):
        assert appraisal.finding(source).status == "merged" and appraisal.finding(source).merged_into == merged
    assert [a.finding_id for a in appraisal.actions() if a.id == action] == [merged]
    # a later sync neither revives nor duplicates the merged sources
    report = F.sync_findings(appraisal)
    assert not report.changed and len(appraisal.findings()) == 3
    frame = F.findings_frame(appraisal)
    assert frame["id"].tolist() == [merged] and frame["practices"].iloc[0] == "SP 1.1, SP 1.2"


@pytest.mark.parametrize("case, message", [
    ("one", "at least two"), ("two_pas", "one PA; got CM, WP"), ("mixed_kinds", "one kind"),
    ("closed", "only open findings"), ("unknown", "no finding(s) #999"),
])
def test_merge_refuses_what_cannot_be_merged(appraisal, case: str, message: str):
    a = appraisal.add_finding("weakness", "CM", "SG 1", "A.")
    b = appraisal.add_finding("weakness", "CM", "SG 2", "B.")
    other = {"two_pas": appraisal.add_finding("weakness", "WP", "SG 1", "C."),
             "mixed_kinds": appraisal.add_finding("strength", "CM", "SG 1", "D."), "unknown": 999}.get(case, b)
    if case == "closed":
        appraisal.update_finding(b, status="dismissed")
    ids = [a] if case == "one" else [a, other]
    with pytest.raises(InvalidValue, match=message.replace("(", r"\(").replace(")", r"\)")):
        F.merge_findings(appraisal, ids, "Merged.")
    assert all(f.origin != "merged" for f in appraisal.findings())


# ------------------------------------------------------------------ frames


def test_findings_frame_contract_columns_and_order(appraisal):
    empty = F.findings_frame(appraisal)
    assert empty.empty
    contract = ["id", "kind", "pa", "goal", "practices", "instances", "statement", "origin", "status", "goal_rating",
                "ou_characterization", "impact", "breadth", "effort", "score", "rank", "blocks_ml2"]
    assert set(contract) <= set(empty.columns)
    strength = appraisal.add_finding("strength", "CM", "SG 1", "Good CMDB.", practices=["SP 1.1"])
    gap_small = appraisal.add_finding("weakness", "CM", "SG 1", "Gap in A.", practices=["SP 1.1"], instances=["Unit A"])
    gap_wide = appraisal.add_finding("weakness", "CM", "SG 1", "Gap everywhere.", practices=["SP 1.2", "SP 1.1"],
                                     instances=["Unit A", "Unit B", "QA Group"])
    dismissed = appraisal.add_finding("weakness", "CM", "SG 1", "Not a gap after all.", instances=["Unit A"])
    appraisal.update_finding(dismissed, status="dismissed")
    frame = F.findings_frame(appraisal)
    assert frame["id"].tolist() == [gap_wide, gap_small, strength]
    assert frame["rank"].tolist()[:2] == [1, 2] and pd.isna(frame["rank"].iloc[2])
    assert math.isnan(frame["score"].iloc[2]) and frame["score"].iloc[0] > frame["score"].iloc[1]
    wide = frame.iloc[0]
    assert wide["practices"] == "SP 1.1, SP 1.2" and wide["instances"] == "Unit A, Unit B, QA Group"
    assert wide["breadth"] == 1.0 and wide["n_sampled"] == 3
    assert (wide["impact"], wide["effort"], wide["impact_set"]) == (3, 3, False)
    assert wide["goal_rating"] == "Not Rated" and wide["ou_characterization"] == "not characterized"
    closed = F.findings_frame(appraisal, include_closed=True)
    assert closed["id"].tolist() == [gap_wide, gap_small, strength, dismissed] and pd.isna(closed["rank"].iloc[3])


def test_more_instances_never_lower_the_rank_score_in_the_frame(appraisal):
    ids = [appraisal.add_finding("weakness", "CM", "SG 1", f"Gap {n}.", practices=["SP 1.1"],
                                 instances=["Unit A", "Unit B", "QA Group"][:n]) for n in range(4)]
    scores = F.findings_frame(appraisal).set_index("id")["score"]
    assert [scores[i] for i in ids] == sorted(scores[i] for i in ids)
    assert scores[ids[3]] > scores[ids[0]]


def test_ties_are_broken_deterministically_by_model_order_then_id(appraisal):
    later = appraisal.add_finding("weakness", "CM", "SG 1", "Same gap, later practice.", practices=["SP 1.2"])
    earlier = appraisal.add_finding("weakness", "CM", "SG 1", "Same gap, earlier practice.", practices=["SP 1.1"])
    twin = appraisal.add_finding("weakness", "CM", "SG 1", "Same gap, same practice.", practices=["SP 1.1"])
    frame = F.findings_frame(appraisal)
    assert frame["score"].nunique() == 1
    assert frame["id"].tolist() == [earlier, twin, later]
    assert F.findings_frame(appraisal)["id"].tolist() == frame["id"].tolist()


def test_a_finding_on_an_unsatisfied_goal_outranks_the_same_on_a_satisfied_goal(demo):
    ratings = rate(demo)
    goals = ratings.goals.set_index(["pa", "goal"])["rating"]
    assert goals[("PPQA", "SG 1")] == "Satisfied"
    same = dict(practices=["SP 1.1"], instances=["Service Desk"], impact=3, effort=3)
    on_satisfied = demo.add_finding("weakness", "PPQA", "SG 1", "Same gap.", **same)
    demo.set_goal_decision("PPQA", "SG 2", "Noncompliance is never escalated.")
    on_unsatisfied = demo.add_finding("weakness", "PPQA", "SG 2", "Same gap.",
                                      **{**same, "practices": ["SP 2.1"]})
    ratings = rate(demo)
    frame = F.findings_frame(demo, ratings).set_index("id")
    assert frame.loc[on_unsatisfied, "goal_rating"] == "Unsatisfied"
    assert frame.loc[on_unsatisfied, "ou_characterization"] == frame.loc[on_satisfied, "ou_characterization"]
    assert frame.loc[on_unsatisfied, "rank"] < frame.loc[on_satisfied, "rank"]
    assert frame.loc[on_unsatisfied, "blocks_ml2"] and not frame.loc[on_satisfied, "blocks_ml2"]
    # even when the goal rating carries no weight, the tie-break keeps the Unsatisfied goal first
    no_goal_weight = dataclasses.replace(WEIGHTS, weights={**WEIGHTS.weights, "goal_rating": 0})
    frame = F.findings_frame(demo, ratings, no_goal_weight).set_index("id")
    assert frame.loc[on_unsatisfied, "score"] == frame.loc[on_satisfied, "score"]
    assert frame.loc[on_unsatisfied, "rank"] < frame.loc[on_satisfied, "rank"]


def test_top_blocking_and_rollup_on_the_demo(demo):
    F.sync_findings(demo)
    ratings = rate(demo)
    frame = F.findings_frame(demo, ratings)
    top = F.top_blocking(frame, n=5)
    assert len(top) == 5 and top["rank"].is_monotonic_increasing
    assert set(top["goal_rating"]) == {"Unsatisfied"} and top["blocks_ml2"].all()
    unsatisfied = ratings.goals[ratings.goals["rating"] == "Unsatisfied"]
    assert len(F.top_blocking(frame, n=1000)) == frame["blocks_ml2"].sum() > 0
    rollup = F.rollup_frame(frame, ratings)
    assert len(rollup) == len(ratings.goals)
    assert rollup["n_gaps"].sum() == (frame["kind"] == "weakness").sum()
    assert rollup["blocks_ml2"].sum() == len(unsatisfied)
    row = rollup.set_index(["pa", "goal"]).loc[("MA", "SG 2")]
    mine = frame[(frame.pa == "MA") & (frame.goal == "SG 2")]
    assert row["max_score"] == mine["score"].max() and row["total_score"] == round(mine["score"].sum(), 1)
    assert F.rollup_frame(demo, ratings).equals(rollup)
    with pytest.raises(InvalidValue, match="needs the ratings"):
        F.rollup_frame(frame)


def test_readiness_per_pa(demo):
    ratings = rate(demo)
    ready = F.readiness_frame(ratings).set_index("pa")
    assert list(ready.index) == list(ratings.pas["pa"])
    practices = ratings.practices[ratings.practices["pa"] == "MA"]
    implemented = practices["ou"].isin(["FI", "LI"]).sum()
    assert ready.loc["MA", "n_fi_li"] == implemented
    assert ready.loc["MA", "readiness"] == pytest.approx(implemented / len(practices))
    assert ready.loc["MA", "rating"] == "Unsatisfied" and ready.loc["PPQA", "readiness"] == 1.0
    counts = ready[["n_FI", "n_LI", "n_PI", "n_NI", "n_NY", "n_open"]].sum(axis=1)
    assert (counts == ready["n_practices"]).all()


# ------------------------------------------------------------------ the action plan


def test_action_plan_overdue_and_counts(appraisal):
    fid = appraisal.add_finding("weakness", "CM", "SG 1", "No item list.\nDetails follow.", practices=["SP 1.1"])
    today = date(2026, 12, 1)
    late = F.plan_action(appraisal, fid, "Write the CM plan", owner="Kim", due_date="2026-11-15")
    F.plan_action(appraisal, fid, "Buy a tool", due_date=date(2026, 12, 20), status="in_progress")
    done = F.plan_action(appraisal, fid, "Name a CM owner", due_date="2026-10-01", status="done")
    F.plan_action(appraisal, fid, "Some day", due_date="")
    frame = F.actions_frame(appraisal, today=today)
    assert frame.columns.tolist()[:10] == ["id", "finding_id", "pa", "goal", "finding", "finding_status",
                                           "description", "owner", "due_date", "status"]
    assert frame.set_index("id").loc[late, ["overdue", "days_overdue"]].tolist() == [True, 16]
    assert not frame.set_index("id").loc[done, "overdue"]
    assert frame["finding"].iloc[0] == "No item list." and frame["pa"].iloc[0] == "CM"
    assert F.action_summary(appraisal, today=today) == {"open": 3, "overdue": 1, "done": 1, "cancelled": 0, "total": 4}
    assert F.findings_frame(appraisal).loc[0, ["n_actions", "n_open_actions"]].tolist() == [4, 3]
    assert F.action_summary(appraisal, today=date(2026, 11, 1))["overdue"] == 0


@pytest.mark.parametrize("due", ["next week", "2026-13-01", "1/12/2026"])
def test_plan_action_refuses_a_bad_due_date(appraisal, due: str):
    fid = appraisal.add_finding("weakness", "CM", "SG 1", "Gap.")
    with pytest.raises(InvalidValue, match="due date"):
        F.plan_action(appraisal, fid, "Fix it", due_date=due)
    assert appraisal.actions() == []


def test_empty_action_plan(appraisal):
    assert F.actions_frame(appraisal).empty
    assert F.action_summary(appraisal) == {"open": 0, "overdue": 0, "done": 0, "cancelled": 0, "total": 0}


def test_merged_findings_survive_a_json_round_trip(appraisal, tmp_path: Path):
    first = appraisal.add_finding("weakness", "CM", "SG 1", "A.")
    second = appraisal.add_finding("weakness", "CM", "SG 1", "B.")
    merged = F.merge_findings(appraisal, [first, second], "A and B.")   # sources point forward to a later id
    from cmmikit.store import Appraisal

    with Appraisal.restore(tmp_path / "back.cmmi", appraisal.dump()) as back:
        assert back.finding(first).merged_into == merged
        assert F.findings_frame(back)["id"].tolist() == [merged]


def test_the_demo_ends_with_findings_and_an_action_plan(demo):
    frame = F.findings_frame(demo, include_closed=True)
    assert set(frame["origin"]) == {"generated", "manual", "merged"}
    assert {"weakness", "strength"} <= set(frame["kind"]) and (frame["status"] == "merged").sum() == 2
    assert frame.iloc[0]["origin"] == "merged" and frame.iloc[0]["blocks_ml2"]
    assert F.action_summary(demo, today=date(2026, 12, 1)) == {"open": 3, "overdue": 1, "done": 1, "cancelled": 0,
                                                               "total": 4}
    assert not F.sync_findings(demo).changed   # the demo's findings are in step with its weaknesses
