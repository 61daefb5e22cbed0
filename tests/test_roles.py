"""Real identities and the team's roles: recorded on both backends, enforced by PostgreSQL itself.

The PostgreSQL tests make real logins in the throwaway cluster and connect as them, through cmmikit
and with plain psycopg (as a colleague with psql would), and expect the database to refuse.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import pytest

from cmmikit.errors import FrozenAppraisal, NotPermitted, StoreError
from cmmikit.store import Appraisal, parse

PASSWORD = "team-Pa55word"
_logins = itertools.count(1)


def login_url(postgres, appraisal: Appraisal, login: str) -> str:
    """The appraisal's URL as ``login`` would type it."""
    name = parse(appraisal.address).appraisal
    return (f"postgresql+psycopg://{login}:{PASSWORD}@127.0.0.1:{postgres.port}/cmmikit_test"
            f"?appraisal={name}")


def make_login(postgres, stem: str) -> str:
    """A new database login in the cluster (unique per test run)."""
    import psycopg

    login = f"{stem}{os.getpid()}x{next(_logins)}"
    with psycopg.connect(postgres.dsn(), autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {login} LOGIN PASSWORD '{PASSWORD}'")
    return login


def as_login(postgres, appraisal: Appraisal, login: str):
    """A plain psycopg connection as ``login`` in the appraisal's schema (what psql would do)."""
    import psycopg

    conn = psycopg.connect(f"postgresql://{login}:{PASSWORD}@127.0.0.1:{postgres.port}/cmmikit_test",
                           autocommit=True)
    conn.execute(f'SET search_path TO "{appraisal.location.schema}"')
    return conn


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cmmikit.cli", *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", "")})


# ------------------------------------------------------------------ both backends


@pytest.fixture
def person(backend, request):
    """A login name: any name on a file, a new database login on the server."""
    if backend == "sqlite":
        return lambda stem: stem
    postgres = request.getfixturevalue("postgres")
    return lambda stem: make_login(postgres, stem)


def test_roles_are_recorded_shown_and_logged(appraisal, person):
    creator = appraisal.access.login
    assert [(r.login, r.role) for r in appraisal.team_roles()] == [(creator, "lead")]
    assert appraisal.access.role == "lead"
    dana, ravi = person("dana"), person("ravi")
    done = appraisal.grant(dana, "assessor", ["WP", "WMC"])
    assert (done.role, done.pas) == ("assessor", ("WP", "WMC"))
    appraisal.grant(ravi, "reader")
    appraisal.revoke(ravi)
    team = {r.login: r for r in appraisal.team_roles()}
    assert team[dana].describe() == f"{dana} (assessor of WP, WMC)" and team[ravi].role == "revoked"
    lines = appraisal.history(entity="team")
    assert [line.new for line in lines] == [f"{dana} (assessor of WP, WMC)", f"{ravi} (reader)", f"{ravi} (revoked)"]
    assert {line.login for line in lines} == {creator}


def test_an_assessors_pas_default_to_the_team_members(appraisal, person):
    dana = person("dana")
    appraisal.set_assessor(dana, pas=["CM", "SD"])
    assert appraisal.grant(dana, "assessor").pas == ("CM", "SD")


@pytest.mark.parametrize("login, role, pas, message", [
    ("dana", "assessor", None, "an assessor needs process areas"),
    ("dana", "assessor", ["XX"], "process area 'XX' is not in model"),
    ("ravi", "reader", ["WP"], "--pa is for an assessor"),
    ("ravi", "owner", None, "role must be one of lead, assessor, reader"),
    ("", "reader", None, "give the login"),
])
def test_a_bad_grant_is_one_line_and_changes_nothing(appraisal, login, role, pas, message):
    before = appraisal.team_roles()
    with pytest.raises(Exception, match=message):
        appraisal.grant(login, role, pas)
    assert appraisal.team_roles() == before


def test_revoking_a_login_without_a_role_is_refused(appraisal):
    with pytest.raises(StoreError, match="login 'nobody' has no role to revoke"):
        appraisal.revoke("nobody")


