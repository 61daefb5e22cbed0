"""The data collection plan: evidence requests per practice and instance, and the interview schedule.

Interviews name the roles interviewed, never people (non-attribution). A request or interview naming
a removed instance, a PA out of scope or an unknown practice is refused with one line, nothing changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, insert, select

from cmmikit.errors import InvalidValue, UnknownEntry
from cmmikit.store import tables as t
from cmmikit.store.core import StoreCore, Subject, check, check_fields, checked_date, clean
from cmmikit.store.subjects import cell_name

REQUEST_STATUSES = ("requested", "received", "reviewed", "rejected")
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


@dataclass(frozen=True)
class EvidenceRequest:
    id: int
    pa: str
    practice: str
    instance: str
    asked: str
    owner: str = ""
    due_date: str = ""
    status: str = "requested"
    reason: str = ""
    artifact_id: int | None = None
    version: int = 0


@dataclass(frozen=True)
class Interview:
    id: int
    held_on: str
    starts_at: str = ""
    roles: str = ""
    team: str = ""
    notes: str = ""
    pas: tuple[str, ...] = ()
    instances: tuple[str, ...] = ()
    version: int = 0




class CollectionStore(StoreCore):
    def _check_in_scope(self, pa: str, what: str) -> None:
        self._check_pa(pa)
        row = self._row(t.pa_scope, {"pa": pa})
        if row is not None and row["scope"] != "in_scope":
            raise InvalidValue(f"{what}: process area {pa} is {row['scope'].replace('_', ' ')}")

    # -- evidence requests -------------------------------------------------------

    def add_request(self, pa: str, practice: str, instance: str, asked: str, *, owner: str = "",
                    due_date: str = "") -> int:
        """Ask the organization for evidence of one practice in one instance; returns the request's id."""
        asked = clean(asked, "request").strip()
        if not asked:
            raise InvalidValue(f"{cell_name(pa, practice, instance)}: a request must say what is asked")
        self._check_practice(pa, practice)
        due = checked_date(due_date, "due date")
        with self.transaction():
            self._check_in_scope(pa, f"request for {cell_name(pa, practice, instance)}")
            row = self._instance_row(instance)
            if not self._rows(select(t.instance_pas.c.pa).where(t.instance_pas.c.instance_id == row["id"],
                                                               t.instance_pas.c.pa == pa)):
                raise InvalidValue(f"request for {cell_name(pa, practice, instance)}: {instance} is not sampled "
                                   f"for {pa}")
            subject = Subject("evidence request", "request {id}", pa=pa, practice=practice, instance=instance)
            return int(self._insert(t.evidence_requests, {"pa": pa, "practice": practice, "instance_id": row["id"],
                                                          "asked": asked, "owner": clean(owner, "owner").strip(),
                                                          "due_date": due},
                                    subject, {"asked": asked, "owner": owner, "due_date": due}))

    def update_request(self, ident: int, *, base_version: int | None = None, **changes: object) -> None:
        """Change a request: asked, owner, due_date, status (rejected needs a reason), reason, artifact_id."""
        check_fields(changes, {"asked", "owner", "due_date", "status", "reason", "artifact_id"}, "request")
        values: dict[str, object] = {k: clean(v, k).strip() for k, v in changes.items()  # type: ignore[arg-type]
                                     if k not in ("artifact_id",)}
        if "status" in values:
            check(values["status"], REQUEST_STATUSES, "request status")
        if "due_date" in values:
            values["due_date"] = checked_date(str(values["due_date"]), "due date")
        if "asked" in values and not values["asked"]:
            raise InvalidValue(f"request {ident}: a request must say what is asked")
        if "artifact_id" in changes:
            values["artifact_id"] = changes["artifact_id"]
        with self.transaction():
            row = self._locked_row(t.evidence_requests, {"id": ident})
            if row is None:
                raise UnknownEntry(f"no evidence request {ident}")
            if values.get("status", row["status"]) == "rejected" and not values.get("reason", row["reason"]):
                raise InvalidValue(f"request {ident}: a reason is required to reject it")
            artifact = values.get("artifact_id")
            if artifact is not None and self._row(t.artifacts, {"id": artifact}) is None:
                raise UnknownEntry(f"request {ident}: no register item ART-{artifact}")
            name = self._scalar(select(t.instances.c.name).where(t.instances.c.id == row["instance_id"]))
            subject = Subject("evidence request", f"request {ident}", entity_id=ident, pa=row["pa"],
                              practice=row["practice"], instance=name)
            self._update(t.evidence_requests, {"id": ident}, values, subject, base_version, row=row)

    def remove_request(self, ident: int, *, base_version: int | None = None) -> None:
        with self.transaction():
            row = self._row(t.evidence_requests, {"id": ident})
            if row is None:
                raise UnknownEntry(f"no evidence request {ident}")
            self._delete(t.evidence_requests, {"id": ident},
                         Subject("evidence request", f"request {ident}", entity_id=ident, pa=row["pa"],
                                 practice=row["practice"]), base_version, "asked")

    def requests(self, *, owner: str | None = None, pa: str | None = None, instance: str | None = None,
                 status: str | None = None) -> list[EvidenceRequest]:
        """The evidence requests in model order of their cells, narrowed by owner, PA, instance or status."""
        r, i = t.evidence_requests.c, t.instances.c
        stmt = select(r, i.name.label("instance")).join(t.instances, i.id == r.instance_id)
        for column, value in ((r.owner, owner), (r.pa, pa), (i.name, instance), (r.status, status)):
            if value is not None:
                stmt = stmt.where(column == value)
        order = {pa_id: n for n, pa_id in enumerate(self.model.pa_ids)}
        rows = sorted(self._rows(stmt.order_by(r.id)), key=lambda row: order.get(row["pa"], len(order)))
        return [EvidenceRequest(row["id"], row["pa"], row["practice"], row["instance"], row["asked"], row["owner"],
                                row["due_date"], row["status"], row["reason"], row["artifact_id"], row["version"])
                for row in rows]

    # -- interviews -----------------------------------------------------------------

    def add_interview(self, held_on: str, *, starts_at: str = "", roles: str = "", team: str = "",
                      pas: Iterable[str] = (), instances: Iterable[str] = (), notes: str = "") -> int:
        """Schedule an interview session (roles interviewed, not names); returns its id."""
        values = self._interview_values(held_on, starts_at, roles, team, notes)
        pas, names = list(dict.fromkeys(pas)), list(dict.fromkeys(instances))
        with self.transaction():
            ids = self._interview_scope(pas, names, f"interview on {values['held_on']}")
            subject = Subject("interview", "interview {id}")
            ident = int(self._insert(t.interviews, values, subject, values))
            self._set_interview_links(ident, pas, ids)
            self._log(subject, "pas", None, ",".join(pas))
            self._log(subject, "instances", None, ",".join(names))
        return ident

    def update_interview(self, ident: int, *, held_on: str, starts_at: str = "", roles: str = "", team: str = "",
                         pas: Iterable[str] = (), instances: Iterable[str] = (), notes: str = "",
                         base_version: int | None = None) -> None:
        """Change a scheduled interview (every field given anew)."""
        values = self._interview_values(held_on, starts_at, roles, team, notes)
        pas, names = list(dict.fromkeys(pas)), list(dict.fromkeys(instances))
        with self.transaction():
            old = {s.id: s for s in self.interviews()}.get(ident)
            if old is None:
                raise UnknownEntry(f"no interview {ident}")
            ids = self._interview_scope(pas, names, f"interview {ident}")
            subject = Subject("interview", f"interview {ident}", entity_id=ident)
            relinked = (list(old.pas), list(old.instances)) != (pas, names)
            self._update(t.interviews, {"id": ident}, values, subject, base_version, touch=relinked)
            if relinked:
                self._set_interview_links(ident, pas, ids)
                self._log(subject, "pas", ",".join(old.pas), ",".join(pas))
                self._log(subject, "instances", ",".join(old.instances), ",".join(names))

    def remove_interview(self, ident: int, *, base_version: int | None = None) -> None:
        with self.transaction():
            if self._row(t.interviews, {"id": ident}) is None:
                raise UnknownEntry(f"no interview {ident}")
            self._delete(t.interviews, {"id": ident}, Subject("interview", f"interview {ident}", entity_id=ident),
                         base_version, "held_on")

    def interviews(self) -> list[Interview]:
        """The interview schedule by date and time."""
        with self.snapshot():
            pas: dict[int, list[str]] = {}
            names: dict[int, list[str]] = {}
            for ident, pa in self._tuples(select(t.interview_pas.c.interview_id, t.interview_pas.c.pa)):
                pas.setdefault(ident, []).append(pa)
            ii, i = t.interview_instances.c, t.instances.c
            for ident, name in self._tuples(select(ii.interview_id, i.name).join(t.instances, i.id == ii.instance_id)
                                            .order_by(i.position)):
                names.setdefault(ident, []).append(name)
            order = {pa: n for n, pa in enumerate(self.model.pa_ids)}
            c = t.interviews.c
            return [Interview(r["id"], r["held_on"], r["starts_at"], r["roles"], r["team"], r["notes"],
                              tuple(sorted(pas.get(r["id"], []), key=lambda p: order.get(p, len(order)))),
                              tuple(names.get(r["id"], [])), r["version"])
                    for r in self._rows(select(t.interviews).order_by(c.held_on, c.starts_at, c.id))]

    @staticmethod
    def _interview_values(held_on: str, starts_at: str, roles: str, team: str, notes: str) -> dict[str, str]:
        starts_at = clean(starts_at, "start time").strip()
        if starts_at and not _TIME.fullmatch(starts_at):
            raise InvalidValue(f"start time must be HH:MM; got {starts_at!r}")
        return {"held_on": checked_date(held_on, "interview date", required=True), "starts_at": starts_at,
                "roles": clean(roles, "roles").strip(), "team": clean(team, "team").strip(),
                "notes": clean(notes, "notes")}

    def _interview_scope(self, pas: list[str], names: list[str], what: str) -> list[int]:
        if not pas:
            raise InvalidValue(f"{what}: name the process areas it covers")
        for pa in pas:
            self._check_in_scope(pa, what)
        return [int(self._instance_row(name)["id"]) for name in names]

    def _set_interview_links(self, ident: int, pas: list[str], instance_ids: list[int]) -> None:
        conn = self._conn
        assert conn is not None
        for table in (t.interview_pas, t.interview_instances):
            conn.execute(delete(table).where(table.c.interview_id == ident))
        if pas:
            conn.execute(insert(t.interview_pas), [{"interview_id": ident, "pa": pa} for pa in pas])
        if instance_ids:
            conn.execute(insert(t.interview_instances),
                         [{"interview_id": ident, "instance_id": i} for i in instance_ids])
