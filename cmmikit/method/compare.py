"""Compare two appraisals of the same model: what improved, what regressed, which findings closed.

:func:`compare` rates both appraisals and lines them up practice by practice, goal by goal and
process area by process area.  Every table carries ``before`` / ``after`` and a ``change``:

- ``improved`` / ``regressed``: both sides have a rating and it moved up / down
  (practices: NI < PI < LI < FI; goals and PAs: Unsatisfied < Satisfied);
- ``new``: rated now but not before (newly characterized, brought into scope, or Not Rated before);
- ``removed``: rated before but not now;
- ``changed``: neither side has a rating and they differ (e.g. ``NY`` -> ``Not Applicable``);
- ``unchanged``: the same on both sides.

A process area's overall ``change`` is its rating change, else its capability level change
(CL0 < CL1 < CL2 ...), else what its goals did (satisfied now but not before, or the reverse),
else what its practices did; ``mixed`` when goals (or practices) moved both ways.  So a PA that
stays Unsatisfied but goes CL0 -> CL1 because a goal became Satisfied is ``improved``.

Practices and PAs also count the current side's characterizations ``reassessed`` in it and
``inherited`` from its baseline (a follow-up appraisal, see :func:`cmmikit.store.follow_up`).
Findings are matched by the rule in :func:`finding_key`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

import pandas as pd

from cmmikit.errors import CmmikitError
from cmmikit.method.rating import CL1_CL2_NOT_RATED, NOT_YET, ORDER, RATED, SATISFIED, UNSATISFIED, Ratings, rate

if TYPE_CHECKING:
    from cmmikit.store import Appraisal, Finding

IMPROVED, REGRESSED, UNCHANGED, NEW, REMOVED, CHANGED = (
    "improved", "regressed", "unchanged", "new", "removed", "changed")
CHANGES = (IMPROVED, REGRESSED, NEW, REMOVED, CHANGED, UNCHANGED)
MIXED = "mixed"
PA_CHANGES = (IMPROVED, REGRESSED, MIXED, NEW, REMOVED, CHANGED, UNCHANGED)
GOAL_ORDER = {UNSATISFIED: 0, SATISFIED: 1}
CAPABILITY_ORDER = {f"CL{n}": n for n in range(6)} | {CL1_CL2_NOT_RATED: 1}
CLOSED, OPENED, PERSISTING = "closed", "new", "persisting"
REASSESSMENT = ("reassessed", "inherited")  # current-side counts per practice and PA


class ModelMismatch(CmmikitError):
    """The two appraisals were rated against different models and cannot be compared."""


@dataclass
class Comparison:
    """The result of :func:`compare`: tidy DataFrames plus a summary dict."""

    practices: pd.DataFrame
    goals: pd.DataFrame
    pas: pd.DataFrame
    findings: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)

    def changed_practices(self) -> pd.DataFrame:
        """Only the practices whose OU characterization changed."""
        return self.practices[self.practices.change != UNCHANGED].reset_index(drop=True)


def classify(before: str | None, after: str | None, order: dict[str, int]) -> str:
    """One of :data:`CHANGES` for a value that went from ``before`` to ``after`` on the scale ``order``."""
    if before == after:
        return UNCHANGED
    ranked_before, ranked_after = before in order, after in order
    if ranked_before and ranked_after:
        return IMPROVED if order[after] > order[before] else REGRESSED  # type: ignore[index]
    if ranked_after:
        return NEW
    if ranked_before:
        return REMOVED
    return CHANGED


def direction(gained: int, lost: int) -> str:
    """The change told by counts of things that got better (``gained``) and worse (``lost``)."""
    if gained and lost:
        return MIXED
    return IMPROVED if gained else REGRESSED if lost else UNCHANGED


def pa_change(rating: str, capability: str, goals: str, practices: str) -> str:
    """A PA's overall change: the first of its rating, capability level, goal and practice changes that moved."""
    return next((change for change in (rating, capability, goals, practices) if change != UNCHANGED), UNCHANGED)


