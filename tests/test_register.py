"""The evidence register on both backends: items registered once and linked to many cells, reuse counts, search,
the stale flag, versions and the change log, the evidence API of earlier releases on top of it, and the upgrade of
older appraisals' evidence rows into the register."""

from __future__ import annotations

import importlib
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from cmmikit.errors import ConflictError, InvalidValue, UnknownEntry
from cmmikit.store import Appraisal, Cell
from cmmikit.store.location import parse

from old_schemas import downgrade


def test_an_artifact_registered_once_supports_many_cells(appraisal):
    plan = appraisal.add_artifact("CM plan", location="https://wiki/cm-plan", owner="Ann", effective_date="2026-03-01")
    first = appraisal.link_artifact(plan, "CM", "SP 1.1", "Unit A", statement="section 2 lists the items")
    appraisal.link_artifact(plan, "CM", "SP 1.2", "Unit A")
    appraisal.link_artifact(plan, "CM", "SP 1.1", "Unit B")
    assert appraisal.link_artifact(plan, "CM", "SP 1.1", "Unit A") == first     # linked already: the same link
    talk = appraisal.add_affirmation("CM interview", held_on="2026-05-04", roles="CM lead, developer", assessor="Bo")
    appraisal.link_affirmation(talk, "CM", "SP 1.1", "Unit A", statement="baselines are named in the plan")

    entry = appraisal.artifact(plan)
    assert entry.reuse == 3 and entry.cells == (Cell("CM", "SP 1.1", "Unit A"), Cell("CM", "SP 1.1", "Unit B"),
                                                Cell("CM", "SP 1.2", "Unit A"))
    assert entry.links[0].statement == "section 2 lists the items"
    counts = appraisal.evidence_counts()
    assert counts[("CM", "SP 1.1", "Unit A")] == {"artifact": 1, "affirmation": 1}
    assert counts[("CM", "SP 1.2", "Unit A")] == {"artifact": 1, "affirmation": 0}
    cell = appraisal.evidence("CM", "SP 1.1", "Unit A")
    assert [(e.kind, e.description, e.item_id, e.statement) for e in cell] == [
        ("artifact", "CM plan", plan, "section 2 lists the items"),
        ("affirmation", "CM interview", talk, "baselines are named in the plan")]
    assert cell[1].who == "CM lead, developer" and cell[1].collected_on == "2026-05-04"

    appraisal.unlink(first)
    assert appraisal.artifact(plan).reuse == 2 and ("CM", "SP 1.1", "Unit A") in appraisal.evidence_counts()
    for link in appraisal.artifact(plan).links:
        appraisal.unlink(link.id)
    assert appraisal.artifact(plan).reuse == 0             # still registered, ready to be linked again
    assert [e.title for e in appraisal.register(linked=False)] == ["CM plan"]
    assert [e.title for e in appraisal.register(linked=True)] == ["CM interview"]


def test_the_register_is_searched_and_filtered(appraisal):
    sla = appraisal.add_artifact("Service level agreement", owner="Desk lead")
    log = appraisal.add_artifact("Incident log export", "indirect", location="https://tool/incidents")
    talk = appraisal.add_affirmation("Desk interview", roles="Desk lead")
    appraisal.link_artifact(sla, "SD", "SP 1.1", "Unit A")
    appraisal.link_artifact(log, "SD", "SP 1.2", "Unit B")
    appraisal.link_affirmation(talk, "SD", "SP 1.2", "Unit A", statement="tickets reviewed every MONDAY")
    titles = lambda **kw: [e.title for e in appraisal.register(**kw)]  # noqa: E731
    assert titles() == ["Incident log export", "Service level agreement", "Desk interview"]
    assert titles(search="desk LEAD") == ["Service level agreement", "Desk interview"]
    assert titles(search="monday") == ["Desk interview"]             # a link's statement is searched too
    assert titles(search="tool/inc") == ["Incident log export"]
    assert titles(kind="indirect") == ["Incident log export"]
    assert titles(kind="artifact") == ["Incident log export", "Service level agreement"]
    assert titles(kind="affirmation") == ["Desk interview"]
    assert titles(instance="Unit A") == ["Service level agreement", "Desk interview"]
    assert titles(pa="SD", practice="SP 1.2") == ["Incident log export", "Desk interview"]
    assert titles(search="nothing like it") == []
    with pytest.raises(InvalidValue, match="register kind"):
        appraisal.register(kind="rumour")


