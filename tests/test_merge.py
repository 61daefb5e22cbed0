"""Merging a slice back: one-sided changes applied, conflicts listed, idempotent, dry run, --take (both backends)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from cmmikit.errors import InvalidValue, StoreError
from cmmikit.method.rating import rate
from cmmikit.store import Appraisal, merge_slice, slice_appraisal


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cmmikit.cli", *args], capture_output=True, text=True)


def data(a: Appraisal) -> dict:
    """Everything an appraisal holds except its change log (which a merge may extend)."""
    return {k: v for k, v in a.dump().items() if k != "changes"}


@pytest.fixture
def team(appraisal, tmp_path):
    """FILE (as the lead) with CM and SD data, and Ravi's CM/PPQA slice opened as ravi."""
    a = appraisal
    a.user = "lead"
    a.set_assessor("Ravi", pas=["CM", "PPQA"])
    for unit in ("Unit A", "Unit B", "QA Group"):
        for practice in ("SP 1.1", "SP 1.2", "SP 1.3"):
            a.update_record("CM", practice, unit, characterization="FI", strengths="tool")
    a.update_record("SD", "SP 1.1", "Unit A", characterization="LI", weaknesses="late")
    a.add_evidence("CM", "SP 1.1", "Unit A", "artifact", "CM plan")
    old = a.add_evidence("CM", "SP 1.2", "Unit A", "artifact", "old list")
    fid = a.add_finding("weakness", "CM", "SG 1", "baselines are late", practices=["SP 1.1"], instances=["Unit A"])
    a.add_action(fid, "weekly baseline", owner="Ann")
    path = tmp_path / "ravi.cmmi"
    slice_appraisal(a, path, ["CM", "PPQA"], assessor="Ravi").close()
    with Appraisal.open(path, user="ravi") as piece:
        yield a, piece, old, fid


def test_one_sided_changes_are_applied_as_the_slice_user_and_conflicts_wait(team):
    a, piece, old, fid = team
    # Ravi, offline
    piece.update_record("CM", "SP 1.1", "Unit A", characterization="LI", weaknesses="one late baseline")
    piece.add_evidence("CM", "SP 1.1", "Unit A", "affirmation", "interview with CM owner", who="Kim")
    piece.remove_evidence(old)
    piece.update_record("CM", "SP 1.2", "Unit B", notes="ravi: seen the tool")
    piece.update_finding(fid, statement="one baseline was late")
    nf = piece.add_finding("strength", "CM", "SG 1", "tooling is good", practices=["SP 1.2"])
    piece.add_action(nf, "share the tool", owner="Ravi")
    # the lead, meanwhile
    a.update_record("CM", "SP 1.3", "Unit A", notes="lead: asked for minutes")
    a.update_record("CM", "SP 1.2", "Unit B", notes="lead: tool demo pending")
    a.update_record("SD", "SP 1.1", "Unit B", characterization="FI")
    before = data(a)

    logged = len(a.history())
    dry = merge_slice(a, piece, dry_run=True)
    assert data(a) == before and len(a.history()) == logged
    assert dry.dry_run and "dry run: nothing written" in dry.summary()
    described = [s.describe() for s in dry.applied]
    assert described[:3] == ["CM SP 1.1 / Unit A: characterization -> 'LI', weaknesses -> 'one late baseline'",
                             "CM SP 1.1 / Unit A: evidence 'interview with CM owner': added",
                             "CM SP 1.2 / Unit A: evidence 'old list': removed"]
    assert len(dry.applied) == 6          # + the finding edited, the finding added, its action
    [conflict] = dry.conflicts
    assert conflict.id == "practice_records:CM|SP 1.2|2" and conflict.label == "CM SP 1.2 / Unit B"
    assert (conflict.fields, conflict.mine_user, conflict.theirs_user) == (("notes",), "lead", "ravi")
    assert conflict.values("mine") == {"notes": "'lead: tool demo pending'"}
    assert conflict.values("theirs") == {"notes": "'ravi: seen the tool'"}

    last = a.history()[-1].id
    result = merge_slice(a, piece)
    assert [s.describe() for s in result.applied] == described and result.open_conflicts == [conflict]
    rec = a.record("CM", "SP 1.1", "Unit A")
    assert (rec.characterization, rec.weaknesses, rec.updated_by) == ("LI", "one late baseline", "ravi")
    assert a.record("CM", "SP 1.2", "Unit B").notes == "lead: tool demo pending"        # the conflict waits
    assert a.record("CM", "SP 1.3", "Unit A").notes == "lead: asked for minutes"        # mine only: kept
    assert a.record("SD", "SP 1.1", "Unit B").characterization == "FI"
    evidence = {e.description: e for e in a.evidence(pa="CM")}
    assert set(evidence) == {"CM plan", "interview with CM owner"} and evidence["interview with CM owner"].who == "Kim"
    findings = {f.statement: f for f in a.findings()}
    assert set(findings) == {"one baseline was late", "tooling is good"}
    assert findings["tooling is good"].practices == ("SP 1.2",)
    assert {x.description: x.finding_id for x in a.actions()} == {
        "weekly baseline": fid, "share the tool": findings["tooling is good"].id}
    merged = [c for c in a.history() if c.id > last]
    assert {c.user for c in merged if c.entity != "appraisal"} == {"ravi"}
    assert [c.field for c in merged if c.entity == "appraisal"] == ["merged"]
    assert merged[-1].user == "lead" and "6 change(s), 0 conflict(s) resolved, 1 left" in merged[-1].new

    # merging the same slice again changes nothing; the conflict is still listed
    after = data(a)
    history = len(a.history())
    again = merge_slice(a, piece)
    assert again.applied == [] and [c.id for c in again.conflicts] == [conflict.id]
    assert data(a) == after and len(a.history()) == history

    # keeping mine settles it: later merges no longer list it
    kept = merge_slice(a, piece, take="mine")
    assert kept.applied == [] and kept.resolutions == {conflict.id: "mine"}
    assert data(a) == after and "kept mine: CM SP 1.2 / Unit B" in kept.summary()
    quiet = merge_slice(a, piece)
    assert quiet.applied == [] and quiet.conflicts == []
    assert len(a.history()) == history + 1 and data(a) == after


