"""Write list sheets that read and print well, in openpyxl's write-only mode.

A :class:`SheetWriter` sets everything a printed sheet needs before its first row
(landscape, one page wide, print titles, margins, a page footer), turns each value into a
typed cell by its :class:`Column` kind (user text stays text, booleans read Yes/No, ISO dates
become date cells, web locations become hyperlinks, missing values stay empty) and gives
every row the height its wrapped text needs: LibreOffice does not grow rows itself when it
opens a workbook, so without heights wrapped text overlaps the next row.

The workbook font is Arial 10 (:func:`use_workbook_defaults`): Excel has it everywhere and
LibreOffice maps it to the metric-compatible Liberation Sans, so the row heights computed
here hold in both.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from cmmikit import palette
from cmmikit.xlsx_safe import FORMULA_STARTS, MAX_CELL_TEXT, CellMaker, safe_text

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# column kinds: text = user text (escaped), label = our own words, numbers, bool = Yes/No,
# date = ISO date text shown as a date cell, link = a web location (http/https) as a hyperlink
TEXT, LABEL, INT, FLOAT, PERCENT, BOOL, DATE, LINK = "text", "label", "int", "float", "percent", "bool", "date", "link"
YES, NO = "Yes", "No"

FONT_NAME, FONT_SIZE = "Arial", 10
LINE_HEIGHT = 12.0      # points per line of Arial 10 (LibreOffice and Excel both need ~11.5)
ROW_PADDING = 3.0       # points above and below the text
DEFAULT_ROW_HEIGHT = 12.75  # Excel's height of an Arial 10 row
MAX_ROW_HEIGHT = 409.0  # Excel's limit
MAX_LINES = int((MAX_ROW_HEIGHT - ROW_PADDING) // LINE_HEIGHT)
CHARS_PER_UNIT = 1.1    # characters of Arial 10 text per unit of column width (a unit is one digit, 7 px, wide)
BOLD_CHARS_PER_UNIT = 1.0
TABLE_STYLE = "TableStyleMedium2"
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


# ------------------------------------------------------------------ the workbook


def use_workbook_defaults(wb: "Workbook") -> None:
    """Make Arial 10 the workbook's default font (the Normal style and every unstyled cell)."""
    from openpyxl.styles import Font
    from openpyxl.utils.indexed_list import IndexedList

    font = Font(name=FONT_NAME, size=FONT_SIZE, family=2)
    wb._fonts = IndexedList([font])  # openpyxl has no public setter; font 0 is every unstyled cell's font
    wb._named_styles["Normal"].font = font


def _font(**attributes: Any) -> Any:
    from openpyxl.styles import Font

    return Font(name=FONT_NAME, size=attributes.pop("size", FONT_SIZE), family=2, **attributes)


def prepare_styles(make: CellMaker) -> None:
    """The named cell styles every sheet uses, all aligned to the top (``plain``: an unformatted value)."""
    from openpyxl.styles import Alignment

    top, wrap = Alignment(vertical="top"), Alignment(wrap_text=True, vertical="top")
    make.style("title", font=_font(bold=True, size=14), alignment=top)
    make.style("subtitle", font=_font(italic=True, color="555555"), alignment=top)
    make.style("header", font=_font(bold=True), alignment=wrap)
    make.style("key", font=_font(bold=True), alignment=top)
    make.style("plain", alignment=top)
    make.style("wrap", alignment=wrap)
    make.style("percent", number_format="0%", alignment=top)
    make.style("decimal", number_format="0.0", alignment=top)
    make.style("date", number_format=DATE_FORMAT, alignment=top)
    make.style("link", font=_font(color=palette.BLUE.lstrip("#"), underline="single"),
               alignment=Alignment(vertical="top", shrink_to_fit=True))  # a long address shrinks, never cut


# ------------------------------------------------------------------ cells by column kind

Converter = Callable[[Any], Any]
PLAIN = (str, int, float)  # values written without a cell object (unstyled, so aligned to the bottom)


def converter(make: CellMaker, column: Column) -> Converter:
    """How one column's values become cells (text longer than a line is made wrapping by the row writer)."""
    if column.kind in (TEXT, LABEL):
        return partial(_text, make)
    if column.kind == LINK:
        return partial(_link, make)
    if column.kind in (INT, FLOAT, PERCENT):
        return partial(_number, make, {INT: None, FLOAT: "decimal", PERCENT: "percent"}[column.kind])
    if column.kind == BOOL:
        return partial(_yes_no, make)
    if column.kind == DATE:
        return partial(_day, make)
    raise ValueError(f"unknown column kind {column.kind!r}")


def _text(make: CellMaker, value: Any) -> Any:
    if value.__class__ is str:
        if value.isprintable() and len(value) <= MAX_CELL_TEXT and not value.startswith(FORMULA_STARTS):
            return value or None  # the common case: plain text needs no cell object
    elif missing(value):
        return None
    return make.text(value) or None


def _number(make: CellMaker, fmt: str | None, value: Any) -> Any:
    if value.__class__ is int and fmt is None:
        return value
    if missing(value):
        return None
    return make.text(value) if isinstance(value, str) else make.value(value, fmt)


def _yes_no(make: CellMaker, value: Any) -> Any:
    if missing(value):
        return None
    return make.text(value) if isinstance(value, str) else (YES if value else NO)


def _day(make: CellMaker, value: Any) -> Any:
    if missing(value) or value == "":
        return None
    found = iso_date(value)
    return _text(make, value) if found is None else make.value(found, "date")