def test_the_change_log_names_the_login_beside_the_display_name(new_location, backend):
    with Appraisal.create(new_location("who"), name="Who", user="Dana Lee") as a:
        a.add_instance("U1")
        a.update_record("CM", "SP 1.1", "U1", characterization="LI")
        line = a.history(pa="CM")[-1]
        expected = "postgres" if backend == "postgresql" else a.access.login
        assert (line.user, line.login) == ("Dana Lee", expected)


def test_a_frozen_record_refuses_a_grant(appraisal, person):
    dana = person("dana")
    appraisal.freeze("final findings presented")
    with pytest.raises(FrozenAppraisal):
        appraisal.grant(dana, "reader")


def test_the_cli_grants_revokes_and_lists(appraisal, person):
    where, dana = appraisal.address, person("dana")
    granted = run_cli("grant", where, "--login", dana, "--role", "assessor", "--pa", "WP,WMC")
    assert granted.returncode == 0, granted.stderr
    assert f"{dana} (assessor of WP, WMC)" in granted.stdout
    listed = run_cli("roles", where)
    assert f"{dana} (assessor of WP, WMC)" in listed.stdout and "you are" in listed.stdout
    assert "(lead)" in listed.stdout
    bad = run_cli("revoke", where, "--login", "nobody")
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    for result in (granted, listed, bad):
        assert "s3cret" not in result.stdout + result.stderr


# ------------------------------------------------------------------ PostgreSQL: the database enforces them


@pytest.fixture
def team(postgres, tmp_path):
    """An appraisal on the server with an assessor of WP and WMC, a reader and a login without a role."""
    with Appraisal.create(postgres.url(f"team{os.getpid()}x{next(_logins)}"), name="Team") as a:
        a.add_instance("U1")
        a.update_record("WP", "SP 1.1", "U1", characterization="LI")
        a.update_record("SD", "SP 1.1", "U1", characterization="PI")
        dana, ravi, nina = (make_login(postgres, stem) for stem in ("dana", "ravi", "nina"))
        a.grant(dana, "assessor", ["WP", "WMC"])
        a.grant(ravi, "reader")
        yield a, dana, ravi, nina


def test_an_assessor_changes_their_pas_only(postgres, team):
    lead, dana, _, _ = team
    with Appraisal.open(login_url(postgres, lead, dana), user="postgres") as a:
        assert a.access.describe() == f"{dana} (assessor of WP, WMC)"
        a.update_record("WP", "SP 1.1", "U1", characterization="FI")
        item = a.add_artifact("Plan v2", location="wiki")   # the register is shared
        a.link_artifact(item, "WP", "SP 1.1", "U1")
        with pytest.raises(NotPermitted, match="only the lead may remove"):
            a.remove_artifact(item)      # it would take its links in every PA with it
        with pytest.raises(NotPermitted, match=f"belongs to SD; login '{dana}' is an assessor of WP, WMC"):
            a.update_record("SD", "SP 1.1", "U1", characterization="FI")
        with pytest.raises(NotPermitted, match="only the lead"):
            a.update_info(sponsor="me")
        with pytest.raises(NotPermitted, match="only the lead may freeze"):
            a.freeze("done")
        line = a.history(pa="WP")[-1]
    assert (line.user, line.login) == ("postgres", dana)   # --user does not make it someone else's change
    assert lead.record("SD", "SP 1.1", "U1").characterization == "PI"


