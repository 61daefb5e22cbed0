"""The appraisal store: one SQLite file per appraisal, and the only module that knows SQL.

Every public method that changes data is one transaction (autosave): a killed
process never loses a committed change and never leaves a half-written file.
Files carry an application marker and a schema version; anything else is
refused before a single byte of it is written.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from cmmikit import atomic
from cmmikit.errors import ImportProblem, InvalidValue, NotAnAppraisal, SchemaTooNew, StoreError, UnknownEntry

if TYPE_CHECKING:
    from cmmikit.model import Model

APPLICATION = "cmmikit"
DUMP_FORMAT = "cmmikit-appraisal"
SQLITE_HEADER = b"SQLite format 3\x00"

CHARACTERIZATIONS = ("FI", "LI", "PI", "NI", "NY")
INSTANCE_KINDS = ("basic_unit", "support_function")
SCOPES = ("in_scope", "not_applicable", "out_of_scope")
APPRAISAL_TYPES = ("SCAMPI A", "SCAMPI B", "SCAMPI C", "Self-appraisal")
EVIDENCE_KINDS = ("artifact", "affirmation")
FINDING_KINDS = ("weakness", "strength")
FINDING_ORIGINS = ("generated", "manual", "merged")
FINDING_STATUSES = ("open", "merged", "dismissed")
ACTION_STATUSES = ("open", "in_progress", "done", "cancelled")

# ------------------------------------------------------------------ schema and migrations

_SCHEMA_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE appraisal (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    model_id TEXT NOT NULL,
    model_ref TEXT NOT NULL DEFAULT '',
    org_unit TEXT NOT NULL DEFAULT '',
    appraisal_type TEXT NOT NULL DEFAULT 'SCAMPI A',
    sponsor TEXT NOT NULL DEFAULT '',
    lead_appraiser TEXT NOT NULL DEFAULT '',
    start_date TEXT NOT NULL DEFAULT '',
    end_date TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT ''
);
CREATE TABLE instances (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('basic_unit', 'support_function')),
    subgroup TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL
);
CREATE TABLE instance_pas (
    instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    pa TEXT NOT NULL,
    PRIMARY KEY (instance_id, pa)
);
CREATE TABLE pa_scope (
    pa TEXT PRIMARY KEY,
    scope TEXT NOT NULL CHECK (scope IN ('in_scope', 'not_applicable', 'out_of_scope')),
    reason TEXT NOT NULL DEFAULT ''
);
CREATE TABLE assessors (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL DEFAULT ''
);
CREATE TABLE assessor_pas (
    assessor_id INTEGER NOT NULL REFERENCES assessors(id) ON DELETE CASCADE,
    pa TEXT NOT NULL,
    PRIMARY KEY (assessor_id, pa)
);
CREATE TABLE practice_records (
    pa TEXT NOT NULL,
    practice TEXT NOT NULL,
    instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    characterization TEXT CHECK (characterization IN ('FI', 'LI', 'PI', 'NI', 'NY')),
    strengths TEXT NOT NULL DEFAULT '',
    weaknesses TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (pa, practice, instance_id)
);
CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    pa TEXT NOT NULL,
    practice TEXT NOT NULL,
    instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('artifact', 'affirmation')),
    description TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    who TEXT NOT NULL DEFAULT '',
    collected_on TEXT NOT NULL DEFAULT ''
);
CREATE INDEX evidence_by_practice ON evidence (pa, practice, instance_id);
CREATE TABLE practice_decisions (
    pa TEXT NOT NULL,
    practice TEXT NOT NULL,
    value TEXT NOT NULL CHECK (value IN ('FI', 'LI', 'PI', 'NI')),
    rationale TEXT NOT NULL,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL,
    PRIMARY KEY (pa, practice)
);
CREATE TABLE goal_decisions (
    pa TEXT NOT NULL,
    goal TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('Unsatisfied')),
    rationale TEXT NOT NULL,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL,
    PRIMARY KEY (pa, goal)
);
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('weakness', 'strength')),
    pa TEXT NOT NULL,
    goal TEXT NOT NULL,
    statement TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('generated', 'manual', 'merged')),
    source_key TEXT NOT NULL DEFAULT '',
    effort INTEGER CHECK (effort BETWEEN 1 AND 5),
    impact INTEGER CHECK (impact BETWEEN 1 AND 5),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'merged', 'dismissed')),
    merged_into INTEGER REFERENCES findings(id) ON DELETE SET NULL,
    edited INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE finding_practices (
    finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
    practice TEXT NOT NULL,
    PRIMARY KEY (finding_id, practice)
);
CREATE TABLE finding_instances (
    finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
    instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    PRIMARY KEY (finding_id, instance_id)
);
CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    due_date TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE responses (
    id INTEGER PRIMARY KEY,
    instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    pa TEXT NOT NULL,
    practice TEXT NOT NULL,
    question INTEGER NOT NULL,
    question_text TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL,
    evidence TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    respondent TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    imported_at TEXT NOT NULL,
    UNIQUE (instance_id, pa, practice, question)
);
"""

# Registered migrations: MIGRATIONS[n] upgrades a file from schema n to n + 1.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {}
SCHEMA_VERSION = 1 + len(MIGRATIONS)


