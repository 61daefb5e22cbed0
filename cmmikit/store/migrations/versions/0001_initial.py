"""The schema of cmmikit 0.1 appraisal files (plain sqlite3, before Alembic).

Revision ID: 0001
Revises:
Files of that release carry ``meta.schema_version = 1`` and are stamped with this
revision before they are upgraded; new databases never start here.
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE appraisal (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    model_id TEXT NOT NULL,
    model_ref TEXT NOT NULL DEFAULT '',
    org_unit TEXT NOT NULL DEFAULT '',
    appraisal_type TEXT NOT NULL DEFAULT 'SCAMPI A',
    sponsor TEXT NOT NULL DEFAULT '',
    lead_appraiser TEXT NOT NULL DEFAULT '',
    start_date TEXT NOT NULL DEFAULT '',
    end_date TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT ''
);
CREATE TABLE instances (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('basic_unit', 'support_function')),
    subgroup TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL
);
CREATE TABLE instance_pas (
    instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    pa TEXT NOT NULL,
    PRIMARY KEY (instance_id, pa)
);
CREATE TABLE pa_scope (
    pa TEXT PRIMARY KEY,
    scope TEXT NOT NULL CHECK (scope IN ('in_scope', 'not_applicable', 'out_of_scope')),
    reason TEXT NOT NULL DEFAULT ''
);
CREATE TABLE assessors (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL DEFAULT ''
);
CREATE TABLE assessor_pas (
    assessor_id INTEGER NOT NULL REFERENCES assessors(id) ON DELETE CASCADE,
    pa TEXT NOT NULL,
    PRIMARY KEY (assessor_id, pa)
);
CREATE TABLE practice_records (
    pa TEXT NOT NULL,
    practice TEXT NOT NULL,
    instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    characterization TEXT CHECK (characterization IN ('FI', 'LI', 'PI', 'NI', 'NY')),
    strengths TEXT NOT NULL DEFAULT '',
    weaknesses TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (pa, practice, instance_id)
);
CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    pa TEXT NOT NULL,
    practice TEXT NOT NULL,
    instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('artifact', 'affirmation')),
    description TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    who TEXT NOT NULL DEFAULT '',
    collected_on TEXT NOT NULL DEFAULT ''
);
CREATE INDEX evidence_by_practice ON evidence (pa, practice, instance_id);
CREATE TABLE practice_decisions (
    pa TEXT NOT NULL,
    practice TEXT NOT NULL,
    value TEXT NOT NULL CHECK (value IN ('FI', 'LI', 'PI', 'NI')),
    rationale TEXT NOT NULL,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL,
    PRIMARY KEY (pa, practice)
);
CREATE TABLE goal_decisions (
    pa TEXT NOT NULL,
    goal TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('Unsatisfied')),
    rationale TEXT NOT NULL,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL,
    PRIMARY KEY (pa, goal)
);
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('weakness', 'strength')),
    pa TEXT NOT NULL,
    goal TEXT NOT NULL,
    statement TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('generated', 'manual', 'merged')),
    source_key TEXT NOT NULL DEFAULT '',
    effort INTEGER CHECK (effort BETWEEN 1 AND 5),
    impact INTEGER CHECK (impact BETWEEN 1 AND 5),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'merged', 'dismissed')),
    merged_into INTEGER REFERENCES findings(id) ON DELETE SET NULL,
    edited INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE finding_practices (
    finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
    practice TEXT NOT NULL,
    PRIMARY KEY (finding_id, practice)
);
CREATE TABLE finding_instances (
    finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
    instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    PRIMARY KEY (finding_id, instance_id)
);
CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    due_date TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE responses (
    id INTEGER PRIMARY KEY,
    instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    pa TEXT NOT NULL,
    practice TEXT NOT NULL,
    question INTEGER NOT NULL,
    question_text TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL,
    evidence TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    respondent TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    imported_at TEXT NOT NULL,
    UNIQUE (instance_id, pa, practice, question)
);
"""


def upgrade() -> None:
    for statement in filter(str.strip, SCHEMA.split(";")):
        op.execute(statement)
    op.execute("INSERT INTO meta VALUES ('application', 'cmmikit')")


def downgrade() -> None:
    raise NotImplementedError("cmmikit keeps a backup copy instead of downgrading")
