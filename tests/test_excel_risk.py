"""The gap workbook of a SCAMPI B or C appraisal: findings and the scale's values, never a rating."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cmmikit import palette
from cmmikit.outputs.excel import export_workbook
from cmmikit.store import Appraisal
from test_excel import pdf_pages, soffice_pdf

RATING_WORDS = re.compile(r"\b(?:Satisfied|Unsatisfied|Not Rated|Achieved|Not Achieved)\b")
OWN_SCALE = Path(__file__).parent / "data" / "scales" / "traffic-light-c.yaml"
PAS = ("CM", "MA", "PPQA", "REQM", "SAM", "SD", "WMC", "WP")


@pytest.fixture(scope="module")
def b_book(demo_b_file, tmp_path_factory):
    folder = tmp_path_factory.mktemp("b_book")
    path = export_workbook(demo_b_file, folder / "b.xlsx")
    return {"path": path, "wb": load_workbook(path), "folder": folder}


def cells_text(ws) -> list[str]:
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def facts(ws) -> dict[str, str]:
    return {ws.cell(r, 1).value: ws.cell(r, 3).value for r in range(2, 20) if ws.cell(r, 1).value}


def header(ws, row: int) -> dict[str, int]:
    return {c.value: c.column for c in ws[row] if c.value}


def test_no_sheet_holds_a_rating(b_book):
    wb = b_book["wb"]
    assert wb.sheetnames == ["Summary", "Goal risk", *PAS, "Findings", "Action plan", "Evidence", "Change log"]
    for ws in wb.worksheets:
        found = [t for t in cells_text(ws) if RATING_WORDS.search(t)]
        assert not found, (ws.title, found[:3])


def test_the_summary_says_findings_not_ratings_with_the_scale_and_forecast(b_book):
    ws = b_book["wb"]["Summary"]
    f = facts(ws)
    assert f["Appraisal type"] == "SCAMPI B"
    assert f["Result"].startswith("A SCAMPI B gives strengths, weaknesses and findings, not ratings")
    assert f["Scale"] == "SCAMPI B implementation risk: low risk, medium risk, high risk"
    assert f["Readiness forecast"].startswith("Would the goal be satisfied in a SCAMPI A? 26 goals: 4 unlikely")
    assert f["Maturity level forecast"].startswith("Maturity level 2 forecast: unlikely (MA SG 1")
    assert "Verdict" not in f and "Reasons" not in f
    table = next(iter(ws.tables.values()))
    head_row = ws[table.ref.split(":")[0]].row
    cols = header(ws, head_row)
    assert {"low risk", "medium risk", "high risk", "Open", "On track", "Unlikely", "At risk", "Likely"} <= set(cols)
    ma = next(r for r in range(head_row + 1, ws.max_row + 1) if ws.cell(r, 1).value == "MA")
    assert [ws.cell(ma, cols[k]).value for k in ("low risk", "medium risk", "high risk", "Unlikely")] == [4, 10, 4, 3]
    charts = ws._charts
    assert len(charts) == 2
    fills = [[str(s.graphicalProperties.solidFill.srgbClr) for s in c.series] for c in charts]
    assert fills[0][:3] == [palette.GREEN.lstrip("#"), palette.YELLOW.lstrip("#"), palette.VERMILLION.lstrip("#")]


def test_goal_risk_sheet_replaces_the_goal_ratings(b_book):
    ws = b_book["wb"]["Goal risk"]
    assert "no goal is rated" in ws["A1"].value
    cols = header(ws, 3)
    rows = {(ws.cell(r, 1).value, ws.cell(r, 2).value): r for r in range(4, ws.max_row + 1)}
    ma = rows[("MA", "SG 1")]
    assert ws.cell(ma, cols["Risk summary"]).value == "3 medium risk, 1 high risk"
    assert ws.cell(ma, cols["Forecast"]).value == "unlikely to be satisfied in a SCAMPI A"
    assert ws.cell(rows[("SD", "SG 3")], cols["Forecast"]).value == "not forecast yet (practices still open)"
    rules = {rule.formula[0]: rule.dxf.fill.bgColor.rgb or rule.dxf.fill.fgColor.rgb
             for rng in ws.conditional_formatting for rule in rng.rules}
    assert rules['"unlikely to be satisfied in a SCAMPI A"'].endswith(palette.VERMILLION.lstrip("#"))
    assert rules['"likely to be satisfied in a SCAMPI A"'].endswith(palette.GREEN.lstrip("#"))


def test_pa_sheets_show_the_scale_values_in_its_colours(b_book):
    ws = b_book["wb"]["MA"]
    assert ws["A1"].value.startswith("MA Measurement and Analysis: 4 low risk, 10 medium risk, 4 high risk")
    assert "SCAMPI B: findings, not ratings" in ws["A1"].value
    assert ws["A2"].value.startswith("Goals: SG 1 unlikely to be satisfied in a SCAMPI A")
    values = {ws.cell(r, c).value for r in range(4, ws.max_row + 1) for c in range(4, 7)}
    assert values <= {"low", "medium", "high", None}
    rules = {}
    for rng in ws.conditional_formatting:
        for rule in rng.rules:
            rules.setdefault(str(rng.sqref), {})[rule.formula[0]] = rule.dxf.fill.bgColor.rgb or rule.dxf.fill.fgColor.rgb
    char_range = f"D4:F{ws.max_row}"
    assert rules[char_range]['"high"'].endswith(palette.VERMILLION.lstrip("#"))
    ou_range = f"G4:G{ws.max_row}"
    assert rules[ou_range]['"medium (team decision)"'].endswith(palette.YELLOW.lstrip("#"))


def test_findings_sheet_shows_forecasts_not_goal_ratings(b_book):
    ws = b_book["wb"]["Findings"]
    cols = header(ws, 2)
    assert "Goal forecast" in cols and "OU value" in cols and "Goal rating" not in cols
    shown = {ws.cell(r, cols["Goal forecast"]).value for r in range(3, ws.max_row + 1)} - {None}
    assert shown <= {"unlikely", "at risk", "likely", "open"} and "unlikely" in shown
    assert ws.cell(3, cols["OU value"]).value == "high risk"   # the top finding: a high-risk practice


def test_the_printed_workbook_holds_no_rating(b_book):
    pdf = soffice_pdf(b_book["path"], b_book["folder"])
    pages = pdf_pages(pdf)
    per_sheet: dict[str, int] = {}
    for sheet, text, _ in pages:
        per_sheet[sheet] = per_sheet.get(sheet, 0) + 1
        assert not RATING_WORDS.search(text), sheet
    assert per_sheet["Summary"] == 1 and per_sheet["Goal risk"] <= 2
    assert all(per_sheet[pa] <= 4 for pa in PAS) and len(pages) <= 90
    assert "findings, not ratings" in pages[0][1]


def test_a_teams_own_scampi_c_scale_in_the_workbook(tmp_path):
    from cmmikit.demo import build_demo

    path = tmp_path / "c.cmmi"
    with build_demo(path, appraisal_type="SCAMPI B") as demo:
        mapping = {"low": "used", "medium": "drafted", "high": "missing"}
        demo.set_type("SCAMPI C", scale=OWN_SCALE, mapping=mapping)
    wb = load_workbook(export_workbook(path, tmp_path / "c.xlsx"))
    f = facts(wb["Summary"])
    assert f["Scale"].startswith("ACME approach maturity: approach embedded") and "Maturity level forecast" not in f
    assert f["Result"].startswith("A SCAMPI C gives strengths, weaknesses and findings, not ratings")
    summary = wb["Summary"]
    assert [c.title.tx.rich.p[0].r[0].t for c in summary._charts] == ["Practices per PA (ACME approach maturity)",
                                                                        "Goals on track per PA"]
    goal_cols = header(wb["Goal risk"], 3)
    assert "Worst value" in goal_cols and "approach drafted" in goal_cols
    assert wb["Findings"].cell(2, header(wb["Findings"], 2)["Goal's worst value"]).value == "Goal's worst value"
    for ws in wb.worksheets:
        assert not [t for t in cells_text(ws) if RATING_WORDS.search(t)], ws.title
    ma = wb["MA"]
    assert {ma.cell(r, c).value for r in range(4, ma.max_row + 1) for c in range(4, 7)} <= {
        "used", "drafted", "missing", None}


def test_the_appraisal_is_only_read(demo_b_file, tmp_path):
    before = demo_b_file.read_bytes()
    export_workbook(demo_b_file, tmp_path / "x.xlsx")
    assert demo_b_file.read_bytes() == before
    with Appraisal.open(demo_b_file) as a:
        assert a.info().appraisal_type == "SCAMPI B"