# ------------------------------------------------------------------ records


@dataclass(frozen=True)
class AppraisalInfo:
    name: str
    model_id: str
    model_ref: str = ""
    org_unit: str = ""
    appraisal_type: str = "SCAMPI A"
    sponsor: str = ""
    lead_appraiser: str = ""
    start_date: str = ""
    end_date: str = ""
    description: str = ""


@dataclass(frozen=True)
class Instance:
    name: str
    kind: str
    subgroup: str
    description: str
    pas: tuple[str, ...]


@dataclass(frozen=True)
class Scope:
    pa: str
    scope: str
    reason: str


@dataclass(frozen=True)
class Assessor:
    name: str
    role: str
    pas: tuple[str, ...]


@dataclass(frozen=True)
class PracticeRecord:
    pa: str
    practice: str
    instance: str
    characterization: str | None = None
    strengths: str = ""
    weaknesses: str = ""
    notes: str = ""


@dataclass(frozen=True)
class Evidence:
    id: int
    pa: str
    practice: str
    instance: str
    kind: str
    description: str
    location: str = ""
    who: str = ""
    collected_on: str = ""


@dataclass(frozen=True)
class PracticeDecision:
    pa: str
    practice: str
    value: str
    rationale: str
    decided_by: str = ""


@dataclass(frozen=True)
class GoalDecision:
    pa: str
    goal: str
    rating: str
    rationale: str
    decided_by: str = ""


@dataclass(frozen=True)
class Finding:
    id: int
    kind: str
    pa: str
    goal: str
    statement: str
    origin: str
    practices: tuple[str, ...] = ()
    instances: tuple[str, ...] = ()
    source_key: str = ""
    effort: int | None = None
    impact: int | None = None
    status: str = "open"
    merged_into: int | None = None
    edited: bool = False


@dataclass(frozen=True)
class Action:
    id: int
    finding_id: int
    description: str
    owner: str = ""
    due_date: str = ""
    status: str = "open"


@dataclass(frozen=True)
class Response:
    instance: str
    pa: str
    practice: str
    question: int
    answer: str
    question_text: str = ""
    evidence: str = ""
    comment: str = ""
    respondent: str = ""
    source: str = ""


# ------------------------------------------------------------------ helpers


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _check(value: Any, allowed: Iterable[Any], what: str) -> None:
    allowed = tuple(allowed)
    if value not in allowed:
        raise InvalidValue(f"{what} must be one of {', '.join(map(str, allowed))}; got {value!r}")


def _check_fields(changes: dict[str, Any], allowed: set[str], what: str) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidValue(f"unknown {what} field(s) {sorted(unknown)}; allowed: {sorted(allowed)}")


def _clean(text: str | None, what: str) -> str:
    if text is None:
        return ""
    if not isinstance(text, str):
        raise InvalidValue(f"{what} must be text, got {type(text).__name__}")
    return text


def _connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?mode={'ro' if readonly else 'rw'}"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=10, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def inspect_file(path: Path) -> int:
    """Check that ``path`` is an intact cmmikit appraisal without writing to it; return its schema version."""
    if not path.exists():
        raise StoreError(f"{path}: no such appraisal file (create one with 'cmmikit new')")
    if not path.is_file():
        raise NotAnAppraisal(f"{path}: not a file")
    with open(path, "rb") as fh:
        header = fh.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise NotAnAppraisal(f"{path}: not a cmmikit appraisal (not an SQLite file); the file was left untouched")
    try:
        conn = _connect(path, readonly=True)
        try:
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise StoreError(f"{path}: the appraisal file is damaged (integrity check failed); the file was left untouched")
            has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall()) if has_meta else {}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: the appraisal file cannot be read ({exc}); the file was left untouched") from None
    if meta.get("application") != APPLICATION:
        raise NotAnAppraisal(f"{path}: an SQLite database, but not a cmmikit appraisal; the file was left untouched")
    version = int(meta.get("schema_version", "0"))
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(f"{path}: written by a newer cmmikit (schema {version}, this one reads up to "
                           f"{SCHEMA_VERSION}); upgrade cmmikit. The file was left untouched")
    return version


