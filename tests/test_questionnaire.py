"""Offline questionnaire round trip: blank workbook, filled import (all or nothing), suggested characterizations."""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from cmmikit.imports import questionnaire as q
from cmmikit.errors import ImportProblem, UnknownEntry
from cmmikit.outputs.xlsx_safe import set_text

MALICIOUS = ['=HYPERLINK("http://evil.example","click")', "@SUM(A1:A9)", "+1", "-1"]


@pytest.fixture
def blank(appraisal, tmp_path) -> Path:
    appraisal.set_scope("SAM", "not_applicable", "no suppliers")
    return q.write_questionnaire(appraisal, "Unit A", tmp_path / "q.xlsx")


def fill(path: Path, answers: dict[int, tuple], respondent: str = "Jo Smith", out: Path | None = None) -> Path:
    """Fill rows (row number -> (answer, evidence, comment)) the way a practitioner would, and save a copy."""
    wb = load_workbook(path)
    ws = wb[q.QUESTIONS]
    for row, values in answers.items():
        for col, value in zip((q.ANSWER, q.EVIDENCE, q.COMMENT), values):
            if value is not None:
                set_text(ws.cell(row, col), value)
    info = wb[q.INSTRUCTIONS]
    name_row = next(r for r in range(1, 20) if info.cell(r, 1).value == q.RESPONDENT_LABEL)
    info.cell(name_row, 2).value = respondent
    out = out or path.with_name("filled.xlsx")
    wb.save(out)
    return out


def expected_rows(appraisal, instance: str) -> int:
    scopes = appraisal.scopes()
    inst = next(i for i in appraisal.instances() if i.name == instance)
    return sum(len(p.questions) for pa in inst.pas if scopes[pa].scope == "in_scope"
               for p in appraisal.model.pa(pa).practices)


# ------------------------------------------------------------------ the blank workbook


def test_blank_questionnaire_lists_every_in_scope_question(appraisal, blank):
    wb = load_workbook(blank)
    assert wb.sheetnames == [q.INSTRUCTIONS, q.QUESTIONS, q.META]
    ws = wb[q.QUESTIONS]
    assert tuple(c.value for c in ws[1]) == q.HEADERS
    assert ws.max_row - 1 == expected_rows(appraisal, "Unit A")
    pas = {ws.cell(r, 1).value for r in range(2, ws.max_row + 1)}
    assert "SAM" not in pas and {"CM", "MA", "WP"} <= pas
    first = appraisal.model.pa("CM").practices[0]
    assert [ws.cell(2, c).value for c in range(1, 7)] == ["CM", "SG 1", "SP 1.1", first.title, 1, first.questions[0]]


def test_support_function_gets_only_its_process_areas(appraisal, tmp_path):
    ws = load_workbook(q.write_questionnaire(appraisal, "QA Group", tmp_path / "qa.xlsx"))[q.QUESTIONS]
    assert {ws.cell(r, 1).value for r in range(2, ws.max_row + 1)} == {"CM", "PPQA"}


def test_answer_column_is_a_dropdown_of_the_mapping_labels(blank):
    ws = load_workbook(blank)[q.QUESTIONS]
    (dv,) = ws.data_validations.dataValidation
    labels = q.load_answer_mapping().labels
    assert dv.type == "list" and dv.formula1 == '"' + ",".join(labels) + '"'
    assert labels[:3] == ["Yes", "Partly", "No"] and "Don't know" in labels and "Not applicable" in labels
    assert str(dv.sqref) == f"G2:G{ws.max_row}" and dv.showErrorMessage


def test_structure_is_protected_and_only_answers_are_editable(blank):
    wb = load_workbook(blank)
    ws = wb[q.QUESTIONS]
    assert wb.security.lockStructure
    assert ws.protection.sheet and wb[q.INSTRUCTIONS].protection.sheet
    assert ws.protection.autoFilter is False  # filtering stays allowed
    assert all(ws.cell(2, c).protection.locked for c in range(1, 7))
    assert not any(ws.cell(2, c).protection.locked for c in (q.ANSWER, q.EVIDENCE, q.COMMENT))
    assert wb[q.META].sheet_state == "veryHidden"
    assert ws.freeze_panes == "G2" and ws.auto_filter.ref.startswith("A1:I")
    assert ws.cell(2, 6).alignment.wrap_text


