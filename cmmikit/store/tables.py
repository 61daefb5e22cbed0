"""The appraisal schema as SQLAlchemy Core tables (the same on SQLite and PostgreSQL).

New databases are created from these definitions and stamped with the newest
Alembic revision; older files are brought here by the migrations in
``cmmikit/store/migrations``. Ids come from sequences that never hand out a
number twice (SQLite AUTOINCREMENT, PostgreSQL SERIAL), so a stale id can only
miss, never land on another row. Every editable row carries ``version``
(raised by each change) and who changed it last.
"""

from __future__ import annotations

from sqlalchemy import (CheckConstraint, Column, ForeignKey, Index, Integer, MetaData, PrimaryKeyConstraint, Table,
                        Text, UniqueConstraint, func, text)

metadata = MetaData()
AUTOINCREMENT = {"sqlite_autoincrement": True}


def _text(name: str, *args, default: str | None = "", **kw) -> Column:
    if default is None:
        return Column(name, Text, *args, nullable=kw.pop("nullable", True), **kw)
    return Column(name, Text, *args, nullable=False, server_default=text(f"'{default}'"), **kw)


def _versioned() -> list[Column]:
    return [Column("version", Integer, nullable=False, server_default=text("1")),
            _text("updated_by"), _text("updated_at")]


def _in(column: str, values: tuple[str, ...]) -> CheckConstraint:
    return CheckConstraint(f"{column} IN ({', '.join(repr(v) for v in values)})")


meta = Table("meta", metadata, Column("key", Text, primary_key=True), Column("value", Text, nullable=False))

alembic_version = Table("alembic_version", metadata,
                        Column("version_num", Text, primary_key=True))

