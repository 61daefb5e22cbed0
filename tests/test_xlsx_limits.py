"""Hostile workbooks are refused before openpyxl parses them: in little memory, with one short line."""

from __future__ import annotations

import importlib.util
import random
import sys
import zipfile
from pathlib import Path

import pytest

from cmmikit.imports.xlsx_limits import LIMITS, Limits, XlsxRefused, scan_xlsx

ROOT = Path(__file__).resolve().parents[1]
MEMORY_BOUND_MB = 200


def _bombs():
    spec = importlib.util.spec_from_file_location("questionnaire_limits", ROOT / "benchmarks" / "questionnaire_limits.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


bombs = _bombs()


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> tuple[Path, Path]:
    """An appraisal with one basic unit and its blank questionnaire (shared: refused imports change nothing)."""
    return bombs.make_blank(tmp_path_factory.mktemp("bombs"))


def listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix != ".xlsx"}


@pytest.mark.parametrize("bomb", bombs.BOMBS, ids=[b.build.__name__ for b in bombs.BOMBS])
def test_a_bomb_is_refused_in_bounded_memory_with_one_short_line(made, tmp_path, bomb):
    appraisal, blank = made
    path = tmp_path / "bomb.xlsx"
    bomb.build(blank, path)
    before = listing(appraisal.parent)
    run = bombs.run_import(appraisal, path)
    assert run.returncode == 1, run.stderr
    line = run.stderr.strip()
    assert "\n" not in line and len(line) < 300, line
    assert line.startswith(f"cmmikit: error: {path}: 1 problem(s), nothing imported: ") and bomb.expect in line
    assert run.peak_mb < MEMORY_BOUND_MB, f"{bomb.name}: peak {run.peak_mb:.0f} MB"
    assert listing(appraisal.parent) == before  # the appraisal byte-identical, no new files


def test_a_real_questionnaire_passes_with_its_last_rows(made):
    _, blank = made
    scan = scan_xlsx(blank)
    assert scan.last_rows["Questions"] == 431  # header + the 430 questions of CMMI-SVC ML2
    assert set(scan.last_rows) == {"Instructions", "Questions", "cmmikit"}


@pytest.mark.parametrize("limits, message", [
    (Limits(rows=100), "sheet 'Questions' declares row 431; at most 100 rows are read"),
    (Limits(columns=5), "sheet 'Questions' declares column 9; at most 5 columns are read"),
    (Limits(cells=1000), "more than 1000 cells in the workbook"),
    (Limits(tags=5000), "more than 5000 XML tags in the workbook"),
    (Limits(part_bytes=100_000), "expands to 0.2 MB; one part may be at most 0.1 MB"),
    (Limits(total_bytes=100_000), "the parts expand to"),
    (Limits(parts=5), "the zip holds 11 parts"),
    (Limits(file_bytes=1000), "a workbook to import may be at most 0.0 MB"),
    (Limits(text=100), "a cell holds more than 100 characters"),
    (Limits(total_text=1000), "more than 1000 characters of text"),
])
def test_each_limit_names_what_it_found(made, limits, message):
    with pytest.raises(XlsxRefused) as exc:
        scan_xlsx(made[1], limits)
    assert message in str(exc.value)


def test_the_default_limits_leave_ten_times_the_real_questionnaire(made):
    assert LIMITS.rows >= 10 * 431 and LIMITS.cells >= 10 * 431 * 9
    assert LIMITS.text == 32_767  # what a spreadsheet cell can hold


@pytest.mark.parametrize("content, message", [
    (b"", "not an Excel workbook (.xlsx): not a zip file"),
    (b"PK\x03\x04" + random.Random(7).randbytes(200), "not an Excel workbook (.xlsx)"),   # same ids in every worker
    ("a text file".encode("utf-16"), "not an Excel workbook (.xlsx)"),
], ids=["empty", "zip-signature-then-noise", "utf-16-text"])
def test_not_a_zip(tmp_path, content, message):
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    with pytest.raises(XlsxRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        scan_xlsx(path)


def test_a_truncated_workbook_is_refused(made, tmp_path):
    data = made[1].read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(XlsxRefused, match="not an Excel workbook"):
        scan_xlsx(path)


@pytest.mark.parametrize("xml, message", [
    (b"<worksheet><sheetData><row r='x1'/></sheetData></worksheet>", "row number 'x1' is not a number"),
    (b"<worksheet><sheetData><row><c r='1A'/></row></sheetData></worksheet>", "'1A' is not a cell reference"),
    (b"<worksheet><dimension ref='A1:B2:C3'/></worksheet>", "is not a cell range"),
    (b"<worksheet><sheetData><row>", "not well-formed XML"),
])
def test_malformed_sheet_parts_are_named(made, tmp_path, xml, message):
    path = tmp_path / "bad.xlsx"
    bombs.rebuild(made[1], path, {bombs.QUESTIONS_PART: xml})
    with pytest.raises(XlsxRefused) as exc:
        scan_xlsx(path)
    assert str(exc.value).startswith("sheet 'Questions'") and message in str(exc.value)


def test_a_zip64_archive_is_refused(made, tmp_path):
    path = tmp_path / "z64.xlsx"
    with zipfile.ZipFile(made[1]) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            with dst.open(info.filename, "w", force_zip64=True) as out:
                out.write(src.read(info))
    data = bytearray(path.read_bytes())
    at = data.rfind(b"PK\x05\x06")
    data[at + 10:at + 12] = b"\xff\xff"  # "see the zip64 record", as writers of huge archives do
    path.write_bytes(bytes(data))
    with pytest.raises(XlsxRefused, match="zip64"):
        scan_xlsx(path)