def compare(baseline: "Appraisal", current: "Appraisal", *, baseline_ratings: Ratings | None = None,
            current_ratings: Ratings | None = None, reassessed_only: bool = False) -> Comparison:
    """Compare ``current`` with an earlier ``baseline`` appraisal of the same model.

    ``reassessed_only``: rate ``current`` counting characterizations it inherited and nobody
    re-assessed as not characterized.
    """
    check_same_model(baseline, current)
    common = common_level(baseline, current)
    before = baseline_ratings or rate(baseline, model=_at_level(baseline, common))
    after = current_ratings or rate(current, reassessed_only=reassessed_only, model=_at_level(current, common))
    practices = compare_practices(before.practices, after.practices)
    goals = compare_goals(before.goals, after.goals)
    pas = compare_pas(before.pas, after.pas, practices, goals)
    findings = compare_findings(open_findings(baseline), open_findings(current))
    if "pa" in findings.columns:  # an ML3 appraisal's findings on ML3 areas have no ML2 counterpart
        findings = findings[findings.pa.isin(set(before.pas.pa) | set(after.pas.pa))].reset_index(drop=True)
    summary = summarize(baseline, current, before, after, practices, goals, pas, findings)
    return Comparison(practices, goals, pas, findings, summary)


def common_level(baseline: "Appraisal", current: "Appraisal") -> int:
    """The target level both appraisals reach: an ML2 and an ML3 appraisal are compared at level 2."""
    return min(baseline.model.target_maturity_level, current.model.target_maturity_level)


def _at_level(appraisal: "Appraisal", level: int):
    """The appraisal's model at ``level`` (None: its own), so both sides rate the same areas and goals."""
    from cmmikit.model import load_model

    if appraisal.model.target_maturity_level == level:
        return None
    return load_model(appraisal.model.source, level)


def check_same_model(baseline: "Appraisal", current: "Appraisal") -> None:
    """Refuse appraisals of different models or model versions: their practices do not line up."""
    old, new = baseline.info().model_id, current.info().model_id
    if old != new:
        raise ModelMismatch(f"cannot compare appraisals of different models: {baseline.path.name} uses {old}, "
                            f"{current.path.name} uses {new}")
    old_version, new_version = baseline.model.version, current.model.version
    if old_version != new_version:
        raise ModelMismatch(f"cannot compare appraisals of different versions of model {old}: "
                            f"{baseline.path.name} uses version {old_version}, "
                            f"{current.path.name} uses version {new_version}")


def practice_value(ou: str | None, status: str) -> str | None:
    """The OU characterization a practice row stands for, or its status when it has none."""
    if status in (RATED, NOT_YET):
        return ou
    return status


