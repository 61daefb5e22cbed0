"""The appraisal's planning data: sampling factors, the organizational unit's units and the sample.

The organizational unit's basic units and support functions (``plan_units``) are the population the
sample is drawn from; they are not the grid's instances (``instances``), which hold only what the team
appraises. A sampled unit is expected to be an instance of the same name (the check in
:mod:`cmmikit.method.planning` says when it is not). Every write is one transaction in the change log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select

from cmmikit.errors import InvalidValue, UnknownEntry
from cmmikit.store import tables as t
from cmmikit.store.core import StoreCore, Subject, check, clean
from cmmikit.store.records import INSTANCE_KINDS


@dataclass(frozen=True)
class Factor:
    """A sampling factor: relevant (its values are the units') or not, with a justification."""

    name: str
    relevant: bool = True
    justification: str = ""
    id: int = 0
    version: int = 0


@dataclass(frozen=True)
class PlanUnit:
    """A basic unit or support function of the organizational unit, with its factor values."""

    name: str
    kind: str = "basic_unit"
    people: int = 0
    sampled: bool = False
    description: str = ""
    values: Mapping[str, str] = field(default_factory=dict)   # factor name -> value
    id: int = 0
    version: int = 0


def _name(text: str, what: str) -> str:
    name = " ".join(clean(text, what).split())
    if not name:
        raise InvalidValue(f"a {what} needs a name")
    return name


class SamplingStore(StoreCore):
    # -- factors ---------------------------------------------------------------

    def set_factor(self, name: str, *, relevant: bool = True, justification: str = "",
                   base_version: int | None = None) -> None:
        """Add or change a sampling factor; a factor not relevant needs a justification and holds no values."""
        name = _name(name, "sampling factor")
        justification = clean(justification, "justification").strip()
        if not relevant and not justification:
            raise InvalidValue(f"sampling factor {name!r}: a justification is required to mark it not relevant")
        subject = Subject("sampling factor", f"sampling factor {name}")
        values = {"relevant": int(bool(relevant)), "justification": justification}
        with self.transaction():
            row = self._locked_row(t.plan_factors, {"name": name})
            if row is None:
                self._check_version(None, base_version, subject)
                position = self._scalar(select(func.coalesce(func.max(t.plan_factors.c.position), 0) + 1))
                self._insert(t.plan_factors, {"name": name, "position": position, **values}, subject,
                             {"name": name, **values})
                return
            subject.entity_id = str(row["id"])
            if not relevant:
                held = self._scalar(select(func.count()).where(t.plan_unit_values.c.factor_id == row["id"]))
                if held:
                    raise InvalidValue(f"sampling factor {name!r}: {held} unit(s) hold a value of it; clear their "
                                       "values before marking it not relevant")
            self._update(t.plan_factors, {"id": row["id"]}, values, subject, base_version, row=row)

    def remove_factor(self, name: str, *, base_version: int | None = None) -> None:
        """Remove a sampling factor with every unit's value of it."""
        with self.transaction():
            row = self._row(t.plan_factors, {"name": name})
            if row is None:
                raise UnknownEntry(f"no sampling factor named {name!r}")
            self._delete(t.plan_factors, {"id": row["id"]},
                         Subject("sampling factor", f"sampling factor {name}", entity_id=row["id"]), base_version,
                         "name")

    def factors(self) -> list[Factor]:
        """The sampling factors in the order they were added."""
        return [Factor(r["name"], bool(r["relevant"]), r["justification"], r["id"], r["version"])
                for r in self._rows(select(t.plan_factors).order_by(t.plan_factors.c.position))]

    # -- the organizational unit's units -------------------------------------------

    def set_unit(self, name: str, *, kind: str | None = None, people: int | None = None, sampled: bool | None = None,
                 description: str | None = None, values: Mapping[str, str] | None = None,
                 base_version: int | None = None) -> None:
        """Add or change a unit of the organizational unit; ``values`` sets factor values (blank clears one)."""
        name = _name(name, "unit")
        changes: dict[str, object] = {}
        if kind is not None:
            check(kind, INSTANCE_KINDS, "kind")
            changes["kind"] = kind
        if people is not None:
            if type(people) is not int or people < 0:
                raise InvalidValue(f"unit {name!r}: people must be a whole number of 0 or more; got {people!r}")
            changes["people"] = people
        if sampled is not None:
            changes["sampled"] = int(bool(sampled))
        if description is not None:
            changes["description"] = clean(description, "description")
        subject = Subject("sampling unit", f"unit {name}")
        with self.transaction():
            factors = {r["name"]: r for r in self._rows(select(t.plan_factors))}
            for factor, value in (values or {}).items():
                if factor not in factors:
                    raise UnknownEntry(f"unit {name!r}: no sampling factor named {factor!r}"
                                       + (f" (factors: {', '.join(factors)})" if factors else "; add it first"))
                if clean(value, factor).strip() and not factors[factor]["relevant"]:
                    raise InvalidValue(f"unit {name!r}: sampling factor {factor!r} is marked not relevant; "
                                       "it takes no values")
            row = self._locked_row(t.plan_units, {"name": name})
            if row is None:
                self._check_version(None, base_version, subject)
                position = self._scalar(select(func.coalesce(func.max(t.plan_units.c.position), 0) + 1))
                ident = self._insert(t.plan_units, {"name": name, "position": position, **changes}, subject,
                                     {"name": name, **changes})
                old: dict[str, str] = {}
            else:
                ident = row["id"]
                subject.entity_id = str(ident)
                old = self._unit_values(ident)
                new = {**old, **{f: " ".join(v.split()) for f, v in (values or {}).items()}}
                self._update(t.plan_units, {"id": ident}, changes, subject, base_version, row=row,
                             touch={k: v for k, v in new.items() if v} != old)
            self._set_values(int(ident), old, values or {}, factors, subject)

    def _unit_values(self, unit_id: int) -> dict[str, str]:
        v, f = t.plan_unit_values.c, t.plan_factors.c
        return {r["name"]: r["value"] for r in self._rows(
            select(f.name, v.value).join(t.plan_factors, f.id == v.factor_id).where(v.unit_id == unit_id))}

    def _set_values(self, unit_id: int, old: dict[str, str], values: Mapping[str, str], factors: dict,
                    subject: Subject) -> None:
        for factor, value in values.items():
            value = " ".join(clean(value, factor).split())
            if old.get(factor, "") == value:
                continue
            fid = factors[factor]["id"]
            self._conn.execute(delete(t.plan_unit_values).where(t.plan_unit_values.c.unit_id == unit_id,  # type: ignore[union-attr]
                                                                t.plan_unit_values.c.factor_id == fid))
            if value:
                self._conn.execute(insert(t.plan_unit_values).values(unit_id=unit_id, factor_id=fid,  # type: ignore[union-attr]
                                                                     value=value))
            self._log(subject, f"value {factor}", old.get(factor) or None, value or None)

    def remove_unit(self, name: str, *, base_version: int | None = None) -> None:
        """Remove a unit of the organizational unit (an instance of the same name stays)."""
        with self.transaction():
            row = self._row(t.plan_units, {"name": name})
            if row is None:
                raise UnknownEntry(f"no unit named {name!r} in the organizational unit")
            self._delete(t.plan_units, {"id": row["id"]},
                         Subject("sampling unit", f"unit {name}", entity_id=row["id"]), base_version, "name")

    def units(self) -> list[PlanUnit]:
        """The organizational unit's units in the order they were added, with their factor values."""
        with self.snapshot():
            v, f = t.plan_unit_values.c, t.plan_factors.c
            values: dict[int, dict[str, str]] = {}
            for unit_id, factor, value in self._tuples(select(v.unit_id, f.name, v.value).join(
                    t.plan_factors, f.id == v.factor_id).order_by(f.position)):
                values.setdefault(unit_id, {})[factor] = value
            return [PlanUnit(r["name"], r["kind"], r["people"], bool(r["sampled"]), r["description"],
                             values.get(r["id"], {}), r["id"], r["version"])
                    for r in self._rows(select(t.plan_units).order_by(t.plan_units.c.position))]

    def set_sample(self, names: Iterable[str]) -> None:
        """Make exactly these units the sample (one transaction; every change logged)."""
        chosen = list(dict.fromkeys(names))
        with self.transaction():
            rows = {r["name"]: r for r in self._rows(select(t.plan_units))}
            unknown = [n for n in chosen if n not in rows]
            if unknown:
                raise UnknownEntry(f"no unit named {unknown[0]!r} in the organizational unit")
            for name, row in rows.items():
                if bool(row["sampled"]) != (name in chosen):
                    self._update(t.plan_units, {"id": row["id"]}, {"sampled": int(name in chosen)},
                                 Subject("sampling unit", f"unit {name}", entity_id=row["id"]), None, row=row)
