"""Team decisions that went stale: taken before their data changed, open again until confirmed (both backends)."""

from __future__ import annotations

import pytest

from cmmikit.errors import ConflictError, UnknownEntry
from cmmikit.method.outlook import outlook
from cmmikit.method.rating import JUDGMENT_OPEN, NOT_RATED, RATED, SATISFIED, UNSATISFIED, rate, stale_note, stale_since
from cmmikit.store import Change


def fill(a, value="FI", **cells):
    """Every tiny-model cell characterized (FI unless named in ``cells``) with both kinds of evidence."""
    for practice in a.model.practices():
        for unit in ("U1", "U2"):
            key = (practice.pa, practice.id, unit)
            a.add_evidence(*key, "artifact", "doc")
            a.add_evidence(*key, "affirmation", "interview")
            char = cells.get(f"{practice.pa}_{practice.id.replace(' ', '').replace('.', '_')}_{unit}", value)
            a.update_record(*key, characterization=char, weaknesses="" if char == "FI" else "gap")


def practice(ratings, pa, practice_id):
    return ratings.practices.set_index(["pa", "practice"]).loc[(pa, practice_id)]


def goal(ratings, pa, goal_id):
    return ratings.goals.set_index(["pa", "goal"]).loc[(pa, goal_id)]


def change(ident: int, at: str) -> Change:
    return Change(ident, at, "ann", "record", "k", "characterization", None, "FI")


def test_stale_since_compares_change_log_ids_and_falls_back_to_dates():
    later, earlier = change(9, "2026-05-02T10:00:00+00:00"), change(3, "2026-05-03T10:00:00+00:00")
    assert stale_since(5, "", [later, earlier]) is later        # ids order changes, not clocks
    assert stale_since(12, "", [later, earlier]) is None
    assert stale_since(None, "2026-05-02T12:00:00+00:00", [later, earlier]) is earlier   # no log entry: by date
    assert stale_note(later) == "decided before the data changed on 2026-05-02: confirm or decide again"
    assert stale_note(None) == ""


def test_a_practice_decision_goes_stale_when_its_data_changes_and_confirming_clears_it(tiny):
    fill(tiny, AA_SP2_1_U1="FI", AA_SP2_1_U2="PI")
    tiny.set_practice_decision("AA", "SP 2.1", "PI", "checks skipped in half the work")
    row = practice(rate(tiny), "AA", "SP 2.1")
    assert (row["aggregate"], row["ou"], row["status"], row["stale"]) == ("LI or PI", "PI", RATED, False)

    # the data becomes "PI or NI": PI is still allowed, but the team decided on other data
    tiny.update_record("AA", "SP 2.1", "U1", characterization="NI", weaknesses="no checks at all")
    r = rate(tiny)
    row = practice(r, "AA", "SP 2.1")
    assert (row["aggregate"], row["status"], row["stale"]) == ("PI or NI", JUDGMENT_OPEN, True)
    assert not isinstance(row["ou"], str)
    assert row["stale_reason"].startswith("decided before the data changed on 20")
    assert row["stale_reason"].endswith(": confirm or decide again")
    assert row["decision_note"] == f"team decision PI was {row['stale_reason']}"
    assert goal(r, "AA", "SG 2").rating == NOT_RATED

    tiny.confirm_practice_decision("AA", "SP 2.1")
    r = rate(tiny)
    row = practice(r, "AA", "SP 2.1")
    assert (row["ou"], row["status"], row["stale"], row["stale_reason"]) == ("PI", RATED, False, "")
    assert goal(r, "AA", "SG 2").rating == UNSATISFIED
    confirmed = [c for c in tiny.history(pa="AA", practice="SP 2.1") if c.field == "confirmed"]
    assert [(c.entity, c.new) for c in confirmed] == [("practice decision", "PI")]

    # new evidence is data too; deciding again (not only confirming) makes it current
    tiny.add_evidence("AA", "SP 2.1", "U1", "artifact", "late check list")
    assert practice(rate(tiny), "AA", "SP 2.1")["stale"]
    tiny.set_practice_decision("AA", "SP 2.1", "NI", "nothing is checked")
    row = practice(rate(tiny), "AA", "SP 2.1")
    assert (row["ou"], row["stale"]) == ("NI", False)