def compare_practices(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """One row per practice: OU characterization before and after, and the change."""
    keys = ["pa", "goal", "practice"]
    rows = _outer(before, after, keys, ["title"])
    records = rows.to_dict("records")
    rows["before"] = [_practice_side(r, "_before") for r in records]
    rows["after"] = [_practice_side(r, "_after") for r in records]
    rows["change"] = [classify(b, a, ORDER) for b, a in zip(rows.before, rows.after)]
    for count in REASSESSMENT:
        after_side = rows.get(f"n_{count}_after", rows.get(f"n_{count}"))
        rows[count] = (after_side if after_side is not None else pd.Series(0, index=rows.index)).fillna(0).astype(int)
    return rows[keys + ["title", "before", "after", "change", *REASSESSMENT]]


def compare_goals(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """One row per goal: rating before and after, the change, and whether it became (un)satisfied."""
    keys = ["pa", "goal"]
    rows = _outer(before, after, keys, ["title"])
    rows["before"] = rows["rating_before"].where(rows["rating_before"].notna(), None)
    rows["after"] = rows["rating_after"].where(rows["rating_after"].notna(), None)
    rows["change"] = [classify(b, a, GOAL_ORDER) for b, a in zip(rows.before, rows.after)]
    rows["newly_satisfied"] = (rows.after == SATISFIED) & (rows.before != SATISFIED)
    rows["no_longer_satisfied"] = (rows.before == SATISFIED) & (rows.after != SATISFIED)
    return rows[keys + ["title", "before", "after", "change", "newly_satisfied", "no_longer_satisfied"]]


def compare_pas(before: pd.DataFrame, after: pd.DataFrame, practices: pd.DataFrame,
                goals: pd.DataFrame) -> pd.DataFrame:
    """One row per PA: rating, capability level and readiness before and after, change counts, overall change."""
    rows = _outer(before, after, ["pa"], ["name"])
    out = pd.DataFrame({
        "pa": rows.pa, "name": rows.name,
        "before": rows.rating_before.where(rows.rating_before.notna(), None),
        "after": rows.rating_after.where(rows.rating_after.notna(), None),
    })
    out["rating_change"] = [classify(b, a, GOAL_ORDER) for b, a in zip(out.before, out.after)]
    out["capability_before"] = rows.capability_level_before.where(rows.capability_level_before.notna(), None)
    out["capability_after"] = rows.capability_level_after.where(rows.capability_level_after.notna(), None)
    out["capability_change"] = [classify(b, a, CAPABILITY_ORDER)
                                for b, a in zip(out.capability_before, out.capability_after)]
    out["readiness_before"] = rows.readiness_before.fillna(0.0).astype(float)
    out["readiness_after"] = rows.readiness_after.fillna(0.0).astype(float)
    out["readiness_delta"] = out.readiness_after - out.readiness_before
    per_pa = practices.groupby("pa").change.value_counts().unstack(fill_value=0)
    for change in (IMPROVED, REGRESSED):
        counts = per_pa[change] if change in per_pa else pd.Series(dtype=int)
        out[f"practices_{change}"] = out.pa.map(counts).fillna(0).astype(int)
    for column in ("newly_satisfied", "no_longer_satisfied"):
        counts = goals[goals[column]].groupby("pa").size()
        out[f"goals_{column}"] = out.pa.map(counts).fillna(0).astype(int)
    out["change"] = [pa_change(r.rating_change, r.capability_change,
                               direction(r.goals_newly_satisfied, r.goals_no_longer_satisfied),
                               direction(r.practices_improved, r.practices_regressed)) for r in out.itertuples()]
    for count in REASSESSMENT:
        out[count] = out.pa.map(practices.groupby("pa")[count].sum()).fillna(0).astype(int)
    return out.reset_index(drop=True)


def open_findings(appraisal: "Appraisal") -> list["Finding"]:
    """The findings that count in a comparison: stored and open (merged or dismissed ones are not).

    Generated findings are only as current as the last :func:`cmmikit.method.findings.sync_findings`;
    the report syncs copies of both appraisals before comparing.
    """
    return [f for f in appraisal.findings() if f.status == "open"]


def finding_key(finding: "Finding") -> tuple[Any, ...]:
    """Two findings are the same finding when kind, PA and linked practices are equal.

    A finding linked to no practice (written by hand) matches on kind, PA, goal and its
    statement instead (case and spacing ignored).  Statements of linked findings may be
    reworded between appraisals without breaking the match.
    """
    if finding.practices:
        return (finding.kind, finding.pa, tuple(sorted(finding.practices)))
    return (finding.kind, finding.pa, finding.goal, " ".join(finding.statement.lower().split()))


def compare_findings(before: Iterable["Finding"], after: Iterable["Finding"]) -> pd.DataFrame:
    """Findings closed (baseline only), new (current only) and persisting (both), matched by :func:`finding_key`.

    When several findings share a key they are paired in id order; the surplus is closed or new.
    """
    columns = ["status", "kind", "pa", "goal", "practices", "statement", "statement_before", "baseline_id",
               "current_id"]
    old: dict[tuple[Any, ...], list[Finding]] = defaultdict(list)
    for f in sorted(before, key=lambda f: f.id):
        old[finding_key(f)].append(f)
    rows: list[dict[str, Any]] = []
    for f in sorted(after, key=lambda f: f.id):
        matches = old.get(finding_key(f))
        match = matches.pop(0) if matches else None
        rows.append(_finding_row(PERSISTING if match else OPENED, f, match))
    for leftover in old.values():
        rows.extend(_finding_row(CLOSED, None, f) for f in leftover)
    frame = pd.DataFrame(rows, columns=columns).astype({"baseline_id": "Int64", "current_id": "Int64"})
    order = {CLOSED: 0, OPENED: 1, PERSISTING: 2}
    frame["_order"] = frame.status.map(order)
    return (frame.sort_values(["_order", "pa", "goal", "practices", "kind"], kind="stable")
            .drop(columns="_order").reset_index(drop=True))


def _finding_row(status: str, current: "Finding | None", baseline: "Finding | None") -> dict[str, Any]:
    shown = current or baseline
    assert shown is not None
    return {"status": status, "kind": shown.kind, "pa": shown.pa, "goal": shown.goal,
            "practices": ", ".join(shown.practices), "statement": shown.statement,
            "statement_before": baseline.statement if baseline else "",
            "baseline_id": baseline.id if baseline else None, "current_id": current.id if current else None}


def summarize(baseline: "Appraisal", current: "Appraisal", before: Ratings, after: Ratings,
              practices: pd.DataFrame, goals: pd.DataFrame, pas: pd.DataFrame,
              findings: pd.DataFrame) -> dict[str, Any]:
    """Headline numbers of a comparison (plain Python values, JSON-ready)."""
    practice_counts = Counter(practices.change)
    pa_counts = Counter(pas.change)
    finding_counts = Counter(findings[findings.kind == "weakness"].status)
    return {
        "model_id": after.model_id,
        "baseline": before.appraisal_name, "current": after.appraisal_name,
        "baseline_file": baseline.path.name, "current_file": current.path.name,
        "maturity_before": before.maturity.headline, "maturity_after": after.maturity.headline,
        "compared_at_level": after.maturity.level,
        "practices": {change: int(practice_counts[change]) for change in CHANGES},
        "goals_newly_satisfied": int(goals.newly_satisfied.sum()),
        "goals_no_longer_satisfied": int(goals.no_longer_satisfied.sum()),
        "pas": {change: int(pa_counts[change]) for change in PA_CHANGES},
        "capability_levels": [f"{r.pa} {r.capability_before} \u2192 {r.capability_after}" for r in pas.itertuples()
                              if r.capability_change != UNCHANGED],
        "pas_improved": [str(p) for p in pas[pas.change.isin([IMPROVED, NEW])].pa],
        "pas_regressed": [str(p) for p in pas[pas.change.isin([REGRESSED, REMOVED])].pa],
        "weaknesses": {status: int(finding_counts[status]) for status in (CLOSED, OPENED, PERSISTING)},
        "follow_up_of": after.follow_up_of, "reassessed_only": after.reassessed_only,
        **{count: int(practices[count].sum()) for count in REASSESSMENT},
    }



def _outer(before: pd.DataFrame, after: pd.DataFrame, keys: list[str], labels: list[str]) -> pd.DataFrame:
    """Outer join on ``keys`` in model order (baseline rows first, then rows only in the current one)."""
    merged = before.merge(after, on=keys, how="outer", suffixes=("_before", "_after"), sort=False)
    for label in labels:
        merged[label] = merged[f"{label}_after"].where(merged[f"{label}_after"].notna(), merged[f"{label}_before"])
    first: dict[tuple[Any, ...], int] = {}
    for i, key in enumerate(map(tuple, pd.concat([before[keys], after[keys]]).values)):
        first.setdefault(key, i)
    merged["_pos"] = [first[tuple(v)] for v in merged[keys].values]
    return merged.sort_values("_pos").drop(columns="_pos").reset_index(drop=True)


def _practice_side(row: dict[str, Any], suffix: str) -> str | None:
    """:func:`practice_value` of one side of a joined practice row (None when that side has no row)."""
    status = row.get(f"status{suffix}")
    if not isinstance(status, str):
        return None
    ou = row.get(f"ou{suffix}")
    return practice_value(ou if isinstance(ou, str) else None, status)
