"""Bringing a gap workbook edited in Excel or LibreOffice back: cell-by-cell changes, conflicts from versions,
sorted rows, a real LibreOffice re-save, dry runs, bad values refused together, foreign workbooks refused."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from cmmikit.errors import ImportProblem
from cmmikit.outputs.excel import export_workbook
from cmmikit.outputs.gap_keys import KEY_HEADER, RowKey, split_units, unit_lines
from cmmikit.store import Appraisal
from cmmikit.imports.xlsx_import import NotAGapWorkbook, import_xlsx

HEADER_ROW = 3   # two title lines, then the table header


def edit(book: Path, out: Path, changes: dict[tuple[str, str, str], object], *, reverse: bool = False) -> Path:
    """Save ``book`` as ``out`` with cells changed: (sheet, practice, column header) -> value; ``reverse`` sorts
    the data rows of every changed sheet the other way round first (the key moves with its row)."""
    wb = load_workbook(book)
    for title in {sheet for sheet, _, _ in changes}:
        ws = wb[title]
        if reverse:
            rows = [[c.value for c in row] for row in ws.iter_rows(min_row=HEADER_ROW + 1)]
            for r, values in enumerate(reversed(rows), HEADER_ROW + 1):
                for c, value in enumerate(values, 1):
                    ws.cell(r, c).value = value
    for (title, practice, header), value in changes.items():
        ws = wb[title]
        cols = {c.value: c.column for c in ws[HEADER_ROW]}
        row = next(r for r in range(HEADER_ROW + 1, ws.max_row + 1) if ws.cell(r, 2).value == practice)
        ws.cell(row, cols[header]).value = value
    wb.save(out)
    return out


def lengthen(book: Path, marker: str, size: int) -> None:
    """Replace ``marker`` in ``book`` by ``size`` x's: a cell longer than Excel (and openpyxl) would write."""
    import zipfile

    parts = {}
    with zipfile.ZipFile(book) as zf:
        for info in zf.infolist():
            parts[info] = zf.read(info).replace(marker.encode(), b"x" * size)
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in parts.items():
            zf.writestr(info, data)


def where(book: Path, sheet: str, practice: str, header: str) -> str:
    """The reference of a cell of ``book`` (as the import names it)."""
    ws = load_workbook(book)[sheet]
    cols = {c.value: c.column_letter for c in ws[HEADER_ROW]}
    row = next(r for r in range(HEADER_ROW + 1, ws.max_row + 1) if ws.cell(r, 2).value == practice)
    return f"{sheet}!{cols[header]}{row}"


def state(appraisal: Appraisal) -> object:
    """Everything stored (both backends), and the file's bytes for SQLite."""
    files = ()
    if appraisal.location.path is not None:
        path = appraisal.location.path
        files = tuple(p.read_bytes() if p.exists() else None for p in (path, Path(f"{path}-wal")))
    return appraisal.dump(), files


@pytest.fixture
def rated(appraisal):
    appraisal.update_record("CM", "SP 1.1", "Unit A", characterization="PI", weaknesses="No CM plan.")
    appraisal.update_record("CM", "SP 1.2", "Unit B", characterization="LI", weaknesses="Items listed by hand.",
                            strengths="Baselines are named.")
    appraisal.update_record("CM", "SP 1.1", "Unit B", characterization="FI")
    return appraisal


