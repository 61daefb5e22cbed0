"""Everything the appraisal report shows, gathered once from the appraisal files (read-only).

The report never writes to an appraisal: each file is copied into a temporary folder
and the findings are refreshed there from the recorded weaknesses and strengths
(:func:`cmmikit.method.findings.sync_findings`), so the report shows the same findings the
findings screen would, whether or not anyone has pressed *sync* in the file itself.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from cmmikit.errors import CmmikitError

if TYPE_CHECKING:
    import pandas as pd

    from cmmikit.method.compare import Comparison
    from cmmikit.model import Model
    from cmmikit.method.rating import Ratings
    from cmmikit.method.risk import Assessment
    from cmmikit.store import Appraisal, AppraisalInfo, Assessor, GoalDecision, Instance, PracticeDecision, Scope

# the report notebook's parameters and the types each accepts (None = use the default)
PARAMETERS: dict[str, tuple[type, ...]] = {
    "appraisal_path": (str, os.PathLike), "baseline_path": (str, os.PathLike), "title": (str,),
    "report_date": (str, date),
}


class ReportParameterError(CmmikitError):
    """A report parameter is unknown or has a value the report cannot use."""


@dataclass
class Snapshot:
    """One appraisal as the report sees it: facts, ratings, findings and actions."""

    file_name: str
    info: "AppraisalInfo"
    model: "Model"
    instances: list["Instance"]
    scopes: dict[str, "Scope"]
    assessors: list["Assessor"]
    ratings: "Ratings | Assessment"     # a SCAMPI B/C appraisal: findings and its scale's values, no ratings
    findings: "pd.DataFrame"
    actions: "pd.DataFrame"
    action_summary: dict[str, int]
    evidence: "EvidenceSummary"
    practice_decisions: list["PracticeDecision"]
    goal_decisions: list["GoalDecision"]

    @property
    def progress(self) -> "Progress":
        return characterization_progress(self.ratings)


@dataclass(frozen=True)
class EvidenceSummary:
    """The evidence register as the report tells it: the items backing the appraisal, and the stale ones."""

    artifacts: int              # register artifacts linked to at least one practice instance
    affirmations: int           # register affirmations linked to at least one practice instance
    links: int                  # their links (an item backing a practice in one sampled unit)
    stale: tuple[str, ...]      # the backing items dated before ``stale_before``: "ART-7 'title'", ...
    stale_before: date
    max_age_months: int

    @property
    def items(self) -> int:
        return self.artifacts + self.affirmations


def evidence_summary(appraisal: "Appraisal") -> EvidenceSummary:
    """Count the register items linked to the appraisal's cells and name the stale ones (in register order)."""
    with appraisal.snapshot():
        backing = appraisal.register(linked=True)
        cutoff, months = appraisal.stale_before(), appraisal.info().evidence_max_age_months
    artifacts = sum(item.kind != "affirmation" for item in backing)
    return EvidenceSummary(artifacts=artifacts, affirmations=len(backing) - artifacts,
                           links=sum(item.reuse for item in backing),
                           stale=tuple(f"{item.register_id} {item.title!r}" for item in backing if item.stale),
                           stale_before=cutoff, max_age_months=months)


@dataclass(frozen=True)
class Progress:
    """How far the characterization has come, over the process areas in scope."""

    pas_in_scope: int
    practices: int              # practices of the PAs in scope
    characterized: int          # of them with an OU characterization (incl. decided judgments)
    not_yet: int                # of them Not Yet at the OU
    judgment_open: int          # of them waiting for a team decision (the instances allow a range)
    instances: int              # practice instances (practice x sampled unit) of the PAs in scope
    instances_characterized: int

    @property
    def complete(self) -> bool:
        return self.practices > 0 and self.characterized + self.not_yet == self.practices


@dataclass
class ReportData:
    """What one report run shows: the appraisal, optionally a baseline and their comparison."""

    title: str
    report_date: date
    current: Snapshot
    baseline: Snapshot | None = None
    comparison: "Comparison | None" = None


def check_parameters(values: dict[str, Any]) -> dict[str, Any]:
    """Refuse unknown report parameters and values of the wrong kind; returns them normalized."""
    unknown = sorted(set(values) - set(PARAMETERS))
    if unknown:
        raise ReportParameterError(f"unknown report parameter(s) {', '.join(unknown)}; "
                                   f"allowed: {', '.join(PARAMETERS)}")
    checked: dict[str, Any] = {}
    for name, value in values.items():
        if value is not None and not isinstance(value, PARAMETERS[name]):
            raise ReportParameterError(f"report parameter {name} must be text, got {type(value).__name__}")
        checked[name] = value
    if isinstance(checked.get("report_date"), str):
        checked["report_date"] = parse_report_date(checked["report_date"])
    for name in ("appraisal_path", "baseline_path"):
        if checked.get(name) is not None:
            checked[name] = os.fspath(checked[name])
    return checked


