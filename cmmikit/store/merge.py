"""Bringing a slice back: a three-way merge of the sliced process areas' data.

*mine* is the appraisal merged into (FILE), *theirs* the slice, *base* both as they were when
the slice was taken (or, for rows settled by an earlier merge of the same slice, as that merge
left them). Merged are the practice records, evidence, team decisions, findings and actions of
the sliced process areas; each row is compared as a whole. An evidence row is one link of the
evidence register with its item (the fields of :class:`~cmmikit.store.records.Evidence`), keyed by
the link's id; it is applied through the register (an item edited in the slice is edited in FILE
wherever it is linked; an added link reuses FILE's item of the same title and location):

- the same on both sides, or changed in FILE only: nothing to do;
- changed in the slice only: applied to FILE as the user who changed it in the slice, in the
  order it was changed there (so a decision taken after the data it rests on stays current);
- changed on both sides, differently: a :class:`Conflict`, applied only when resolved by
  ``take`` ("mine" keeps FILE's row, "theirs" takes the slice's).

Rows added in the slice get new ids in FILE (and the merge time as their creation time); a
finding generated in both places from the same source (findings sync) is matched, not doubled.

What a merge settled is remembered in FILE (the ids given to rows added in the slice, and the
rows as merged), so merging the same slice again changes nothing. Setup (appraisal facts,
instances, scope, team) and questionnaire answers are never merged back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select

from cmmikit.errors import InvalidValue, StoreError
from cmmikit.store import tables as t
from cmmikit.store.core import StoreCore, Subject, now
from cmmikit.store.practices import (
    goal_decision_subject,
    practice_decision_subject,
    record_subject,
)
from cmmikit.store.register import KINDS, evidence_select, item_key

if TYPE_CHECKING:
    from cmmikit.store import Appraisal

MINE, THEIRS = "mine", "theirs"
ADD, UPDATE, REMOVE = "add", "update", "remove"
SLICE_META, BASE_META, MERGED_META = "slice", "slice_base", "merged_slice:"

Content = dict[str, Any]
EVIDENCE_ROW = ("pa", "practice", "instance_id", "kind", "description", "location", "who", "collected_on",
                "artifact_kind", "statement")


@dataclass(frozen=True)
class Spec:
    """How one table takes part in a merge."""

    table: str
    entity: str                 # its change-log entity
    keys: tuple[str, ...]
    fields: tuple[str, ...]
    by_id: bool                 # keyed by a generated id: a row added in the slice gets a new id in FILE
    phase: int                  # records, evidence and decisions first (in slice order), then findings, then actions


SPECS = (
    Spec("practice_records", "record", ("pa", "practice", "instance_id"),
         ("characterization", "strengths", "weaknesses", "notes", "inherited"), False, 0),
    Spec("evidence", "evidence", ("id",),   # register links with their items, keyed by the link id
         EVIDENCE_ROW, True, 0),
    Spec("practice_decisions", "practice decision", ("pa", "practice"),
         ("value", "rationale", "decided_by", "decided_at"), False, 0),
    Spec("goal_decisions", "goal decision", ("pa", "goal"), ("rating", "rationale", "decided_by", "decided_at"),
         False, 0),
    Spec("findings", "finding", ("id",),
         ("kind", "pa", "goal", "statement", "origin", "source_key", "effort", "impact", "status", "merged_into",
          "edited", "practices", "instances"), True, 1),
    Spec("actions", "action", ("id",), ("finding_id", "description", "owner", "due_date", "status"), True, 2),
)
BY_TABLE = {s.table: s for s in SPECS}
LINK_ONLY = ("pa", "practice", "instance_id", "statement", "artifact_kind")  # not the fields update_evidence takes
BLANK_RECORD: Content = {"characterization": None, "strengths": "", "weaknesses": "", "notes": "", "inherited": 0}


@dataclass(frozen=True)
class Row:
    content: Content
    version: int
    by: str
    also: tuple[tuple[str, str], ...] = ()   # other change-log subjects (entity, entity_id) of the row's data


Rows = dict[str, dict[str, Row]]          # table -> key -> row


def key_of(spec: Spec, values: Mapping[str, Any]) -> str:
    """The row key as text, the same as the change log's ``entity_id`` ("SD|SP 1.1|3", "42")."""
    return "|".join(str(values[k]) for k in spec.keys)