def test_round_trip_applies_the_edit_and_refuses_the_conflict(rated, tmp_path):
    book = export_workbook(rated, tmp_path / "gap.xlsx")
    with Appraisal.open(rated.address, user="bob") as other:       # another session, after the export
        other.update_record("CM", "SP 1.2", "Unit B", characterization="NI")
        other.update_record("CM", "SP 1.1", "Unit A", notes="Checked the plan folder.")   # a field not edited
    edited = edit(book, tmp_path / "edited.xlsx", {("CM", "SP 1.1", "Unit A"): "LI", ("CM", "SP 1.2", "Unit B"): "FI"})
    with Appraisal.open(rated.address, user="carol") as mine:
        plan = import_xlsx(mine, edited)
        assert [e.describe() for e, _ in plan.edits] == [
            f"{where(edited, 'CM', 'SP 1.1', 'Unit A')}: CM SP 1.1 / Unit A: characterization 'PI' -> 'LI'"]
        (conflict,) = plan.conflicts
        line = conflict.describe()
        assert line.startswith(f"{where(edited, 'CM', 'SP 1.2', 'Unit B')}: CM SP 1.2 / Unit B: characterization")
        assert "exported 'LI', now 'NI' (changed by bob" in line and line.endswith("workbook 'FI'")
        assert mine.record("CM", "SP 1.1", "Unit A").characterization == "LI"
        assert mine.record("CM", "SP 1.1", "Unit A").notes == "Checked the plan folder."   # bob's change kept
        assert mine.record("CM", "SP 1.2", "Unit B").characterization == "NI"
        last = mine.history()[-1]
        assert (last.user, last.key, last.field, last.old, last.new) == (
            "carol", "CM SP 1.1 / Unit A", "characterization", "PI", "LI")
        assert "carol changed 1 cell(s) in 1 practice record(s)" not in plan.summary(done=True, user="carol")
        assert plan.summary(done=True, user="carol").endswith("changed 1 cell(s) in 1 practice record(s) as carol")


def test_texts_are_read_back_unit_by_unit_and_formulas_stay_text(rated, tmp_path):
    book = export_workbook(rated, tmp_path / "gap.xlsx")
    weak = load_workbook(book)["CM"]
    cols = {c.value: c.column for c in weak[HEADER_ROW]}
    assert weak.cell(HEADER_ROW + 1, cols["Weaknesses"]).value == "Unit A: No CM plan."
    edited = edit(book, tmp_path / "edited.xlsx", {
        ("CM", "SP 1.1", "Weaknesses"): "Unit A: No CM plan; no owner.\nUnit B: Nobody reviews\nthe list.",
        ("CM", "SP 1.2", "Strengths"): None,
        ("CM", "SP 1.2", "Notes"): "QA Group: =SUM(A1:A9)"})
    plan = import_xlsx(rated, edited)
    assert sorted((e.unit, e.field, e.new) for e, _ in plan.edits) == [
        ("QA Group", "notes", "=SUM(A1:A9)"), ("Unit A", "weaknesses", "No CM plan; no owner."),
        ("Unit B", "strengths", ""), ("Unit B", "weaknesses", "Nobody reviews\nthe list.")]
    assert rated.record("CM", "SP 1.1", "Unit B").weaknesses == "Nobody reviews\nthe list."
    assert rated.record("CM", "SP 1.2", "Unit B").strengths == ""
    assert rated.record("CM", "SP 1.2", "Unit B").weaknesses == "Items listed by hand."   # untouched
    assert rated.record("CM", "SP 1.2", "QA Group").notes == "=SUM(A1:A9)"


def test_sorted_rows_land_on_their_records(rated, tmp_path):
    book = export_workbook(rated, tmp_path / "gap.xlsx")
    edited = edit(book, tmp_path / "sorted.xlsx", {("CM", "SP 1.1", "Unit B"): "NI", ("CM", "GP 2.10", "Unit A"): "FI"},
                  reverse=True)
    assert where(edited, "CM", "SP 1.1", "Unit B") != where(book, "CM", "SP 1.1", "Unit B")
    plan = import_xlsx(rated, edited)
    assert len(plan.edits) == 2 and not plan.conflicts
    assert rated.record("CM", "SP 1.1", "Unit B").characterization == "NI"
    assert rated.record("CM", "GP 2.10", "Unit A").characterization == "FI"
    assert rated.record("CM", "SP 1.1", "Unit A").characterization == "PI"