def test_the_same_title_and_location_is_one_register_entry(appraisal):
    appraisal.add_artifact("CM plan", location="https://wiki/cm")
    with pytest.raises(InvalidValue, match=r"registered already \(artifact 1\)"):
        appraisal.add_artifact("  cm   PLAN ", location="https://wiki/cm")
    assert appraisal.add_artifact("CM plan", location="https://wiki/other") == 2     # another copy elsewhere
    assert appraisal.find_artifact("cm plan", "https://wiki/cm").id == 1
    assert appraisal.find_artifact("cm plan") is None
    with pytest.raises(InvalidValue, match="registered already"):
        appraisal.update_artifact(2, location="https://wiki/cm")
    first = appraisal.add_evidence("CM", "SP 1.1", "Unit A", "artifact", "CM Plan", location="https://wiki/cm")
    second = appraisal.add_evidence("CM", "SP 1.2", "Unit B", "artifact", "CM plan", location="https://wiki/cm",
                                    who="Bo")
    assert first != second and appraisal.artifact(1).reuse == 2 and len(appraisal.register()) == 2
    assert appraisal.evidence(instance="Unit B")[0].statement == "who: Bo"     # what differs is kept on the link


def test_bad_register_values_are_refused(appraisal):
    with pytest.raises(InvalidValue, match="artifact kind"):
        appraisal.add_artifact("Plan", "primary")
    with pytest.raises(InvalidValue, match="YYYY-MM-DD"):
        appraisal.add_artifact("Plan", effective_date="March 2026")
    with pytest.raises(InvalidValue, match="YYYY-MM-DD"):
        appraisal.add_affirmation("Talk", held_on="2026-02-30")
    with pytest.raises(InvalidValue, match="needs a title"):
        appraisal.add_affirmation("   ")
    with pytest.raises(InvalidValue, match="unknown artifact field"):
        appraisal.update_artifact(1, colour="red")
    with pytest.raises(UnknownEntry, match="no artifact 99"):
        appraisal.link_artifact(99, "CM", "SP 1.1", "Unit A")
    plan = appraisal.add_artifact("Plan")
    with pytest.raises(UnknownEntry, match="no practice"):
        appraisal.link_artifact(plan, "CM", "SP 9.9", "Unit A")
    with pytest.raises(UnknownEntry, match="Unit Z"):
        appraisal.link_artifact(plan, "CM", "SP 1.1", "Unit Z")
    assert appraisal.artifact(plan).reuse == 0 and len(appraisal.register()) == 1


def test_evidence_older_than_the_configured_age_before_the_period_is_stale(appraisal):
    appraisal.update_info(start_date="2026-10-01")
    old = appraisal.add_artifact("Old plan", effective_date="2024-09-30")
    edge = appraisal.add_artifact("Plan at the limit", effective_date="2024-10-01")
    undated = appraisal.add_artifact("Undated plan")
    talk = appraisal.add_affirmation("Interview long ago", held_on="2023-01-15")
    appraisal.link_artifact(old, "CM", "SP 1.1", "Unit A")
    assert appraisal.info().evidence_max_age_months == 24
    assert str(appraisal.stale_before()) == "2024-10-01"
    assert {e.title for e in appraisal.register(stale=True)} == {"Old plan", "Interview long ago"}
    assert not appraisal.artifact(edge).stale and not appraisal.artifact(undated).stale
    assert appraisal.evidence(instance="Unit A")[0].stale
    appraisal.update_info(evidence_max_age_months=36)
    assert [e.id for e in appraisal.register(stale=True)] == [talk]
    for bad in (0, "12", 1.5):
        with pytest.raises(InvalidValue, match="evidence_max_age_months"):
            appraisal.update_info(evidence_max_age_months=bad)