def test_instructions_explain_every_answer(blank):
    ws = load_workbook(blank)[q.INSTRUCTIONS]
    text = [c.value for row in ws.iter_rows() for c in row if c.value]
    assert "Unit A" in text
    assert all(a.label in text and a.help in text for a in q.load_answer_mapping().answers)


def test_unknown_instance_is_refused(appraisal, tmp_path):
    with pytest.raises(UnknownEntry, match="Unit Z"):
        q.write_questionnaire(appraisal, "Unit Z", tmp_path / "z.xlsx")


def test_instance_without_in_scope_practices_is_refused(appraisal, tmp_path):
    from cmmikit.errors import InvalidValue

    appraisal.set_scope("CM", "out_of_scope")
    appraisal.set_scope("PPQA", "out_of_scope")
    with pytest.raises(InvalidValue, match="nothing to ask"):
        q.write_questionnaire(appraisal, "QA Group", tmp_path / "qa.xlsx")
    assert not (tmp_path / "qa.xlsx").exists()


# ------------------------------------------------------------------ the round trip


def test_round_trip_stores_answers_with_text_unchanged(appraisal, blank, monkeypatch):
    import openpyxl

    calls = []
    original = openpyxl.load_workbook
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: calls.append(k) or original(*a, **k))
    filled = fill(blank, {2: ("Yes", MALICIOUS[0], MALICIOUS[1]), 3: ("partly ", MALICIOUS[2], MALICIOUS[3]),
                          4: ("Don't know", None, None), 6: ("No", "line one\nline two", "")})
    result = q.import_questionnaire(appraisal, filled)
    assert calls and calls[0]["read_only"] is True
    assert result.instance == "Unit A" and result.respondent == "Jo Smith"
    stored = appraisal.responses("Unit A")
    ws = load_workbook(blank)[q.QUESTIONS]
    keys = [(ws.cell(r, 1).value, ws.cell(r, 3).value, ws.cell(r, 5).value) for r in (2, 3, 4, 6)]
    assert [(r.pa, r.practice, r.question) for r in stored] == keys
    assert [r.answer for r in stored] == ["Yes", "Partly", "Don't know", "No"]
    first, second = stored[0], stored[1]
    assert (first.evidence, first.comment) == (MALICIOUS[0], MALICIOUS[1])
    assert (second.evidence, second.comment) == (MALICIOUS[2], MALICIOUS[3])
    assert any(r.evidence == "line one\nline two" for r in stored)
    assert first.question_text == appraisal.model.practice("CM", "SP 1.1").questions[0]
    assert all(r.respondent == "Jo Smith" and r.source == "questionnaire filled.xlsx" for r in stored)


def test_reimport_replaces_earlier_answers(appraisal, blank):
    q.import_questionnaire(appraisal, fill(blank, {2: ("No", "", "")}))
    q.import_questionnaire(appraisal, fill(blank, {2: ("Yes", "policy.pdf", "")}, out=blank.with_name("f2.xlsx")))
    (only,) = appraisal.responses("Unit A")
    assert (only.answer, only.evidence) == ("Yes", "policy.pdf")


def test_any_invalid_row_imports_nothing_and_names_every_problem(appraisal, blank):
    wb = load_workbook(blank)
    ws = wb[q.QUESTIONS]
    ws.protection.sheet = False
    ws["G2"], ws["G3"] = "Yes", "Maybe"
    ws["H4"] = "evidence without an answer"
    ws["C5"], ws["G5"] = "SP 9.9", "Yes"
    ws["E6"], ws["G6"] = 7, "No"
    for col in range(1, 10):  # row 8 duplicates row 7
        ws.cell(8, col).value = ws.cell(7, col).value
    ws["G7"] = ws["G8"] = "Yes"
    wb.save(blank)
    with pytest.raises(ImportProblem) as err:
        q.import_questionnaire(appraisal, blank)
    problems = err.value.problems
    assert problems[0].startswith("Questions!G3: answer 'Maybe' is not one of Yes, Partly")
    assert problems[1].startswith("Questions!G4: no answer")
    assert problems[2].startswith("Questions!A5: CM SP 9.9 is not an in-scope practice")
    assert problems[3].startswith("Questions!E6: question number '7'")
    assert problems[4].startswith("Questions!E8: CM") and "appears twice" in problems[4]
    assert len(problems) == 5
    assert appraisal.responses() == []