@pytest.mark.filterwarnings("ignore:.*extension is not supported")   # openpyxl on LibreOffice's formats
def test_a_workbook_resaved_by_libreoffice_still_imports(rated, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; CI installs libreoffice-calc-nogui")
    book = export_workbook(rated, tmp_path / "gap.xlsx")
    edited = edit(book, tmp_path / "edited.xlsx", {("CM", "SP 1.2", "Unit A"): "LI",
                                                   ("CM", "SP 1.2", "Weaknesses"): "Unit B: Items listed by hand.\n"
                                                                                   "Unit A: =1+1 is not a plan."},
                  reverse=True)
    out = tmp_path / "lo"
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(edited)],
                   check=True, capture_output=True, timeout=300)
    resaved = out / "edited.xlsx"
    ws = load_workbook(resaved)["CM"]
    key_col = next(c for c in ws[HEADER_ROW] if c.value == KEY_HEADER).column_letter
    assert ws.column_dimensions[key_col].hidden   # LibreOffice kept the key column hidden
    plan = import_xlsx(rated, resaved)
    assert sorted((e.unit, e.field, e.new) for e, _ in plan.edits) == [
        ("Unit A", "characterization", "LI"), ("Unit A", "weaknesses", "=1+1 is not a plan.")]
    assert rated.record("CM", "SP 1.2", "Unit A").weaknesses == "=1+1 is not a plan."


def test_dry_run_writes_nothing(rated, tmp_path):
    book = export_workbook(rated, tmp_path / "gap.xlsx")
    edited = edit(book, tmp_path / "edited.xlsx", {("CM", "SP 1.1", "Unit A"): "fi"})
    before = state(rated)
    plan = import_xlsx(rated, edited, dry_run=True)
    assert [(e.field, e.exported, e.new) for e, _ in plan.edits] == [("characterization", "PI", "FI")]
    assert "would change 1 cell(s) in 1 practice record(s)" in plan.summary()
    assert state(rated) == before
    assert import_xlsx(rated, edited, dry_run=True).summary() == plan.summary()   # nothing changed meanwhile


def test_bad_values_are_all_listed_and_nothing_is_written(rated, tmp_path):
    book = export_workbook(rated, tmp_path / "gap.xlsx")
    edited = edit(book, tmp_path / "bad.xlsx", {
        ("CM", "SP 1.1", "Unit A"): "LI",                  # a good edit: not written either
        ("CM", "SP 1.2", "Unit A"): "XI",
        ("CM", "SP 1.3", "Unit B"): "=\"FI\"",
        ("CM", "SP 1.2", "Weaknesses"): "no unit named here",
        ("CM", "SP 2.1", "Notes"): "Unit A: LONG-TEXT-HERE",
        ("PPQA", "SP 1.1", KEY_HEADER): "{not a key"})
    lengthen(edited, "LONG-TEXT-HERE", 40_000)
    before = state(rated)
    with pytest.raises(ImportProblem) as caught:
        import_xlsx(rated, edited)
    problems = caught.value.problems
    assert problems == [
        f"{where(edited, 'CM', 'SP 1.2', 'Unit A')}: characterization 'XI' is not one of FI, LI, PI, NI, NY (or blank)",
        (f"{where(edited, 'CM', 'SP 1.2', 'Weaknesses')}: weaknesses: line 1 names no unit (start it with a unit "
        "and a colon, e.g. 'Unit A: ...')"),
        (f"{where(edited, 'CM', 'SP 1.3', 'Unit B')}: characterization '=\"FI\"' is not one of FI, LI, PI, NI, NY "
        "(or blank)"),
        f"{where(edited, 'CM', 'SP 2.1', 'Notes')}: notes is 40008 characters long; a cell holds at most 32767",
        (f"{where(edited, 'PPQA', 'SP 1.1', KEY_HEADER)}: the row key was changed or damaged (the hidden column "
        "'cmmikit key'; re-export the workbook)")]
    assert str(caught.value).startswith(f"{edited}: 5 problem(s), nothing imported")
    assert state(rated) == before


def test_a_workbook_of_another_appraisal_is_refused(rated, new_location, tmp_path):
    book = edit(export_workbook(rated, tmp_path / "gap.xlsx"), tmp_path / "e.xlsx", {("CM", "SP 1.1", "Unit A"): "LI"})
    with Appraisal.create(new_location("other"), name="Other appraisal") as other:
        other.add_instance("Unit A")
        other.add_instance("Unit B")
        other.add_instance("QA Group", "support_function", pas=["CM", "PPQA"])
        before = state(other)
        with pytest.raises(NotAGapWorkbook) as caught:
            import_xlsx(other, book)
        assert str(caught.value) == (f"{book}: exported from another appraisal ('Test appraisal'), not from "
                                     f"'Other appraisal' ({other.location.display}); nothing was imported")
        assert state(other) == before


