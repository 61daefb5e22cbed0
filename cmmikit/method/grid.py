"""The practice x instance grid as plain data: what the team's matrix shows, filters it by, and saves.

:class:`GridState` reads one process area (or all of them) in one snapshot: rows are the
practices in model order grouped by goal, columns the basic units and support functions
sampled for the PA (the walkthrough's and the rating engine's rule: an instance applies to the
PAs it is sampled in), then the OU value from the rating engine's aggregation table (``LI or
PI`` while the team must judge).  Each cell carries its characterization, version and markers:
no evidence, one-sided evidence, a weakness written, a consistency warning (the walkthrough's
checks), a change since a chosen date (from the change log).  Edits go to the store at once with
each cell's version; a cell someone else changed meanwhile is returned as a conflict with both
values, never overwritten.  No widget here: the view (:mod:`cmmikit.ui.grid`) draws this state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from cmmikit.errors import ConflictError, UnknownEntry
from cmmikit.method.rating import (INCOMPLETE, JUDGMENT_OPEN, NO_INSTANCES, SCOPE_RATING, aggregate, consistency_warnings,
                            resolve, stale_note, stale_since)
from cmmikit.store import Appraisal, Assessor, Change, PracticeRecord

# marker code: (glyph shown in the cell, words for the legend and the tooltip)
MARKERS: dict[str, tuple[str, str]] = {
    "no_evidence": ("\u2205", "no evidence"),
    "artifacts_only": ("a", "artifacts only (no affirmation)"),
    "affirmations_only": ("i", "affirmations only (no artifact)"),
    "weakness": ("w", "weakness recorded"),
    "warning": ("\u26a0", "consistency warning"),
    "changed": ("\u0394", "changed since the chosen date"),
    "inherited": ("\u21ba", "inherited from the baseline (not re-assessed yet)"),
}
# keys of the grid: a characterization, or blank
KEYS = {"f": "FI", "l": "LI", "p": "PI", "n": "NI", "y": "NY", "Delete": "", "Backspace": ""}
FILTERS = {"uncharacterized": "uncharacterized", "weak": "PI/NI", "warnings": "warnings",
           "judgment": "judgment open", "changed": "changed since", "mine": "my PAs"}
OU = "OU"   # the column key of the OU value

CellKey = tuple[str, str]   # (row key "SD SP 1.1", instance name)


@dataclass(frozen=True)
class Column:
    """A basic unit or support function shown as a column."""

    name: str
    kind: str
    subgroup: str = ""

    @property
    def kind_label(self) -> str:
        return "support function" if self.kind == "support_function" else "basic unit"


@dataclass(frozen=True)
class Row:
    """One practice of one PA."""

    pa: str
    goal: str
    practice: str
    title: str
    generic: bool

    @property
    def key(self) -> str:
        return f"{self.pa} {self.practice}"


@dataclass(frozen=True)
class Group:
    """The heading of a goal's practices (with its PA, and the PA's scope when not in scope)."""

    pa: str
    goal: str
    title: str
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.pa} {self.goal}"

    @property
    def label(self) -> str:
        return f"{self.pa} {self.goal} {self.title}" + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True)
class Cell:
    """One practice in one instance as the grid shows it."""

    pa: str
    practice: str
    instance: str
    value: str | None = None
    version: int = 0
    weaknesses: str = ""
    n_artifacts: int = 0
    n_affirmations: int = 0
    updated_by: str = ""
    updated_at: str = ""
    changed_by: str = ""        # set when changed since the chosen date: who last changed it ...
    changed_at: str = ""        # ... and when
    sampled: bool = True        # False: the instance is not sampled for this PA (all-PAs view)
    inherited: bool = False     # a follow-up's characterization copied from the baseline, not re-assessed

    @property
    def key(self) -> CellKey:
        return f"{self.pa} {self.practice}", self.instance

    @property
    def warnings(self) -> list[str]:
        return consistency_warnings(self.value, self.weaknesses, self.n_artifacts, self.n_affirmations)

    @property
    def markers(self) -> tuple[str, ...]:
        """Marker codes (see :data:`MARKERS`) in display order."""
        if not self.sampled:
            return ()
        found = []
        if self.n_artifacts + self.n_affirmations == 0:
            found.append("no_evidence")
        elif self.n_affirmations == 0:
            found.append("artifacts_only")
        elif self.n_artifacts == 0:
            found.append("affirmations_only")
        if self.weaknesses.strip():
            found.append("weakness")
        if self.warnings:
            found.append("warning")
        if self.changed_at:
            found.append("changed")
        if self.inherited:
            found.append("inherited")
        return tuple(found)

    @property
    def label(self) -> str:
        """The characterization as shown ('' when blank)."""
        return self.value or ""

    def tip(self) -> str:
        """The cell in words: where, what, evidence, every marker (the tooltip and the screen reader's text)."""
        if not self.sampled:
            return f"{self.pa} {self.practice} / {self.instance}: not sampled for {self.pa}"
        parts = [f"{self.pa} {self.practice} / {self.instance}: {self.value or 'not characterized'}",
                 f"{self.n_artifacts} artifact(s), {self.n_affirmations} affirmation(s)"]
        for code in self.markers:
            if code == "warning":
                parts += [f"warning: {w}" for w in self.warnings]
            elif code == "changed":
                parts.append(f"changed by {self.changed_by or '?'} on {self.changed_at[:16].replace('T', ' ')}")
            elif code not in ("no_evidence", "artifacts_only", "affirmations_only"):
                parts.append(MARKERS[code][1])
        return " \u00b7 ".join(parts)


@dataclass(frozen=True)
class Outcome:
    """The OU value of a practice: the aggregation table's result, a team decision, or the range to judge."""

    value: str | None
    label: str          # what the cell shows: FI..NY, "LI or PI" while judgment is open, "" when incomplete
    status: str         # the rating engine's practice status
    note: str = ""

    @property
    def judgment_open(self) -> bool:
        return self.status == JUDGMENT_OPEN

    def tip(self, row: Row) -> str:
        if self.judgment_open and self.label:
            text = f"{row.key} OU: team judgment needed, {self.label}"
            return text + (f" ({self.note})" if self.note and not self.note.startswith("team judgment") else "")
        return f"{row.key} OU: {self.label or self.status}" + (f" ({self.note})" if self.note and self.label else "")


@dataclass(frozen=True)
class Filters:
    """Which rows to show: each filter that is on must hold (a row is kept when one of its cells matches)."""

    uncharacterized: bool = False
    weak: bool = False           # a PI or NI cell (or OU value)
    warnings: bool = False
    judgment: bool = False
    changed: bool = False
    mine: bool = False

    def active(self) -> list[str]:
        return [FILTERS[name] for name in FILTERS if getattr(self, name)]


@dataclass(frozen=True)
class CellConflict:
    """A cell someone else saved first: what they stored (the state now shows it) and what was typed."""

    cell: Cell
    mine: str | None
    theirs: str | None
    changed_by: str
    changed_at: str

    def message(self) -> str:
        when = f" at {self.changed_at[11:16]} UTC" if len(self.changed_at) >= 16 else ""
        return (f"{self.cell.pa} {self.cell.practice} / {self.cell.instance}: {self.changed_by or 'another session'} "
                f"saved {self.theirs or 'blank'}{when}; yours {self.mine or 'blank'} was not saved")


@dataclass
class EditResult:
    """What one edit did: the cells saved, the conflicts (nothing overwritten), the cells refused, rows touched."""

    saved: list[Cell] = field(default_factory=list)
    conflicts: list[CellConflict] = field(default_factory=list)
    refused: list[tuple[CellKey, str]] = field(default_factory=list)
    rows: set[str] = field(default_factory=set)

    @property
    def cells(self) -> list[Cell]:
        """Every cell whose display changed (saved, or showing the other session's value now)."""
        return self.saved + [c.cell for c in self.conflicts]


def assessor_for(user: str, team: Iterable[Assessor]) -> Assessor | None:
    """The team member a login stands for: the same name, or the login is their first name or name
    without spaces (case-insensitive); None when nobody matches."""
    wanted = (user or "").strip().casefold()
    if not wanted:
        return None
    for person in team:
        name = person.name.strip().casefold()
        if wanted in (name, name.replace(" ", ""), name.split(" ")[0] if name else ""):
            return person
    return None


class GridState:
    """The grid of one PA (``pa``) or of every PA (``pa=None``), read from the appraisal and kept current
    by its own edits; :meth:`reload` reads it again (after edits elsewhere)."""

    def __init__(self, appraisal: Appraisal, pa: str | None = None, *, since: str = "", me: str | None = None) -> None:
        self.appraisal = appraisal
        self.model = appraisal.model
        self.since = since
        self._me = me
        self.show(pa)

    # -- reading

    @property
    def pas(self) -> list[str]:
        return [self.pa] if self.pa else self.model.pa_ids

    def reload(self) -> None:
        """Read rows, columns, cells, OU values, the team and the changes since :attr:`since` (one snapshot)."""
        a = self.appraisal
        with a.snapshot():
            instances = a.instances()
            scopes = a.scopes()
            records = {(r.pa, r.practice, r.instance): r for r in a.records(self.pa)}
            counts = a.evidence_counts(pa=self.pa)
            self.decisions = {(d.pa, d.practice): d for d in a.practice_decisions()}
            self._data_changes = a.data_changes() if self.decisions else {}
            self._decision_changes = a.decision_changes() if self.decisions else {}
            self.team = a.assessors()
            changes = a.history(pa=self.pa, since=self.since) if self.since else []
        self.scopes = scopes
        self.sampled: dict[str, set[str]] = {pa: {i.name for i in instances if pa in i.pas} for pa in self.pas}
        shown = set().union(*self.sampled.values()) if self.sampled else set()
        self.columns = [Column(i.name, i.kind, i.subgroup) for i in instances if i.name in shown]
        self.groups: list[Group] = []
        self.rows: list[Row] = []
        self._group_rows: dict[str, list[Row]] = {}
        for pa_id in self.pas:
            area = self.model.pa(pa_id)
            scope = scopes[pa_id]
            note = SCOPE_RATING.get(scope.scope, "").lower() + (f": {scope.reason}" if scope.reason else "") \
                if scope.scope != "in_scope" else ""
            for goal in area.goals:
                group = Group(pa_id, goal.id, goal.title, note)
                self.groups.append(group)
                rows = [Row(pa_id, goal.id, p.id, p.title, p.generic) for p in goal.practices]
                self._group_rows[group.key] = rows
                self.rows += rows
        self._rows = {r.key: r for r in self.rows}
        last: dict[tuple[str, str, str], Change] = {}
        for change in changes:
            if change.instance and change.practice:
                last[(change.pa, change.practice, change.instance)] = change
        self.cells: dict[CellKey, Cell] = {}
        for row in self.rows:
            for col in self.columns:
                key3 = (row.pa, row.practice, col.name)
                rec = records.get(key3) or PracticeRecord(*key3)
                n = counts.get(key3) or {}
                change = last.get(key3)
                self.cells[(row.key, col.name)] = Cell(
                    row.pa, row.practice, col.name, rec.characterization, rec.version, rec.weaknesses,
                    n.get("artifact", 0), n.get("affirmation", 0), rec.updated_by, rec.updated_at,
                    change.user if change else "", change.at if change else "",
                    sampled=col.name in self.sampled[row.pa], inherited=bool(rec.inherited))
        self.outcomes = {row.key: self._outcome(row) for row in self.rows}

    def _outcome(self, row: Row) -> Outcome:
        """The OU value of a practice as the rating engine gives it (aggregation, team decision, staleness)."""
        scope = self.scopes[row.pa].scope
        if scope in SCOPE_RATING:
            return Outcome(None, "", SCOPE_RATING[scope])
        values = [self.cells[(row.key, name)].value for name in self._names(row)]
        agg = aggregate(values)
        decision = self.decisions.get((row.pa, row.practice))
        stale = ""
        if decision is not None:
            changes = [self._data_changes[(row.pa, row.practice)]] if (row.pa, row.practice) in self._data_changes else []
            stale = stale_note(stale_since(self._decision_changes.get((row.pa, row.practice)), decision.decided_at,
                                           changes))
        value, status, note = resolve(agg, decision.value if decision else None, stale)
        if status in (INCOMPLETE, NO_INSTANCES):
            note = note or status
        return Outcome(value, value or agg.label, status, note)

    def _names(self, row: Row) -> list[str]:
        sampled = self.sampled[row.pa]
        return [c.name for c in self.columns if c.name in sampled]

    def show(self, pa: str | None) -> None:
        """Show another process area (None: all of them) and read it."""
        if pa is not None and pa not in self.model.process_areas:
            raise UnknownEntry(f"process area {pa!r} is not in model {self.model.id} ({', '.join(self.model.pa_ids)})")
        self.pa = pa
        self.reload()

    def row(self, key: str) -> Row:
        return self._rows[key]

    def has_row(self, key: str) -> bool:
        return key in self._rows

    def cell(self, row: str, instance: str) -> Cell:
        return self.cells[(row, instance)]

    def ou(self, row: str) -> Outcome:
        return self.outcomes[row]

    @property
    def me(self) -> Assessor | None:
        """The team member using the grid: the one named by ``me``, else the one the store's user stands for."""
        if self._me:
            return next((a for a in self.team if a.name == self._me), None)
        return assessor_for(self.appraisal.user, self.team)

    def choose_me(self, name: str | None) -> None:
        self._me = name

    @property
    def my_pas(self) -> tuple[str, ...]:
        me = self.me
        return me.pas if me else ()

    # -- filtering

    def matches(self, row: Row, filters: Filters) -> bool:
        """Whether ``row`` passes every filter that is on."""
        if filters.mine and row.pa not in self.my_pas:
            return False
        cells = [self.cells[(row.key, name)] for name in self._names(row)]
        ou = self.outcomes[row.key]
        checks = {
            "uncharacterized": any(c.value is None for c in cells),
            "weak": any(c.value in ("PI", "NI") for c in cells) or ou.value in ("PI", "NI"),
            "warnings": any(c.warnings for c in cells),
            "judgment": ou.judgment_open,
            "changed": any(c.changed_at for c in cells),
        }
        return all(ok for name, ok in checks.items() if getattr(filters, name))

    def visible(self, filters: Filters = Filters()) -> list[Group | Row]:
        """Goal headings and their practices that pass ``filters`` (a heading only above a shown practice)."""
        shown: list[Group | Row] = []
        for group in self.groups:
            rows = [r for r in self._group_rows[group.key] if self.matches(r, filters)]
            if rows:
                shown += [group, *rows]
        return shown

    # -- editing

    def set_values(self, keys: Iterable[CellKey], value: str | None) -> EditResult:
        """Set the characterization of every cell in ``keys`` (``None``/'' blanks), each at the version shown.

        One transaction; a cell changed by someone else since it was read is not written: it is
        re-read (the state shows their value) and returned as a conflict.  Cells not sampled or
        already at ``value`` are skipped.
        """
        value = value or None
        targets = [self.cells[k] for k in dict.fromkeys(keys)
                   if k in self.cells and self.cells[k].sampled and self.cells[k].value != value]
        result = EditResult()
        if not targets:
            return result
        a = self.appraisal
        fresh: list[tuple[Cell, PracticeRecord, ConflictError | None]] = []
        with a.transaction():
            for cell in targets:
                try:
                    record = a.update_record(cell.pa, cell.practice, cell.instance, characterization=value,
                                             base_version=cell.version)
                    fresh.append((cell, record, None))
                except ConflictError as exc:
                    fresh.append((cell, a.record(cell.pa, cell.practice, cell.instance), exc))
                except UnknownEntry as exc:
                    result.refused.append((cell.key, str(exc)))
        for cell, record, conflict in fresh:
            updated = self._apply(cell, record)
            result.rows.add(cell.key[0])
            if conflict is None or record.characterization == value:   # theirs is mine: nothing to choose
                result.saved.append(updated)
            else:
                result.conflicts.append(CellConflict(updated, value, record.characterization,
                                                     conflict.changed_by or record.updated_by,
                                                     conflict.changed_at or record.updated_at))
        self._recompute(result.rows)
        return result

    def keep_mine(self, conflicts: Iterable[CellConflict]) -> EditResult:
        """Save the typed values over the other session's (at the version now shown)."""
        total = EditResult()
        by_value: dict[str | None, list[CellKey]] = {}
        for conflict in conflicts:
            by_value.setdefault(conflict.mine, []).append(conflict.cell.key)
        for value, keys in by_value.items():
            part = self.set_values(keys, value)
            total.saved += part.saved
            total.conflicts += part.conflicts
            total.refused += part.refused
            total.rows |= part.rows
        return total

    def refresh(self, keys: Iterable[CellKey]) -> EditResult:
        """Read some cells again from the store (e.g. after they were edited in the walkthrough)."""
        result = EditResult()
        for key in keys:
            cell = self.cells[key]
            result.saved.append(self._apply(cell, self.appraisal.record(cell.pa, cell.practice, cell.instance)))
            result.rows.add(key[0])
        self._recompute(result.rows)
        return result

    def _apply(self, cell: Cell, record: PracticeRecord) -> Cell:
        """The cell as the store holds it now (its evidence counts stay: the grid does not edit evidence)."""
        changed = bool(self.since) and record.version > cell.version and record.updated_at[:len(self.since)] >= self.since
        updated = replace(cell, value=record.characterization, version=record.version, weaknesses=record.weaknesses,
                          updated_by=record.updated_by, updated_at=record.updated_at,
                          changed_by=record.updated_by if changed else cell.changed_by,
                          changed_at=record.updated_at if changed else cell.changed_at,
                          inherited=bool(record.inherited))
        self.cells[cell.key] = updated
        return updated

    def _recompute(self, rows: set[str]) -> None:
        if not rows:
            return
        if any((self._rows[r].pa, self._rows[r].practice) in self.decisions for r in rows):
            # a decision rests on these practices: read its freshness again (rare; cheap otherwise)
            self._data_changes = self.appraisal.data_changes()
            self._decision_changes = self.appraisal.decision_changes()
        for key in rows:
            self.outcomes[key] = self._outcome(self._rows[key])

    # -- text form

    def text(self, filters: Filters = Filters()) -> str:
        """The grid as plain text: a heading line, the columns, each goal and its practices, then the legend."""
        where = f"{self.pa} {self.model.pa(self.pa).name}" if self.pa else "all process areas"
        shown = self.visible(filters)
        n_rows = sum(isinstance(item, Row) for item in shown)
        head = f"Grid {where}: {n_rows} of {len(self.rows)} practices x {len(self.columns)} instance(s)"
        if filters.active():
            head += f" (filters: {', '.join(filters.active())}" + (f" {self.since}" if filters.changed else "") + ")"
        widths = [max(len(c.name), 6) for c in self.columns]
        lines = [head, " " * 10 + "  ".join(c.name.ljust(wd) for c, wd in zip(self.columns, widths)) + " | OU"]
        for item in shown:
            if isinstance(item, Group):
                lines.append(item.label)
                continue
            texts = []
            for col, wd in zip(self.columns, widths):
                cell = self.cells[(item.key, col.name)]
                shown_value = ((cell.value or "--") + "".join(MARKERS[m][0] for m in cell.markers)
                               if cell.sampled else "")
                texts.append(shown_value.ljust(wd))
            ou = self.outcomes[item.key]
            lines.append(f"  {item.practice:<8}" + "  ".join(texts) + f" | {ou.label or ou.status}")
        if not shown:
            lines.append("  (no practice matches the filters)")
        lines.append("-- = not characterized; " + "; ".join(f"{g} {words}" for g, words in MARKERS.values()))
        return "\n".join(lines)
