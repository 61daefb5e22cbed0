"""Write user text into spreadsheets so it stays text: never a formula, never an illegal character.

openpyxl turns any string starting with ``=`` into a formula, and Excel re-reads a
cell starting with ``= + - @`` as a formula when someone edits it.  Every piece
of user text (statements, weaknesses, evidence, names) goes through
:func:`safe_text` and is stored with data type ``s`` plus the ``quotePrefix``
style when it starts with one of those characters.  :class:`CellMaker` does
the same for write-only worksheets and reuses prepared styles, so big exports
stay fast.
"""

from __future__ import annotations

from copy import copy
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.cell import Cell, WriteOnlyCell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# Excel refuses XML control characters other than tab, newline and carriage return.
_ILLEGAL = {c: None for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))}
FORMULA_STARTS = ("=", "+", "-", "@")
CSV_FORMULA_STARTS = (*FORMULA_STARTS, "\t", "\r")
MAX_CELL_TEXT = 32_767  # Excel's limit for one cell
TRUNCATED = " [...truncated]"


def safe_text(value: Any) -> str:
    """``value`` as cell text: control characters removed, cut to Excel's cell limit."""
    text = "" if value is None else str(value)
    if not text.isprintable():
        text = text.translate(_ILLEGAL)
    if len(text) > MAX_CELL_TEXT:
        text = text[: MAX_CELL_TEXT - len(TRUNCATED)] + TRUNCATED
    return text


def cell_text(value: Any) -> str:
    """A value read from a workbook cell as trimmed text (whole numbers without ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return safe_text(value).strip()


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet program would read ``text`` as a formula on edit."""
    return text.startswith(FORMULA_STARTS)


def set_text(cell: "Cell | WriteOnlyCell", value: Any) -> "Cell | WriteOnlyCell":
    """Put user text into a cell (normal or write-only) so it is stored, shown and re-read as text."""
    text = safe_text(value)
    cell.value = text
    cell.data_type = "s"
    if looks_like_formula(text):
        cell.quotePrefix = True
    return cell


def csv_text(value: Any) -> str:
    """User text for a CSV file: a leading ``'`` stops spreadsheet programs reading it as a formula."""
    text = safe_text(value)
    return "'" + text if text.startswith(CSV_FORMULA_STARTS) else text


class CellMaker:
    """Make write-only cells with prepared named styles (``fmt``) and safe text.

    Register a style once with :meth:`style` (font, fill, alignment, number
    format...); :meth:`text` and :meth:`value` then copy its prepared style array
    instead of registering fonts and fills cell by cell.
    """

    def __init__(self, ws: "WriteOnlyWorksheet"):
        self.ws = ws
        self._styles: dict[str, Any] = {}

    def style(self, name: str, **attributes: Any) -> None:
        from openpyxl.cell import WriteOnlyCell

        proto = WriteOnlyCell(self.ws)
        for key, value in attributes.items():
            setattr(proto, key, value)
        self._styles[name] = proto._style

    def _cell(self, value: Any, fmt: str | None) -> "WriteOnlyCell":
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(self.ws, value)
        if fmt is not None:
            cell._style = copy(self._styles[fmt])
        return cell

    def text(self, value: Any, fmt: str | None = None) -> "WriteOnlyCell | str | None":
        """User text as a cell that stays text; plain strings pass through when no style is needed."""
        text = safe_text(value)
        if not text:
            return self._cell(None, fmt) if fmt else None
        if fmt is None and not looks_like_formula(text):
            return text
        cell = self._cell(None, fmt)
        return set_text(cell, text)

    def value(self, value: Any, fmt: str | None = None) -> Any:
        """A number, date or our own label (not user text), styled if ``fmt`` is given."""
        if isinstance(value, str):
            return self.text(value, fmt)
        return self._cell(value, fmt) if fmt else value