def read_rows(store: StoreCore, pas: tuple[str, ...]) -> Rows:
    """The merged tables' rows of some process areas, as comparable content (one snapshot)."""
    out: Rows = {}
    with store.snapshot():
        links_p: dict[int, list[str]] = {}
        links_i: dict[int, list[int]] = {}
        wanted = select(t.findings.c.id).where(t.findings.c.pa.in_(pas))
        for r in store._rows(select(t.finding_practices).where(t.finding_practices.c.finding_id.in_(wanted))):
            links_p.setdefault(r["finding_id"], []).append(r["practice"])
        for r in store._rows(select(t.finding_instances).where(t.finding_instances.c.finding_id.in_(wanted))):
            links_i.setdefault(r["finding_id"], []).append(r["instance_id"])
        for spec in SPECS:
            if spec.table == "evidence":
                out[spec.table] = _evidence_rows(store, pas)
                continue
            table = t.metadata.tables[spec.table]
            stmt = (select(table).where(table.c.finding_id.in_(wanted)) if spec.table == "actions"
                    else select(table).where(table.c.pa.in_(pas)))
            rows: dict[str, Row] = {}
            for r in store._rows(stmt):
                values = dict(r)
                if spec.table == "findings":
                    values["practices"] = ",".join(sorted(links_p.get(r["id"], [])))
                    values["instances"] = ",".join(map(str, sorted(links_i.get(r["id"], []))))
                rows[key_of(spec, values)] = Row({f: values[f] for f in spec.fields}, r["version"], r["updated_by"])
            out[spec.table] = rows
    return out


def _evidence_rows(store: StoreCore, pas: tuple[str, ...]) -> dict[str, Row]:
    """The evidence links of some process areas with their items' fields; changed by whoever changed either last."""
    found: dict[str, Row] = {}
    for r in store._rows(evidence_select().where(t.evidence_links.c.pa.in_(pas))):
        by = r["item_updated_by"] if r["item_updated_at"] > r["updated_at"] else r["updated_by"]
        found[str(r["id"])] = Row({f: r[f] for f in EVIDENCE_ROW}, r["link_version"], by,
                                  ((r["kind"], str(r["item_id"])),))
    return found


def _upgraded(base: dict[str, dict[str, Content | None]]) -> dict[str, dict[str, Content | None]]:
    """Evidence rows remembered before the register (slices taken by an older cmmikit) with its fields."""
    evidence = {key: None if row is None else {"artifact_kind": "direct" if row["kind"] == "artifact" else "",
                                               "statement": "", **row}
                for key, row in base.get("evidence", {}).items()}
    return {**base, "evidence": evidence} if evidence else base


def as_base(rows: Rows) -> dict[str, dict[str, Content]]:
    return {table: {k: r.content for k, r in found.items()} for table, found in rows.items()}


# ------------------------------------------------------------------ what a merge does


@dataclass(frozen=True)
class Step:
    """One change applied to FILE: add, update or remove a row, as the slice's user."""

    table: str
    key: str                    # the slice's key
    target: str | None          # FILE's key (None: the row is added)
    action: str
    label: str
    fields: tuple[str, ...]     # the fields that change
    theirs: Content | None
    mine_version: int
    user: str
    order: tuple[int, int, str]
    item: tuple[str, int] | None = None     # evidence: the slice's register item (artifact or affirmation, id)

    def describe(self) -> str:
        if self.action == ADD:
            return f"{self.label}: added"
        if self.action == REMOVE:
            return f"{self.label}: removed"
        shown = ", ".join(f"{f} -> {_short(self.theirs[f])}" for f in self.fields if f != "inherited")  # type: ignore[index]
        return f"{self.label}: {shown or 're-assessed (no longer inherited)'}"