def test_a_workbook_cmmikit_did_not_export_is_refused(appraisal, tmp_path):
    wb = Workbook()
    wb.active.append(["PA", "Practice", "Unit A"])
    wb.active.append(["CM", "SP 1.1", "LI"])
    wb.save(tmp_path / "other.xlsx")
    before = state(appraisal)
    with pytest.raises(NotAGapWorkbook, match=r"other\.xlsx: not a cmmikit gap workbook \(no sheet has the hidden "
                                              r"'cmmikit key' column\); export one with 'cmmikit export-xlsx"):
        import_xlsx(appraisal, tmp_path / "other.xlsx")
    (tmp_path / "notes.xlsx").write_text("not a workbook")
    with pytest.raises(NotAGapWorkbook, match=r"notes\.xlsx: not an Excel workbook"):
        import_xlsx(appraisal, tmp_path / "notes.xlsx")
    assert state(appraisal) == before


def test_a_unit_removed_since_the_export_is_a_conflict(rated, tmp_path):
    book = export_workbook(rated, tmp_path / "gap.xlsx")
    rated.update_instance("Unit B", new_name="Unit Bee")        # renamed: still found by its id
    rated.remove_instance("QA Group")
    edited = edit(book, tmp_path / "e.xlsx", {("CM", "SP 1.1", "Unit B"): "LI", ("CM", "SP 1.1", "QA Group"): "PI"})
    plan = import_xlsx(rated, edited)
    assert [(e.unit, e.new) for e, _ in plan.edits] == [("Unit B", "LI")]
    assert rated.record("CM", "SP 1.1", "Unit Bee").characterization == "LI"
    (conflict,) = plan.conflicts
    assert "QA Group: characterization exported (blank), the unit was removed, workbook 'PI'" in conflict.describe()


def test_the_key_column_is_hidden_inside_the_table(rated, tmp_path):
    ws = load_workbook(export_workbook(rated, tmp_path / "gap.xlsx"))["CM"]
    cols = {c.value: c for c in ws[HEADER_ROW]}
    key = cols[KEY_HEADER]
    assert ws.column_dimensions[key.column_letter].hidden and not ws.column_dimensions["A"].hidden
    assert KEY_HEADER in [c.name for c in ws.tables["PA_CM"].tableColumns]   # sorting the table moves it too
    row = RowKey.decode(ws.cell(HEADER_ROW + 1, key.column).value)
    assert (row.pa, row.practice, row.origin.generation) == ("CM", "SP 1.1", rated.generation)
    assert [(u.header, u.characterization) for u in row.units] == [("Unit A", "PI"), ("Unit B", "FI"),
                                                                   ("QA Group", "")]
    assert ws.row_dimensions[HEADER_ROW + 2].height is None or ws.row_dimensions[HEADER_ROW + 2].height < 30