def parse_report_date(text: str) -> date:
    """A report date from ``YYYY-MM-DD`` text."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise ReportParameterError(f"report date must be YYYY-MM-DD, got {text!r}")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ReportParameterError(f"report date {text!r} is not a calendar date") from None


def load_report(appraisal_path: str | os.PathLike, baseline_path: str | None = None, title: str | None = None,
                report_date: str | date | None = None) -> ReportData:
    """Gather the report's data on the appraisal at ``appraisal_path`` (a file or a server URL)."""
    from cmmikit.method.compare import compare

    params = check_parameters({"appraisal_path": appraisal_path, "baseline_path": baseline_path, "title": title,
                               "report_date": report_date})
    today = params["report_date"] or date.today()
    with _synced(params["appraisal_path"]) as appraisal:
        current = read_snapshot(appraisal, today)
        baseline = comparison = None
        if params["baseline_path"] is not None:
            with _synced(params["baseline_path"]) as old:
                baseline = read_snapshot(old, today)
                comparison = compare(old, appraisal, baseline_ratings=baseline.ratings,
                                     current_ratings=current.ratings)
    return ReportData(title=params["title"] or default_title(current.info.name), report_date=today,
                      current=current, baseline=baseline, comparison=comparison)


@contextmanager
def _synced(path: str) -> Iterator["Appraisal"]:
    """A findings-refreshed private copy of the appraisal at ``path``."""
    from cmmikit.method.snapshot import synced_copy
    from cmmikit.store import Appraisal

    with Appraisal.open(path) as original, synced_copy(original) as copy:
        yield copy


def default_title(appraisal_name: str) -> str:
    """The report title when none is given."""
    return f"{appraisal_name}: appraisal report"


def read_snapshot(appraisal: "Appraisal", today: date) -> Snapshot:
    """Everything the report shows, read from an appraisal (a synced copy: see cmmikit.method.snapshot)."""
    from cmmikit.method import findings
    from cmmikit.method.risk import evaluate

    ratings = evaluate(appraisal)   # SCAMPI B/C: an assessment (findings, not ratings)
    return Snapshot(
        file_name=appraisal.path.name, info=appraisal.info(), model=appraisal.model,
        instances=appraisal.instances(), scopes=appraisal.scopes(), assessors=appraisal.assessors(),
        ratings=ratings,
        findings=findings.findings_frame(appraisal, ratings),
        actions=findings.actions_frame(appraisal, today=today),
        action_summary=findings.action_summary(appraisal, today=today),
        evidence=evidence_summary(appraisal),
        practice_decisions=appraisal.practice_decisions(), goal_decisions=appraisal.goal_decisions(),
    )


def characterization_progress(ratings: "Ratings | Assessment") -> Progress:
    """Counts of practices and practice instances characterized, over the PAs in scope."""
    from cmmikit.method.rating import JUDGMENT_OPEN, NOT_YET, RATED

    in_scope = set(ratings.pas.loc[ratings.pas["scope"] == "in_scope", "pa"])
    practices = ratings.practices[ratings.practices["pa"].isin(in_scope)]
    cells = ratings.cells[ratings.cells["pa"].isin(in_scope)]
    return Progress(pas_in_scope=len(in_scope), practices=len(practices),
                    characterized=int((practices["status"] == RATED).sum()),
                    not_yet=int((practices["status"] == NOT_YET).sum()),
                    judgment_open=int((practices["status"] == JUDGMENT_OPEN).sum()),
                    instances=len(cells), instances_characterized=int(cells["characterization"].notna().sum()))


def period_end(info: "AppraisalInfo") -> date | None:
    """The last day of the appraisal period (its start when no end is recorded), or None."""
    for text in (info.end_date, info.start_date):
        try:
            return date.fromisoformat(text.strip())
        except (AttributeError, ValueError):
            continue  # blank or not a date: try the next one
    return None


def date_warning(data: "ReportData") -> str:
    """A warning when the report is dated before the appraisal period ends (empty when it is not)."""
    end = period_end(data.current.info)
    if end is None or data.report_date >= end:
        return ""
    return (f"The report is dated {data.report_date.isoformat()}, before the appraisal period ends "
            f"({end.isoformat()}): the appraisal may not be complete, and actions are counted as overdue on "
            f"{data.report_date.isoformat()}. Check the report date (--date).")
