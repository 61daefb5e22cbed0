"""The appraisal store on both backends: autosave transactions, versions and conflicts, stable ids, the change log,
snapshots, refusal of foreign files, upgrades of old files, JSON round trip."""

from __future__ import annotations

import json
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cmmikit.errors import (ConflictError, ImportProblem, InvalidValue, NotAnAppraisal,
                            SchemaTooNew, StoreBusy, StoreError, UnknownEntry)
from cmmikit.store import Appraisal, Response, current_user


def test_create_and_reopen_keeps_everything(new_location):
    location = new_location("x")
    with Appraisal.create(location, name="X", org_unit="OU", appraisal_type="Self-appraisal") as a:
        a.add_instance("Desk", subgroup="Ops", pas=["SD", "CM"])
        a.add_instance("QA", "support_function", pas=["PPQA"])
        a.set_scope("SAM", "not_applicable", "no suppliers")
        a.set_assessor("Ann", role="Lead", pas=["SD"])
        a.update_record("SD", "SP 1.1", "Desk", characterization="LI", weaknesses="late reviews")
        eid = a.add_evidence("SD", "SP 1.1", "Desk", "artifact", "SLA document", location="https://x/sla")
    with Appraisal.open(location) as a:
        assert a.info().appraisal_type == "Self-appraisal" and a.info().org_unit == "OU"
        assert [(i.name, i.kind, i.pas) for i in a.instances()] == [
            ("Desk", "basic_unit", ("CM", "SD")), ("QA", "support_function", ("PPQA",))]
        assert a.scopes()["SAM"].scope == "not_applicable" and a.scopes()["SD"].scope == "in_scope"
        assert a.assessors()[0].pas == ("SD",)
        rec = a.record("SD", "SP 1.1", "Desk")
        assert (rec.characterization, rec.weaknesses, rec.version) == ("LI", "late reviews", 1)
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
    assert [c for c in appraisal.history() if c.entity == "record"] == []


# ------------------------------------------------------------------ versions and conflicts


def test_versions_rise_with_each_change_and_stale_writes_conflict(appraisal):
    first = appraisal.update_record("SD", "SP 1.1", "Unit A", characterization="LI", base_version=0)
    assert first.version == 1
    second = appraisal.update_record("SD", "SP 1.1", "Unit A", weaknesses="no review", base_version=1)
    assert second.version == 2
    with pytest.raises(ConflictError) as info:
        appraisal.update_record("SD", "SP 1.1", "Unit A", characterization="FI", base_version=1)
    err = info.value
    assert err.changed_by == appraisal.user and err.current["characterization"] == "LI"
    assert "changed by" in str(err) and "LI" in str(err) and "not saved" in str(err)
    assert appraisal.record("SD", "SP 1.1", "Unit A").characterization == "LI"
    # None = unconditional (scripts): saves over whatever is there
    assert appraisal.update_record("SD", "SP 1.1", "Unit A", characterization="FI").version == 3


def test_every_kind_of_row_is_versioned(appraisal):
    eid = appraisal.add_evidence("CM", "SP 1.1", "Unit A", "artifact", "Plan")
    appraisal.update_evidence(eid, description="CM plan v2", base_version=1)
    with pytest.raises(ConflictError):
        appraisal.update_evidence(eid, description="stale", base_version=1)
    appraisal.set_practice_decision("CM", "SP 1.1", "LI", "minor gaps", base_version=0)
    with pytest.raises(ConflictError):
        appraisal.set_practice_decision("CM", "SP 1.1", "PI", "other view", base_version=0)
    fid = appraisal.add_finding("weakness", "CM", "SG 1", "No baselines")
    appraisal.update_finding(fid, statement="Baselines missing", base_version=1)
    with pytest.raises(ConflictError):
        appraisal.update_finding(fid, statement="stale", base_version=1)
    aid = appraisal.add_action(fid, "Define baselines")
    with pytest.raises(ConflictError):
        appraisal.update_action(aid, status="done", base_version=7)
    info = appraisal.info()
    appraisal.update_info(sponsor="CIO", base_version=info.version)
    with pytest.raises(ConflictError):
        appraisal.update_info(sponsor="CEO", base_version=info.version)
    inst = appraisal.instances()[0]
    appraisal.update_instance(inst.name, subgroup="North", base_version=inst.version)
    with pytest.raises(ConflictError):
        appraisal.update_instance(inst.name, subgroup="South", base_version=inst.version)
    assert appraisal.evidence()[0].version == 2 and appraisal.finding(fid).version == 2


