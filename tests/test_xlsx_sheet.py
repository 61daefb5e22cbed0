"""The sheet writer's rules: wrapped line counts, row heights, header widths, typed cells."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook

from cmmikit.outputs.xlsx_sheet import (BOOL, DATE, INT, LINK, MAX_LINES, MAX_ROW_HEIGHT, TEXT, Book, Column, SheetWriter,
                                fit_headers, iso_date, missing, row_height, wrapped_lines)


@pytest.mark.parametrize(("text", "width", "lines"), [
    ("short", 10, 1),
    ("", 10, 1),
    ("one\ntwo\nthree", 40, 3),
    ("aaaa bbbb cccc", 10, 2),        # 11 chars a line: "aaaa bbbb" then "cccc"
    ("aaaa bbbbbb cc", 10, 2),        # words are not split: "aaaa" + "bbbbbb cc"
    ("x" * 25, 10, 3),                # a word longer than a line is broken
    ("ab " * 10, 10, 3),
])
def test_wrapped_lines_keep_words_whole(text, width, lines):
    assert wrapped_lines(text, width) == lines


def test_wrapped_lines_stop_at_what_a_row_can_show():
    assert wrapped_lines("line\n" * 500, 10) == MAX_LINES
    assert row_height(MAX_LINES) <= MAX_ROW_HEIGHT and row_height(1000) == MAX_ROW_HEIGHT
    assert row_height(3) > row_height(2) > row_height(1)


def test_headers_are_widened_so_no_word_breaks():
    narrow, wide = fit_headers([Column("Affirmations", 6), Column("Goal", 10)])
    assert narrow.width >= len("Affirmations") + 1 and wide.width == 10


def test_missing_values_and_dates():
    import pandas as pd

    assert all(missing(v) for v in (None, float("nan"), pd.NA, pd.NaT))
    assert not any(missing(v) for v in (0, "", "nan", False))
    assert iso_date("2026-11-02") == date(2026, 11, 2) and iso_date(date(2026, 1, 1)) == date(2026, 1, 1)
    assert iso_date("2026-02-30") is None and iso_date("next week") is None and iso_date(None) is None


def test_sheet_writer_types_every_kind_of_cell(tmp_path):
    path = tmp_path / "t.xlsx"
    book = Book(path)
    sheet = SheetWriter(book, "T", [10, 10, 10, 30, 8])
    columns = [Column("N", 10, INT), Column("Flag", 10, BOOL), Column("Due", 10, DATE), Column("Where", 30, LINK),
               Column("Text", 8, TEXT)]
    sheet.table("T", columns, [(1, True, "2026-01-31", "https://a.example/x", "=1+1"),
                               (float("nan"), False, "soon", "room 4", "two words and more"),
                               (None, None, None, None, None)])
    book.close()
    wb = load_workbook(path)
    ws = wb["T"]
    one, two, three = (list(r) for r in ws.iter_rows(min_row=2, max_row=4))
    assert [c.value for c in one[:2]] == [1, "Yes"] and one[2].is_date and one[3].hyperlink.target == one[3].value
    assert (one[4].value, one[4].data_type, one[4].quotePrefix) == ("=1+1", "s", True)
    assert [c.value for c in two[:4]] == [None, "No", "soon", "room 4"] and two[3].hyperlink is None
    assert ws.row_dimensions[3].height == row_height(wrapped_lines("two words and more", 8))
    assert all(c.alignment.vertical == "top" for c in two[1:]) and two[4].alignment.wrap_text
    assert all(c.value is None for c in three)
    assert one[1].font.name == "Arial" and one[1].font.sz == 10
