"""How the change log names what a practice write touched: a record, a practice or a goal decision."""

from __future__ import annotations

from cmmikit.store.core import Subject


def cell_name(pa: str, practice: str, instance: str) -> str:
    """One cell of the practice x instance grid as the change log names it."""
    return f"{pa} {practice} / {instance}"


def record_subject(pa: str, practice: str, instance: str, ident: int) -> Subject:
    return Subject("record", cell_name(pa, practice, instance), entity_id=f"{pa}|{practice}|{ident}", pa=pa,
                   practice=practice, instance=instance)


def practice_decision_subject(pa: str, practice: str) -> Subject:
    return Subject("practice decision", f"{pa} {practice} team decision", entity_id=f"{pa}|{practice}", pa=pa,
                   practice=practice)


def goal_decision_subject(pa: str, goal: str) -> Subject:
    return Subject("goal decision", f"{pa} {goal} team decision", entity_id=f"{pa}|{goal}", pa=pa)