def test_ids_are_never_reused_and_writes_to_removed_rows_fail(appraisal):
    removed = appraisal.instances()[0]
    eid = appraisal.add_evidence("SD", "SP 1.1", removed.name, "artifact", "Doc")
    appraisal.remove_instance(removed.name)
    new_id = appraisal.add_instance("Unit Y")
    assert new_id > max(i.id for i in appraisal.instances() if i.name != "Unit Y") and new_id != removed.id
    with pytest.raises(UnknownEntry):
        appraisal.update_evidence(eid, description="gone")
    assert appraisal.add_evidence("SD", "SP 1.1", "Unit Y", "artifact", "Doc") != eid


def test_a_stale_session_cannot_write_to_a_removed_and_readded_unit(new_location):
    location = new_location("ab")
    with Appraisal.create(location, name="AB", user="ann") as a:
        a.add_instance("X")
        a.update_record("SD", "SP 1.1", "X", characterization="LI")
    with Appraisal.open(location, user="ann") as session_a, Appraisal.open(location, user="bo") as session_b:
        seen = session_b.record("SD", "SP 1.1", "X")           # B reads X
        session_a.remove_instance("X")                          # A removes X and adds Y
        session_a.add_instance("Y")
        with pytest.raises(UnknownEntry, match="'X'"):
            session_b.update_record("SD", "SP 1.1", "X", characterization="FI", base_version=seen.version)
        session_a.add_instance("X")                             # a new unit with the old name
        with pytest.raises(ConflictError):
            session_b.update_record("SD", "SP 1.1", "X", characterization="FI", base_version=seen.version)
        assert session_a.records() == []


# ------------------------------------------------------------------ who and the change log


def test_history_names_the_user_with_old_and_new_values(new_location, monkeypatch):
    monkeypatch.setenv("CMMIKIT_USER", "ravi")
    monkeypatch.setenv("JUPYTERHUB_USER", "not-this-one")
    assert current_user() == "ravi" and current_user("dana") == "dana"
    with Appraisal.create(new_location("h"), name="H") as a:
        a.add_instance("Desk")
        a.update_record("SD", "SP 1.1", "Desk", characterization="PI")
        a.update_record("SD", "SP 1.1", "Desk", characterization="LI", weaknesses="late")
        changes = [c for c in a.history(pa="SD", practice="SP 1.1", instance="Desk") if c.field == "characterization"]
        assert [(c.user, c.old, c.new) for c in changes] == [("ravi", None, "PI"), ("ravi", "PI", "LI")]
        assert a.history(user="ravi") and not a.history(user="nobody")
        assert a.last_changes("SD", "SP 1.1")["Desk"].new == "late"
        assert a.record("SD", "SP 1.1", "Desk").updated_by == "ravi"
        monkeypatch.delenv("CMMIKIT_USER")
        assert current_user() == "not-this-one"


def test_decisions_need_a_rationale_and_record_who_decided(appraisal):
    with pytest.raises(InvalidValue, match="rationale"):
        appraisal.set_practice_decision("CM", "SP 1.1", "LI", "  ")
    appraisal.set_practice_decision("CM", "SP 1.1", "LI", "weaknesses minor", decided_by="team")
    appraisal.set_goal_decision("CM", "SG 1", "baselines unusable in practice")
    assert appraisal.practice_decisions()[0].value == "LI"
    assert appraisal.goal_decisions()[0].rating == "Unsatisfied"
    assert appraisal.goal_decisions()[0].decided_by == appraisal.user


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


# ------------------------------------------------------------------ many sessions, many processes