def test_notes_and_other_practices_do_not_make_a_decision_stale(tiny):
    fill(tiny, AA_SP2_1_U1="FI", AA_SP2_1_U2="PI")
    tiny.set_practice_decision("AA", "SP 2.1", "LI", "isolated slip")
    tiny.update_record("AA", "SP 2.1", "U2", notes="interview moved to Tuesday")
    tiny.update_record("AA", "SP 1.1", "U1", characterization="LI", weaknesses="minor")
    tiny.add_evidence("BB", "SP 1.1", "U1", "artifact", "beta doc")
    row = practice(rate(tiny), "AA", "SP 2.1")
    assert (row["ou"], row["status"], row["stale"]) == ("LI", RATED, False)


def test_register_links_are_data_of_their_practice_and_item_edits_are_not(tiny):
    fill(tiny, AA_SP2_1_U1="FI", AA_SP2_1_U2="PI")
    tiny.set_practice_decision("AA", "SP 2.1", "LI", "isolated slip")
    plan = tiny.add_artifact("check list")
    tiny.update_artifact(plan, owner="Ann", effective_date="2026-01-05")   # registered, backs no cell yet
    assert not practice(rate(tiny), "AA", "SP 2.1")["stale"]
    link = tiny.link_artifact(plan, "AA", "SP 2.1", "U2")
    for change in (lambda: None, lambda: tiny.update_link(link, statement="page 2"), lambda: tiny.unlink(link),
                   lambda: tiny.link_many([("artifact", plan, "AA", "SP 2.1", "U1")])):
        change()
        assert practice(rate(tiny), "AA", "SP 2.1")["stale"]
        tiny.confirm_practice_decision("AA", "SP 2.1")
        assert not practice(rate(tiny), "AA", "SP 2.1")["stale"]
    tiny.update_artifact(plan, title="check list v2")     # the item's own fields: not data of one practice
    assert not practice(rate(tiny), "AA", "SP 2.1")["stale"]


def test_a_stale_decision_that_is_no_longer_needed_is_not_flagged(tiny):
    fill(tiny, AA_SP2_1_U1="FI", AA_SP2_1_U2="PI")
    tiny.set_practice_decision("AA", "SP 2.1", "LI", "isolated slip")
    tiny.update_record("AA", "SP 2.1", "U2", characterization="FI", weaknesses="")
    row = practice(rate(tiny), "AA", "SP 2.1")
    assert (row["ou"], row["status"], row["stale"]) == ("FI", RATED, False)
    assert row["decision_note"] == "decision ignored: no team judgment needed"


