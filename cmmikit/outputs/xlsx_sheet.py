"""Write list sheets that read and print well, with XlsxWriter (the fastest well-kept xlsx writer).

A :class:`Book` holds the workbook and its named cell formats; a :class:`SheetWriter` sets
what a printed sheet needs (landscape, one page wide, print titles, margins, a page footer),
writes each value as a typed cell by its :class:`Column` kind (user text always as text,
never a formula; booleans read Yes/No; ISO dates become date cells; web locations become
hyperlinks; missing values stay empty) and gives every row the height its wrapped text
needs: LibreOffice does not grow rows itself when it opens a workbook, so without heights
wrapped text overlaps the next row.  Every format aligns to the top, so the cells of a tall
row stay level.

The workbook font is Arial 10: Excel has it everywhere and LibreOffice maps it to the
metric-compatible Liberation Sans, so the row heights computed here hold in both.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from cmmikit import palette
from cmmikit.outputs.xlsx_safe import MAX_CELL_TEXT, looks_like_formula, safe_text

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

# column kinds: text = user text (escaped), label = our own words, numbers, bool = Yes/No,
# date = ISO date text shown as a date cell, link = a web location (http/https) as a hyperlink,
# key = machine-readable text for a hidden column (never wraps, so it never makes a row taller)
TEXT, LABEL, INT, FLOAT, PERCENT, BOOL, DATE, LINK = "text", "label", "int", "float", "percent", "bool", "date", "link"
KEY = "key"
YES, NO = "Yes", "No"

FONT_NAME, FONT_SIZE = "Arial", 10
LINE_HEIGHT = 12.0      # points per line of Arial 10 (LibreOffice and Excel both need ~11.5)
ROW_PADDING = 3.0       # points above and below the text
DEFAULT_ROW_HEIGHT = 12.75  # Excel's height of an Arial 10 row (17 px)
MAX_ROW_HEIGHT = 409.0  # Excel's limit
TITLE_ROW_HEIGHT = 18.0  # a 14 pt title
MAX_LINES = int((MAX_ROW_HEIGHT - ROW_PADDING) // LINE_HEIGHT)
CHARS_PER_UNIT = 1.1    # characters of Arial 10 text per unit of column width (a unit is one digit, 7 px, wide)
BOLD_CHARS_PER_UNIT = 1.0
TABLE_STYLE = "Table Style Medium 2"
DATE_FORMAT = "yyyy-mm-dd"
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.6, "header": 0.3, "footer": 0.3}  # inches
FOOTER = "&A, page &P of &N"  # sheet name, page number, page count
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WEB_LINK = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 12.0
    kind: str = LABEL

    @property
    def wraps(self) -> bool:
        return self.kind in (TEXT, LABEL, LINK)


NUMBERS = (INT, FLOAT, PERCENT)


def header_format(column: Column) -> str:
    """A number column's header is right-aligned like its numbers, so on paper each count sits under its own header."""
    return "header_number" if column.kind in NUMBERS else "header"


def fit_headers(columns: Sequence[Column]) -> list[Column]:
    """The columns widened where needed so no word of a (bold, wrapped) header is broken."""
    from dataclasses import replace

    out = []
    for c in columns:
        longest = max((len(word) for word in c.header.split()), default=0)
        needed = math.ceil(longest / BOLD_CHARS_PER_UNIT) + 1
        out.append(c if c.width >= needed else replace(c, width=needed))
    return out


# ------------------------------------------------------------------ measuring text


def wrapped_lines(text: str, width: float, chars_per_unit: float = CHARS_PER_UNIT) -> int:
    """Lines ``text`` takes in a wrapping cell ``width`` units wide (words kept whole, as the programs do).

    Counts at most :data:`MAX_LINES` (what a row can show).
    """
    per_line = max(1, int(width * chars_per_unit))
    lines = 0
    for paragraph in text.split("\n"):
        if len(paragraph) <= per_line:
            lines += 1
        else:
            used = -1
            for word in paragraph.split(" "):
                size = len(word)
                if used >= 0 and used + 1 + size <= per_line:
                    used += 1 + size
                    continue
                lines += 1 if used >= 0 else 0
                if size > per_line:  # a word longer than the line is broken
                    lines += (size - 1) // per_line
                    size = (size - 1) % per_line + 1
                used = size
            lines += 1
        if lines >= MAX_LINES:
            return MAX_LINES
    return lines


def row_height(lines: int) -> float:
    """Row height in points for ``lines`` lines of text."""
    return min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT + ROW_PADDING)


def web_link(text: str) -> bool:
    """True for an http or https address with a host (the only locations made clickable)."""
    return _WEB_LINK.fullmatch(text) is not None