@dataclass(frozen=True)
class Conflict:
    """A row changed on both sides since the slice, differently."""

    id: str                     # "<table>:<key>": the same in a dry run and in the merge that follows
    table: str
    label: str
    mine: Content | None        # FILE's row now (None: removed in FILE)
    theirs: Content | None      # the slice's row (None: removed in the slice)
    fields: tuple[str, ...]     # the fields in which they differ
    mine_user: str
    theirs_user: str
    step: Step                  # what taking theirs does

    def values(self, side: str) -> dict[str, str]:
        """The differing fields of one side as text ("(removed)" when that side removed the row)."""
        row = self.mine if side == MINE else self.theirs
        if row is None:
            return {"": "(removed)"}
        return {f: _short(row.get(f), 200) for f in self.fields}

    def describe(self) -> str:
        def side(name: str, who: str) -> str:
            return f"{name} ({who or '?'}): " + "; ".join(f"{k} = {v}" if k else v for k, v in self.values(name).items())
        return f"{self.label}: {side(MINE, self.mine_user)} | {side(THEIRS, self.theirs_user)}"


@dataclass
class MergeResult:
    """What a merge applied (or, in a dry run, would apply), its conflicts and how they were resolved."""

    slice_name: str
    origin: str
    pas: tuple[str, ...]
    dry_run: bool
    steps: list[Step] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    resolutions: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def open_conflicts(self) -> list[Conflict]:
        return [c for c in self.conflicts if c.id not in self.resolutions]

    @property
    def applied(self) -> list[Step]:
        """The changes to FILE: those made in the slice only, and conflicts resolved as theirs."""
        taken = [c.step for c in self.conflicts if self.resolutions.get(c.id) == THEIRS]
        return sorted([*self.steps, *taken], key=lambda s: s.order)

    def summary(self) -> str:
        verb = "would apply" if self.dry_run else "applied"
        lines = [f"merge of {self.slice_name} ({', '.join(self.pas)}){' (dry run: nothing written)' if self.dry_run else ''}: "
                 f"{verb} {len(self.applied)} change(s); {len(self.conflicts)} conflict(s)"
                 + (f", {len(self.open_conflicts)} not resolved" if self.open_conflicts else "")]
        lines += [f"  {s.describe()}  [{s.user}]" for s in self.applied]
        for c in self.conflicts:
            how = self.resolutions.get(c.id)
            state = {MINE: "kept mine", THEIRS: "took theirs"}.get(how or "", "CONFLICT, not applied")
            lines.append(f"  {state}: {c.describe()}")
        lines += [f"  note: {n}" for n in self.notes]
        if self.open_conflicts:
            lines.append("  resolve with --take mine (keep FILE) or --take theirs (take the slice), "
                         "or one by one in notebooks/05_merge.ipynb")
        return "\n".join(lines)


@dataclass(frozen=True)
class SliceInfo:
    """What a slice remembers of its origin."""

    id: str
    origin: str                 # where it was taken from (address shown without a password)
    origin_name: str
    generation: str             # the origin appraisal's generation: a merge goes back only there
    pas: tuple[str, ...]
    assessor: str
    created_at: str
    created_by: str
    last_change: int            # change-log ids above this were made in the slice
    items: dict[str, frozenset[int]] | None = None   # register items copied, by kind (None: an older slice)


def slice_info(store: StoreCore) -> SliceInfo | None:
    """What a slice remembers of its origin, or None when the appraisal is not a slice."""
    raw = store._scalar(select(t.meta.c.value).where(t.meta.c.key == SLICE_META))
    if raw is None:
        return None
    data = json.loads(raw)
    items = data.get("items")
    return SliceInfo(data["id"], data["origin"], data["origin_name"], data["generation"], tuple(data["pas"]),
                     data["assessor"], data["created_at"], data["created_by"], int(data["last_change"]),
                     None if items is None else {kind: frozenset(ids) for kind, ids in items.items()})


# ------------------------------------------------------------------ planning


@dataclass
class _State:
    """What earlier merges of a slice settled: ids given to rows added in the slice, rows as merged."""

    ids: dict[str, dict[str, str]]
    base: dict[str, dict[str, Content | None]]

    def to_json(self) -> str:
        return json.dumps({"ids": self.ids, "base": self.base}, sort_keys=True)