def test_the_database_refuses_an_assessor_writing_another_pa_with_psql(postgres, team):
    import psycopg

    lead, dana, _, _ = team
    lead.add_artifact("SLA", location="wiki")
    with as_login(postgres, lead, dana) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("INSERT INTO practice_records (pa, practice, instance_id, characterization) "
                         "VALUES ('SD', 'SP 1.2', 1, 'FI')")
        changed = conn.execute("UPDATE practice_records SET characterization = 'FI' WHERE pa = 'SD'").rowcount
        removed = conn.execute("DELETE FROM practice_records WHERE pa = 'SD'").rowcount
        assert (changed, removed) == (0, 0)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE appraisal SET sponsor = 'me'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE changes SET changed_by = 'someone'")
        assert conn.execute("DELETE FROM artifacts").rowcount == 0     # the lead removes register items
        assert conn.execute("UPDATE artifacts SET owner = 'dana'").rowcount == 1   # an assessor edits them
        conn.execute("INSERT INTO changes (at, changed_by, login, entity, key, field) "
                     "VALUES ('now', 'the lead', 'postgres', 'record', 'x', 'y')")
    assert lead.record("SD", "SP 1.1", "U1").characterization == "PI"
    assert lead.history()[-1].login == dana          # the database wrote the real login


@pytest.mark.parametrize("statement", [
    "UPDATE practice_records SET characterization = 'NI'",
    "DELETE FROM practice_records",
    "INSERT INTO artifacts (title) VALUES ('mine')",
    "INSERT INTO changes (at, changed_by, entity, key, field) VALUES ('now', 'x', 'record', 'k', 'f')",
    "UPDATE meta SET value = 'x'",
    "TRUNCATE findings",
    "INSERT INTO team_roles (login, role) VALUES (session_user, 'lead')",
])
def test_a_reader_cannot_change_anything_even_with_psql(postgres, team, statement):
    import psycopg

    lead, _, ravi, _ = team
    before = lead.dump()
    with as_login(postgres, lead, ravi) as conn:
        assert conn.execute("SELECT count(*) FROM practice_records").fetchone()[0] == 2   # it reads everything
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
    assert lead.dump() == before


def test_a_reader_reads_but_every_change_is_one_line(postgres, team):
    lead, _, ravi, _ = team
    with Appraisal.open(login_url(postgres, lead, ravi)) as a:
        assert a.record("WP", "SP 1.1", "U1").characterization == "LI"
        with pytest.raises(NotPermitted, match=f"login '{ravi}' is a reader of this appraisal"):
            a.update_record("WP", "SP 1.1", "U1", characterization="FI")
        with pytest.raises(NotPermitted):
            a.grant(ravi, "lead")
    result = run_cli("freeze", login_url(postgres, lead, ravi), "--reason", "x")
    assert result.returncode == 1 and "only the lead may freeze" in result.stderr
    assert result.stderr.count("\n") == 1 and PASSWORD not in result.stderr and lead.frozen() is None


def test_a_login_without_a_role_or_revoked_is_told_so_in_one_line(postgres, team):
    lead, dana, _, nina = team
    result = run_cli("rate", login_url(postgres, lead, nina))
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and PASSWORD not in result.stderr
    assert f"login '{nina}' has no role on this appraisal" in result.stderr
    assert f"cmmikit grant URL --login {nina} --role reader" in result.stderr
    lead.revoke(dana)
    with pytest.raises(NotPermitted, match=f"the role of login '{dana}' was revoked by .*postgres"):
        Appraisal.open(login_url(postgres, lead, dana))
    revoked = run_cli("history", login_url(postgres, lead, dana))
    assert revoked.returncode == 1 and revoked.stderr.count("\n") == 1 and PASSWORD not in revoked.stderr
    assert "was revoked" in revoked.stderr and "cmmikit grant URL" in revoked.stderr
    import psycopg

    with as_login(postgres, lead, dana) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT * FROM practice_records")   # and psql sees nothing


def test_granting_a_login_the_server_lacks_or_the_owner_is_refused(team):
    lead = team[0]
    with pytest.raises(StoreError, match="no database login 'ghost' on this server"):
        lead.grant("ghost", "reader")
    with pytest.raises(StoreError, match="login 'postgres' owns this appraisal on the server"):
        lead.revoke("postgres")
    assert {r.login: r.role for r in lead.team_roles()}["postgres"] == "lead"


