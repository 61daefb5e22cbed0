"""Importing a PIID workbook (built here with openpyxl): every problem refused together and named by cell, nothing
written unless all rows are valid, one register entry for an artifact named in many rows, dry runs, mappings,
merged cells and hyperlinks, and the command line."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import Workbook

from cmmikit.errors import ImportProblem
from cmmikit.imports import piid
from cmmikit.imports.piid import import_piid
from cmmikit.method.rating import rate
from cmmikit.store import Appraisal, Cell

HEADER = ["PA", "Practice", "Instance", "Direct Artifact", "Indirect Artifact", "Location", "Affirmation",
          "Characterization", "Strengths", "Weaknesses", "Notes"]
GOOD_ROWS = [
    ["WMC", "SP 1.1", "Unit A", "Work plan\nStatus report", "", "https://wiki/plan\nhttps://wiki/status",
     "PM interview", "LI", "", "Deviations are not recorded", ""],
    ["WMC", "SP 1.2", "Unit A", "Work plan", "Effort sheet", "https://wiki/plan; https://wiki/effort",
     "PM interview", "FI", "Commitments tracked weekly", "", ""],
    ["WMC", "SP 1.1", "Unit B", "work  PLAN", "", "https://wiki/plan", "Desk interview", "fully implemented",
     "", "", "checked by Bo"],
    ["", "WMC GP 2.2", "Unit B", "Work plan", "", "https://wiki/plan", "", "", "", "", ""],
]
BAD_ROWS = [
    ["WMC", "SP 9.9", "Unit A", "Work plan", "", "https://wiki/plan", "", "FI", "", "", ""],
    ["WMC", "SP 1.3", "Unit A", "", "", "", "PM interview", "XX", "", "", ""],
    ["WMC", "SP 1.4", "Unit Z", "Milestone review minutes", "", "", "", "PI", "", "", ""],
]


def workbook(path: Path, rows: list[list[str]], *, title: str = "PIID", header: list[str] = HEADER,
             extra_sheets: dict[str, list[list[str]]] | None = None) -> Path:
    """A PIID workbook the way teams keep them: a title row, a blank row, the header row, then one row per cell."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(["Practice implementation indicators, Northwind services"])
    ws.append([])
    ws.append(header)
    for row in rows:
        ws.append(row)
    for name, sheet_rows in (extra_sheets or {}).items():
        other = wb.create_sheet(name)
        for row in sheet_rows:
            other.append(row)
    wb.save(path)
    return path


def test_every_problem_is_refused_together_and_nothing_is_written(appraisal, tmp_path):
    path = workbook(tmp_path / "piid.xlsx", GOOD_ROWS + BAD_ROWS)
    before = appraisal.dump()
    with pytest.raises(ImportProblem) as info:
        import_piid(appraisal, path)
    assert info.value.problems == [
        "PIID!B8: practice 'SP 9.9' is not in WMC",
        "PIID!H9: characterization 'XX' is not one of FI, LI, PI, NI, NY (or blank)",
        "PIID!C10: instance 'Unit Z' is not a basic unit or support function of this appraisal "
        "(add it first, or pass --add-units to create it)"]
    assert str(info.value).startswith(f"{path}: 3 problem(s), nothing imported: ")
    assert appraisal.dump() == before


