"""What a gap workbook's PA sheets carry so that ``cmmikit import-xlsx`` can bring edits back.

Each PA-sheet row (one practice) has a hidden *key* cell: compact JSON naming the appraisal it
came from (its generation and name), the PA and practice, and per sampled unit the unit's column
header, its stable instance id, the record's version at export and the values shown (the
characterization; strengths, weaknesses and notes as stored). The key sits inside the row, so
sorting or filtering the table carries it along.

The Strengths, Weaknesses and Notes cells list several units' texts, each starting on a new line
with the unit's name and a colon (``Service Desk: no plan``), or with the unit's name itself when
the text begins with it. :func:`unit_lines` writes that form and :func:`split_units` reads it back;
a cell whose text would not read back the same (a line of one unit's text starting with another
unit's name, a text cut at Excel's cell limit) is marked read-only in its key.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cmmikit.outputs.xlsx_safe import MAX_CELL_TEXT, safe_text

if TYPE_CHECKING:
    from cmmikit.store import Appraisal

FORMAT = "cmmikit-gap-row/1"
KEY_HEADER = "cmmikit key"   # the hidden column's header
TEXT_FIELDS = ("strengths", "weaknesses", "notes")
TEXT_HEADERS = {"strengths": "Strengths", "weaknesses": "Weaknesses", "notes": "Notes"}


@dataclass(frozen=True)
class Origin:
    """The appraisal a workbook was exported from: its generation (changes only when it is replaced) and name."""

    generation: str
    name: str


def origin_of(appraisal: Appraisal) -> Origin:
    return Origin(appraisal.generation, appraisal.info().name)


@dataclass(frozen=True)
class UnitState:
    """One unit's record in one row as exported: the column header, instance id, version and values shown."""

    header: str
    instance_id: int
    version: int
    characterization: str
    texts: dict[str, str]    # strengths, weaknesses, notes as stored ({} when too long to keep)

    def as_list(self) -> list[Any]:
        return [self.header, self.instance_id, self.version, self.characterization,
                *(self.texts.get(f) for f in TEXT_FIELDS)]


@dataclass(frozen=True)
class RowKey:
    """A PA-sheet row's key: where it came from and what each unit's record was at export."""

    origin: Origin
    pa: str
    practice: str
    units: tuple[UnitState, ...]
    read_only: tuple[str, ...] = ()   # text fields whose cell cannot be read back unit by unit
    digests: tuple[tuple[str, str], ...] = ()   # (field, digest of the cell) when the texts did not fit the key

    def encode(self) -> str:
        data = {"f": FORMAT, "a": self.origin.generation, "n": self.origin.name, "pa": self.pa, "p": self.practice,
                "u": [u.as_list() for u in self.units], "ro": list(self.read_only)}
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        if len(text) <= MAX_CELL_TEXT:
            return text
        data["u"] = [[*u.as_list()[:4], None, None, None] for u in self.units]  # too long: texts not editable
        data["ro"] = list(TEXT_FIELDS)
        data["h"] = {f: _digest(self.exported_cell(f)) for f in TEXT_FIELDS}   # but an edit is still seen
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def decode(cls, text: Any) -> RowKey:
        """The key in a cell; ValueError when it is not one of ours or was damaged."""
        if not isinstance(text, str) or not text.startswith("{"):
            raise ValueError("the row key is missing")
        try:
            data = json.loads(text)
            if data.get("f") != FORMAT:
                raise ValueError
            units = tuple(UnitState(str(h), int(i), int(v), str(c or ""),
                                    {f: t for f, t in zip(TEXT_FIELDS, texts) if isinstance(t, str)})
                          for h, i, v, c, *texts in data["u"])
            return cls(Origin(str(data["a"]), str(data["n"])), str(data["pa"]), str(data["p"]), units,
                       tuple(data.get("ro") or ()), tuple((str(f), str(h)) for f, h in (data.get("h") or {}).items()))
        except (ValueError, TypeError, KeyError, AttributeError):
            raise ValueError("the row key was changed or damaged") from None

    def texts(self, field: str) -> list[tuple[str, str]]:
        """(unit name, text) of the units with a text in ``field``, in column order."""
        return [(u.header, u.texts.get(field, "")) for u in self.units]

    def exported_cell(self, field: str) -> str:
        """The ``field`` cell as the workbook was given it (see :func:`cmmikit.outputs.xlsx_safe.safe_text`)."""
        return safe_text(unit_lines(self.texts(field)))

    def unchanged(self, field: str, cell: str) -> bool:
        """True when ``cell`` (line breaks as ``\\n``) still holds the ``field`` texts as exported."""
        digest = dict(self.digests).get(field)
        if digest is not None:
            return _digest(cell) == digest
        return cell.strip() == self.exported_cell(field).strip()


