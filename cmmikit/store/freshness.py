"""Whether recorded judgments are still current: the change log read per practice, and explicit confirmations.

A team decision rests on the records and evidence of its practice (a goal decision: of every
practice of the goal). Evidence changes are those of the register's links to the practice's cells
(linked, its statement changed, unlinked or removed); an edit of a register item itself (its title,
owner or date) is logged without a practice and does not count. :meth:`FreshnessStore.data_changes` gives the newest change of that
data per practice and :meth:`FreshnessStore.decision_changes` the newest change of each
decision, both as change-log ids (which only grow), so the rating can tell a decision taken
before the data changed. Confirming a decision or an inherited record is a change of its own,
recorded in the change log.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, and_, func, literal, or_, select, union_all, update

from cmmikit.errors import UnknownEntry
from cmmikit.store import tables as t
from cmmikit.store.core import StoreCore, Subject, now
from cmmikit.store.practices import goal_decision_subject, practice_decision_subject, record_subject
from cmmikit.store.records import Change

# the fields of a practice record a decision rests on (notes do not count); every evidence-link change counts
DATA_FIELDS = ("characterization", "strengths", "weaknesses")
DECISION_ENTITIES = ("practice decision", "goal decision")
CHUNK = 200   # decisions per statement (SQLite allows 500 SELECTs in one compound statement)


def _change(r: Any) -> Change:
    return Change(r["id"], r["at"], r["changed_by"], r["entity"], r["key"], r["field"], r["old"], r["new"],
                  r["pa"], r["practice"], r["instance"])


class FreshnessStore(StoreCore):
    def data_changes(self) -> dict[tuple[str, str], Change]:
        """Per (pa, practice), the newest change of a characterization, strength, weakness or evidence item."""
        c = t.changes.c
        data = or_(c.entity == "evidence", and_(c.entity == "record", c.field.in_(DATA_FIELDS)))
        newest = select(func.max(c.id)).where(data, c.practice != "").group_by(c.pa, c.practice)
        return {(r["pa"], r["practice"]): _change(r) for r in self._rows(select(t.changes).where(c.id.in_(newest)))}

    def decision_changes(self) -> dict[tuple[str, str], int]:
        """Per recorded team decision (pa, practice or goal), the change-log id of its newest change."""
        c = t.changes.c
        with self.snapshot():
            pd, gd = t.practice_decisions.c, t.goal_decisions.c
            wanted = [(DECISION_ENTITIES[0], pa, practice, practice) for pa, practice in
                      self._tuples(select(pd.pa, pd.practice))]
            wanted += [(DECISION_ENTITIES[1], pa, "", goal) for pa, goal in self._tuples(select(gd.pa, gd.goal))]
            found: dict[tuple[str, str], int] = {}
            for start in range(0, len(wanted), CHUNK):
                # one seek in the covering index changes_by_practice per decision (an OR of them would scan);
                # a goal decision's log lines carry no practice, so its goal is told by entity_id
                parts = [select(literal(pa).label("pa"), literal(key).label("key"), func.max(c.id).label("newest"))
                         .where(c.pa == pa, c.practice == practice, c.entity == entity,
                                *([c.entity_id == f"{pa}|{key}"] if not practice else []))
                         for entity, pa, practice, key in wanted[start:start + CHUNK]]
                for pa, key, newest in self._tuples(union_all(*parts)):
                    if newest is not None:
                        found[(pa, key)] = int(newest)
        return found

    def confirm_practice_decision(self, pa: str, practice: str, *, base_version: int | None = None) -> None:
        """The team looked again at the changed data and keeps its decision: ``decided_at`` moves to now."""
        self._check_practice(pa, practice)
        with self.transaction():
            self._confirm(t.practice_decisions, {"pa": pa, "practice": practice},
                          practice_decision_subject(pa, practice), base_version, {"decided_at": now()}, "value")

    def confirm_goal_decision(self, pa: str, goal: str, *, base_version: int | None = None) -> None:
        """The team keeps its goal decision after the data of the goal's practices changed."""
        self._check_goal(pa, goal)
        with self.transaction():
            self._confirm(t.goal_decisions, {"pa": pa, "goal": goal}, goal_decision_subject(pa, goal),
                          base_version, {"decided_at": now()}, "rating")

    def confirm_record(self, pa: str, practice: str, instance: str, *, base_version: int | None = None) -> None:
        """An assessor re-assessed a record inherited from the baseline and keeps it as it is."""
        self._check_practice(pa, practice)
        with self.transaction():
            ident = self._instance_id(instance)
            self._confirm(t.practice_records, {"pa": pa, "practice": practice, "instance_id": ident},
                          record_subject(pa, practice, instance, ident), base_version, {"inherited": 0},
                          "characterization")

    def _confirm(self, table: Table, key: dict[str, Any], subject: Subject, base_version: int | None,
                 quietly: dict[str, Any], shown: str) -> None:
        """Raise the row's version, set ``quietly`` without a field entry, and log one "confirmed" line."""
        row = self._locked_row(table, key)
        if row is None:
            raise UnknownEntry(f"{subject.key}: nothing recorded to confirm")
        self._update(table, key, {}, subject, base_version, row=row, touch=True)
        self._conn.execute(update(table).filter_by(**key).values(**quietly))  # type: ignore[union-attr]
        self._log(subject, "confirmed", None, row[shown])
