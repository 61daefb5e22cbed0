"""The machinery every part of the Appraisal API shares: transactions, snapshots, versioned writes, the change log."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.sql import ClauseElement

from cmmikit.errors import ConflictError, FrozenAppraisal, InvalidValue, ReadOnlyAppraisal, StoreError, UnknownEntry
from cmmikit.store import engines, roles
from cmmikit.store import tables as t
from cmmikit.store.engines import Backend
from cmmikit.store.location import Location

if TYPE_CHECKING:
    from cmmikit.model import Model


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def check(value: Any, allowed: Iterable[Any], what: str) -> None:
    allowed = tuple(allowed)
    if value not in allowed:
        raise InvalidValue(f"{what} must be one of {', '.join(map(str, allowed))}; got {value!r}")


def check_fields(changes: Mapping[str, Any], allowed: set[str], what: str) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidValue(f"unknown {what} field(s) {sorted(unknown)}; allowed: {sorted(allowed)}")


MAX_TEXT = 32_767   # characters in one text field: what a spreadsheet cell holds, so every export keeps it whole
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def clean(text: str | None, what: str) -> str:
    if text is None:
        return ""
    if not isinstance(text, str):
        raise InvalidValue(f"{what} must be text, got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise InvalidValue(f"{what} is {len(text):,} characters long; at most {MAX_TEXT:,} are kept "
                           "(what a spreadsheet cell holds)")
    return text


def is_day(text: str) -> bool:
    """Whether ``text`` is a real calendar day written YYYY-MM-DD."""
    try:
        return bool(_DAY.fullmatch(text)) and bool(date.fromisoformat(text))
    except ValueError:
        return False


def checked_date(value: Any, what: str, *, required: bool = False) -> str:
    """``value`` as a date YYYY-MM-DD (blank allowed unless ``required``), or one clear InvalidValue."""
    text = clean(value, what).strip()
    if (text or required) and not is_day(text):
        shown = text if len(text) <= 40 else text[:39] + "…"
        raise InvalidValue(f"{what} must be a date YYYY-MM-DD{'' if required else ' (or blank)'}; got {shown!r}")
    return text


def _as_text(value: Any) -> str | None:
    return None if value is None else str(value)


Key = Mapping[str, Any]   # column -> value naming one row, e.g. {"pa": "SD", "practice": "SP 1.1", "instance_id": 3}
_statements: dict[tuple, Any] = {}
_LOG = insert(t.changes)


def _cached(kind: str, table: Table, keys: tuple[str, ...], extra: tuple = ()):
    """Statements built once per shape with bound parameters (k_<column> for keys, v_<column> for values)."""
    cache_key = (kind, table.name, keys, extra)
    stmt = _statements.get(cache_key)
    if stmt is None:
        where = [table.c[k] == bindparam(f"k_{k}") for k in keys]
        if kind == "select":
            stmt = select(table).where(*where)
        elif kind == "select_for_update":
            stmt = select(table).where(*where).with_for_update()
        elif kind == "update":
            stmt = update(table).where(*where).values({c: bindparam(f"v_{c}") for c in extra})
        else:
            stmt = table.delete().where(*where)
        _statements[cache_key] = stmt
    return stmt


def _params(key: Key, values: Mapping[str, Any] = {}) -> dict[str, Any]:
    return {**{f"k_{k}": v for k, v in key.items()}, **{f"v_{k}": v for k, v in values.items()}}


TARGET_LEVEL_META = "target_level"  # meta key: the appraisal's target maturity level (absent: 2)


class Subject:
    """What a change is about, for the change log and conflict messages."""

    __slots__ = ("entity", "entity_id", "key", "pa", "practice", "instance")

    def __init__(self, entity: str, key: str, *, entity_id: Any = "", pa: str = "", practice: str = "",
                 instance: str = ""):
        self.entity, self.key, self.entity_id = entity, key, str(entity_id)
        self.pa, self.practice, self.instance = pa, practice, instance


class StoreCore:
    """An open appraisal handle: shares its location's engine with every other handle in the process."""

    def __init__(self, backend: Backend, user: str):
        self._backend: Backend | None = backend
        self.location: Location = backend.location
        self.user = user
        self._conn: Connection | None = None
        self._writing = False
        self._model: Model | None = None
        self._generation = ""

    # -- lifecycle -------------------------------------------------------------

    @property
    def path(self) -> Path | PurePosixPath:
        """The appraisal file; for an appraisal on a server, a path-like label with its name."""
        return self.location.path if self.location.path is not None else PurePosixPath(self.location.appraisal)

    @property
    def address(self) -> str:
        """What opens this appraisal again: the file path or the server URL (with its password; never print it)."""
        return self.location.address

    @property
    def generation(self) -> str:
        """This appraisal's identity: kept by backups, new when it is re-created or re-imported (tells exports apart)."""
        return self._generation

    @property
    def readonly(self) -> bool:
        return self._live().readonly

    @property
    def access(self) -> roles.Access:
        """Who this session is (its login) and its role on the appraisal (enforced by PostgreSQL; on a file the
        role recorded for the OS login, shown only)."""
        access = self._live().access
        if access.enforced:
            return access
        row = self._rows(select(t.team_roles).where(t.team_roles.c.login == access.login))
        if not row:
            return access
        return roles.Access(access.login, row[0]["role"], roles.split_pas(row[0]["pas"]), row[0]["changed_by"],
                            row[0]["changed_at"])

    @property
    def login(self) -> str:
        """The login changes are recorded under: the database login on PostgreSQL, the OS login on a file."""
        return self._live().access.login

    def close(self) -> None:
        if self._backend is not None:
            engines.release(self._backend)
            self._backend = None

    @property
    def closed(self) -> bool:
        return self._backend is None

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Appraisal {self.location.label!r}>"

    def _live(self) -> Backend:
        if self._backend is None:
            raise StoreError(f"{self.location.display}: the appraisal is closed")
        return self._backend

    # -- transactions and snapshots --------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group changes into one transaction (all or nothing); nested uses join the outer one."""
        backend = self._live()
        if self._conn is not None:
            if not self._writing:
                raise StoreError("cannot change the appraisal while reading a snapshot of it")
            yield
            return
        if backend.readonly:
            raise ReadOnlyAppraisal(f"read-only: {self.location.display} cannot be changed "
                                    "(the file or its folder is not writable)")
        try:
            with engines.translated(self.location):
                conn = backend.engine.connect().execution_options(cmmikit_write=True)
                try:
                    with conn.begin():
                        self._conn, self._writing = conn, True
                        backend.check_not_replaced()
                        if backend.access.enforced:   # a role changed since the last write counts at once
                            backend.access = roles.current_access(conn)
                            roles.check_write(backend.access, self.location.display)
                        self._check_generation(conn)
                        yield
                finally:
                    self._conn, self._writing = None, False
                    conn.close()
        except FrozenAppraisal:
            raise self.refusal() from None

    def refusal(self) -> FrozenAppraisal:
        """The error for a write refused because the record is frozen (the freeze store names who and when)."""
        return FrozenAppraisal(f"{self.location.display}: the appraisal is frozen; nothing was changed")

    @contextmanager
    def snapshot(self) -> Iterator["StoreCore"]:
        """Read everything inside the block from one consistent state of the appraisal.

        SQLite: one deferred read transaction; PostgreSQL: REPEATABLE READ. Nested uses
        (and reads inside a write transaction) join the outer one.
        """
        backend = self._live()
        if self._conn is not None:
            yield self
            return
        with engines.translated(self.location):
            conn = backend.engine.connect()
            if backend.dialect == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            try:
                with conn.begin():
                    self._conn, self._writing = conn, False
                    yield self
            finally:
                self._conn, self._writing = None, False
                conn.close()

    def _check_generation(self, conn: Connection) -> None:
        current = conn.execute(select(t.appraisal.c.generation)).scalar()
        if self._generation and current != self._generation:
            raise StoreError(f"{self.location.display}: the appraisal was replaced (re-imported or re-created) "
                             "since it was opened; reopen it (your change was not saved)")

    def _may_change(self, table: Table, key: Key, values: Mapping[str, Any], row: Mapping[str, Any] | None,
                    subject: Subject, *, removing: bool = False) -> None:
        """Refuse (before anything is written) a change the session's role does not allow (PostgreSQL)."""
        access = self._live().access
        if not access.enforced or access.role == roles.LEAD:
            return
        if row is None and key and table.name in roles.FINDING_PARTS + roles.PA_TABLES:
            row = self._conn.execute(_cached("select", table, tuple(key)), _params(key)).mappings().first()  # type: ignore[union-attr]
        pa = next((m["pa"] for m in (values, key, row or {}) if m.get("pa")), None) or subject.pa or None
        finding = next((m["finding_id"] for m in (values, key, row or {}) if m.get("finding_id")), None)
        if pa is None and finding is not None:
            pa = self._conn.execute(select(t.findings.c.pa).where(t.findings.c.id == finding)).scalar()  # type: ignore[union-attr]
        roles.check_change(access, table.name, pa, subject.key, self.location.display, removing=removing)

    def _rows(self, stmt: ClauseElement) -> list[RowMapping]:
        if self._conn is not None:
            return self._conn.execute(stmt).mappings().all()
        with self.snapshot():
            return self._conn.execute(stmt).mappings().all()  # type: ignore[union-attr]

    def _tuples(self, stmt: ClauseElement) -> list[tuple]:
        """Rows as plain tuples in the order selected (the fast path for long lists)."""
        with self.snapshot():
            return [tuple(row) for row in self._conn.execute(stmt).all()]  # type: ignore[union-attr]

    def _scalar(self, stmt: ClauseElement) -> Any:
        if self._conn is not None:
            return self._conn.execute(stmt).scalar()
        with self.snapshot():
            return self._conn.execute(stmt).scalar()  # type: ignore[union-attr]

    def _write(self, stmt: ClauseElement):
        """Run one statement inside the current (or a new) write transaction."""
        with self.transaction():
            return self._conn.execute(stmt)  # type: ignore[union-attr]

    # -- versioned writes and the change log ------------------------------------

    def _log(self, subject: Subject, field: str, old: Any, new: Any) -> None:
        self._log_many([(subject, field, old, new)])

    def _log_many(self, entries: Iterable[tuple[Subject, str, Any, Any]]) -> None:
        """Write change-log lines (subject, field, old, new) in one statement."""
        at = now()
        rows = [{"at": at, "changed_by": self.user, "login": self.login, "entity": subject.entity,
                 "entity_id": subject.entity_id, "pa": subject.pa, "practice": subject.practice,
                 "instance": subject.instance, "key": subject.key, "field": field, "old": _as_text(old),
                 "new": _as_text(new)} for subject, field, old, new in entries]
        if rows:
            self._conn.execute(_LOG, rows)  # type: ignore[union-attr]

    def _insert(self, table: Table, values: dict[str, Any], subject: Subject, logged: Mapping[str, Any]) -> int | None:
        """Insert a row stamped with its first version; log the given fields as created."""
        self._may_change(table, {}, values, None, subject)
        stamp = {"version": 1, "updated_by": self.user, "updated_at": now()}
        result = self._conn.execute(insert(table).values(**values, **stamp))  # type: ignore[union-attr]
        pk = result.inserted_primary_key
        if not subject.entity_id and pk and len(pk) == 1:
            subject.entity_id = str(pk[0])
            subject.key = subject.key.replace("{id}", subject.entity_id)
        self._log_many((subject, name, None, value) for name, value in logged.items() if value not in (None, ""))
        return pk[0] if pk and len(pk) == 1 else None

    def _upsert(self, table: Table, key: Key, changes: Mapping[str, Any], subject: Subject,
                base_version: int | None) -> RowMapping | None:
        """Change a row that may not exist yet (version 0); returns the row as it was, or None if created."""
        self._may_change(table, key, changes, None, subject)
        row = self._locked_row(table, key)
        if row is None:
            self._check_version(None, base_version, subject)
            stmt = _insert_ignoring_duplicates(self._live().dialect, table).values(
                **key, **changes, version=1, updated_by=self.user, updated_at=now())
            if self._conn.execute(stmt).rowcount:  # type: ignore[union-attr]
                for name, value in changes.items():
                    if value not in (None, ""):
                        self._log(subject, name, None, value)
                return None
            row = self._locked_row(table, key)  # created meanwhile by another session
        return self._update(table, key, changes, subject, base_version, row=row)

    def _row(self, table: Table, key: Key) -> RowMapping | None:
        """The row named by ``key``, or None."""
        with self.snapshot():
            return self._conn.execute(_cached("select", table, tuple(key)),  # type: ignore[union-attr]
                                      _params(key)).mappings().first()

    def _locked_row(self, table: Table, key: Key) -> RowMapping | None:
        """The row named by ``key`` (locked until the transaction ends, on PostgreSQL)."""
        kind = "select_for_update" if self._live().dialect == "postgresql" else "select"
        stmt = _cached(kind, table, tuple(key))
        return self._conn.execute(stmt, _params(key)).mappings().first()  # type: ignore[union-attr]

    def _update(self, table: Table, key: Key, changes: Mapping[str, Any], subject: Subject,
                base_version: int | None, *, row: RowMapping | None = None, touch: bool = False) -> RowMapping:
        """Change some fields of one row if it is still at ``base_version`` (None: whatever it is now).

        Unchanged fields are not written; each changed field is logged with its old and new value.
        ``touch`` raises the version even when no field of the row changed (its links did).
        Returns the row as it was before the change.
        """
        self._may_change(table, key, changes, row, subject)
        if row is None:
            row = self._locked_row(table, key)
        if row is None:
            raise UnknownEntry(f"{subject.key}: no longer exists (removed by another session?); "
                               "your change was not saved")
        self._check_version(row, base_version, subject)
        actual = {k: v for k, v in changes.items() if row[k] != v}
        if actual or touch:
            values = {**actual, "version": row["version"] + 1, "updated_by": self.user, "updated_at": now()}
            stmt = _cached("update", table, tuple(key), tuple(values))
            self._conn.execute(stmt, _params(key, values))  # type: ignore[union-attr]
            self._log_many((subject, name, row[name], value) for name, value in actual.items())
        return row

    def _check_version(self, row: RowMapping | None, base_version: int | None, subject: Subject) -> None:
        current = 0 if row is None else row["version"]
        if base_version is None or base_version == current:
            return
        if row is None:
            raise ConflictError(f"{subject.key} was removed by another session; your change was not saved",
                                entity=subject.entity, key=subject.key, current=None)
        who, when = row.get("updated_by") or "another session", row.get("updated_at") or ""
        shown = ", ".join(f"{k}: {_short(v)}" for k, v in row.items()
                          if k not in _NOT_SHOWN and v not in (None, ""))
        raise ConflictError(f"{subject.key} was changed by {who}{' at ' + _clock(when) if when else ''} "
                            f"(now {shown or 'blank'}); your change was not saved",
                            entity=subject.entity, key=subject.key, changed_by=who, changed_at=when,
                            current=dict(row))

    def _delete(self, table: Table, key: Key, subject: Subject, base_version: int | None, summary: str) -> None:
        self._may_change(table, key, {}, None, subject, removing=True)
        row = self._locked_row(table, key)
        if row is None:
            raise UnknownEntry(f"{subject.key}: no such entry (removed by another session?)")
        self._check_version(row, base_version, subject)
        self._conn.execute(_cached("delete", table, tuple(key)), _params(key))  # type: ignore[union-attr]
        self._log(subject, "removed", row.get(summary), None)

    # -- model and validation ------------------------------------------------------

    @property
    def model(self) -> "Model":
        """The model this appraisal is rated against (loaded on first use)."""
        if self._model is None:
            from cmmikit.model import load_model

            info = self._rows(select(t.appraisal.c.model_id, t.appraisal.c.model_ref))[0]
            level = self.target_level
            try:
                self._model = load_model(info["model_ref"] or info["model_id"], level)
            except Exception:
                if not info["model_ref"]:
                    raise
                self._model = load_model(info["model_id"], level)
        return self._model

    @property
    def target_level(self) -> int | None:
        """The target maturity level stored for this appraisal (None: the model's own default, 2)."""
        raw = self._scalar(select(t.meta.c.value).where(t.meta.c.key == TARGET_LEVEL_META))
        return int(raw) if raw is not None and str(raw).isdigit() else None

    def _check_pa(self, pa: str) -> None:
        if pa not in self.model.process_areas:
            raise UnknownEntry(f"process area {pa!r} is not in model {self.model.id} "
                               f"({', '.join(self.model.pa_ids)})")

    def _check_practice(self, pa: str, practice: str) -> None:
        self._check_pa(pa)
        if practice not in {p.id for p in self.model.pa(pa).practices}:
            raise UnknownEntry(f"{pa} has no practice {practice!r}")

    def _check_goal(self, pa: str, goal: str) -> None:
        self._check_pa(pa)
        if goal not in {g.id for g in self.model.pa(pa).goals}:
            raise UnknownEntry(f"{pa} has no goal {goal!r}")

    def _instance_row(self, name: str) -> RowMapping:
        """The instance called ``name`` now (looked up inside the running transaction, never cached)."""
        row = self._row(t.instances, {"name": name})
        if row is None:
            raise UnknownEntry(f"no basic unit or support function named {name!r} (removed or renamed by "
                               "another session?)")
        return row

    def _instance_id(self, name: str) -> int:
        return int(self._instance_row(name)["id"])


_NOT_SHOWN = {"version", "updated_by", "updated_at", "instance_id", "id", "pa", "practice", "goal", "created_at",
              "decided_at", "finding_id", "edited", "source_key", "artifact_id", "affirmation_id"}


def _insert_ignoring_duplicates(dialect: str, table: Table):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


def _short(value: Any, limit: int = 60) -> str:
    text = str(value).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clock(iso: str) -> str:
    """'2026-11-25T10:42:07+00:00' -> '2026-11-25 10:42 UTC'."""
    try:
        return datetime.fromisoformat(iso).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return iso
