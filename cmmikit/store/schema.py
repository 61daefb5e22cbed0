"""Creating, recognising and upgrading appraisal databases (Alembic revisions are the schema versions).

A new database gets the current tables (``tables.metadata``) and is stamped with the
newest revision; an older one is upgraded by the migrations in ``migrations/`` (a file
after a backup copy is kept beside it). Files of cmmikit 0.1 (``meta.schema_version = 1``,
no Alembic table) count as revision ``0001``. Revisions after ``0002`` must run on both
backends: write them with Alembic operations (``op.batch_alter_table`` for SQLite), add
their id to ``REVISIONS`` and keep ``tables.py`` equal to the result (a test compares them).
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

from sqlalchemy import Connection, insert, inspect, select, text

from cmmikit.errors import NotAnAppraisal, ReadOnlyAppraisal, SchemaTooNew, StoreError
from cmmikit.store import engines, roles, tables as t
from cmmikit.store.freeze import install_guards

APPLICATION = "cmmikit"
REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008")  # oldest first; the last is the current schema
HEAD = REVISIONS[-1]
LEGACY = {"1": "0001"}                 # meta.schema_version of files written before Alembic
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create(conn: Connection, *, name: str, model_id: str, model_ref: str, user: str, stamp: str) -> str:
    """Create every table in an empty database (inside the caller's transaction); returns the generation."""
    t.metadata.create_all(conn)
    install_guards(conn)
    generation = uuid.uuid4().hex
    conn.execute(insert(t.meta).values(key="application", value=APPLICATION))
    conn.execute(insert(t.alembic_version).values(version_num=HEAD))
    conn.execute(insert(t.appraisal).values(id=1, name=name, model_id=model_id, model_ref=model_ref,
                                            generation=generation, version=1, updated_by=user, updated_at=stamp))
    roles.set_up(conn, stamp)
    return generation


def revision(conn: Connection) -> str | None:
    """The schema revision of a cmmikit database, or None when it is not one."""
    names = set(inspect(conn).get_table_names())
    if "meta" not in names:
        return None
    meta = {r[0]: r[1] for r in conn.execute(select(t.meta.c.key, t.meta.c.value))}
    if meta.get("application") != APPLICATION:
        return None
    if "alembic_version" in names:
        found = conn.execute(select(t.alembic_version.c.version_num)).scalar()
        if found:
            return str(found)
    legacy = meta.get("schema_version", "")
    return LEGACY.get(legacy, f"legacy-{legacy}")


def check_revision(where: str, found: str | None) -> None:
    if found is None:
        raise NotAnAppraisal(f"{where}: not a cmmikit appraisal; it was left untouched")
    if found not in REVISIONS:
        raise SchemaTooNew(f"{where}: written by a newer cmmikit (schema {found}, this one reads up to {HEAD}); "
                           "upgrade cmmikit. It was left untouched")


def inspect_file(path: Path) -> str:
    """Check an SQLite file is an intact cmmikit appraisal without writing to it; return its revision.

    Call only while this process holds no connection to the file (see engines.acquire).
    """
    if path.is_dir():
        raise NotAnAppraisal(f"{path}: is a folder; give an appraisal file (*.cmmi) or a server URL "
                             "('cmmikit new' creates one)")
    if not path.is_file():
        raise NotAnAppraisal(f"{path}: not a file")
    try:
        header = engines.read_header(path)
    except PermissionError:
        raise StoreError(f"{path}: cannot be read (permission denied)") from None
    if header != engines.SQLITE_HEADER:
        raise NotAnAppraisal(f"{path}: not a cmmikit appraisal (not an SQLite file); the file was left untouched")
    # without a WAL file nothing is pending and nobody has it open in WAL mode: read the file alone,
    # so that a refused file gets no -wal/-shm beside it
    immutable = "" if Path(f"{path}-wal").exists() else "&immutable=1"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro{immutable}", uri=True)
        try:
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise StoreError(f"{path}: the appraisal file is damaged (integrity check failed); "
                                 "the file was left untouched")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall()) if "meta" in tables else {}
            found = None
            if meta.get("application") == APPLICATION:
                row = (conn.execute("SELECT version_num FROM alembic_version").fetchone()
                       if "alembic_version" in tables else None)
                legacy = meta.get("schema_version", "")
                found = str(row[0]) if row else LEGACY.get(legacy, f"legacy-{legacy}")
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: the appraisal file cannot be read ({exc}); the file was left untouched") from None
    if found is None:
        raise NotAnAppraisal(f"{path}: an SQLite database, but not a cmmikit appraisal; the file was left untouched")
    check_revision(str(path), found)
    return found


def upgrade_file(path: Path, found: str) -> Path | None:
    """Bring an older appraisal file to the current schema; returns the backup copy kept beside it."""
    if found == HEAD:
        return None
    if not engines.writable(path):
        raise ReadOnlyAppraisal(f"read-only: {path} was written by an older cmmikit (schema {found}) and must be "
                                "upgraded, but the file or its folder is not writable")
    backup = _free_name(path.with_name(f"{path.name}.schema-{found}.bak"))
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)
    try:
        target = sqlite3.connect(backup)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    # tables are rebuilt, so no cascades while rows are copied; references are checked at the end
    engine = engines.sqlite_engine(f"{path.resolve().as_uri()}?mode=rw", foreign_keys=False)
    try:
        with engine.connect().execution_options(cmmikit_write=True) as conn, conn.begin():
            current = revision(conn)
            if current != HEAD:  # another process may have upgraded it meanwhile
                if current in LEGACY.values() and not inspect(conn).has_table("alembic_version"):
                    conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
                    conn.execute(insert(t.alembic_version).values(version_num=current))
                from alembic import command

                command.upgrade(alembic_config(conn), HEAD)
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise StoreError(f"{path}: upgrade stopped, {len(broken)} broken references; "
                                     f"the file is unchanged (backup: {backup.name})")
    finally:
        engine.dispose()
    return backup


def upgrade_server(engine, where: str) -> None:
    """Bring an appraisal on a server to the current schema (one transaction; PostgreSQL DDL is transactional)."""
    from alembic import command

    with engine.connect() as conn, conn.begin():
        owner, may = conn.execute(text(
            "SELECT pg_get_userbyid(nspowner), pg_has_role(session_user, nspowner, 'MEMBER') "
            "FROM pg_namespace WHERE nspname = current_schema()")).one()
        if not may:   # only the schema's owner (its lead) may change its tables
            raise StoreError(f"{where}: this appraisal was written by an older cmmikit (schema {revision(conn)}) "
                             f"and must be upgraded to schema {HEAD} by its owner; ask {owner} to open it once with "
                             "this cmmikit version (e.g. cmmikit roles URL); nothing was changed")
        conn.execute(text("LOCK TABLE alembic_version IN EXCLUSIVE MODE"))   # one session upgrades, others wait
        if revision(conn) != HEAD:
            command.upgrade(alembic_config(conn), HEAD)
            roles.install(conn, conn.execute(text("SELECT to_char(now() AT TIME ZONE 'UTC', "
                                                  "'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')")).scalar())


def alembic_config(conn: Connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = conn
    return config


def _free_name(path: Path) -> Path:
    n, candidate = 1, path
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate
