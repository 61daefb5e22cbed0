"""The team's roles: lead, assessor (of some process areas) and reader, and what each may change.

On PostgreSQL the database enforces them: each login gets GRANTs on the appraisal's schema by its role,
and row-level security policies let an assessor change only the rows of the process areas assigned to
them; a trigger stamps each change-log line with the login (``session_user``) that wrote it (the freeze
has its own triggers, :mod:`cmmikit.store.freeze`). :func:`install` (re)creates these definitions on a schema.
On an SQLite file the roles are recorded and shown only: the file's permissions are the boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, text

from cmmikit.errors import NotPermitted
from cmmikit.store import tables as t
from cmmikit.store.location import os_login

LEAD, ASSESSOR, READER, REVOKED = "lead", "assessor", "reader", "revoked"
ROLES = (LEAD, ASSESSOR, READER)
MEMBERS = "('lead', 'assessor', 'reader')"
PA_TABLES = ("practice_records", "evidence_links", "findings", "responses")       # rows of one PA each
FINDING_PARTS = ("finding_practices", "finding_instances", "actions")             # rows of a finding's PA
SHARED_TABLES = ("artifacts", "affirmations")   # the register: every assessor adds and edits, the lead removes
                                                # (removing an item removes its links in every PA)
ASSESSOR_TABLES = (*PA_TABLES, *FINDING_PARTS, *SHARED_TABLES)


@dataclass(frozen=True)
class Access:
    """Who this session is and what its role lets it do (``enforced``: by the database, on PostgreSQL)."""

    login: str
    role: str = ""          # lead / assessor / reader / revoked, or "" (no role recorded)
    pas: tuple[str, ...] = ()
    changed_by: str = ""
    changed_at: str = ""
    enforced: bool = False

    @property
    def may_write(self) -> bool:
        return not self.enforced or self.role in (LEAD, ASSESSOR)

    @property
    def is_lead(self) -> bool:
        return not self.enforced or self.role == LEAD

    def may_edit(self, pa: str | None = None) -> bool:
        """Whether this role may change the records, evidence and findings of ``pa`` (None: the setup, decisions)."""
        if not self.enforced or self.role == LEAD:
            return True
        return self.role == ASSESSOR and pa is not None and pa in self.pas

    def why_not(self, pa: str | None = None) -> str:
        """Why a screen disables editing, in a few words ('' when it may edit)."""
        if self.may_edit(pa):
            return ""
        if self.role == READER:
            return f"you ({self.login}) are a reader of this appraisal"
        if self.role == ASSESSOR:
            return (f"you ({self.login}) assess {', '.join(self.pas)}; only the lead changes this" if pa is None
                    else f"you ({self.login}) assess {', '.join(self.pas)}, not {pa}")
        return f"you ({self.login}) have no role on this appraisal"

    def describe(self) -> str:
        """'dana (assessor of WP, WMC)'."""
        what = self.role or "no role"
        if self.role == ASSESSOR:
            what += f" of {', '.join(self.pas) or 'no process area'}"
        return f"{self.login} ({what})"


def split_pas(text_: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text_.split(",") if p.strip())


def check_write(access: Access, where: str) -> None:
    """Refuse any change for a login that may not write (a reader, a revoked login, one without a role)."""
    if access.may_write:
        return
    if access.role == READER:
        raise NotPermitted(f"{where}: login {access.login!r} is a reader of this appraisal and cannot change it; "
                           "nothing was changed (ask the lead: cmmikit grant URL --login "
                           f"{access.login} --role assessor --pa PA,...)")
    raise NotPermitted(no_role_message(access, where))


def no_role_message(access: Access, where: str) -> str:
    if access.role == REVOKED:
        return (f"{where}: the role of login {access.login!r} was revoked by {access.changed_by or 'the lead'}"
                f"{' at ' + access.changed_at[:16].replace('T', ' ') if access.changed_at else ''}; nothing was "
                "changed (ask the lead to grant it again: cmmikit grant URL --login "
                f"{access.login} --role reader)")
    return (f"{where}: login {access.login!r} has no role on this appraisal; ask its lead to run: "
            f"cmmikit grant URL --login {access.login} --role reader")


def check_lead(access: Access, where: str, what: str) -> None:
    """Refuse what only the lead may do (freeze, unfreeze, grant) for any other role (PostgreSQL)."""
    if not access.is_lead:
        raise NotPermitted(f"{where}: only the lead may {what}; login {access.login!r} is "
                           f"{access.describe().split(' (', 1)[1][:-1]}; nothing was changed")


def check_change(access: Access, table: str, pa: str | None, what: str, where: str, *,
                 removing: bool = False) -> None:
    """Refuse a change of ``table`` (a row of process area ``pa``) the session's role does not allow."""
    check_write(access, where)
    if not access.enforced or access.role == LEAD or (table in SHARED_TABLES and not removing):
        return
    if table in PA_TABLES + FINDING_PARTS and pa is not None and pa in access.pas:
        return
    if table in PA_TABLES + FINDING_PARTS:
        raise NotPermitted(f"{where}: {what} belongs to {pa or 'another process area'}; login {access.login!r} "
                           f"is an assessor of {', '.join(access.pas) or 'no process area'} only; nothing was "
                           "changed (the lead can assign it: cmmikit grant URL --login "
                           f"{access.login} --role assessor --pa ...)")
    doing = "remove" if removing else "change"
    raise NotPermitted(f"{where}: only the lead may {doing} {what} (login {access.login!r} is an assessor); "
                       "nothing was changed")


