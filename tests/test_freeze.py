"""The frozen appraisal record: the database itself refuses every change until the lead reopens it (both backends)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from old_schemas import PLANNING

from cmmikit.cli import main
from cmmikit.errors import FrozenAppraisal, StoreError
from cmmikit.store import Appraisal, parse


def plain_sql(appraisal: Appraisal, statement: str, postgres=None) -> None:  # noqa: ANN001 (the cluster fixture)
    """Run one statement around cmmikit: sqlite3 on the file, psycopg on the server's schema."""
    where = appraisal.location
    if where.path is not None:
        conn = sqlite3.connect(where.path)
        try:
            conn.execute(statement)
            conn.commit()
        finally:
            conn.close()
        return
    import psycopg

    with psycopg.connect(postgres.dsn()) as conn:
        conn.execute(f'SET search_path TO "{where.schema}"')
        conn.execute(statement)


@pytest.fixture
def cluster(backend, request):
    return request.getfixturevalue("postgres") if backend == "postgresql" else None


def test_a_frozen_record_refuses_every_change_and_says_who_froze_it(appraisal, cluster):
    appraisal.update_record("CM", "SP 1.1", "Unit A", characterization="LI")
    done = appraisal.freeze("final findings presented")
    assert done.digest == appraisal.content_digest() and len(done.digest) == 64
    before = appraisal.dump()
    attempts = [lambda: appraisal.update_record("CM", "SP 1.1", "Unit A", characterization="FI"),
                lambda: appraisal.add_instance("Unit C"),
                lambda: appraisal.add_finding("weakness", "CM", "SG 1", "Late."),
                lambda: appraisal.update_info(sponsor="Someone else")]
    for attempt in attempts:
        with pytest.raises(FrozenAppraisal) as refused:
            attempt()
        message = str(refused.value)
        assert "frozen by" in message and "final findings presented" in message and "\n" not in message
    for statement in ("UPDATE practice_records SET characterization = 'NI'", "DELETE FROM changes",
                      "DELETE FROM meta WHERE key = 'application'", "INSERT INTO meta VALUES ('x', 'y')",
                      "INSERT INTO plan_factors (name, position) VALUES ('location', 1)"):
        with pytest.raises(Exception, match="the appraisal is frozen"):
            plain_sql(appraisal, statement, cluster)
    assert appraisal.dump() == before            # nothing changed, not even the change log
    assert appraisal.frozen() == done


def test_reopening_is_recorded_and_lets_changes_in_again(appraisal):
    appraisal.freeze("final findings presented")
    with pytest.raises(FrozenAppraisal, match="frozen by"):
        appraisal.freeze("twice")
    lifted = appraisal.unfreeze("late evidence from Unit B")
    assert lifted.reason == "final findings presented" and appraisal.frozen() is None
    appraisal.update_record("CM", "SP 1.1", "Unit B", characterization="FI")
    log = [c for c in appraisal.history() if c.field == "frozen"]
    assert [c.new for c in log][1] == "reopened: late evidence from Unit B"
    assert log[0].new.startswith("final findings presented (digest ")
    with pytest.raises(StoreError, match="is not frozen"):
        appraisal.unfreeze()
    with pytest.raises(StoreError, match="say why"):
        appraisal.freeze("  ")


def test_the_digest_follows_the_content_not_the_copy_or_the_log(appraisal, tmp_path):
    appraisal.update_record("CM", "SP 1.1", "Unit A", characterization="LI")
    first = appraisal.content_digest()
    dump = tmp_path / "a.json"
    dump.write_text("".join(appraisal.dump_json()))
    assert main(["import-json", str(dump), "-o", str(tmp_path / "copy.cmmi")]) == 0
    with Appraisal.open(tmp_path / "copy.cmmi") as copy:
        assert copy.content_digest() == first      # the same content elsewhere: the same digest
    appraisal.update_record("CM", "SP 1.1", "Unit A", notes="one more word")
    assert appraisal.content_digest() != first


def test_the_command_line_freezes_shows_the_digest_and_refuses_replacing(appraisal, tmp_path, capsys):
    where = appraisal.address
    appraisal.close()
    assert main(["freeze", where, "--reason", "final findings presented"]) == 0
    digest = capsys.readouterr().out.split("sha256:")[1].strip()
    assert main(["rate", where]) == 0
    assert f"content digest sha256:{digest}" in capsys.readouterr().out
    assert main(["rate", where, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["frozen"]["digest"] == digest
    dump = tmp_path / "a.json"
    assert main(["export-json", where, "-o", str(dump)]) == 0
    capsys.readouterr()
    assert main(["import-json", str(dump), "-o", where, "--force"]) == 1
    err = capsys.readouterr().err
    assert "cannot be replaced" in err and err.count("\n") == 1
    assert main(["new", where, "--name", "Other", "--force"]) == 1
    assert "cannot be replaced" in capsys.readouterr().err
    assert main(["unfreeze", where, "--reason", "late evidence"]) == 0
    assert "reopened" in capsys.readouterr().out
    with Appraisal.open(where) as again:
        assert again.frozen() is None and again.info().name == "Test appraisal"


def test_an_appraisal_written_before_freezing_existed_gets_the_guards_on_upgrade(new_location, cluster):
    from sqlalchemy import create_engine, text

    from old_schemas import BEFORE_0008

    from cmmikit.store import schema
    from cmmikit.store.roles import UNINSTALL

    with Appraisal.create(new_location("old"), name="Old") as a:
        where = a.address
    loc = parse(where)
    engine = create_engine(f"sqlite:///{loc.path}" if loc.path else loc.url)
    with engine.begin() as conn:   # back to revision 0005: no guards
        if loc.path is None:
            conn.execute(text(f'SET LOCAL search_path TO "{loc.schema}"'))
            conn.execute(text("DROP FUNCTION cmmikit_refuse_when_frozen() CASCADE"))
        else:
            for (name,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all():
                conn.execute(text(f"DROP TRIGGER {name}"))
        for table in PLANNING:   # revision 0007's tables
            conn.execute(text(f"DROP TABLE {table}"))
        for statement in (*(UNINSTALL if loc.path is None else ()), *BEFORE_0008):   # and without 0008's roles
            conn.execute(text(statement))
        conn.execute(text("UPDATE alembic_version SET version_num = '0005'"))
    engine.dispose()
    with Appraisal.open(where) as a:
        assert schema.REVISIONS[5:] == ("0006", "0007", "0008")
        a.freeze("final")
        with pytest.raises(Exception, match="the appraisal is frozen"):
            plain_sql(a, "UPDATE appraisal SET sponsor = 'x'", cluster)
