"""The appraisal store: autosave transactions, refusal of foreign files, JSON round trip."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cmmikit.errors import ImportProblem, InvalidValue, NotAnAppraisal, SchemaTooNew, StoreError, UnknownEntry
from cmmikit.store import Appraisal, Response


def test_create_and_reopen_keeps_everything(tmp_path):
    path = tmp_path / "x.cmmi"
    with Appraisal.create(path, name="X", org_unit="OU", appraisal_type="Self-appraisal") as a:
        a.add_instance("Desk", subgroup="Ops", pas=["SD", "CM"])
        a.add_instance("QA", "support_function", pas=["PPQA"])
        a.set_scope("SAM", "not_applicable", "no suppliers")
        a.set_assessor("Ann", role="Lead", pas=["SD"])
        a.update_record("SD", "SP 1.1", "Desk", characterization="LI", weaknesses="late reviews")
        eid = a.add_evidence("SD", "SP 1.1", "Desk", "artifact", "SLA document", location="https://x/sla")
    with Appraisal.open(path) as a:
        assert a.info().appraisal_type == "Self-appraisal" and a.info().org_unit == "OU"
        assert [(i.name, i.kind, i.pas) for i in a.instances()] == [
            ("Desk", "basic_unit", ("CM", "SD")), ("QA", "support_function", ("PPQA",))]
        assert a.scopes()["SAM"].scope == "not_applicable" and a.scopes()["SD"].scope == "in_scope"
        assert a.assessors()[0].pas == ("SD",)
        rec = a.record("SD", "SP 1.1", "Desk")
        assert (rec.characterization, rec.weaknesses) == ("LI", "late reviews")
        assert a.evidence(instance="Desk")[0].id == eid


def test_instances_rename_and_remove_cascade(appraisal):
    appraisal.update_record("CM", "SP 1.1", "Unit A", characterization="FI")
    appraisal.add_evidence("CM", "SP 1.1", "Unit A", "affirmation", "Interview")
    appraisal.update_instance("Unit A", new_name="Unit Alpha", subgroup="North")
    assert appraisal.record("CM", "SP 1.1", "Unit Alpha").characterization == "FI"
    appraisal.remove_instance("Unit Alpha")
    assert appraisal.records() == [] and appraisal.evidence() == []
    with pytest.raises(UnknownEntry):
        appraisal.record("CM", "SP 1.1", "Unit Alpha")


def test_invalid_values_are_refused_and_nothing_changes(appraisal):
    with pytest.raises(InvalidValue, match="characterization"):
        appraisal.update_record("CM", "SP 1.1", "Unit A", characterization="XI")
    with pytest.raises(UnknownEntry, match="no practice"):
        appraisal.update_record("CM", "SP 9.9", "Unit A", characterization="FI")
    with pytest.raises(UnknownEntry, match="not in model"):
        appraisal.set_scope("XYZ", "in_scope")
    with pytest.raises(InvalidValue, match="reason"):
        appraisal.set_scope("SAM", "not_applicable")
    with pytest.raises(InvalidValue, match="already exists"):
        appraisal.add_instance("Unit A")
    assert appraisal.records() == []


def test_blank_characterization_clears_the_value(appraisal):
    appraisal.set_characterization("CM", "SP 1.1", "Unit A", "PI")
    appraisal.set_characterization("CM", "SP 1.1", "Unit A", "")
    assert appraisal.record("CM", "SP 1.1", "Unit A").characterization is None


def test_failed_transaction_rolls_back_as_a_whole(appraisal):
    with pytest.raises(InvalidValue):
        with appraisal.transaction():
            appraisal.set_characterization("CM", "SP 1.1", "Unit A", "FI")
            appraisal.set_characterization("CM", "SP 1.2", "Unit A", "bogus")
    assert appraisal.records() == []


def test_a_killed_process_keeps_every_committed_change(tmp_path):
    path = tmp_path / "k.cmmi"
    Appraisal.create(path, name="K").close()
    script = textwrap.dedent(f"""
        import os
        from cmmikit.store import Appraisal
        a = Appraisal.open({str(path)!r})
        a.add_instance("U")
        a.set_characterization("SD", "SP 1.1", "U", "FI")
        a._conn.execute("BEGIN IMMEDIATE")
        a._conn.execute("DELETE FROM practice_records")  # uncommitted when the process dies
        os._exit(9)
    """)
    assert subprocess.run([sys.executable, "-c", script]).returncode == 9
    with Appraisal.open(path) as a:
        assert a.record("SD", "SP 1.1", "U").characterization == "FI"


def test_foreign_files_are_refused_and_left_untouched(tmp_path):
    text = tmp_path / "notes.cmmi"
    text.write_bytes(b"just some notes\n")
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    empty = tmp_path / "empty.cmmi"
    empty.write_bytes(b"")
    for path in (text, other, empty):
        before = path.read_bytes()
        with pytest.raises(NotAnAppraisal, match="untouched"):
            Appraisal.open(path)
        assert path.read_bytes() == before
        assert not Path(f"{path}-wal").exists()


def test_corrupt_appraisal_is_refused_untouched(tmp_path):
    path = tmp_path / "c.cmmi"
    with Appraisal.create(path, name="C") as a:
        for n in range(50):
            a.add_instance(f"Unit {n}", description="x" * 500)
    data = bytearray(path.read_bytes())
    data[4096:8192] = b"\xff" * 4096  # scribble over a page
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="untouched"):
        Appraisal.open(path)
    assert path.read_bytes() == bytes(data)


def test_newer_schema_is_refused_untouched(tmp_path):
    path = tmp_path / "new.cmmi"
    Appraisal.create(path, name="N").close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(SchemaTooNew, match="newer cmmikit"):
        Appraisal.open(path)
    assert path.read_bytes() == before


def test_create_refuses_to_overwrite_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "a.cmmi"
    Appraisal.create(path, name="A").close()
    with pytest.raises(StoreError, match="already exists"):
        Appraisal.create(path, name="B")
    with Appraisal.open(path) as a:
        assert a.info().name == "A"
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("a.cmmi")] == []


def test_new_files_get_ordinary_permissions(tmp_path):
    import os
    import stat

    umask = os.umask(0o022)
    try:
        Appraisal.create(tmp_path / "p.cmmi", name="P").close()
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "p.cmmi").stat().st_mode) == 0o644


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="no such appraisal file"):
        Appraisal.open(tmp_path / "nope.cmmi")


def test_decisions_need_a_rationale(appraisal):
    with pytest.raises(InvalidValue, match="rationale"):
        appraisal.set_practice_decision("CM", "SP 1.1", "LI", "  ")
    appraisal.set_practice_decision("CM", "SP 1.1", "LI", "weaknesses minor", decided_by="team")
    appraisal.set_goal_decision("CM", "SG 1", "baselines unusable in practice")
    assert appraisal.practice_decisions()[0].value == "LI"
    assert appraisal.goal_decisions()[0].rating == "Unsatisfied"


def test_findings_actions_and_responses(appraisal):
    fid = appraisal.add_finding("weakness", "CM", "SG 1", "No baseline", origin="generated",
                                practices=["SP 1.1", "SP 1.3"], instances=["Unit A"], effort=3)
    appraisal.update_finding(fid, statement="Baselines are not created", impact=4)
    aid = appraisal.add_action(fid, "Define baselines", owner="Ann", due_date="2026-12-01")
    appraisal.update_action(aid, status="done")
    found = appraisal.finding(fid)
    assert (found.statement, found.practices, found.instances, found.impact, found.edited) == (
        "Baselines are not created", ("SP 1.1", "SP 1.3"), ("Unit A",), 4, True)
    assert appraisal.actions()[0].status == "done"
    appraisal.replace_responses("Unit A", [Response("Unit A", "CM", "SP 1.1", 1, "Yes")], source="q.xlsx")
    appraisal.replace_responses("Unit A", [Response("Unit A", "CM", "SP 1.1", 1, "Partly")], source="q2.xlsx")
    assert [(r.answer, r.source) for r in appraisal.responses()] == [("Partly", "q2.xlsx")]
    appraisal.delete_finding(fid)
    assert appraisal.actions() == []


def test_json_dump_restores_an_identical_appraisal(demo, tmp_path):
    fid = demo.add_finding("weakness", "MA", "SG 1", '=HYPERLINK("x") <b>', practices=["SP 1.1"],
                           instances=["Service Desk"])
    demo.add_action(fid, "Fix measures", owner="Bo")
    dump = demo.dump()
    text = json.dumps(dump, sort_keys=True)
    with Appraisal.restore(tmp_path / "copy.cmmi", json.loads(text)) as copy:
        assert json.dumps(copy.dump(), sort_keys=True) == text


def test_restore_refuses_bad_data_and_writes_nothing(demo, tmp_path):
    data = demo.dump()
    data["practice_records"][0]["characterization"] = "XX"
    data["evidence"][0]["instance_id"] = 999
    target = tmp_path / "bad.cmmi"
    with pytest.raises(ImportProblem) as info:
        Appraisal.restore(target, data)
    assert "practice_records row 1" in str(info.value)
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("demo.cmmi")] == []
    with pytest.raises(ImportProblem, match="not a cmmikit appraisal export"):
        Appraisal.restore(target, {"format": "something else"})


def test_backup_is_a_consistent_copy(demo, tmp_path):
    copy = demo.backup(tmp_path / "b.cmmi")
    with Appraisal.open(copy) as b:
        assert b.dump() == demo.dump()