def _remove_sidecars(path: Path) -> None:
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def _building(path: Path, overwrite: bool) -> Iterator[Path]:
    """Yield a temporary file next to ``path``; move it into place only if the block succeeds."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise StoreError(f"{path}: already exists (choose another name or pass overwrite)")
    with atomic.replacing(path) as tmp:
        try:
            yield tmp
            _remove_sidecars(path)  # the old file's WAL must not be applied to the new one
        finally:
            _remove_sidecars(tmp)


# ------------------------------------------------------------------ the store


class Appraisal:
    """An open appraisal file.  Use :meth:`create` or :meth:`open`; close it (or use ``with``)."""

    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = Path(path)
        self._conn = conn
        self._depth = 0
        self._model: Model | None = None
        self._instance_ids: dict[str, int] | None = None

    # -- lifecycle ---------------------------------------------------------

    @classmethod
    def create(cls, path: str | os.PathLike, *, name: str, model: "str | os.PathLike | Model | None" = None,
               overwrite: bool = False, **info: str) -> "Appraisal":
        """Create a new appraisal file (atomically: it appears complete or not at all)."""
        from cmmikit.model import Model, load_model

        loaded = model if isinstance(model, Model) else load_model(model)
        model_ref = "" if model is None or isinstance(model, Model) else str(model)
        if isinstance(model, Model):
            model_ref = str(model.source)
        if model_ref == loaded.id:
            model_ref = ""
        with _building(Path(path), overwrite) as tmp:
            conn = _connect(tmp)
            try:
                conn.executescript(_SCHEMA_V1)
                conn.execute("BEGIN")
                conn.executemany("INSERT INTO meta VALUES (?, ?)",
                                 [("application", APPLICATION), ("schema_version", str(SCHEMA_VERSION))])
                conn.execute("INSERT INTO appraisal (id, name, model_id, model_ref) VALUES (1, ?, ?, ?)",
                             (_clean(name, "name"), loaded.id, model_ref))
                conn.execute("COMMIT")
            finally:
                conn.close()
        appraisal = cls.open(path)
        appraisal._model = loaded
        if info:
            appraisal.update_info(**info)
        return appraisal

    @classmethod
    def open(cls, path: str | os.PathLike) -> "Appraisal":
        """Open an existing appraisal; refuse (untouched) anything that is not one of ours."""
        path = Path(path)
        version = inspect_file(path)
        conn = _connect(path)
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        appraisal = cls(path, conn)
        appraisal._migrate(version)
        return appraisal

    def _migrate(self, version: int) -> None:
        while version < SCHEMA_VERSION:
            with self.transaction():
                MIGRATIONS[version](self._conn)
                version += 1
                self._conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None  # type: ignore[assignment]

    def __enter__(self) -> "Appraisal":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Appraisal {self.path.name!r}>"

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group changes into one transaction; nested uses join the outer one."""
        if self._conn is None:
            raise StoreError(f"{self.path}: the appraisal is closed")
        if self._depth == 0:
            self._conn.execute("BEGIN IMMEDIATE")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self._conn.execute("ROLLBACK")
                self._instance_ids = None
            raise
        self._depth -= 1
        if self._depth == 0:
            self._conn.execute("COMMIT")

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        if self._conn is None:
            raise StoreError(f"{self.path}: the appraisal is closed")
        return self._conn.execute(sql, tuple(params)).fetchall()

    def _exec(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        with self.transaction():
            return self._conn.execute(sql, tuple(params))

    # -- model and validation ------------------------------------------------

    @property
    def model(self) -> "Model":
        """The model this appraisal is rated against (loaded on first use)."""
        if self._model is None:
            from cmmikit.model import load_model

            info = self.info()
            try:
                self._model = load_model(info.model_ref or info.model_id)
            except Exception:
                if not info.model_ref:
                    raise
                self._model = load_model(info.model_id)
        return self._model

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

    def _instance_id(self, name: str) -> int:
        if self._instance_ids is None:
            self._instance_ids = {r["name"]: r["id"] for r in self._rows("SELECT id, name FROM instances")}
        try:
            return self._instance_ids[name]
        except KeyError:
            raise UnknownEntry(f"no basic unit or support function named {name!r}") from None

    # -- appraisal facts -----------------------------------------------------

    def info(self) -> AppraisalInfo:
        row = self._rows("SELECT * FROM appraisal WHERE id = 1")[0]
        return AppraisalInfo(**{f.name: row[f.name] for f in fields(AppraisalInfo)})

    def update_info(self, **changes: str) -> None:
        allowed = {f.name for f in fields(AppraisalInfo)} - {"model_id", "model_ref"}
        _check_fields(changes, allowed, "appraisal")
        if "appraisal_type" in changes:
            _check(changes["appraisal_type"], APPRAISAL_TYPES, "appraisal type")
        with self.transaction():
            for key, value in changes.items():
                self._conn.execute(f"UPDATE appraisal SET {key} = ? WHERE id = 1", (_clean(value, key),))

    # -- instances (basic units and support functions) -------------------------

    def add_instance(self, name: str, kind: str = "basic_unit", *, subgroup: str = "",
                     description: str = "", pas: Iterable[str] | None = None) -> None:
        """Add a basic unit or support function; ``pas`` are the PAs it is sampled for (default: all)."""
        name = _clean(name, "name").strip()
        if not name:
            raise InvalidValue("an instance needs a name")
        _check(kind, INSTANCE_KINDS, "kind")
        pas = list(self.model.pa_ids if pas is None else pas)
        for pa in pas:
            self._check_pa(pa)
        with self.transaction():
            if self._rows("SELECT 1 FROM instances WHERE name = ?", (name,)):
                raise InvalidValue(f"an instance named {name!r} already exists")
            position = self._rows("SELECT COALESCE(MAX(position), 0) + 1 FROM instances")[0][0]
            cur = self._conn.execute(
                "INSERT INTO instances (name, kind, subgroup, description, position) VALUES (?, ?, ?, ?, ?)",
                (name, kind, _clean(subgroup, "subgroup"), _clean(description, "description"), position))
            self._conn.executemany("INSERT INTO instance_pas VALUES (?, ?)", [(cur.lastrowid, pa) for pa in pas])
            self._instance_ids = None

    def update_instance(self, name: str, *, new_name: str | None = None, kind: str | None = None,
                        subgroup: str | None = None, description: str | None = None,
                        pas: Iterable[str] | None = None) -> None:
        """Rename an instance or change its kind, subgroup, description or sampled PAs."""
        ident = self._instance_id(name)
        with self.transaction():
            if new_name is not None and new_name.strip() != name:
                new_name = new_name.strip()
                if not new_name:
                    raise InvalidValue("an instance needs a name")
                if self._rows("SELECT 1 FROM instances WHERE name = ?", (new_name,)):
                    raise InvalidValue(f"an instance named {new_name!r} already exists")
                self._conn.execute("UPDATE instances SET name = ? WHERE id = ?", (new_name, ident))
            if kind is not None:
                _check(kind, INSTANCE_KINDS, "kind")
                self._conn.execute("UPDATE instances SET kind = ? WHERE id = ?", (kind, ident))
            for column, value in (("subgroup", subgroup), ("description", description)):
                if value is not None:
                    self._conn.execute(f"UPDATE instances SET {column} = ? WHERE id = ?", (_clean(value, column), ident))
            if pas is not None:
                pas = list(pas)
                for pa in pas:
                    self._check_pa(pa)
                self._conn.execute("DELETE FROM instance_pas WHERE instance_id = ?", (ident,))
                self._conn.executemany("INSERT INTO instance_pas VALUES (?, ?)", [(ident, pa) for pa in pas])
            self._instance_ids = None

    def remove_instance(self, name: str) -> None:
        """Remove an instance with everything recorded for it."""
        ident = self._instance_id(name)
        self._exec("DELETE FROM instances WHERE id = ?", (ident,))
        self._instance_ids = None

    def instances(self) -> list[Instance]:
        pas: dict[int, list[str]] = {}
        for row in self._rows("SELECT instance_id, pa FROM instance_pas ORDER BY pa"):
            pas.setdefault(row["instance_id"], []).append(row["pa"])
        order = {pa: i for i, pa in enumerate(self.model.pa_ids)}
        return [Instance(name=r["name"], kind=r["kind"], subgroup=r["subgroup"], description=r["description"],
                         pas=tuple(sorted(pas.get(r["id"], []), key=lambda p: order.get(p, len(order)))))
                for r in self._rows("SELECT * FROM instances ORDER BY position, id")]

    # -- scope ---------------------------------------------------------------

    def set_scope(self, pa: str, scope: str, reason: str = "") -> None:
        """Mark a PA in scope, not applicable (with a reason) or out of scope."""
        self._check_pa(pa)
        _check(scope, SCOPES, "scope")
        if scope == "not_applicable" and not (reason or "").strip():
            raise InvalidValue(f"{pa}: a reason is required to mark a process area not applicable")
        self._exec("INSERT INTO pa_scope VALUES (?, ?, ?) ON CONFLICT (pa) DO UPDATE SET scope = excluded.scope, "
                   "reason = excluded.reason", (pa, scope, _clean(reason, "reason")))

    def scopes(self) -> dict[str, Scope]:
        """Scope of every model PA (in scope unless recorded otherwise)."""
        stored = {r["pa"]: Scope(r["pa"], r["scope"], r["reason"]) for r in self._rows("SELECT * FROM pa_scope")}
        return {pa: stored.get(pa, Scope(pa, "in_scope", "")) for pa in self.model.pa_ids}

    # -- assessors -------------------------------------------------------------

    def set_assessor(self, name: str, *, role: str = "", pas: Iterable[str] = ()) -> None:
        """Add or update an appraisal team member and the PAs (mini-team) they cover."""
        name = _clean(name, "name").strip()
        if not name:
            raise InvalidValue("an assessor needs a name")
        pas = list(pas)
        for pa in pas:
            self._check_pa(pa)
        with self.transaction():
            self._conn.execute("INSERT INTO assessors (name, role) VALUES (?, ?) ON CONFLICT (name) "
                               "DO UPDATE SET role = excluded.role", (name, _clean(role, "role")))
            ident = self._rows("SELECT id FROM assessors WHERE name = ?", (name,))[0][0]
            self._conn.execute("DELETE FROM assessor_pas WHERE assessor_id = ?", (ident,))
            self._conn.executemany("INSERT INTO assessor_pas VALUES (?, ?)", [(ident, pa) for pa in pas])

    def remove_assessor(self, name: str) -> None:
        if self._exec("DELETE FROM assessors WHERE name = ?", (name,)).rowcount == 0:
            raise UnknownEntry(f"no assessor named {name!r}")

    def assessors(self) -> list[Assessor]:
        pas: dict[int, list[str]] = {}
        for row in self._rows("SELECT assessor_id, pa FROM assessor_pas ORDER BY pa"):
            pas.setdefault(row["assessor_id"], []).append(row["pa"])
        return [Assessor(r["name"], r["role"], tuple(pas.get(r["id"], [])))
                for r in self._rows("SELECT * FROM assessors ORDER BY name")]

    # -- practice records: characterization, strengths, weaknesses, notes ------

    def record(self, pa: str, practice: str, instance: str) -> PracticeRecord:
        """What is recorded for one practice in one instance (blank if nothing yet)."""
        rows = self._rows("SELECT * FROM practice_records WHERE pa = ? AND practice = ? AND instance_id = ?",
                          (pa, practice, self._instance_id(instance)))
        if not rows:
            return PracticeRecord(pa, practice, instance)
        r = rows[0]
        return PracticeRecord(pa, practice, instance, r["characterization"], r["strengths"], r["weaknesses"], r["notes"])

    def update_record(self, pa: str, practice: str, instance: str, **changes: str | None) -> PracticeRecord:
        """Change any of characterization, strengths, weaknesses, notes; saved at once."""
        allowed = {"characterization", "strengths", "weaknesses", "notes"}
        _check_fields(changes, allowed, "practice record")
        self._check_practice(pa, practice)
        ident = self._instance_id(instance)
        if "characterization" in changes:
            value = changes["characterization"] or None
            if value is not None:
                _check(value, CHARACTERIZATIONS, "characterization")
            changes["characterization"] = value
        for key in allowed - {"characterization"}:
            if key in changes:
                changes[key] = _clean(changes[key], key)
        with self.transaction():
            self._conn.execute("INSERT INTO practice_records (pa, practice, instance_id, updated_at) VALUES (?, ?, ?, ?)"
                               " ON CONFLICT DO NOTHING", (pa, practice, ident, _now()))
            for key, value in changes.items():
                self._conn.execute(f"UPDATE practice_records SET {key} = ?, updated_at = ? "
                                   "WHERE pa = ? AND practice = ? AND instance_id = ?",
                                   (value, _now(), pa, practice, ident))
        return self.record(pa, practice, instance)

    def set_characterization(self, pa: str, practice: str, instance: str, value: str | None) -> None:
        self.update_record(pa, practice, instance, characterization=value)

    def records(self, pa: str | None = None) -> list[PracticeRecord]:
        """Every stored practice record (optionally of one PA)."""
        sql = ("SELECT r.*, i.name AS instance FROM practice_records r JOIN instances i ON i.id = r.instance_id"
               + (" WHERE r.pa = ?" if pa else "") + " ORDER BY r.pa, r.practice, i.position")
        return [PracticeRecord(r["pa"], r["practice"], r["instance"], r["characterization"], r["strengths"],
                               r["weaknesses"], r["notes"]) for r in self._rows(sql, (pa,) if pa else ())]

    # -- evidence ----------------------------------------------------------------

    def add_evidence(self, pa: str, practice: str, instance: str, kind: str, description: str, *,
                     location: str = "", who: str = "", collected_on: str = "") -> int:
        """Record an artifact or affirmation for a practice in an instance; returns its id."""
        self._check_practice(pa, practice)
        _check(kind, EVIDENCE_KINDS, "evidence kind")
        if not _clean(description, "description").strip():
            raise InvalidValue("evidence needs a description")
        cur = self._exec("INSERT INTO evidence (pa, practice, instance_id, kind, description, location, who, "
                         "collected_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (pa, practice, self._instance_id(instance), kind, description, _clean(location, "location"),
                          _clean(who, "who"), _clean(collected_on, "collected_on")))
        return int(cur.lastrowid)

    def update_evidence(self, evidence_id: int, **changes: str) -> None:
        allowed = {"kind", "description", "location", "who", "collected_on"}
        _check_fields(changes, allowed, "evidence")
        if "kind" in changes:
            _check(changes["kind"], EVIDENCE_KINDS, "evidence kind")
        if "description" in changes and not _clean(changes["description"], "description").strip():
            raise InvalidValue("evidence needs a description")
        with self.transaction():
            if not self._rows("SELECT 1 FROM evidence WHERE id = ?", (evidence_id,)):
                raise UnknownEntry(f"no evidence item {evidence_id}")
            for key, value in changes.items():
                self._conn.execute(f"UPDATE evidence SET {key} = ? WHERE id = ?", (_clean(value, key), evidence_id))

    def remove_evidence(self, evidence_id: int) -> None:
        if self._exec("DELETE FROM evidence WHERE id = ?", (evidence_id,)).rowcount == 0:
            raise UnknownEntry(f"no evidence item {evidence_id}")

    def evidence(self, pa: str | None = None, practice: str | None = None,
                 instance: str | None = None) -> list[Evidence]:
        """Evidence items, optionally narrowed to a PA, a practice and an instance."""
        where, params = [], []
        for column, value in (("e.pa", pa), ("e.practice", practice)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if instance is not None:
            where.append("e.instance_id = ?")
            params.append(self._instance_id(instance))
        sql = ("SELECT e.*, i.name AS instance FROM evidence e JOIN instances i ON i.id = e.instance_id"
               + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY e.pa, e.practice, i.position, e.id")
        return [Evidence(r["id"], r["pa"], r["practice"], r["instance"], r["kind"], r["description"], r["location"],
                         r["who"], r["collected_on"]) for r in self._rows(sql, params)]

    # -- team decisions ------------------------------------------------------------

    def set_practice_decision(self, pa: str, practice: str, value: str, rationale: str, decided_by: str = "") -> None:
        """Record the team's OU-level characterization where the aggregation rules call for judgment."""
        self._check_practice(pa, practice)
        _check(value, CHARACTERIZATIONS[:4], "team decision")
        if not (rationale or "").strip():
            raise InvalidValue(f"{pa} {practice}: a team decision needs its rationale")
        self._exec("INSERT INTO practice_decisions VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (pa, practice) DO UPDATE SET "
                   "value = excluded.value, rationale = excluded.rationale, decided_by = excluded.decided_by, "
                   "decided_at = excluded.decided_at", (pa, practice, value, rationale, _clean(decided_by, "decided_by"), _now()))

    def clear_practice_decision(self, pa: str, practice: str) -> None:
        self._exec("DELETE FROM practice_decisions WHERE pa = ? AND practice = ?", (pa, practice))

    def practice_decisions(self) -> list[PracticeDecision]:
        return [PracticeDecision(r["pa"], r["practice"], r["value"], r["rationale"], r["decided_by"])
                for r in self._rows("SELECT * FROM practice_decisions ORDER BY pa, practice")]

    def set_goal_decision(self, pa: str, goal: str, rationale: str, decided_by: str = "",
                          rating: str = "Unsatisfied") -> None:
        """Record that the team rates a goal Unsatisfied despite FI/LI practices (significant weaknesses)."""
        self._check_goal(pa, goal)
        _check(rating, ("Unsatisfied",), "goal decision")
        if not (rationale or "").strip():
            raise InvalidValue(f"{pa} {goal}: a goal decision needs its rationale")
        self._exec("INSERT INTO goal_decisions VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (pa, goal) DO UPDATE SET "
                   "rating = excluded.rating, rationale = excluded.rationale, decided_by = excluded.decided_by, "
                   "decided_at = excluded.decided_at", (pa, goal, rating, rationale, _clean(decided_by, "decided_by"), _now()))

    def clear_goal_decision(self, pa: str, goal: str) -> None:
        self._exec("DELETE FROM goal_decisions WHERE pa = ? AND goal = ?", (pa, goal))

    def goal_decisions(self) -> list[GoalDecision]:
        return [GoalDecision(r["pa"], r["goal"], r["rating"], r["rationale"], r["decided_by"])
                for r in self._rows("SELECT * FROM goal_decisions ORDER BY pa, goal")]

    # -- findings and actions ------------------------------------------------------

    def add_finding(self, kind: str, pa: str, goal: str, statement: str, *, origin: str = "manual",
                    practices: Iterable[str] = (), instances: Iterable[str] = (), source_key: str = "",
                    effort: int | None = None, impact: int | None = None) -> int:
        """Store a finding (generated from weaknesses, merged, or written by hand); returns its id."""
        _check(kind, FINDING_KINDS, "finding kind")
        _check(origin, FINDING_ORIGINS, "finding origin")
        self._check_goal(pa, goal)
        practices, instances = list(practices), list(instances)
        for p in practices:
            self._check_practice(pa, p)
        if not _clean(statement, "statement").strip():
            raise InvalidValue("a finding needs a statement")
        with self.transaction():
            now = _now()
            cur = self._conn.execute(
                "INSERT INTO findings (kind, pa, goal, statement, origin, source_key, effort, impact, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (kind, pa, goal, statement, origin, _clean(source_key, "source_key"), self._level(effort, "effort"),
                 self._level(impact, "impact"), now, now))
            fid = int(cur.lastrowid)
            self._link_finding(fid, practices, instances)
        return fid

    @staticmethod
    def _level(value: int | None, what: str) -> int | None:
        if value is not None:
            _check(value, range(1, 6), what)
        return value

    def _link_finding(self, fid: int, practices: list[str] | None, instances: list[str] | None) -> None:
        if practices is not None:
            self._conn.execute("DELETE FROM finding_practices WHERE finding_id = ?", (fid,))
            self._conn.executemany("INSERT INTO finding_practices VALUES (?, ?)", [(fid, p) for p in dict.fromkeys(practices)])
        if instances is not None:
            ids = [self._instance_id(name) for name in dict.fromkeys(instances)]
            self._conn.execute("DELETE FROM finding_instances WHERE finding_id = ?", (fid,))
            self._conn.executemany("INSERT INTO finding_instances VALUES (?, ?)", [(fid, i) for i in ids])

    def update_finding(self, finding_id: int, *, practices: Iterable[str] | None = None,
                       instances: Iterable[str] | None = None, **changes: Any) -> None:
        """Edit a finding's statement, goal, effort, impact, status or links; marks it edited."""
        allowed = {"statement", "goal", "effort", "impact", "status", "merged_into", "kind"}
        _check_fields(changes, allowed, "finding")
        current = self.finding(finding_id)
        if "status" in changes:
            _check(changes["status"], FINDING_STATUSES, "finding status")
        if "kind" in changes:
            _check(changes["kind"], FINDING_KINDS, "finding kind")
        if "goal" in changes:
            self._check_goal(current.pa, changes["goal"])
        for key in ("effort", "impact"):
            if key in changes:
                self._level(changes[key], key)
        if "statement" in changes and not _clean(changes["statement"], "statement").strip():
            raise InvalidValue("a finding needs a statement")
        practices = None if practices is None else list(practices)
        for p in practices or []:
            self._check_practice(current.pa, p)
        with self.transaction():
            for key, value in changes.items():
                self._conn.execute(f"UPDATE findings SET {key} = ? WHERE id = ?", (value, finding_id))
            self._conn.execute("UPDATE findings SET edited = 1, updated_at = ? WHERE id = ?", (_now(), finding_id))
            self._link_finding(finding_id, practices, None if instances is None else list(instances))

    def refresh_finding(self, finding_id: int, *, statement: str | None = None, status: str | None = None,
                        instances: Iterable[str] | None = None) -> None:
        """Bring a generated finding in line with its sources WITHOUT marking it edited (findings sync)."""
        current = self.finding(finding_id)
        if status is not None:
            _check(status, FINDING_STATUSES, "finding status")
        if statement is not None and not _clean(statement, "statement").strip():
            raise InvalidValue("a finding needs a statement")
        with self.transaction():
            self._conn.execute("UPDATE findings SET statement = ?, status = ?, updated_at = ? WHERE id = ?",
                               (current.statement if statement is None else statement,
                                current.status if status is None else status, _now(), finding_id))
            self._link_finding(finding_id, None, None if instances is None else list(instances))

    def move_actions(self, from_findings: Iterable[int], to_finding: int) -> int:
        """Re-attach the actions of some findings to another one (after a merge); returns how many moved."""
        self.finding(to_finding)
        sources = list(from_findings)
        with self.transaction():
            moved = 0
            for fid in sources:
                moved += self._conn.execute("UPDATE actions SET finding_id = ?, updated_at = ? WHERE finding_id = ?",
                                            (to_finding, _now(), fid)).rowcount
        return moved

    def delete_finding(self, finding_id: int) -> None:
        if self._exec("DELETE FROM findings WHERE id = ?", (finding_id,)).rowcount == 0:
            raise UnknownEntry(f"no finding {finding_id}")

    def finding(self, finding_id: int) -> Finding:
        found = self.findings(ids=[finding_id])
        if not found:
            raise UnknownEntry(f"no finding {finding_id}")
        return found[0]

    def findings(self, *, ids: Iterable[int] | None = None) -> list[Finding]:
        practices: dict[int, list[str]] = {}
        for r in self._rows("SELECT * FROM finding_practices ORDER BY practice"):
            practices.setdefault(r["finding_id"], []).append(r["practice"])
        instances: dict[int, list[str]] = {}
        for r in self._rows("SELECT f.finding_id, i.name FROM finding_instances f JOIN instances i "
                            "ON i.id = f.instance_id ORDER BY i.position"):
            instances.setdefault(r["finding_id"], []).append(r["name"])
        wanted = None if ids is None else set(ids)
        return [Finding(r["id"], r["kind"], r["pa"], r["goal"], r["statement"], r["origin"],
                        tuple(practices.get(r["id"], [])), tuple(instances.get(r["id"], [])), r["source_key"],
                        r["effort"], r["impact"], r["status"], r["merged_into"], bool(r["edited"]))
                for r in self._rows("SELECT * FROM findings ORDER BY id") if wanted is None or r["id"] in wanted]

    def add_action(self, finding_id: int, description: str, *, owner: str = "", due_date: str = "",
                   status: str = "open") -> int:
        """Attach an improvement action to a finding; returns its id."""
        self.finding(finding_id)
        _check(status, ACTION_STATUSES, "action status")
        if not _clean(description, "description").strip():
            raise InvalidValue("an action needs a description")
        now = _now()
        cur = self._exec("INSERT INTO actions (finding_id, description, owner, due_date, status, created_at, updated_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?)", (finding_id, description, _clean(owner, "owner"),
                                                          _clean(due_date, "due_date"), status, now, now))
        return int(cur.lastrowid)

    def update_action(self, action_id: int, **changes: str) -> None:
        allowed = {"description", "owner", "due_date", "status"}
        _check_fields(changes, allowed, "action")
        if "status" in changes:
            _check(changes["status"], ACTION_STATUSES, "action status")
        with self.transaction():
            if not self._rows("SELECT 1 FROM actions WHERE id = ?", (action_id,)):
                raise UnknownEntry(f"no action {action_id}")
            for key, value in changes.items():
                self._conn.execute(f"UPDATE actions SET {key} = ?, updated_at = ? WHERE id = ?",
                                   (_clean(value, key), _now(), action_id))

    def delete_action(self, action_id: int) -> None:
        if self._exec("DELETE FROM actions WHERE id = ?", (action_id,)).rowcount == 0:
            raise UnknownEntry(f"no action {action_id}")

    def actions(self) -> list[Action]:
        return [Action(r["id"], r["finding_id"], r["description"], r["owner"], r["due_date"], r["status"])
                for r in self._rows("SELECT * FROM actions ORDER BY id")]

    # -- questionnaire responses ------------------------------------------------------

    def replace_responses(self, instance: str, responses: Iterable[Response], source: str = "") -> int:
        """Store an instance's questionnaire answers, replacing earlier ones for the same questions (all or nothing)."""
        ident = self._instance_id(instance)
        rows = list(responses)
        for r in rows:
            self._check_practice(r.pa, r.practice)
        now = _now()
        with self.transaction():
            self._conn.executemany(
                "INSERT INTO responses (instance_id, pa, practice, question, question_text, answer, evidence, comment,"
                " respondent, source, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
                "(instance_id, pa, practice, question) DO UPDATE SET question_text = excluded.question_text, "
                "answer = excluded.answer, evidence = excluded.evidence, comment = excluded.comment, "
                "respondent = excluded.respondent, source = excluded.source, imported_at = excluded.imported_at",
                [(ident, r.pa, r.practice, r.question, r.question_text, r.answer, r.evidence, r.comment,
                  r.respondent, source or r.source, now) for r in rows])
        return len(rows)

    def responses(self, instance: str | None = None) -> list[Response]:
        where = " WHERE r.instance_id = ?" if instance else ""
        params = (self._instance_id(instance),) if instance else ()
        return [Response(r["instance"], r["pa"], r["practice"], r["question"], r["answer"], r["question_text"],
                         r["evidence"], r["comment"], r["respondent"], r["source"])
                for r in self._rows("SELECT r.*, i.name AS instance FROM responses r JOIN instances i ON "
                                    f"i.id = r.instance_id{where} ORDER BY i.position, r.pa, r.practice, r.question",
                                    params)]

    # -- whole-appraisal dump and restore (JSON exchange) ---------------------------

    _DUMP_TABLES = ("appraisal", "instances", "instance_pas", "pa_scope", "assessors", "assessor_pas",
                    "practice_records", "evidence", "practice_decisions", "goal_decisions", "findings",
                    "finding_practices", "finding_instances", "actions", "responses")

    def dump(self) -> dict[str, Any]:
        """The whole appraisal as plain data (tables as row lists in primary-key order)."""
        data: dict[str, Any] = {"format": DUMP_FORMAT, "schema_version": SCHEMA_VERSION}
        for table in self._DUMP_TABLES:
            columns = [c["name"] for c in self._rows(f"PRAGMA table_info({table})")]
            keys = [c["name"] for c in sorted(self._rows(f"PRAGMA table_info({table})"), key=lambda c: c["pk"]) if c["pk"]]
            data[table] = [dict(zip(columns, row)) for row in
                           self._rows(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(keys or columns)}")]
        return data

    @classmethod
    def restore(cls, path: str | os.PathLike, data: dict[str, Any], *, source: str = "JSON",
                overwrite: bool = False) -> "Appraisal":
        """Build a new appraisal file from :meth:`dump` output; nothing is written unless all of it loads."""
        if not isinstance(data, dict) or data.get("format") != DUMP_FORMAT:
            raise ImportProblem(source, [f"not a cmmikit appraisal export (expected format {DUMP_FORMAT!r})"])
        version = data.get("schema_version")
        if not isinstance(version, int) or not 1 <= version <= SCHEMA_VERSION:
            raise ImportProblem(source, [f"schema_version {version!r} is not one this cmmikit reads (up to {SCHEMA_VERSION})"])
        unknown = set(data) - set(cls._DUMP_TABLES) - {"format", "schema_version"}
        if unknown:
            raise ImportProblem(source, [f"unknown section(s) {sorted(unknown)}"])
        appraisal_rows = data.get("appraisal") or []
        if len(appraisal_rows) != 1:
            raise ImportProblem(source, ["section 'appraisal' must hold exactly one row"])
        with _building(Path(path), overwrite) as tmp:
            conn = _connect(tmp)
            try:
                conn.executescript(_SCHEMA_V1)
                conn.execute("BEGIN")
                # rows may point forward (a merged finding's merged_into); checked once all are in
                conn.execute("PRAGMA defer_foreign_keys = ON")
                for step in range(1, version):  # bring the empty file to the dump's schema
                    MIGRATIONS[step](conn)
                conn.executemany("INSERT INTO meta VALUES (?, ?)",
                                 [("application", APPLICATION), ("schema_version", str(version))])
                problems = _restore_tables(conn, data, cls._DUMP_TABLES)
                if problems:
                    conn.execute("ROLLBACK")
                    raise ImportProblem(source, problems)
                conn.execute("COMMIT")
            finally:
                conn.close()
        return cls.open(path)

    def backup(self, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Copy this appraisal to a new file (consistent snapshot, atomic)."""
        with _building(Path(path), overwrite) as tmp:
            target = sqlite3.connect(tmp)
            try:
                self._conn.backup(target)
            finally:
                target.close()
        return Path(path)


def _restore_tables(conn: sqlite3.Connection, data: dict[str, Any], tables: Iterable[str]) -> list[str]:
    problems: list[str] = []
    for table in tables:
        columns = {c[1] for c in conn.execute(f"PRAGMA table_info({table})")}
        for n, row in enumerate(data.get(table) or [], start=1):
            if not isinstance(row, dict) or set(row) - columns:
                extra = sorted(set(row) - columns) if isinstance(row, dict) else "not an object"
                problems.append(f"{table} row {n}: unknown column(s) {extra}")
                continue
            names = sorted(row)
            try:
                conn.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                             [row[k] for k in names])
            except (sqlite3.DatabaseError, sqlite3.InterfaceError) as exc:
                problems.append(f"{table} row {n}: {exc}")
    if not problems:
        problems += [f"foreign key broken in {r[0]} row {r[1]}" for r in conn.execute("PRAGMA foreign_key_check")]
    return problems