def record_creator(conn: Connection, login: str, stamp: str) -> None:
    """The login that creates (or first upgrades) an appraisal is its lead, unless a lead is recorded."""
    if conn.execute(select(t.team_roles.c.login).where(t.team_roles.c.role == LEAD)).first() is None:
        conn.execute(t.team_roles.delete().where(t.team_roles.c.login == login))
        conn.execute(insert(t.team_roles).values(login=login, role=LEAD, changed_by=login, changed_at=stamp))


def set_up(conn: Connection, stamp: str) -> None:
    """Give a new (or just upgraded) appraisal its roles: PostgreSQL's definitions, a file its creator as lead."""
    if conn.dialect.name == "postgresql":
        install(conn, stamp)
    else:
        record_creator(conn, os_login(), stamp)


def server_access(conn: Connection, schema: str, where: str) -> Access:
    """This login's role on the appraisal in ``schema``; refuses a login without one (or revoked)."""
    usage = conn.execute(text("SELECT has_schema_privilege(oid, 'USAGE') FROM pg_namespace WHERE nspname = :s"),
                         {"s": schema}).scalar()
    login = conn.execute(text("SELECT session_user")).scalar()
    if not usage:
        raise NotPermitted(no_role_message(Access(login, enforced=True), where))
    defined = conn.execute(text("SELECT to_regprocedure(quote_ident(:s) || '.cmmikit_access()') IS NOT NULL"),
                           {"s": schema}).scalar()
    if not defined:   # written before roles (schema 0005): only its owner could open it
        return Access(login, LEAD, enforced=True)
    access = current_access(conn)
    if access.role not in ROLES:
        raise NotPermitted(no_role_message(access, where))
    return access


def current_access(conn: Connection) -> Access:
    """The login's role as the database has it now (PostgreSQL, schema 0008 or later)."""
    row = conn.execute(_ACCESS).one()
    return Access(row.o_login, row.o_role, split_pas(row.o_pas), row.o_by, row.o_at, enforced=True)


# ------------------------------------------------------------------ PostgreSQL: functions, policies, triggers

_FUNCTIONS = """
CREATE OR REPLACE FUNCTION cmmikit_role() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = {path} AS $$
  SELECT CASE WHEN r.rolsuper OR pg_has_role(session_user, n.nspowner, 'MEMBER') THEN 'lead'
              ELSE (SELECT tr.role FROM team_roles tr WHERE tr.login = session_user) END
  FROM pg_roles r, pg_namespace n WHERE r.rolname = session_user AND n.nspname = current_schema()
$$;
CREATE OR REPLACE FUNCTION cmmikit_assessor_pas() RETURNS text[] LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = {path} AS $$
  SELECT CASE WHEN cmmikit_role() = 'assessor'
              THEN (SELECT string_to_array(tr.pas, ',') FROM team_roles tr WHERE tr.login = session_user)
              ELSE '{{}}'::text[] END
$$;
CREATE OR REPLACE FUNCTION cmmikit_access(OUT o_login text, OUT o_role text, OUT o_pas text, OUT o_by text,
                                          OUT o_at text) LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = {path} AS $$
  SELECT session_user::text, coalesce(cmmikit_role(), ''), coalesce(tr.pas, ''), coalesce(tr.changed_by, ''),
         coalesce(tr.changed_at, '')
  FROM (SELECT 1) one LEFT JOIN team_roles tr ON tr.login = session_user
$$;
CREATE OR REPLACE FUNCTION cmmikit_log_entry() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = {path} AS $$
BEGIN
  NEW.login := session_user;
  IF NEW.changed_by = '' THEN NEW.changed_by := session_user; END IF;
  RETURN NEW;
END $$;
"""
_ACCESS = text("SELECT * FROM cmmikit_access()")
_READ = f"(SELECT cmmikit_role()) IN {MEMBERS}"
_LEAD = "(SELECT cmmikit_role()) = 'lead'"
_MY_PA = "ARRAY[pa] <@ (SELECT cmmikit_assessor_pas())"
_MY_FINDING = f"finding_id IN (SELECT id FROM findings WHERE {_MY_PA})"
UNINSTALL = ("DROP FUNCTION IF EXISTS cmmikit_log_entry() CASCADE",
             "DROP FUNCTION IF EXISTS cmmikit_access() CASCADE",
             "DROP FUNCTION IF EXISTS cmmikit_assessor_pas() CASCADE",
             "DROP FUNCTION IF EXISTS cmmikit_role() CASCADE")