def iso_date(value: Any) -> date | None:
    """A date from a date or ``YYYY-MM-DD`` text; None for anything else."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def missing(value: Any) -> bool:
    """None, NaN or pandas' NA: shown as an empty cell, never as ``nan`` or ``None``."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except (TypeError, ValueError):  # pd.NA refuses bool()
        return True


# ------------------------------------------------------------------ the workbook and its formats

_TOP = {"valign": "top"}
FORMATS: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "font_size": 14, **_TOP},
    "subtitle": {"italic": True, "font_color": "#555555", **_TOP},
    "header": {"bold": True, "text_wrap": True, **_TOP},
    "header_number": {"bold": True, "text_wrap": True, "align": "right", **_TOP},  # over right-aligned numbers
    "key": {"bold": True, **_TOP},
    "plain": dict(_TOP),
    "wrap": {"text_wrap": True, **_TOP},
    "int": dict(_TOP),
    "percent": {"num_format": "0%", **_TOP},
    "decimal": {"num_format": "0.0", **_TOP},
    "date": {"num_format": DATE_FORMAT, **_TOP},
    "link": {"font_color": palette.BLUE, "underline": 1, "shrink": True, **_TOP},  # long addresses shrink, never cut
}


class Book:
    """An XlsxWriter workbook written to ``path`` on :meth:`close`, with the named formats of :data:`FORMATS`."""

    def __init__(self, path: str | os.PathLike):
        import xlsxwriter

        self.wb = xlsxwriter.Workbook(str(path), {
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
            "default_format_properties": {"font_name": FONT_NAME, "font_size": FONT_SIZE},
            "default_row_height": 17})
        self.formats = {name: self.wb.add_format(props) for name, props in FORMATS.items()}
        self._quoted: dict[str, "Format"] = {}
        self._fills: dict[str, "Format"] = {}

    def fmt(self, name: str, text: str = "") -> "Format":
        """The named format; for text a spreadsheet would read as a formula, the same with a quote prefix."""
        if not looks_like_formula(text):
            return self.formats[name]
        if name not in self._quoted:
            self._quoted[name] = self.wb.add_format({**FORMATS[name], "quote_prefix": True})
        return self._quoted[name]

    def fill(self, colour: str) -> "Format":
        """A conditional format filling with ``colour`` and a readable text colour on it."""
        if colour not in self._fills:
            self._fills[colour] = self.wb.add_format({"bg_color": colour, "font_color": palette.text_on(colour)})
        return self._fills[colour]

    def close(self) -> None:
        self.wb.close()


# ------------------------------------------------------------------ cells by column kind


def write_value(ws: "Worksheet", book: Book, r: int, c: int, value: Any, kind: str = LABEL, fmt: str = "") -> None:
    """Write one value at (r, c), 0-based, as a cell of its column ``kind``; ``fmt`` overrides the text format."""
    if value is None:
        return
    if value.__class__ is str:
        if kind == LINK and web_link(value) and ws.write_url(r, c, value, book.formats["link"], string=value) >= 0:
            return
        if kind == DATE and (found := iso_date(value)) is not None:
            ws.write_datetime(r, c, datetime.combine(found, datetime.min.time()), book.formats["date"])
            return
        if not (value.isprintable() and len(value) <= MAX_CELL_TEXT):
            value = safe_text(value)
        if value:
            ws.write_string(r, c, value, book.fmt(fmt or "plain", value))
        return
    if missing(value):
        return
    if kind == BOOL:
        ws.write_string(r, c, YES if value else NO, book.formats["plain"])
    elif kind in (INT, FLOAT, PERCENT) and isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(r, c, value, book.formats[NUMBER_FORMATS[kind]])
    elif kind == DATE and (found := iso_date(value)) is not None:
        ws.write_datetime(r, c, datetime.combine(found, datetime.min.time()), book.formats["date"])
    else:
        write_value(ws, book, r, c, str(value), kind if kind in (TEXT, LABEL) else LABEL, fmt)


NUMBER_FORMATS = {INT: "int", FLOAT: "decimal", PERCENT: "percent"}


# ------------------------------------------------------------------ writing a sheet


def ref(col: int, row: int) -> str:
    """A1-style reference from 1-based column and row."""
    from xlsxwriter.utility import xl_rowcol_to_cell

    return xl_rowcol_to_cell(row - 1, col - 1)