def test_a_second_lead_may_grant_and_freeze(postgres, team):
    lead, _, ravi, nina = team
    lead.grant(nina, "lead")
    with Appraisal.open(login_url(postgres, lead, nina)) as a:
        a.grant(ravi, "assessor", ["SD"])
        a.update_record("SD", "SP 1.1", "U1", characterization="LI")
        done = a.freeze("final findings presented")
    assert done.by.endswith(f"(login {nina})") or done.by == nina
    with Appraisal.open(login_url(postgres, lead, ravi)) as a, pytest.raises(FrozenAppraisal):
        a.update_record("SD", "SP 1.1", "U1", characterization="FI")


def test_the_server_lists_each_appraisal_with_the_logins_role(postgres, team):
    from cmmikit.store import list_appraisals

    lead, dana, ravi, nina = team
    name = parse(lead.address).appraisal
    server = login_url(postgres, lead, dana).split("?")[0]
    assert {r["appraisal"]: r["role"] for r in list_appraisals(server)}.get(name) == "assessor"
    assert name not in {r["appraisal"] for r in list_appraisals(server.replace(dana, nina))}
    lead_rows = {r["appraisal"]: r["role"] for r in list_appraisals(postgres.url())}
    assert lead_rows[name] == "lead"


def test_an_appraisal_of_schema_0006_gets_the_roles_on_upgrade(postgres):
    import psycopg
    from old_schemas import BEFORE_0007, BEFORE_0008
    from sqlalchemy import create_engine, text

    from cmmikit.store.roles import UNINSTALL

    with Appraisal.create(postgres.url(f"old{os.getpid()}x{next(_logins)}"), name="Old") as a:
        a.add_instance("U1")
        where = a.address
    loc = parse(where)
    engine = create_engine(loc.url)
    with engine.begin() as conn:   # back to revision 0006: no planning, no logins, no roles, no policies
        conn.execute(text(f'SET LOCAL search_path TO "{loc.schema}"'))
        for statement in (*UNINSTALL, *BEFORE_0008, *BEFORE_0007.rstrip(";").split(";")):
            conn.execute(text(statement))
        conn.execute(text("UPDATE alembic_version SET version_num = '0006'"))
    engine.dispose()
    ravi = make_login(postgres, "ravi")
    with Appraisal.open(where) as a:
        assert [(r.login, r.role) for r in a.team_roles()] == [("postgres", "lead")]
        a.grant(ravi, "reader")
        a.update_record("CM", "SP 1.1", "U1", characterization="LI")
        assert a.history()[-1].login == "postgres"
    with as_login(postgres, a, ravi) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE practice_records SET characterization = 'NI'")


def test_an_assessor_writes_new_records_findings_and_actions_of_their_pas(postgres, team):
    lead, dana, _, _ = team
    sd_finding = lead.add_finding("weakness", "SD", "SG 1", "No agreements.")
    with Appraisal.open(login_url(postgres, lead, dana)) as a:
        a.update_record("WMC", "SP 1.1", "U1", characterization="PI", weaknesses="late")   # a new row
        mine = a.add_finding("weakness", "WP", "SG 1", "Estimates are guesses.")
        action = a.add_action(mine, "Train the estimators")
        a.update_action(action, status="in_progress")
        with pytest.raises(NotPermitted, match="belongs to SD"):
            a.add_finding("weakness", "SD", "SG 1", "Mine now.")
        with pytest.raises(NotPermitted, match="belongs to SD"):
            a.add_action(sd_finding, "Do it my way")
    assert lead.record("WMC", "SP 1.1", "U1").weaknesses == "late"
    assert [f.statement for f in lead.findings() if f.pa == "SD"] == ["No agreements."]


def test_a_temporary_table_cannot_make_an_assessor_the_lead(postgres, team):
    lead, dana, _, _ = team
    with as_login(postgres, lead, dana) as conn:
        conn.execute("CREATE TEMP TABLE team_roles (login text, role text, pas text, changed_by text, "
                     "changed_at text)")
        conn.execute("INSERT INTO pg_temp.team_roles VALUES (session_user, 'lead', '', '', '')")
        conn.execute(f'SET search_path TO pg_temp, "{lead.location.schema}"')
        assert conn.execute("UPDATE practice_records SET characterization = 'FI' WHERE pa = 'SD'").rowcount == 0
    assert lead.record("SD", "SP 1.1", "U1").characterization == "PI"