def test_register_rows_are_versioned_and_every_change_is_logged(appraisal):
    plan = appraisal.add_artifact("CM plan")
    link = appraisal.link_artifact(plan, "CM", "SP 1.1", "Unit A")
    assert appraisal.update_artifact(plan, owner="Ann", base_version=1).version == 2
    with pytest.raises(ConflictError) as info:
        appraisal.update_artifact(plan, owner="Bo", base_version=1)
    assert info.value.current["owner"] == "Ann" and "not saved" in str(info.value)
    appraisal.update_link(link, statement="page 4", base_version=1)
    with pytest.raises(ConflictError):
        appraisal.update_link(link, statement="page 5", base_version=1)
    with pytest.raises(ConflictError):
        appraisal.unlink(link, base_version=1)
    talk = appraisal.add_affirmation("Interview")
    with pytest.raises(ConflictError):
        appraisal.update_affirmation(talk, roles="PM", base_version=0)
    appraisal.link_affirmation(talk, "CM", "SP 1.1", "Unit B")
    appraisal.remove_affirmation(talk, base_version=1)
    with pytest.raises(UnknownEntry):
        appraisal.affirmation(talk)
    cell = [(c.entity, c.field, c.old, c.new) for c in appraisal.history(pa="CM", practice="SP 1.1",
                                                                         instance="Unit A")]
    assert cell == [("evidence", "artifact", None, "CM plan"), ("evidence", "statement", "", "page 4")]
    assert [(c.field, c.old) for c in appraisal.history(instance="Unit B")][-1] == ("removed", "Interview")
    assert ("owner", "", "Ann") in [(c.field, c.old, c.new) for c in appraisal.history(entity="artifact")]


def test_the_evidence_api_of_earlier_releases_works_on_the_register(appraisal):
    first = appraisal.add_evidence("CM", "SP 1.1", "Unit A", "artifact", "CM plan", location="https://wiki/cm")
    second = appraisal.add_evidence("CM", "SP 1.2", "Unit A", "artifact", "CM plan", location="https://wiki/cm")
    talk = appraisal.add_evidence("CM", "SP 1.1", "Unit A", "affirmation", "Interview", who="CM lead",
                                  collected_on="2026-05-04")
    item = appraisal.evidence(practice="SP 1.1")[0]
    appraisal.update_evidence(first, description="CM plan v2", base_version=item.version)     # the item, everywhere
    assert {e.description for e in appraisal.evidence(practice="SP 1.2")} == {"CM plan v2"}
    with pytest.raises(ConflictError):
        appraisal.update_evidence(second, description="stale", base_version=item.version)
    appraisal.update_evidence(talk, kind="artifact")          # filed as an artifact for this cell
    assert appraisal.register(kind="affirmation") == []      # the interview had no other cell
    moved = next(e for e in appraisal.evidence() if e.id == talk)
    assert (moved.kind, moved.description, moved.who, moved.collected_on) == ("artifact", "Interview", "CM lead",
                                                                            "2026-05-04")
    appraisal.remove_evidence(first)                          # the item stays: SP 1.2 uses it
    assert [e.id for e in appraisal.evidence()] == [talk, second]
    appraisal.remove_evidence(second)                         # its last cell: the item goes too
    assert [e.title for e in appraisal.register()] == ["Interview"]
    with pytest.raises(InvalidValue, match="evidence kind"):
        appraisal.update_evidence(talk, kind="rumour")
    with pytest.raises(UnknownEntry):
        appraisal.remove_evidence(first)


def test_many_links_are_made_at_once_and_logged(appraisal):
    plan = appraisal.add_artifact("CM plan")
    talk = appraisal.add_affirmation("CM interview")
    first = appraisal.link_artifact(plan, "CM", "SP 1.1", "Unit A")
    ids = appraisal.link_many([("artifact", plan, "CM", "SP 1.1", "Unit A"), ("artifact", plan, "CM", "SP 1.2", "Unit B"),
                               ("affirmation", talk, "CM", "SP 1.1", "Unit A"),
                               ("artifact", plan, "CM", "SP 1.2", "Unit B")])
    assert ids[0] == first and ids[1] == ids[3] and len(set(ids)) == 3
    assert appraisal.artifact(plan).reuse == 2 and appraisal.affirmation(talk).reuse == 1
    logged = [(c.instance, c.field, c.new) for c in appraisal.history(entity="evidence")]
    assert logged == [("Unit A", "artifact", "CM plan"), ("Unit B", "artifact", "CM plan"),
                      ("Unit A", "affirmation", "CM interview")]
    for bad, message in ((("artifact", 99, "CM", "SP 1.1", "Unit A"), "no artifact 99"),
                         (("artifact", plan, "CM", "SP 1.1", "Unit Z"), "Unit Z"),
                         (("artifact", plan, "CM", "SP 9.9", "Unit A"), "no practice"),
                         (("finding", plan, "CM", "SP 1.1", "Unit A"), "register item kind")):
        with pytest.raises((UnknownEntry, InvalidValue), match=message):
            appraisal.link_many([("artifact", plan, "CM", "SP 1.3", "Unit A"), bad])
    assert appraisal.artifact(plan).reuse == 2          # all or nothing


