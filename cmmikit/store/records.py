"""What the store hands out: frozen records, each with the version it was read at, and the allowed values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

CHARACTERIZATIONS = ("FI", "LI", "PI", "NI", "NY")
INSTANCE_KINDS = ("basic_unit", "support_function")
SCOPES = ("in_scope", "not_applicable", "out_of_scope")
APPRAISAL_TYPES = ("SCAMPI A", "SCAMPI B", "SCAMPI C", "Self-appraisal")
EVIDENCE_KINDS = ("artifact", "affirmation")
ARTIFACT_KINDS = ("direct", "indirect")
REGISTER_KINDS = ("direct", "indirect", "affirmation")   # what a register entry can be
REGISTER_KIND_LABELS = {"direct": "direct artifact", "indirect": "indirect artifact", "affirmation": "affirmation"}
DEFAULT_EVIDENCE_MAX_AGE = 24                              # months before the appraisal period
FINDING_KINDS = ("weakness", "strength")
FINDING_ORIGINS = ("generated", "manual", "merged")
FINDING_STATUSES = ("open", "merged", "dismissed")
ACTION_STATUSES = ("open", "in_progress", "done", "cancelled")


def register_id(kind: str, ident: int) -> str:
    """A register item's id as people see it: ART-7 (artifact 7) or AFF-3 (affirmation 3); each kind counts apart."""
    return f"{'AFF' if kind == 'affirmation' else 'ART'}-{ident}"


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
    evidence_max_age_months: int = DEFAULT_EVIDENCE_MAX_AGE
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


class Cell(NamedTuple):
    """One practice in one basic unit or support function."""

    pa: str
    practice: str
    instance: str


@dataclass(frozen=True)
class Evidence:
    """One register item as it supports one cell (a link), in the shape of earlier releases' evidence rows.

    ``id`` is the link's id; ``kind`` is artifact or affirmation; ``description``, ``location``,
    ``who`` (owner or roles) and ``collected_on`` (effective date or session date) are the item's, and
    ``version`` is the item's version (what ``update_evidence`` checks). ``item_id``, ``artifact_kind``
    (direct/indirect), the link's ``statement`` and ``link_version`` come from the register.
    """

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
    item_id: int = 0
    artifact_kind: str = ""
    statement: str = ""
    link_version: int = 0
    stale: bool = False

    @property
    def register_id(self) -> str:
        return register_id(self.kind, self.item_id)

    @property
    def register_kind(self) -> str:
        """direct, indirect or affirmation."""
        return self.artifact_kind or "direct" if self.kind == "artifact" else "affirmation"

    @property
    def kind_label(self) -> str:
        """direct artifact, indirect artifact or affirmation."""
        return REGISTER_KIND_LABELS[self.register_kind]


@dataclass(frozen=True)
class Link:
    """A register item's link to one cell, with what the item shows there."""

    id: int
    pa: str
    practice: str
    instance: str
    statement: str = ""
    version: int = 0

    @property
    def cell(self) -> Cell:
        return Cell(self.pa, self.practice, self.instance)


class _RegisterEntry:
    """What artifacts and affirmations share: their links, the cells they support, the reuse count."""

    links: tuple[Link, ...]

    @property
    def cells(self) -> tuple[Cell, ...]:
        return tuple(link.cell for link in self.links)

    @property
    def reuse(self) -> int:
        """How many cells it supports."""
        return len(self.links)

    @property
    def register_id(self) -> str:
        return register_id(self.kind, self.id)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Artifact(_RegisterEntry):
    """A register entry for a document, record or tool output (a direct or an indirect artifact)."""

    id: int
    title: str
    kind: str = "direct"
    location: str = ""
    owner: str = ""
    effective_date: str = ""
    notes: str = ""
    version: int = 0
    updated_by: str = ""
    updated_at: str = ""
    links: tuple[Link, ...] = ()
    stale: bool = False

    @property
    def date(self) -> str:
        return self.effective_date


@dataclass(frozen=True)
class Affirmation(_RegisterEntry):
    """A register entry for an interview or session (its date, the roles interviewed, the assessor).

    It is linked to every cell it speaks to; what was affirmed about a cell is the link's statement.
    """

    id: int
    title: str
    held_on: str = ""
    roles: str = ""
    assessor: str = ""
    location: str = ""
    notes: str = ""
    version: int = 0
    updated_by: str = ""
    updated_at: str = ""
    links: tuple[Link, ...] = ()
    stale: bool = False
    kind = "affirmation"

    @property
    def date(self) -> str:
        return self.held_on


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
    login: str = ""      # the database login that wrote it (PostgreSQL: session_user) or the OS login

