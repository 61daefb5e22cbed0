"""Follow-up appraisals: which characterizations were inherited from a baseline, and which baseline.

Revision ID: 0003
Revises: 0002
Adds ``practice_records.inherited`` (1 while a record copied from the baseline has not been
re-assessed), ``appraisal.follow_up_of`` (the baseline's name and location) and the index
``changes_by_practice`` that finds the newest data change per practice without reading the
change log's rows (what tells a team decision went stale). Written with
Alembic operations, so it runs on SQLite (batch mode) and PostgreSQL alike; the defaults are plain
strings so that SQLite adds the columns in place (a rebuilt table would lose its unnamed CHECKs).
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("practice_records") as batch:
        batch.add_column(sa.Column("inherited", sa.Integer, nullable=False, server_default="0"))
    with op.batch_alter_table("appraisal") as batch:
        batch.add_column(sa.Column("follow_up_of", sa.Text, nullable=False, server_default=""))
    op.create_index("changes_by_practice", "changes", ["pa", "practice", "entity", "field", "id"])


def downgrade() -> None:
    raise NotImplementedError("cmmikit keeps a backup copy instead of downgrading")
