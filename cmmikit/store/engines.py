"""One SQLAlchemy engine per appraisal location per process, shared by every handle on it.

SQLite files: the file is inspected (header, integrity, marker) only while this
process holds no connection to it, because closing any plain file descriptor of
a database drops every POSIX lock the process holds on it (SQLite's "How To
Corrupt An SQLite Database File", 2.2). Connections use WAL, foreign keys and a
bounded busy wait. PostgreSQL: one schema per appraisal, selected per connection.
Errors from either backend become one-line :class:`~cmmikit.errors.StoreError`s.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import QueuePool

from cmmikit.errors import (FROZEN_MARKER, FrozenAppraisal, NotPermitted, ReadOnlyAppraisal, StoreBusy, StoreError,
                            StoreUnavailable)
from cmmikit.store.location import Location, os_login
from cmmikit.store.roles import Access

SQLITE_HEADER = b"SQLite format 3\x00"
SHM_DMS_BYTE = 128   # SQLite holds a shared lock on this byte of "-shm" while a connection has the file open
BUSY_ENV = "CMMIKIT_BUSY_TIMEOUT"
DEFAULT_BUSY_SECONDS = 20.0


def busy_seconds() -> float:
    """How long a write waits for another session's transaction before giving up ($CMMIKIT_BUSY_TIMEOUT)."""
    try:
        return max(0.1, float(os.environ.get(BUSY_ENV, DEFAULT_BUSY_SECONDS)))
    except ValueError:
        return DEFAULT_BUSY_SECONDS


@dataclass
class Backend:
    """An engine for one location, with the facts every handle on it shares."""

    location: Location
    engine: Engine
    readonly: bool = False
    inode: tuple[int, int] | None = None
    refs: int = 0
    key: tuple = field(default=())
    verified: bool = False
    access: Access = field(default_factory=lambda: Access(os_login()))   # PostgreSQL: set when verified

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def check_not_replaced(self) -> None:
        """A file replaced or removed under us would swallow every later write: refuse instead."""
        if self.location.path is None:
            return
        try:
            st = os.stat(self.location.path)
        except FileNotFoundError:
            raise StoreError(f"{self.location.path}: the appraisal file was removed or renamed by another program "
                             "since it was opened; your change was not saved") from None
        if (st.st_dev, st.st_ino) != self.inode:
            raise StoreError(f"{self.location.path}: the appraisal file was replaced by another program since it was "
                             "opened; reopen it (your change was not saved)")


_registry: dict[tuple, Backend] = {}
_lock = threading.RLock()


def acquire(location: Location, check_file) -> Backend:
    """The shared backend for ``location`` (created, and the file checked by ``check_file``, on first use)."""
    with _lock:
        key = _key(location)
        backend = _registry.get(key)
        if backend is None:
            if location.path is not None:
                check_file(location.path)
                backend = Backend(location, *_sqlite_engine(location.path), inode=key[1:], key=key, verified=True)
            else:
                backend = Backend(location, _postgres_engine(location), key=key)
            _registry[key] = backend
        backend.refs += 1
        return backend


def release(backend: Backend) -> None:
    """Drop one handle; the engine (and its connections) go with the last one."""
    with _lock:
        backend.refs -= 1
        if backend.refs <= 0 and _registry.get(backend.key) is backend:
            del _registry[backend.key]
            backend.engine.dispose()


def open_in_this_process(path: Path) -> bool:
    with _lock:
        try:
            st = os.stat(path)
        except OSError:
            return False
        return ("file", st.st_dev, st.st_ino) in _registry


def _key(location: Location) -> tuple:
    if location.path is None:
        return ("server", location.url.render_as_string(hide_password=True), location.appraisal)  # type: ignore[union-attr]
    try:
        st = os.stat(location.path)
    except FileNotFoundError:
        raise StoreError(f"{location.path}: no such appraisal file (create one with 'cmmikit new')") from None
    except OSError as exc:
        raise StoreError(f"{location.path}: cannot be read ({exc.strerror})") from None
    return ("file", st.st_dev, st.st_ino)


# ------------------------------------------------------------------ SQLite


def read_header(path: Path) -> bytes:
    """The first bytes of a file; call only while this process holds no connection to it."""
    with open(path, "rb") as fh:
        return fh.read(len(SQLITE_HEADER))


def writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _sqlite_engine(path: Path) -> tuple[Engine, bool]:
    readonly = not writable(path)
    uri = Path(path).resolve().as_uri()
    if readonly and not os.access(path.parent, os.W_OK) and not Path(f"{path}-wal").exists():
        uri += "?mode=ro&immutable=1"   # nobody can be writing: no WAL can be created in this folder
    elif readonly:
        uri += "?mode=ro"
    else:
        uri += "?mode=rw"
    return sqlite_engine(uri, readonly=readonly), readonly


