"""Bring a gap workbook edited in Excel or LibreOffice back into its appraisal (``cmmikit import-xlsx``).

The PA sheets of a workbook written by :mod:`cmmikit.outputs.excel` carry a hidden row key per practice
(:mod:`cmmikit.outputs.gap_keys`): the appraisal it came from, and per unit the record's instance id,
version and the values shown. :func:`read_edits` compares every editable cell (a unit's
characterization; the Strengths, Weaknesses and Notes cells, unit by unit) with what was exported,
wherever the row now is (sorted, filtered). Each edit is then compared with the record as
stored: a cell whose record changed since the export (its version differs *and* the field
no longer holds the exported value) is a conflict and is left alone. :func:`import_xlsx` applies the
rest in one transaction, with the version read in that transaction as each write's base version,
recorded in the change log under the importing user.

Refused, with nothing written: a file that is not a cmmikit gap workbook, one exported from
another appraisal, and any bad value (all are listed, ``Sheet!D14: ...``). Sizes are checked
before the workbook is parsed (:mod:`cmmikit.imports.xlsx_limits`); it is read in read-only mode, and a
formula typed into a text cell is stored as its text.

The key column is hidden, not protected: Excel will not sort a table holding locked cells of a
protected sheet, so protection would cost the sorting users rely on. A key changed by hand is
refused as damaged.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from cmmikit.errors import CmmikitError, ConflictError, ImportProblem, cut, quoted
from cmmikit.imports.xlsx_limits import Limits, XlsxRefused, scan_xlsx
from cmmikit.outputs.gap_keys import (
    KEY_HEADER,
    TEXT_FIELDS,
    TEXT_HEADERS,
    RowKey,
    own_text,
    split_units,
)
from cmmikit.outputs.xlsx_safe import MAX_CELL_TEXT

if TYPE_CHECKING:
    from cmmikit.store import Appraisal, PracticeRecord

# a gap workbook holds every unit as a column and the whole change log: far larger than a questionnaire
GAP_LIMITS = Limits(rows=200_000, columns=2_000, cells=3_000_000, strings=3_000_000, tags=20_000_000,
                    part_bytes=200_000_000, total_bytes=400_000_000, text=1_000_000, total_text=200_000_000)
HEADER_ROWS = 10          # the header row is searched for in the first rows of each sheet
FIELD_LABELS = {"characterization": "characterization", **{f: f for f in TEXT_FIELDS}}


class NotAGapWorkbook(CmmikitError):
    """The file is not a gap workbook exported by cmmikit (or comes from another appraisal); nothing was changed."""


@dataclass(frozen=True)
class CellEdit:
    """One field of one record that the workbook changes: where, what was exported and what it says now."""

    ref: str                 # Sheet!D14
    pa: str
    practice: str
    instance_id: int
    unit: str                # the unit's column header at export
    field: str
    exported: str
    new: str
    version: int             # the record's version at export

    def describe(self) -> str:
        return f"{self.ref}: {self.pa} {self.practice} / {self.unit}: {self.field} {_shown(self.exported)} -> {_shown(self.new)}"


@dataclass(frozen=True)
class Conflict:
    """An edit refused because another session changed the record's field since the export."""

    edit: CellEdit
    stored: str | None       # None: the unit was removed
    changed_by: str = ""
    changed_at: str = ""

    def describe(self) -> str:
        e = self.edit
        now = "the unit was removed" if self.stored is None else (
            f"now {_shown(self.stored)}" + (f" (changed by {self.changed_by}" + (
                f" at {self.changed_at.replace('T', ' ')[:16]} UTC)" if self.changed_at else ")")
                if self.changed_by else ""))
        return (f"{e.ref}: {e.pa} {e.practice} / {e.unit}: {e.field} exported {_shown(e.exported)}, {now}, "
                f"workbook {_shown(e.new)}")