def row_key(origin: Origin, pa: str, practice: str, units: Sequence[UnitState]) -> RowKey:
    """The key of one row, its unreadable text fields marked read-only."""
    read_only = tuple(f for f in TEXT_FIELDS
                      if not readable([(u.header, u.texts.get(f, "")) for u in units]))
    return RowKey(origin, pa, practice, tuple(units), read_only)


class KeyWriter:
    """Writes the row keys of one export: the origin, instance ids and record versions read once."""

    def __init__(self, appraisal: Appraisal, origin: Origin | None = None):
        self.origin = origin or origin_of(appraisal)
        self.ids = {i.name: i.id for i in appraisal.instances()}
        self.versions = {(r.pa, r.practice, r.instance): r.version for r in appraisal.records()}

    def key(self, pa: str, practice: str, units: Sequence[tuple[str, str, str | None, dict[str, str]]]) -> str:
        """The encoded key of a row; ``units``: (column header, instance name, characterization shown, texts)."""
        return row_key(self.origin, pa, practice, [
            UnitState(header, self.ids[name], self.versions.get((pa, practice, name), 0),
                      char if isinstance(char, str) else "", texts)
            for header, name, char, texts in units]).encode()


# ------------------------------------------------------------------ texts of several units in one cell


def attributed(unit: str, text: str) -> str:
    """``text`` with its unit named once: prefixed ``unit: `` unless it starts with the unit's name."""
    text = text.strip()
    return text if _starts_with_name(text, unit) else f"{unit}: {text}"


def unit_lines(texts: Sequence[tuple[str, str]]) -> str:
    """The texts of several units in one cell, each starting on a new line with its unit (blank ones left out)."""
    return "\n".join(attributed(unit, text) for unit, text in texts if text and text.strip())


def split_units(cell: str, units: Sequence[str]) -> dict[str, str]:
    """Read a cell written by :func:`unit_lines` back into unit -> text; ValueError names a line with no unit.

    With a single unit, text before any unit's name is that unit's.
    """
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    names = {u.casefold(): u for u in units}
    starts = _name_pattern(tuple(units))
    for n, line in enumerate(cell.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        match = starts.match(line)
        unit = names[match.group(0).casefold()] if match else None
        if unit is not None:
            rest = line[len(unit):]
            text = rest[1:].strip() if rest.startswith(":") else line.strip()
            current = found.setdefault(unit, [])
            if text:
                current.append(text)
        elif current is not None:
            current.append(line)
        elif len(units) == 1:   # one unit on the sheet: its name may be left out
            current = found.setdefault(units[0], [line])
        elif line.strip():
            raise ValueError(f"line {n} names no unit (start it with a unit and a colon, e.g. "
                             f"'{units[0] if units else 'Unit'}: ...')")
    return {unit: "\n".join(lines).strip() for unit, lines in found.items()}


def own_text(unit: str, text: str) -> str:
    """A unit's text as :func:`split_units` reads it back: stripped, without a leading ``unit:`` of its own."""
    text = (text or "").strip()
    if _starts_with_name(text, unit) and text[len(unit):].startswith(":"):
        return text[len(unit) + 1:].strip()
    return text


def readable(texts: Sequence[tuple[str, str]]) -> bool:
    """True when the cell :func:`unit_lines` writes for ``texts`` reads back as the same texts, unit by unit."""
    cell = unit_lines(texts)
    if safe_text(cell) != cell:
        return False
    try:
        back = split_units(cell, [u for u, _ in texts])
    except ValueError:
        return False
    return all(back.get(unit, "") == own_text(unit, text) for unit, text in texts)


@lru_cache(maxsize=64)
def _name_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """Matches a line starting with one of ``names`` (the longest; any case) not followed by a letter or digit."""
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True) if n)
    return re.compile(f"(?:{alternatives})(?![^\\W])" if alternatives else "(?!)", re.IGNORECASE)


def _digest(cell: str) -> str:
    return hashlib.sha256(cell.strip().encode("utf-8")).hexdigest()[:16]


def _starts_with_name(line: str, unit: str) -> bool:
    if not unit or line[:len(unit)].casefold() != unit.casefold():
        return False
    rest = line[len(unit):]
    return not rest or not (rest[0].isalnum() or rest[0] == "_")