def sqlite_engine(uri: str, *, readonly: bool = False, pool_size: int = 4, foreign_keys: bool = True) -> Engine:
    """An engine on an SQLite URI: we emit BEGIN ourselves (IMMEDIATE for writes), WAL, foreign keys."""
    seconds = busy_seconds()

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, isolation_level=None, timeout=seconds, check_same_thread=False)

    engine = create_engine("sqlite+pysqlite://", creator=connect, poolclass=QueuePool, pool_size=pool_size,
                           max_overflow=16, pool_timeout=seconds)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        dbapi_conn.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
        if not readonly:
            dbapi_conn.execute("PRAGMA journal_mode = WAL")
            dbapi_conn.execute("PRAGMA synchronous = FULL")

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        write = conn.get_execution_options().get("cmmikit_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def open_elsewhere(path: Path) -> bool:
    """Whether another process has the SQLite file open (it holds a lock on the WAL index)."""
    shm = Path(f"{path}-shm")
    if not shm.exists():
        return False
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: cannot tell
        return False
    try:
        with open(shm, "r+b") as fh:
            try:
                fcntl.lockf(fh, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, SHM_DMS_BYTE)
            except OSError:
                return True
            fcntl.lockf(fh, fcntl.LOCK_UN, 1, SHM_DMS_BYTE)
    except OSError:
        return False
    return False


# ------------------------------------------------------------------ PostgreSQL


def _postgres_engine(location: Location) -> Engine:
    return postgres_engine(location.url, location.schema if location.appraisal else None)


def postgres_engine(url, schema: str | None, *, pool_size: int = 4) -> Engine:
    """An engine on a PostgreSQL server; each connection works in the appraisal's schema."""
    seconds = busy_seconds()
    engine = create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=16, pool_timeout=seconds,
                           connect_args={"connect_timeout": max(2, int(seconds / 2)),
                                         "application_name": f"cmmikit {schema or ''}".strip()})

    @event.listens_for(engine, "connect", insert=True)
    def _on_connect(dbapi_conn, _record) -> None:
        autocommit = dbapi_conn.autocommit
        dbapi_conn.autocommit = True
        with dbapi_conn.cursor() as cur:
            if schema:
                cur.execute(f'SET SESSION search_path TO "{schema}"')
            cur.execute(f"SET SESSION lock_timeout = '{int(seconds * 1000)}ms'")
        dbapi_conn.autocommit = autocommit

    return engine


# ------------------------------------------------------------------ errors


@contextmanager
def translated(location: Location) -> Iterator[None]:
    """Turn driver errors into one-line store errors that never show a password."""
    try:
        yield
    except DBAPIError as exc:
        raise _translate(location, exc) from None
    except SQLAlchemyError as exc:
        raise StoreError(f"{location.display}: {_first_line(location, exc)}") from None


def _translate(location: Location, exc: DBAPIError) -> StoreError:
    message = _first_line(location, exc.orig or exc)
    lowered = message.lower()
    where = location.display
    if FROZEN_MARKER in message:
        return FrozenAppraisal(f"{where}: {FROZEN_MARKER} (cmmikit freeze); nothing was changed")
    if "row-level security" in lowered or "permission denied" in lowered:
        return NotPermitted(f"{where}: the database refused the change ({message}): your role does not allow it; "
                            "nothing was changed (cmmikit roles URL shows the team's roles)")
    if "locked" in lowered or "busy" in lowered or "lock timeout" in lowered or "could not obtain lock" in lowered:
        return StoreBusy(f"{where}: appraisal is busy: another session is writing; try again")
    if "readonly" in lowered or "read-only" in lowered:
        return ReadOnlyAppraisal(f"read-only: {where} cannot be changed (check the file's and folder's permissions)")
    if location.path is None and (exc.connection_invalidated or _is_connection_error(exc)):
        return StoreUnavailable(f"{where}: cannot reach the appraisal server ({message}); try again")
    if "malformed" in lowered or "not a database" in lowered:
        return StoreError(f"{where}: the appraisal file is damaged ({message})")
    return StoreError(f"{where}: {message}")


def _is_connection_error(exc: DBAPIError) -> bool:
    text = str(exc.orig or exc).lower()
    return any(s in text for s in ("connection", "could not connect", "server closed", "terminating",
                                   "timeout expired", "no route", "refused"))


def _first_line(location: Location, exc: BaseException) -> str:
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    password = getattr(location.url, "password", None)
    if password:
        text = text.replace(str(password), "***")
    text = re.sub(r"(postgres(?:ql)?(?:\+\w+)?://[^:/@\s]+:)[^@\s]+@", r"\1***@", text)
    return text[:300]
