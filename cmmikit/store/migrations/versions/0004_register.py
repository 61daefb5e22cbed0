"""Evidence register: artifacts and affirmations registered once and linked to the cells they support.

Revision ID: 0004
Revises: 0003
Runs on SQLite files and PostgreSQL appraisals alike. The ``evidence`` table (one row per item per
cell) becomes ``artifacts``, ``affirmations`` and ``evidence_links`` (see cmmikit/store/legacy_evidence.py:
identical description + location + kind rows become one item linked many times; each link keeps its
evidence id and nothing is lost). The appraisal gains ``evidence_max_age_months`` (default 24), the age
before the appraisal period beyond which evidence is flagged stale. Ids stay never reused: the links
continue the old evidence numbering.
"""

import sqlalchemy as sa
from alembic import op

from cmmikit.store.legacy_evidence import convert

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _text(name: str, default: str = "") -> sa.Column:
    return sa.Column(name, sa.Text, nullable=False, server_default=sa.text(f"'{default}'"))


def _versioned() -> list[sa.Column]:
    return [sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")),
            _text("updated_by"), _text("updated_at")]


def upgrade() -> None:
    conn = op.get_bind()
    with op.batch_alter_table("appraisal", recreate="never") as batch:   # a plain ADD COLUMN keeps its CHECK
        batch.add_column(sa.Column("evidence_max_age_months", sa.Integer, nullable=False,
                                   server_default=sa.text("24")))
    # frozen copies of the new tables at this revision (never import the live definitions in a migration)
    artifacts = op.create_table(
        "artifacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        _text("kind", "direct"), _text("location"), _text("owner"), _text("effective_date"), _text("notes"),
        *_versioned(),
        sa.CheckConstraint("kind IN ('direct', 'indirect')"),
        sqlite_autoincrement=True,
    )
    affirmations = op.create_table(
        "affirmations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        _text("held_on"), _text("roles"), _text("assessor"), _text("location"), _text("notes"),
        *_versioned(),
        sqlite_autoincrement=True,
    )
    links = op.create_table(
        "evidence_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pa", sa.Text, nullable=False),
        sa.Column("practice", sa.Text, nullable=False),
        sa.Column("instance_id", sa.Integer, sa.ForeignKey("instances.id", ondelete="CASCADE"), nullable=False),
        sa.Column("artifact_id", sa.Integer, sa.ForeignKey("artifacts.id", ondelete="CASCADE")),
        sa.Column("affirmation_id", sa.Integer, sa.ForeignKey("affirmations.id", ondelete="CASCADE")),
        _text("statement"),
        *_versioned(),
        sa.CheckConstraint("(artifact_id IS NULL) <> (affirmation_id IS NULL)"),
        sa.UniqueConstraint("artifact_id", "pa", "practice", "instance_id"),
        sa.UniqueConstraint("affirmation_id", "pa", "practice", "instance_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("evidence_links_by_cell", "evidence_links", ["pa", "practice", "instance_id"])
    op.create_index("artifacts_by_title", "artifacts", ["location", sa.text("lower(title)")])
    op.create_index("affirmations_by_title", "affirmations", ["location", sa.text("lower(title)")])

    old = [dict(r) for r in conn.execute(sa.text(
        "SELECT id, pa, practice, instance_id, kind, description, location, who, collected_on, version, "
        "updated_by, updated_at FROM evidence ORDER BY id")).mappings()]
    high_water = _next_id(conn, "evidence")
    new_artifacts, new_affirmations, new_links = convert(old)
    for table, rows in ((artifacts, new_artifacts), (affirmations, new_affirmations), (links, new_links)):
        if rows:
            op.bulk_insert(table, rows)
    op.drop_table("evidence")   # its index goes with it
    _continue_ids(conn, "artifacts", len(new_artifacts) + 1)
    _continue_ids(conn, "affirmations", len(new_affirmations) + 1)
    _continue_ids(conn, "evidence_links", max([high_water, *(r["id"] + 1 for r in new_links)]))


def _next_id(conn, table: str) -> int:
    """The id the table's sequence would hand out next (ids of removed rows are never given again)."""
    if conn.dialect.name == "sqlite":
        seq = conn.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table}).scalar()
    else:
        name = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar()
        last, called = conn.execute(sa.text(f"SELECT last_value, is_called FROM {name}")).one()
        seq = last if called else last - 1
    return (seq or 0) + 1


def _continue_ids(conn, table: str, next_id: int) -> None:
    """Let ``table`` hand out ``next_id`` (or later) as its next id after rows were copied with explicit ids."""
    if next_id <= 1:
        return
    if conn.dialect.name == "sqlite":
        conn.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :t"), {"t": table})
        conn.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :s)"), {"t": table, "s": next_id - 1})
    else:
        conn.execute(sa.text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :s, false)"), {"t": table, "s": next_id})


def downgrade() -> None:
    raise NotImplementedError("cmmikit keeps a backup copy instead of downgrading")
