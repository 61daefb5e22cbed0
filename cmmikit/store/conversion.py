"""The scale an appraisal characterizes on: reading it, and switching the appraisal's type or scale.

The scale follows the appraisal type (:mod:`cmmikit.model.scales`): FI..NI for SCAMPI A and
self-appraisals, low / medium / high risk for SCAMPI B, the default or the team's own scale for
SCAMPI C (stored in the appraisal, so it travels with it). Switching type or scale while
characterizations or team decisions use values the new scale lacks is refused, unless the caller
gives an explicit mapping (``{"FI": "low", "LI": "low", "PI": "medium", "NI": "high", "NY": ""}``;
a blank target clears the value): then every characterization and decision is converted in the
same transaction, each change logged, and the mapping itself recorded in the change log.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select, update

from cmmikit.errors import InvalidValue
from cmmikit.model.scales import (OWN_SCALE_TYPES, Scale, default_scale, load_scale, mapping_text, scale_for,
                            suggest_mapping, yields_ratings)
from cmmikit.store import tables as t
from cmmikit.store.subjects import goal_decision_subject, practice_decision_subject, record_subject
from cmmikit.store.core import StoreCore, Subject, check
from cmmikit.store.records import APPRAISAL_TYPES


class ScaleMismatch(InvalidValue):
    """The appraisal holds characterizations or decisions the new scale does not have; nothing was changed."""


@dataclass(frozen=True)
class ScaleChange:
    """What :meth:`ScaleStore.set_type` did (or, from :meth:`ScaleStore.plan_type_change`, would do)."""

    appraisal_type: str
    scale: Scale
    stored: str                                   # the appraisal's own scale text ("" = its type's scale)
    mapping: dict[str, str] = field(default_factory=dict)
    records: int = 0                              # characterizations changed by the mapping
    cleared: int = 0                              # of them cleared (mapped to blank)
    decisions: int = 0                            # practice decisions converted
    removed: int = 0                              # team decisions removed (mapped to blank, or goal decisions)

    def summary(self) -> str:
        done = f"now a {self.appraisal_type} appraisal on the scale {self.scale.summary()}"
        if not self.mapping:
            return done
        parts = [f"{self.records} characterization(s) converted" + (f" ({self.cleared} cleared)" if self.cleared
                                                                      else ""),
                 f"{self.decisions} team decision(s) converted"]
        if self.removed:
            parts.append(f"{self.removed} team decision(s) removed")
        return f"{done}; {', '.join(parts)} with {mapping_text(self.mapping)}"


class ScaleStore(StoreCore):
    @property
    def scale(self) -> Scale:
        """The scale this appraisal's practices are characterized on (read now: another session may switch it)."""
        row = self._rows(select(t.appraisal.c.appraisal_type, t.appraisal.c.scale))[0]
        return scale_for(row["appraisal_type"], row["scale"], self.location.label)

    def values_in_use(self) -> tuple[Counter, Counter, int]:
        """Characterizations per value, practice decisions per value, and the number of goal decisions."""
        r, d = t.practice_records.c, t.practice_decisions.c
        with self.snapshot():
            records = Counter({v: n for v, n in self._tuples(select(r.characterization, func.count())
                                                             .where(r.characterization.is_not(None))
                                                             .group_by(r.characterization))})
            decisions = Counter({v: n for v, n in self._tuples(select(d.value, func.count()).group_by(d.value))})
            goals = int(self._scalar(select(func.count()).select_from(t.goal_decisions)))
        return records, decisions, goals

    def plan_type_change(self, appraisal_type: str, *, scale: "str | os.PathLike | Scale | None" = None,
                         mapping: Mapping[str, str] | None = None) -> ScaleChange:
        """Check a switch of type or scale without writing anything; raises what :meth:`set_type` would."""
        check(appraisal_type, APPRAISAL_TYPES, "appraisal type")
        if scale is not None and appraisal_type not in OWN_SCALE_TYPES:
            raise InvalidValue(f"a scale of the team's own is for {' or '.join(OWN_SCALE_TYPES)} appraisals only; "
                               f"a {appraisal_type} uses {default_scale(appraisal_type).summary()}")
        new = load_scale(scale) if scale is not None else default_scale(appraisal_type)
        stored = new.text if scale is not None else ""
        with self.snapshot():
            current = self.scale
            records, decisions, goals = self.values_in_use()
        drop_goals = goals if not yields_ratings(appraisal_type) else 0
        if mapping is None:
            off = [v for v in records if v not in new] + [v for v in decisions if v not in new.decision_values]
            if off or drop_goals:
                raise ScaleMismatch(self._mismatch(appraisal_type, current, new, records, decisions, drop_goals))
            return ScaleChange(appraisal_type, new, stored)
        mapping = dict(mapping)
        self._check_mapping(mapping, current, new, [*records, *decisions])
        converted = sum(n for v, n in records.items() if mapping[v] != v)
        cleared = sum(n for v, n in records.items() if not mapping[v])
        kept = sum(n for v, n in decisions.items() if mapping[v] in new.decision_values)
        return ScaleChange(appraisal_type, new, stored, mapping, converted, cleared, kept,
                           sum(decisions.values()) - kept + drop_goals)

    def set_type(self, appraisal_type: str, *, scale: "str | os.PathLike | Scale | None" = None,
                 mapping: Mapping[str, str] | None = None, base_version: int | None = None) -> ScaleChange:
        """Make this a ``appraisal_type`` appraisal on its type's scale (SCAMPI C: or on ``scale``, a YAML file).

        Refused (:class:`ScaleMismatch`, nothing changed) while characterizations or team decisions
        use values the new scale lacks, or goal decisions exist and the new type gives no ratings,
        unless ``mapping`` names a new value (or "" to clear it) for every value in use: then they are
        converted in the same transaction, goal decisions are removed for a type without ratings,
        and every change is in the change log with the mapping.
        """
        with self.transaction():
            plan = self.plan_type_change(appraisal_type, scale=scale, mapping=mapping)
            row = self._locked_row(t.appraisal, {"id": 1})
            old_scale = self.scale
            subject = Subject("appraisal", "appraisal facts")
            rescaled = row["scale"] != plan.stored
            self._update(t.appraisal, {"id": 1}, {"appraisal_type": appraisal_type}, subject, base_version, row=row,
                         touch=rescaled)
            if rescaled or old_scale.id != plan.scale.id:
                self._conn.execute(update(t.appraisal).values(scale=plan.stored))  # type: ignore[union-attr]
                self._log(subject, "scale", old_scale.summary(), plan.scale.summary())
            if plan.mapping:
                self._convert(plan)
        return plan

    def convert_scale(self, mapping: Mapping[str, str], *, appraisal_type: str | None = None,
                      scale: "str | os.PathLike | Scale | None" = None,
                      base_version: int | None = None) -> ScaleChange:
        """:meth:`set_type` with an explicit mapping; the type stays as it is unless given."""
        with self.transaction():
            kind = appraisal_type or self._scalar(select(t.appraisal.c.appraisal_type))
            return self.set_type(kind, scale=scale, mapping=mapping, base_version=base_version)

    # -- helpers

    def _mismatch(self, kind: str, current: Scale, new: Scale, records: Counter, decisions: Counter,
                  goals: int) -> str:
        order = {v: n for n, v in enumerate(current.all_values)}
        in_use = sorted(dict.fromkeys([*records, *decisions]), key=lambda v: (order.get(v, len(order)), v))
        used = [f"{sum(records.values())} characterization(s)" if records else "",
                f"{sum(decisions.values())} team decision(s)" if decisions else ""]
        what = " and ".join(u for u in used if u)
        problem = (f"{what} on the scale {current.name} ({', '.join(in_use)})" if what else "")
        if goals:
            problem += (" and " if problem else "") + (f"{goals} goal decision(s), which a {kind} does not give "
                                                       "(it gives findings, not ratings)")
        suggestion = suggest_mapping(current, new, in_use) if in_use else {}
        how = (f"cmmikit set-type FILE --type \"{kind}\" --map {mapping_text(suggestion)}" if suggestion else
               f"cmmikit set-type FILE --type \"{kind}\" --map with any value")
        removed = "; goal decisions are removed" if goals else ""
        return (f"{self.location.label}: cannot switch to {kind} (scale {new.name}: {', '.join(new.all_values)}): it "
                f"holds {problem}. Convert them with an explicit mapping, e.g. {how} (a blank target clears a "
                f"value{removed})")

    @staticmethod
    def _check_mapping(mapping: dict[str, str], current: Scale, new: Scale, in_use: list[str]) -> None:
        unknown = [old for old in mapping if old not in current and old not in in_use]
        if unknown:
            raise InvalidValue(f"mapping: {', '.join(map(repr, unknown))} is not a value of the current scale "
                               f"{current.name} ({', '.join(current.all_values)})")
        order = {v: n for n, v in enumerate(current.all_values)}
        missing = sorted((v for v in dict.fromkeys(in_use) if v not in mapping), key=lambda v: order.get(v, len(order)))
        if missing:
            raise InvalidValue(f"mapping: say what {', '.join(map(repr, missing))} become(s) (in use now; "
                               f"e.g. {missing[0]}={new.ordered[-1]}, or {missing[0]}= to clear it)")
        bad = [f"{old}={target}" for old, target in mapping.items() if target and target not in new]
        if bad:
            raise InvalidValue(f"mapping: {', '.join(bad)}: not a value of the scale {new.name} "
                               f"({', '.join(new.all_values)})")

    def _convert(self, plan: ScaleChange) -> None:
        """Rewrite every characterization and team decision through the plan's mapping (inside the transaction)."""
        mapping, r = plan.mapping, t.practice_records.c
        rows = self._tuples(select(r.pa, r.practice, r.instance_id, t.instances.c.name, r.characterization)
                            .join(t.instances, t.instances.c.id == r.instance_id)
                            .where(r.characterization.in_([v for v, new in mapping.items() if new != v])))
        for pa, practice, ident, name, value in rows:
            self._update(t.practice_records, {"pa": pa, "practice": practice, "instance_id": ident},
                         {"characterization": mapping[value] or None}, record_subject(pa, practice, name, ident), None)
        # decisions after the records: relabelled by the conversion, they stay current (not "decided before
        # the data changed")
        for pa, practice, value in self._tuples(select(t.practice_decisions.c.pa, t.practice_decisions.c.practice,
                                                       t.practice_decisions.c.value)):
            key, subject = {"pa": pa, "practice": practice}, practice_decision_subject(pa, practice)
            target = mapping[value]
            if target not in plan.scale.decision_values:
                self._delete(t.practice_decisions, key, subject, None, "value")
                continue
            self._update(t.practice_decisions, key, {"value": target}, subject, None, touch=True)
            if target == value:
                self._log(subject, "value", value, target)
        if not yields_ratings(plan.appraisal_type):
            for pa, goal in self._tuples(select(t.goal_decisions.c.pa, t.goal_decisions.c.goal)):
                self._delete(t.goal_decisions, {"pa": pa, "goal": goal}, goal_decision_subject(pa, goal), None,
                             "rating")
        self._log(Subject("appraisal", "scale conversion"), "mapping", None, mapping_text(mapping))
