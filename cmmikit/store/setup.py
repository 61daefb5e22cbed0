"""Appraisal facts, basic units and support functions, PA scope and the team."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields

from sqlalchemy import delete, func, insert, select

from cmmikit.errors import InvalidValue, ModelError, UnknownEntry
from cmmikit.store import tables as t
from cmmikit.store.conversion import ScaleStore
from cmmikit.store.core import TARGET_LEVEL_META, Subject, check, check_fields, checked_date, clean
from cmmikit.store.records import APPRAISAL_TYPES, INSTANCE_KINDS, SCOPES, AppraisalInfo, Assessor, Instance, Scope


class SetupStore(ScaleStore):
    # -- appraisal facts -----------------------------------------------------

    def info(self) -> AppraisalInfo:
        row = self._rows(select(t.appraisal))[0]
        return AppraisalInfo(**{f.name: row[f.name] for f in fields(AppraisalInfo)})

    def update_info(self, *, base_version: int | None = None, **changes: str) -> None:
        """Change appraisal facts (name, organizational unit, type, sponsor, dates, ...).

        ``evidence_max_age_months``: evidence dated longer than this before ``start_date`` is flagged stale.
        """
        allowed = {f.name for f in fields(AppraisalInfo)} - {"model_id", "model_ref", "version"}
        check_fields(changes, allowed, "appraisal")
        if "appraisal_type" in changes:
            check(changes["appraisal_type"], APPRAISAL_TYPES, "appraisal type")
        months = changes.get("evidence_max_age_months", 24)
        if type(months) is not int or not 1 <= months <= 600:
            raise InvalidValue(f"evidence_max_age_months must be a whole number of months from 1 to 600; "
                               f"got {months!r}")
        values = {k: v if k == "evidence_max_age_months" else checked_date(v, k.replace("_", " "))
                  if k.endswith("_date") else clean(v, k) for k, v in changes.items()}
        if "name" in values and not values["name"].strip():
            raise InvalidValue("an appraisal needs a name")
        with self.transaction():
            kind = values.pop("appraisal_type", None)
            if kind is not None and kind != self._scalar(select(t.appraisal.c.appraisal_type)):
                self.set_type(kind, base_version=base_version)  # the scale follows; refused if values do not fit
                base_version = None
            self._update(t.appraisal, {"id": 1}, values, Subject("appraisal", "appraisal facts"),
                         base_version)

    def set_target_level(self, level: int) -> None:
        """Set the target maturity level (2 or 3 for CMMI-SVC v1.3); the PAs in scope follow.

        Raising it adds the new process areas to every instance sampled for all PAs so far;
        lowering it is refused while the higher PAs hold characterizations or evidence.
        """
        from cmmikit.model import load_model

        if type(level) is not int:
            raise InvalidValue(f"a target maturity level is a whole number such as 2 or 3; got {level!r}")
        old_model = self.model
        info = self._rows(select(t.appraisal.c.model_id, t.appraisal.c.model_ref))[0]
        try:
            new_model = load_model(info["model_ref"] or info["model_id"], level)
        except ModelError as exc:
            raise InvalidValue(f"target level {level}: {exc.problem}") from None
        if level == old_model.target_maturity_level:
            return
        dropped = [pa for pa in old_model.pa_ids if pa not in new_model.process_areas]
        with self.transaction():
            if dropped:
                used = sorted({r[0] for table in (t.practice_records, t.evidence_links)
                               for r in self._tuples(select(table.c.pa).where(table.c.pa.in_(dropped)))})
                if used:
                    raise InvalidValue(f"cannot lower the target to level {level}: {', '.join(used)} already "
                                       f"hold characterizations or evidence")
                for table in (t.instance_pas, t.assessor_pas, t.pa_scope):
                    self._conn.execute(delete(table).where(table.c.pa.in_(dropped)))  # type: ignore[union-attr]
            added = [pa for pa in new_model.pa_ids if pa not in old_model.process_areas]
            if added:
                everything = set(old_model.pa_ids)
                for inst in self.instances():  # type: ignore[attr-defined]
                    if set(inst.pas) >= everything:
                        self._conn.execute(insert(t.instance_pas),  # type: ignore[union-attr]
                                           [{"instance_id": inst.id, "pa": pa} for pa in added])
            self._conn.execute(delete(t.meta).where(t.meta.c.key == TARGET_LEVEL_META))  # type: ignore[union-attr]
            self._conn.execute(insert(t.meta).values(key=TARGET_LEVEL_META, value=str(level)))  # type: ignore[union-attr]
            self._log(Subject("appraisal", "target level"), "target_level", old_model.target_maturity_level, level)
        self._model = new_model

    # -- instances (basic units and support functions) -------------------------

    def add_instance(self, name: str, kind: str = "basic_unit", *, subgroup: str = "",
                     description: str = "", pas: Iterable[str] | None = None) -> int:
        """Add a basic unit or support function; ``pas`` are the PAs it is sampled for (default: all).

        Returns its id, which is never given to another instance, even after this one is removed.
        """
        name = clean(name, "name").strip()
        if not name:
            raise InvalidValue("an instance needs a name")
        check(kind, INSTANCE_KINDS, "kind")
        pas = list(dict.fromkeys(self.model.pa_ids if pas is None else pas))
        for pa in pas:
            self._check_pa(pa)
        subgroup = " ".join(clean(subgroup, "subgroup").split())
        with self.transaction():
            if self._rows(select(t.instances.c.id).where(t.instances.c.name == name)):
                raise InvalidValue(f"an instance named {name!r} already exists")
            position = self._scalar(select(func.coalesce(func.max(t.instances.c.position), 0) + 1))
            subject = Subject("instance", name, instance=name)
            ident = self._insert(t.instances, {"name": name, "kind": kind, "subgroup": subgroup,
                                               "description": clean(description, "description"),
                                               "position": position},
                                 subject, {"name": name, "kind": kind, "subgroup": subgroup})
            self._set_links(t.instance_pas, "instance_id", ident, pas)
            self._log(subject, "pas", None, ",".join(pas))
        return int(ident)

    def _set_links(self, table, owner_column: str, owner: int, pas: list[str]) -> None:
        self._conn.execute(delete(table).where(table.c[owner_column] == owner))
        if pas:
            self._conn.execute(insert(table), [{owner_column: owner, "pa": pa} for pa in pas])

    def update_instance(self, name: str, *, new_name: str | None = None, kind: str | None = None,
                        subgroup: str | None = None, description: str | None = None,
                        pas: Iterable[str] | None = None, base_version: int | None = None) -> None:
        """Rename an instance or change its kind, subgroup, description or sampled PAs."""
        changes: dict[str, str] = {}
        if new_name is not None and new_name.strip() != name:
            changes["name"] = clean(new_name, "name").strip()
            if not changes["name"]:
                raise InvalidValue("an instance needs a name")
        if kind is not None:
            check(kind, INSTANCE_KINDS, "kind")
            changes["kind"] = kind
        if subgroup is not None:
            changes["subgroup"] = " ".join(clean(subgroup, "subgroup").split())
        if description is not None:
            changes["description"] = clean(description, "description")
        pas = None if pas is None else list(dict.fromkeys(pas))
        for pa in pas or []:
            self._check_pa(pa)
        with self.transaction():
            row = self._instance_row(name)
            if "name" in changes and self._rows(select(t.instances.c.id).where(t.instances.c.name == changes["name"])):
                raise InvalidValue(f"an instance named {changes['name']!r} already exists")
            subject = Subject("instance", name, entity_id=row["id"], instance=name)
            where = {"id": row["id"]}
            old = [r["pa"] for r in self._rows(select(t.instance_pas.c.pa).where(
                t.instance_pas.c.instance_id == row["id"]))]
            relinked = pas is not None and sorted(old) != sorted(pas)
            self._update(t.instances, where, changes, subject, base_version, row=self._locked_row(t.instances, where),
                         touch=relinked)
            if relinked:
                self._set_links(t.instance_pas, "instance_id", row["id"], pas)
                self._log(subject, "pas", ",".join(old), ",".join(pas))

    def remove_instance(self, name: str, *, base_version: int | None = None) -> None:
        """Remove an instance with everything recorded for it."""
        with self.transaction():
            row = self._instance_row(name)
            self._delete(t.instances, {"id": row["id"]},
                         Subject("instance", name, entity_id=row["id"], instance=name), base_version, "name")

    def instances(self) -> list[Instance]:
        with self.snapshot():
            pas: dict[int, list[str]] = {}
            for row in self._rows(select(t.instance_pas).order_by(t.instance_pas.c.pa)):
                pas.setdefault(row["instance_id"], []).append(row["pa"])
            order = {pa: i for i, pa in enumerate(self.model.pa_ids)}
            return [Instance(name=r["name"], kind=r["kind"], subgroup=r["subgroup"], description=r["description"],
                             pas=tuple(sorted(pas.get(r["id"], []), key=lambda p: order.get(p, len(order)))),
                             id=r["id"], version=r["version"])
                    for r in self._rows(select(t.instances).order_by(t.instances.c.position, t.instances.c.id))]

    # -- scope ---------------------------------------------------------------

    def set_scope(self, pa: str, scope: str, reason: str = "", *, base_version: int | None = None) -> None:
        """Mark a PA in scope, not applicable (with a reason) or out of scope."""
        self._check_pa(pa)
        check(scope, SCOPES, "scope")
        if scope == "not_applicable" and not (reason or "").strip():
            raise InvalidValue(f"{pa}: a reason is required to mark a process area not applicable")
        values = {"scope": scope, "reason": clean(reason, "reason")}
        subject = Subject("scope", f"{pa} scope", entity_id=pa, pa=pa)
        with self.transaction():
            self._upsert(t.pa_scope, {"pa": pa}, values, subject, base_version)

    def scopes(self) -> dict[str, Scope]:
        """Scope of every model PA (in scope unless recorded otherwise)."""
        stored = {r["pa"]: Scope(r["pa"], r["scope"], r["reason"], r["version"])
                  for r in self._rows(select(t.pa_scope))}
        return {pa: stored.get(pa, Scope(pa, "in_scope", "")) for pa in self.model.pa_ids}

    # -- assessors -------------------------------------------------------------

    def set_assessor(self, name: str, *, role: str = "", pas: Iterable[str] = (),
                     base_version: int | None = None) -> None:
        """Add or update an appraisal team member and the PAs (mini-team) they cover."""
        name = clean(name, "name").strip()
        if not name:
            raise InvalidValue("an assessor needs a name")
        pas = list(dict.fromkeys(pas))
        for pa in pas:
            self._check_pa(pa)
        subject = Subject("assessor", name)
        where = {"name": name}
        with self.transaction():
            row = self._locked_row(t.assessors, where)
            if row is None:
                self._check_version(None, base_version, subject)
                ident = self._insert(t.assessors, {"name": name, "role": clean(role, "role")}, subject,
                                     {"name": name, "role": role})
                old: list[str] = []
            else:
                ident = row["id"]
                subject.entity_id = str(ident)
                old = [r["pa"] for r in self._rows(select(t.assessor_pas.c.pa).where(
                    t.assessor_pas.c.assessor_id == ident))]
                self._update(t.assessors, where, {"role": clean(role, "role")}, subject, base_version, row=row,
                             touch=sorted(old) != sorted(pas))
            if sorted(old) != sorted(pas):
                self._set_links(t.assessor_pas, "assessor_id", ident, pas)
                self._log(subject, "pas", ",".join(old) if row is not None else None, ",".join(pas))

    def remove_assessor(self, name: str) -> None:
        with self.transaction():
            if not self._rows(select(t.assessors.c.id).where(t.assessors.c.name == name)):
                raise UnknownEntry(f"no assessor named {name!r}")
            self._delete(t.assessors, {"name": name}, Subject("assessor", name), None, "name")

    def assessors(self) -> list[Assessor]:
        with self.snapshot():
            pas: dict[int, list[str]] = {}
            for row in self._rows(select(t.assessor_pas).order_by(t.assessor_pas.c.pa)):
                pas.setdefault(row["assessor_id"], []).append(row["pa"])
            return [Assessor(r["name"], r["role"], tuple(pas.get(r["id"], [])), r["version"])
                    for r in self._rows(select(t.assessors).order_by(t.assessors.c.name))]
