"""The data collection plan: evidence requests and the interview schedule, stored, listed and exported."""

from __future__ import annotations

import subprocess
import sys

import pytest
from openpyxl import load_workbook

from cmmikit.errors import ConflictError, InvalidValue, UnknownEntry
from cmmikit.method.collection import interview_gaps, overdue, request_counts, request_lines
from cmmikit.outputs.collection import INTERVIEW_HEADERS, REQUEST_HEADERS, write_collection_plan
from cmmikit.store import Appraisal


def test_requests_are_stored_answered_and_logged(appraisal: Appraisal):
    a = appraisal
    first = a.add_request("CM", "SP 1.1", "Unit A", "The configuration management plan", owner="Ops lead",
                          due_date="2026-11-01")
    second = a.add_request("CM", "SP 1.2", "Unit B", "=baseline list", owner="Dev lead")
    third = a.add_request("PPQA", "SP 1.1", "QA Group", "Audit schedule", owner="Ops lead", due_date="2027-01-10")
    art = a.add_artifact("CM plan v3", location="wiki/cm")
    a.update_request(first, status="received", artifact_id=art)
    a.update_request(second, status="rejected", reason="not a baseline")
    got = {r.id: r for r in a.requests()}
    assert (got[first].status, got[first].artifact_id, got[first].instance) == ("received", art, "Unit A")
    assert [r.id for r in a.requests(owner="Ops lead")] == [first, third]
    assert request_counts(a.requests())["CM"] == {"requested": 0, "received": 1, "reviewed": 0, "rejected": 1}
    assert [r.id for r in overdue(a.requests(), "2026-12-01")] == []          # the overdue one was received
    assert [r.id for r in overdue(a.requests(), "2027-02-01")] == [third]
    assert any(line.startswith("overdue: #3 (Ops lead") for line in request_lines(a.requests(), "2027-02-01"))
    log = [(c.key, c.field, c.old, c.new, c.instance, c.user) for c in a.history(entity="evidence request")]
    assert (f"request {first}", "status", "requested", "received", "Unit A", a.user) in log
    assert (f"request {first}", "artifact_id", None, str(art), "Unit A", a.user) in log
    with pytest.raises(ConflictError):
        a.update_request(first, owner="x", base_version=1)
    a.remove_artifact(art)
    assert a.requests(pa="CM")[0].artifact_id is None      # the request stays, its answer is gone
    a.remove_request(second)
    assert [r.id for r in a.requests()] == [first, third]


def test_bad_requests_are_refused_with_one_line_and_nothing_changed(appraisal: Appraisal):
    a = appraisal
    a.set_scope("SAM", "not_applicable", "no suppliers")
    ident = a.add_request("CM", "SP 1.1", "Unit A", "plan")
    before = a.last_change_id()
    with pytest.raises(UnknownEntry, match="no basic unit or support function named 'Gone'"):
        a.add_request("CM", "SP 1.1", "Gone", "plan")
    with pytest.raises(InvalidValue, match="process area SAM is not applicable"):
        a.add_request("SAM", "SP 1.1", "Unit A", "agreements")
    with pytest.raises(InvalidValue, match="QA Group is not sampled for SD"):
        a.add_request("SD", "SP 1.1", "QA Group", "plan")
    with pytest.raises(UnknownEntry, match="CM has no practice 'SP 9.9'"):
        a.add_request("CM", "SP 9.9", "Unit A", "plan")
    with pytest.raises(InvalidValue, match="due date must be a date"):
        a.add_request("CM", "SP 1.1", "Unit A", "plan", due_date="tomorrow")
    with pytest.raises(InvalidValue, match="a reason is required to reject it"):
        a.update_request(ident, status="rejected")
    with pytest.raises(UnknownEntry, match="no register item ART-99"):
        a.update_request(ident, artifact_id=99)
    with pytest.raises(InvalidValue, match="request status must be one of"):
        a.update_request(ident, status="lost")
    a.remove_instance("Unit B")
    with pytest.raises(UnknownEntry, match="'Unit B'"):
        a.add_request("CM", "SP 1.1", "Unit B", "plan")
    assert a.last_change_id() == before + 1           # only the removal of Unit B


