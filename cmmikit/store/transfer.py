"""New appraisals made from an existing one: the follow-up of a baseline, and a slice for an offline mini-team.

- :func:`follow_up` copies the setup, scope, team, evidence register (items with their dates, and
  their links) and practice records of a baseline into a new appraisal; every characterization is
  marked *inherited* until an assessor edits or confirms it. Decisions, findings, actions and
  questionnaire answers stay behind.
- :func:`slice_appraisal` writes an SQLite file holding only some process areas (their records,
  evidence links and the register items they link, decisions, findings and actions, every
  instance sampled for them, and their change log); it remembers where it came from, its rows as
  they were and the register items copied (they keep their ids), for
  :func:`cmmikit.store.merge.merge_slice`.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, union

from cmmikit.errors import InvalidValue, StoreError
from cmmikit.store import tables as t
from cmmikit.store.build import build, fill_rows
from cmmikit.store.core import TARGET_LEVEL_META, StoreCore, now
from cmmikit.store.exchange import dump_columns
from cmmikit.store.location import Location, current_user, parse
from cmmikit.store.merge import BASE_META, SLICE_META, as_base, read_rows

if TYPE_CHECKING:
    from cmmikit.store import Appraisal

FOLLOW_UP_TABLES = ("appraisal", "instances", "instance_pas", "pa_scope", "assessors", "assessor_pas",
                    "practice_records", "artifacts", "affirmations", "evidence_links")


def _select(store: StoreCore, name: str, *where: Any) -> list[dict[str, Any]]:
    """Rows of one table as a JSON export holds them (every column but private ones), in key order."""
    table = t.metadata.tables[name]
    keys = list(table.primary_key.columns) or [table.c[c] for c in dump_columns(name)]
    stmt = select(*(table.c[c] for c in dump_columns(name))).where(*where).order_by(*keys)
    return [dict(r) for r in store._rows(stmt)]


def origin_of(store: StoreCore) -> str:
    """Where an appraisal is, to find it again later: an absolute file path or the server URL without password."""
    path = store.location.path
    return str(path.resolve()) if path is not None else store.location.shareable


def _create(source: "Appraisal", location: "str | os.PathLike | Location", rows: dict[str, list[dict[str, Any]]], *,
            overwrite: bool, who: str, field: str, note: str, meta: dict[str, str] | None = None) -> "Appraisal":
    """A new appraisal at ``location`` holding ``rows``, opened with the class of ``source`` (and its target level)."""
    level = source.target_level
    meta = {**({} if level is None else {TARGET_LEVEL_META: str(level)}), **(meta or {})}
    build(parse(location), overwrite, lambda conn: fill_rows(conn, rows, who=who, field=field, note=note, meta=meta))
    return type(source).open(location, user=who)


def follow_up(baseline: "Appraisal", location: "str | os.PathLike | Location", *, name: str | None = None,
              overwrite: bool = False, user: str | None = None) -> "Appraisal":
    """Create a follow-up appraisal of ``baseline`` at ``location`` and return it open.

    Its name is ``name`` (default: the baseline's name + " follow-up"); its dates start blank;
    ``follow_up_of`` names the baseline and where it is.
    """
    who = current_user(user)
    with baseline.snapshot():
        info = baseline.info()
        rows = {table: _select(baseline, table) for table in FOLLOW_UP_TABLES}
    name = info.name + " follow-up" if name is None else name
    if not name.strip():
        raise InvalidValue("an appraisal needs a name")
    origin = f"{info.name} ({origin_of(baseline)})"
    rows["appraisal"] = [{**rows["appraisal"][0], "name": name, "start_date": "", "end_date": "",
                          "follow_up_of": origin, "version": 1, "updated_by": who, "updated_at": now()}]
    for record in rows["practice_records"]:
        record["inherited"] = int(record["characterization"] is not None)
    inherited = sum(r["inherited"] for r in rows["practice_records"])
    items = len(rows["artifacts"]) + len(rows["affirmations"])
    return _create(baseline, location, rows, overwrite=overwrite, who=who, field="follow-up",
                   note=f"of {origin}: {inherited} characterization(s) inherited, {items} register item(s) "
                       f"with {len(rows['evidence_links'])} link(s) copied")


def slice_appraisal(appraisal: "Appraisal", location: "str | os.PathLike", pas: Iterable[str] = (), *,
                    assessor: str | None = None, overwrite: bool = False, user: str | None = None) -> "Appraisal":
    """Write a slice of ``appraisal`` with just the process areas ``pas`` to an SQLite file; return it open.

    Without ``pas``, the PAs of team member ``assessor``. The slice names its assessor and
    remembers its origin, the origin's generation and its rows as they were (for the merge).
    """
    loc = parse(location)
    if loc.path is None:
        raise StoreError(f"{loc.display}: a slice is always a file (e.g. ravi.cmmi), not a server appraisal")
    pas = _slice_pas(appraisal, list(dict.fromkeys(pas)), assessor)
    who = current_user(user)
    info_pas = ", ".join(pas)
    with appraisal.snapshot():
        info = appraisal.info()
        generation = appraisal._scalar(select(t.appraisal.c.generation))
        rows, last_change = _slice_rows(appraisal, pas, who)
        base = as_base(read_rows(appraisal, pas))
    label = f"slice {info_pas}" + (f" for {assessor}" if assessor else "")
    rows["appraisal"][0].update(name=f"{info.name} [{label}]")
    meta = {SLICE_META: json.dumps({
        "id": uuid.uuid4().hex, "origin": origin_of(appraisal), "origin_name": info.name,
        "generation": generation, "pas": pas, "assessor": assessor or "", "created_at": now(), "created_by": who,
        "last_change": last_change,
        "items": {kind: [r["id"] for r in rows[kind + "s"]] for kind in ("artifact", "affirmation")}},
        sort_keys=True),
        BASE_META: json.dumps(base, sort_keys=True)}
    return _create(appraisal, loc, rows, overwrite=overwrite, who=who, field="sliced",
                   note=f"from {info.name} ({origin_of(appraisal)}): {info_pas}"
                       + (f" for {assessor}" if assessor else ""), meta=meta)


def _slice_pas(appraisal: "Appraisal", pas: list[str], assessor: str | None) -> list[str]:
    if not pas and assessor:
        team = {a.name: a for a in appraisal.assessors()}
        if assessor not in team:
            raise InvalidValue(f"no assessor named {assessor!r} in {appraisal.location.label}"
                               + (f" (team: {', '.join(team)})" if team else "") + "; name the PAs with --pa")
        pas = list(team[assessor].pas)
        if not pas:
            raise InvalidValue(f"assessor {assessor!r} covers no process area; name the PAs with --pa")
    if not pas:
        raise InvalidValue("a slice needs at least one process area (e.g. --pa CM,PPQA)")
    for pa in pas:
        appraisal._check_pa(pa)
    order = {pa: i for i, pa in enumerate(appraisal.model.pa_ids)}
    return sorted(pas, key=order.__getitem__)


def _slice_rows(store: "Appraisal", pas: list[str], who: str) -> tuple[dict[str, list[dict[str, Any]]], int]:
    """The rows a slice of ``pas`` holds, and the newest change-log id copied into it."""
    c = {name: t.metadata.tables[name].c for name in t.DUMP_TABLES}
    findings = select(c["findings"].id).where(c["findings"].pa.in_(pas))
    instances = union(*(select(c[name].instance_id).where(c[name].pa.in_(pas))
                        for name in ("instance_pas", "practice_records", "evidence_links", "responses")),
                      select(c["finding_instances"].instance_id).where(c["finding_instances"].finding_id.in_(findings)))
    ids = [r[0] for r in store._tuples(instances)]
    rows = {
        "appraisal": _select(store, "appraisal"),
        "instances": _select(store, "instances", c["instances"].id.in_(ids)),
        "instance_pas": _select(store, "instance_pas", c["instance_pas"].pa.in_(pas)),
        "assessors": _select(store, "assessors"),
        "assessor_pas": _select(store, "assessor_pas", c["assessor_pas"].pa.in_(pas)),
        "finding_practices": _select(store, "finding_practices", c["finding_practices"].finding_id.in_(findings)),
        "finding_instances": _select(store, "finding_instances", c["finding_instances"].finding_id.in_(findings)),
        "actions": _select(store, "actions", c["actions"].finding_id.in_(findings)),
    }
    for name in ("artifacts", "affirmations"):   # the register items linked to the sliced PAs' cells
        linked = select(c["evidence_links"][name[:-1] + "_id"]).where(c["evidence_links"].pa.in_(pas))
        rows[name] = _select(store, name, c[name].id.in_(linked))
    for name in ("pa_scope", "practice_records", "evidence_links", "practice_decisions", "goal_decisions", "findings",
                 "responses", "changes"):
        rows[name] = _select(store, name, c[name].pa.in_(pas))
    stamp = now()
    rows["pa_scope"] += [{"pa": pa, "scope": "out_of_scope", "reason": f"not in this slice ({', '.join(pas)})",
                          "version": 1, "updated_by": who, "updated_at": stamp}
                         for pa in store.model.pa_ids if pa not in pas]
    last = store._scalar(select(func.coalesce(func.max(c["changes"].id), 0)).where(c["changes"].pa.in_(pas)))
    return rows, int(last)