def test_removing_a_unit_takes_its_links_but_keeps_the_register_entries(appraisal):
    plan = appraisal.add_artifact("CM plan")
    appraisal.link_artifact(plan, "CM", "SP 1.1", "Unit A")
    appraisal.link_artifact(plan, "CM", "SP 1.1", "Unit B")
    appraisal.remove_instance("Unit A")
    assert appraisal.artifact(plan).cells == (Cell("CM", "SP 1.1", "Unit B"),)


def test_json_round_trip_keeps_the_register(appraisal, new_location):
    appraisal.update_info(start_date="2026-10-01", evidence_max_age_months=12)
    plan = appraisal.add_artifact("CM plan", "indirect", location="https://wiki/cm", effective_date="2025-01-02",
                                  notes="older release")
    talk = appraisal.add_affirmation("CM interview", held_on="2026-10-02", roles="CM lead", assessor="Bo")
    appraisal.link_artifact(plan, "CM", "SP 1.1", "Unit A", statement="<b>page 4</b>")
    appraisal.link_artifact(plan, "CM", "SP 1.1", "QA Group")
    appraisal.link_affirmation(talk, "CM", "SP 1.1", "Unit A", statement="=1+1")
    appraisal.add_affirmation("Not linked yet")
    dump = appraisal.dump()
    assert dump["schema_version"] == 7 and "evidence" not in dump
    with Appraisal.restore(new_location("copy"), json.loads(json.dumps(dump))) as copy:
        assert copy.register() == appraisal.register()
        assert copy.info().evidence_max_age_months == 12 and copy.artifact(plan).stale
        again = copy.dump()
        again["changes"].pop()
        assert again == dump
        assert copy.add_artifact("New") > plan and copy.link_artifact(1, "CM", "SP 1.2", "Unit A") > 3


# ------------------------------------------------------------------ upgrades of older appraisals

OLD_EVIDENCE = [  # (id, practice, unit, kind, description, location, who, collected_on)
    (1, "SP 1.1", "Unit A", "artifact", "SLA", "https://x/sla", "Ann", "2026-01-05"),
    (2, "SP 1.2", "Unit A", "artifact", "SLA", "https://x/sla", "Ann", "2026-01-05"),
    (3, "SP 1.1", "Unit B", "artifact", "SLA", "https://x/sla", "Cy", "2026-02-01"),
    (4, "SP 1.1", "Unit A", "artifact", "SLA", "https://x/other", "", ""),
    (5, "SP 1.1", "Unit A", "affirmation", "Desk interview", "", "desk lead", "March 2026"),
    (6, "SP 1.1", "Unit A", "artifact", "SLA", "https://x/sla", "Ann", "2026-01-05"),   # twice in one cell
    (7, "SP 2.1", "Unit B", "artifact", "Removed before the upgrade", "", "", ""),
]


def _check_upgraded_register(a: Appraisal, next_id: int) -> None:
    """What OLD_EVIDENCE becomes: one SLA entry linked three times, a second copy elsewhere, one interview."""
    sla, other, interview = a.register()
    assert (sla.title, sla.location, sla.kind, sla.owner, sla.effective_date) == (
        "SLA", "https://x/sla", "direct", "Ann", "2026-01-05")
    assert [(link.id, link.practice, link.instance, link.statement) for link in sla.links] == [
        (1, "SP 1.1", "Unit A", ""), (3, "SP 1.1", "Unit B", "who: Cy; collected on: 2026-02-01"),
        (2, "SP 1.2", "Unit A", "")]
    assert (other.location, [link.id for link in other.links]) == ("https://x/other", [4])
    assert (interview.kind, interview.roles, interview.held_on, interview.stale) == (
        "affirmation", "desk lead", "March 2026", False)
    assert [e.id for e in a.evidence()] == [1, 4, 5, 3, 2]          # evidence ids are kept
    assert a.evidence_counts()[("SD", "SP 1.1", "Unit A")] == {"artifact": 2, "affirmation": 1}
    assert a.info().evidence_max_age_months == 24
    assert a.add_evidence("SD", "SP 2.1", "Unit A", "artifact", "New") == next_id