class SheetWriter:
    """One worksheet, set up to print; appends rows and tracks the current (1-based) row number."""

    def __init__(self, book: Book, title: str, widths: Iterable[float], *, freeze: tuple[int, int] | None = None,
                 one_page: bool = False):
        self.book = book
        self.ws: "Worksheet" = book.wb.add_worksheet(title)
        self.widths = list(widths)
        for i, width in enumerate(self.widths):
            self.ws.set_column(i, i, width)
        if freeze:
            self.ws.freeze_panes(*freeze)
        self.ws.set_landscape()
        self.ws.fit_to_pages(1, 1 if one_page else 0)
        self.ws.set_margins(left=MARGINS["left"], right=MARGINS["right"], top=MARGINS["top"],
                            bottom=MARGINS["bottom"])
        self.ws.set_footer(f"&C{FOOTER}", {"margin": MARGINS["footer"]})
        self.ws.set_header("", {"margin": MARGINS["header"]})
        self.row = 0

    def append(self, values: Sequence[Any], lines: int = 1, fmt: str = "") -> int:
        """Append a row of labels or numbers (``lines`` tall); returns its 1-based number."""
        self.row += 1
        if lines > 1:
            self.ws.set_row(self.row - 1, row_height(lines))
        for c, value in enumerate(values):
            write_value(self.ws, self.book, self.row - 1, c, value, LABEL, fmt)
        return self.row

    def title(self, text: str, fmt: str = "title") -> int:
        row = self.append([text], fmt=fmt)
        if fmt == "title":
            self.ws.set_row(row - 1, TITLE_ROW_HEIGHT)
        return row

    def table(self, name: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> tuple[int, int]:
        """Header plus rows as an Excel table, printed with the header on every page; returns (header, last row)."""
        headers = [safe_text(c.header).replace("\n", " ") or f"Column {i}" for i, c in enumerate(columns, 1)]
        header_lines = max(wrapped_lines(h, c.width, BOLD_CHARS_PER_UNIT) for h, c in zip(headers, columns))
        self.row += 1
        header_row = self.row
        if header_lines > 1:
            self.ws.set_row(header_row - 1, row_height(header_lines))
        self.ws.repeat_rows(header_row - 1)
        n = self._rows(columns, rows)
        if n == 0:
            self.row += 1  # a table needs a data row; keep it empty
        last = self.row
        self.ws.add_table(header_row - 1, 0, last - 1, len(columns) - 1, {
            "name": name, "style": TABLE_STYLE, "autofilter": True,
            "columns": [{"header": h, "header_format": self.book.fmt(header_format(c), h)}
                        for h, c in zip(headers, columns)]})
        return header_row, last

    def _rows(self, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> int:
        """Write the data rows, each as tall as its longest wrapped text; returns how many."""
        ws, book = self.ws, self.book
        kinds = [c.kind for c in columns]
        measured = [(i, max(1, int(c.width * CHARS_PER_UNIT)), c.width, c.kind == LINK)
                    for i, c in enumerate(columns) if c.wraps]
        r = self.row - 1
        for values in rows:
            r += 1
            wrapped = set()
            lines = 1
            for i, per_line, width, links in measured:
                value = values[i]
                if value.__class__ is str and (len(value) > per_line or "\n" in value) and not (
                        links and web_link(value)):  # addresses shrink to fit on one line
                    lines = max(lines, wrapped_lines(value, width))
                    wrapped.add(i)
            if lines > 1:
                ws.set_row(r, row_height(lines))
            for c, value in enumerate(values):
                if value is not None:
                    write_value(ws, book, r, c, value, kinds[c], "wrap" if c in wrapped else "")
        n, self.row = r + 1 - self.row, r + 1
        return n

    def colour(self, first_col: int, last_col: int, first_row: int, last_row: int, colours: dict[str, str]) -> None:
        """Fill cells by their text (conditional formatting, so edits recolour too)."""
        for value, colour in colours.items():
            if value:
                self.ws.conditional_format(first_row - 1, first_col - 1, last_row - 1, last_col - 1, {
                    "type": "cell", "criteria": "equal to", "value": '"{}"'.format(value.replace('"', '""')),
                    "format": self.book.fill(colour)})

    def data_bar(self, col: int, first_row: int, last_row: int) -> None:
        self.ws.conditional_format(first_row - 1, col - 1, last_row - 1, col - 1, {
            "type": "data_bar", "bar_color": palette.ORANGE, "min_type": "num", "min_value": 0,
            "max_type": "num", "max_value": 100})


def column_lefts_cm(widths: Sequence[float]) -> list[float]:
    """Left edge of each column in centimetres (a unit of width is 7 px plus 5 px padding at 96 dpi)."""
    lefts, x = [], 0.0
    for width in widths:
        lefts.append(x)
        x += (math.floor(width * 7 + 5)) / 96 * 2.54
    return lefts
