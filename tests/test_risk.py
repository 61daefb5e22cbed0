"""SCAMPI B and C results on hand-made appraisals: OU values, team decisions, risk summaries, the forecast."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from cmmikit.method.findings import findings_frame, rollup_frame, score_formula, sync_findings
from cmmikit.method.rating import INCOMPLETE, JUDGMENT_OPEN, NoRatings, rate
from cmmikit.method.risk import Assessment, assess, evaluate, is_assessment
from cmmikit.store import Appraisal

TINY_MODEL = Path(__file__).parent / "data" / "tiny-model"
OWN_SCALE = Path(__file__).parent / "data" / "scales" / "traffic-light-c.yaml"
RATING_WORDS = re.compile(r"\b(?:Satisfied|Unsatisfied|Not Rated|Achieved|Not Achieved)\b")
PRACTICES = [("AA", "SP 1.1"), ("AA", "SP 1.2"), ("AA", "SP 2.1"), ("AA", "GP 2.1"), ("BB", "SP 1.1"),
             ("BB", "GP 2.1")]


@pytest.fixture
def tiny_b(new_location):
    """The tiny model as a SCAMPI B: every practice low risk in both units, with evidence."""
    with Appraisal.create(new_location("b"), name="Tiny B", model=TINY_MODEL, appraisal_type="SCAMPI B") as a:
        for unit in ("U1", "U2"):
            a.add_instance(unit)
        for pa, practice in PRACTICES:
            for unit in ("U1", "U2"):
                a.update_record(pa, practice, unit, characterization="low")
                a.add_evidence(pa, practice, unit, "artifact", "plan")
        yield a


def goal(result: Assessment, pa: str, goal_id: str):
    return result.goals.set_index(["pa", "goal"]).loc[(pa, goal_id)]


def practice(result: Assessment, pa: str, practice_id: str):
    return result.practices.set_index(["pa", "practice"]).loc[(pa, practice_id)]


def test_every_practice_low_risk_is_likely_everywhere(tiny_b):
    result = assess(tiny_b)
    assert result.kind == "SCAMPI B: findings, not ratings"
    assert set(result.goals["forecast"]) == {"likely"} and not result.goals["blocks_level"].any()
    sg1 = goal(result, "AA", "SG 1")
    assert (sg1["summary"], sg1["v_low"], sg1["n_open"], bool(sg1["on_track"])) == ("2 low risk", 2, 0, True)
    assert sg1["forecast_label"] == "likely to be satisfied in a SCAMPI A"
    outcome, text = result.level_outlook()
    assert outcome.key == "likely" and text == ("Maturity level 2 forecast: likely (every goal likely to be "
                                                "satisfied in a SCAMPI A)")
    assert result.forecast_text() == "5 goals: 5 likely"
    aa = result.pas.set_index("pa").loc["AA"]
    assert (aa["v_low"], aa["on_track_share"], aa["f_likely"], aa["forecast_summary"]) == (4, 1.0, 3, "3 likely")


def test_the_highest_risk_across_instances_decides_unless_the_team_records_another_value(tiny_b):
    tiny_b.update_record("AA", "SP 1.2", "U2", characterization="high", weaknesses="no plan at all")
    result = assess(tiny_b)
    p = practice(result, "AA", "SP 1.2")
    assert (p["ou"], p["ou_label"], p["aggregate"], p["v_low"], p["v_high"]) == ("high", "high risk", "high", 1, 1)
    assert goal(result, "AA", "SG 1")["forecast"] == "unlikely"
    assert goal(result, "AA", "SG 1")["summary"] == "1 low risk, 1 high risk"
    outcome, text = result.level_outlook()
    assert outcome.key == "unlikely" and "AA SG 1: unlikely to be satisfied in a SCAMPI A" in text

    tiny_b.set_practice_decision("AA", "SP 1.2", "medium", "U2 starts the plan next month; U1's approach is used")
    result = assess(tiny_b)
    p = practice(result, "AA", "SP 1.2")
    assert (p["ou"], p["decision_note"]) == ("medium", "team decision: medium risk instead of high risk")
    assert goal(result, "AA", "SG 1")["forecast"] == "at_risk"
    assert result.level_outlook()[0].key == "at_risk"
    assert result.forecast_text() == "5 goals: 1 at risk, 4 likely"


def test_a_decision_taken_before_its_data_changed_waits_for_confirmation(tiny_b):
    tiny_b.update_record("AA", "SP 1.2", "U2", characterization="high", weaknesses="no plan")
    tiny_b.set_practice_decision("AA", "SP 1.2", "medium", "U2 starts next month")
    tiny_b.update_record("AA", "SP 1.2", "U2", weaknesses="no plan, and no date for one")
    result = assess(tiny_b)
    p = practice(result, "AA", "SP 1.2")
    assert pd.isna(p["ou"]) and p["status"] == JUDGMENT_OPEN and bool(p["stale"])
    assert "decided before the data changed" in p["decision_note"]
    assert goal(result, "AA", "SG 1")["forecast"] == ""          # the goal waits: not forecast yet
    assert goal(result, "AA", "SG 1")["forecast_label"] == "not forecast yet (practices still open)"
    assert result.level_outlook()[1] == ("Maturity level 2 forecast: not forecast yet (practices still open); "
                                         "1 goal(s) open")
    tiny_b.confirm_practice_decision("AA", "SP 1.2")
    assert practice(assess(tiny_b), "AA", "SP 1.2")["ou"] == "medium"


def test_open_instances_and_scope(tiny_b):
    tiny_b.update_record("AA", "SP 2.1", "U2", characterization=None)
    tiny_b.update_record("AA", "SP 1.1", "U1", characterization="medium", weaknesses="partly")
    tiny_b.set_practice_decision("AA", "SP 2.1", "low", "U2 works the same way")
    tiny_b.set_scope("BB", "out_of_scope", "not in this dry run")
    result = assess(tiny_b)
    p = practice(result, "AA", "SP 2.1")
    assert pd.isna(p["ou"]) and p["status"] == INCOMPLETE
    assert p["decision_note"] == "team decision low risk applies once every sampled instance is characterized"
    assert goal(result, "AA", "SG 2")["summary"] == "1 open"
    assert goal(result, "AA", "SG 1")["forecast"] == "at_risk"   # medium present: at risk even if more is open
    bb = goal(result, "BB", "SG 1")
    assert (bb["summary"], bb["forecast"], bb["forecast_label"]) == ("out of scope: not in this dry run", "", "")
    assert result.forecast_counts() == {"at_risk": 1, "": 1, "likely": 1}   # BB left out
    assert result.value_counts() == {"low": 2, "medium": 1, "open": 1}


def test_a_teams_own_scampi_c_scale(new_location):
    with Appraisal.create(new_location("c"), name="Tiny C", model=TINY_MODEL, appraisal_type="SCAMPI C",
                          scale=OWN_SCALE) as c:
        for unit in ("U1", "U2"):
            c.add_instance(unit)
        c.update_record("AA", "SP 1.1", "U1", characterization="drafted", weaknesses="draft")
        c.update_record("AA", "SP 1.1", "U2", characterization="embedded")
        c.update_record("AA", "SP 1.2", "U1", characterization="later")
        c.update_record("AA", "SP 1.2", "U2", characterization="later")
        result = assess(c)
    assert practice(result, "AA", "SP 1.1")["ou"] == "embedded"              # rule: best
    assert practice(result, "AA", "SP 1.2")["ou"] == "later"                 # every instance not reached yet
    sg1 = goal(result, "AA", "SG 1")
    assert (sg1["summary"], sg1["worst"], bool(sg1["on_track"])) == ("1 approach embedded, 1 not reached yet",
                                                                       "embedded", True)
    assert sg1["forecast"] == "" and sg1["forecast_label"] == ""              # no forecast rules in this scale
    assert result.forecast_text() == "" and result.level_outlook() == (None, "")
    assert "scale: ACME approach maturity" in result.summary()


def test_scampi_b_and_c_are_not_rated(tiny_b):
    with pytest.raises(NoRatings, match="Tiny B is a SCAMPI B appraisal: it gives findings, not ratings"):
        rate(tiny_b)
    assert is_assessment(evaluate(tiny_b))
    text = assess(tiny_b).summary()
    assert "Readiness forecast (Would the goal be satisfied in a SCAMPI A?): 5 goals: 5 likely" in text
    assert not RATING_WORDS.search(text)
    data = assess(tiny_b).to_json()
    assert data["gives"] == "findings, not ratings" and data["forecast"]["level"] == "likely"
    assert not RATING_WORDS.search(str(data))


def test_a_scampi_a_appraisal_is_still_rated(tiny):
    assert not is_assessment(evaluate(tiny)) and evaluate(tiny).maturity.formal


def test_findings_from_scampi_b_weaknesses_rank_through_the_scales_order(tiny_b):
    tiny_b.update_record("AA", "SP 1.2", "U2", characterization="high", weaknesses="no plan")
    tiny_b.update_record("AA", "SP 2.1", "U2", characterization="medium", weaknesses="plan not reviewed")
    sync_findings(tiny_b)
    frame = findings_frame(tiny_b)
    rows = frame.set_index("practices")
    assert list(frame["practices"]) == ["SP 1.2", "SP 2.1"]                   # high risk before medium
    assert (rows.loc["SP 1.2", "ou_characterization"], rows.loc["SP 1.2", "goal_rating"]) == ("high risk", "unlikely")
    assert (rows.loc["SP 2.1", "ou_characterization"], rows.loc["SP 2.1", "goal_rating"]) == ("medium risk", "at risk")
    assert bool(rows.loc["SP 1.2", "blocks_ml2"]) and not bool(rows.loc["SP 2.1", "blocks_ml2"])
    assert rows.loc["SP 1.2", "score"] > rows.loc["SP 2.1", "score"]
    assert not frame["goal_rating"].str.contains(RATING_WORDS).any()
    rollup = rollup_frame(tiny_b).set_index(["pa", "goal"])
    assert rollup.loc[("AA", "SG 1"), "goal_rating"] == "unlikely" and bool(rollup.loc[("AA", "SG 1"), "blocks_ml2"])
    assert "worst OU value of its practices on the scale: low 0, medium 0.5, high 1" in score_formula(
        scale=tiny_b.scale)