appraisal = Table(
    "appraisal", metadata,
    Column("id", Integer, CheckConstraint("id = 1"), primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("model_id", Text, nullable=False),
    _text("model_ref"), _text("org_unit"), _text("appraisal_type", default="SCAMPI A"), _text("sponsor"),
    _text("lead_appraiser"), _text("start_date"), _text("end_date"), _text("description"),
    _text("generation"),
    *_versioned(),
    _text("follow_up_of"),  # the baseline of a follow-up appraisal: "name (location)"
    Column("evidence_max_age_months", Integer, nullable=False, server_default=text("24")),  # older evidence is stale
    _text("scale"),  # the appraisal's own scale (YAML text); blank: its type's scale (cmmikit/scales.py)
)

instances = Table(
    "instances", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("kind", Text, nullable=False),
    _text("subgroup"), _text("description"),
    Column("position", Integer, nullable=False),
    *_versioned(),
    _in("kind", ("basic_unit", "support_function")),
    **AUTOINCREMENT,
)

instance_pas = Table(
    "instance_pas", metadata,
    Column("instance_id", Integer, ForeignKey("instances.id", ondelete="CASCADE"), nullable=False),
    Column("pa", Text, nullable=False),
    PrimaryKeyConstraint("instance_id", "pa"),
)

pa_scope = Table(
    "pa_scope", metadata,
    Column("pa", Text, primary_key=True),
    Column("scope", Text, nullable=False),
    _text("reason"),
    *_versioned(),
    _in("scope", ("in_scope", "not_applicable", "out_of_scope")),
)

assessors = Table(
    "assessors", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    _text("role"),
    *_versioned(),
    **AUTOINCREMENT,
)

assessor_pas = Table(
    "assessor_pas", metadata,
    Column("assessor_id", Integer, ForeignKey("assessors.id", ondelete="CASCADE"), nullable=False),
    Column("pa", Text, nullable=False),
    PrimaryKeyConstraint("assessor_id", "pa"),
)

practice_records = Table(
    "practice_records", metadata,
    Column("pa", Text, nullable=False),
    Column("practice", Text, nullable=False),
    Column("instance_id", Integer, ForeignKey("instances.id", ondelete="CASCADE"), nullable=False),
    _text("characterization", default=None),  # checked against the appraisal's scale in code
    _text("strengths"), _text("weaknesses"), _text("notes"),
    *_versioned(),
    Column("inherited", Integer, nullable=False, server_default=text("0")),  # copied from a baseline, not re-assessed
    PrimaryKeyConstraint("pa", "practice", "instance_id"),
)

artifacts = Table(  # the evidence register: each document, record or tool output once
    "artifacts", metadata,
    Column("id", Integer, primary_key=True),
    Column("title", Text, nullable=False),
    _text("kind", default="direct"),
    _text("location"), _text("owner"), _text("effective_date"), _text("notes"),
    *_versioned(),
    _in("kind", ("direct", "indirect")),
    Index("artifacts_by_title", "location", func.lower(text("title"))),   # the lookup that finds an item again
    **AUTOINCREMENT,
)

affirmations = Table(  # the evidence register: each interview or session once
    "affirmations", metadata,
    Column("id", Integer, primary_key=True),
    Column("title", Text, nullable=False),
    _text("held_on"), _text("roles"), _text("assessor"), _text("location"), _text("notes"),
    *_versioned(),
    Index("affirmations_by_title", "location", func.lower(text("title"))),
    **AUTOINCREMENT,
)

evidence_links = Table(  # a register item supporting one practice in one instance, with what it shows there
    "evidence_links", metadata,
    Column("id", Integer, primary_key=True),
    Column("pa", Text, nullable=False),
    Column("practice", Text, nullable=False),
    Column("instance_id", Integer, ForeignKey("instances.id", ondelete="CASCADE"), nullable=False),
    Column("artifact_id", Integer, ForeignKey("artifacts.id", ondelete="CASCADE")),
    Column("affirmation_id", Integer, ForeignKey("affirmations.id", ondelete="CASCADE")),
    _text("statement"),
    *_versioned(),
    CheckConstraint("(artifact_id IS NULL) <> (affirmation_id IS NULL)"),
    UniqueConstraint("artifact_id", "pa", "practice", "instance_id"),
    UniqueConstraint("affirmation_id", "pa", "practice", "instance_id"),
    Index("evidence_links_by_cell", "pa", "practice", "instance_id"),
    **AUTOINCREMENT,
)

practice_decisions = Table(
    "practice_decisions", metadata,
    Column("pa", Text, nullable=False),
    Column("practice", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("rationale", Text, nullable=False),
    _text("decided_by"),
    Column("decided_at", Text, nullable=False),
    *_versioned(),
    PrimaryKeyConstraint("pa", "practice"),
)

goal_decisions = Table(
    "goal_decisions", metadata,
    Column("pa", Text, nullable=False),
    Column("goal", Text, nullable=False),
    Column("rating", Text, nullable=False),
    Column("rationale", Text, nullable=False),
    _text("decided_by"),
    Column("decided_at", Text, nullable=False),
    *_versioned(),
    PrimaryKeyConstraint("pa", "goal"),
    _in("rating", ("Unsatisfied",)),
)

findings = Table(
    "findings", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("pa", Text, nullable=False),
    Column("goal", Text, nullable=False),
    Column("statement", Text, nullable=False),
    Column("origin", Text, nullable=False),
    _text("source_key"),
    Column("effort", Integer, CheckConstraint("effort BETWEEN 1 AND 5")),
    Column("impact", Integer, CheckConstraint("impact BETWEEN 1 AND 5")),
    _text("status", default="open"),
    Column("merged_into", Integer, ForeignKey("findings.id", ondelete="SET NULL")),
    Column("edited", Integer, nullable=False, server_default=text("0")),
    Column("created_at", Text, nullable=False),
    *_versioned(),
    _in("kind", ("weakness", "strength")),
    _in("origin", ("generated", "manual", "merged")),
    _in("status", ("open", "merged", "dismissed")),
    **AUTOINCREMENT,
)

finding_practices = Table(
    "finding_practices", metadata,
    Column("finding_id", Integer, ForeignKey("findings.id", ondelete="CASCADE"), nullable=False),
    Column("practice", Text, nullable=False),
    PrimaryKeyConstraint("finding_id", "practice"),
)

finding_instances = Table(
    "finding_instances", metadata,
    Column("finding_id", Integer, ForeignKey("findings.id", ondelete="CASCADE"), nullable=False),
    Column("instance_id", Integer, ForeignKey("instances.id", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("finding_id", "instance_id"),
)

actions = Table(
    "actions", metadata,
    Column("id", Integer, primary_key=True),
    Column("finding_id", Integer, ForeignKey("findings.id", ondelete="CASCADE"), nullable=False),
    Column("description", Text, nullable=False),
    _text("owner"), _text("due_date"), _text("status", default="open"),
    Column("created_at", Text, nullable=False),
    *_versioned(),
    _in("status", ("open", "in_progress", "done", "cancelled")),
    **AUTOINCREMENT,
)

responses = Table(
    "responses", metadata,
    Column("id", Integer, primary_key=True),
    Column("instance_id", Integer, ForeignKey("instances.id", ondelete="CASCADE"), nullable=False),
    Column("pa", Text, nullable=False),
    Column("practice", Text, nullable=False),
    Column("question", Integer, nullable=False),
    _text("question_text"),
    Column("answer", Text, nullable=False),
    _text("evidence"), _text("comment"), _text("respondent"), _text("source"),
    Column("imported_at", Text, nullable=False),
    UniqueConstraint("instance_id", "pa", "practice", "question"),
    **AUTOINCREMENT,
)

changes = Table(
    "changes", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Text, nullable=False),
    Column("changed_by", Text, nullable=False),
    Column("entity", Text, nullable=False),
    Column("entity_id", Text, nullable=False, server_default=text("''")),
    _text("pa"), _text("practice"), _text("instance"),
    Column("key", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("old", Text),
    Column("new", Text),
    Index("changes_by_cell", "pa", "practice", "instance"),
    Index("changes_by_practice", "pa", "practice", "entity", "field", "id"),  # newest data change per practice
    _text("login"),   # the database login (PostgreSQL: session_user, set by a trigger) or the OS login
    **AUTOINCREMENT,
)

# -- planning and conducting the appraisal (revision 0007) ---------------------------------------------------

plan_factors = Table(  # the sampling factors: the standard five and the team's own
    "plan_factors", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("relevant", Integer, nullable=False, server_default=text("1")),
    _text("justification"),   # why a factor is not relevant
    Column("position", Integer, nullable=False),
    *_versioned(),
    **AUTOINCREMENT,
)

plan_units = Table(  # the organizational unit's basic units and support functions, sampled or not
    "plan_units", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    _text("kind", default="basic_unit"),
    Column("people", Integer, nullable=False, server_default=text("0")),
    Column("sampled", Integer, nullable=False, server_default=text("0")),
    _text("description"),
    Column("position", Integer, nullable=False),
    *_versioned(),
    _in("kind", ("basic_unit", "support_function")),
    **AUTOINCREMENT,
)

plan_unit_values = Table(  # a unit's value of one sampling factor
    "plan_unit_values", metadata,
    Column("unit_id", Integer, ForeignKey("plan_units.id", ondelete="CASCADE"), nullable=False),
    Column("factor_id", Integer, ForeignKey("plan_factors.id", ondelete="CASCADE"), nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("unit_id", "factor_id"),
)

evidence_requests = Table(  # the data collection plan: what is asked of the organization per cell
    "evidence_requests", metadata,
    Column("id", Integer, primary_key=True),
    Column("pa", Text, nullable=False),
    Column("practice", Text, nullable=False),
    Column("instance_id", Integer, ForeignKey("instances.id", ondelete="CASCADE"), nullable=False),
    Column("asked", Text, nullable=False),
    _text("owner"), _text("due_date"), _text("status", default="requested"), _text("reason"),
    Column("artifact_id", Integer, ForeignKey("artifacts.id", ondelete="SET NULL")),   # the item that answers it
    *_versioned(),
    _in("status", ("requested", "received", "reviewed", "rejected")),
    Index("evidence_requests_by_cell", "pa", "practice", "instance_id"),
    **AUTOINCREMENT,
)

interviews = Table(  # the interview schedule: roles, never names of people interviewed
    "interviews", metadata,
    Column("id", Integer, primary_key=True),
    Column("held_on", Text, nullable=False),
    _text("starts_at"), _text("roles"), _text("team"), _text("notes"),
    *_versioned(),
    **AUTOINCREMENT,
)

interview_pas = Table(
    "interview_pas", metadata,
    Column("interview_id", Integer, ForeignKey("interviews.id", ondelete="CASCADE"), nullable=False),
    Column("pa", Text, nullable=False),
    PrimaryKeyConstraint("interview_id", "pa"),
)

interview_instances = Table(
    "interview_instances", metadata,
    Column("interview_id", Integer, ForeignKey("interviews.id", ondelete="CASCADE"), nullable=False),
    Column("instance_id", Integer, ForeignKey("instances.id", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("interview_id", "instance_id"),
)

readiness_reviews = Table(
    "readiness_reviews", metadata,
    Column("id", Integer, primary_key=True),
    Column("held_on", Text, nullable=False),
    _text("decision"), _text("rationale"),
    *_versioned(),
    _in("decision", ("", "continue", "replan", "reschedule", "cancel")),
    **AUTOINCREMENT,
)

readiness_checks = Table(  # one readiness criterion (cmmikit/data/readiness.yaml) judged in a review
    "readiness_checks", metadata,
    Column("review_id", Integer, ForeignKey("readiness_reviews.id", ondelete="CASCADE"), nullable=False),
    Column("criterion", Text, nullable=False),
    Column("position", Integer, nullable=False, server_default=text("0")),   # the order the criteria were given in
    Column("met", Integer, nullable=False, server_default=text("0")),
    _text("note"),
    *_versioned(),
    PrimaryKeyConstraint("review_id", "criterion"),
)

finding_validations = Table(  # the preliminary findings validation: the team's outcome per finding
    "finding_validations", metadata,
    Column("finding_id", Integer, ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True,
           autoincrement=False),
    Column("outcome", Text, nullable=False),
    _text("comment"), _text("validated_by"),
    *_versioned(),
    _in("outcome", ("validated", "revised")),
)

PLANNING_TABLES = ("plan_factors", "plan_units", "plan_unit_values", "evidence_requests", "interviews",
                   "interview_pas", "interview_instances", "readiness_reviews", "readiness_checks",
                   "finding_validations")

team_roles = Table(  # who may do what (enforced by PostgreSQL; on a file recorded and shown)
    "team_roles", metadata,
    Column("login", Text, primary_key=True),
    Column("role", Text, nullable=False),
    _text("pas"),        # an assessor's process areas, comma-separated
    _text("changed_by"), _text("changed_at"),
    _in("role", ("lead", "assessor", "reader", "revoked")),
)

# the tables a JSON export holds, parents before children
DUMP_TABLES = ("appraisal", "instances", "instance_pas", "pa_scope", "assessors", "assessor_pas",
               "practice_records", "artifacts", "affirmations", "evidence_links", "practice_decisions",
               "goal_decisions", "findings", "finding_practices", "finding_instances", "actions", "responses",
               *PLANNING_TABLES, "changes")
