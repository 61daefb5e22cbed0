"""The evidence register: artifacts and affirmations registered once and linked to the cells they support.

An artifact (a document, record or tool output; a direct or an indirect artifact) and an affirmation
(an interview or session: its date, the roles of the people interviewed, the assessor) are each one
row of the register, linked to any number of practice x instance cells. What an item shows for one
cell (a section, a quote, what the interviewees affirmed about that practice there) is the link's
statement. Items dated more than the appraisal's ``evidence_max_age_months`` before the appraisal
period starts (``start_date``; today while it is blank) are stale.

The evidence API of earlier releases works on top of the register: ``add_evidence`` registers the item
(or reuses the one with the same title and location) and links it to the cell; an evidence id is the
id of that link; ``evidence_counts`` counts linked artifacts and affirmations per cell.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, Table, bindparam, case, delete, func, insert, literal, select
from sqlalchemy.engine import RowMapping

from cmmikit.errors import InvalidValue, UnknownEntry
from cmmikit.store import tables as t
from cmmikit.store.subjects import cell_name
from cmmikit.store.core import StoreCore, Subject, check, check_fields, checked_date, clean, now
from cmmikit.store.legacy_evidence import difference
from cmmikit.store.records import (ARTIFACT_KINDS, EVIDENCE_KINDS, REGISTER_KINDS, Affirmation, Artifact, Evidence,
                                   Link)

EVIDENCE_FIELDS = {"kind", "description", "location", "who", "collected_on"}
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{2})(?!\d)")


@dataclass(frozen=True)
class _Kind:
    """How one kind of register item is stored."""

    entity: str                 # "artifact" or "affirmation" (change log, messages, the evidence kind)
    table: Table
    link_column: str            # its column in evidence_links
    fields: frozenset[str]
    who: str                    # the column an old evidence row's ``who`` maps to
    date: str                   # the column an old evidence row's ``collected_on`` maps to
    record: type


ARTIFACT = _Kind("artifact", t.artifacts, "artifact_id",
                 frozenset({"title", "kind", "location", "owner", "effective_date", "notes"}),
                 "owner", "effective_date", Artifact)
AFFIRMATION = _Kind("affirmation", t.affirmations, "affirmation_id",
                    frozenset({"title", "held_on", "roles", "assessor", "location", "notes"}),
                    "roles", "held_on", Affirmation)
KINDS = {"artifact": ARTIFACT, "affirmation": AFFIRMATION}
_FIND = {kind.entity: select(kind.table).where(kind.table.c.location == bindparam("location"),
                                               func.lower(kind.table.c.title) == func.lower(bindparam("title")))
         .order_by(kind.table.c.id) for kind in KINDS.values()}


def item_key(title: str, location: str = "") -> tuple[str, str]:
    """What makes two register items the same: the title (case and spacing aside) and the location."""
    return " ".join((title or "").split()).casefold(), (location or "").strip()


def parse_date(text: str) -> date | None:
    """A stored date (YYYY-MM-DD, or YYYY-MM for the first of the month); None when it is not one."""
    text = (text or "").strip()
    try:
        if _ISO_DAY.fullmatch(text[:10]):
            return date.fromisoformat(text[:10])
        month = _ISO_MONTH.match(text)
        if month:
            return date(int(month[1]), int(month[2]), 1)
    except ValueError:
        return None
    return None


def months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))




def _values(kind: _Kind, changes: Mapping[str, Any]) -> dict[str, str]:
    """Checked, tidied column values for an item of ``kind``."""
    check_fields(changes, set(kind.fields), kind.entity)
    values: dict[str, str] = {}
    for name, value in changes.items():
        if name == "title":
            values[name] = " ".join(clean(value, "title").split())
            if not values[name]:
                raise InvalidValue(f"an {kind.entity} needs a title")
        elif name == "kind":
            check(value, ARTIFACT_KINDS, "artifact kind")
            values[name] = value
        elif name == kind.date:
            values[name] = checked_date(value, name)
        elif name == "location":
            values[name] = clean(value, name).strip()
        else:
            values[name] = clean(value, name)
    return values


def evidence_select() -> Select:
    """Each link with its register item, in the shape of an evidence row of earlier releases.

    Columns: the link's ``id``, ``pa``, ``practice``, ``instance_id``, ``instance`` (its name),
    ``statement``, ``link_version``, ``updated_by``, ``updated_at``; the item's ``kind`` (artifact
    or affirmation), ``item_id``, ``description`` (title), ``location``, ``who`` (owner or roles),
    ``collected_on`` (its date), ``artifact_kind`` (direct, indirect; blank for an affirmation),
    ``version``, ``item_updated_by`` and ``item_updated_at``.
    """
    lk, a, f = t.evidence_links.c, t.artifacts.c, t.affirmations.c
    return (select(lk.id, lk.pa, lk.practice, lk.instance_id, t.instances.c.name.label("instance"), lk.statement,
                   lk.version.label("link_version"), lk.updated_by, lk.updated_at,
                   case((lk.artifact_id.is_not(None), literal("artifact")), else_=literal("affirmation")).label("kind"),
                   func.coalesce(lk.artifact_id, lk.affirmation_id).label("item_id"),
                   func.coalesce(a.title, f.title).label("description"),
                   func.coalesce(a.location, f.location).label("location"),
                   func.coalesce(a.owner, f.roles).label("who"),
                   func.coalesce(a.effective_date, f.held_on).label("collected_on"),
                   func.coalesce(a.kind, literal("")).label("artifact_kind"),
                   func.coalesce(a.version, f.version).label("version"),
                   func.coalesce(a.updated_by, f.updated_by).label("item_updated_by"),
                   func.coalesce(a.updated_at, f.updated_at).label("item_updated_at"))
            .join(t.instances, t.instances.c.id == lk.instance_id)
            .outerjoin(t.artifacts, a.id == lk.artifact_id)
            .outerjoin(t.affirmations, f.id == lk.affirmation_id))


class RegisterStore(StoreCore):
    # -- register items ---------------------------------------------------------------

    def add_artifact(self, title: str, kind: str = "direct", *, location: str = "", owner: str = "",
                     effective_date: str = "", notes: str = "") -> int:
        """Register a direct or indirect artifact once; returns its (never reused) id.

        Refused when an artifact with the same title (case and spacing aside) and location is
        registered already (link that one instead; :meth:`find_artifact` finds it).
        """
        return self._add_item(ARTIFACT, {"title": title, "kind": kind, "location": location, "owner": owner,
                                         "effective_date": effective_date, "notes": notes})

    def add_affirmation(self, title: str, *, held_on: str = "", roles: str = "", assessor: str = "",
                        location: str = "", notes: str = "") -> int:
        """Register an interview or session (its date, the roles interviewed, the assessor); returns its id."""
        return self._add_item(AFFIRMATION, {"title": title, "held_on": held_on, "roles": roles,
                                            "assessor": assessor, "location": location, "notes": notes})

    def update_artifact(self, artifact_id: int, *, base_version: int | None = None, **changes: str) -> Artifact:
        """Change title, kind, location, owner, effective_date or notes (everywhere it is linked)."""
        self._update_item(ARTIFACT, artifact_id, changes, base_version)
        return self.artifact(artifact_id)

    def update_affirmation(self, affirmation_id: int, *, base_version: int | None = None,
                           **changes: str) -> Affirmation:
        """Change title, held_on, roles, assessor, location or notes (everywhere it is linked)."""
        self._update_item(AFFIRMATION, affirmation_id, changes, base_version)
        return self.affirmation(affirmation_id)

    def remove_artifact(self, artifact_id: int, *, base_version: int | None = None) -> None:
        """Remove an artifact from the register, with its links to every cell."""
        self._remove_item(ARTIFACT, artifact_id, base_version)

    def remove_affirmation(self, affirmation_id: int, *, base_version: int | None = None) -> None:
        """Remove an affirmation from the register, with its links to every cell."""
        self._remove_item(AFFIRMATION, affirmation_id, base_version)

    def artifact(self, artifact_id: int) -> Artifact:
        """One artifact with its links (the cells it supports) and stale flag."""
        return self._entry(ARTIFACT, artifact_id)

    def affirmation(self, affirmation_id: int) -> Affirmation:
        """One affirmation with its links (the cells it speaks to, with what was affirmed) and stale flag."""
        return self._entry(AFFIRMATION, affirmation_id)

    def find_artifact(self, title: str, location: str = "") -> Artifact | None:
        """The registered artifact with this title (case and spacing aside) and location, if any."""
        row = self._find(ARTIFACT, title, location)
        return None if row is None else self._entry(ARTIFACT, row["id"])

    def find_affirmation(self, title: str, location: str = "") -> Affirmation | None:
        """The registered affirmation with this title (case and spacing aside) and location, if any."""
        row = self._find(AFFIRMATION, title, location)
        return None if row is None else self._entry(AFFIRMATION, row["id"])

    # -- links --------------------------------------------------------------------------

    def link_artifact(self, artifact_id: int, pa: str, practice: str, instance: str, *,
                      statement: str | None = None) -> int:
        """Link an artifact to a practice in an instance; returns the link id (the existing one if linked)."""
        return self._link(ARTIFACT, artifact_id, pa, practice, instance, statement)

    def link_affirmation(self, affirmation_id: int, pa: str, practice: str, instance: str, *,
                         statement: str | None = None) -> int:
        """Link an affirmation to a practice in an instance, with what was affirmed there; returns the link id."""
        return self._link(AFFIRMATION, affirmation_id, pa, practice, instance, statement)

    def link_many(self, links: Iterable[tuple[str, int, str, str, str]]) -> list[int]:
        """Link many register items at once (an import): each ``(kind, item_id, pa, practice, instance)``.

        ``kind`` is artifact or affirmation; links that exist already are kept. Returns the link ids in order.
        """
        wanted = list(links)
        for entity, _, pa, practice, _ in wanted:
            check(entity, tuple(KINDS), "register item kind")
            self._check_practice(pa, practice)
        lk = t.evidence_links.c
        with self.transaction():
            units = {name: ident for ident, name in self._tuples(select(t.instances.c.id, t.instances.c.name))}
            titles = {(k.entity, ident): title for k in KINDS.values()
                      for ident, title in self._tuples(select(k.table.c.id, k.table.c.title))}
            found = {("artifact" if art is not None else "affirmation", art or aff, pa, practice, unit): ident
                     for ident, art, aff, pa, practice, unit in self._tuples(
                         select(lk.id, lk.artifact_id, lk.affirmation_id, lk.pa, lk.practice, lk.instance_id))}
            new: dict[tuple, dict[str, Any]] = {}
            for entity, item_id, pa, practice, instance in wanted:
                if (entity, item_id) not in titles:
                    raise UnknownEntry(f"no {entity} {item_id} in the register (removed by another session?)")
                if instance not in units:
                    raise UnknownEntry(f"no basic unit or support function named {instance!r}")
                key = (entity, item_id, pa, practice, units[instance])
                if key not in found and key not in new:
                    new[key] = {"pa": pa, "practice": practice, "instance_id": units[instance],
                                KINDS[entity].link_column: item_id, "version": 1, "updated_by": self.user,
                                "updated_at": now()}
            if new:
                rows = list(new.values())
                ids = self._conn.execute(  # type: ignore[union-attr]
                    insert(t.evidence_links).returning(t.evidence_links.c.id, sort_by_parameter_order=True),
                    [{"artifact_id": None, "affirmation_id": None, **row} for row in rows]).scalars().all()
                found.update(zip(new, ids))
                names = {ident: name for name, ident in units.items()}
                self._log_many((Subject("evidence", f"{cell_name(pa, practice, names[unit])}: {entity} {item_id}",
                                        entity_id=ident, pa=pa, practice=practice, instance=names[unit]),
                                entity, None, titles[(entity, item_id)])
                               for (entity, item_id, pa, practice, unit), ident in zip(new, ids))
            return [found[(entity, item_id, pa, practice, units[instance])]
                    for entity, item_id, pa, practice, instance in wanted]

    def update_link(self, link_id: int, *, statement: str, base_version: int | None = None) -> None:
        """Change what an item shows for its cell (``base_version``: the link's version as read)."""
        with self.transaction():
            subject = self._link_row(link_id)[2]
            self._update(t.evidence_links, {"id": link_id}, {"statement": clean(statement, "statement")}, subject,
                         base_version)

    def unlink(self, link_id: int, *, base_version: int | None = None) -> None:
        """Take an item off one cell; it stays in the register (``base_version``: the link's version)."""
        with self.transaction():
            _, _, subject, title = self._link_row(link_id)
            self._check_version(self._locked_row(t.evidence_links, {"id": link_id}), base_version, subject)
            self._conn.execute(delete(t.evidence_links).where(t.evidence_links.c.id == link_id))
            self._log(subject, "removed", title, None)

    # -- reading the register -------------------------------------------------------------

    def register(self, *, search: str | None = None, kind: str | None = None, pa: str | None = None,
                 practice: str | None = None, instance: str | None = None, stale: bool | None = None,
                 linked: bool | None = None) -> list[Artifact | Affirmation]:
        """The register: artifacts (by title), then affirmations, each with its links and stale flag.

        ``search`` finds text (case aside) in the title, location, owner, roles, assessor, notes or a
        link's statement; ``kind`` is direct, indirect, artifact (both) or affirmation; ``pa``,
        ``practice``, ``instance`` keep items linked to such cells; ``stale`` and ``linked`` keep
        items that are (True) or are not (False) stale or linked anywhere.
        """
        if kind is not None:
            check(kind, ("artifact", *REGISTER_KINDS), "register kind")
        wanted = [k for k in (ARTIFACT, AFFIRMATION) if kind is None or k.entity == kind
                  or (k is ARTIFACT and kind in ARTIFACT_KINDS)]
        with self.snapshot():
            cutoff = self.stale_before()
            links = self._links_by_item()
            entries = [self._record(k, row, links.get((k.entity, row["id"]), ()), cutoff)
                       for k in wanted for row in self._rows(select(k.table).order_by(k.table.c.id))]
        needle = (search or "").strip().casefold()

        def keep(entry: Artifact | Affirmation) -> bool:
            if kind in ARTIFACT_KINDS and entry.kind != kind:
                return False
            if stale is not None and entry.stale != stale:
                return False
            if linked is not None and bool(entry.links) != linked:
                return False
            if any(v is not None for v in (pa, practice, instance)) and not any(
                    (pa is None or link.pa == pa) and (practice is None or link.practice == practice)
                    and (instance is None or link.instance == instance) for link in entry.links):
                return False
            return not needle or needle in _searchable(entry)

        return sorted(filter(keep, entries), key=lambda e: (e.kind == "affirmation", e.title.casefold(), e.id))

    def stale_before(self) -> date:
        """Evidence dated before this day is stale: ``evidence_max_age_months`` before the appraisal period."""
        row = self._rows(select(t.appraisal.c.start_date, t.appraisal.c.evidence_max_age_months))[0]
        return months_before(parse_date(row["start_date"]) or date.today(), row["evidence_max_age_months"])

    # -- the evidence API of earlier releases, on the register ------------------------------

    def add_evidence(self, pa: str, practice: str, instance: str, kind: str, description: str, *,
                     location: str = "", who: str = "", collected_on: str = "", artifact_kind: str = "direct",
                     statement: str = "") -> int:
        """Record an artifact or affirmation for a practice in an instance; returns the link's id.

        The item with the same title (``description``) and location is reused if registered,
        otherwise registered (``who`` is an artifact's owner or an affirmation's roles,
        ``collected_on`` its date); a ``who`` or date that differs from a reused item's is kept in
        the link's statement.
        """
        self._check_practice(pa, practice)
        check(kind, EVIDENCE_KINDS, "evidence kind")
        _check_description(description)
        item = KINDS[kind]
        values = _values(item, {"title": description, "location": location, item.who: who,
                                item.date: collected_on, **({"kind": artifact_kind} if item is ARTIFACT else {})})
        with self.transaction():
            row = self._find(item, values["title"], values["location"])
            if row is None:
                item_id, title = self._add_item(item, values, checked=True), values["title"]
                note = ""
            else:
                item_id, title = row["id"], row["title"]
                note = difference(values[item.who], values[item.date], row[item.who], row[item.date])
            said = clean(statement, "statement")
            text = "; ".join(part for part in (said, "" if note and note in said else note) if part)
            return self._link(item, item_id, pa, practice, instance, text or None, title=title)

    def update_evidence(self, evidence_id: int, *, base_version: int | None = None, **changes: str) -> None:
        """Change an evidence item: its register item (everywhere it is linked), or its kind for this cell.

        ``base_version`` is the item's version as read (``Evidence.version``). Changing the kind files
        this cell's link under an artifact or affirmation of the same title and location instead.
        """
        check_fields(changes, EVIDENCE_FIELDS, "evidence")
        if "kind" in changes:
            check(changes["kind"], EVIDENCE_KINDS, "evidence kind")
        if "description" in changes:
            _check_description(changes["description"])
        with self.transaction():
            link, item, subject, _ = self._link_row(evidence_id)
            row = self._locked_row(item.table, {"id": link[item.link_column]})
            self._check_version(row, base_version, self._item_subject(item, row))
            new = KINDS[changes.get("kind", item.entity)]
            legacy = {"description": "title", "location": "location", "who": new.who, "collected_on": new.date}
            mapped = {legacy[k]: v for k, v in changes.items() if k != "kind"}
            if new is item:
                self._update_item(item, row["id"], mapped, None)
                return
            current = {"title": row["title"], "location": row["location"], new.who: row[item.who],
                       new.date: row[item.date]}
            values = _values(new, {**current, **mapped})
            target = self._find(new, values["title"], values["location"])
            target_id = target["id"] if target is not None else self._add_item(new, values)
            moved = {item.link_column: None, new.link_column: target_id}
            self._update(t.evidence_links, {"id": evidence_id}, moved, subject, None)
            self._drop_if_unlinked(item, row["id"])

    def remove_evidence(self, evidence_id: int, *, base_version: int | None = None) -> None:
        """Take an evidence item off its cell; its register item goes too when no other cell uses it.

        ``base_version`` is the item's version as read (``Evidence.version``).
        """
        with self.transaction():
            link, item, subject, title = self._link_row(evidence_id)
            row = self._locked_row(item.table, {"id": link[item.link_column]})
            self._check_version(row, base_version, self._item_subject(item, row))
            self._conn.execute(delete(t.evidence_links).where(t.evidence_links.c.id == evidence_id))
            self._log(subject, "removed", title, None)
            self._drop_if_unlinked(item, row["id"])

    def evidence(self, pa: str | None = None, practice: str | None = None,
                 instance: str | None = None) -> list[Evidence]:
        """Evidence items (links with their register items), optionally narrowed to a PA, practice, instance."""
        lk = t.evidence_links.c
        stmt = evidence_select()
        with self.snapshot():
            if pa is not None:
                stmt = stmt.where(lk.pa == pa)
            if practice is not None:
                stmt = stmt.where(lk.practice == practice)
            if instance is not None:
                stmt = stmt.where(lk.instance_id == self._instance_id(instance))
            rows = self._rows(stmt.order_by(lk.pa, lk.practice, t.instances.c.position, lk.id))
            cutoff = self.stale_before()
        return [Evidence(r["id"], r["pa"], r["practice"], r["instance"], r["kind"], r["description"], r["location"],
                         r["who"], r["collected_on"], r["version"], r["item_id"], r["artifact_kind"], r["statement"],
                         r["link_version"], _is_stale(r["collected_on"], cutoff)) for r in rows]

    def evidence_counts(self, pa: str | None = None) -> dict[tuple[str, str, str], Counter]:
        """Linked artifacts and affirmations per (pa, practice, instance) (optionally of one PA), counted by the
        database."""
        lk = t.evidence_links.c
        counts = [func.sum(case((lk.artifact_id.is_not(None), 1), else_=0)).label("artifact"),
                  func.sum(case((lk.affirmation_id.is_not(None), 1), else_=0)).label("affirmation")]
        stmt = select(lk.pa, lk.practice, lk.instance_id, *counts).group_by(lk.pa, lk.practice, lk.instance_id)
        if pa is not None:
            stmt = stmt.where(lk.pa == pa)
        with self.snapshot():
            names = {r["id"]: r["name"] for r in self._rows(select(t.instances.c.id, t.instances.c.name))}
            rows = self._conn.execute(stmt).all()  # type: ignore[union-attr]
        return {(pa, practice, names[ident]): Counter(dict(zip(EVIDENCE_KINDS, map(int, n))))
                for pa, practice, ident, *n in rows}

    # -- internals --------------------------------------------------------------------------

    def _find(self, kind: _Kind, title: str, location: str) -> RowMapping | None:
        wanted = item_key(title, location)
        with self.snapshot():
            rows = self._conn.execute(_FIND[kind.entity], {"location": wanted[1], "title": " ".join(  # type: ignore
                title.split())}).mappings().all()
        return next((row for row in rows if item_key(row["title"], row["location"]) == wanted), None)

    def _item_keys(self) -> set[tuple[str, tuple[str, str]]]:
        """(artifact or affirmation, :func:`item_key`) of every register item."""
        return {(k.entity, item_key(title, location)) for k in KINDS.values()
                for title, location in self._tuples(select(k.table.c.title, k.table.c.location))}

    def _refuse_duplicate(self, kind: _Kind, values: Mapping[str, str], itself: int | None = None) -> None:
        twin = self._find(kind, values["title"], values.get("location", ""))
        if twin is not None and twin["id"] != itself:
            where = f" at {values['location']}" if values.get("location") else ""
            raise InvalidValue(f"{kind.entity} {values['title']!r}{where} is registered already "
                               f"({kind.entity} {twin['id']}); link that one")

    def _item_subject(self, kind: _Kind, row: Mapping[str, Any]) -> Subject:
        return Subject(kind.entity, f"{kind.entity} {row['id']} {_quoted(row['title'])}", entity_id=row["id"])

    def _add_item(self, kind: _Kind, changes: Mapping[str, Any], *, checked: bool = False) -> int:
        """Register an item (``checked``: the caller has just made sure no twin is registered)."""
        values = _values(kind, changes)
        with self.transaction():
            if not checked:
                self._refuse_duplicate(kind, values)
            subject = Subject(kind.entity, f"{kind.entity} {_quoted(values['title'])}")
            return int(self._insert(kind.table, values, subject, values))

    def _update_item(self, kind: _Kind, item_id: int, changes: Mapping[str, Any], base_version: int | None) -> None:
        values = _values(kind, changes)
        with self.transaction():
            row = self._locked_row(kind.table, {"id": item_id})
            if row is None:
                raise UnknownEntry(f"no {kind.entity} {item_id} in the register (removed by another session?)")
            if "title" in values or "location" in values:
                self._refuse_duplicate(kind, {"title": row["title"], "location": row["location"], **values}, item_id)
            self._update(kind.table, {"id": item_id}, values, self._item_subject(kind, row), base_version, row=row)

    def _remove_item(self, kind: _Kind, item_id: int, base_version: int | None) -> None:
        with self.transaction():
            row = self._locked_row(kind.table, {"id": item_id})
            if row is None:
                raise UnknownEntry(f"no {kind.entity} {item_id} in the register (removed by another session?)")
            subject = self._item_subject(kind, row)
            self._check_version(row, base_version, subject)
            for link in self._links_of(kind, item_id):
                self._log(_link_subject(kind, link), "removed", row["title"], None)
            self._conn.execute(delete(t.evidence_links).where(t.evidence_links.c[kind.link_column] == item_id))
            self._delete(kind.table, {"id": item_id}, subject, None, "title")

    def _drop_if_unlinked(self, kind: _Kind, item_id: int) -> None:
        if not self._scalar(select(func.count()).where(t.evidence_links.c[kind.link_column] == item_id)):
            self._delete(kind.table, {"id": item_id}, self._item_subject(kind, self._row(kind.table, {"id": item_id})),
                         None, "title")

    def _link(self, kind: _Kind, item_id: int, pa: str, practice: str, instance: str, statement: str | None, *,
              title: str | None = None) -> int:
        """Link an item to a cell (``title``: the item's, when the caller has just read or written it)."""
        self._check_practice(pa, practice)
        text = None if statement is None else clean(statement, "statement")
        with self.transaction():
            if title is None:
                item = self._row(kind.table, {"id": item_id})
                if item is None:
                    raise UnknownEntry(f"no {kind.entity} {item_id} in the register (removed by another session?)")
                title = item["title"]
            ident = self._instance_id(instance)
            key = {kind.link_column: item_id, "pa": pa, "practice": practice, "instance_id": ident}
            subject = Subject("evidence", f"{cell_name(pa, practice, instance)}: {kind.entity} {item_id}", pa=pa,
                              practice=practice, instance=instance)
            existing = self._locked_row(t.evidence_links, key)
            if existing is not None:
                subject.entity_id = str(existing["id"])
                if text is not None:
                    self._update(t.evidence_links, {"id": existing["id"]}, {"statement": text}, subject, None)
                return int(existing["id"])
            return int(self._insert(t.evidence_links, {**key, "statement": text or ""}, subject,
                                    {kind.entity: title, "statement": text}))

    def _link_row(self, link_id: int) -> tuple[RowMapping, _Kind, Subject, str]:
        """A link (locked), its item kind, its change-log subject and its item's title."""
        rows = self._rows(select(t.evidence_links, t.instances.c.name.label("instance"),
                                 func.coalesce(t.artifacts.c.title, t.affirmations.c.title).label("title"))
                          .join(t.instances, t.instances.c.id == t.evidence_links.c.instance_id)
                          .outerjoin(t.artifacts, t.artifacts.c.id == t.evidence_links.c.artifact_id)
                          .outerjoin(t.affirmations, t.affirmations.c.id == t.evidence_links.c.affirmation_id)
                          .where(t.evidence_links.c.id == link_id))
        if not rows:
            raise UnknownEntry(f"no evidence item {link_id} (removed by another session?)")
        kind = ARTIFACT if rows[0]["artifact_id"] is not None else AFFIRMATION
        return rows[0], kind, _link_subject(kind, rows[0]), rows[0]["title"]

    def _links_of(self, kind: _Kind, item_id: int) -> list[RowMapping]:
        """An item's links with their instance names, in model order (PA, practice), then instance order."""
        lk = t.evidence_links.c
        rows = self._rows(select(t.evidence_links, t.instances.c.name.label("instance"))
                          .join(t.instances, t.instances.c.id == lk.instance_id)
                          .where(lk[kind.link_column] == item_id).order_by(t.instances.c.position, lk.id))
        order = self._practice_order()
        return sorted(rows, key=lambda r: order.get((r["pa"], r["practice"]), len(order)))

    def _links_by_item(self) -> dict[tuple[str, int], tuple[Link, ...]]:
        lk = t.evidence_links.c
        found: dict[tuple[str, int], list[Link]] = defaultdict(list)
        order = self._practice_order()
        rows = self._tuples(select(lk.id, lk.pa, lk.practice, t.instances.c.name, lk.statement, lk.version,
                                   lk.artifact_id, lk.affirmation_id)
                            .join(t.instances, t.instances.c.id == lk.instance_id)
                            .order_by(t.instances.c.position, lk.id))
        for ident, pa, practice, name, statement, version, art, aff in sorted(
                rows, key=lambda r: order.get((r[1], r[2]), len(order))):
            key = ("artifact", art) if art is not None else ("affirmation", aff)
            found[key].append(Link(ident, pa, practice, name, statement, version))
        return {key: tuple(links) for key, links in found.items()}

    def _practice_order(self) -> dict[tuple[str, str], int]:
        practices = (p for pa in self.model.process_areas.values() for p in pa.practices)
        return {(p.pa, p.id): n for n, p in enumerate(practices)}

    def _entry(self, kind: _Kind, item_id: int) -> Any:
        with self.snapshot():
            row = self._row(kind.table, {"id": item_id})
            if row is None:
                raise UnknownEntry(f"no {kind.entity} {item_id} in the register (removed by another session?)")
            links = tuple(Link(r["id"], r["pa"], r["practice"], r["instance"], r["statement"], r["version"])
                          for r in self._links_of(kind, item_id))
            return self._record(kind, row, links, self.stale_before())

    @staticmethod
    def _record(kind: _Kind, row: Mapping[str, Any], links: tuple[Link, ...], cutoff: date) -> Any:
        columns = {name: row[name] for name in kind.fields}
        return kind.record(id=row["id"], **columns, version=row["version"], updated_by=row["updated_by"],
                           updated_at=row["updated_at"], links=links, stale=_is_stale(row[kind.date], cutoff))


def _link_subject(kind: _Kind, link: Mapping[str, Any]) -> Subject:
    return Subject("evidence", f"{cell_name(link['pa'], link['practice'], link['instance'])}: {kind.entity} "
                   f"{link[kind.link_column]}", entity_id=link["id"], pa=link["pa"], practice=link["practice"],
                   instance=link["instance"])


def _check_description(description: Any) -> None:
    if not clean(description, "description").strip():
        raise InvalidValue("evidence needs a description")


def _is_stale(text: str, cutoff: date) -> bool:
    day = parse_date(text)
    return day is not None and day < cutoff


def _quoted(title: str, limit: int = 40) -> str:
    return repr(title if len(title) <= limit else title[: limit - 1] + "…")


def _searchable(entry: Artifact | Affirmation) -> str:
    parts = [entry.title, entry.location, entry.notes, *(link.statement for link in entry.links)]
    parts += [entry.owner] if isinstance(entry, Artifact) else [entry.roles, entry.assessor]
    return "\n".join(parts).casefold()