def test_a_role_changed_while_a_session_is_open_counts_at_its_next_write(postgres, team):
    lead, dana, _, _ = team
    with Appraisal.open(login_url(postgres, lead, dana)) as a:
        a.update_record("WP", "SP 1.1", "U1", notes="before")
        lead.grant(dana, "assessor", ["SD"])
        with pytest.raises(NotPermitted, match="belongs to WP"):
            a.update_record("WP", "SP 1.1", "U1", notes="after")
        a.update_record("SD", "SP 1.1", "U1", notes="now mine")
        lead.revoke(dana)
        with pytest.raises(NotPermitted, match="was revoked"):
            a.update_record("SD", "SP 1.1", "U1", notes="again")
    assert lead.record("SD", "SP 1.1", "U1").notes == "now mine"


def test_a_reader_granted_assessor_while_open_may_write_at_once(postgres, team):
    lead, _, ravi, _ = team
    with Appraisal.open(login_url(postgres, lead, ravi)) as a:
        with pytest.raises(NotPermitted, match="is a reader"):
            a.update_record("SD", "SP 1.1", "U1", notes="mine")
        lead.grant(ravi, "assessor", ["SD"])
        a.update_record("SD", "SP 1.1", "U1", notes="mine")
    assert lead.record("SD", "SP 1.1", "U1").notes == "mine"


def test_what_a_screen_may_offer_each_role():
    from cmmikit.store.roles import Access

    dana = Access("dana", "assessor", ("WP", "WMC"), enforced=True)
    assert (dana.may_edit("WP"), dana.may_edit("SD"), dana.may_edit()) == (True, False, False)
    assert dana.why_not("SD") == "you (dana) assess WP, WMC, not SD" and dana.why_not("WP") == ""
    ravi = Access("ravi", "reader", enforced=True)
    assert not ravi.may_edit("WP") and ravi.why_not("WP") == "you (ravi) are a reader of this appraisal"
    assert Access("ann", "lead", enforced=True).may_edit() and Access("me").may_edit("SD")   # a file: not enforced


def test_a_colleague_opening_an_appraisal_that_needs_an_upgrade_is_told_to_ask_its_owner(postgres):
    from old_schemas import BEFORE_0008
    from sqlalchemy import create_engine, text

    from cmmikit.store.roles import UNINSTALL

    with Appraisal.create(postgres.url(f"up{os.getpid()}x{next(_logins)}"), name="Old") as lead:
        ravi = make_login(postgres, "ravi")
        lead.grant(ravi, "assessor", ["WP"])
        where = lead.address
    loc = parse(where)
    engine = create_engine(loc.url)
    with engine.begin() as conn:   # back to revision 0007 as an older cmmikit left it: no policies, plain grants
        conn.execute(text(f'SET LOCAL search_path TO "{loc.schema}"'))
        for statement in (*UNINSTALL, *BEFORE_0008):
            conn.execute(text(statement))
        for table in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")):
            conn.execute(text(f"ALTER TABLE {table[0]} DISABLE ROW LEVEL SECURITY"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0007'"))
    engine.dispose()
    with pytest.raises(StoreError) as refused:
        Appraisal.open(login_url(postgres, lead, ravi))
    message = str(refused.value)
    assert "schema 0007" in message and "ask postgres to open it once" in message, message
    assert "permission denied" not in message and PASSWORD not in message
    with Appraisal.open(where) as a:   # the owner opens it once: upgraded; roles did not exist before, so
        assert a.access.role == "lead"  # the colleague is told to ask for one, and the lead grants it
    with pytest.raises(NotPermitted, match=f"login '{ravi}' has no role on this appraisal"):
        Appraisal.open(login_url(postgres, lead, ravi))
    with Appraisal.open(where) as a:
        a.grant(ravi, "assessor", ["WP"])
    with Appraisal.open(login_url(postgres, lead, ravi)) as a:
        assert a.access.role == "assessor" and a.access.pas == ("WP",)
