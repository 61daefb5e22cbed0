"""Follow-up appraisals (inherited until re-assessed) and slices for offline mini-teams, on both backends."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cmmikit.method.compare import compare
from cmmikit.errors import InvalidValue, StoreError, UnknownEntry
from cmmikit.method.rating import NOT_RATED, SATISFIED, rate
from cmmikit.store import Appraisal, follow_up, slice_appraisal, slice_info

from old_schemas import downgrade

TINY_MODEL = Path(__file__).parent / "data" / "tiny-model"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cmmikit.cli", *args], capture_output=True, text=True)


def characterize_all(a, value="FI"):
    for practice in a.model.practices():
        for unit in ("U1", "U2"):
            a.update_record(practice.pa, practice.id, unit, characterization=value, strengths="works",
                            weaknesses="" if value == "FI" else "gap")
            a.add_evidence(practice.pa, practice.id, unit, "artifact", "doc", collected_on="2026-03-02")
            a.add_evidence(practice.pa, practice.id, unit, "affirmation", "interview", who="Process owner")


# ---------------------------------------------------------------- follow-up appraisals


def test_a_follow_up_copies_setup_team_evidence_and_characterizations_as_inherited(appraisal, new_location):
    a = appraisal
    a.update_info(sponsor="CIO", start_date="2026-03-01", end_date="2026-03-12")
    a.set_scope("SAM", "not_applicable", "no suppliers")
    a.set_assessor("Ravi", role="mini-team lead", pas=["CM", "PPQA"])
    a.update_instance("Unit A", subgroup="North")
    a.update_record("CM", "SP 1.1", "Unit A", characterization="LI", strengths="tool", weaknesses="late",
                    notes="ask again")
    a.update_record("CM", "SP 1.2", "Unit B", notes="only a note")
    a.add_evidence("CM", "SP 1.1", "Unit A", "artifact", "CM plan", location="https://x/cm", collected_on="2026-03-03")
    a.link_artifact(a.find_artifact("CM plan", "https://x/cm").id, "CM", "SP 1.2", "Unit B", statement="section 3")
    talk = a.add_affirmation("CM interview", held_on="2026-03-04", roles="CM lead", assessor="Bo")
    a.link_affirmation(talk, "CM", "SP 1.1", "Unit A", statement="baselines are named")
    a.set_practice_decision("CM", "SP 1.1", "LI", "why")
    a.add_finding("weakness", "CM", "SG 1", "late baselines")

    with follow_up(a, new_location("fu"), user="dana") as fu:
        info = fu.info()
        assert info.name == "Test appraisal follow-up" and info.sponsor == "CIO" and info.org_unit == "Test OU"
        assert (info.start_date, info.end_date) == ("", "")
        assert info.follow_up_of == f"Test appraisal ({_where(a)})"
        assert [(i.name, i.kind, i.subgroup, i.pas) for i in fu.instances()] == [
            (i.name, i.kind, i.subgroup, i.pas) for i in a.instances()]
        assert fu.scopes()["SAM"].reason == "no suppliers"
        assert [(x.name, x.role, x.pas) for x in fu.assessors()] == [("Ravi", "mini-team lead", ("CM", "PPQA"))]
        rec = fu.record("CM", "SP 1.1", "Unit A")
        assert (rec.characterization, rec.strengths, rec.weaknesses, rec.notes, rec.inherited) == (
            "LI", "tool", "late", "ask again", True)
        assert fu.record("CM", "SP 1.2", "Unit B").inherited is False     # nothing characterized to inherit
        ev = fu.evidence()[0]
        assert (ev.description, ev.location, ev.collected_on) == ("CM plan", "https://x/cm", "2026-03-03")

        def register(x):
            return [(e.id, e.kind, e.title, e.date, e.version, e.links) for e in x.register()]
        assert register(fu) == register(a) and [e.reuse for e in fu.register()] == [2, 1]
        assert fu.practice_decisions() == [] and fu.findings() == []
        assert [(c.user, c.field) for c in fu.history()] == [("dana", "follow-up")]
        assert "1 characterization(s) inherited, 2 register item(s) with 3 link(s) copied" in fu.history()[0].new
    assert a.record("CM", "SP 1.1", "Unit A").inherited is False          # the baseline is untouched


def test_an_edit_or_a_confirmation_re_assesses_an_inherited_record(appraisal, new_location):
    for unit in ("Unit A", "Unit B"):
        appraisal.update_record("CM", "SP 1.1", unit, characterization="FI")
    with follow_up(appraisal, new_location("fu"), name="Follow-up 2027") as fu:
        assert fu.info().name == "Follow-up 2027"
        fu.update_record("CM", "SP 1.1", "Unit A", notes="seen again")
        rec = fu.record("CM", "SP 1.1", "Unit B")
        fu.confirm_record("CM", "SP 1.1", "Unit B", base_version=rec.version)
        assert not any(r.inherited for r in fu.records())
        confirmed = fu.record("CM", "SP 1.1", "Unit B")
        assert confirmed.characterization == "FI" and confirmed.version == rec.version + 1
        assert [(c.field, c.new) for c in fu.history(instance="Unit B")] == [("confirmed", "FI")]
        with pytest.raises(UnknownEntry, match="nothing recorded to confirm"):
            fu.confirm_record("CM", "SP 1.2", "Unit B")
        with pytest.raises(InvalidValue, match="needs a name"):
            follow_up(appraisal, new_location("blank"), name=" ")


def test_re_assessed_only_rating_and_counts(tiny, new_location):
    characterize_all(tiny)
    with follow_up(tiny, new_location("fu")) as fu:
        fu.update_record("AA", "SP 1.1", "U1", characterization="LI", weaknesses="slipped")
        fu.confirm_record("AA", "SP 1.1", "U2")
        fu.add_evidence("AA", "SP 1.1", "U1", "artifact", "new plan")

        r = rate(fu)
        assert r.follow_up_of.startswith("Tiny (") and not r.reassessed_only
        sp = r.practices.set_index(["pa", "practice"])
        assert tuple(sp.loc[("AA", "SP 1.1"), ["n_reassessed", "n_inherited"]]) == (2, 0)
        assert tuple(sp.loc[("AA", "SP 1.2"), ["n_reassessed", "n_inherited"]]) == (0, 2)
        assert r.reassessment() == {"reassessed": 2, "inherited": 10}
        assert tuple(r.pas.set_index("pa").loc["AA", ["n_reassessed", "n_inherited"]]) == (2, 6)
        assert r.maturity.verdict == "Achieved"                    # inherited values count in the full view
        inherited = r.cells[r.cells.inherited]
        assert set(zip(inherited.pa, inherited.practice)) == {
            (p.pa, p.id) for p in fu.model.practices()} - {("AA", "SP 1.1")}
        assert "follow-up of Tiny (" in r.summary() and "2 characterization(s) re-assessed, 10 inherited" in r.summary()

        only = rate(fu, reassessed_only=True)
        assert only.reassessed_only and only.maturity.verdict == NOT_RATED
        goals = only.goals.set_index(["pa", "goal"]).rating
        assert goals[("AA", "SG 1")] == NOT_RATED and goals[("AA", "SG 2")] == NOT_RATED
        assert only.practices.set_index(["pa", "practice"]).loc[("AA", "SP 1.1"), "status"] == "characterized"
        assert only.cells[only.cells.inherited].characterization.isna().all()
        assert "inherited ones count as not characterized" in only.summary()

        # once every cell is re-assessed both views agree
        for p in fu.model.practices():
            for unit in ("U1", "U2"):
                if fu.record(p.pa, p.id, unit).inherited:
                    fu.confirm_record(p.pa, p.id, unit)
        assert rate(fu, reassessed_only=True).goals.rating.tolist() == rate(fu).goals.rating.tolist()


def test_compare_counts_re_assessed_and_inherited_per_practice_and_pa(tiny, new_location):
    characterize_all(tiny)
    with follow_up(tiny, new_location("fu")) as fu:
        fu.update_record("BB", "SP 1.1", "U1", characterization="FI", notes="re-checked")
        comp = compare(tiny, fu)
        practices = comp.practices.set_index(["pa", "practice"])
        assert tuple(practices.loc[("BB", "SP 1.1"), ["reassessed", "inherited"]]) == (1, 1)
        assert tuple(practices.loc[("AA", "SP 1.1"), ["reassessed", "inherited"]]) == (0, 2)
        pas = comp.pas.set_index("pa")
        assert tuple(pas.loc["BB", ["reassessed", "inherited"]]) == (1, 3)
        assert (comp.summary["reassessed"], comp.summary["inherited"]) == (1, 11)
        assert comp.summary["follow_up_of"].startswith("Tiny (")
        only = compare(tiny, fu, reassessed_only=True)
        assert only.summary["reassessed_only"]
        assert only.practices.set_index(["pa", "practice"]).loc[("AA", "SP 1.1"), "after"] == "not characterized"
        assert only.goals.set_index(["pa", "goal"]).loc[("BB", "SG 1"), "after"] == NOT_RATED
        assert comp.goals.set_index(["pa", "goal"]).loc[("BB", "SG 1"), "after"] == SATISFIED


def test_the_follow_up_survives_a_json_round_trip(tiny, tmp_path, new_location):
    characterize_all(tiny)
    with follow_up(tiny, new_location("fu")) as fu:
        fu.confirm_record("AA", "SP 1.1", "U1")
        data = fu.dump()
    assert data["schema_version"] == 7
    with Appraisal.restore(tmp_path / "copy.cmmi", json.loads(json.dumps(data))) as copy:
        assert copy.info().follow_up_of.startswith("Tiny (")
        assert sum(r.inherited for r in copy.records()) == 11


def test_new_from_on_the_command_line(tmp_path):
    base = tmp_path / "base.cmmi"
    assert cli("new", str(base), "--name", "Base", "--unit", "Desk").returncode == 0
    with Appraisal.open(base) as a:
        a.update_record("SD", "SP 1.1", "Desk", characterization="LI", weaknesses="late")
        a.add_evidence("SD", "SP 1.1", "Desk", "artifact", "SLA")
    result = cli("--user", "dana", "new", str(tmp_path / "fu.cmmi"), "--from", str(base), "--type", "SCAMPI B",
                 "--map", "FI=low,LI=low,PI=medium,NI=high,NY=", "--unit", "Ops")
    assert result.returncode == 0, result.stderr
    assert "follow-up of Base (" in result.stdout and "1 characterization(s) inherited" in result.stdout
    assert "1 evidence register item(s) with 1 link(s) copied" in result.stdout
    with Appraisal.open(tmp_path / "fu.cmmi") as fu:
        assert fu.info().appraisal_type == "SCAMPI B" and fu.info().name == "Base follow-up"
        assert [i.name for i in fu.instances()] == ["Desk", "Ops"]
    rated = cli("rate", str(tmp_path / "fu.cmmi"), "--reassessed-only")
    assert rated.returncode == 0 and "0 characterization(s) re-assessed, 1 inherited" in rated.stdout
    for args, message in ((("new", str(tmp_path / "x.cmmi")), "--name NAME is required"),
                          (("new", str(tmp_path / "y.cmmi"), "--from", str(base), "--model", "cmmi-svc-1.3"),
                           "--model cannot be combined with --from"),
                          (("new", str(tmp_path / "z.cmmi"), "--from", str(tmp_path / "missing.cmmi")),
                           "missing.cmmi: no such appraisal file")):
        bad = cli(*args)
        assert bad.returncode == 1 and message in bad.stderr and bad.stderr.count("\n") == 1, bad.stderr
    assert sorted(p.name for p in tmp_path.glob("*.cmmi")) == ["base.cmmi", "fu.cmmi"]


def test_an_appraisal_at_revision_0002_is_upgraded(new_location, backend):
    location = new_location("old")
    with Appraisal.create(location, name="Old") as a:
        a.add_instance("Desk", pas=["SD"])
        a.update_record("SD", "SP 1.1", "Desk", characterization="LI", weaknesses="late")
    downgrade(location, "0002", [("SD", "SP 1.1", "Desk", "artifact", "SLA", "", "Ann", "2026-01-05")])
    with Appraisal.open(location) as a:
        rec = a.record("SD", "SP 1.1", "Desk")
        assert (rec.characterization, rec.inherited, a.info().follow_up_of) == ("LI", False, "")
        assert a.update_record("SD", "SP 1.1", "Desk", notes="upgraded").inherited is False
        assert [(e.description, e.who, e.item_id) for e in a.evidence()] == [("SLA", "Ann", 1)]
    if backend == "sqlite":
        assert len(list(Path(location).parent.glob("old.cmmi.schema-0002*.bak"))) == 1


# ---------------------------------------------------------------- slices


def test_a_slice_holds_just_its_process_areas_and_remembers_its_origin(appraisal, tmp_path):
    a = appraisal
    a.set_assessor("Ravi", pas=["CM", "PPQA"])
    a.set_assessor("Lucia", pas=["SD"])
    a.update_record("CM", "SP 1.1", "Unit A", characterization="LI", weaknesses="late")
    a.update_record("SD", "SP 1.1", "Unit A", characterization="FI")
    a.add_evidence("PPQA", "SP 1.1", "QA Group", "artifact", "audit plan")
    a.add_evidence("SD", "SP 1.1", "Unit B", "artifact", "SLA")
    handbook = a.add_artifact("QA handbook", location="https://x/qa")
    a.link_artifact(handbook, "PPQA", "SP 1.2", "QA Group", statement="chapter 2")
    a.link_artifact(handbook, "SD", "SP 1.2", "Unit B")
    a.set_practice_decision("CM", "SP 1.1", "LI", "why")
    fid = a.add_finding("weakness", "CM", "SG 1", "late baselines", practices=["SP 1.1"], instances=["Unit A"])
    a.add_action(fid, "baseline weekly", owner="Ann")
    a.add_finding("weakness", "SD", "SG 1", "no SLA review")

    with slice_appraisal(a, tmp_path / "ravi.cmmi", assessor="Ravi", user="lead") as piece:
        info = slice_info(piece)
        assert info.pas == ("CM", "PPQA") and info.assessor == "Ravi" and info.created_by == "lead"
        assert info.origin == _where(a) and info.origin_name == "Test appraisal"
        assert piece.info().name == "Test appraisal [slice CM, PPQA for Ravi]"
        assert {r.pa for r in piece.records()} == {"CM"} and {e.pa for e in piece.evidence()} == {"PPQA"}
        assert [(e.title, [(k.pa, k.practice, k.instance, k.statement) for k in e.links]) for e in piece.register()] == [
            ("audit plan", [("PPQA", "SP 1.1", "QA Group", "")]),
            ("QA handbook", [("PPQA", "SP 1.2", "QA Group", "chapter 2")])]       # the SD link and SLA stay behind
        assert [i.name for i in piece.instances()] == ["Unit A", "Unit B", "QA Group"]
        assert {i.pas for i in piece.instances()} == {("CM", "PPQA")}
        scopes = piece.scopes()
        assert scopes["CM"].scope == "in_scope" and scopes["SD"].scope == "out_of_scope"
        assert scopes["SD"].reason == "not in this slice (CM, PPQA)"
        assert [(f.pa, f.statement) for f in piece.findings()] == [("CM", "late baselines")]
        assert [x.description for x in piece.actions()] == ["baseline weekly"]
        assert [d.practice for d in piece.practice_decisions()] == ["SP 1.1"]
        assert {c.pa for c in piece.history() if c.pa} == {"CM", "PPQA"}
        assert piece.history()[-1].field == "sliced"
    assert slice_info(a) is None


def test_slicing_refuses_bad_requests_and_writes_nothing(appraisal, tmp_path):
    target = tmp_path / "s.cmmi"
    for kwargs, error, message in (
            ({"pas": []}, InvalidValue, "at least one process area"),
            ({"pas": ["XYZ"]}, UnknownEntry, "not in model"),
            ({"pas": [], "assessor": "Nobody"}, InvalidValue, "no assessor named 'Nobody'")):
        with pytest.raises(error, match=message):
            slice_appraisal(appraisal, target, **kwargs)
    with pytest.raises(StoreError, match="a slice is always a file"):
        slice_appraisal(appraisal, "postgresql+psycopg://u@h/db?appraisal=x", ["CM"])
    assert not target.exists()


def _where(a) -> str:
    return str(Path(a.address).resolve()) if a.location.path is not None else a.location.shareable