def _load_state(store: StoreCore, slice_id: str) -> _State:
    raw = store._scalar(select(t.meta.c.value).where(t.meta.c.key == MERGED_META + slice_id))
    data = json.loads(raw) if raw else {}
    base = _upgraded(data.get("base", {}))
    return _State({s.table: dict(data.get("ids", {}).get(s.table, {})) for s in SPECS},
                  {s.table: dict(base.get(s.table, {})) for s in SPECS})


def _save_state(store: StoreCore, slice_id: str, state: _State) -> None:
    key = MERGED_META + slice_id
    store._conn.execute(delete(t.meta).where(t.meta.c.key == key))  # type: ignore[union-attr]
    store._conn.execute(insert(t.meta).values(key=key, value=state.to_json()))  # type: ignore[union-attr]


def _content(spec: Spec, row: Row | None) -> Content | None:
    if row is None:
        return dict(BLANK_RECORD) if spec.table == "practice_records" else None
    return row.content


def _short(value: Any, limit: int = 60) -> str:
    if value is None or value == "":
        return "(blank)"
    text = str(value).replace("\n", " ")
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


class _Planner:
    def __init__(self, mine: Appraisal, theirs: Appraisal, info: SliceInfo, base: dict[str, dict[str, Content]],
                 state: _State):
        self.mine_store, self.info, self.state = mine, info, state
        self.mine, self.theirs = read_rows(mine, info.pas), read_rows(theirs, info.pas)
        self.original = base = _upgraded(base)
        self.base = {s.table: {**base.get(s.table, {}), **state.base[s.table]} for s in SPECS}
        self.items = _SliceItems(info.items, theirs)
        self.order = _change_order(theirs, info.last_change)
        self.mine_names = {r["id"]: r["name"] for r in mine._rows(select(t.instances.c.id, t.instances.c.name))}
        self.theirs_names = {r["id"]: r["name"] for r in theirs._rows(select(t.instances.c.id, t.instances.c.name))}
        self.steps: list[Step] = []
        self.conflicts: list[Conflict] = []
        self.notes: list[str] = []
        self.settled: dict[str, dict[str, Content | None]] = {s.table: {} for s in SPECS}

    def run(self) -> None:
        for spec in SPECS:
            keys = set(self.base[spec.table]) | set(self.theirs[spec.table])
            for key in sorted(keys):
                self._row(spec, key)

    def target(self, spec: Spec, key: str) -> str | None:
        """FILE's key of a row: the same, or the id an earlier merge gave a row added in the slice (None: none yet).

        A finding generated in the slice (findings sync) is the one FILE generated from the same
        source, when there is one: matched by ``source_key`` instead of added twice.
        """
        mapped = self.state.ids[spec.table].get(key)
        if mapped or not spec.by_id or key in self.original.get(spec.table, {}):
            return mapped or key
        theirs = self.theirs[spec.table].get(key)
        if spec.table == "findings" and theirs and theirs.content["origin"] == "generated":
            source = theirs.content["source_key"]
            added_in_file = {k: r for k, r in self.mine["findings"].items() if k not in self.original.get("findings", {})}
            for candidate, row in added_in_file.items():
                if source and row.content["origin"] == "generated" and row.content["source_key"] == source:
                    self.state.ids["findings"][key] = candidate
                    return candidate
        return None

    def _row(self, spec: Spec, key: str) -> None:
        target = self.target(spec, key)
        mine_row = self.mine[spec.table].get(target) if target else None
        theirs_row = self.theirs[spec.table].get(key)
        base = self.base[spec.table].get(key, dict(BLANK_RECORD) if spec.table == "practice_records" else None)
        mine, theirs = _content(spec, mine_row), _content(spec, theirs_row)
        if mine == theirs or theirs == base:
            self.settled[spec.table][key] = theirs
            return
        label = self.label(spec, key, theirs or mine or base or {})
        problem = self.missing_instance(spec, key, theirs or mine or base or {})
        if problem:
            self.notes.append(f"{label}: skipped, {problem}")
            return
        subjects = [(spec.entity, key), *(theirs_row.also if theirs_row else ())]
        changed_by, order_id = max((self.order.get(s, ("", 0)) for s in subjects), key=lambda found: found[1])
        user = changed_by or (theirs_row.by if theirs_row else "") or self.info.assessor or "slice"
        fields = tuple(f for f in spec.fields if (mine or {}).get(f) != (theirs or {}).get(f))
        action = REMOVE if theirs is None else (ADD if mine_row is None and spec.by_id or
                                                 mine is None else UPDATE)
        item = (theirs_row.also[0][0], int(theirs_row.also[0][1])) if theirs_row and theirs_row.also else None
        step = Step(spec.table, key, target, action, label, fields, theirs, mine_row.version if mine_row else 0,
                    user, (spec.phase, order_id, key), item)
        if mine == base:
            self.steps.append(step)
            self.settled[spec.table][key] = theirs
            return
        self.conflicts.append(Conflict(f"{spec.table}:{key}", spec.table, label, mine, theirs, fields,
                                       mine_row.by if mine_row else "", user, step))

    def instance_name(self, ident: Any) -> str:
        return self.mine_names.get(ident) or self.theirs_names.get(ident) or f"instance {ident}"

    def label(self, spec: Spec, key: str, content: Content) -> str:
        parts = key.split("|")
        if spec.table == "practice_records":
            return f"{parts[0]} {parts[1]} / {self.instance_name(int(parts[2]))}"
        if spec.table == "evidence":
            what = content.get("description", "")
            return (f"{content.get('pa')} {content.get('practice')} / {self.instance_name(content.get('instance_id'))}: "
                    f"evidence {_short(what, 40)}")
        if spec.table in ("practice_decisions", "goal_decisions"):
            return f"{parts[0]} {parts[1]} team decision"
        if spec.table == "findings":
            return f"{content.get('pa')} finding {_short(content.get('statement'), 50)}"
        return f"action {_short(content.get('description'), 50)}"

    def missing_instance(self, spec: Spec, key: str, content: Content) -> str:
        """Why a row cannot be merged because its basic unit or support function is gone, or ""."""
        if spec.table == "practice_records":
            ident = int(key.split("|")[2])
        elif spec.table == "evidence":
            ident = int(content["instance_id"])
        else:
            return ""
        name = self.instance_name(ident)
        if ident not in self.mine_names:
            return f"{name} was removed from {self.mine_store.location.label} after the slice was taken"
        if ident not in self.theirs_names:
            return f"{name} was removed in the slice; its data in {self.mine_store.location.label} is kept"
        return ""


