"""SCAMPI A v1.3 rating rules: the aggregation table row by row, goal/PA/ML rules, properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmmikit.method.rating import (INCOMPLETE, JUDGMENT_OPEN, NO_INSTANCES, NOT_RATED, NOT_YET, RATED, SATISFIED,
                            UNSATISFIED, Aggregate, aggregate, capability_level, consistency_warnings, rate,
                            rate_goal, rate_maturity, rate_pa, resolve)

# ---------------------------------------------------------------- the aggregation table


@pytest.mark.parametrize("values, expected", [
    (["NY", "NY"], Aggregate("NY", status=NOT_YET)),                          # all NY
    (["FI", "FI", "NY"], Aggregate("FI")),                                   # all FI (NY ignored)
    (["FI", "LI", "NY"], Aggregate("LI")),                                   # FI/LI with an LI
    (["LI", "LI"], Aggregate("LI")),
    (["PI", "PI", "NY"], Aggregate("PI")),                                   # all PI
    (["NI", "NI"], Aggregate("NI")),                                         # all NI
    (["FI", "PI"], Aggregate(None, ("LI", "PI"), JUDGMENT_OPEN)),             # PI/NI with FI/LI
    (["LI", "NI", "FI"], Aggregate(None, ("LI", "PI"), JUDGMENT_OPEN)),
    (["PI", "NI"], Aggregate(None, ("PI", "NI"), JUDGMENT_OPEN)),             # PI and NI only
    (["FI", None], Aggregate(None, status=INCOMPLETE)),                       # an uncharacterized instance
    ([], Aggregate(None, status=NO_INSTANCES)),
])
def test_aggregation_table(values, expected):
    assert aggregate(values) == expected


def test_judgment_label():
    assert aggregate(["FI", "NI"]).label == "LI or PI"


def test_team_decision_inside_the_range_wins():
    agg = aggregate(["FI", "PI"])
    assert resolve(agg, None)[:2] == (None, JUDGMENT_OPEN)
    assert resolve(agg, "PI")[:2] == ("PI", RATED)
    value, status, note = resolve(agg, "NI")
    assert (value, status) == (None, JUDGMENT_OPEN) and "outside" in note
    assert resolve(aggregate(["FI"]), "PI")[:2] == ("FI", RATED)  # no judgment needed: ignored


# ---------------------------------------------------------------- goal, PA, ML, CL rules


def test_goal_not_rated_when_anything_is_open():
    assert rate_goal([("FI", RATED), (None, INCOMPLETE)])[0] == NOT_RATED
    assert rate_goal([("FI", RATED), ("NY", NOT_YET)])[0] == NOT_RATED
    assert rate_goal([("PI", RATED), (None, JUDGMENT_OPEN)])[0] == NOT_RATED  # PI shown, but not rated yet
    rating, reason = rate_goal([("FI", RATED)], coverage_problems=["no affirmations"])
    assert rating == NOT_RATED and "coverage" in reason


def test_goal_satisfied_with_fi_and_li():
    assert rate_goal([("FI", RATED), ("LI", RATED)]) == (SATISFIED, "every practice FI or LI")


def test_goal_unsatisfied_with_any_pi_or_ni():
    rating, reason = rate_goal([("FI", RATED), ("PI", RATED), ("NI", RATED)])
    assert rating == UNSATISFIED and "1 PI" in reason and "1 NI" in reason


def test_team_may_rate_an_fi_li_goal_unsatisfied():
    assert rate_goal([("LI", RATED)], decision=UNSATISFIED)[0] == UNSATISFIED


def test_pa_rating_rules():
    assert rate_pa("in_scope", [SATISFIED, SATISFIED]) == SATISFIED
    assert rate_pa("in_scope", [SATISFIED, NOT_RATED, UNSATISFIED]) == UNSATISFIED
    assert rate_pa("in_scope", [SATISFIED, NOT_RATED]) == NOT_RATED
    assert rate_pa("not_applicable", [UNSATISFIED]) == "Not Applicable"
    assert rate_pa("out_of_scope", []) == "Out of Scope"


def test_maturity_level_rules():
    assert rate_maturity({"A": SATISFIED, "B": "Not Applicable"}).verdict == "Achieved"
    assert rate_maturity({"A": SATISFIED, "B": UNSATISFIED}).verdict == "Not Achieved"
    no_rating = rate_maturity({"A": UNSATISFIED, "B": NOT_RATED})
    assert no_rating.verdict == NOT_RATED and no_rating.achieved is None
    assert rate_maturity({"A": SATISFIED, "B": "Out of Scope"}).verdict == NOT_RATED
    assert rate_maturity({"A": SATISFIED}, coverage_problems=["x"]).verdict == NOT_RATED
    readiness = rate_maturity({"A": SATISFIED}, formal=False)
    assert readiness.verdict == "Ready" and readiness.headline == "Maturity level 2 readiness: Ready"


def test_capability_levels():
    assert capability_level("in_scope", [SATISFIED], [SATISFIED]) == "CL2"
    assert capability_level("in_scope", [SATISFIED], [UNSATISFIED]) == "CL1"
    assert capability_level("in_scope", [SATISFIED, UNSATISFIED], [SATISFIED]) == "CL0"
    assert capability_level("in_scope", [NOT_RATED], [SATISFIED]) == NOT_RATED
    assert capability_level("in_scope", [SATISFIED], [NOT_RATED]) == "CL1 (CL2 not rated)"
    assert capability_level("in_scope", [SATISFIED], [NOT_RATED, UNSATISFIED]) == "CL1"
    assert capability_level("not_applicable", [], []) == "Not Applicable"


def test_consistency_warnings():
    assert consistency_warnings("FI", "gap", 1, 1) == ["FI but weaknesses are written (FI means no weaknesses; LI?)"]
    assert any("needs at least one weakness" in w for w in consistency_warnings("LI", "", 1, 1))
    assert any("no evidence" in w for w in consistency_warnings("FI", "", 0, 0))
    assert any("one-sided" in w for w in consistency_warnings("LI", "x", 2, 0))
    assert consistency_warnings("FI", "", 1, 1) == [] and consistency_warnings(None, "", 0, 0) == []


# ---------------------------------------------------------------- properties

chars = st.sampled_from(["FI", "LI", "PI", "NI", "NY"])
RANK = {"NI": 0, "PI": 1, "LI": 2, "FI": 3}


def _bounds(agg: Aggregate) -> tuple[int, int] | None:
    values = agg.options or ((agg.value,) if agg.value in RANK else ())
    return (min(RANK[v] for v in values), max(RANK[v] for v in values)) if values else None


@given(st.lists(chars, min_size=1, max_size=8))
def test_adding_an_fi_instance_never_lowers_the_ou_range(values):
    before, after = _bounds(aggregate(values)), _bounds(aggregate(values + ["FI"]))
    assert after is not None
    if before is not None:
        assert after[0] >= before[0] and after[1] >= before[1]


GOAL_ORDER = {UNSATISFIED: 0, NOT_RATED: 1, SATISFIED: 2}


@given(st.lists(st.lists(chars, min_size=1, max_size=5), min_size=1, max_size=5), st.integers(0, 4))
def test_adding_an_fi_instance_never_turns_a_goal_unsatisfied(practices, which):
    def goal(ps):
        return rate_goal([resolve(aggregate(p), None)[:2] for p in ps])[0]
    target = which % len(practices)
    more = [p + ["FI"] if i == target else p for i, p in enumerate(practices)]
    before, after = goal(practices), goal(more)
    if before == SATISFIED:
        assert after == SATISFIED  # (Not Rated may become Unsatisfied: an FI can complete the data)


@given(st.lists(st.lists(chars.filter(lambda c: c != "NY"), min_size=1, max_size=4), min_size=1, max_size=5))
def test_any_pi_or_ni_at_ou_level_makes_a_fully_characterized_goal_unsatisfied(practices):
    resolved = []
    for p in practices:
        agg = aggregate(p)
        resolved.append(resolve(agg, agg.options[-1] if agg.options else None)[:2])  # team decides
    rating = rate_goal(resolved)[0]
    assert (rating == UNSATISFIED) == any(v in ("PI", "NI") for v, _ in resolved)
    assert rating != NOT_RATED


# ---------------------------------------------------------------- rating an appraisal (tiny model)


def _characterize_all(a, value="FI"):
    for practice in a.model.practices():
        for unit in ("U1", "U2"):
            a.update_record(practice.pa, practice.id, unit, characterization=value,
                            weaknesses="" if value == "FI" else "gap")
            a.add_evidence(practice.pa, practice.id, unit, "artifact", "doc")
            a.add_evidence(practice.pa, practice.id, unit, "affirmation", "interview")


def test_tiny_model_rates_with_no_code_change(tiny):
    _characterize_all(tiny)
    r = rate(tiny)
    assert list(r.pas.pa) == ["AA", "BB"] and set(r.pas.rating) == {SATISFIED}
    assert list(r.goals[r.goals.pa == "AA"].goal) == ["SG 1", "SG 2", "GG 2"]
    assert r.maturity.verdict == "Achieved" and set(r.pas.capability_level) == {"CL2"}
    assert len(r.cells) == 6 * 2


def test_tiny_model_one_pi_and_a_team_judgment(tiny):
    _characterize_all(tiny)
    tiny.update_record("AA", "SP 2.1", "U1", characterization="PI", weaknesses="checks skipped")
    r = rate(tiny)
    row = r.practices.set_index(["pa", "practice"]).loc[("AA", "SP 2.1")]
    assert row["aggregate"] == "LI or PI" and row["judgment"] and row["status"] == JUDGMENT_OPEN
    assert r.goals.set_index(["pa", "goal"]).loc[("AA", "SG 2")].rating == NOT_RATED
    assert r.maturity.verdict == NOT_RATED
    tiny.set_practice_decision("AA", "SP 2.1", "PI", "checks skipped in half the work")
    r = rate(tiny)
    goals = r.goals.set_index(["pa", "goal"]).rating
    assert goals[("AA", "SG 2")] == UNSATISFIED and goals[("AA", "SG 1")] == SATISFIED
    assert r.pas.set_index("pa").loc["AA", "capability_level"] == "CL0"
    assert r.maturity.verdict == "Not Achieved"
    tiny.set_practice_decision("AA", "SP 2.1", "LI", "minor")
    assert rate(tiny).maturity.verdict == "Achieved"


def test_missing_data_makes_goals_not_rated_not_satisfied(tiny):
    _characterize_all(tiny)
    tiny.set_characterization("BB", "SP 1.1", "U2", None)
    r = rate(tiny)
    assert r.goals.set_index(["pa", "goal"]).loc[("BB", "SG 1")].rating == NOT_RATED
    assert r.pas.set_index("pa").rating["BB"] == NOT_RATED


def test_scope_not_applicable_and_out_of_scope(tiny):
    _characterize_all(tiny)
    tiny.set_scope("BB", "not_applicable", "no beta work")
    r = rate(tiny)
    assert r.pas.set_index("pa").rating["BB"] == "Not Applicable" and r.maturity.verdict == "Achieved"
    tiny.set_scope("BB", "out_of_scope")
    assert rate(tiny).maturity.verdict == NOT_RATED


def test_coverage_failure_makes_goals_not_rated(tiny):
    for practice in tiny.model.practices():
        for unit in ("U1", "U2"):
            tiny.update_record(practice.pa, practice.id, unit, characterization="FI")
            tiny.add_evidence(practice.pa, practice.id, unit, "artifact", "doc")  # no affirmations at all
    r = rate(tiny)
    assert set(r.goals.rating) == {NOT_RATED}
    assert not r.coverage.passed.all()
    assert "coverage" in r.goals.reason.iloc[0]


def test_ratings_frames_are_tidy(demo):
    r = rate(demo)
    assert not r.cells.duplicated(["pa", "practice", "instance"]).any()
    assert not r.practices.duplicated(["pa", "practice"]).any()
    assert len(r.practices) == 63 + 8 * 10
    assert set(r.pas.rating) <= {SATISFIED, UNSATISFIED, NOT_RATED, "Not Applicable", "Out of Scope"}
    summary = r.summary()
    assert "Maturity level 2" in summary and all(pa in summary for pa in r.pas.pa)


def test_a_pa_with_gg2_not_rated_has_cl1_with_cl2_undetermined(tiny):
    _characterize_all(tiny)
    tiny.set_characterization("AA", "GP 2.1", "U2", None)
    pas = rate(tiny).pas.set_index("pa")
    assert pas.loc["AA", "rating"] == NOT_RATED and pas.loc["AA", "capability_level"] == "CL1 (CL2 not rated)"
    assert pas.loc["BB", "capability_level"] == "CL2"


def test_support_functions_alone_give_no_maturity_rating(tmp_path):
    from cmmikit.store import Appraisal

    from conftest import TINY_MODEL

    with Appraisal.create(tmp_path / "sf.cmmi", name="SF only", model=TINY_MODEL) as a:
        a.add_instance("QA", "support_function")
        for practice in a.model.practices():
            a.update_record(practice.pa, practice.id, "QA", characterization="FI")
            a.add_evidence(practice.pa, practice.id, "QA", "artifact", "doc")
            a.add_evidence(practice.pa, practice.id, "QA", "affirmation", "interview")
        r = rate(a)
    assert set(r.pas.rating) == {SATISFIED}  # the support function's practices are rated ...
    assert r.maturity.verdict == NOT_RATED and r.maturity.achieved is None  # ... but not the maturity level
    assert any("no basic unit" in reason for reason in r.maturity.reasons)


def test_units_sampled_only_for_pas_out_of_scope_give_no_maturity_rating(tiny):
    _characterize_all(tiny)
    tiny.update_instance("U1", pas=["BB"])
    tiny.update_instance("U2", pas=["BB"])
    tiny.add_instance("QA", "support_function", pas=["AA"])
    for practice in tiny.model.pa("AA").practices:
        tiny.add_evidence("AA", practice.id, "QA", "artifact", "doc")
        tiny.add_evidence("AA", practice.id, "QA", "affirmation", "interview")
        tiny.update_record("AA", practice.id, "QA", characterization="FI")
    tiny.set_scope("BB", "not_applicable", "no beta work")
    r = rate(tiny)
    assert r.maturity.verdict == NOT_RATED and any("no basic unit" in x for x in r.maturity.reasons)


def test_every_pa_not_applicable_gives_no_maturity_rating(tiny):
    for pa in ("AA", "BB"):
        tiny.set_scope(pa, "not_applicable", "not our work")
    r = rate(tiny)
    assert r.maturity.verdict == NOT_RATED
    assert r.maturity.reasons[0] == "every process area is Not Applicable: nothing was rated"
    assert rate_maturity({"A": "Not Applicable"}).verdict == NOT_RATED
    assert rate_maturity({"A": SATISFIED}, basic_units=0).verdict == NOT_RATED