def test_a_clean_workbook_is_imported_with_reused_artifacts_and_rated(appraisal, tmp_path):
    path = workbook(tmp_path / "piid.xlsx", GOOD_ROWS)
    plan = import_piid(appraisal, path)
    assert plan.rows == 4 and plan.sheets == ["PIID"]
    plan_entry, = [e for e in appraisal.register() if e.title == "Work plan"]
    assert plan_entry.location == "https://wiki/plan" and plan_entry.kind == "direct"
    assert plan_entry.cells == (Cell("WMC", "SP 1.1", "Unit A"), Cell("WMC", "SP 1.1", "Unit B"),
                                Cell("WMC", "SP 1.2", "Unit A"), Cell("WMC", "GP 2.2", "Unit B"))
    titles = {(e.kind, e.title, e.location, e.reuse) for e in appraisal.register()}
    assert titles == {("direct", "Work plan", "https://wiki/plan", 4),
                      ("direct", "Status report", "https://wiki/status", 1),
                      ("indirect", "Effort sheet", "https://wiki/effort", 1),
                      ("affirmation", "PM interview", "", 2), ("affirmation", "Desk interview", "", 1)}
    assert appraisal.evidence_counts()[("WMC", "SP 1.1", "Unit A")] == {"artifact": 2, "affirmation": 1}
    records = {(r.practice, r.instance): r for r in appraisal.records("WMC")}
    assert (records[("SP 1.1", "Unit A")].characterization, records[("SP 1.1", "Unit A")].weaknesses) == (
        "LI", "Deviations are not recorded")
    assert records[("SP 1.1", "Unit B")].characterization == "FI" and records[("SP 1.1", "Unit B")].notes
    assert ("GP 2.2", "Unit B") not in records                     # no characterization, no text: no record
    changes = appraisal.history(pa="WMC", practice="SP 1.1", instance="Unit A")
    assert {c.user for c in changes} == {appraisal.user} and len(changes) == 5
    ratings = rate(appraisal)
    cells = ratings.cells.set_index(["pa", "practice", "instance"])
    assert cells.loc[("WMC", "SP 1.1", "Unit A"), "n_artifacts"] == 2
    assert cells.loc[("WMC", "SP 1.1", "Unit B"), "characterization"] == "FI"
    practices = ratings.practices.set_index(["pa", "practice"])
    sp11 = practices.loc[("WMC", "SP 1.1")]
    assert (sp11["ou"], sp11["n_artifacts"], sp11["n_affirmations"]) == ("LI", 3, 2)   # LI and FI: LI at the OU
    again = import_piid(appraisal, path)                            # a second import changes nothing
    assert again.empty and "nothing to change" in again.summary()
    assert len(appraisal.register()) == 5


def test_a_dry_run_prints_what_would_change_and_writes_nothing(appraisal, tmp_path):
    path = workbook(tmp_path / "piid.xlsx", [*GOOD_ROWS, ["WMC", "SP 1.4", "Unit Z", "Minutes", "", "", "",
                                                           "PI", "", "", ""]])
    appraisal.update_record("WMC", "SP 1.1", "Unit A", characterization="PI")
    before = appraisal.dump()
    plan = import_piid(appraisal, path, add_units=True, dry_run=True)
    assert appraisal.dump() == before
    text = plan.summary()
    assert "would add basic unit 'Unit Z' (sampled for WMC)" in text
    assert "would register 4 artifact(s) and 2 affirmation(s), would reuse 0 already registered; " \
           "would add 10 evidence link(s)" in text
    assert "  direct artifact 'Work plan' at https://wiki/plan (new): +4 cell(s)" in text
    assert "  WMC SP 1.1 / Unit A: characterization 'PI' -> 'LI'; weaknesses (blank) -> " \
           "'Deviations are not recorded'" in text
    import_piid(appraisal, path, add_units=True)
    unit = {i.name: i for i in appraisal.instances()}["Unit Z"]
    assert (unit.kind, unit.pas) == ("basic_unit", ("WMC",))
    assert appraisal.record("WMC", "SP 1.4", "Unit Z").characterization == "PI"


def test_existing_register_entries_are_reused_and_re_marked(appraisal, tmp_path):
    known = appraisal.add_artifact("Effort sheet", location="https://wiki/effort")        # direct so far
    talk = appraisal.add_affirmation("PM interview", held_on="2026-05-04", roles="PM")
    appraisal.link_affirmation(talk, "WMC", "SP 1.1", "Unit A", statement="weekly comparison")
    plan = import_piid(appraisal, workbook(tmp_path / "piid.xlsx", GOOD_ROWS))
    assert "  indirect artifact 'Effort sheet' at https://wiki/effort (artifact 1, direct -> indirect): +1 cell(s)" \
        in plan.summary()
    assert appraisal.artifact(known).kind == "indirect" and appraisal.artifact(known).reuse == 1
    entry = appraisal.affirmation(talk)
    assert entry.reuse == 2 and entry.links[0].statement == "weekly comparison" and entry.held_on == "2026-05-04"


