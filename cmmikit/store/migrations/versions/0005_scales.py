"""Characterization scales: the scale an appraisal characterizes its practices on.

Revision ID: 0005
Revises: 0003 (the lead re-chains it after 0004, the evidence register)
Adds ``appraisal.scale``: blank for the scale of the appraisal's type (SCAMPI A and self-appraisals
FI..NI, SCAMPI B low / medium / high risk, SCAMPI C the default C scale), or the YAML text of the
appraisal's own scale (a SCAMPI C team's), so the scale travels with the appraisal. SCAMPI B and C
appraisals written before this revision characterized their practices on FI..NI; those holding any
characterization or team decision keep that scale (a frozen copy of it below), until the team converts
them with an explicit mapping (``cmmikit set-type FILE --type "SCAMPI B" --map FI=low,...``).
Alembic operations only, so it runs on SQLite (batch mode, a column added in place) and PostgreSQL alike.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# the FI..NI scale as cmmikit shipped it at this revision (a migration never reads the live files)
SCAMPI_A_SCALE = """\
# The SCAMPI A v1.3 practice characterizations, kept for a SCAMPI B or C appraisal recorded on them
# before cmmikit had a scale per appraisal type.
id: scampi-a
name: SCAMPI A practice characterizations
description: How far the practice is implemented, judged from artifacts and affirmations.
values:
  - {value: FI, label: FI fully implemented, colour: blue, on_track: true}
  - {value: LI, label: LI largely implemented, colour: sky, on_track: true}
  - {value: PI, label: PI partially implemented, colour: orange}
  - {value: NI, label: NI not implemented, colour: vermillion}
  - {value: NY, label: NY not yet, colour: grey, not_yet: true}
aggregation:
  rule: scampi-a
  team_may_decide: false
"""


def upgrade() -> None:
    with op.batch_alter_table("appraisal") as batch:
        batch.add_column(sa.Column("scale", sa.Text, nullable=False, server_default=""))
    conn = op.get_bind()
    used = conn.execute(sa.text("SELECT EXISTS (SELECT 1 FROM practice_records WHERE characterization IS NOT NULL) "
                                "OR EXISTS (SELECT 1 FROM practice_decisions)")).scalar()
    if used:
        conn.execute(sa.text("UPDATE appraisal SET scale = :scale WHERE appraisal_type IN ('SCAMPI B', 'SCAMPI C')"),
                     {"scale": SCAMPI_A_SCALE})


def downgrade() -> None:
    raise NotImplementedError("cmmikit keeps a backup copy instead of downgrading")