@pytest.mark.parametrize("revision", ["0002", "0003"])
def test_an_appraisal_of_an_older_schema_is_upgraded_into_the_register(new_location, revision):
    location = new_location("old")
    with Appraisal.create(location, name="Old") as a:
        a.add_instance("Unit A")
        a.add_instance("Unit B")
        a.update_record("SD", "SP 1.1", "Unit A", characterization="LI")
    rows = [("SD", practice, unit, *rest) for _, practice, unit, *rest in OLD_EVIDENCE]
    downgrade(location, revision, rows, version=2, removed=[7])
    with Appraisal.open(location, user="bo") as a:
        _check_upgraded_register(a, next_id=8)         # removed id 7 is not handed out again
        link = a.evidence(instance="Unit B")[0]
        assert (link.link_version, link.version) == (2, 1)     # the row's version stays with its link
        a.update_evidence(1, description="SLA 2026", base_version=1)
        assert {e.description for e in a.evidence() if (e.kind, e.item_id) == ("artifact", 1)} == {"SLA 2026"}
        record = a.record("SD", "SP 1.1", "Unit A")
        assert (record.characterization, record.inherited, a.info().follow_up_of) == ("LI", False, "")
    if parse(location).path is not None:
        assert len(list(Path(location).parent.glob(f"old.cmmi.schema-{revision}*.bak"))) == 1
    assert _schema_differences(location) == []


def _schema_differences(location: str) -> list:
    """What differs between the upgraded database and tables.py (expression indexes only on PostgreSQL)."""
    import warnings

    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from cmmikit.store import tables

    loc = parse(location)
    engine = create_engine(f"sqlite:///{loc.path}" if loc.path is not None else loc.url)
    try:
        with engine.connect() as conn, warnings.catch_warnings():
            warnings.filterwarnings("ignore", "(Skipped unsupported reflection|autogenerate skipping)")
            if loc.path is None:
                conn.execute(text(f'SET search_path TO "{loc.schema}"'))
            return compare_metadata(MigrationContext.configure(conn), tables.metadata)
    finally:
        engine.dispose()


def test_a_file_of_release_0_1_gets_its_evidence_into_the_register(tmp_path):
    path = tmp_path / "old.cmmi"
    initial = importlib.import_module("cmmikit.store.migrations.versions.0001_initial")
    conn = sqlite3.connect(path)
    conn.executescript(initial.SCHEMA)
    conn.executescript("""
        INSERT INTO meta VALUES ('application', 'cmmikit'), ('schema_version', '1');
        INSERT INTO appraisal (id, name, model_id, start_date) VALUES (1, 'Old', 'cmmi-svc-1.3', '2026-06-01');
        INSERT INTO instances (id, name, kind, position) VALUES (1, 'Unit A', 'basic_unit', 1),
                                                                (2, 'Unit B', 'basic_unit', 2);
        INSERT INTO instance_pas VALUES (1, 'SD'), (2, 'SD');
    """)
    conn.executemany("INSERT INTO evidence VALUES (?, 'SD', ?, ?, ?, ?, ?, ?, ?)",
                     [(i, p, 1 if u == "Unit A" else 2, k, d, loc, w, c) for i, p, u, k, d, loc, w, c in OLD_EVIDENCE])
    conn.execute("DELETE FROM evidence WHERE id = 7")
    conn.commit()
    conn.close()
    with Appraisal.open(path) as a:
        _check_upgraded_register(a, next_id=7)         # release 0.1 did not keep removed ids
    Appraisal.create(tmp_path / "new.cmmi", name="New").close()
    upgraded, new = sqlite3.connect(path), sqlite3.connect(tmp_path / "new.cmmi")
    appraisal_sql = upgraded.execute("SELECT sql FROM sqlite_master WHERE name = 'appraisal'").fetchone()[0]
    assert "CHECK (id = 1)" in appraisal_sql          # the appraisal table was altered, not rebuilt without it
    indexes = "SELECT name, sql FROM sqlite_master WHERE name LIKE '%by_title' ORDER BY name"
    assert upgraded.execute(indexes).fetchall() == new.execute(indexes).fetchall() != []   # alembic cannot compare
    upgraded.close()
    new.close()
