"""Turning a new appraisal back into one of an older schema revision, to test the upgrades (both backends).

Revision 0004 added the register, 0005 each appraisal's scale, 0007 the planning tables and 0008 roles and logins; 0003 (follow-ups) still held evidence as ``evidence`` rows (one per item per cell); 0002 also
lacked the follow-up columns and the ``changes_by_practice`` index.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from sqlalchemy import create_engine, text

from cmmikit.store.location import parse
from cmmikit.store.roles import UNINSTALL

PLANNING = importlib.import_module("cmmikit.store.migrations.versions.0007_planning").TABLES
BEFORE_0007 = "".join(f"DROP TABLE {name};" for name in PLANNING)   # SQL making a new file one of 0005 or older

# (pa, practice, instance name, kind, description, location, who, collected_on)
EvidenceRow = tuple[str, str, str, str, str, str, str, str]
BEFORE_0003 = ["ALTER TABLE practice_records DROP COLUMN inherited", "ALTER TABLE appraisal DROP COLUMN follow_up_of",
               "DROP INDEX changes_by_practice"]

BEFORE_0008 = ["DROP TABLE team_roles", "ALTER TABLE changes DROP COLUMN login"]   # 0008: roles and logins


def downgrade(location: str, revision: str, evidence: Iterable[EvidenceRow] = (), *, version: int = 1,
              removed: Iterable[int] = ()) -> None:
    """Make the appraisal at ``location`` one of ``revision`` ("0003" or "0002") holding ``evidence`` rows.

    The register is dropped (its items are lost: call this on an appraisal without evidence); the
    rows get ids 1, 2, ... in order and the given ``version``; the ``removed`` ids are deleted again.
    """
    assert revision in ("0002", "0003")
    loc = parse(location)
    ddl = importlib.import_module("cmmikit.store.migrations.versions.0002_team_store").TABLES["evidence"]
    if loc.path is not None:
        engine = create_engine(f"sqlite:///{loc.path}")
    else:
        engine = create_engine(loc.url)
        ddl = ddl.replace("INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT", "SERIAL PRIMARY KEY")
    with engine.begin() as conn:
        if loc.path is None:
            conn.execute(text(f'SET LOCAL search_path TO "{loc.schema}"'))
            for statement in UNINSTALL:   # 0008's functions and policies (re-installed by the upgrade)
                conn.execute(text(statement))
        ids = {name: ident for ident, name in conn.execute(text("SELECT id, name FROM instances"))}
        for table in (*PLANNING, "evidence_links", "artifacts", "affirmations"):   # 0007 planning, 0004 register
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("ALTER TABLE appraisal DROP COLUMN evidence_max_age_months"))
        conn.execute(text("ALTER TABLE appraisal DROP COLUMN scale"))   # 0005: each appraisal's own scale
        for statement in BEFORE_0008:
            conn.execute(text(statement))
        conn.execute(text(ddl))
        conn.execute(text("CREATE INDEX evidence_by_practice ON evidence (pa, practice, instance_id)"))
        for statement in BEFORE_0003 if revision == "0002" else ():
            conn.execute(text(statement))
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
        for pa, practice, unit, kind, description, where, who, when in evidence:
            conn.execute(text("INSERT INTO evidence (pa, practice, instance_id, kind, description, location, who, "
                              "collected_on, version, updated_by) VALUES (:pa, :p, :i, :k, :d, :l, :w, :c, :v, 'ann')"),
                         {"pa": pa, "p": practice, "i": ids[unit], "k": kind, "d": description, "l": where, "w": who,
                          "c": when, "v": version})
        for ident in removed:
            conn.execute(text("DELETE FROM evidence WHERE id = :i"), {"i": ident})
    engine.dispose()