def test_take_theirs_resolves_every_conflict_with_the_slice_values(team):
    a, piece, _, fid = team
    piece.update_record("CM", "SP 1.1", "Unit B", characterization="PI", weaknesses="no audits")
    a.update_record("CM", "SP 1.1", "Unit B", characterization="LI", weaknesses="some audits")
    piece.update_finding(fid, effort=2)
    a.update_finding(fid, effort=4)
    result = merge_slice(a, piece, take="theirs")
    assert len(result.conflicts) == 2 and result.open_conflicts == []
    assert "took theirs: CM SP 1.1 / Unit B" in result.summary()
    rec = a.record("CM", "SP 1.1", "Unit B")
    assert (rec.characterization, rec.weaknesses, rec.updated_by) == ("PI", "no audits", "ravi")
    assert a.finding(fid).effort == 2
    snapshot = data(a)
    assert merge_slice(a, piece).conflicts == [] and data(a) == snapshot


def test_conflicts_resolve_one_by_one(team):
    a, piece, _, _ = team
    for unit, mine, theirs in (("Unit A", "LI", "PI"), ("Unit B", "PI", "NI")):
        piece.update_record("CM", "SP 1.3", unit, characterization=theirs, weaknesses="w")
        a.update_record("CM", "SP 1.3", unit, characterization=mine, weaknesses="w")
    ids = [c.id for c in merge_slice(a, piece, dry_run=True).conflicts]
    result = merge_slice(a, piece, take={ids[0]: "theirs", ids[1]: "mine", "practice_records:unknown": "theirs"})
    assert result.resolutions == {ids[0]: "theirs", ids[1]: "mine"}
    assert [a.record("CM", "SP 1.3", u).characterization for u in ("Unit A", "Unit B")] == ["PI", "PI"]
    with pytest.raises(InvalidValue, match="take must be 'mine'"):
        merge_slice(a, piece, take="both")


def test_the_slice_order_decides_whether_a_decision_is_current(team):
    a, piece, _, _ = team
    # FILE: the lead decides on SP 1.1 before Ravi's data arrives; Ravi changes the data offline
    a.update_record("CM", "SP 1.1", "Unit B", characterization="PI", weaknesses="gap")
    a.set_practice_decision("CM", "SP 1.1", "LI", "isolated")
    piece.update_record("CM", "SP 1.1", "Unit A", strengths="good tool, weekly use")
    # the slice: Ravi changes SP 1.2's data and then decides on it
    piece.update_record("CM", "SP 1.2", "Unit A", characterization="NI", weaknesses="none")
    piece.set_practice_decision("CM", "SP 1.2", "LI", "one unit only")
    merge_slice(a, piece)
    rows = rate(a).practices.set_index(["pa", "practice"])
    assert rows.loc[("CM", "SP 1.1"), "stale"]              # decided before Ravi's change arrived
    assert not rows.loc[("CM", "SP 1.2"), "stale"] and rows.loc[("CM", "SP 1.2"), "ou"] == "LI"
    assert a.practice_decisions()[1].decided_by == "ravi"


