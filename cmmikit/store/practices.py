"""What the team records per practice: characterizations and notes, team decisions, questionnaire answers.

(Evidence is in the register: cmmikit/store/register.py.)"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, delete, insert, select

from cmmikit.errors import InvalidValue
from cmmikit.store import tables as t
from cmmikit.model.scales import yields_ratings
from cmmikit.store.conversion import ScaleStore
from cmmikit.store.core import Subject, check, check_fields, clean, now
from cmmikit.store.subjects import goal_decision_subject, practice_decision_subject, record_subject
from cmmikit.store.records import GoalDecision, PracticeDecision, PracticeRecord, Response

RECORD_FIELDS = {"characterization", "strengths", "weaknesses", "notes"}


class PracticeStore(ScaleStore):
    # -- practice records: characterization, strengths, weaknesses, notes ------

    def record(self, pa: str, practice: str, instance: str) -> PracticeRecord:
        """What is recorded for one practice in one instance (blank, version 0, if nothing yet)."""
        with self.snapshot():
            row = self._row(t.practice_records, {"pa": pa, "practice": practice,
                                                 "instance_id": self._instance_id(instance)})
        return _record(row, instance) if row is not None else PracticeRecord(pa, practice, instance)

    def update_record(self, pa: str, practice: str, instance: str, *, base_version: int | None = None,
                      **changes: str | None) -> PracticeRecord:
        """Change any of characterization, strengths, weaknesses, notes; saved at once.

        ``base_version`` is the record's version when the user read it (0: nothing stored yet);
        if someone changed it since, :class:`~cmmikit.errors.ConflictError` says who, when and what
        it holds now, and nothing is saved. ``None`` saves whatever is stored (scripts).
        """
        check_fields(changes, RECORD_FIELDS, "practice record")
        self._check_practice(pa, practice)
        values: dict[str, str | None] = {}
        for key, value in changes.items():
            if key == "characterization":
                values[key] = value or None
            else:
                values[key] = clean(value, key)
        with self.transaction():
            if values.get("characterization") is not None:
                self.scale.check(values["characterization"])  # the appraisal's scale, as it is now
            ident = self._instance_id(instance)
            key = {"pa": pa, "practice": practice, "instance_id": ident}
            if values and self._scalar(select(t.practice_records.c.inherited).filter_by(**key)):
                values["inherited"] = 0   # an edit re-assesses a record inherited from the baseline
            self._upsert(t.practice_records, key, values, record_subject(pa, practice, instance, ident), base_version)
            return _record(self._row(t.practice_records, key), instance)

    def set_characterization(self, pa: str, practice: str, instance: str, value: str | None, *,
                             base_version: int | None = None) -> PracticeRecord:
        return self.update_record(pa, practice, instance, characterization=value, base_version=base_version)

    def records(self, pa: str | None = None) -> list[PracticeRecord]:
        """Every stored practice record (optionally of one PA)."""
        r = t.practice_records.c
        stmt = (select(r.pa, r.practice, t.instances.c.name, r.characterization, r.strengths, r.weaknesses, r.notes,
                       r.version, r.updated_by, r.updated_at, r.inherited)
                .join(t.instances, t.instances.c.id == r.instance_id))
        if pa:
            stmt = stmt.where(r.pa == pa)
        stmt = stmt.order_by(r.pa, r.practice, t.instances.c.position)
        return [PracticeRecord(*row[:-1], inherited=bool(row[-1])) for row in self._tuples(stmt)]

    # -- team decisions ------------------------------------------------------------

    def set_practice_decision(self, pa: str, practice: str, value: str, rationale: str, decided_by: str = "", *,
                              base_version: int | None = None) -> None:
        """Record the team's OU-level characterization where the aggregation rules call for judgment."""
        self._check_practice(pa, practice)
        if not (rationale or "").strip():
            raise InvalidValue(f"{pa} {practice}: a team decision needs its rationale")
        with self.transaction():
            scale = self.scale
            scale.check(value, "team decision", scale.decision_values)
            self._upsert(t.practice_decisions, {"pa": pa, "practice": practice},
                         {"value": value, "rationale": rationale,
                          "decided_by": clean(decided_by, "decided_by") or self.user, "decided_at": now()},
                         practice_decision_subject(pa, practice), base_version)

    def clear_practice_decision(self, pa: str, practice: str, *, base_version: int | None = None) -> None:
        with self.transaction():
            if self._locked_row(t.practice_decisions, {"pa": pa, "practice": practice}) is not None:
                self._delete(t.practice_decisions, {"pa": pa, "practice": practice},
                             practice_decision_subject(pa, practice), base_version, "value")

    def practice_decisions(self) -> list[PracticeDecision]:
        c = t.practice_decisions.c
        return [PracticeDecision(r["pa"], r["practice"], r["value"], r["rationale"], r["decided_by"], r["decided_at"],
                                 r["version"])
                for r in self._rows(select(t.practice_decisions).order_by(c.pa, c.practice))]

    def set_goal_decision(self, pa: str, goal: str, rationale: str, decided_by: str = "",
                          rating: str = "Unsatisfied", *, base_version: int | None = None) -> None:
        """Record that the team rates a goal Unsatisfied despite FI/LI practices (significant weaknesses)."""
        self._check_goal(pa, goal)
        check(rating, ("Unsatisfied",), "goal decision")
        if not (rationale or "").strip():
            raise InvalidValue(f"{pa} {goal}: a goal decision needs its rationale")
        with self.transaction():
            kind = self._scalar(select(t.appraisal.c.appraisal_type))
            if not yields_ratings(kind):
                raise InvalidValue(f"{pa} {goal}: a {kind} appraisal gives findings, not goal ratings; record "
                                   "the weaknesses (they become findings) instead of a goal decision")
            self._upsert(t.goal_decisions, {"pa": pa, "goal": goal},
                         {"rating": rating, "rationale": rationale,
                          "decided_by": clean(decided_by, "decided_by") or self.user, "decided_at": now()},
                         goal_decision_subject(pa, goal), base_version)

    def clear_goal_decision(self, pa: str, goal: str, *, base_version: int | None = None) -> None:
        with self.transaction():
            if self._locked_row(t.goal_decisions, {"pa": pa, "goal": goal}) is not None:
                self._delete(t.goal_decisions, {"pa": pa, "goal": goal}, goal_decision_subject(pa, goal),
                             base_version, "rating")

    def goal_decisions(self) -> list[GoalDecision]:
        c = t.goal_decisions.c
        return [GoalDecision(r["pa"], r["goal"], r["rating"], r["rationale"], r["decided_by"], r["decided_at"],
                             r["version"])
                for r in self._rows(select(t.goal_decisions).order_by(c.pa, c.goal))]

    # -- questionnaire responses ------------------------------------------------------

    def replace_responses(self, instance: str, responses: Iterable[Response], source: str = "") -> int:
        """Store an instance's questionnaire answers, replacing earlier ones for the same questions (all or nothing)."""
        rows = list(responses)
        for r in rows:
            self._check_practice(r.pa, r.practice)
        stamp = now()
        c = t.responses.c
        with self.transaction():
            ident = self._instance_id(instance)
            for r in rows:
                self._conn.execute(delete(t.responses).where(and_(
                    c.instance_id == ident, c.pa == r.pa, c.practice == r.practice, c.question == r.question)))
            if rows:
                self._conn.execute(insert(t.responses), [
                    {"instance_id": ident, "pa": r.pa, "practice": r.practice, "question": r.question,
                     "question_text": r.question_text, "answer": r.answer, "evidence": r.evidence,
                     "comment": r.comment, "respondent": r.respondent, "source": source or r.source,
                     "imported_at": stamp} for r in rows])
            self._log(Subject("responses", f"{instance} questionnaire", instance=instance), "answers", None,
                      f"{len(rows)} answers imported from {source or 'a questionnaire'}")
        return len(rows)

    def responses(self, instance: str | None = None) -> list[Response]:
        c = t.responses.c
        stmt = select(t.responses, t.instances.c.name.label("instance")).join(t.instances, t.instances.c.id == c.instance_id)
        with self.snapshot():
            if instance:
                stmt = stmt.where(c.instance_id == self._instance_id(instance))
            stmt = stmt.order_by(t.instances.c.position, c.pa, c.practice, c.question)
            return [Response(r["instance"], r["pa"], r["practice"], r["question"], r["answer"], r["question_text"],
                             r["evidence"], r["comment"], r["respondent"], r["source"]) for r in self._rows(stmt)]


def _record(row, instance: str) -> PracticeRecord:
    return PracticeRecord(row["pa"], row["practice"], instance, row["characterization"], row["strengths"],
                          row["weaknesses"], row["notes"], row["version"], row["updated_by"], row["updated_at"],
                          bool(row["inherited"]))