def _link(make: CellMaker, value: Any) -> Any:
    if value.__class__ is str and web_link(value):
        cell = make.text(value, "link")
        cell.hyperlink = value
        return cell
    return _text(make, value)


# ------------------------------------------------------------------ writing a sheet


def ref(col: int, row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"


class SheetWriter:
    """One write-only sheet, set up to print; appends rows and tracks the current row number."""

    def __init__(self, wb: "Workbook", title: str, widths: Iterable[float], *, freeze: str | None = None,
                 one_page: bool = False):
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet.page import PageMargins

        self.ws: "WriteOnlyWorksheet" = wb.create_sheet(title)
        self.widths = list(widths)
        for i, width in enumerate(self.widths, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = width
        if freeze:
            self.ws.freeze_panes = freeze
        # all of this before the first row: write-only sheets write their properties with it
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self.ws.page_setup.orientation = "landscape"
        self.ws.page_setup.fitToWidth = 1
        self.ws.page_setup.fitToHeight = 1 if one_page else 0
        self.ws.page_margins = PageMargins(**MARGINS)
        self.ws.oddFooter.center.text = FOOTER
        self.make = CellMaker(self.ws)
        prepare_styles(self.make)
        self.row = 0

    def append(self, values: Sequence[Any], lines: int = 1) -> int:
        """Append a row (``lines`` tall); returns its number."""
        self.row += 1
        if lines > 1:
            self.ws.row_dimensions[self.row].height = row_height(lines)
        self.ws.append(values)
        return self.row

    def title(self, text: str, fmt: str = "title") -> int:
        return self.append([self.make.text(text, fmt)])

    def table(self, name: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> tuple[int, int]:
        """Header plus rows as an Excel table, printed with the header on every page; returns (header, last row)."""
        from openpyxl.worksheet.filters import AutoFilter
        from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

        headers = [safe_text(c.header).replace("\n", " ") for c in columns]
        header_lines = max(wrapped_lines(h, c.width, BOLD_CHARS_PER_UNIT) for h, c in zip(headers, columns))
        header_row = self.append([self.make.text(h, "header") for h in headers], header_lines)
        self.ws.print_title_rows = f"{header_row}:{header_row}"
        n = self._rows(columns, rows)
        if n == 0:
            self.append([None] * len(columns))  # a table needs a data row; keep it empty
        last = self.row
        table_ref = f"{ref(1, header_row)}:{ref(len(columns), last)}"
        table = Table(displayName=name, ref=table_ref, autoFilter=AutoFilter(ref=table_ref),
                      tableStyleInfo=TableStyleInfo(name=TABLE_STYLE, showRowStripes=True))
        table.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(headers, 1)]
        with warnings.catch_warnings():  # openpyxl warns that write-only tables need their columns: they have them
            warnings.simplefilter("ignore", UserWarning)
            self.ws.add_table(table)
        return header_row, last

    def _rows(self, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> int:
        """Append the data rows, each as tall as its longest wrapped text; returns how many."""
        convert = [converter(self.make, c) for c in columns]
        measured = [(i, max(1, int(c.width * CHARS_PER_UNIT)), c.width, c.kind == LINK)
                    for i, c in enumerate(columns) if c.wraps]
        ws, dims, text, styled = self.ws, self.ws.row_dimensions, self.make.text, self.make.value
        row = self.row
        for values in rows:
            row += 1
            cells = [f(v) for f, v in zip(convert, values)]
            lines = 1
            for i, per_line, width, links in measured:
                value = values[i]
                if value.__class__ is str and (len(value) > per_line or "\n" in value) and not (
                        links and web_link(value)):  # addresses shrink to fit on one line
                    lines = max(lines, wrapped_lines(value, width))
                    cells[i] = text(value, "wrap")
            if lines > 1:  # a tall row: every value at the top, level with the wrapped text
                dims[row].height = row_height(lines)
                cells = [styled(c, "plain") if c.__class__ in PLAIN else c for c in cells]
            ws.append(cells)
        n, self.row = row - self.row, row
        return n

    def colour(self, first_col: int, last_col: int, first_row: int, last_row: int, colours: dict[str, str]) -> None:
        """Fill cells by their text (conditional formatting, so edits recolour too)."""
        from openpyxl.formatting.rule import CellIsRule
        from openpyxl.styles import Font, PatternFill

        cells = f"{ref(first_col, first_row)}:{ref(last_col, last_row)}"
        for value, colour in colours.items():
            if not value:
                continue
            argb = colour.lstrip("#")
            rule = CellIsRule(operator="equal", formula=['"{}"'.format(value.replace('"', '""'))],
                              fill=PatternFill(start_color=argb, end_color=argb, fill_type="solid"),
                              font=Font(color=palette.text_on(colour).lstrip("#")))
            self.ws.conditional_formatting.add(cells, rule)

    def data_bar(self, col: int, first_row: int, last_row: int) -> None:
        from openpyxl.formatting.rule import DataBarRule

        self.ws.conditional_formatting.add(f"{ref(col, first_row)}:{ref(col, last_row)}",
                                           DataBarRule(start_type="num", start_value=0, end_type="num", end_value=100,
                                                       color=palette.ORANGE.lstrip("#")))


def column_lefts_cm(widths: Sequence[float]) -> list[float]:
    """Left edge of each column in centimetres (a unit of width is 7 px plus 5 px padding at 96 dpi)."""
    lefts, x = [], 0.0
    for width in widths:
        lefts.append(x)
        x += (math.floor(width * 7 + 5)) / 96 * 2.54
    return lefts
