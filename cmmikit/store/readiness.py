"""The readiness review (criteria judged met or not, then the decision) and the preliminary findings validation.

The criteria themselves are data (``cmmikit/data/readiness.yaml``, read by :mod:`cmmikit.method.readiness`);
a review keeps the ids it was started with, so a later change of the list does not rewrite it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import insert, select

from cmmikit.errors import InvalidValue, UnknownEntry
from cmmikit.store import tables as t
from cmmikit.store.core import StoreCore, Subject, check, checked_date, clean, now

DECISIONS = ("continue", "replan", "reschedule", "cancel")
VALIDATION_OUTCOMES = ("validated", "revised")


@dataclass(frozen=True)
class ReadinessCheck:
    criterion: str
    met: bool = False
    note: str = ""
    version: int = 0


@dataclass(frozen=True)
class ReadinessReview:
    id: int
    held_on: str
    decision: str = ""
    rationale: str = ""
    checks: tuple[ReadinessCheck, ...] = ()
    version: int = 0

    @property
    def go(self) -> bool:
        """Go: the team decided to continue as planned."""
        return self.decision == "continue"


@dataclass(frozen=True)
class FindingValidation:
    finding_id: int
    outcome: str
    comment: str = ""
    validated_by: str = ""
    updated_at: str = ""
    version: int = 0


def _review_subject(ident: int) -> Subject:
    return Subject("readiness review", f"readiness review {ident}", entity_id=ident)


class ReadinessStore(StoreCore):
    # -- readiness reviews ---------------------------------------------------------

    def add_review(self, held_on: str, criteria: Iterable[str]) -> int:
        """Start a readiness review on a date with these criteria, each not met until judged; returns its id."""
        held_on = checked_date(held_on, "review date", required=True)
        names = list(dict.fromkeys(clean(c, "criterion").strip() for c in criteria))
        if not names or not all(names):
            raise InvalidValue("a readiness review needs its criteria (none may be blank)")
        with self.transaction():
            subject = Subject("readiness review", "readiness review {id}")
            ident = int(self._insert(t.readiness_reviews, {"held_on": held_on}, subject, {"held_on": held_on}))
            stamp = {"version": 1, "updated_by": self.user, "updated_at": now()}
            self._conn.execute(insert(t.readiness_checks),  # type: ignore[union-attr]
                               [{"review_id": ident, "criterion": c, "position": n, **stamp}
                                for n, c in enumerate(names)])
            self._log(subject, "criteria", None, ",".join(names))
        return ident

    def set_check(self, review_id: int, criterion: str, *, met: bool, note: str = "",
                  base_version: int | None = None) -> None:
        """Judge one criterion of a review met or not met, with a note."""
        key = {"review_id": review_id, "criterion": criterion}
        with self.transaction():
            if self._row(t.readiness_reviews, {"id": review_id}) is None:
                raise UnknownEntry(f"no readiness review {review_id}")
            row = self._locked_row(t.readiness_checks, key)
            if row is None:
                raise UnknownEntry(f"readiness review {review_id} has no criterion {criterion!r}")
            subject = Subject("readiness review", f"readiness review {review_id} {criterion}", entity_id=review_id)
            self._update(t.readiness_checks, key, {"met": int(bool(met)), "note": clean(note, "note")}, subject,
                         base_version, row=row)

    def decide(self, review_id: int, decision: str, rationale: str, *, base_version: int | None = None) -> None:
        """Record the review's decision (continue, replan, reschedule, cancel) with its rationale."""
        check(decision, DECISIONS, "decision")
        rationale = clean(rationale, "rationale").strip()
        if not rationale:
            raise InvalidValue(f"readiness review {review_id}: a decision needs its rationale")
        with self.transaction():
            if self._row(t.readiness_reviews, {"id": review_id}) is None:
                raise UnknownEntry(f"no readiness review {review_id}")
            self._update(t.readiness_reviews, {"id": review_id}, {"decision": decision, "rationale": rationale},
                         _review_subject(review_id), base_version)

    def remove_review(self, review_id: int) -> None:
        with self.transaction():
            if self._row(t.readiness_reviews, {"id": review_id}) is None:
                raise UnknownEntry(f"no readiness review {review_id}")
            self._delete(t.readiness_reviews, {"id": review_id}, _review_subject(review_id), None, "held_on")

    def reviews(self) -> list[ReadinessReview]:
        """The readiness reviews, oldest first, each with its criteria in the order they were given."""
        with self.snapshot():
            checks: dict[int, list[ReadinessCheck]] = {}
            c = t.readiness_checks.c
            for r in self._rows(select(t.readiness_checks).order_by(c.review_id, c.position)):
                checks.setdefault(r["review_id"], []).append(ReadinessCheck(r["criterion"], bool(r["met"]), r["note"],
                                                                            r["version"]))
            return [ReadinessReview(r["id"], r["held_on"], r["decision"], r["rationale"],
                                    tuple(checks.get(r["id"], [])), r["version"])
                    for r in self._rows(select(t.readiness_reviews).order_by(t.readiness_reviews.c.held_on,
                                                                             t.readiness_reviews.c.id))]

    # -- preliminary findings validation -------------------------------------------------

    def validate_finding(self, finding_id: int, outcome: str, *, comment: str = "", by: str | None = None,
                         base_version: int | None = None) -> None:
        """Record a finding as validated with the participants, or revised (a comment says how)."""
        check(outcome, VALIDATION_OUTCOMES, "validation outcome")
        comment = clean(comment, "comment").strip()
        if outcome == "revised" and not comment:
            raise InvalidValue(f"finding {finding_id}: a revised finding needs a comment saying what changed")
        who = clean(self.user if by is None else by, "validated by").strip() or self.user
        with self.transaction():
            if self._row(t.findings, {"id": finding_id}) is None:
                raise UnknownEntry(f"no finding {finding_id}")
            pa = self._scalar(select(t.findings.c.pa).where(t.findings.c.id == finding_id))
            subject = Subject("finding validation", f"finding {finding_id} validation", entity_id=finding_id, pa=pa)
            self._upsert(t.finding_validations, {"finding_id": finding_id},
                         {"outcome": outcome, "comment": comment, "validated_by": who}, subject, base_version)

    def clear_validation(self, finding_id: int) -> None:
        with self.transaction():
            if self._row(t.finding_validations, {"finding_id": finding_id}) is None:
                raise UnknownEntry(f"finding {finding_id} has no validation recorded")
            self._delete(t.finding_validations, {"finding_id": finding_id},
                         Subject("finding validation", f"finding {finding_id} validation", entity_id=finding_id),
                         None, "outcome")

    def validations(self) -> dict[int, FindingValidation]:
        """The validation recorded per finding id."""
        return {r["finding_id"]: FindingValidation(r["finding_id"], r["outcome"], r["comment"], r["validated_by"],
                                                   r["updated_at"], r["version"])
                for r in self._rows(select(t.finding_validations))}
