"""Building a new appraisal database in one step: it appears complete or not at all."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, text

from cmmikit import atomic
from cmmikit.errors import StoreError
from cmmikit.store import engines, roles, schema, tables as t
from cmmikit.store.core import now
from cmmikit.store.freeze import FROZEN_KEY, file_freeze, install_guards, parse_freeze, refuse_replacing_frozen
from cmmikit.store.location import Location, os_login


def build(loc: Location, overwrite: bool, fill: Callable[[Connection], None]) -> None:
    """Create a database at ``loc`` filled by ``fill`` in one transaction: complete or absent."""
    if loc.path is not None:
        def build(tmp: Path) -> None:
            engine = engines.sqlite_engine(f"{tmp.resolve().as_uri()}?mode=rw", pool_size=1)
            try:
                with engine.connect().execution_options(cmmikit_write=True) as conn, conn.begin():
                    fill(conn)
            finally:
                engine.dispose()
        build_file(loc.path, overwrite, build)
        return
    build_on_server(loc, overwrite, fill)


def build_file(path: Path, overwrite: bool, build: Callable[[Path], None]) -> None:
    if path.exists():
        if not overwrite:
            raise StoreError(f"{path}: already exists (choose another name, or pass --force / overwrite=True "
                             "to replace it)")
        if engines.open_in_this_process(path):
            raise StoreError(f"{path}: is open in this session; close it before replacing it")
        refuse_replacing_frozen(str(path), file_freeze(path))
        if engines.open_elsewhere(path):
            raise StoreError(f"{path}: is open in another session (a notebook or a command); close it there "
                             "before replacing it")
    with engines.translated(Location(path=path)), atomic.replacing(path) as tmp:
        try:
            build(tmp)
            for suffix in ("-wal", "-shm", "-journal"):  # a stale log of the old file must not meet the new one
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        finally:
            for suffix in ("-wal", "-shm", "-journal"):
                Path(f"{tmp}{suffix}").unlink(missing_ok=True)


def build_on_server(loc: Location, overwrite: bool, fill: Callable[[Connection], None]) -> None:
    engine = engines.postgres_engine(loc.url, None, pool_size=1)
    try:
        with engines.translated(loc), engine.connect() as conn, conn.begin():
            exists = conn.execute(text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"),
                                  {"s": loc.schema}).first()
            if exists:
                if not overwrite:
                    raise StoreError(f"{loc.display}: an appraisal named {loc.appraisal!r} already exists "
                                     "(choose another name, or pass --force to replace it)")
                others = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :a "
                                           "AND pid <> pg_backend_pid()"), {"a": f"cmmikit {loc.schema}"}).scalar()
                if others:
                    raise StoreError(f"{loc.display}: is open in {others} other session(s); close them before "
                                     "replacing it")
                frozen = conn.execute(text(f'SELECT value FROM "{loc.schema}".meta WHERE key = :k'),
                                      {"k": FROZEN_KEY}).scalar()
                refuse_replacing_frozen(loc.display, parse_freeze(frozen))
                conn.execute(text(f'DROP SCHEMA "{loc.schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{loc.schema}"'))
            conn.execute(text(f'SET LOCAL search_path TO "{loc.schema}"'))
            fill(conn)
    finally:
        engine.dispose()


def fill_rows(conn: Connection, rows: dict[str, list[dict[str, Any]]], *, who: str, field: str | None, note: str,
               meta: dict[str, str] | None = None) -> None:
    """Create the tables in an empty database and insert valid rows (ids kept); log one line about it
    (``field``: None logs nothing, as for a backup that copies the change log as it is)."""
    t.metadata.create_all(conn)
    install_guards(conn)
    conn.execute(insert(t.meta), [{"key": "application", "value": schema.APPLICATION},
                                  *({"key": k, "value": v} for k, v in (meta or {}).items())])
    conn.execute(insert(t.alembic_version).values(version_num=schema.HEAD))
    merged = {r["id"]: r["merged_into"] for r in rows.get("findings", []) if r["merged_into"] is not None}
    for name in t.DUMP_TABLES:  # parents first; a merged finding may point forward: linked afterwards
        table_rows = rows.get(name, [])
        if name == "findings":
            table_rows = [{**r, "merged_into": None} for r in table_rows]
        if table_rows:
            conn.execute(insert(t.metadata.tables[name]), table_rows)
    for fid, target in merged.items():
        conn.execute(t.findings.update().where(t.findings.c.id == fid).values(merged_into=target))
    if conn.dialect.name == "postgresql":
        reset_sequences(conn)
    conn.execute(t.appraisal.update().values(generation=uuid.uuid4().hex))
    roles.set_up(conn, now())
    if field is not None:
        conn.execute(insert(t.changes).values(at=now(), changed_by=who, login=os_login(), entity="appraisal",
                                              key="appraisal", field=field, new=note))


def reset_sequences(conn: Connection) -> None:
    """After rows with explicit ids, let PostgreSQL's sequences continue after the highest one."""
    for table in t.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and table.name != "appraisal":
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                              f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))
