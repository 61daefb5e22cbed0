"""Team store: row versions and who changed them, ids never reused, the change log, file generation.

Revision ID: 0002
Revises: 0001
Runs on cmmikit 0.1 SQLite files only (PostgreSQL appraisals start at this revision). Each table
is rebuilt with SQLite's documented procedure (create the new table, copy, drop, rename) while
foreign keys are off; every old column is kept. The characterization CHECK goes: the scale is
checked in code, per appraisal type.
"""

import uuid

from alembic import op
from sqlalchemy import inspect

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# frozen copies of the tables at this revision (never import the live definitions in a migration)
TABLES = {
    "meta": """
CREATE TABLE meta (
	"key" TEXT NOT NULL,
	value TEXT NOT NULL,
	PRIMARY KEY ("key")
)""",
    "appraisal": """
CREATE TABLE appraisal (
	id INTEGER NOT NULL CHECK (id = 1),
	name TEXT NOT NULL,
	model_id TEXT NOT NULL,
	model_ref TEXT DEFAULT '' NOT NULL,
	org_unit TEXT DEFAULT '' NOT NULL,
	appraisal_type TEXT DEFAULT 'SCAMPI A' NOT NULL,
	sponsor TEXT DEFAULT '' NOT NULL,
	lead_appraiser TEXT DEFAULT '' NOT NULL,
	start_date TEXT DEFAULT '' NOT NULL,
	end_date TEXT DEFAULT '' NOT NULL,
	description TEXT DEFAULT '' NOT NULL,
	generation TEXT DEFAULT '' NOT NULL,
	version INTEGER DEFAULT 1 NOT NULL,
	updated_by TEXT DEFAULT '' NOT NULL,
	updated_at TEXT DEFAULT '' NOT NULL,
	PRIMARY KEY (id)
)""",
    "instances": """
CREATE TABLE instances (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	name TEXT NOT NULL,
	kind TEXT NOT NULL,
	subgroup TEXT DEFAULT '' NOT NULL,
	description TEXT DEFAULT '' NOT NULL,
	position INTEGER NOT NULL,
	version INTEGER DEFAULT 1 NOT NULL,
	updated_by TEXT DEFAULT '' NOT NULL,
	updated_at TEXT DEFAULT '' NOT NULL,
	CHECK (kind IN ('basic_unit', 'support_function')),
	UNIQUE (name)
)""",
    "instance_pas": """
CREATE TABLE instance_pas (
	instance_id INTEGER NOT NULL,
	pa TEXT NOT NULL,
	PRIMARY KEY (instance_id, pa),
	FOREIGN KEY(instance_id) REFERENCES instances (id) ON DELETE CASCADE
)""",
    "pa_scope": """
CREATE TABLE pa_scope (
	pa TEXT NOT NULL,
	scope TEXT NOT NULL,
	reason TEXT DEFAULT '' NOT NULL,
	version INTEGER DEFAULT 1 NOT NULL,
	updated_by TEXT DEFAULT '' NOT NULL,
	updated_at TEXT DEFAULT '' NOT NULL,
	PRIMARY KEY (pa),
	CHECK (scope IN ('in_scope', 'not_applicable', 'out_of_scope'))
)""",
    "assessors": """
CREATE TABLE assessors (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	name TEXT NOT NULL,
	role TEXT DEFAULT '' NOT NULL,
	version INTEGER DEFAULT 1 NOT NULL,
	updated_by TEXT DEFAULT '' NOT NULL,
	updated_at TEXT DEFAULT '' NOT NULL,
	UNIQUE (name)
)""",
    "assessor_pas": """
CREATE TABLE assessor_pas (
	assessor_id INTEGER NOT NULL,
	pa TEXT NOT NULL,
	PRIMARY KEY (assessor_id, pa),
	FOREIGN KEY(assessor_id) REFERENCES assessors (id) ON DELETE CASCADE
)""",
    "practice_records": """
CREATE TABLE practice_records (
	pa TEXT NOT NULL,
	practice TEXT NOT NULL,
	instance_id INTEGER NOT NULL,
	characterization TEXT,
	strengths TEXT DEFAULT '' NOT NULL,
	weaknesses TEXT DEFAULT '' NOT NULL,
	notes TEXT DEFAULT '' NOT NULL,
	version INTEGER DEFAULT 1 NOT NULL,
	updated_by TEXT DEFAULT '' NOT NULL,
	updated_at TEXT DEFAULT '' NOT NULL,
	PRIMARY KEY (pa, practice, instance_id),
	FOREIGN KEY(instance_id) REFERENCES instances (id) ON DELETE CASCADE
)""",
    "evidence": """
CREATE TABLE evidence (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	pa TEXT NOT NULL,
	practice TEXT NOT NULL,
	instance_id INTEGER NOT NULL,
	kind TEXT NOT NULL,
	description TEXT NOT NULL,
	location TEXT DEFAULT '' NOT NULL,
	who TEXT DEFAULT '' NOT NULL,
	collected_on TEXT DEFAULT '' NOT NULL,
	version INTEGER DEFAULT 1 NOT NULL,
	updated_by TEXT DEFAULT '' NOT NULL,
	updated_at TEXT DEFAULT '' NOT NULL,
	CHECK (kind IN ('artifact', 'affirmation')),
	FOREIGN KEY(instance_id) REFERENCES instances (id) ON DELETE CASCADE
)""",
    "practice_decisions": """
CREATE TABLE practice_decisions (
	pa TEXT NOT NULL,
	practice TEXT NOT NULL,
	value TEXT NOT NULL,
	rationale TEXT NOT NULL,
	decided_by TEXT DEFAULT '' NOT NULL,
	decided_at TEXT NOT NULL,
	version INTEGER DEFAULT 1 NOT NULL,
	updated_by TEXT DEFAULT '' NOT NULL,
	updated_at TEXT DEFAULT '' NOT NULL,
	PRIMARY KEY (pa, practice)
)""",
    "goal_decisions": """
CREATE TABLE goal_decisions (
	pa TEXT NOT NULL,
	goal TEXT NOT NULL,
	rating TEXT NOT NULL,
	rationale TEXT NOT NULL,
	decided_by TEXT DEFAULT '' NOT NULL,
	decided_at TEXT NOT NULL,
	version INTEGER DEFAULT 1 NOT NULL,
	updated_by TEXT DEFAULT '' NOT NULL,
	updated_at TEXT DEFAULT '' NOT NULL,
	PRIMARY KEY (pa, goal),
	CHECK (rating IN ('Unsatisfied'))
)""",
    "findings": """
CREATE TABLE findings (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	kind TEXT NOT NULL,
	pa TEXT NOT NULL,
	goal TEXT NOT NULL,
	statement TEXT NOT NULL,
	origin TEXT NOT NULL,
	source_key TEXT DEFAULT '' NOT NULL,
	effort INTEGER CHECK (effort BETWEEN 1 AND 5),
	impact INTEGER CHECK (impact BETWEEN 1 AND 5),
	status TEXT DEFAULT 'open' NOT NULL,
	merged_into INTEGER,
	edited INTEGER DEFAULT 0 NOT NULL,
	created_at TEXT NOT NULL,
	version INTEGER DEFAULT 1 NOT NULL,
	updated_by TEXT DEFAULT '' NOT NULL,
	updated_at TEXT DEFAULT '' NOT NULL,
	CHECK (kind IN ('weakness', 'strength')),
	CHECK (origin IN ('generated', 'manual', 'merged')),
	CHECK (status IN ('open', 'merged', 'dismissed')),
	FOREIGN KEY(merged_into) REFERENCES findings (id) ON DELETE SET NULL
)""",
    "finding_practices": """
CREATE TABLE finding_practices (
	finding_id INTEGER NOT NULL,
	practice TEXT NOT NULL,
	PRIMARY KEY (finding_id, practice),
	FOREIGN KEY(finding_id) REFERENCES findings (id) ON DELETE CASCADE
)""",
    "finding_instances": """
CREATE TABLE finding_instances (
	finding_id INTEGER NOT NULL,
	instance_id INTEGER NOT NULL,
	PRIMARY KEY (finding_id, instance_id),
	FOREIGN KEY(finding_id) REFERENCES findings (id) ON DELETE CASCADE,
	FOREIGN KEY(instance_id) REFERENCES instances (id) ON DELETE CASCADE
)""",
    "actions": """
CREATE TABLE actions (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	finding_id INTEGER NOT NULL,
	description TEXT NOT NULL,
	owner TEXT DEFAULT '' NOT NULL,
	due_date TEXT DEFAULT '' NOT NULL,
	status TEXT DEFAULT 'open' NOT NULL,
	created_at TEXT NOT NULL,
	version INTEGER DEFAULT 1 NOT NULL,
	updated_by TEXT DEFAULT '' NOT NULL,
	updated_at TEXT DEFAULT '' NOT NULL,
	CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
	FOREIGN KEY(finding_id) REFERENCES findings (id) ON DELETE CASCADE
)""",
    "responses": """
CREATE TABLE responses (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	instance_id INTEGER NOT NULL,
	pa TEXT NOT NULL,
	practice TEXT NOT NULL,
	question INTEGER NOT NULL,
	question_text TEXT DEFAULT '' NOT NULL,
	answer TEXT NOT NULL,
	evidence TEXT DEFAULT '' NOT NULL,
	comment TEXT DEFAULT '' NOT NULL,
	respondent TEXT DEFAULT '' NOT NULL,
	source TEXT DEFAULT '' NOT NULL,
	imported_at TEXT NOT NULL,
	UNIQUE (instance_id, pa, practice, question),
	FOREIGN KEY(instance_id) REFERENCES instances (id) ON DELETE CASCADE
)""",
}
CHANGES = """
CREATE TABLE changes (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	at TEXT NOT NULL,
	changed_by TEXT NOT NULL,
	entity TEXT NOT NULL,
	entity_id TEXT DEFAULT '' NOT NULL,
	pa TEXT DEFAULT '' NOT NULL,
	practice TEXT DEFAULT '' NOT NULL,
	instance TEXT DEFAULT '' NOT NULL,
	"key" TEXT NOT NULL,
	field TEXT NOT NULL,
	old TEXT,
	new TEXT
)"""
INDEXES = ['CREATE INDEX evidence_by_practice ON evidence (pa, practice, instance_id)', 'CREATE INDEX changes_by_cell ON changes (pa, practice, instance)']


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        raise RuntimeError("revision 0002 upgrades cmmikit 0.1 SQLite files only")
    op.execute("DROP INDEX IF EXISTS evidence_by_practice")
    for name, ddl in TABLES.items():
        old = [c["name"] for c in inspect(conn).get_columns(name)]
        op.execute(ddl.replace(f"CREATE TABLE {name} (", f"CREATE TABLE _new_{name} (", 1))
        columns = ", ".join(old)
        op.execute(f"INSERT INTO _new_{name} ({columns}) SELECT {columns} FROM {name}")
        op.execute(f"DROP TABLE {name}")
        op.execute(f"ALTER TABLE _new_{name} RENAME TO {name}")
    op.execute(CHANGES)
    for statement in INDEXES:
        op.execute(statement)
    op.execute(f"UPDATE appraisal SET generation = '{uuid.uuid4().hex}'")
    op.execute("DELETE FROM meta WHERE key = 'schema_version'")


def downgrade() -> None:
    raise NotImplementedError("cmmikit keeps a backup copy instead of downgrading")