def _policies(table: str) -> list[str]:
    """The row-level security of one table: members read, the lead writes, an assessor writes their PAs."""
    own = {**dict.fromkeys(PA_TABLES, _MY_PA), **dict.fromkeys(FINDING_PARTS, _MY_FINDING),
           **dict.fromkeys(SHARED_TABLES, "(SELECT cmmikit_role()) = 'assessor'")}.get(table)
    statements = [f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
                  *(f"DROP POLICY IF EXISTS {name} ON {table}" for name in ("cmmikit_read", "cmmikit_lead",
                                                                            "cmmikit_assessor",
                                                                            "cmmikit_assessor_edit")),
                  f"CREATE POLICY cmmikit_read ON {table} FOR SELECT USING ({_READ})",
                  f"CREATE POLICY cmmikit_lead ON {table} FOR ALL USING ({_LEAD}) WITH CHECK ({_LEAD})"]
    if own and table in SHARED_TABLES:
        statements += [f"CREATE POLICY cmmikit_assessor ON {table} FOR INSERT WITH CHECK ({own})",
                       f"CREATE POLICY cmmikit_assessor_edit ON {table} FOR UPDATE USING ({own}) WITH CHECK ({own})"]
    elif own:
        statements.append(f"CREATE POLICY cmmikit_assessor ON {table} FOR ALL USING ({own}) WITH CHECK ({own})")
    if table == "changes":
        statements.append("CREATE POLICY cmmikit_assessor ON changes FOR INSERT "
                          "WITH CHECK ((SELECT cmmikit_role()) = 'assessor')")
    return statements


def _triggers(table: str) -> list[str]:
    """The change log's trigger: each line carries the login that wrote it, whatever the client says."""
    if table != "changes":
        return []
    return ["DROP TRIGGER IF EXISTS cmmikit_login ON changes",
            "CREATE TRIGGER cmmikit_login BEFORE INSERT ON changes FOR EACH ROW EXECUTE FUNCTION cmmikit_log_entry()"]


def install(conn: Connection, stamp: str) -> None:
    """(Re)create the functions, policies and triggers on the appraisal's schema (its owner, in a transaction),
    record the owner as lead if no lead is recorded, and give every recorded login its grants again."""
    # a SECURITY DEFINER function must not find a login's own temporary tables first: pg_temp goes last
    schema = conn.dialect.identifier_preparer.quote_identifier(conn.execute(text("SELECT current_schema()")).scalar())
    run_script(conn, _FUNCTIONS.format(path=f"{schema}, pg_temp"))
    for table in t.metadata.tables:
        run_script(conn, ";\n".join((*_policies(table), *_triggers(table))))
    record_creator(conn, conn.execute(text("SELECT session_user")).scalar(), stamp)
    for login, role in conn.execute(select(t.team_roles.c.login, t.team_roles.c.role)).all():
        if login_exists(conn, login):
            apply_grants(conn, login, role)


def run_script(conn: Connection, script: str) -> None:
    """Run SQL text as it is (no parameter markers: '%' stays '%'), inside the connection's transaction."""
    with conn.connection.driver_connection.cursor() as cur:  # type: ignore[union-attr]
        cur.execute(script)


def login_exists(conn: Connection, login: str) -> bool:
    return conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :l AND rolcanlogin"), {"l": login}).first() \
        is not None


def always_lead(conn: Connection, login: str) -> bool:
    """Whether ``login`` owns the current schema (or is a superuser): the database lets it do everything."""
    return bool(conn.execute(text("SELECT r.rolsuper OR pg_has_role(r.oid, n.nspowner, 'MEMBER') FROM pg_roles r, "
                                  "pg_namespace n WHERE r.rolname = :l AND n.nspname = current_schema()"),
                             {"l": login}).scalar())


def apply_grants(conn: Connection, login: str, role: str) -> None:
    """Give ``login`` exactly the privileges of ``role`` on the current schema (a revoked one keeps none but
    USAGE, so it can learn that it was revoked)."""
    quote = conn.dialect.identifier_preparer.quote_identifier
    who, schema = quote(login), quote(conn.execute(text("SELECT current_schema()")).scalar())
    def run(statement: str) -> None:
        run_script(conn, statement)

    run(f"REVOKE SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} FROM {who}")
    run(f"REVOKE USAGE ON ALL SEQUENCES IN SCHEMA {schema} FROM {who}")
    run(f"GRANT USAGE ON SCHEMA {schema} TO {who}")
    if role == REVOKED:
        return
    option = " WITH GRANT OPTION" if role == LEAD else ""
    run(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {who}{option}")
    if role == READER:
        return
    run(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {who}{option}")
    run(f"GRANT INSERT ON changes TO {who}{option}")
    if role == ASSESSOR:
        run(f"GRANT INSERT, UPDATE, DELETE ON {', '.join(ASSESSOR_TABLES)} TO {who}")
        return
    others = [name for name in t.metadata.tables if name != "changes"]
    run(f"GRANT INSERT, UPDATE, DELETE ON {', '.join(others)} TO {who} WITH GRANT OPTION")
    run(f"GRANT USAGE ON SCHEMA {schema} TO {who} WITH GRANT OPTION")
