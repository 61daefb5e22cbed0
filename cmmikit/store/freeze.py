"""Freezing the appraisal record: once the final findings are presented, the database refuses every change.

SCAMPI asks the lead appraiser to keep the appraisal record as it was when the results were
presented. :meth:`FreezeStore.freeze` writes who froze it, when, why and a digest of the content in
the ``meta`` row ``frozen``; from then on triggers in the database itself (SQLite and PostgreSQL)
refuse every insert, update and delete on every table, so neither a notebook, a script nor ``psql``
can change the record. Only removing that row (:meth:`FreezeStore.unfreeze`, recorded in the change
log) opens it again. The digest is a SHA-256 of the JSON export without its change log, so anyone
can tell whether a deliverable came from the frozen record.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, delete, insert, select, text

from cmmikit.errors import FROZEN_MARKER, FrozenAppraisal, StoreError
from cmmikit.store import roles, tables as t
from cmmikit.store.core import StoreCore, Subject, now

FROZEN_KEY = "frozen"
MARKER = FROZEN_MARKER
NOT_HASHED = ("changes",)                          # the digest covers the content, not the log of its making


@dataclass(frozen=True)
class Freeze:
    """Who froze the appraisal, when, why, and the digest of its content at that moment."""

    by: str
    at: str
    reason: str
    digest: str

    def sentence(self, where: str) -> str:
        return (f"{where}: frozen by {self.by} on {self.at[:16].replace('T', ' ')} UTC ({self.reason}); no change "
                "is accepted (the lead can reopen it with 'cmmikit unfreeze')")


def guarded_tables() -> list[str]:
    """Every table the freeze guards (all but the schema's own bookkeeping)."""
    return [name for name in t.metadata.tables if name != "alembic_version"]


def install_guards(conn: Connection) -> None:
    """Create the triggers that refuse changes while the ``frozen`` meta row exists (inside the caller's transaction)."""
    for statement in guard_statements(conn.dialect.name, guarded_tables()):
        conn.execute(text(statement))


def guard_statements(dialect: str, tables: list[str]) -> list[str]:
    """The DDL of the freeze triggers for ``dialect`` (also what migration 0006 runs, written out there)."""
    if dialect == "sqlite":
        out = []
        for table in tables:
            for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
                spare = f"{row}.key <> '{FROZEN_KEY}' AND " if table == "meta" else ""
                out.append(f"CREATE TRIGGER IF NOT EXISTS cmmikit_frozen_{event.lower()}_{table} BEFORE {event} "
                           f"ON {table} WHEN {spare}EXISTS (SELECT 1 FROM meta WHERE key = '{FROZEN_KEY}') "
                           f"BEGIN SELECT RAISE(ABORT, '{MARKER}'); END")
        return out
    out = [f"""CREATE OR REPLACE FUNCTION cmmikit_refuse_when_frozen() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
  why text;
BEGIN
  IF TG_TABLE_NAME = 'meta' THEN
    IF (TG_OP = 'DELETE' AND OLD.key = '{FROZEN_KEY}') OR (TG_OP <> 'DELETE' AND NEW.key = '{FROZEN_KEY}') THEN
      RETURN COALESCE(NEW, OLD);
    END IF;
  END IF;
  SELECT value INTO why FROM meta WHERE key = '{FROZEN_KEY}';
  IF why IS NOT NULL THEN
    RAISE EXCEPTION '{MARKER}: %', why USING ERRCODE = 'P0001';
  END IF;
  RETURN COALESCE(NEW, OLD);
END $$"""]
    for table in tables:
        out.append(f"DROP TRIGGER IF EXISTS cmmikit_frozen ON {table}")
        out.append(f"CREATE TRIGGER cmmikit_frozen BEFORE INSERT OR UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION cmmikit_refuse_when_frozen()")
    return out


def parse_freeze(value: str | None) -> Freeze | None:
    if not value:
        return None
    data = json.loads(value)
    return Freeze(by=data["by"], at=data["at"], reason=data["reason"], digest=data["digest"])


def file_freeze(path: Path) -> Freeze | None:
    """The freeze of an appraisal file, read without opening it as a store (None: open, or not an appraisal)."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (FROZEN_KEY,)).fetchone()
    except sqlite3.Error:
        return None
    return parse_freeze(row[0]) if row else None


def refuse_replacing_frozen(where: str, freeze: Freeze | None) -> None:
    """Replacing a frozen record (``--force``) would destroy it: refused like any other change."""
    if freeze is not None:
        raise FrozenAppraisal(freeze.sentence(where).replace("no change is accepted", "it cannot be replaced"))


class FreezeStore(StoreCore):
    """Freeze and reopen the appraisal record; its content digest."""

    def frozen(self) -> Freeze | None:
        """How the appraisal was frozen, or None while it is open."""
        return parse_freeze(self._scalar(select(t.meta.c.value).where(t.meta.c.key == FROZEN_KEY)))

    def content_digest(self) -> str:
        """SHA-256 of the appraisal's content (the JSON export less its change log), from one snapshot."""
        with self.snapshot():
            data = self.dump()  # type: ignore[attr-defined]
        for name in NOT_HASHED:
            data.pop(name, None)
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def freeze(self, reason: str) -> Freeze:
        """Freeze the record (the reason is required); refused when it is frozen already."""
        roles.check_lead(self.access, self.location.display, "freeze the appraisal record")
        reason = (reason or "").strip()
        if not reason:
            raise StoreError("say why the appraisal is frozen (--reason, e.g. \"final findings presented\")")
        with self.transaction():
            current = self.frozen()
            if current is not None:
                raise FrozenAppraisal(current.sentence(self.location.display))
            who = self.user if self.user == self.login else f"{self.user} (login {self.login})"
            done = Freeze(by=who, at=now(), reason=reason, digest=self.content_digest())
            self._log(Subject("appraisal", "appraisal record"), "frozen", None, f"{reason} (digest {done.digest})")
            self._conn.execute(insert(t.meta).values(key=FROZEN_KEY, value=json.dumps(  # type: ignore[union-attr]
                {"by": done.by, "at": done.at, "reason": done.reason, "digest": done.digest}, sort_keys=True)))
        return done

    def unfreeze(self, reason: str = "") -> Freeze:
        """Reopen a frozen record; the change log keeps who did it and why. Returns the freeze lifted."""
        roles.check_lead(self.access, self.location.display, "unfreeze the appraisal record")
        with self.transaction():
            current = self.frozen()
            if current is None:
                raise StoreError(f"{self.location.display}: is not frozen; nothing to reopen")
            self._conn.execute(delete(t.meta).where(t.meta.c.key == FROZEN_KEY))  # type: ignore[union-attr]
            self._log(Subject("appraisal", "appraisal record"), "frozen", f"{current.reason} (digest "
                      f"{current.digest})", f"reopened: {reason.strip()}" if reason.strip() else "reopened")
        return current

    def refusal(self) -> FrozenAppraisal:
        """The one-line error for a write the database refused because the record is frozen: who, when, why."""
        current = self.frozen()
        return FrozenAppraisal(current.sentence(self.location.display)) if current else super().refusal()