def test_a_goal_decision_goes_stale_when_any_practice_of_the_goal_changes(tiny):
    fill(tiny, AA_SP1_2_U1="LI")
    tiny.set_goal_decision("AA", "SG 1", "the LI weakness stops the service")
    r = rate(tiny)
    assert (goal(r, "AA", "SG 1").rating, goal(r, "AA", "SG 1").stale) == (UNSATISFIED, False)

    tiny.update_record("AA", "SP 2.1", "U1", notes="other goal")           # another goal's practice: no effect
    tiny.update_record("AA", "SP 1.2", "U1", characterization="FI", weaknesses="")   # the weakness is fixed
    r = rate(tiny)
    row = goal(r, "AA", "SG 1")
    assert (row.rating, row.stale) == (NOT_RATED, True)
    assert row.reason == f"team decision Unsatisfied was {row.stale_reason}"
    assert "confirm or decide again" in row.stale_reason
    assert r.pas.set_index("pa").loc["AA", "rating"] == NOT_RATED

    o = outlook(r)   # open: withdrawn it is Satisfied, confirmed it stays Unsatisfied
    g = o.goals.set_index(["pa", "goal"]).loc[("AA", "SG 1")]
    assert (g.best, g.worst) == (SATISFIED, UNSATISFIED)
    assert o.best.achieved and o.worst.achieved is False
    assert [(b.kind, b.label, b.can_fail) for b in o.blockers] == [("goal", "AA SG 1", True)]

    tiny.confirm_goal_decision("AA", "SG 1")
    row = goal(rate(tiny), "AA", "SG 1")
    assert (row.rating, row.stale) == (UNSATISFIED, False)
    tiny.update_record("AA", "SP 1.1", "U2", weaknesses="a new one")
    assert goal(rate(tiny), "AA", "SG 1").stale
    tiny.clear_goal_decision("AA", "SG 1")
    assert goal(rate(tiny), "AA", "SG 1").rating == SATISFIED


def test_the_outlook_treats_a_stale_practice_decision_as_open(tiny):
    fill(tiny, AA_SP2_1_U1="FI", AA_SP2_1_U2="PI")
    tiny.set_practice_decision("AA", "SP 2.1", "LI", "isolated slip")
    assert outlook(rate(tiny)).current.achieved
    tiny.update_record("AA", "SP 2.1", "U2", weaknesses="the slip happened twice")
    o = outlook(rate(tiny))
    p = o.practices.set_index(["pa", "practice"]).loc[("AA", "SP 2.1")]
    assert (p.open, p.best, p.worst) == (True, "LI", "PI")
    assert p.now.startswith("team decision LI to confirm or revise (LI or PI; decided before the data changed on")
    assert o.current.achieved is None and o.best.achieved and o.worst.achieved is False
    assert [b.label for b in o.blockers] == ["AA SG 2 SP 2.1"]


def test_confirming_needs_a_decision_and_respects_versions(tiny):
    with pytest.raises(UnknownEntry, match="nothing recorded to confirm"):
        tiny.confirm_practice_decision("AA", "SP 1.1")
    with pytest.raises(UnknownEntry, match="no goal"):
        tiny.confirm_goal_decision("AA", "SG 9")
    tiny.set_practice_decision("AA", "SP 1.1", "LI", "why")
    version = tiny.practice_decisions()[0].version
    tiny.confirm_practice_decision("AA", "SP 1.1", base_version=version)
    after = tiny.practice_decisions()[0]
    assert after.version == version + 1 and after.decided_at >= tiny.practice_decisions()[0].decided_at
    with pytest.raises(ConflictError):
        tiny.confirm_practice_decision("AA", "SP 1.1", base_version=version)


def test_latest_data_change_per_practice(tiny):
    tiny.update_record("AA", "SP 1.1", "U1", characterization="FI")
    eid = tiny.add_evidence("AA", "SP 1.1", "U2", "artifact", "doc")
    tiny.update_record("AA", "SP 1.1", "U1", notes="not data")
    tiny.update_record("BB", "SP 1.1", "U2", weaknesses="gap")
    tiny.remove_evidence(eid)
    latest = tiny.data_changes()
    assert set(latest) == {("AA", "SP 1.1"), ("BB", "SP 1.1")}
    assert (latest[("AA", "SP 1.1")].entity, latest[("AA", "SP 1.1")].field) == ("evidence", "removed")
    assert latest[("BB", "SP 1.1")].field == "weaknesses"
    tiny.set_goal_decision("BB", "SG 1", "why")
    tiny.set_practice_decision("AA", "SP 1.1", "LI", "why")
    decided = tiny.decision_changes()
    assert set(decided) == {("BB", "SG 1"), ("AA", "SP 1.1")}
    assert decided[("AA", "SP 1.1")] > decided[("BB", "SG 1")] > latest[("AA", "SP 1.1")].id
