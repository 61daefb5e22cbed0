"""What the store hands out: frozen records, each with the version it was read at, and the allowed values."""

from __future__ import annotations

from dataclasses import dataclass

CHARACTERIZATIONS = ("FI", "LI", "PI", "NI", "NY")
INSTANCE_KINDS = ("basic_unit", "support_function")
SCOPES = ("in_scope", "not_applicable", "out_of_scope")
APPRAISAL_TYPES = ("SCAMPI A", "SCAMPI B", "SCAMPI C", "Self-appraisal")
EVIDENCE_KINDS = ("artifact", "affirmation")
FINDING_KINDS = ("weakness", "strength")
FINDING_ORIGINS = ("generated", "manual", "merged")
FINDING_STATUSES = ("open", "merged", "dismissed")
ACTION_STATUSES = ("open", "in_progress", "done", "cancelled")


@dataclass(frozen=True)
class AppraisalInfo:
    name: str
    model_id: str
    model_ref: str = ""
    org_unit: str = ""
    appraisal_type: str = "SCAMPI A"
    sponsor: str = ""
    lead_appraiser: str = ""
    start_date: str = ""
    end_date: str = ""
    description: str = ""
    version: int = 0
    follow_up_of: str = ""     # a follow-up appraisal: its baseline, "name (location)"


@dataclass(frozen=True)
class Instance:
    name: str
    kind: str
    subgroup: str
    description: str
    pas: tuple[str, ...]
    id: int = 0
    version: int = 0


@dataclass(frozen=True)
class Scope:
    pa: str
    scope: str
    reason: str
    version: int = 0


@dataclass(frozen=True)
class Assessor:
    name: str
    role: str
    pas: tuple[str, ...]
    version: int = 0


@dataclass(frozen=True)
class PracticeRecord:
    """One practice in one instance. ``version`` 0 means nothing is stored yet.

    ``inherited``: copied from the baseline of a follow-up appraisal and not re-assessed since
    (an edit or :meth:`~cmmikit.store.Appraisal.confirm_record` clears it).
    """

    pa: str
    practice: str
    instance: str
    characterization: str | None = None
    strengths: str = ""
    weaknesses: str = ""
    notes: str = ""
    version: int = 0
    updated_by: str = ""
    updated_at: str = ""
    inherited: bool = False


@dataclass(frozen=True)
class Evidence:
    id: int
    pa: str
    practice: str
    instance: str
    kind: str
    description: str
    location: str = ""
    who: str = ""
    collected_on: str = ""
    version: int = 0


@dataclass(frozen=True)
class PracticeDecision:
    pa: str
    practice: str
    value: str
    rationale: str
    decided_by: str = ""
    decided_at: str = ""
    version: int = 0


@dataclass(frozen=True)
class GoalDecision:
    pa: str
    goal: str
    rating: str
    rationale: str
    decided_by: str = ""
    decided_at: str = ""
    version: int = 0


@dataclass(frozen=True)
class Finding:
    id: int
    kind: str
    pa: str
    goal: str
    statement: str
    origin: str
    practices: tuple[str, ...] = ()
    instances: tuple[str, ...] = ()
    source_key: str = ""
    effort: int | None = None
    impact: int | None = None
    status: str = "open"
    merged_into: int | None = None
    edited: bool = False
    version: int = 0


@dataclass(frozen=True)
class Action:
    id: int
    finding_id: int
    description: str
    owner: str = ""
    due_date: str = ""
    status: str = "open"
    version: int = 0


@dataclass(frozen=True)
class Response:
    instance: str
    pa: str
    practice: str
    question: int
    answer: str
    question_text: str = ""
    evidence: str = ""
    comment: str = ""
    respondent: str = ""
    source: str = ""


@dataclass(frozen=True)
class Change:
    """One line of the change log: who changed which field of what, from what to what."""

    id: int
    at: str
    user: str
    entity: str
    key: str
    field: str
    old: str | None
    new: str | None
    pa: str = ""
    practice: str = ""
    instance: str = ""