def test_tampered_header_is_named_by_column(appraisal, blank):
    wb = load_workbook(blank)
    wb[q.QUESTIONS]["G1"] = "Reply"
    wb.save(blank)
    with pytest.raises(ImportProblem, match=r"Questions!G1: column should be 'Answer', found 'Reply'"):
        q.import_questionnaire(appraisal, blank)


def test_questionnaire_for_a_renamed_instance_needs_its_new_name(appraisal, blank):
    filled = fill(blank, {2: ("Yes", "", "")})
    appraisal.update_instance("Unit A", new_name="Unit Alpha")
    with pytest.raises(ImportProblem, match="made for 'Unit A', which is not a basic unit"):
        q.import_questionnaire(appraisal, filled)
    with pytest.raises(ImportProblem, match="'Unit Z' is not a basic unit"):
        q.import_questionnaire(appraisal, filled, instance="Unit Z")
    assert q.import_questionnaire(appraisal, filled, instance="Unit Alpha").instance == "Unit Alpha"
    assert [r.instance for r in appraisal.responses()] == ["Unit Alpha"]


def test_questionnaire_for_another_model_is_refused(tiny, blank):
    with pytest.raises(ImportProblem, match="made for model 'cmmi-svc-1.3'"):
        q.import_questionnaire(tiny, fill(blank, {2: ("Yes", "", "")}))