def test_register_edits_in_the_slice_reach_the_item_wherever_file_links_it(team):
    a, piece, old, _ = team
    plan = a.find_artifact("CM plan").id
    a.link_artifact(plan, "SD", "SP 1.1", "Unit A")            # FILE: the plan also backs a cell outside the slice
    # Ravi, offline: edits the plan, links it to one more cell, notes a page, takes the old list off its cell
    piece.update_artifact(plan, title="CM plan v2", kind="indirect", effective_date="2026-02-01", owner="Kim")
    piece.link_artifact(plan, "CM", "SP 1.3", "Unit B", statement="section 4")
    [link] = piece.evidence("CM", "SP 1.1", "Unit A")
    piece.update_link(link.id, statement="page 3")
    piece.unlink(old)                                          # still registered in the slice
    talk = piece.add_affirmation("CM interview", held_on="2026-03-02", roles="CM lead")
    piece.link_affirmation(talk, "CM", "SP 1.1", "Unit B", statement="weekly baselines")
    last = a.history()[-1].id

    result = merge_slice(a, piece)
    assert result.conflicts == [] and len(result.applied) == 4
    entry = a.artifact(plan)
    assert (entry.title, entry.kind, entry.effective_date, entry.owner) == (
        "CM plan v2", "indirect", "2026-02-01", "Kim")
    assert [(k.pa, k.practice, k.instance, k.statement) for k in entry.links] == [
        ("CM", "SP 1.1", "Unit A", "page 3"), ("CM", "SP 1.3", "Unit B", "section 4"), ("SD", "SP 1.1", "Unit A", "")]
    assert a.find_artifact("old list").links == ()               # unlinked, as in the slice, and kept
    interview = a.find_affirmation("CM interview")
    assert (interview.held_on, interview.roles, [(k.instance, k.statement) for k in interview.links]) == (
        "2026-03-02", "CM lead", [("Unit B", "weekly baselines")])
    merged = [c for c in a.history() if c.id > last and c.entity != "appraisal"]
    assert merged and {c.user for c in merged} == {"ravi"}

    after, history = data(a), len(a.history())
    again = merge_slice(a, piece)
    assert again.applied == [] and again.conflicts == [] and data(a) == after and len(a.history()) == history


def test_an_item_removed_in_the_slice_stays_in_file_where_other_cells_use_it(team):
    a, piece, _, _ = team
    plan, old_list = a.find_artifact("CM plan").id, a.find_artifact("old list").id
    a.link_artifact(old_list, "SD", "SP 1.2", "Unit A")
    piece.remove_artifact(plan)
    piece.remove_artifact(old_list)
    merge_slice(a, piece)
    assert a.find_artifact("CM plan") is None
    assert [(k.pa, k.practice) for k in a.find_artifact("old list").links] == [("SD", "SP 1.2")]
    assert a.evidence(pa="CM") == []


def test_an_item_edited_on_both_sides_is_a_conflict_of_each_link(team):
    a, piece, _, _ = team
    plan = a.find_artifact("CM plan").id
    a.update_artifact(plan, title="CM plan (lead)")
    piece.update_artifact(plan, title="CM plan v2")
    [conflict] = merge_slice(a, piece, dry_run=True).conflicts
    assert conflict.id == f"evidence:{a.artifact(plan).links[0].id}" and conflict.fields == ("description",)
    assert (conflict.mine_user, conflict.theirs_user) == ("lead", "ravi")
    assert conflict.values("theirs") == {"description": "'CM plan v2'"}
    merge_slice(a, piece, take="theirs")
    assert a.artifact(plan).title == "CM plan v2" and a.artifact(plan).updated_by == "ravi"
    snapshot = data(a)
    assert merge_slice(a, piece).conflicts == [] and data(a) == snapshot


