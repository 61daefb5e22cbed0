"""Best and worst case while data is missing: practice ranges, goal/PA/ML cases, the blockers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmmikit.method.outlook import Blocker, outlook, practice_range
from cmmikit.method.rating import NOT_RATED, SATISFIED, UNSATISFIED, aggregate, rate, rate_goal, resolve


@pytest.mark.parametrize("values, decision, expected", [
    (["FI", "LI"], None, ("LI", "LI")),                 # settled: no range
    (["FI", None], None, ("FI", "PI")),                 # a blank may be FI ... or NI (then LI or PI -> PI)
    (["PI", None], None, ("LI", "NI")),                 # PI + FI -> LI or PI; PI + NI -> PI or NI
    (["NI", None], None, ("LI", "NI")),
    (["NY", "NY"], None, ("FI", "NI")),                 # not reached anywhere yet
    ([], None, ("FI", "NI")),                           # nothing sampled
    (["NY", None], None, ("FI", "NI")),
    (["FI", "PI"], None, ("LI", "PI")),                 # open judgment: the better / the worse value
    (["PI", "NI"], None, ("PI", "NI")),
    (["FI", "PI"], "PI", ("PI", "PI")),                 # a recorded decision holds
    (["PI", None], "PI", ("PI", "PI")),                 # ... in either completion where it is allowed
    (["PI", None], "NI", ("LI", "NI")),                 # NI is allowed only in the worst completion
])
def test_practice_range(values, decision, expected):
    assert practice_range(values, decision) == expected


chars = st.sampled_from(["FI", "LI", "PI", "NI", "NY", None])
RANK = {UNSATISFIED: 0, SATISFIED: 1}


@given(st.lists(st.lists(chars, max_size=4), min_size=1, max_size=4), st.data())
def test_every_completion_lands_between_worst_and_best(practices, data):
    """Fill the blanks and open judgments any way at all: the goal rating is within the predicted range."""
    best = rate_goal([(practice_range(p)[0], "characterized") for p in practices])[0]
    worst = rate_goal([(practice_range(p)[1], "characterized") for p in practices])[0]
    assert RANK[worst] <= RANK[best]
    completed = []
    for p in practices:
        filled = [data.draw(st.sampled_from(["FI", "LI", "PI", "NI", "NY"])) if v is None else v for v in p]
        agg = aggregate(filled)
        decision = data.draw(st.sampled_from(agg.options)) if agg.options else None
        completed.append(resolve(agg, decision)[:2])
    rating = rate_goal(completed)[0]
    if rating != NOT_RATED:  # (a goal left Not Yet stays Not Rated: no rating, not a bad one)
        assert RANK[worst] <= RANK[rating] <= RANK[best]
    current = rate_goal([resolve(aggregate(p), None)[:2] for p in practices])[0]
    if current != NOT_RATED:
        assert best == worst == current


# ---------------------------------------------------------------- hand-made appraisals (tiny model)


def fill(a, skip=(), value="FI", **cells):
    """Characterize every cell FI with evidence, except (pa, practice, unit) in ``skip``; ``cells`` override."""
    for practice in a.model.practices():
        for unit in ("U1", "U2"):
            key = (practice.pa, practice.id, unit)
            a.add_evidence(*key, "artifact", "doc")
            a.add_evidence(*key, "affirmation", "interview")
            if key in skip:
                continue
            char = cells.get(f"{practice.pa}_{practice.id.replace(' ', '').replace('.', '_')}_{unit}", value)
            a.update_record(*key, characterization=char, weaknesses="" if char == "FI" else "gap")


def by_key(frame, *keys):
    return frame.set_index(list(keys))


def test_one_blank_cell_leaves_ml2_achievable_and_names_the_practice(tiny):
    fill(tiny, skip={("AA", "SP 2.1", "U1")})
    o = outlook(rate(tiny))
    assert (o.current.verdict, o.best.verdict, o.worst.verdict) == (NOT_RATED, "Achieved", "Not Achieved")
    goals = by_key(o.goals, "pa", "goal")
    assert tuple(goals.loc[("AA", "SG 2"), ["rating", "best", "worst"]]) == (NOT_RATED, SATISFIED, UNSATISFIED)
    assert tuple(goals.loc[("AA", "SG 1"), ["best", "worst"]]) == (SATISFIED, SATISFIED)
    assert tuple(by_key(o.pas, "pa").loc["AA", ["best", "worst"]]) == (SATISFIED, UNSATISFIED)
    assert o.blockers == (Blocker("practice", "AA", "SG 2", "SP 2.1", "1 of 2 instance(s) not characterized",
                                  "FI or LI", True),)
    assert o.headline == "Not Rated yet: ML2 still achievable (1 open practice(s) can still decide against it)"


def test_a_settled_pi_rules_ml2_out_and_only_it_is_listed(tiny):
    fill(tiny, skip={("BB", "SP 1.1", "U2")}, AA_SP1_1_U1="PI", AA_SP1_1_U2="PI")
    o = outlook(rate(tiny))
    assert o.current.verdict == NOT_RATED and o.best.verdict == "Not Achieved"
    assert o.headline == "ML2 no longer achievable: AA SG 1 has a PI (SP 1.1)"
    assert [(b.kind, b.label, b.best, b.can_fail) for b in o.blockers] == [("practice", "AA SG 1 SP 1.1", "PI", True)]


def test_open_judgment_counts_with_its_better_and_worse_value(tiny):
    fill(tiny, AA_SP2_1_U1="FI", AA_SP2_1_U2="PI")
    o = outlook(rate(tiny))
    practice = by_key(o.practices, "pa", "practice").loc[("AA", "SP 2.1")]
    assert (practice["now"], practice["best"], practice["worst"]) == ("team judgment open (LI or PI)", "LI", "PI")
    assert o.best.achieved and o.worst.achieved is False
    tiny.set_practice_decision("AA", "SP 2.1", "LI", "isolated slip")
    o = outlook(rate(tiny))
    assert o.current.achieved and o.blockers == () and o.headline == "Maturity level 2: Achieved"


def test_pi_or_ni_judgment_is_out_of_reach_even_at_best(tiny):
    fill(tiny, AA_SP2_1_U1="NI", AA_SP2_1_U2="PI")
    o = outlook(rate(tiny))
    assert o.best.verdict == "Not Achieved" and o.headline.endswith("AA SG 2 has a PI (SP 2.1)")


def test_a_recorded_decision_still_applies_after_the_data_is_completed(tiny):
    fill(tiny, skip={("AA", "SP 2.1", "U2")}, AA_SP2_1_U1="PI")
    assert by_key(outlook(rate(tiny)).practices, "pa", "practice").loc[("AA", "SP 2.1"), "best"] == "LI"
    tiny.set_practice_decision("AA", "SP 2.1", "PI", "a team decision taken early")
    o = outlook(rate(tiny))
    assert by_key(o.practices, "pa", "practice").loc[("AA", "SP 2.1"), "best"] == "PI"
    assert o.best.achieved is False


def test_not_yet_practice_may_still_go_either_way(tiny):
    fill(tiny, BB_SP1_1_U1="NY", BB_SP1_1_U2="NY")
    o = outlook(rate(tiny))
    assert tuple(by_key(o.practices, "pa", "practice").loc[("BB", "SP 1.1"), ["now", "best", "worst"]]) == (
        "not yet", "FI", "NI")
    assert [b.label for b in o.blockers] == ["BB SG 1 SP 1.1"]


def test_coverage_gaps_alone_cannot_make_ml2_fail(tiny):
    for practice in tiny.model.practices():
        for unit in ("U1", "U2"):
            tiny.update_record(practice.pa, practice.id, unit, characterization="FI")
            tiny.add_evidence(practice.pa, practice.id, unit, "artifact", "doc")  # no affirmations
    o = outlook(rate(tiny))
    assert set(o.goals.rating) == {NOT_RATED} and set(o.goals.best) == set(o.goals.worst) == {SATISFIED}
    assert o.best.achieved and o.worst.achieved
    assert {b.kind for b in o.blockers} == {"coverage"} and not any(b.can_fail for b in o.blockers)
    assert {b.pa for b in o.blockers} >= {"AA", "BB"}
    assert "AA: no basic unit outside any subgroup provides both artifacts and affirmations -> needs evidence" in (
        o.summary())
    assert "nothing open can make it fail" in o.headline


def test_goal_rated_unsatisfied_by_the_team_is_a_blocker(tiny):
    fill(tiny, skip={("BB", "SP 1.1", "U1")}, AA_SP1_2_U1="LI")
    tiny.set_goal_decision("AA", "SG 1", "the LI weakness is severe")
    o = outlook(rate(tiny))
    assert o.best.achieved is False
    assert [(b.kind, b.label) for b in o.blockers] == [("goal", "AA SG 1")]
    assert o.headline == "ML2 no longer achievable: AA SG 1 is Unsatisfied by team decision"


def test_out_of_scope_pa_means_no_rating_at_all(tiny):
    fill(tiny, skip={("AA", "SP 1.1", "U1")})
    tiny.set_scope("BB", "out_of_scope")
    o = outlook(rate(tiny))
    assert o.best.achieved is None
    assert o.headline == "ML2 cannot be rated in this appraisal: BB Out of Scope"
    assert [(b.kind, b.pa) for b in o.blockers] == [("scope", "BB")]


def test_not_achieved_now_lists_the_cause(tiny):
    fill(tiny, AA_SP1_1_U1="NI", AA_SP1_1_U2="NI", AA_SP1_2_U1="PI", AA_SP1_2_U2="PI")
    o = outlook(rate(tiny))
    assert o.headline == "Maturity level 2: Not Achieved: AA SG 1 has an NI (SP 1.1) and a PI (SP 1.2)"


def test_json_carries_both_cases(tiny):
    fill(tiny, skip={("AA", "SP 2.1", "U1")})
    data = outlook(rate(tiny)).to_json()
    assert data["best_case"]["maturity"] == {"verdict": "Achieved", "achieved": True,
                                             "reasons": ["every process area Satisfied or Not Applicable"]}
    assert data["worst_case"]["maturity"]["verdict"] == "Not Achieved"
    assert {"pa": "AA", "goal": "SG 2", "rating": UNSATISFIED} in data["worst_case"]["goals"]
    assert data["outlook"]["blockers"][0]["label"] == "AA SG 2 SP 2.1"