@pytest.mark.parametrize("rows, message", [
    ([["WMC", "SP 1.1", "Unit A", "A\nB\nC", "", "https://x/1\nhttps://x/2", "", "", "", "", ""]],
     "PIID!F4: 2 locations for 3 artifact(s)"),
    ([["WMC", "SP 1.1", "Unit A", "Plan", "", "", "", "", "", "", ""],
      ["WMC", "SP 1.2", "Unit A", "", "Plan", "", "", "", "", "", ""]],
     "PIID!E5: 'Plan' is listed as an indirect artifact here but as a direct artifact in PIID!D4"),
    ([["WMC", "SP 1.1", "Unit A", "", "", "", "", "FI", "", "", ""],
      ["wmc", "sp1.1", "unit a", "", "", "", "", "LI", "", "", ""]],
     "PIID!B5: WMC SP 1.1 / Unit A appears again (first in PIID!B4)"),
    ([["SD", "REQM SP 1.1", "Unit A", "", "", "", "", "FI", "", "", ""]],
     "PIID!B4: practice 'REQM SP 1.1' names REQM, but the PA column says SD"),
    ([["XYZ", "SP 1.1", "Unit A", "", "", "", "", "FI", "", "", ""]], "PIID!A4: process area 'XYZ' is not in"),
    ([["", "SP 1.1", "Unit A", "", "", "", "", "FI", "", "", ""]], "PIID!A4: no process area"),
    ([["WMC", "Plan work", "Unit A", "", "", "", "", "FI", "", "", ""]], "PIID!B4: 'Plan work' is not a practice id"),
    ([["WMC", "SP 1.1", "", "", "", "", "", "FI", "", "", ""]], "PIID!C4: no instance"),
    ([["SD", "SP 1.1", "QA Group", "", "", "", "", "FI", "", "", ""]], "PIID!C4: 'QA Group' is not sampled for SD"),
    ([["SAM", "SP 1.1", "Unit A", "", "", "", "", "FI", "", "", ""]], "PIID!A4: process area SAM is not applicable"),
])
def test_bad_rows_are_named_by_cell(appraisal, tmp_path, rows, message):
    appraisal.set_scope("SAM", "not_applicable", "no suppliers")
    with pytest.raises(ImportProblem) as info:
        import_piid(appraisal, workbook(tmp_path / "piid.xlsx", rows))
    assert any(p.startswith(message) for p in info.value.problems), info.value.problems


def test_mapping_sheets_merged_cells_and_hyperlinks(appraisal, tmp_path):
    wb = Workbook()
    wb.active.title = "Cover"
    wb.active.append(["Northwind PIID, version 3"])
    ws = wb.create_sheet("WMC")
    for row in (["Practice ID", "Project", "Work products", "Where", "Interviews", "Rating"],
                ["SP 1.1", "Unit A", "Work plan", "wiki page", "PM interview", "LI"],
                ["", "Unit B", "Work plan", "wiki page", "", "FI"]):
        ws.append(row)
    ws.merge_cells("A2:A3")        # the practice written once for both units
    ws["D2"].hyperlink = ws["D3"].hyperlink = "https://wiki/plan"
    path = tmp_path / "team.xlsx"
    wb.save(path)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("columns:\n  practice: Practice ID\n  INSTANCE: Project\n  Direct Artifact: Work products\n"
                       "  Location: Where\n  Affirmation: Interviews\n  Characterization: Rating\n")
    with pytest.raises(ImportProblem, match="no header row"):
        import_piid(appraisal, path, mapping=mapping, sheet="Cover")
    with pytest.raises(ImportProblem, match="no sheet named 'Nope'"):
        import_piid(appraisal, path, mapping=mapping, sheet="Nope")
    with pytest.raises(ImportProblem, match="no sheet has a header row with 'Practice' and 'Instance'"):
        import_piid(appraisal, path)
    plan = import_piid(appraisal, path, mapping=mapping)
    assert plan.sheets == ["WMC"] and plan.skipped == ["Cover"]
    entry, = appraisal.register(kind="direct")
    assert (entry.location, entry.cells) == ("https://wiki/plan", (Cell("WMC", "SP 1.1", "Unit A"),
                                                                   Cell("WMC", "SP 1.1", "Unit B")))
    bad = tmp_path / "bad.yaml"
    bad.write_text("columns:\n  Practise: Practice ID\n")
    with pytest.raises(ImportProblem, match=r"bad.yaml: 1 problem\(s\), nothing imported: columns.Practise: not a "
                                            r"PIID column"):
        import_piid(appraisal, path, mapping=bad)