def _run(script: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-c", textwrap.dedent(script), *args], capture_output=True, text=True,
                          timeout=300, env={**os.environ, **(env or {})})


def test_reopening_in_one_process_while_another_opens_and_closes_loses_nothing(tmp_path):
    path = tmp_path / "team.cmmi"
    with Appraisal.create(path, name="Team") as a:
        a.add_instance("Desk")
    first = Appraisal.open(path)                   # a notebook cell ...
    second = Appraisal.open(path)                  # ... run again in the same kernel
    acknowledged = []
    for n, practice in enumerate(["SP 1.1", "SP 1.2", "SP 2.1", "SP 2.2", "SP 2.3", "SP 3.1"]):
        handle = first if n % 2 else second
        handle.update_record("SD", practice, "Desk", characterization="FI")
        acknowledged.append(practice)
        other = _run("import sys; from cmmikit.store import Appraisal; from cmmikit.method.rating import rate\n"
                     "with Appraisal.open(sys.argv[1]) as a: rate(a)", str(path))   # a colleague's `cmmikit rate`
        assert other.returncode == 0, other.stderr
    first.close()
    second.close()
    check = sqlite3.connect(path)
    try:
        stored = {r[0] for r in check.execute("SELECT practice FROM practice_records WHERE characterization = 'FI'")}
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        check.close()
    assert stored == set(acknowledged)


def test_two_processes_with_the_same_base_version_get_exactly_one_conflict(new_location):
    location = new_location("race")
    with Appraisal.create(location, name="Race") as a:
        a.add_instance("Desk")
        base = a.update_record("SD", "SP 1.1", "Desk", characterization="PI").version
    script = """
        import sys, time
        from cmmikit.errors import ConflictError
        from cmmikit.store import Appraisal
        location, value, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
        with Appraisal.open(location, user=value) as a:
            a.record("SD", "SP 1.1", "Desk")
            time.sleep(max(0, start - time.time()))
            try:
                a.update_record("SD", "SP 1.1", "Desk", characterization=value, base_version=%d)
                print("saved", value)
            except ConflictError as exc:
                print("conflict", exc.changed_by)
    """ % base
    import time

    start = str(time.time() + 3)
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(script), location, value, start],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for value in ("FI", "LI")]
    outputs = [p.communicate(timeout=120) for p in procs]
    lines = sorted(out.strip() for out, _ in outputs)
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    assert [line.split()[0] for line in lines] == ["conflict", "saved"], lines
    winner = next(line.split()[1] for line in lines if line.startswith("saved"))
    loser_saw = next(line.split()[1] for line in lines if line.startswith("conflict"))
    assert loser_saw == winner
    with Appraisal.open(location) as a:
        assert a.record("SD", "SP 1.1", "Desk").characterization == winner


def test_kill_9_during_a_stream_of_writes_keeps_every_acknowledged_write(new_location, tmp_path):
    location = new_location("kill")
    with Appraisal.create(location, name="Kill") as a:
        a.add_instance("Desk")
    practices = [p.id for p in a.model.pa("WP").practices]
    script = """
        import sys
        from cmmikit.store import Appraisal
        practices = sys.argv[2].split(",")
        with Appraisal.open(sys.argv[1]) as a:
            n = 0
            while True:
                practice = practices[n % len(practices)]
                a.update_record("WP", practice, "Desk", notes=str(n))
                a.add_evidence("WP", practice, "Desk", "artifact", f"doc {n}")
                print(n, flush=True)   # acknowledged
                n += 1
    """
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script), location, ",".join(practices)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    acknowledged = -1
    for line in proc.stdout:
        acknowledged = int(line)
        if acknowledged >= 60:
            break
    proc.kill()
    proc.wait()
    assert acknowledged >= 60, proc.stderr.read()
    with Appraisal.open(location) as a:
        notes = {r.practice: int(r.notes) for r in a.records("WP")}
        descriptions = {e.description for e in a.evidence()}
    for n in range(acknowledged + 1):
        assert notes[practices[n % len(practices)]] >= n
        assert f"doc {n}" in descriptions
    if not location.startswith("postgresql"):
        conn = sqlite3.connect(location)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()