def test_a_slice_taken_before_the_register_merges_its_evidence_without_false_conflicts(team):
    a, piece, old, _ = team
    path = piece.address
    conn = sqlite3.connect(path)    # what a slice of cmmikit before the register remembers
    (raw_base,), (raw_info,) = (conn.execute("SELECT value FROM meta WHERE key = ?", (k,)).fetchone()
                                for k in ("slice_base", "slice"))
    base, info = json.loads(raw_base), json.loads(raw_info)
    for row in base["evidence"].values():
        del row["artifact_kind"], row["statement"]
    del info["items"]
    for key, value in (("slice_base", base), ("slice", info)):
        conn.execute("UPDATE meta SET value = ? WHERE key = ?", (json.dumps(value), key))
    conn.commit()
    conn.close()
    a.update_artifact(a.find_artifact("CM plan").id, owner="Ann")      # FILE only: nothing to merge
    piece.unlink(old)
    result = merge_slice(a, piece)
    assert result.conflicts == [] and [s.describe() for s in result.applied] == [
        "CM SP 1.2 / Unit A: evidence 'old list': removed"]
    assert a.find_artifact("old list").links == () and a.find_artifact("CM plan").owner == "Ann"


def test_refusals_leave_both_files_untouched(team, tmp_path, appraisal):
    a, piece, _, _ = team
    before = data(a)
    with pytest.raises(StoreError, match="not a slice"):
        merge_slice(a, a)
    other = Appraisal.create(tmp_path / "other.cmmi", name="Other")
    with pytest.raises(StoreError, match="was sliced from 'Test appraisal'"):
        merge_slice(other, piece)
    other.close()
    assert data(a) == before


def test_findings_generated_on_both_sides_from_the_same_source_are_not_doubled(team):
    from cmmikit.method.findings import sync_findings

    a, piece, _, _ = team
    for side in (a, piece):
        side.update_record("CM", "SP 1.3", "Unit B", characterization="LI", weaknesses="audits are late")
        sync_findings(side)
    generated = [f for f in a.findings() if f.origin == "generated"]
    assert generated
    result = merge_slice(a, piece)
    assert [f.id for f in a.findings() if f.origin == "generated"] == [f.id for f in generated]
    assert not any(s.table == "findings" for s in result.applied) and result.conflicts == []
    assert merge_slice(a, piece).applied == []


def test_rows_of_a_removed_unit_are_skipped_with_a_note(team):
    a, piece, _, _ = team
    piece.update_record("CM", "SP 1.1", "Unit B", characterization="PI", weaknesses="gap")
    a.remove_instance("Unit B")
    result = merge_slice(a, piece)
    assert result.applied == [] and result.notes == [
        f"CM SP 1.1 / Unit B: skipped, Unit B was removed from {a.location.label} after the slice was taken"]


def test_slice_and_merge_on_the_command_line(new_location, tmp_path):
    location = new_location("file")
    assert cli("--user", "lead", "new", location, "--name", "CLI", "--unit", "Desk").returncode == 0
    with Appraisal.open(location, user="lead") as a:
        a.set_assessor("Ravi", pas=["CM"])
        a.update_record("CM", "SP 1.1", "Desk", characterization="FI")
    slice_path = str(tmp_path / "ravi.cmmi")
    made = cli("slice", location, "--assessor", "Ravi", "-o", slice_path)
    assert made.returncode == 0, made.stderr
    assert f"cmmikit merge {parse_shareable(location)} {slice_path}" in made.stdout
    with Appraisal.open(slice_path, user="ravi") as piece:
        piece.update_record("CM", "SP 1.1", "Desk", characterization="LI", weaknesses="late")
        piece.update_record("CM", "SP 1.2", "Desk", characterization="PI", weaknesses="none")
    with Appraisal.open(location, user="lead") as a:
        a.update_record("CM", "SP 1.1", "Desk", notes="lead")
        before = data(a)
    dry = cli("merge", location, slice_path, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would apply 1 change(s); 1 conflict(s), 1 not resolved" in dry.stdout
    assert "CONFLICT, not applied: CM SP 1.1 / Desk" in dry.stdout and "--take mine" in dry.stdout
    with Appraisal.open(location) as a:
        assert data(a) == before
    taken = cli("merge", location, slice_path, "--take", "theirs")
    assert taken.returncode == 0 and "took theirs: CM SP 1.1 / Desk" in taken.stdout
    again = cli("merge", location, slice_path)
    assert "applied 0 change(s); 0 conflict(s)" in again.stdout
    with Appraisal.open(location) as a:
        assert a.record("CM", "SP 1.1", "Desk").characterization == "LI"
        assert a.record("CM", "SP 1.2", "Desk").updated_by == "ravi"
    bad = cli("merge", location, location)
    assert bad.returncode == 1 and "not a slice" in bad.stderr and bad.stderr.count("\n") == 1


def parse_shareable(location: str) -> str:
    """The location as a command that is printed shows it: a server URL without its password."""
    from cmmikit.store import parse

    return parse(location).shareable
