"""The whole appraisal as plain data (JSON exchange), consistent copies, and the change log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from cmmikit.store import tables as t
from cmmikit.store.core import StoreCore
from cmmikit.store.records import Change

DUMP_FORMAT = "cmmikit-appraisal"
DUMP_VERSION = 7                    # the integer of the schema revision the dump's rows follow (0007: planning)
# not exported: the identity of this copy, and (to keep exports of schema 5) the logins of the change log
PRIVATE_COLUMNS = {"appraisal": {"generation"}, "changes": {"login"}}


def dump_columns(table: str) -> list[str]:
    return [c.name for c in t.metadata.tables[table].columns if c.name not in PRIVATE_COLUMNS.get(table, ())]


class ExchangeStore(StoreCore):
    def dump(self) -> dict[str, Any]:
        """The whole appraisal as plain data (tables as row lists in primary-key order), one snapshot."""
        data = self._head()
        with self.snapshot():
            for name in t.DUMP_TABLES:
                data[name] = list(self._dump_rows(name))
        return data

    def _head(self) -> dict[str, Any]:
        """What a dump says about itself: its format, schema and the model (id, name, version) it follows."""
        model = self.model  # type: ignore[attr-defined]
        stamp = {"id": model.id, "name": model.name, "version": model.version}
        if self.target_level is not None:  # type: ignore[attr-defined]
            stamp["target_level"] = model.target_maturity_level
        return {"format": DUMP_FORMAT, "schema_version": DUMP_VERSION, "model": stamp}

    def _dump_rows(self, name: str) -> Iterator[dict[str, Any]]:
        table = t.metadata.tables[name]
        columns = [table.c[c] for c in dump_columns(name)]
        keys = list(table.primary_key.columns) or columns
        result = self._conn.execute(select(*columns).order_by(*keys)).mappings()  # type: ignore[union-attr]
        for row in result:
            yield dict(row)

    def dump_json(self) -> Iterator[str]:
        """:meth:`dump` as JSON text in pieces (sorted keys, indent 2), one row at a time in memory."""
        with self.snapshot():
            head = self._head()
            keys = sorted([*head, *t.DUMP_TABLES])
            yield "{"
            for n, key in enumerate(keys):
                yield ("," if n else "") + f"\n  {json.dumps(key)}: "
                if key in head:
                    yield json.dumps(head[key], indent=2, sort_keys=True, ensure_ascii=False).replace("\n", "\n  ")
                    continue
                first = True
                for row in self._dump_rows(key):
                    text = json.dumps(row, indent=2, sort_keys=True, ensure_ascii=False).replace("\n", "\n    ")
                    yield ("[\n    " if first else ",\n    ") + text
                    first = False
                yield "[]" if first else "\n  ]"
            yield "\n}\n"

    def history(self, *, pa: str | None = None, practice: str | None = None, instance: str | None = None,
                user: str | None = None, since: str | None = None, entity: str | None = None,
                up_to: int | None = None, after: int | None = None) -> list[Change]:
        """The change log, oldest first, narrowed by PA, practice, instance, user, date (YYYY-MM-DD...),
        the last change id to include or the change id after which to start."""
        c = t.changes.c
        stmt = select(t.changes)
        if up_to is not None:
            stmt = stmt.where(c.id <= up_to)
        if after is not None:
            stmt = stmt.where(c.id > after)
        for column, value in ((c.pa, pa), (c.practice, practice), (c.instance, instance), (c.changed_by, user),
                              (c.entity, entity)):
            if value is not None:
                stmt = stmt.where(column == value)
        if since:
            stmt = stmt.where(c.at >= since)
        return [Change(r["id"], r["at"], r["changed_by"], r["entity"], r["key"], r["field"], r["old"], r["new"],
                       r["pa"], r["practice"], r["instance"], r["login"]) for r in self._rows(stmt.order_by(c.id))]

    def last_change_id(self) -> int:
        """The id of the newest change-log entry (0 for none)."""
        from sqlalchemy import func

        return int(self._scalar(select(func.coalesce(func.max(t.changes.c.id), 0))))

    def last_changes(self, pa: str, practice: str) -> dict[str, Change]:
        """Per instance, the newest change of a practice's record or evidence (for "LI by ravi, 10:42")."""
        latest: dict[str, Change] = {}
        for change in self.history(pa=pa, practice=practice):
            if change.instance:
                latest[change.instance] = change
        return latest