def test_not_a_workbook_or_not_a_questionnaire(appraisal, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("hello")
    with pytest.raises(ImportProblem, match="not an Excel workbook"):
        q.import_questionnaire(appraisal, bad)
    from cmmikit.outputs.excel import write_gap_workbook

    with pytest.raises(ImportProblem, match="not a cmmikit questionnaire"):
        q.import_questionnaire(appraisal, write_gap_workbook(appraisal, tmp_path / "gap.xlsx"))


def test_an_unanswered_questionnaire_is_refused(appraisal, blank):
    with pytest.raises(ImportProblem, match="no question is answered"):
        q.import_questionnaire(appraisal, blank)


# ------------------------------------------------------------------ suggested characterizations

MAPPING = q.load_answer_mapping()


@pytest.mark.parametrize("answers, expected", [
    (["Yes", "Yes"], "FI"),
    (["Yes", "Yes", "Partly"], "LI"),
    (["Yes", "Partly"], "LI"),
    (["Yes", "No"], "PI"),
    (["Partly", "Partly"], "PI"),
    (["Partly", "No"], "PI"),
    (["Partly", "No", "No"], "NI"),
    (["No", "No"], "NI"),
    (["Yes", "Yes", "Not applicable"], "FI"),
    (["Not yet", "Not yet", "Don't know"], "NY"),
    (["Don't know", "Don't know", "Yes"], None),
    (["Not applicable"], None),
    ([], None),
])
def test_suggestion_rules(answers, expected):
    assert q.suggest(answers, MAPPING).value == expected


@pytest.mark.parametrize("text, key", [
    ("answers: []\nthresholds: [{suggestion: FI, min_mean: 0}]", "answers"),
    ("answers: [{label: Yes, score: 2}]\nthresholds: [{suggestion: FI, min_mean: 0}]", "answers #1.score"),
    ("answers: [{label: Yes, score: 1, colour: red}]\nthresholds: [{suggestion: FI, min_mean: 0}]", "answers #1"),
    ("answers: [{label: Yes, score: 1}]\nthresholds: [{suggestion: FI, min_mean: 0.5}]", "thresholds"),
    ("answers: [{label: Yes, score: 1}]\nthresholds: [{suggestion: XI, min_mean: 0}]", "thresholds #1"),
    ("answers: [{label: Yes, score: 1}]\nthresholds: [{suggestion: PI, min_mean: 0}, "
     "{suggestion: FI, min_mean: 1}]", "thresholds"),
])
def test_bad_mapping_names_the_key(tmp_path, text, key):
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    with pytest.raises(q.MappingError, match=f"key '{key}'"):
        q.load_answer_mapping(path)


def test_suggestions_sit_beside_the_assessors_characterization(appraisal, blank):
    appraisal.update_record("CM", "SP 1.1", "Unit A", characterization="LI", weaknesses="gaps")
    appraisal.update_record("CM", "SP 1.2", "Unit A", characterization="FI")
    before = appraisal.records()
    rows = {(p, n): r for r, p, n in [(2, "SP 1.1", 1), (3, "SP 1.1", 2), (5, "SP 1.2", 1), (6, "SP 1.2", 2)]}
    q.import_questionnaire(appraisal, fill(blank, {r: (a, "", "") for (p, n), r in rows.items()
                                                   for a in [{"SP 1.1": "No", "SP 1.2": "Yes"}[p]]}))
    frame = q.suggested_characterizations(appraisal)
    assert list(frame.columns) == q.SUGGESTION_COLUMNS
    assert appraisal.records() == before  # never overwritten
    one = frame.set_index("practice").loc["SP 1.1"]
    assert (one.instance, one.characterization, one.suggestion, one.agrees, one.n_answers) == ("Unit A", "LI", "NI",
                                                                                              False, 2)
    two = frame.set_index("practice").loc["SP 1.2"]
    assert (two.suggestion, two.agrees, two.answers) == ("FI", True, "Yes 2")


def test_gap_workbook_shows_suggestions_when_there_are_answers(appraisal, blank, tmp_path):
    from cmmikit.outputs.excel import write_gap_workbook

    q.import_questionnaire(appraisal, fill(blank, {2: ("Yes", "", ""), 3: ("Yes", "", "")}))
    wb = load_workbook(write_gap_workbook(appraisal, tmp_path / "gap.xlsx"))
    ws = wb["Questionnaire"]
    assert [c.value for c in ws[2]][:5] == ["PA", "Practice", "Instance", "Assessor", "Suggested"]
    assert [c.value for c in ws[3]][:5] == ["CM", "SP 1.1", "Unit A", None, "FI"]


# ------------------------------------------------------------------ command line and a real spreadsheet program


def test_cli_round_trip(appraisal, tmp_path, capsys):
    from cmmikit.cli import main

    path = appraisal.address
    out = tmp_path / "cli.xlsx"
    assert main(["questionnaire", path, "--instance", "Unit B", "-o", str(out)]) == 0
    assert "Unit B" in capsys.readouterr().out
    assert main(["import-questionnaire", path, str(out)]) == 1
    assert "no question is answered" in capsys.readouterr().err
    filled = fill(out, {2: ("Yes", "", ""), 3: ("Maybe", "", ""), 4: ("Sometimes", "", "")})
    assert main(["import-questionnaire", path, str(filled)]) == 1
    err = capsys.readouterr().err
    assert "Questions!G3" in err and "Questions!G4" in err
    filled = fill(out, {2: ("Yes", "", ""), 3: ("No", "", "")})
    assert main(["import-questionnaire", path, str(filled)]) == 0
    assert "imported 2 answers from Jo Smith for Unit B" in capsys.readouterr().out
    assert main(["import-questionnaire", path, str(filled), "--instance", "Unit A"]) == 0
    assert "for Unit A" in capsys.readouterr().out


def test_a_questionnaire_saved_by_libreoffice_imports(appraisal, blank, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; CI installs libreoffice-calc-nogui")
    filled = fill(blank, {2: ("Yes", MALICIOUS[0], ""), 3: ("Partly", "", MALICIOUS[1])})
    outdir = tmp_path / "lo"
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(outdir), str(filled)],
                   check=True, capture_output=True, timeout=180)
    resaved = outdir / filled.name
    result = q.import_questionnaire(appraisal, resaved)
    assert [(r.answer, r.evidence, r.comment) for r in result.responses] == [
        ("Yes", MALICIOUS[0], ""), ("Partly", "", MALICIOUS[1])]
    assert load_workbook(resaved)[q.QUESTIONS].data_validations.dataValidation