@dataclass
class XlsxPlan:
    """What importing an edited gap workbook changes (``edits``) and refuses (``conflicts``)."""

    source: str
    sheets: list[str] = field(default_factory=list)
    rows: int = 0
    edits: list[tuple[CellEdit, PracticeRecord]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    already: int = 0         # edits the appraisal already holds

    @property
    def records(self) -> int:
        return len({(e.pa, e.practice, e.instance_id) for e, _ in self.edits})

    def summary(self, *, done: bool = False, user: str = "") -> str:
        """The cell-by-cell changes, the conflicts, and what was (or would be) written."""
        lines = [f"{self.source}: {self.rows} row(s) read from {len(self.sheets)} PA sheet(s)"]
        lines += [f"  {edit.describe()}" for edit, _ in self.edits]
        if self.already:
            lines.append(f"  {self.already} edited cell(s) already hold the appraisal's value: nothing to do")
        if self.conflicts:
            lines.append(f"{len(self.conflicts)} cell(s) NOT imported: changed in the appraisal since the export "
                         "(re-export, or make the change in cmmikit):")
            lines += [f"  {c.describe()}" for c in self.conflicts]
        verb = "changed" if done else "would change"
        by = f" as {user}" if done and user else ""
        lines.append(f"{verb} {len(self.edits)} cell(s) in {self.records} practice record(s){by}"
                     if self.edits else "nothing to change")
        return "\n".join(lines)


# ------------------------------------------------------------------ entry point


def import_xlsx(appraisal: Appraisal, path: str | os.PathLike, *, dry_run: bool = False) -> XlsxPlan:
    """Check an edited gap workbook and (unless ``dry_run``) apply its edits in one transaction; returns the plan.

    Conflicting cells are listed in the plan and not applied; bad values refuse the whole workbook.
    """
    source = os.fspath(path)
    edits, sheets, rows = read_edits(appraisal, path)
    if dry_run:
        with appraisal.snapshot():
            return _plan(appraisal, source, edits, sheets, rows)
    try:
        with appraisal.transaction():   # the versions read here are the writes' base versions
            plan = _plan(appraisal, source, edits, sheets, rows)
            apply_plan(appraisal, plan)
    except ConflictError as exc:
        raise CmmikitError(f"{source}: the appraisal changed while importing ({exc}); nothing was imported, "
                           "run the import again") from None
    return plan


def apply_plan(appraisal: Appraisal, plan: XlsxPlan) -> None:
    """Write the plan's edits, record by record, in one transaction (a newer version refuses it all)."""
    grouped: dict[tuple[str, str, str], dict[str, str | None]] = {}
    versions: dict[tuple[str, str, str], int] = {}
    for edit, record in plan.edits:
        key = (edit.pa, edit.practice, record.instance)
        grouped.setdefault(key, {})[edit.field] = edit.new if edit.new or edit.field != "characterization" else None
        versions[key] = record.version
    with appraisal.transaction():
        for (pa, practice, instance), changes in grouped.items():
            appraisal.update_record(pa, practice, instance, base_version=versions[(pa, practice, instance)],
                                    **changes)


def allowed_characterizations(appraisal: Appraisal) -> tuple[str, ...]:
    """The characterization values this appraisal accepts: its scale's (the one place the import asks)."""
    return appraisal.scale.all_values


# ------------------------------------------------------------------ comparing with the stored records


def _plan(appraisal: Appraisal, source: str, edits: list[CellEdit], sheets: list[str], rows: int) -> XlsxPlan:
    from cmmikit.store import PracticeRecord

    plan = XlsxPlan(source, sheets, rows)
    names = {i.id: i.name for i in appraisal.instances()}
    records = {(r.pa, r.practice, r.instance): r for r in appraisal.records()}
    for edit in edits:
        name = names.get(edit.instance_id)
        if name is None:
            plan.conflicts.append(Conflict(edit, None))
            continue
        record = records.get((edit.pa, edit.practice, name)) or PracticeRecord(edit.pa, edit.practice, name)
        stored = _value(record, edit.field)
        if stored == edit.new or (edit.field in TEXT_FIELDS and own_text(edit.unit, stored) == edit.new):
            plan.already += 1
        elif record.version != edit.version and stored != edit.exported:
            plan.conflicts.append(Conflict(edit, stored, record.updated_by, record.updated_at))
        else:
            plan.edits.append((edit, record))
    return plan


def _value(record: PracticeRecord, field_name: str) -> str:
    value = getattr(record, field_name)
    return value or ""


# ------------------------------------------------------------------ reading the workbook


def read_edits(appraisal: Appraisal, path: str | os.PathLike) -> tuple[list[CellEdit], list[str], int]:
    """Every cell the workbook changes against its export: (edits, PA sheets read, rows read).

    Raises :class:`NotAGapWorkbook` (one line) or :class:`~cmmikit.errors.ImportProblem` (every bad value).
    """
    from openpyxl import load_workbook

    source = os.fspath(path)
    try:
        scan = scan_xlsx(path, GAP_LIMITS)
        wb = load_workbook(path, read_only=True, data_only=False)
    except XlsxRefused as exc:
        raise NotAGapWorkbook(f"{source}: {exc}") from None
    except OSError as exc:
        raise NotAGapWorkbook(f"{source}: cannot read: {exc.strerror or exc}") from None
    except Exception as exc:  # noqa: BLE001 (KeyError, InvalidFileException, XML errors: not a readable workbook)
        raise NotAGapWorkbook(f"{source}: not an Excel workbook (.xlsx): {cut(' '.join(str(exc).split()), 100)}"
                              ) from None
    reader = _Reader(appraisal, source)
    try:
        for ws in wb.worksheets:
            reader.sheet(ws, scan.last_rows.get(ws.title) or None)
    finally:
        wb.close()
    return reader.finish()


class _Reader:
    """Reads the PA sheets row by row, collecting edits and problems."""

    def __init__(self, appraisal: Appraisal, source: str):
        self.appraisal, self.source = appraisal, source
        self.allowed = allowed_characterizations(appraisal)
        self.canonical = {value.casefold(): value for value in self.allowed}
        self.practices = {pa.id: {p.id for p in pa.practices} for pa in appraisal.model.process_areas.values()}
        self.edits: list[CellEdit] = []
        self.problems: list[str] = []
        self.sheets: list[str] = []
        self.rows = 0
        self.origins: dict[str, str] = {}             # generation -> appraisal name
        self.seen: dict[tuple[str, str], str] = {}     # (pa, practice) -> the first row's reference

    def sheet(self, ws: Any, last_row: int | None) -> None:
        if not hasattr(ws, "iter_rows"):
            return   # a chart sheet
        rows = ws.iter_rows(max_row=last_row, values_only=True)
        header = None
        for number, values in enumerate(rows, 1):
            if header is None:
                if KEY_HEADER in values:
                    header = {str(v).strip(): col for col, v in enumerate(values) if isinstance(v, str)}
                    self.sheets.append(ws.title)
                elif number >= HEADER_ROWS:
                    return
                continue
            if any(v not in (None, "") for v in values):
                self.rows += 1
                self.row(ws.title, number, header, values)

    def row(self, title: str, number: int, header: dict[str, int], values: tuple) -> None:
        def ref(col: int) -> str:
            from openpyxl.utils import get_column_letter

            sheet = title if re.fullmatch(r"\w+", title) else "'" + title.replace("'", "''") + "'"
            return f"{sheet}!{get_column_letter(col + 1)}{number}"

        def cell(col: int | None) -> Any:
            return values[col] if col is not None and col < len(values) else None

        key_col = header[KEY_HEADER]
        if cell(key_col) in (None, ""):
            self.problems.append(f"{ref(key_col)}: this row has no {KEY_HEADER!r} (added in the workbook? only "
                                 "exported rows are read back; add it in cmmikit, or clear the row)")
            return
        try:
            key = RowKey.decode(cell(key_col))
        except ValueError as exc:
            self.problems.append(f"{ref(key_col)}: {exc} (the hidden column {KEY_HEADER!r}; re-export the workbook)")
            return
        self.origins.setdefault(key.origin.generation, key.origin.name)
        first = self.seen.setdefault((key.pa, key.practice), ref(key_col))
        if first != ref(key_col):
            self.problems.append(f"{ref(key_col)}: {key.pa} {key.practice} appears twice (also {first}); "
                                 "keep one row per practice")
            return
        if key.practice not in self.practices.get(key.pa, ()):
            self.problems.append(f"{ref(key_col)}: {key.pa} {key.practice} is not a practice of model "
                                 f"{self.appraisal.model.id}")
            return
        for unit in key.units:
            col = header.get(unit.header)
            if col is not None:
                self.characterization(ref(col), key, unit, cell(col))
        for name in TEXT_FIELDS:
            col = header.get(TEXT_HEADERS[name])
            if col is not None:
                self.texts(ref(col), key, name, cell(col))

    def characterization(self, where: str, key: RowKey, unit: Any, value: Any) -> None:
        typed = _text(value).strip()
        text = self.canonical.get(typed.casefold(), typed)    # 'li' is LI
        if text == unit.characterization:
            return
        if text and text not in self.allowed:
            self.problems.append(f"{where}: characterization {_shown(_text(value))} is not one of "
                                 f"{', '.join(self.allowed)} (or blank)")
            return
        self.edits.append(CellEdit(where, key.pa, key.practice, unit.instance_id, unit.header, "characterization",
                                   unit.characterization, text, unit.version))

    def texts(self, where: str, key: RowKey, name: str, value: Any) -> None:
        text = _text(value).replace("\r\n", "\n").replace("\r", "\n")
        if key.unchanged(name, text):
            return
        if name in key.read_only:
            self.problems.append(f"{where}: {name} of several units cannot be told apart in this cell (a text was "
                                 "too long, or a line starts with another unit's name); change it in cmmikit")
            return
        if len(text) > MAX_CELL_TEXT:
            self.problems.append(f"{where}: {name} is {len(text)} characters long; a cell holds at most "
                                 f"{MAX_CELL_TEXT}")
            return
        try:
            found = split_units(text, [u.header for u in key.units])
        except ValueError as exc:
            self.problems.append(f"{where}: {name}: {exc}")
            return
        for unit in key.units:
            old = unit.texts.get(name, "")
            new = found.get(unit.header, "")
            if new != own_text(unit.header, old):
                self.edits.append(CellEdit(where, key.pa, key.practice, unit.instance_id, unit.header, name,
                                           old, new, unit.version))

    def finish(self) -> tuple[list[CellEdit], list[str], int]:
        if not self.sheets:
            raise NotAGapWorkbook(f"{self.source}: not a cmmikit gap workbook (no sheet has the hidden "
                                  f"{KEY_HEADER!r} column); export one with 'cmmikit export-xlsx FILE gap.xlsx'")
        mine = self.appraisal.generation
        others = {g: n for g, n in self.origins.items() if g != mine}
        if others:
            here = self.appraisal.info().name
            names = ", ".join(sorted({repr(n) for n in others.values()}))
            again = " (re-created or re-imported since the export)" if set(others.values()) == {here} else ""
            raise NotAGapWorkbook(f"{self.source}: exported from another appraisal ({names}{again}), not from "
                                  f"{here!r} ({self.appraisal.location.display}); nothing was imported")
        if self.problems:
            raise ImportProblem(self.source, self.problems)
        return self.edits, self.sheets, self.rows


def _text(value: Any) -> str:
    """A cell's value as the text it shows (numbers without a trailing .0, dates as ISO dates)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _shown(value: str | None) -> str:
    """A value for a change line: quoted on one line, cut short; '(blank)' for nothing."""
    return quoted(" ".join(value.split()), 50) if value else "(blank)"