def _change_order(store: StoreCore, after: int) -> dict[tuple[str, str], tuple[str, int]]:
    """Per (entity, entity_id), who made the newest change in the slice and its change-log id."""
    c = t.changes.c
    newest = select(func.max(c.id)).where(c.id > after).group_by(c.entity, c.entity_id)
    return {(r["entity"], r["entity_id"]): (r["changed_by"], r["id"])
            for r in store._rows(select(c.id, c.entity, c.entity_id, c.changed_by).where(c.id.in_(newest)))}


# ------------------------------------------------------------------ merging


def merge_slice(appraisal: Appraisal, piece: Appraisal, *, dry_run: bool = False,
                take: str | Mapping[str, str] | None = None) -> MergeResult:
    """Merge a slice (see :func:`cmmikit.store.transfer.slice_appraisal`) back into the appraisal it came from.

    ``take``: "mine" keeps FILE's side of every conflict, "theirs" takes the slice's; a mapping
    resolves conflicts one by one by :attr:`Conflict.id`; unresolved conflicts are not applied.
    ``dry_run`` plans and reports without writing anything. One transaction: all or nothing.
    """
    info = slice_info(piece)
    if info is None:
        raise StoreError(f"{piece.location.display}: not a slice (make one with 'cmmikit slice'); nothing merged")
    _check_take(take)
    with piece.snapshot():
        raw_base = piece._scalar(select(t.meta.c.value).where(t.meta.c.key == BASE_META))
        base = json.loads(raw_base or "{}")
        if dry_run:
            with appraisal.snapshot():
                planner = _plan(appraisal, piece, info, base)
            return _result(planner, piece, info, take, dry_run=True)
        with appraisal.transaction():
            planner = _plan(appraisal, piece, info, base)
            result = _result(planner, piece, info, take, dry_run=False)
            _apply(appraisal, planner, result)
    return result


