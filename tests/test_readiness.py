"""The readiness review (criteria as data, met or not, the decision) and the preliminary findings validation."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cmmikit.errors import InvalidValue, ModelError, UnknownEntry
from cmmikit.method.readiness import load_criteria, review_lines, validation_counts, validation_lines
from cmmikit.store import Appraisal


def test_the_default_criteria_are_data(tmp_path):
    ids = [c.id for c in load_criteria()]
    assert "evidence_inventory" in ids and "interviews_scheduled" in ids and len(ids) == len(set(ids))
    bad = tmp_path / "r.yaml"
    bad.write_text("criteria:\n  - {id: a, text: A}\n  - {id: a, text: again}\n")
    with pytest.raises(ModelError, match="given twice"):
        load_criteria(bad)


def test_a_review_is_judged_and_decided(appraisal: Appraisal):
    a = appraisal
    criteria = load_criteria()
    ident = a.add_review("2027-02-20", [c.id for c in criteria])
    a.set_check(ident, "evidence_inventory", met=True, note="all CM artifacts in")
    a.set_check(ident, "team_ready", met=False, note="one member untrained")
    review, = a.reviews()
    assert [c.criterion for c in review.checks] == [c.id for c in criteria]     # the order given
    assert review.checks[0].met and not review.go and review.decision == ""
    lines = review_lines(review, criteria)
    assert lines[0] == f"Readiness review #{ident} on 2027-02-20: 1 of {len(criteria)} criteria met"
    assert any("[not met] team_ready" in line and "(one member untrained)" in line for line in lines)
    a.decide(ident, "reschedule", "training first")
    review, = a.reviews()
    assert (review.decision, review.go) == ("reschedule", False)
    assert review_lines(review)[-1] == "Decision: reschedule (no-go): training first"
    a.decide(ident, "continue", "trained on 2027-02-25")
    assert a.reviews()[0].go
    log = [(c.key, c.field, c.old, c.new, c.user) for c in a.history(entity="readiness review")]
    assert (f"readiness review {ident}", "decision", "reschedule", "continue", a.user) in log
    assert (f"readiness review {ident} team_ready", "note", "", "one member untrained", a.user) in log
    before = a.last_change_id()
    with pytest.raises(InvalidValue, match="needs its rationale"):
        a.decide(ident, "cancel", " ")
    with pytest.raises(InvalidValue, match="decision must be one of"):
        a.decide(ident, "maybe", "x")
    with pytest.raises(UnknownEntry, match="has no criterion 'coffee'"):
        a.set_check(ident, "coffee", met=True)
    with pytest.raises(UnknownEntry, match="no readiness review 99"):
        a.set_check(99, "team_ready", met=True)
    with pytest.raises(InvalidValue, match="review date must be a date"):
        a.add_review("soon", ["a"])
    assert a.last_change_id() == before
    a.remove_review(ident)
    assert a.reviews() == []


def test_findings_are_validated_or_revised_by_whom(appraisal: Appraisal):
    a = appraisal
    first = a.add_finding("weakness", "CM", "SG 1", "Baselines are not reviewed")
    second = a.add_finding("strength", "PPQA", "SG 1", "Audits are on schedule")
    a.validate_finding(first, "revised", comment="participants: reviews exist, not recorded", by="validation session 1")
    a.validate_finding(second, "validated")
    got = a.validations()
    assert (got[first].outcome, got[first].validated_by) == ("revised", "validation session 1")
    assert (got[second].outcome, got[second].validated_by) == ("validated", a.user)
    findings = a.findings()
    assert validation_counts([f.id for f in findings], got) == {"validated": 1, "revised": 1, "pending": 0}
    assert f"#{second} PPQA strength: Audits are on schedule [validated by {a.user}]" in validation_lines(findings, got)
    log = [(c.key, c.field, c.new, c.user) for c in a.history(entity="finding validation")]
    assert (f"finding {first} validation", "outcome", "revised", a.user) in log
    before = a.last_change_id()
    with pytest.raises(InvalidValue, match="a revised finding needs a comment"):
        a.validate_finding(second, "revised")
    with pytest.raises(UnknownEntry, match="no finding 99"):
        a.validate_finding(99, "validated")
    with pytest.raises(InvalidValue, match="validation outcome must be one of"):
        a.validate_finding(first, "agreed")
    assert a.last_change_id() == before
    a.clear_validation(first)
    assert set(a.validations()) == {second}


def test_the_readiness_and_validation_commands(tmp_path):
    path = tmp_path / "r.cmmi"
    with Appraisal.create(path, name="R") as a:
        a.add_instance("Desk")
        fid = a.add_finding("weakness", "CM", "SG 1", "No baselines")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "cmmikit.cli", "--user", "dee", *args], capture_output=True,
                              text=True)

    out = run("readiness", str(path), "--new", "2027-02-20")
    assert out.returncode == 0 and "Readiness review #1 on 2027-02-20: 0 of" in out.stdout, out.stderr
    assert run("readiness", str(path), "--check", "team_ready", "--met", "--note", "all trained").returncode == 0
    out = run("readiness", str(path), "--decide", "continue")
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "rationale" in out.stderr
    out = run("readiness", str(path), "--decide", "continue", "--rationale", "ready")
    assert out.returncode == 0 and "[met] team_ready" in out.stdout and "Decision: continue (go): ready" in out.stdout
    out = run("validate", str(path), str(fid), "--revised", "--comment", "baselines exist for Desk")
    assert out.returncode == 0, out.stderr
    out = run("validate", str(path))
    assert f"#{fid} CM weakness: No baselines [revised by dee: baselines exist for Desk]" in out.stdout
    with Appraisal.open(path) as a:
        assert {c.user for c in a.history(entity="readiness review")} == {"dee"}


def test_every_planning_table_travels_in_an_export_and_a_backup(appraisal: Appraisal, tmp_path):
    a = appraisal
    a.set_factor("location")
    a.set_unit("Unit A", values={"location": "Lyon"}, sampled=True)
    art = a.add_artifact("CM plan")
    req = a.add_request("CM", "SP 1.1", "Unit A", "plan", owner="Ops")
    a.update_request(req, status="received", artifact_id=art)
    a.add_interview("2027-03-01", roles="agents", pas=["CM"], instances=["Unit A"])
    review = a.add_review("2027-02-20", ["team_ready", "logistics_ready"])
    a.set_check(review, "logistics_ready", met=True, note="rooms booked")
    a.decide(review, "continue", "ready")
    a.validate_finding(a.add_finding("weakness", "CM", "SG 1", "No baselines"), "validated", by="session 1")
    data = a.dump()
    with Appraisal.restore(tmp_path / "restored.cmmi", data) as copy:
        assert (copy.units(), copy.requests(), copy.interviews(), copy.reviews(), copy.validations()) == (
            a.units(), a.requests(), a.interviews(), a.reviews(), a.validations())
    a.backup(tmp_path / "backup.cmmi")
    with Appraisal.open(tmp_path / "backup.cmmi") as copy:
        assert copy.reviews() == a.reviews() and copy.requests() == a.requests()


def test_an_export_with_broken_planning_references_is_refused_naming_each(tmp_path):
    from cmmikit.errors import ImportProblem

    with Appraisal.create(tmp_path / "a.cmmi", name="A") as a:
        a.add_instance("U")
        a.add_request("CM", "SP 1.1", "U", "plan")
        data = a.dump()
    data["evidence_requests"][0]["instance_id"] = 99
    data["plan_unit_values"] = [{"unit_id": 5, "factor_id": 1, "value": "x"}]
    data["readiness_reviews"] = [{"id": 1, "held_on": "2027-01-01", "decision": "perhaps", "rationale": "",
                                  "version": 1, "updated_by": "", "updated_at": ""}]
    with pytest.raises(ImportProblem) as caught:
        Appraisal.restore(tmp_path / "b.cmmi", data)
    text = "\n".join(caught.value.problems)
    assert "evidence_requests[0].instance_id: no instance with id 99" in text
    assert "plan_unit_values[0].unit_id: no unit with id 5" in text
    assert "readiness_reviews[0].decision: 'perhaps' is not one of" in text
    assert not (tmp_path / "b.cmmi").exists()