def test_the_interview_schedule_and_its_gaps(appraisal: Appraisal):
    a = appraisal
    for pa in a.model.pa_ids:
        if pa not in ("CM", "PPQA"):
            a.set_scope(pa, "out_of_scope")
    s1 = a.add_interview("2027-03-02", starts_at="09:00", roles="service desk agents", team="ann, bo",
                         pas=["CM"], instances=["Unit A", "Unit B"])
    s2 = a.add_interview("2027-03-01", starts_at="14:00", roles="QA staff", pas=["PPQA", "CM"],
                         instances=["QA Group"])
    sessions = a.interviews()
    assert [(s.id, s.pas, s.instances) for s in sessions] == [(s2, ("CM", "PPQA"), ("QA Group",)),
                                                              (s1, ("CM",), ("Unit A", "Unit B"))]
    gaps = interview_gaps(a.instances(), ["CM", "PPQA"], sessions)
    assert gaps == ["PPQA / Unit A: no interview scheduled", "PPQA / Unit B: no interview scheduled"]
    a.update_interview(s1, held_on="2027-03-02", starts_at="09:30", roles="service desk agents",
                       pas=["CM", "PPQA"], instances=["Unit A", "Unit B"])
    assert interview_gaps(a.instances(), ["CM", "PPQA"], a.interviews()) == []
    log = [(c.key, c.field, c.old, c.new) for c in a.history(entity="interview")]
    assert (f"interview {s1}", "pas", "CM", "CM,PPQA") in log and (f"interview {s1}", "starts_at", "09:00", "09:30") in log
    before = a.last_change_id()
    with pytest.raises(InvalidValue, match="process area SD is out of scope"):
        a.add_interview("2027-03-03", pas=["SD"])
    with pytest.raises(InvalidValue, match="interview date must be a date"):
        a.add_interview("", pas=["CM"])
    with pytest.raises(InvalidValue, match="start time must be HH:MM"):
        a.add_interview("2027-03-03", starts_at="9am", pas=["CM"])
    with pytest.raises(UnknownEntry, match="'Nowhere'"):
        a.add_interview("2027-03-03", pas=["CM"], instances=["Nowhere"])
    assert a.last_change_id() == before
    a.remove_interview(s2)
    assert [s.id for s in a.interviews()] == [s1]


def test_the_plan_workbook_keeps_user_text_as_text(appraisal: Appraisal, tmp_path):
    appraisal.add_request("CM", "SP 1.1", "Unit A", "=HYPERLINK(\"x\")", owner="Ops")
    appraisal.add_interview("2027-03-02", roles="+agents", pas=["CM"], instances=["Unit A"])
    path = write_collection_plan(tmp_path / "plan.xlsx", appraisal.requests(), appraisal.interviews())
    wb = load_workbook(path)
    assert wb.sheetnames == ["Requests", "Interviews"]
    requests, interviews = wb["Requests"], wb["Interviews"]
    assert tuple(c.value for c in requests[1]) == REQUEST_HEADERS
    assert tuple(c.value for c in interviews[1]) == INTERVIEW_HEADERS
    assert requests["E2"].value == "=HYPERLINK(\"x\")" and requests["E2"].data_type == "s"
    assert interviews["D2"].value == "+agents" and interviews["E2"].value == "CM"


def test_the_collection_commands(tmp_path):
    path = tmp_path / "c.cmmi"
    with Appraisal.create(path, name="C") as a:
        a.add_instance("Desk")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "cmmikit.cli", "--user", "cy", *args], capture_output=True,
                              text=True)

    out = run("request", str(path), "--pa", "CM", "--practice", "SP 1.1", "--instance", "Desk", "--asked", "CM plan",
              "--owner", "Ops", "--due", "2020-01-01")
    assert out.returncode == 0 and "request #1 added" in out.stdout, out.stderr
    out = run("requests", str(path))
    assert "#1 CM SP 1.1 / Desk: CM plan [requested] owner Ops due 2020-01-01" in out.stdout
    assert "overdue: #1 (Ops, due 2020-01-01)" in out.stdout
    out = run("request", str(path), "--id", "1", "--status", "rejected")
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "a reason is required" in out.stderr
    assert run("request", str(path), "--id", "1", "--status", "received").returncode == 0
    out = run("interview", str(path), "--date", "2027-03-01", "--time", "10:00", "--roles", "agents", "--pa", "CM",
              "--instance", "Desk")
    assert out.returncode == 0, out.stderr
    out = run("interviews", str(path))
    assert "#1 2027-03-01 10:00: agents; PAs CM; instances Desk" in out.stdout and "SD / Desk: no interview" in out.stdout
    out = run("requests", str(path), "-o", str(tmp_path / "plan.xlsx"))
    assert out.returncode == 0 and load_workbook(tmp_path / "plan.xlsx")["Requests"]["H2"].value == "received"
    with Appraisal.open(path) as a:
        assert {c.user for c in a.history(entity="evidence request")} == {"cy"}
