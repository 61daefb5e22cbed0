"""Planning and conducting the appraisal: the sample, evidence requests, interviews, readiness, validation.

Revision ID: 0007
Revises: 0006
Adds the organizational unit's basic units and support functions with their sampling factor values
(``plan_factors``, ``plan_units``, ``plan_unit_values``), the evidence requests of the data collection
plan (``evidence_requests``), the interview schedule (``interviews`` with their PAs and instances), the
readiness reviews with one row per criterion (``readiness_reviews``, ``readiness_checks``) and the
preliminary findings validation (``finding_validations``). New tables only, written with Alembic
operations, so it runs on SQLite and PostgreSQL alike; the new tables get the freeze guards of 0006.
"""

import sqlalchemy as sa
from alembic import op

from cmmikit.store.freeze import guard_statements

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# the names of this revision's tables, children before parents (what a downgrade test drops)
TABLES = ("finding_validations", "readiness_checks", "readiness_reviews", "interview_instances", "interview_pas",
          "interviews", "evidence_requests", "plan_unit_values", "plan_units", "plan_factors")


def _text(name: str, default: str = "") -> sa.Column:
    return sa.Column(name, sa.Text, nullable=False, server_default=sa.text(f"'{default}'"))


def _versioned() -> list[sa.Column]:
    return [sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")),
            _text("updated_by"), _text("updated_at")]


def _cascade(column: str, target: str) -> sa.Column:
    return sa.Column(column, sa.Integer, sa.ForeignKey(target, ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "plan_factors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("relevant", sa.Integer, nullable=False, server_default=sa.text("1")),
        _text("justification"),
        sa.Column("position", sa.Integer, nullable=False),
        *_versioned(),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "plan_units",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        _text("kind", "basic_unit"),
        sa.Column("people", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("sampled", sa.Integer, nullable=False, server_default=sa.text("0")),
        _text("description"),
        sa.Column("position", sa.Integer, nullable=False),
        *_versioned(),
        sa.CheckConstraint("kind IN ('basic_unit', 'support_function')"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "plan_unit_values",
        _cascade("unit_id", "plan_units.id"),
        _cascade("factor_id", "plan_factors.id"),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("unit_id", "factor_id"),
    )
    op.create_table(
        "evidence_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pa", sa.Text, nullable=False),
        sa.Column("practice", sa.Text, nullable=False),
        _cascade("instance_id", "instances.id"),
        sa.Column("asked", sa.Text, nullable=False),
        _text("owner"), _text("due_date"), _text("status", "requested"), _text("reason"),
        sa.Column("artifact_id", sa.Integer, sa.ForeignKey("artifacts.id", ondelete="SET NULL")),
        *_versioned(),
        sa.CheckConstraint("status IN ('requested', 'received', 'reviewed', 'rejected')"),
        sqlite_autoincrement=True,
    )
    op.create_index("evidence_requests_by_cell", "evidence_requests", ["pa", "practice", "instance_id"])
    op.create_table(
        "interviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("held_on", sa.Text, nullable=False),
        _text("starts_at"), _text("roles"), _text("team"), _text("notes"),
        *_versioned(),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "interview_pas",
        _cascade("interview_id", "interviews.id"),
        sa.Column("pa", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("interview_id", "pa"),
    )
    op.create_table(
        "interview_instances",
        _cascade("interview_id", "interviews.id"),
        _cascade("instance_id", "instances.id"),
        sa.PrimaryKeyConstraint("interview_id", "instance_id"),
    )
    op.create_table(
        "readiness_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("held_on", sa.Text, nullable=False),
        _text("decision"), _text("rationale"),
        *_versioned(),
        sa.CheckConstraint("decision IN ('', 'continue', 'replan', 'reschedule', 'cancel')"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "readiness_checks",
        _cascade("review_id", "readiness_reviews.id"),
        sa.Column("criterion", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("met", sa.Integer, nullable=False, server_default=sa.text("0")),
        _text("note"),
        *_versioned(),
        sa.PrimaryKeyConstraint("review_id", "criterion"),
    )
    op.create_table(
        "finding_validations",
        sa.Column("finding_id", sa.Integer, sa.ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True,
                  autoincrement=False),
        sa.Column("outcome", sa.Text, nullable=False),
        _text("comment"), _text("validated_by"),
        *_versioned(),
        sa.CheckConstraint("outcome IN ('validated', 'revised')"),
    )

    conn = op.get_bind()
    for statement in guard_statements(conn.dialect.name, list(TABLES)):
        conn.execute(sa.text(statement))


def downgrade() -> None:
    raise NotImplementedError("cmmikit keeps a backup copy instead of downgrading")
