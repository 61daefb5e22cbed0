"""Freezing the appraisal record: triggers that refuse every change while ``meta.frozen`` exists.

Revision ID: 0006
Revises: 0005
SQLite gets BEFORE INSERT/UPDATE/DELETE triggers per table; PostgreSQL one trigger function in the
appraisal's schema and a row trigger per table (see :mod:`cmmikit.store.freeze`). No table changes.
A later migration that rebuilds a table (SQLite batch mode "move and copy") must install its guards again.
"""

from alembic import op
from sqlalchemy import text

from cmmikit.store.freeze import guard_statements

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# the tables of revision 0005 (a migration never follows the live table list)
TABLES = ["meta", "appraisal", "instances", "instance_pas", "pa_scope", "assessors", "assessor_pas",
          "practice_records", "artifacts", "affirmations", "evidence_links", "practice_decisions",
          "goal_decisions", "findings", "finding_practices", "finding_instances", "actions", "responses", "changes"]


def upgrade() -> None:
    conn = op.get_bind()
    for statement in guard_statements(conn.dialect.name, TABLES):
        conn.execute(text(statement))


def downgrade() -> None:
    raise NotImplementedError("cmmikit keeps a backup copy instead of downgrading")
