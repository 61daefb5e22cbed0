"""Real identities and the team's roles.

Revision ID: 0008
Revises: 0007
Adds ``changes.login`` (the login that made a change: on PostgreSQL a trigger fills it from
``session_user``, so ``--user`` only sets the display name beside it; on a file the OS login) and the
``team_roles`` table (login -> lead / assessor of some PAs / reader / revoked), guarded by the freeze
triggers like every other table. The PostgreSQL grants, row-level security policies and the login
trigger are not part of this revision: ``cmmikit.store.roles.install`` (re)creates them after every
upgrade, as the current definitions. Alembic operations only, so it runs on both backends.
"""

import sqlalchemy as sa
from alembic import op

from cmmikit.store.freeze import guard_statements

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("changes") as batch:   # a column added in place: the freeze triggers stay
        batch.add_column(sa.Column("login", sa.Text, nullable=False, server_default=""))
    op.create_table(
        "team_roles",
        sa.Column("login", sa.Text, primary_key=True),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("pas", sa.Text, nullable=False, server_default=""),
        sa.Column("changed_by", sa.Text, nullable=False, server_default=""),
        sa.Column("changed_at", sa.Text, nullable=False, server_default=""),
        sa.CheckConstraint("role IN ('lead', 'assessor', 'reader', 'revoked')"),
    )
    conn = op.get_bind()
    for statement in guard_statements(conn.dialect.name, ["team_roles"]):
        conn.execute(sa.text(statement))


def downgrade() -> None:
    raise NotImplementedError("cmmikit keeps a backup copy instead of downgrading")