def test_notes_typed_beyond_the_last_column_are_ignored(appraisal, blank):
    filled = fill(blank, {2: ("Yes", "", "")})
    wb = load_workbook(filled)
    wb[q.QUESTIONS]["J2"] = "my own note"
    wb[q.QUESTIONS]["K3"] = "=1+1"
    wb.save(filled)
    assert [r.answer for r in q.import_questionnaire(appraisal, filled).responses] == ["Yes"]


# ------------------------------------------------------------------ protected columns, long values, hostile files


def edit(path: Path, cells: dict[str, object], sheet: str = q.QUESTIONS) -> Path:
    wb = load_workbook(path)
    for ref, value in cells.items():
        wb[sheet][ref] = value
    wb.save(path)
    return path


@pytest.mark.parametrize("cell, value, label", [
    ("F2", "Do you like configuration management?", "question text"),
    ("D2", "Establish whatever baselines", "practice title"),
    ("B2", "SG 2", "goal"),
])
def test_edits_to_protected_columns_are_refused(appraisal, blank, cell, value, label):
    filled = edit(fill(blank, {2: ("Yes", "", ""), 3: ("No", "", "")}), {cell: value})
    with pytest.raises(ImportProblem) as err:
        q.import_questionnaire(appraisal, filled)
    assert err.value.problems == [f"Questions!{cell}: the {label} differs from the model's (a protected column: "
                                  "undo the edit, or make a new questionnaire)"]
    assert appraisal.responses() == []


def test_spacing_in_protected_cells_does_not_matter_and_the_model_text_is_stored(appraisal, blank):
    question = appraisal.model.practice("CM", "SP 1.1").questions[0]
    filled = edit(fill(blank, {2: ("Yes", "", "")}), {"F2": "  " + question.replace(" ", "  ") + "\n"})
    (stored,) = q.import_questionnaire(appraisal, filled).responses
    assert stored.question_text == question


def test_long_values_are_cut_in_every_error_line(appraisal, blank):
    long = "Maybe " * 5000
    filled = edit(fill(blank, {2: ("Yes", "", "")}), {"G3": long, "C4": long, "G4": "Yes", "E5": long, "G5": "No"})
    with pytest.raises(ImportProblem) as err:
        q.import_questionnaire(appraisal, filled)
    problems = err.value.problems
    assert len(problems) == 3 and all(len(p) < 150 for p in problems), problems
    assert "answer 'Maybe Maybe Maybe Maybe Maybe Maybe Mayb...' is not one of" in problems[0]
    assert len(str(err.value)) < len(str(filled)) + 300 and "(and 2 more)" in str(err.value)


def test_rows_beyond_a_too_small_declared_dimension_are_read(appraisal, blank, tmp_path):
    import re
    import zipfile

    filled = fill(blank, {2: ("Yes", "", ""), 300: ("No", "", "")})
    shrunk = tmp_path / "shrunk.xlsx"
    with zipfile.ZipFile(filled) as src, zipfile.ZipFile(shrunk, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:I3"/>', data)
            dst.writestr(info, data)
    assert [r.answer for r in q.import_questionnaire(appraisal, shrunk).responses] == ["Yes", "No"]


# ------------------------------------------------------------------ fuzzing the importer

FUZZ_PARTS = ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml", "xl/workbook.xml",
              "xl/styles.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"]
WORDS = ["Yes", "No", "Partly", "SD", "CM", "SP 1.1", "SG 1", "GP 2.1", "1", "2", "9", "Unit A", "cmmi-svc-1.3",
         "cmmikit-questionnaire", "Your name", "Answer", "Questions", "=1+1", "@SUM(A1)", "-1", "0x1", "²", "9" * 5000]