def _check_take(take: str | Mapping[str, str] | None) -> None:
    choices = take.values() if isinstance(take, Mapping) else ([] if take is None else [take])
    for choice in choices:
        if choice not in (MINE, THEIRS):
            raise InvalidValue(f"take must be 'mine' (keep the appraisal's value) or 'theirs' (take the slice's); "
                               f"got {choice!r}")


def _plan(appraisal: Appraisal, piece: Appraisal, info: SliceInfo, base: dict) -> _Planner:
    generation = appraisal._scalar(select(t.appraisal.c.generation))
    if generation != info.generation:
        raise StoreError(f"{piece.location.display}: was sliced from {info.origin_name!r} ({info.origin}), not from "
                         f"{appraisal.location.display} (or that appraisal was re-imported since); nothing merged")
    if appraisal.info().model_id != piece.info().model_id:
        raise StoreError(f"{piece.location.display}: uses another model than {appraisal.location.display}; "
                         "nothing merged")
    if appraisal.model.target_maturity_level != piece.model.target_maturity_level:
        raise StoreError(f"{piece.location.display}: targets maturity level {piece.model.target_maturity_level}, "
                         f"{appraisal.location.display} targets {appraisal.model.target_maturity_level}; nothing merged")
    planner = _Planner(appraisal, piece, info, base, _load_state(appraisal, info.id))
    planner.run()
    return planner


def _result(planner: _Planner, piece: Appraisal, info: SliceInfo, take: str | Mapping[str, str] | None,
            dry_run: bool) -> MergeResult:
    if isinstance(take, Mapping):
        known = {c.id for c in planner.conflicts}
        resolutions = {k: v for k, v in take.items() if k in known}
    else:
        resolutions = {c.id: take for c in planner.conflicts} if take else {}
    return MergeResult(piece.location.label, info.origin, info.pas, dry_run, planner.steps, planner.conflicts,
                       resolutions, planner.notes)


def _apply(appraisal: Appraisal, planner: _Planner, result: MergeResult) -> None:
    state = planner.state
    settled = planner.settled
    for c in result.conflicts:
        if c.id in result.resolutions:
            settled[c.table][c.step.key] = c.theirs
    applier = _Applier(appraisal, planner.mine_names, state.ids, planner.items)
    for step in result.applied:
        with _acting_as(appraisal, step.user):
            applier.apply(step)
    applier.link_merged_findings()
    for spec in SPECS:
        original = planner.original.get(spec.table, {})
        for key, content in settled[spec.table].items():
            default = dict(BLANK_RECORD) if spec.table == "practice_records" else None
            if content == original.get(key, default):
                state.base[spec.table].pop(key, None)
            else:
                state.base[spec.table][key] = content
    before = _load_state(appraisal, planner.info.id).to_json()
    if result.applied or state.to_json() != before:
        _save_state(appraisal, planner.info.id, state)
        appraisal._log(Subject("appraisal", "merge"), "merged", None,
                       f"slice {result.slice_name} ({', '.join(result.pas)}): {len(result.applied)} change(s), "
                       f"{len(result.resolutions)} conflict(s) resolved, {len(result.open_conflicts)} left")


@contextmanager
def _acting_as(store: StoreCore, user: str) -> Iterator[None]:
    """Record the changes made inside the block under ``user`` (the slice's user), not the merger."""
    saved, store.user = store.user, user
    try:
        yield
    finally:
        store.user = saved


class _SliceItems:
    """Which register items of FILE a slice has: the ones copied into it keep their ids there."""

    def __init__(self, copied: dict[str, frozenset[int]] | None, piece: Appraisal):
        self.copied = copied or {}
        self.by_title = piece._item_keys()
        self.present = {(k.entity, ident) for k in KINDS.values() for (ident,) in piece._tuples(select(k.table.c.id))}

    def kept(self, kind: str, file_id: int, title: str, location: str) -> bool:
        """Whether FILE's item ``file_id`` is still registered in the slice (older slices: one of its title)."""
        if file_id in self.copied.get(kind, ()):
            return (kind, file_id) in self.present
        return (kind, item_key(title, location)) in self.by_title


