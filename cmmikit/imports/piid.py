"""Import a team's PIID workbook: one row per practice per instance, with its evidence and characterization.

Columns are found by their headers (case and spacing aside) in the first rows of each sheet:
``PA``, ``Practice`` (``SP 1.1``, ``GP 2.2``, or ``REQM SP 1.1`` without a PA column), ``Instance``,
``Direct Artifact``, ``Indirect Artifact``, ``Location``, ``Affirmation``, ``Characterization``
(FI/LI/PI/NI/NY, the full names, or blank), ``Strengths``, ``Weaknesses``, ``Notes``. Only Practice and
Instance are required; a mapping file renames them (``columns: {Practice: "Practice ID"}``). A sheet
named after a PA supplies the PA of rows that give none; merged cells count for every cell they cover.

A cell may list several artifacts or affirmations, one per line or separated by ``;``. The Location
cell gives one location for all the row's artifacts or one per artifact (direct ones first), or a
hyperlink. The same artifact (title, case and spacing aside, and location) in many rows is registered
once and linked to each row's cell; items already in the register are reused. Blank characterization,
strengths, weaknesses and notes leave what is stored alone.

All or nothing: the whole workbook is checked first and every problem is listed by cell
(``SD!B14: practice 'SP 9.9' is not in SD``); nothing is written unless every row is valid. Then all
changes go to the appraisal in one transaction, recorded in the change log under the importing user.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from cmmikit.errors import ImportProblem
from cmmikit.imports.xlsx_limits import Limits, XlsxRefused, XlsxScan, scan_xlsx
from cmmikit.outputs.xlsx_safe import cell_text
from cmmikit.store import CHARACTERIZATIONS, Cell
from cmmikit.store.register import item_key

if TYPE_CHECKING:
    from cmmikit.store import Appraisal

HEADERS = {"pa": "PA", "practice": "Practice", "instance": "Instance", "direct": "Direct Artifact",
           "indirect": "Indirect Artifact", "location": "Location", "affirmation": "Affirmation",
           "characterization": "Characterization", "strengths": "Strengths", "weaknesses": "Weaknesses",
           "notes": "Notes"}
REQUIRED = ("practice", "instance")
TEXT_FIELDS = ("strengths", "weaknesses", "notes")
CHARACTERIZATION_NAMES = {"fully implemented": "FI", "largely implemented": "LI", "partially implemented": "PI",
                          "not implemented": "NI", "not yet": "NY", "not yet implemented": "NY"}
HEADER_ROWS = 20                  # the header row is looked for in this many rows at the top of a sheet
MAX_FILE_BYTES = 50 * 2**20       # a PIID workbook is checked against these before it is parsed
MAX_UNPACKED_BYTES = 400 * 2**20
MAX_ROWS = 200_000
PIID_LIMITS = Limits(file_bytes=MAX_FILE_BYTES, part_bytes=MAX_UNPACKED_BYTES, total_bytes=MAX_UNPACKED_BYTES,
                     rows=MAX_ROWS, columns=500, cells=3_000_000, strings=3_000_000, tags=30_000_000,
                     total_text=200_000_000)   # one cell or string: Excel's own 32,767 characters
MAX_PROBLEMS = 500
_PRACTICE = re.compile(r"(?:(?P<pa>[A-Za-z]{2,6})\s*[-:]?\s+)?(?P<type>SP|GP)\s*(?P<number>\d+\s*\.\s*\d+)",
                       re.IGNORECASE)
_SPLIT = re.compile(r"[;\n\r]+")


@dataclass
class PlannedItem:
    """An artifact or affirmation the workbook names: new, or already in the register (``existing_id``)."""

    kind: str                     # direct, indirect or affirmation
    title: str
    location: str
    first_seen: str               # the cell where it first appears
    existing_id: int | None = None
    existing_version: int = 0
    kind_was: str = ""            # a registered artifact the workbook re-marks direct <-> indirect
    cells: list[Cell] = field(default_factory=list)

    @property
    def entity(self) -> str:
        return "affirmation" if self.kind == "affirmation" else "artifact"


@dataclass
class RecordChange:
    cell: Cell
    changes: dict[str, str | None]
    old: dict[str, str | None]
    base_version: int


@dataclass
class PiidPlan:
    """What importing a PIID workbook changes; :func:`apply_piid` carries it out."""

    source: str
    sheets: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)      # sheets without a header row (when reading all)
    rows: int = 0
    new_units: dict[str, list[str]] = field(default_factory=dict)
    items: dict[tuple[str, tuple[str, str]], PlannedItem] = field(default_factory=dict)
    links: list[tuple[tuple[str, tuple[str, str]], Cell]] = field(default_factory=list)
    records: list[RecordChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.new_units or self.links or self.records or any(i.kind_was for i in self.items.values()))

    def summary(self, *, done: bool = False) -> str:
        """What would change, one line per unit, register entry and practice record; ``done``: the counts."""
        verb = (lambda past, _: past) if done else (lambda _, future: future)
        lines = [f"{self.source}: {self.rows} row(s) read from {len(self.sheets)} sheet(s) ({', '.join(self.sheets)})"]
        if self.skipped:
            lines.append(f"  skipped (no header row with Practice and Instance): {', '.join(self.skipped)}")
        if self.empty:
            lines.append("  nothing to change: the appraisal already holds everything in the workbook")
            return "\n".join(lines)
        for name, pas in self.new_units.items():
            lines.append(f"{verb('added', 'would add')} basic unit {name!r} (sampled for {', '.join(pas)})")
        new = [i for i in self.items.values() if i.existing_id is None]
        reused = [i for i in self.items.values() if i.existing_id is not None and i.cells]
        lines.append(f"{verb('registered', 'would register')} {sum(i.entity == 'artifact' for i in new)} "
                     f"artifact(s) and {sum(i.entity == 'affirmation' for i in new)} affirmation(s), "
                     f"{verb('reused', 'would reuse')} {len(reused)} already registered; "
                     f"{verb('added', 'would add')} {len(self.links)} evidence link(s)")
        for item in sorted(self.items.values(), key=lambda i: (i.entity == 'affirmation', i.title.casefold())) if not done else ():
            if not item.cells and not item.kind_was:
                continue
            state = "new" if item.existing_id is None else f"{item.entity} {item.existing_id}"
            if item.kind_was:
                state += f", {item.kind_was} -> {item.kind}"
            where = f" at {item.location}" if item.location else ""
            kind = item.kind if item.entity == "affirmation" else f"{item.kind} artifact"
            lines.append(f"  {kind} {item.title!r}{where} ({state}): +{len(item.cells)} cell(s)")
        lines.append(f"{verb('changed', 'would change')} {len(self.records)} practice record(s)")
        if done:
            lines.append("('cmmikit history FILE --user NAME' lists every change)")
        for change in self.records if not done else ():
            parts = [f"{name} {_shown(change.old.get(name))} -> {_shown(value)}" for name, value in change.changes.items()]
            lines.append(f"  {change.cell.pa} {change.cell.practice} / {change.cell.instance}: {'; '.join(parts)}")
        return "\n".join(lines)


def read_mapping(path: str | os.PathLike) -> dict[str, str]:
    """Column headers from a mapping file (``columns: {Practice: "Practice ID", ...}``), by field."""
    source = str(path)
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ImportProblem(source, [f"cannot read: {exc.strerror or exc}"]) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ImportProblem(source, [f"not valid YAML ({' '.join(str(exc).split())})"]) from None
    if not isinstance(raw, dict) or set(raw) - {"columns"} or not isinstance(raw.get("columns"), dict):
        raise ImportProblem(source, ["expected one key 'columns' mapping default headers to this workbook's, "
                                     "e.g. columns: {Practice: Practice ID}"])
    by_header = {_norm(header): name for name, header in HEADERS.items()}
    columns, problems = {}, []
    for key, value in raw["columns"].items():
        name = by_header.get(_norm(key))
        if name is None:
            problems.append(f"columns.{key}: not a PIID column (known: {', '.join(HEADERS.values())})")
        elif not isinstance(value, (str, int)) or not str(value).strip():
            problems.append(f"columns.{key}: must be the column header in the workbook")
        else:
            columns[name] = str(value).strip()
    if problems:
        raise ImportProblem(source, problems)
    return columns


def plan_piid(appraisal: "Appraisal", path: str | os.PathLike, *, columns: dict[str, str] | None = None,
              sheet: str | None = None, add_units: bool = False) -> PiidPlan:
    """Read and check a PIID workbook against the appraisal; what importing it would change.

    Raises :class:`ImportProblem` listing every problem (``Sheet!C14: ...``) when any row is invalid.
    """
    path = Path(path)
    source = str(path)
    scan = _scan(path, source)
    workbook = _load(path, source)
    try:
        names = [sheet] if sheet is not None else list(workbook.sheetnames)
        if sheet is not None and sheet not in workbook.sheetnames:
            raise ImportProblem(source, [f"no sheet named {sheet!r} (sheets: {', '.join(workbook.sheetnames)})"])
        with appraisal.snapshot():
            reader = _Reader(appraisal, PiidPlan(path.name), {**HEADERS, **(columns or {})}, add_units)
        for name in names:
            reader.read_sheet(workbook[name], required=sheet is not None, uncached=scan.uncached.get(name, ()))
    finally:
        workbook.close()
    if not reader.plan.sheets and not reader.problems:
        wanted = " and ".join(repr(reader.headers[n]) for n in REQUIRED)
        reader.problems.append(f"no sheet has a header row with {wanted} in its first {HEADER_ROWS} rows")
    if reader.problems:
        raise ImportProblem(source, reader.problems)
    return reader.finish()


def apply_piid(appraisal: "Appraisal", plan: PiidPlan) -> None:
    """Make the planned changes in one transaction (a record changed meanwhile stops it: ConflictError)."""
    with appraisal.transaction():
        for name, pas in plan.new_units.items():
            appraisal.add_instance(name, "basic_unit", pas=pas)
        ids = {}
        for key, item in plan.items.items():
            if item.existing_id is not None:
                ids[key] = item.existing_id
                if item.kind_was:
                    appraisal.update_artifact(item.existing_id, kind=item.kind, base_version=item.existing_version)
            elif item.kind == "affirmation":
                ids[key] = appraisal.add_affirmation(item.title, location=item.location)
            else:
                ids[key] = appraisal.add_artifact(item.title, item.kind, location=item.location)
        appraisal.link_many((key[0], ids[key], *cell) for key, cell in plan.links)
        for change in plan.records:
            appraisal.update_record(*change.cell, base_version=change.base_version, **change.changes)


def import_piid(appraisal: "Appraisal", path: str | os.PathLike, *, mapping: str | os.PathLike | None = None,
                sheet: str | None = None, add_units: bool = False, dry_run: bool = False) -> PiidPlan:
    """Check a PIID workbook and (unless ``dry_run``) import it, all or nothing; returns the plan."""
    columns = read_mapping(mapping) if mapping is not None else None
    plan = plan_piid(appraisal, path, columns=columns, sheet=sheet, add_units=add_units)
    if not dry_run and not plan.empty:
        apply_piid(appraisal, plan)
    return plan


# ------------------------------------------------------------------ reading


class _Reader:
    """Checks rows against the appraisal (read once) and collects the plan and every problem."""

    def __init__(self, appraisal: "Appraisal", plan: PiidPlan, headers: dict[str, str], add_units: bool):
        self.plan, self.headers, self.add_units = plan, headers, add_units
        self.model = appraisal.model
        self.problems: list[str] = []
        self.instances = {i.name: i for i in appraisal.instances()}
        self.folded = {name.casefold(): name for name in self.instances}
        self.scopes = appraisal.scopes()
        self.records = {(r.pa, r.practice, r.instance): r for r in appraisal.records()}
        self.registered: dict[tuple[str, tuple[str, str]], Any] = {}
        self.linked: set[tuple[str, int, Cell]] = set()
        for entry in appraisal.register():
            entity = "affirmation" if entry.kind == "affirmation" else "artifact"
            self.registered.setdefault((entity, item_key(entry.title, entry.location)), entry)
            self.linked.update((entity, entry.id, cell) for cell in entry.cells)
        self.seen_cells: dict[Cell, str] = {}
        self.new_unit_rows: dict[str, str] = {}
        self.rows_read = 0

    def problem(self, where: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"{where}: {message}")

    def read_sheet(self, ws: Any, *, required: bool, uncached: Iterable[str] = ()) -> None:
        title = _sheet_ref(ws.title)
        found = self._header(ws, title)
        if found is None:
            if required:
                wanted = " and ".join(repr(self.headers[n]) for n in REQUIRED)
                self.problems.append(f"{title}: no header row with {wanted} in the first {HEADER_ROWS} rows")
            else:
                self.plan.skipped.append(ws.title)
            return
        for ref in uncached:   # read as blank, it would leave the stored value alone without a word
            self.problem(f"{title}!{ref}", "a formula without a saved value (the workbook was written by a program "
                                           "that does not calculate); open and save it in Excel or LibreOffice, "
                                           "or type the value")
        header_row, columns = found
        self.plan.sheets.append(ws.title)
        merged = _merged_values(ws)
        sheet_pa = ws.title.strip().upper() if ws.title.strip().upper() in self.model.process_areas else ""
        for row in ws.iter_rows(min_row=header_row + 1):
            if self.rows_read >= MAX_ROWS:
                self.problems.append(f"{title}: more than {MAX_ROWS} rows; split the workbook")
                return
            cells = {name: row[col] if col < len(row) else None for name, col in columns.items()}
            values = {name: cell_text(merged.get(cell.coordinate, cell.value)) if cell is not None else ""
                      for name, cell in cells.items()}
            if not any(values.values()):
                continue
            self.rows_read += 1
            self._row(title, row[0].row, cells, values, sheet_pa)

    def _header(self, ws: Any, title: str) -> tuple[int, dict[str, int]] | None:
        wanted = {_norm(header): name for name, header in self.headers.items()}
        for number, row in enumerate(ws.iter_rows(max_row=HEADER_ROWS, values_only=True), 1):
            found: dict[str, int] = {}
            for col, value in enumerate(row):
                name = wanted.get(_norm(value))
                if name is None:
                    continue
                if name in found:
                    from openpyxl.utils import get_column_letter

                    self.problem(f"{title}!{get_column_letter(col + 1)}{number}",
                                 f"a second {self.headers[name]!r} column")
                found.setdefault(name, col)
            if all(name in found for name in REQUIRED):
                return number, found
        return None

    def _row(self, title: str, number: int, cells: dict[str, Any], values: dict[str, str], sheet_pa: str) -> None:
        def at(name: str) -> str:
            cell = cells.get(name)
            return f"{title}!{cell.coordinate}" if cell is not None else f"{title}!{number}"

        before = len(self.problems)
        pa, practice = self._practice(at, values, sheet_pa)
        instance = self._instance(at, values["instance"], pa) if pa else None
        characterization = self._characterization(at, values.get("characterization", ""))
        if pa is None or practice is None or instance is None or len(self.problems) > before:
            return
        cell = Cell(pa, practice, instance)
        first = self.seen_cells.setdefault(cell, at("practice"))
        if first != at("practice"):
            self.problem(at("practice"), f"{pa} {practice} / {instance} appears again (first in {first})")
            return
        self._evidence(at, cells, values, cell)
        self._record(cell, characterization, values)

    def _practice(self, at, values: dict[str, str], sheet_pa: str) -> tuple[str | None, str | None]:
        text = values["practice"]
        if not text:
            self.problem(at("practice"), "no practice (e.g. SP 1.1 or GP 2.2)")
            return None, None
        match = _PRACTICE.fullmatch(text)
        if match is None:
            self.problem(at("practice"), f"{text!r} is not a practice id (e.g. SP 1.1, GP 2.2 or REQM SP 1.1)")
            return None, None
        number = "".join(match["number"].split())
        practice = f"{match['type'].upper()} {number}"
        named = (match["pa"] or "").upper()
        column = values.get("pa", "").upper()
        if column and named and column != named:
            self.problem(at("practice"), f"practice {text!r} names {named}, but the PA column says {column}")
            return None, None
        pa = column or named or sheet_pa
        if not pa:
            self.problem(at("pa") if "pa" in values else at("practice"),
                         "no process area (fill in the PA column, write e.g. 'SD SP 1.1', or name the sheet after "
                         "the PA)")
            return None, None
        if pa not in self.model.process_areas:
            self.problem(at("pa") if column else at("practice"),
                         f"process area {pa!r} is not in {self.model.id} ({', '.join(self.model.pa_ids)})")
            return None, None
        if self.scopes[pa].scope != "in_scope":
            self.problem(at("pa") if column else at("practice"),
                         f"process area {pa} is {self.scopes[pa].scope.replace('_', ' ')} in this appraisal")
            return None, None
        if practice not in {p.id for p in self.model.pa(pa).practices}:
            self.problem(at("practice"), f"practice {practice!r} is not in {pa}")
            return pa, None
        return pa, practice

    def _instance(self, at, text: str, pa: str) -> str | None:
        name = " ".join(text.split())
        if not name:
            self.problem(at("instance"), "no instance (basic unit or support function)")
            return None
        known = self.instances.get(name) or self.instances.get(self.folded.get(name.casefold(), ""))
        if known is not None:
            if pa not in known.pas:
                self.problem(at("instance"), f"{known.name!r} is not sampled for {pa} (add {pa} to its process "
                                             "areas in the setup first)")
                return None
            return known.name
        if not self.add_units:
            self.problem(at("instance"), f"instance {name!r} is not a basic unit or support function of this "
                                         "appraisal (add it first, or pass --add-units to create it)")
            return None
        first = self.new_unit_rows.setdefault(name.casefold(), name)
        pas = self.plan.new_units.setdefault(first, [])
        if pa not in pas:
            pas.append(pa)
        return first

    def _characterization(self, at, text: str) -> str | None:
        if not text:
            return None
        code = text.upper() if text.upper() in CHARACTERIZATIONS else CHARACTERIZATION_NAMES.get(_norm(text))
        if code is None:
            self.problem(at("characterization"), f"characterization {text!r} is not one of "
                                                 f"{', '.join(CHARACTERIZATIONS)} (or blank)")
        return code

    def _evidence(self, at, cells: dict[str, Any], values: dict[str, str], cell: Cell) -> None:
        artifacts = [("direct", title) for title in _split(values.get("direct", ""))]
        artifacts += [("indirect", title) for title in _split(values.get("indirect", ""))]
        locations = _split(values.get("location", ""))
        target = _hyperlink(cells.get("location"))
        if target and len(locations) <= 1:
            locations = [target]
        if not locations and len(artifacts) == 1:
            column = "direct" if artifacts[0][0] == "direct" else "indirect"
            locations = [target] if (target := _hyperlink(cells.get(column))) else []
        if len(locations) > 1 and len(locations) != len(artifacts):
            self.problem(at("location"), f"{len(locations)} locations for {len(artifacts)} artifact(s); give one "
                                         "location for all, or one per artifact in the same order (direct first)")
            return
        for n, (kind, title) in enumerate(artifacts):
            where = locations[n] if len(locations) > 1 else (locations[0] if locations else "")
            self._use(("artifact", item_key(title, where)), kind, title, where, at(kind), cell)
        for title in _split(values.get("affirmation", "")):
            self._use(("affirmation", item_key(title)), "affirmation", title, "", at("affirmation"), cell)

    def _use(self, key, kind: str, title: str, location: str, where: str, cell: Cell) -> None:
        item = self.plan.items.get(key)
        if item is None:
            entry = self.registered.get(key)
            item = PlannedItem(kind, " ".join(title.split()), location, where)
            if entry is not None:
                item.existing_id, item.existing_version, item.title = entry.id, entry.version, entry.title
                if kind != "affirmation" and entry.kind != kind:
                    item.kind_was = entry.kind
            self.plan.items[key] = item
        elif item.kind != kind:
            self.problem(where, f"{title!r} is listed as an {kind} artifact here but as a {item.kind} artifact in "
                                f"{item.first_seen}")
            return
        linked = item.existing_id is not None and (key[0], item.existing_id, cell) in self.linked
        if not linked and cell not in item.cells:
            item.cells.append(cell)
            self.plan.links.append((key, cell))

    def _record(self, cell: Cell, characterization: str | None, values: dict[str, str]) -> None:
        current = self.records.get(tuple(cell))
        old = {"characterization": current.characterization if current else None,
               **{name: getattr(current, name) if current else "" for name in TEXT_FIELDS}}
        new: dict[str, str | None] = {}
        if characterization is not None and characterization != old["characterization"]:
            new["characterization"] = characterization
        for name in TEXT_FIELDS:
            if values.get(name) and values[name] != old[name]:
                new[name] = values[name]
        if new:
            self.plan.records.append(RecordChange(cell, new, old, current.version if current else 0))

    def finish(self) -> PiidPlan:
        self.plan.rows = self.rows_read
        return self.plan


# ------------------------------------------------------------------ workbook helpers


def _scan(path: Path, source: str) -> XlsxScan:
    """Refuse a workbook too big to read safely (each string included) before any of it is parsed."""
    try:
        return scan_xlsx(path, PIID_LIMITS)
    except OSError as exc:
        raise ImportProblem(source, [f"cannot read: {exc.strerror or exc}"]) from None
    except XlsxRefused as exc:
        raise ImportProblem(source, [str(exc)]) from None


def _load(path: Path, source: str) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(path, data_only=True)    # not read-only: hyperlinks and merged cells are needed
    except OSError as exc:
        raise ImportProblem(source, [f"cannot read: {exc.strerror or exc}"]) from None
    except Exception as exc:  # KeyError, InvalidFileException, XML errors: not a workbook openpyxl can read
        raise ImportProblem(source, [f"not an Excel workbook (.xlsx): {' '.join(str(exc).split())[:200]}"]) from None


def _merged_values(ws: Any) -> dict[str, Any]:
    """Coordinate -> value for every cell covered by a merged range (the value of its top-left cell)."""
    from openpyxl.utils import get_column_letter

    values = {}
    for cells in ws.merged_cells.ranges:
        value = ws.cell(cells.min_row, cells.min_col).value
        for row in range(cells.min_row, cells.max_row + 1):
            for col in range(cells.min_col, cells.max_col + 1):
                values[f"{get_column_letter(col)}{row}"] = value
    return values


def _hyperlink(cell: Any) -> str:
    link = getattr(cell, "hyperlink", None)
    return (link.target or "").strip() if link is not None and link.target else ""


def _sheet_ref(name: str) -> str:
    """The sheet name as Excel writes it in a reference: quoted only when it has spaces or punctuation."""
    return name if re.fullmatch(r"[A-Za-z_][\w.]*", name) else "'" + name.replace("'", "''") + "'"


def _norm(value: Any) -> str:
    return " ".join(str(value or "").split()).casefold()


def _split(text: str) -> list[str]:
    """The entries of a cell listing several, one per line or separated by ';' (blank ones dropped)."""
    return [" ".join(part.split()) for part in _SPLIT.split(text or "") if part.strip()]


def _shown(value: str | None, limit: int = 50) -> str:
    if not value:
        return "(blank)"
    text = " ".join(value.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