def _escaped(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape("".join(c for c in text if c in "\t\n\r" or " " <= c <= "\ud7ff" or "\ue000" <= c <= "\ufffd"))


CELL_XML = st.one_of(
    st.builds(lambda t: f'<is><t xml:space="preserve">{_escaped(t)}</t></is>', st.one_of(st.sampled_from(WORDS), st.text())),
    st.builds(lambda v: f"<v>{v}</v>", st.one_of(st.integers(), st.floats(), st.sampled_from(["", "x", "1e999"]))),
    st.builds(lambda v: f"<f>{_escaped(v)}</f>", st.sampled_from(["1+1", "A1", "SUM(", "NOW()"])),
)
CELL_TYPES = st.sampled_from(["inlineStr", "n", "b", "e", "s", "str", "d", None])


CELL_EDITS = st.lists(st.tuples(st.just("cell"), st.sampled_from(FUZZ_PARTS[:3]), st.sampled_from("ABCDEFGHIJ"),
                                st.integers(1, 12), CELL_TYPES, CELL_XML), max_size=4)
DAMAGE = st.lists(st.one_of(
    st.tuples(st.just("insert"), st.sampled_from(FUZZ_PARTS), st.floats(0, 1),
              st.sampled_from(["<", "&", "&lol;", "<row r='0'/>", "<c r='A99999999'/>", "</sheetData>", "<!DOCTYPE x>",
                               "\x00", "<dimension ref='A1:I1'/>", 'r="-1"'])),
    st.tuples(st.just("part"), st.sampled_from(FUZZ_PARTS), st.binary(max_size=300)),
    st.tuples(st.just("bytes"), st.floats(0, 1), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("truncate"), st.floats(0, 1)),
), min_size=1, max_size=2)


@st.composite
def mutations(draw) -> list[tuple]:
    """Changes to a filled questionnaire: cell contents (as a spreadsheet program could write them), and in
    about half the cases damage as well: stray XML, overwritten bytes, a replaced part, a cut-off file."""
    changes = draw(CELL_EDITS) + draw(st.one_of(st.just([]), DAMAGE))
    return changes or draw(DAMAGE)


def apply_mutations(source: Path, target: Path, changes: list[tuple]) -> None:
    import re
    import zipfile

    with zipfile.ZipFile(source) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    raw_changes = []
    for change in changes:
        kind, *args = change
        if kind == "cell":
            part, col, row, kind_, inner = args
            t = f' t="{kind_}"' if kind_ else ""
            cell = f'<c r="{col}{row}"{t}>{inner}</c>'.encode()
            xml, n = re.subn(rf'<c r="{col}{row}"(?: [^>]*)?(?:/>|>.*?</c>)'.encode(), lambda _: cell, parts[part], 1)
            parts[part] = xml if n else parts[part].replace(b"</sheetData>", b"<row>" + cell + b"</row></sheetData>")
        elif kind == "insert":
            part, where, text = args
            at = int(where * len(parts[part]))
            parts[part] = parts[part][:at] + text.encode() + parts[part][at:]
        elif kind == "part":
            parts[args[0]] = args[1]
        else:
            raw_changes.append(change)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    data = bytearray(target.read_bytes())
    for kind, where, *rest in raw_changes:
        at = int(where * (len(data) - 1))
        if kind == "bytes":
            data[at:at + len(rest[0])] = rest[0]
        else:
            del data[at:]
    target.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def fuzz_source(tmp_path_factory) -> tuple[Path, Path]:
    """A pristine appraisal on the tiny model and a filled questionnaire for it."""
    from conftest import TINY_MODEL

    from cmmikit.store import Appraisal

    folder = tmp_path_factory.mktemp("fuzz-source")
    path = folder / "a.cmmi"
    with Appraisal.create(path, name="Fuzz", model=TINY_MODEL) as appraisal:
        appraisal.add_instance("Unit A")
        blank = q.write_questionnaire(appraisal, "Unit A", folder / "blank.xlsx")
    return path, fill(blank, {2: ("Yes", "wiki", ""), 3: ("No", "", "late"), 5: ("Partly", "", "")})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=mutations())
def test_fuzzed_questionnaires_never_crash_and_a_refusal_changes_nothing(tmp_path_factory, fuzz_source, changes):
    """Whatever is done to a filled questionnaire, the import ends with a result or one error, never a traceback."""
    from cmmikit.cli import main

    folder = tmp_path_factory.mktemp("fuzz")
    path = Path(shutil.copy(fuzz_source[0], folder))
    workbook = folder / "fuzzed.xlsx"
    apply_mutations(fuzz_source[1], workbook, changes)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        code = main(["import-questionnaire", str(path), str(workbook)])
    assert code in (0, 1)
    if code == 1:
        lines = stderr.getvalue().splitlines()
        assert lines[-1].startswith("cmmikit: error: ") and all(len(line) < 400 for line in lines)
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
