"""The appraisal store: the only part of cmmikit that knows SQL.

An appraisal lives in an SQLite file (the default: embedded, no server, WAL) or in
a PostgreSQL database shared by a team (``postgresql+psycopg://user@host/db?appraisal=NAME``,
one schema per appraisal). Both sit behind the same :class:`Appraisal` API:

- every public method that changes data is one transaction, recorded in the change
  log with the user who made it;
- editable rows carry a ``version``; writes given ``base_version`` refuse to overwrite
  a newer change (:class:`~cmmikit.errors.ConflictError`);
- ids are never reused, and a write addressed to a removed or renamed row fails;
- :meth:`Appraisal.snapshot` reads many things from one consistent state;
- one engine per location per process, shared by every handle on it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, text

from cmmikit.errors import InvalidValue, ModelError, StoreError
from cmmikit.model.scales import OWN_SCALE_TYPES, Scale, load_scale
from cmmikit.store import engines, roles, schema, tables as t
from cmmikit.store.build import build, build_file, fill_rows
from cmmikit.store.collection import CollectionStore, EvidenceRequest, Interview
from cmmikit.store.conversion import ScaleChange, ScaleMismatch
from cmmikit.store.core import TARGET_LEVEL_META, clean, now
from cmmikit.store.exchange import ExchangeStore
from cmmikit.store.findings import FindingStore
from cmmikit.store.freeze import Freeze, FreezeStore
from cmmikit.store.freshness import FreshnessStore
from cmmikit.store.location import Location, current_user, is_url, os_login, parse
from cmmikit.store.merge import Conflict, MergeResult, SliceInfo, merge_slice, slice_info
from cmmikit.store.planning import Factor, PlanUnit, SamplingStore
from cmmikit.store.practices import PracticeStore
from cmmikit.store.records import (ACTION_STATUSES, APPRAISAL_TYPES, ARTIFACT_KINDS, CHARACTERIZATIONS,
                                   EVIDENCE_KINDS, FINDING_KINDS, FINDING_ORIGINS, FINDING_STATUSES, INSTANCE_KINDS,
                                   REGISTER_KINDS, SCOPES, Action, Affirmation, AppraisalInfo, Artifact, Assessor, Cell,
                                   Change, Evidence, Finding, GoalDecision, Instance, Link, PracticeDecision,
                                   PracticeRecord, Response, Scope)
from cmmikit.store.readiness import FindingValidation, ReadinessCheck, ReadinessReview, ReadinessStore
from cmmikit.store.register import RegisterStore
from cmmikit.store.setup import SetupStore
from cmmikit.store.team import TeamRole, TeamStore
from cmmikit.store.transfer import follow_up, slice_appraisal

if TYPE_CHECKING:
    from cmmikit.model import Model

__all__ = ["ACTION_STATUSES", "APPRAISAL_TYPES", "ARTIFACT_KINDS", "CHARACTERIZATIONS", "EVIDENCE_KINDS",
           "FINDING_KINDS", "FINDING_ORIGINS", "FINDING_STATUSES", "INSTANCE_KINDS", "REGISTER_KINDS", "SCOPES", "Action",
           "Affirmation", "Appraisal", "AppraisalInfo", "Artifact", "Assessor", "Cell", "Change", "Conflict", "Evidence",
           "EvidenceRequest", "Factor", "FindingValidation", "Interview", "PlanUnit", "ReadinessCheck",
           "ReadinessReview",
           "Finding", "Freeze", "GoalDecision", "Instance", "Link", "Location", "MergeResult", "PracticeDecision",
           "PracticeRecord", "Response", "ScaleChange", "ScaleMismatch", "Scope", "SliceInfo", "StoreError", "TeamRole", "current_user", "follow_up", "is_url",
           "list_appraisals", "merge_slice", "parse", "slice_appraisal", "slice_info"]


class Appraisal(SetupStore, PracticeStore, RegisterStore, FindingStore, ExchangeStore, FreshnessStore, SamplingStore,
                CollectionStore, ReadinessStore, FreezeStore, TeamStore):
    """An open appraisal. Use :meth:`create`, :meth:`open` or :meth:`restore`; close it (or use ``with``)."""

    @classmethod
    def open(cls, location: "str | os.PathLike | Location", *, user: str | None = None) -> "Appraisal":
        """Open an existing appraisal; refuse (untouched) anything that is not one of ours.

        ``location`` is a file path or a PostgreSQL URL with ``?appraisal=NAME``. Files of an
        older cmmikit are upgraded in place after a backup copy is kept beside them.
        """
        loc = parse(location)
        backend = engines.acquire(loc, _check_and_upgrade_file)
        appraisal = cls(backend, current_user(user))
        try:
            with engines.translated(loc):
                if not backend.verified:
                    _verify_server_appraisal(backend)
                    backend.verified = True
                appraisal._generation = appraisal._scalar(select(t.appraisal.c.generation))
        except BaseException:
            appraisal.close()
            raise
        return appraisal

    @classmethod
    def create(cls, location: "str | os.PathLike | Location", *, name: str,
               model: "str | os.PathLike | Model | None" = None, overwrite: bool = False, user: str | None = None,
               scale: "str | os.PathLike | Scale | None" = None, target_level: int | None = None,
               **info: str) -> "Appraisal":
        """Create a new appraisal (atomically: it appears complete or not at all).

        ``scale``: a SCAMPI C team's own scale (a YAML file, see :mod:`cmmikit.model.scales`), checked
        before anything is written; other types use their type's scale. ``target_level``: the
        target maturity level (default: the model's, 2 for CMMI-SVC v1.3).
        """
        from cmmikit.model import Model, load_model

        own = _own_scale(scale, info.get("appraisal_type", "SCAMPI A"))
        if isinstance(model, Model):
            loaded = model if target_level in (None, model.target_maturity_level) else load_model(
                model.source, target_level)
        else:
            loaded = _load_at_level(model, target_level)
        level_meta = {} if target_level is None and loaded.target_maturity_level == 2 else {
            TARGET_LEVEL_META: str(loaded.target_maturity_level)}
        model_ref = str(loaded.source) if isinstance(model, Model) else ("" if model is None else str(model))
        if model_ref == loaded.id:
            model_ref = ""
        who = current_user(user)
        name = clean(name, "name")

        def fill(conn: Connection) -> None:
            stamp = now()
            schema.create(conn, name=name, model_id=loaded.id, model_ref=model_ref, user=who, stamp=stamp)
            if level_meta:
                conn.execute(insert(t.meta), [{"key": k, "value": v} for k, v in level_meta.items()])
            conn.execute(insert(t.changes).values(at=stamp, changed_by=who, login=os_login(), entity="appraisal",
                                                  key="appraisal", field="created", new=name))

        build(parse(location), overwrite, fill)
        appraisal = cls.open(location, user=who)
        appraisal._model = loaded
        if info:
            appraisal.update_info(**info)
        if own is not None:
            appraisal.set_type(info["appraisal_type"], scale=own)
        return appraisal

    @classmethod
    def restore(cls, location: "str | os.PathLike | Location", data: dict[str, Any], *, source: str = "JSON",
                overwrite: bool = False, user: str | None = None, record: bool = True) -> "Appraisal":
        """Build a new appraisal from :meth:`dump` output; nothing is written unless all of it is valid.

        ``record`` adds a "restored" entry to the change log (a backup copies the log as it is).
        """
        from cmmikit.store.validation import validate_dump

        rows = validate_dump(data, source)
        who = current_user(user)
        level = data["model"].get("target_level") if isinstance(data.get("model"), dict) else None
        meta = {} if level is None else {TARGET_LEVEL_META: str(level)}
        build(parse(location), overwrite,
               lambda conn: fill_rows(conn, rows, who=who, field="restored" if record else None,
                                       note=f"from {source}", meta=meta))
        return cls.open(location, user=who)

    def backup(self, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Copy this appraisal (one consistent snapshot) to a new SQLite file, atomically."""
        target = Path(path)
        if self._live().dialect == "sqlite":
            def copy(tmp: Path) -> None:
                import sqlite3

                with self.snapshot():
                    raw = self._conn.connection.dbapi_connection  # type: ignore[union-attr]
                    out = sqlite3.connect(tmp)
                    try:
                        raw.backup(out)
                    finally:
                        out.close()
            build_file(target, overwrite, copy)
            return target
        data = self.dump()
        Appraisal.restore(target, data, source=self.location.display, overwrite=overwrite, user=self.user,
                          record=False).close()
        return target


# ------------------------------------------------------------------ building and checking


def _load_at_level(model: "str | os.PathLike | None", level: int | None) -> "Model":
    """The model at an appraisal's target level; a level it does not offer is one clear error line."""
    from cmmikit.model import load_model

    if level is not None and type(level) is not int:
        raise InvalidValue(f"a target maturity level is a whole number such as 2 or 3; got {level!r}")
    try:
        return load_model(model, level)
    except ModelError as exc:
        if level is None or exc.field != "target level":
            raise
        raise InvalidValue(f"target level {level}: {exc.problem}") from None


def _own_scale(scale: "str | os.PathLike | Scale | None", appraisal_type: str) -> "Scale | None":
    """A team's own scale read and checked before anything is written (SCAMPI C only)."""
    if scale is None:
        return None
    if appraisal_type not in OWN_SCALE_TYPES:
        raise InvalidValue(f"a scale of the team's own is for {' or '.join(OWN_SCALE_TYPES)} appraisals only "
                           f"(this one is {appraisal_type}); give --type \"SCAMPI C\" with --scale")
    return load_scale(scale)


def _check_and_upgrade_file(path: Path) -> None:
    found = schema.inspect_file(path)
    if found != schema.HEAD:
        schema.upgrade_file(path, found)


def _verify_server_appraisal(backend: engines.Backend) -> None:
    loc = backend.location
    with backend.engine.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": loc.schema}).first()
        if not exists:
            raise StoreError(f"{loc.display}: no appraisal named {loc.appraisal!r} on this server "
                             "('cmmikit list URL' shows them, 'cmmikit new URL --name ...' creates one)")
        access = roles.server_access(conn, loc.schema, loc.display)
        found = schema.revision(conn)
        schema.check_revision(loc.display, found)
    if found != schema.HEAD:
        schema.upgrade_server(backend.engine, loc.display)
        with backend.engine.connect() as conn:
            access = roles.server_access(conn, loc.schema, loc.display)
    backend.access = access


def _my_role(conn: Connection, schema_name: str) -> str:
    """This login's role on the appraisal in ``schema_name`` ("lead" for one written before roles existed)."""
    defined = conn.execute(text("SELECT to_regprocedure(quote_ident(:s) || '.cmmikit_access()') IS NOT NULL"),
                           {"s": schema_name}).scalar()
    if not defined:
        return roles.LEAD
    return conn.execute(text(f'SELECT o_role FROM "{schema_name}".cmmikit_access()')).scalar() or ""


def list_appraisals(url: str) -> list[dict[str, Any]]:
    """The appraisals on a PostgreSQL server this login may read: name, appraisal name, model, type, last change
    and the login's role on it."""
    loc = parse(url, need_appraisal=False)
    if loc.path is not None:
        raise StoreError(f"{url}: 'list' needs a server URL (postgresql+psycopg://user@host:5432/dbname)")
    engine = engines.postgres_engine(loc.url, None, pool_size=1)
    found = []
    try:
        with engines.translated(loc), engine.connect() as conn:
            names = conn.execute(text("SELECT schema_name FROM information_schema.schemata "
                                      "WHERE schema_name LIKE 'cmmikit\\_%' ORDER BY schema_name")).scalars().all()
            for name in names:
                try:
                    row = conn.execute(text(f'SELECT name, model_id, appraisal_type FROM "{name}".appraisal')).first()
                    last = conn.execute(text(f'SELECT max(at) FROM "{name}".changes')).scalar()
                except Exception:  # a schema that only looks like ours
                    conn.rollback()
                    continue
                found.append({"appraisal": name[len("cmmikit_"):], "name": row[0], "model_id": row[1],
                              "appraisal_type": row[2], "last_change": last or "", "role": _my_role(conn, name)})
    finally:
        engine.dispose()
    return found