class _Applier:
    """Writes the steps of a merge into FILE through the store's versioned, logged writes."""

    def __init__(self, store: Appraisal, names: dict[int, str], ids: dict[str, dict[str, str]],
                 items: _SliceItems):
        self.store, self.names, self.ids, self.items = store, names, ids, items
        self.merged_links: list[tuple[int, Any, str]] = []

    def apply(self, step: Step) -> None:
        getattr(self, f"_{step.table}")(step)

    def _changes(self, step: Step, drop: tuple[str, ...] = ()) -> dict[str, Any]:
        assert step.theirs is not None
        return {f: step.theirs[f] for f in step.fields if f not in drop}

    def _practice_records(self, step: Step) -> None:
        pa, practice, ident = step.key.split("|")
        self.store._check_practice(pa, practice)
        changes = self._changes(step)
        scale = self.store.scale
        if changes.get("characterization") not in (None, *scale.all_values):
            raise InvalidValue(f"{step.label}: characterization {changes['characterization']!r} in the slice "
                               f"is not on the scale of the appraisal ({scale.summary()})")
        self.store._upsert(t.practice_records, {"pa": pa, "practice": practice, "instance_id": int(ident)}, changes,
                           record_subject(pa, practice, self.names[int(ident)], int(ident)), step.mine_version)

    def _evidence(self, step: Step) -> None:
        if step.action == ADD:
            v = step.theirs or {}
            kind, slice_item = step.item  # type: ignore[misc]
            if slice_item in self.items.copied.get(kind, ()) and self.store._row(
                    KINDS[kind].table, {"id": slice_item}) is not None:    # an item FILE has: the same one
                link = self.store._link(KINDS[kind], slice_item, v["pa"], v["practice"],
                                        self.names[v["instance_id"]], v["statement"])
            else:                                    # added in the slice: FILE's of that title, or a new one
                link = self.store.add_evidence(v["pa"], v["practice"], self.names[v["instance_id"]], kind,
                                               v["description"], location=v["location"], who=v["who"],
                                               collected_on=v["collected_on"],
                                               artifact_kind=v["artifact_kind"] or "direct", statement=v["statement"])
            self.ids["evidence"][step.key] = str(link)
            return
        ident = int(step.target)  # type: ignore[arg-type]
        row, kind, subject, title = self.store._link_row(ident)
        self.store._check_version(row, step.mine_version, subject)
        if step.action == REMOVE:
            item = self.store._row(kind.table, {"id": row[kind.link_column]})
            if self.items.kept(kind.entity, item["id"], title, item["location"]):
                self.store.unlink(ident)             # taken off the cell; the slice kept the item registered
            else:
                self.store.remove_evidence(ident)    # its item goes too when no other cell of FILE uses it
            return
        changes = self._changes(step)
        item_changes = {f: v for f, v in changes.items() if f not in LINK_ONLY}
        if item_changes:
            self.store.update_evidence(ident, **item_changes)
        if changes.get("artifact_kind"):
            artifact = self.store._link_row(ident)[0]["artifact_id"]
            if artifact is not None:
                self.store.update_artifact(artifact, kind=changes["artifact_kind"])
        if "statement" in changes:
            self.store.update_link(ident, statement=changes["statement"])

    def _decision(self, step: Step, subject: Subject, summary: str) -> None:
        spec = BY_TABLE[step.table]
        table = t.metadata.tables[step.table]
        key = dict(zip(spec.keys, step.key.split("|")))
        if step.action == REMOVE:
            self.store._delete(table, key, subject, step.mine_version, summary)
        else:
            self.store._upsert(table, key, self._changes(step), subject, step.mine_version)

    def _practice_decisions(self, step: Step) -> None:
        pa, practice = step.key.split("|")
        self.store._check_practice(pa, practice)
        values = self.store.scale.decision_values
        if step.theirs is not None and step.theirs["value"] not in values:
            raise InvalidValue(f"{step.label}: decision {step.theirs['value']!r} in the slice is not one of "
                               + ", ".join(values))
        self._decision(step, practice_decision_subject(pa, practice), "value")

    def _goal_decisions(self, step: Step) -> None:
        pa, goal = step.key.split("|")
        self.store._check_goal(pa, goal)
        self._decision(step, goal_decision_subject(pa, goal), "rating")

    def _finding_id(self, slice_id: Any) -> int | None:
        """FILE's id of a finding named by its id in the slice (added there or not)."""
        if slice_id is None:
            return None
        mapped = self.ids["findings"].get(str(slice_id))
        return int(mapped) if mapped else int(slice_id)

    def _findings(self, step: Step) -> None:
        theirs = step.theirs or {}
        if step.action == REMOVE:
            ident = int(step.target)  # type: ignore[arg-type]
            finding = self.store.finding(ident)
            self.store._delete(t.findings, {"id": ident}, self.store._finding_subject(finding), step.mine_version,
                               "statement")
            return
        practices = [p for p in theirs["practices"].split(",") if p]
        instances = [self.names[int(i)] for i in theirs["instances"].split(",") if i and int(i) in self.names]
        scalar = {k: v for k, v in theirs.items() if k not in ("practices", "instances", "merged_into")}
        if step.action == ADD:
            self.store._check_goal(theirs["pa"], theirs["goal"])
            subject = Subject("finding", f"{theirs['pa']} {theirs['goal']} {theirs['kind']}", pa=theirs["pa"])
            ident = int(self.store._insert(t.findings, {**scalar, "created_at": now()}, subject,
                                           {"statement": theirs["statement"]}))
            self.ids["findings"][step.key] = str(ident)
            self.store._link_finding(ident, practices, instances)
        else:
            ident = int(step.target)  # type: ignore[arg-type]
            current = self.store.finding(ident)
            subject = self.store._finding_subject(current)
            relinked = "practices" in step.fields or "instances" in step.fields
            self.store._update(t.findings, {"id": ident}, {k: scalar[k] for k in step.fields if k in scalar},
                               subject, step.mine_version, touch=relinked)
            if relinked:
                self.store._link_finding(ident, practices, instances)
                self.store._log(subject, "links", f"{', '.join(current.practices)}; {', '.join(current.instances)}",
                                f"{', '.join(practices)}; {', '.join(instances)}")
        if "merged_into" in step.fields or (step.action == ADD and theirs["merged_into"] is not None):
            self.merged_links.append((ident, theirs["merged_into"], step.user))

    def link_merged_findings(self) -> None:
        """Point merged findings at their target once every finding added in the slice has its id in FILE."""
        for ident, target, user in self.merged_links:
            finding = self.store.finding(ident)
            with _acting_as(self.store, user):
                self.store._update(t.findings, {"id": ident}, {"merged_into": self._finding_id(target)},
                                   self.store._finding_subject(finding), None)

    def _actions(self, step: Step) -> None:
        if step.action == REMOVE:
            ident = int(step.target)  # type: ignore[arg-type]
            if self.store._row(t.actions, {"id": ident}) is None:
                return  # went with its finding
            self.store._delete(t.actions, {"id": ident}, Subject("action", f"action {ident}", entity_id=ident),
                               step.mine_version, "description")
            return
        changes = self._changes(step)
        if "finding_id" in changes or step.action == ADD:
            changes["finding_id"] = self._finding_id((step.theirs or {})["finding_id"])
        if step.action == ADD:
            finding = self.store.finding(changes["finding_id"])
            values = {**(step.theirs or {}), **changes, "created_at": now()}
            subject = Subject("action", f"action for finding {finding.id}", pa=finding.pa)
            logged = {k: values[k] for k in ("description", "owner", "due_date", "status")}
            self.ids["actions"][step.key] = str(self.store._insert(t.actions, values, subject, logged))
        else:
            ident = int(step.target)  # type: ignore[arg-type]
            self.store._update(t.actions, {"id": ident}, changes,
                               Subject("action", f"action {ident}", entity_id=ident), step.mine_version)