def test_unit_texts_read_back_and_ambiguous_cells_are_read_only(rated, tmp_path):
    texts = [("Unit A", "Service Desk: x"), ("Unit B", "Unit B keeps no list\nsecond line"), ("QA Group", "")]
    cell = unit_lines(texts)
    assert cell == "Unit A: Service Desk: x\nUnit B keeps no list\nsecond line"
    assert split_units(cell, ["Unit A", "Unit B", "QA Group"]) == {"Unit A": "Service Desk: x",
                                                                   "Unit B": "Unit B keeps no list\nsecond line"}
    assert split_units("only text", ["Unit A"]) == {"Unit A": "only text"}   # one unit: its name may be left out
    rated.update_record("CM", "SP 1.1", "Unit A", weaknesses="No plan.\nUnit B has one.")   # cannot be told apart
    book = export_workbook(rated, tmp_path / "gap.xlsx")
    edited = edit(book, tmp_path / "e.xlsx", {("CM", "SP 1.1", "Weaknesses"): "Unit A: changed"})
    with pytest.raises(ImportProblem, match="weaknesses of several units cannot be told apart in this cell"):
        import_xlsx(rated, edited)


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run the command line in this process: (exit status, stdout, stderr)."""
    from cmmikit.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_line_lists_changes_and_conflicts_under_the_user(tmp_path, capsys):
    location = tmp_path / "a.cmmi"
    with Appraisal.create(location, name="CLI") as a:
        a.add_instance("Unit A")
        a.update_record("CM", "SP 1.1", "Unit A", characterization="PI")
        a.update_record("CM", "SP 1.2", "Unit A", characterization="PI")
    assert cli(capsys, "export-xlsx", str(location), "-o", str(tmp_path / "gap.xlsx"))[0] == 0
    with Appraisal.open(location, user="bob") as a:
        a.update_record("CM", "SP 1.2", "Unit A", characterization="NI")
    edited = edit(tmp_path / "gap.xlsx", tmp_path / "e.xlsx", {("CM", "SP 1.1", "Unit A"): "LI",
                                                              ("CM", "SP 1.2", "Unit A"): "FI"})
    before = location.read_bytes()
    code, out, _ = cli(capsys, "--user", "carol", "import-xlsx", str(location), str(edited), "--dry-run")
    assert code == 1 and "would change 1 cell(s)" in out and location.read_bytes() == before
    code, out, err = cli(capsys, "--user", "carol", "import-xlsx", str(location), str(edited))
    assert code == 1 and "Traceback" not in err
    assert "  CM!D4: CM SP 1.1 / Unit A: characterization 'PI' -> 'LI'\n" in out
    assert "1 cell(s) NOT imported" in out and "  CM!D5: CM SP 1.2 / Unit A: characterization" in out
    assert err.strip() == ("cmmikit: error: 1 cell(s) not imported: changed in the appraisal since the "
                           "export (listed above); the other changes were saved")
    code, out, _ = cli(capsys, "history", str(location), "--user", "carol")
    assert "CM SP 1.1 / Unit A: characterization: 'PI' -> 'LI'" in out
    code, _, err = cli(capsys, "import-xlsx", str(location), str(tmp_path / "missing.xlsx"))
    assert code == 1 and err.startswith("cmmikit: error: ") and len(err.splitlines()) == 1


def test_a_scampi_b_workbook_takes_its_scales_values(new_location, tmp_path):
    with Appraisal.create(new_location("b"), name="Risk check", appraisal_type="SCAMPI B") as b:
        b.add_instance("Unit A")
        b.update_record("CM", "SP 1.1", "Unit A", characterization="medium")
        book = export_workbook(b, tmp_path / "gap.xlsx")
        assert load_workbook(book)["CM"].cell(HEADER_ROW + 1, 4).value == "medium"
        bad = edit(book, tmp_path / "bad.xlsx", {("CM", "SP 1.1", "Unit A"): "FI"})
        with pytest.raises(ImportProblem, match=r"CM!D4: characterization 'FI' is not one of low, medium, high"):
            import_xlsx(b, bad)
        plan = import_xlsx(b, edit(book, tmp_path / "good.xlsx", {("CM", "SP 1.1", "Unit A"): "High"}))
        assert [(e.exported, e.new) for e, _ in plan.edits] == [("medium", "high")]
        assert b.record("CM", "SP 1.1", "Unit A").characterization == "high"


def test_a_row_too_long_for_its_key_keeps_its_texts_read_only(rated, tmp_path):
    rated.update_record("CM", "SP 1.1", "Unit B", strengths="s" * 20_000, weaknesses="w" * 20_000)
    book = export_workbook(rated, tmp_path / "gap.xlsx")
    ws = load_workbook(book)["CM"]
    key = RowKey.decode(ws.cell(HEADER_ROW + 1, next(c.column for c in ws[HEADER_ROW] if c.value == KEY_HEADER)).value)
    assert key.read_only == ("strengths", "weaknesses", "notes") and key.digests
    plan = import_xlsx(rated, edit(book, tmp_path / "char.xlsx", {("CM", "SP 1.1", "Unit A"): "NI"}), dry_run=True)
    assert [(e.field, e.new) for e, _ in plan.edits] == [("characterization", "NI")]   # untouched texts: no problem
    edited = edit(book, tmp_path / "text.xlsx", {("CM", "SP 1.1", "Weaknesses"): "Unit A: shorter"})
    with pytest.raises(ImportProblem, match=r"CM!M4: weaknesses of several units cannot be told apart"):
        import_xlsx(rated, edited)