def test_an_export_taken_while_another_process_writes_is_one_snapshot(new_location):
    location = new_location("snap")
    with Appraisal.create(location, name="Snap") as a:
        a.add_instance("Desk")
        a.add_instance("Ops")
    writer = """
        import sys, itertools
        from cmmikit.store import Appraisal
        with Appraisal.open(sys.argv[1]) as a:
            for n in itertools.count():
                with a.transaction():   # both units always hold the same counter
                    a.update_record("SD", "SP 1.1", "Desk", notes=str(n))
                    a.update_record("SD", "SP 1.1", "Ops", notes=str(n))
                if n == 0:
                    print("started", flush=True)
    """
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(writer), location], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "started", proc.stderr.read()
        with Appraisal.open(location) as a:
            seen = set()
            for _ in range(15):
                dump = a.dump()
                notes = {r["instance_id"]: r["notes"] for r in dump["practice_records"]}
                assert len(set(notes.values())) == 1, notes
                seen.add(next(iter(notes.values())))
                streamed = json.loads("".join(a.dump_json()))
                assert len({r["notes"] for r in streamed["practice_records"]}) == 1
            assert len(seen) > 1  # the writer really was writing meanwhile
    finally:
        proc.kill()
        proc.wait()


def test_a_long_transaction_elsewhere_gives_one_busy_line(tmp_path, monkeypatch):
    path = tmp_path / "busy.cmmi"
    with Appraisal.create(path, name="Busy") as a:
        a.add_instance("Desk")
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sys, time
        from cmmikit.store import Appraisal
        with Appraisal.open(sys.argv[1]) as a, a.transaction():
            a.update_record("SD", "SP 1.1", "Desk", notes="held")
            print("holding", flush=True)
            time.sleep(30)
    """), str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "holding"
        monkeypatch.setenv("CMMIKIT_BUSY_TIMEOUT", "1")
        with Appraisal.open(path) as a:
            with pytest.raises(StoreBusy, match="busy: another session is writing; try again$"):
                a.update_record("SD", "SP 1.2", "Desk", notes="mine")
            assert a.record("SD", "SP 1.1", "Desk").notes == ""   # readers are never blocked
        cli = subprocess.run([sys.executable, "-m", "cmmikit.cli", "new", str(path), "--name", "x", "--force"],
                             capture_output=True, text=True)
        assert cli.returncode == 1 and "open in another session" in cli.stderr and "Traceback" not in cli.stderr
    finally:
        proc.kill()
        proc.wait()
    with Appraisal.open(path) as a:
        assert a.record("SD", "SP 1.2", "Desk").notes == ""


# ------------------------------------------------------------------ files: foreign, damaged, newer, old, read-only


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
        assert not Path(f"{path}-wal").exists() and not Path(f"{path}-shm").exists()


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
    assert not Path(f"{path}-wal").exists()


def test_newer_schema_is_refused_untouched(tmp_path):
    path = tmp_path / "new.cmmi"
    Appraisal.create(path, name="N").close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(SchemaTooNew, match="newer cmmikit"):
        Appraisal.open(path)
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()


def test_a_file_of_the_previous_release_is_upgraded_after_a_backup(tmp_path):
    from cmmikit.store.migrations.versions import __name__ as _  # noqa: F401  (the folder is importable)

    path = tmp_path / "old.cmmi"
    _write_release_0_1_file(path)
    with Appraisal.open(path, user="ann") as a:
        assert [i.name for i in a.instances()] == ["Desk", "Ops"]
        rec = a.record("SD", "SP 1.1", "Desk")
        assert (rec.characterization, rec.weaknesses, rec.version) == ("PI", "late", 1)
        assert a.evidence()[0].description == "SLA" and a.findings()[0].statement == "No SLA reviews"
        sla, = a.register()                   # the evidence row became a register entry linked to its cell
        assert (sla.title, sla.kind, sla.cells) == ("SLA", "direct", (("SD", "SP 1.1", "Desk"),))
        a.remove_instance("Ops")
        assert a.add_instance("New") > 2      # ids of the old file are not handed out again
        a.update_record("SD", "SP 1.1", "Desk", characterization="LI", base_version=1)
    backups = list(tmp_path.glob("old.cmmi.schema-0001*.bak"))
    assert len(backups) == 1
    legacy = sqlite3.connect(backups[0])
    assert legacy.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "1"
    legacy.close()
    with Appraisal.open(path) as again:   # already upgraded: no second backup
        assert again.record("SD", "SP 1.1", "Desk").characterization == "LI"
    assert len(list(tmp_path.glob("*.bak"))) == 1


def test_the_migrations_build_the_same_schema_as_a_new_file(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from cmmikit.store import tables

    path = tmp_path / "old.cmmi"
    _write_release_0_1_file(path)
    Appraisal.open(path).close()
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    engine.dispose()
    assert diff == []


def _write_release_0_1_file(path: Path) -> None:
    """A file exactly as cmmikit 0.1 wrote it (its schema is migration 0001's)."""
    import importlib

    initial = importlib.import_module("cmmikit.store.migrations.versions.0001_initial")
    conn = sqlite3.connect(path)
    conn.executescript(initial.SCHEMA)
    conn.executescript("""
        INSERT INTO meta VALUES ('application', 'cmmikit'), ('schema_version', '1');
        INSERT INTO appraisal (id, name, model_id) VALUES (1, 'Old', 'cmmi-svc-1.3');
        INSERT INTO instances (id, name, kind, position) VALUES (1, 'Desk', 'basic_unit', 1), (2, 'Ops', 'basic_unit', 2);
        INSERT INTO instance_pas VALUES (1, 'SD'), (2, 'SD');
        INSERT INTO practice_records (pa, practice, instance_id, characterization, weaknesses, updated_at)
            VALUES ('SD', 'SP 1.1', 1, 'PI', 'late', '2026-01-01');
        INSERT INTO evidence (pa, practice, instance_id, kind, description) VALUES ('SD', 'SP 1.1', 1, 'artifact', 'SLA');
        INSERT INTO findings (kind, pa, goal, statement, origin, created_at, updated_at)
            VALUES ('weakness', 'SD', 'SG 1', 'No SLA reviews', 'manual', '2026-01-01', '2026-01-01');
    """)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.commit()
    conn.close()


READ_ONLY_CHECK = """
import sys
from cmmikit.errors import ReadOnlyAppraisal
from cmmikit.store import Appraisal
with Appraisal.open(sys.argv[1]) as a:
    print(a.instances()[0].name)
    try:
        a.add_instance("X")
    except ReadOnlyAppraisal as exc:
        print(exc)
"""


def test_a_read_only_appraisal_can_be_read_but_not_changed(tmp_path):
    """A file and folder the user may not write (root runs the check without its power to ignore permissions)."""
    import os

    path = tmp_path / "ro.cmmi"
    with Appraisal.create(path, name="RO") as a:
        a.add_instance("Desk")
    before = path.read_bytes()
    path.chmod(0o444)
    tmp_path.chmod(0o555)
    powerless = (["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner"]
                 if os.geteuid() == 0 else [])
    try:
        result = subprocess.run([*powerless, sys.executable, "-c", READ_ONLY_CHECK, str(path)], capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == "Desk" and lines[1].startswith("read-only: "), result.stdout
        assert path.read_bytes() == before
    finally:
        tmp_path.chmod(0o755)


def test_create_refuses_to_overwrite_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "a.cmmi"
    Appraisal.create(path, name="A").close()
    with pytest.raises(StoreError, match="already exists.*--force"):
        Appraisal.create(path, name="B")
    with Appraisal.open(path) as a:
        assert a.info().name == "A"
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("a.cmmi")] == []


def test_replacing_an_appraisal_open_elsewhere_is_refused(tmp_path):
    path = tmp_path / "open.cmmi"
    with Appraisal.create(path, name="Open") as a:
        a.add_instance("Desk")
        data = a.dump()
        with pytest.raises(StoreError, match="open in this session"):
            Appraisal.restore(path, data, overwrite=True)
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sys, time
        from cmmikit.store import Appraisal
        with Appraisal.open(sys.argv[1]) as a:
            a.update_record("SD", "SP 1.1", "Desk", notes="theirs")
            print("open", flush=True)
            time.sleep(30)
    """), str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "open"
        with pytest.raises(StoreError, match="open in another session"):
            Appraisal.restore(path, data, overwrite=True)
    finally:
        proc.kill()
        proc.wait()
    with Appraisal.open(path) as a:
        assert a.record("SD", "SP 1.1", "Desk").notes == "theirs"


def test_a_session_notices_its_file_was_replaced_before_saving(tmp_path):
    import os

    path = tmp_path / "swap.cmmi"
    with Appraisal.create(path, name="Swap") as a:
        a.add_instance("Desk")
        Appraisal.create(tmp_path / "other.cmmi", name="Other").close()
        os.replace(tmp_path / "other.cmmi", path)       # replaced by a program that does not ask
        with pytest.raises(StoreError, match="replaced"):
            a.update_record("SD", "SP 1.1", "Desk", notes="lost?")


def test_new_files_get_ordinary_permissions(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        Appraisal.create(tmp_path / "p.cmmi", name="P").close()
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "p.cmmi").stat().st_mode) == 0o644


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="no such appraisal file"):
        Appraisal.open(tmp_path / "nope.cmmi")


# ------------------------------------------------------------------ JSON exchange and copies


def test_json_dump_restores_an_identical_appraisal(demo, new_location):
    fid = demo.add_finding("weakness", "MA", "SG 1", '=HYPERLINK("x") <b>', practices=["SP 1.1"],
                           instances=["Service Desk"])
    demo.add_action(fid, "Fix measures", owner="Bo")
    dump = demo.dump()
    text = json.dumps(dump, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert "".join(demo.dump_json()) == text     # the streamed export is the same text
    with Appraisal.restore(new_location("copy"), json.loads(text)) as copy:
        again = copy.dump()
        restored = again["changes"].pop()
        assert restored["field"] == "restored"
        assert json.dumps(again, sort_keys=True, indent=2, ensure_ascii=False) + "\n" == text


def test_restore_refuses_bad_data_and_writes_nothing(demo, tmp_path):
    data = demo.dump()
    data["practice_records"][0]["characterization"] = "XX"
    data["evidence_links"][0]["instance_id"] = 999
    data["instances"][1]["name"] = 5
    target = tmp_path / "bad.cmmi"
    with pytest.raises(ImportProblem) as info:
        Appraisal.restore(target, data)
    assert "instances[1].name: " in str(info.value)
    data["instances"][1]["name"] = "Fine"
    with pytest.raises(ImportProblem) as info:
        Appraisal.restore(target, data)
    assert "practice_records[0].characterization: 'XX'" in str(info.value)
    assert "evidence_links[0].instance_id: no instance with id 999" in str(info.value)
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("demo.cmmi")] == []
    with pytest.raises(ImportProblem, match="not a cmmikit appraisal export"):
        Appraisal.restore(target, {"format": "something else"})


def test_backup_is_a_consistent_copy(demo, tmp_path, new_location):
    copy = demo.backup(tmp_path / "b.cmmi")
    with Appraisal.open(copy) as b:
        assert b.dump() == demo.dump()
    with Appraisal.restore(new_location("server"), demo.dump(), record=False) as other:   # a server appraisal ...
        other.backup(tmp_path / "c.cmmi")                                                 # ... into a file
    with Appraisal.open(tmp_path / "c.cmmi") as c:
        assert c.dump() == demo.dump()


def test_an_unreachable_server_is_one_line_without_the_password():
    from cmmikit.errors import StoreUnavailable

    url = "postgresql+psycopg://team:Hunter2-secret@127.0.0.1:9/appraisals?appraisal=northwind"
    with pytest.raises(StoreUnavailable) as info:
        Appraisal.open(url)
    message = str(info.value)
    assert "cannot reach the appraisal server" in message and "Hunter2-secret" not in message
    assert "team:***@127.0.0.1:9" in message and "\n" not in message
