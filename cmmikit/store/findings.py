"""Findings (generated, merged or written by hand) and the improvement actions attached to them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select

from cmmikit.errors import InvalidValue, UnknownEntry
from cmmikit.store import tables as t
from cmmikit.store.core import StoreCore, Subject, check, check_fields, checked_date, clean, now
from cmmikit.store.records import ACTION_STATUSES, FINDING_KINDS, FINDING_ORIGINS, FINDING_STATUSES, Action, Finding

FINDING_FIELDS = {"statement", "goal", "effort", "impact", "status", "merged_into", "kind"}
ACTION_FIELDS = {"description", "owner", "due_date", "status"}


def _level(value: int | None, what: str) -> int | None:
    if value is not None:
        check(value, range(1, 6), what)
    return value


class FindingStore(StoreCore):
    def add_finding(self, kind: str, pa: str, goal: str, statement: str, *, origin: str = "manual",
                    practices: Iterable[str] = (), instances: Iterable[str] = (), source_key: str = "",
                    effort: int | None = None, impact: int | None = None) -> int:
        """Store a finding (generated from weaknesses, merged, or written by hand); returns its id."""
        check(kind, FINDING_KINDS, "finding kind")
        check(origin, FINDING_ORIGINS, "finding origin")
        self._check_goal(pa, goal)
        practices, instances = list(practices), list(instances)
        for p in practices:
            self._check_practice(pa, p)
        if not clean(statement, "statement").strip():
            raise InvalidValue("a finding needs a statement")
        values = {"kind": kind, "pa": pa, "goal": goal, "statement": statement, "origin": origin,
                  "source_key": clean(source_key, "source_key"), "effort": _level(effort, "effort"),
                  "impact": _level(impact, "impact"), "created_at": now()}
        with self.transaction():
            subject = Subject("finding", f"finding {{id}} ({pa} {kind})", pa=pa)
            fid = int(self._insert(t.findings, values, subject, {"statement": statement}))
            self._link_finding(fid, practices, instances)
        return fid

    def _link_finding(self, fid: int, practices: list[str] | None, instances: list[str] | None) -> None:
        if practices is not None:
            self._conn.execute(delete(t.finding_practices).where(t.finding_practices.c.finding_id == fid))
            if practices:
                self._conn.execute(insert(t.finding_practices),
                                   [{"finding_id": fid, "practice": p} for p in dict.fromkeys(practices)])
        if instances is not None:
            ids = [self._instance_id(name) for name in dict.fromkeys(instances)]
            self._conn.execute(delete(t.finding_instances).where(t.finding_instances.c.finding_id == fid))
            if ids:
                self._conn.execute(insert(t.finding_instances), [{"finding_id": fid, "instance_id": i} for i in ids])

    def _finding_subject(self, finding: Finding) -> Subject:
        return Subject("finding", f"finding {finding.id} ({finding.pa} {finding.kind})", entity_id=finding.id,
                       pa=finding.pa)

    def update_finding(self, finding_id: int, *, practices: Iterable[str] | None = None,
                       instances: Iterable[str] | None = None, base_version: int | None = None,
                       **changes: Any) -> None:
        """Edit a finding's statement, goal, effort, impact, status or links; marks it edited."""
        check_fields(changes, FINDING_FIELDS, "finding")
        with self.transaction():
            current = self.finding(finding_id)
            if "status" in changes:
                check(changes["status"], FINDING_STATUSES, "finding status")
            if "kind" in changes:
                check(changes["kind"], FINDING_KINDS, "finding kind")
            if "goal" in changes:
                self._check_goal(current.pa, changes["goal"])
            for key in ("effort", "impact"):
                if key in changes:
                    _level(changes[key], key)
            if "statement" in changes and not clean(changes["statement"], "statement").strip():
                raise InvalidValue("a finding needs a statement")
            practices = None if practices is None else list(practices)
            instances = None if instances is None else list(instances)
            for p in practices or []:
                self._check_practice(current.pa, p)
            subject = self._finding_subject(current)
            relinked = ((practices is not None and tuple(sorted(set(practices))) != tuple(sorted(current.practices)))
                        or (instances is not None and list(dict.fromkeys(instances)) != list(current.instances)))
            self._update(t.findings, {"id": finding_id}, {**changes, "edited": 1}, subject,
                         base_version, touch=relinked)
            if relinked:
                self._link_finding(finding_id, practices, instances)
                self._log(subject, "links", _links(current.practices, current.instances),
                          _links(practices or current.practices,
                                 current.instances if instances is None else instances))

    def refresh_finding(self, finding_id: int, *, statement: str | None = None, status: str | None = None,
                        instances: Iterable[str] | None = None) -> None:
        """Bring a generated finding in line with its sources WITHOUT marking it edited (findings sync)."""
        if status is not None:
            check(status, FINDING_STATUSES, "finding status")
        if statement is not None and not clean(statement, "statement").strip():
            raise InvalidValue("a finding needs a statement")
        with self.transaction():
            current = self.finding(finding_id)
            changes = {k: v for k, v in (("statement", statement), ("status", status)) if v is not None}
            instances = None if instances is None else list(dict.fromkeys(instances))
            relinked = instances is not None and instances != list(current.instances)
            subject = self._finding_subject(current)
            self._update(t.findings, {"id": finding_id}, changes, subject, None, touch=relinked)
            if relinked:
                self._link_finding(finding_id, None, instances)
                self._log(subject, "instances", ", ".join(current.instances), ", ".join(instances or []))

    def move_actions(self, from_findings: Iterable[int], to_finding: int) -> int:
        """Re-attach the actions of some findings to another one (after a merge); returns how many moved."""
        sources = list(from_findings)
        with self.transaction():
            self.finding(to_finding)
            moved = 0
            for action in [a for a in self.actions() if a.finding_id in sources]:
                self._update(t.actions, {"id": action.id}, {"finding_id": to_finding},
                             Subject("action", f"action {action.id}", entity_id=action.id), None)
                moved += 1
        return moved

    def delete_finding(self, finding_id: int, *, base_version: int | None = None) -> None:
        with self.transaction():
            self._delete(t.findings, {"id": finding_id}, self._finding_subject(self.finding(finding_id)),
                         base_version, "statement")

    def finding(self, finding_id: int) -> Finding:
        found = self.findings(ids=[finding_id])
        if not found:
            raise UnknownEntry(f"no finding {finding_id} (removed by another session?)")
        return found[0]

    def findings(self, *, ids: Iterable[int] | None = None) -> list[Finding]:
        wanted = None if ids is None else list(ids)
        with self.snapshot():
            fp, fi = t.finding_practices.c, t.finding_instances.c
            stmt_p = select(t.finding_practices).order_by(fp.practice)
            stmt_i = (select(fi.finding_id, t.instances.c.name).join(t.instances, t.instances.c.id == fi.instance_id)
                      .order_by(t.instances.c.position))
            stmt_f = select(t.findings).order_by(t.findings.c.id)
            if wanted is not None:
                stmt_p, stmt_i = stmt_p.where(fp.finding_id.in_(wanted)), stmt_i.where(fi.finding_id.in_(wanted))
                stmt_f = stmt_f.where(t.findings.c.id.in_(wanted))
            practices: dict[int, list[str]] = {}
            for r in self._rows(stmt_p):
                practices.setdefault(r["finding_id"], []).append(r["practice"])
            instances: dict[int, list[str]] = {}
            for r in self._rows(stmt_i):
                instances.setdefault(r["finding_id"], []).append(r["name"])
            return [Finding(r["id"], r["kind"], r["pa"], r["goal"], r["statement"], r["origin"],
                            tuple(practices.get(r["id"], [])), tuple(instances.get(r["id"], [])), r["source_key"],
                            r["effort"], r["impact"], r["status"], r["merged_into"], bool(r["edited"]), r["version"])
                    for r in self._rows(stmt_f)]

    def add_action(self, finding_id: int, description: str, *, owner: str = "", due_date: str = "",
                   status: str = "open") -> int:
        """Attach an improvement action to a finding; returns its id."""
        check(status, ACTION_STATUSES, "action status")
        if not clean(description, "description").strip():
            raise InvalidValue("an action needs a description")
        values = {"finding_id": finding_id, "description": description, "owner": clean(owner, "owner"),
                  "due_date": checked_date(due_date, "due date"), "status": status, "created_at": now()}
        with self.transaction():
            finding = self.finding(finding_id)
            subject = Subject("action", f"action {{id}} (finding {finding_id})", pa=finding.pa)
            aid = int(self._insert(t.actions, values, subject, {"description": description, "owner": owner,
                                                                "due_date": due_date, "status": status}))
        return aid

    def update_action(self, action_id: int, *, base_version: int | None = None, **changes: str) -> None:
        check_fields(changes, ACTION_FIELDS, "action")
        if "status" in changes:
            check(changes["status"], ACTION_STATUSES, "action status")
        if "description" in changes and not clean(changes["description"], "description").strip():
            raise InvalidValue("an action needs a description")
        values = {k: checked_date(v, "due date") if k == "due_date" else clean(v, k) for k, v in changes.items()}
        with self.transaction():
            self._update(t.actions, {"id": action_id}, values,
                         Subject("action", f"action {action_id}", entity_id=action_id), base_version)

    def delete_action(self, action_id: int, *, base_version: int | None = None) -> None:
        with self.transaction():
            self._delete(t.actions, {"id": action_id},
                         Subject("action", f"action {action_id}", entity_id=action_id), base_version, "description")

    def actions(self) -> list[Action]:
        return [Action(r["id"], r["finding_id"], r["description"], r["owner"], r["due_date"], r["status"], r["version"])
                for r in self._rows(select(t.actions).order_by(t.actions.c.id))]


def _links(practices: Iterable[str], instances: Iterable[str]) -> str:
    return f"practices {', '.join(practices) or '-'}; instances {', '.join(instances) or '-'}"