def test_workbooks_too_big_or_not_workbooks_are_refused_before_parsing(appraisal, tmp_path, monkeypatch):
    not_xlsx = tmp_path / "notes.xlsx"
    not_xlsx.write_text("just text")
    with pytest.raises(ImportProblem, match="not an Excel workbook"):
        import_piid(appraisal, not_xlsx)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "0" * 3_000_000)
    monkeypatch.setattr(piid, "PIID_LIMITS", replace(piid.PIID_LIMITS, total_bytes=2_000_000))
    with pytest.raises(ImportProblem, match="the parts expand to 3.0 MB; at most 2.0 MB are read"):
        import_piid(appraisal, bomb)
    monkeypatch.setattr(piid, "MAX_ROWS", 2)
    with pytest.raises(ImportProblem, match="more than 2 rows"):
        import_piid(appraisal, workbook(tmp_path / "long.xlsx", GOOD_ROWS))


def test_one_huge_string_is_refused_before_the_workbook_is_parsed(appraisal, tmp_path, monkeypatch):
    made = workbook(tmp_path / "made.xlsx", [[*GOOD_ROWS[0][:9], "HUGE", ""]])
    path = tmp_path / "huge.xlsx"   # openpyxl itself cuts strings at 32,767 characters: written by hand
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, data.replace(b">HUGE<", b">" + b"x" * 40_000 + b"<"))
    parsed = []
    monkeypatch.setattr(piid, "_load", lambda *args: parsed.append(args))
    with pytest.raises(ImportProblem, match="holds more than 32767 characters"):
        import_piid(appraisal, path)
    assert parsed == [] and appraisal.records() == []


def test_formulas_without_a_saved_value_are_named_not_dropped(appraisal, tmp_path):
    rows = [list(row) for row in GOOD_ROWS]
    rows[0][7] = '=IF(1=1,"LI","PI")'          # a script's workbook: openpyxl saves no calculated values
    rows[1][9] = "=CONCAT(\"late\", \" reviews\")"
    path = workbook(tmp_path / "scripted.xlsx", rows)
    with pytest.raises(ImportProblem) as refused:
        import_piid(appraisal, path)
    assert [p.split(":")[0] for p in refused.value.problems] == ["PIID!H4", "PIID!J5"]
    assert "a formula without a saved value" in refused.value.problems[0]
    assert appraisal.records() == [] and appraisal.register() == []


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cmmikit.cli", *args], capture_output=True, text=True, timeout=120,
                          check=False)


def test_the_command_line_lists_every_problem_then_imports_under_the_user(tmp_path):
    location = tmp_path / "a.cmmi"
    with Appraisal.create(location, name="CLI") as a:
        a.add_instance("Unit A")
        a.add_instance("Unit B")
    bad = workbook(tmp_path / "bad.xlsx", GOOD_ROWS + BAD_ROWS)
    before = location.read_bytes()
    result = cli("--user", "carol", "import-piid", str(location), str(bad))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "  PIID!B8: practice 'SP 9.9' is not in WMC\n" in result.stderr
    assert result.stderr.splitlines()[-1].startswith(f"cmmikit: error: {bad}: 3 problem(s), nothing imported")
    assert location.read_bytes() == before
    good = workbook(tmp_path / "good.xlsx", GOOD_ROWS)
    result = cli("--user", "carol", "import-piid", str(location), str(good), "--dry-run")
    assert result.returncode == 0 and "would register 3 artifact(s)" in result.stdout
    assert result.stdout.rstrip().endswith("dry run: nothing was changed")
    result = cli("--user", "carol", "import-piid", str(location), str(good))
    assert result.returncode == 0 and "registered 3 artifact(s)" in result.stdout, result.stderr
    with Appraisal.open(location) as a:
        assert len(a.register()) == 5 and {c.user for c in a.history(entity="evidence")} == {"carol"}
