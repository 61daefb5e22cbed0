"""Hostile questionnaire workbooks: how fast, and in how much memory, `import-questionnaire` refuses them.

Each bomb is a real blank questionnaire with one part swapped for hand-written XML (a sheet
declaring 15 million rows, a shared string of 20 million characters, a 300 MB part that
compresses to a few hundred kB, a DTD with nested entities...).  Each import runs in its own
process; the figures are its wall time and peak memory (VmHWM, else ru_maxrss) beside importing a normally
filled questionnaire in the same run.  Goal: every bomb refused within 2 s and 200 MB, with one
short error line.  tests/test_xlsx_limits.py imports the same bombs and checks memory and message.

Run: python benchmarks/questionnaire_limits.py
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
QUESTIONS_PART = "xl/worksheets/sheet2.xml"  # openpyxl writes Instructions, Questions, cmmikit in this order
STRINGS_PART = "xl/sharedStrings.xml"
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
MB = 1_000_000

Writer = Callable[[IO[bytes]], None]


@dataclass(frozen=True)
class Bomb:
    name: str
    expect: str  # a phrase of the error line
    build: Callable[[Path, Path], None]  # (blank questionnaire, output)


def rebuild(blank: Path, out: Path, parts: dict[str, bytes | Writer], level: int = 9) -> None:
    """Copy ``blank`` to ``out`` with ``parts`` replaced or added (bytes, or a function streaming them)."""
    with zipfile.ZipFile(blank) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as dst:
        names = [i.filename for i in src.infolist()]
        for name in names + [n for n in parts if n not in names]:
            content = parts.get(name)
            if content is None:
                dst.writestr(name, src.read(name))
            elif isinstance(content, bytes):
                dst.writestr(name, content)
            else:
                with dst.open(name, "w", force_zip64=True) as stream:
                    content(stream)


def _questions(blank: Path) -> str:
    with zipfile.ZipFile(blank) as z:
        return z.read(QUESTIONS_PART).decode()


def _with_strings(blank: Path, out: Path, strings: Writer) -> None:
    """Add a shared-strings part (declared in the content types) and point the first answer at string 0."""
    with zipfile.ZipFile(blank) as z:
        types = z.read("[Content_Types].xml").decode()
    types = types.replace("</Types>", f'<Override PartName="/{STRINGS_PART}" ContentType="{STRINGS_TYPE}"/></Types>')
    sheet = re.sub(r'<c r="G2"[^>]*/>|<c r="G2".*?</c>', '<c r="G2" t="s"><v>0</v></c>', _questions(blank), count=1)
    rebuild(blank, out, {"[Content_Types].xml": types.encode(), QUESTIONS_PART: sheet.encode(), STRINGS_PART: strings})


def _repeat(head: str, unit: str, count: int, tail: str) -> Writer:
    def write(stream: IO[bytes]) -> None:
        stream.write(head.encode())
        block = (unit * 10_000).encode()
        for _ in range(count // 10_000):
            stream.write(block)
        stream.write((unit * (count % 10_000) + tail).encode())
    return write


FAR_ROW = '<row r="15000000"><c r="A15000000" t="inlineStr"><is><t>SD</t></is></c></row>'


def declared_rows(blank: Path, out: Path) -> None:
    """A dimension of 15 million rows and a row there: openpyxl would pad every row in between."""
    sheet = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:I15000000"/>', _questions(blank))
    rebuild(blank, out, {QUESTIONS_PART: sheet.replace("</sheetData>", FAR_ROW + "</sheetData>").encode()})


def far_row(blank: Path, out: Path) -> None:
    """No dimension (it is optional) and a row numbered 15 million."""
    sheet = re.sub(r'<dimension ref="[^"]*"/>', "", _questions(blank))
    rebuild(blank, out, {QUESTIONS_PART: sheet.replace("</sheetData>", FAR_ROW + "</sheetData>").encode()})


def wide_sheet(blank: Path, out: Path) -> None:
    sheet = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD431"/>', _questions(blank))
    rebuild(blank, out, {QUESTIONS_PART: sheet.encode()})


def many_cells(blank: Path, out: Path) -> None:
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}"/>' for c in "JKLMNOPQRSTUVWXYZ") + "</row>"
                   for r in range(432, 5_001))
    sheet = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:Z5000"/>', _questions(blank))
    rebuild(blank, out, {QUESTIONS_PART: sheet.replace("</sheetData>", rows + "</sheetData>").encode()})


def huge_part(blank: Path, out: Path) -> None:
    """300 MB of shared strings that deflate to a few hundred kB."""
    _with_strings(blank, out, _repeat(f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>', "A",
                                      300 * MB, "</t></si></sst>"))


def long_string(blank: Path, out: Path) -> None:
    """One shared string of 20 million characters (the part itself stays under the size limit)."""
    _with_strings(blank, out, _repeat(f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>', "B",
                                      20 * MB, "</t></si></sst>"))


def many_strings(blank: Path, out: Path) -> None:
    """Four million empty shared strings, under a declared count of one."""
    _with_strings(blank, out, _repeat(f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1">', "<si/>", 4_000_000,
                                      "</sst>"))


def declared_strings(blank: Path, out: Path) -> None:
    _with_strings(blank, out, _repeat(f'<sst xmlns="{MAIN_NS}" count="90000000" uniqueCount="90000000">',
                                      "<si><t>x</t></si>", 10, "</sst>"))


def entities(blank: Path, out: Path) -> None:
    """The 'billion laughs': nested entities that expand to gigabytes."""
    lol = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{n} "{("&lol%d;" % (n - 1)) * 10}">' for n in range(1, 10)]
    doc = f'<?xml version="1.0"?><!DOCTYPE sst [{"".join(lol)}]><sst xmlns="{MAIN_NS}"><si><t>&lol9;</t></si></sst>'
    _with_strings(blank, out, lambda stream: stream.write(doc.encode()))


def many_parts(blank: Path, out: Path) -> None:
    rebuild(blank, out, {f"xl/media/pad{n}.bin": b"" for n in range(5_000)}, level=1)


def tag_flood(blank: Path, out: Path) -> None:
    """A styles part of 400,000 empty elements: parsed as one tree by openpyxl."""
    rebuild(blank, out, {"xl/styles.xml": _repeat(f'<styleSheet xmlns="{MAIN_NS}"><extLst>', "<ext/>", 400_000,
                                                   "</extLst></styleSheet>")})


BOMBS = [
    Bomb("sheet declares 15,000,000 rows", "declares row 15000000", declared_rows),
    Bomb("a row numbered 15,000,000", "uses row 15000000", far_row),
    Bomb("sheet declares 16,384 columns", "declares column 16384", wide_sheet),
    Bomb("77,000 empty cells", "more than 60000 cells", many_cells),
    Bomb("300 MB part in a small zip", "expands to 300.0 MB", huge_part),
    Bomb("one string of 20 million characters", "holds more than 32767 characters", long_string),
    Bomb("4 million shared strings", "more than 60000 shared strings", many_strings),
    Bomb("declares 90 million shared strings", "declares '90000000' shared strings", declared_strings),
    Bomb("billion laughs (DTD entities)", "holds a DTD", entities),
    Bomb("5,000 zip parts", "holds 5011 parts", many_parts),
    Bomb("styles part of 400,000 tags", "more than 50000 tags", tag_flood),
]

# Peak memory: VmHWM (this process image only); ru_maxrss survives exec on Linux and so can report the
# parent's size (pytest's, here), which is why it is only the fallback.
_RUN = """
import re, resource, sys, time
import cmmikit.imports.questionnaire, cmmikit.store, openpyxl
from cmmikit.cli import main

start = time.perf_counter()
code = main(sys.argv[1:])
print("SECONDS", time.perf_counter() - start, file=sys.__stdout__)
try:
    with open("/proc/self/status") as status:
        peak = int(re.search(r"VmHWM:\\s*(\\d+) kB", status.read()).group(1))
except (OSError, AttributeError):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("MAXRSS_KB", peak, file=sys.__stdout__)
sys.exit(code)
"""


@dataclass(frozen=True)
class Run:
    returncode: int
    seconds: float  # the command itself, after the imports every run shares
    peak_mb: float  # the whole process
    stdout: str
    stderr: str


def run_import(appraisal: Path, workbook: Path) -> Run:
    """`cmmikit import-questionnaire` in a fresh process: exit code, wall time, peak memory and output."""
    done = subprocess.run([sys.executable, "-c", _RUN, "import-questionnaire", str(appraisal), str(workbook)],
                          capture_output=True, text=True, timeout=600)
    seconds = re.search(r"SECONDS (\S+)", done.stdout)
    peak = re.search(r"MAXRSS_KB (\d+)", done.stdout)
    return Run(done.returncode, float(seconds.group(1)) if seconds else float("nan"),
               int(peak.group(1)) / 1000 if peak else float("nan"), done.stdout, done.stderr)


def make_blank(folder: Path) -> tuple[Path, Path]:
    """An appraisal with one basic unit, and the blank questionnaire for it."""
    from cmmikit.imports.questionnaire import write_questionnaire
    from cmmikit.store import Appraisal

    path = folder / "bombs.cmmi"
    with Appraisal.create(path, name="Bombs") as appraisal:
        appraisal.add_instance("Unit A")
        blank = write_questionnaire(appraisal, "Unit A", folder / "blank.xlsx")
    return path, blank


def filled(blank: Path, out: Path) -> Path:
    """The blank questionnaire with every question answered (the baseline import)."""
    from openpyxl import load_workbook

    wb = load_workbook(blank)
    for row in wb["Questions"].iter_rows(min_row=2):
        row[6].value = "Yes"
        row[7].value = "Procedure and records in the team wiki"
    wb.save(out)
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        appraisal, blank = make_blank(folder)
        base = run_import(appraisal, filled(blank, folder / "filled.xlsx"))
        assert base.returncode == 0, base.stderr
        print(f"{'normal questionnaire (baseline)':<38} {base.seconds:6.2f} s {base.peak_mb:7.1f} MB   imported")
        for bomb in BOMBS:
            path = folder / "bomb.xlsx"
            bomb.build(blank, path)
            run = run_import(appraisal, path)
            verdict = "refused" if run.returncode == 1 and bomb.expect in run.stderr else "NOT REFUSED AS EXPECTED"
            print(f"{bomb.name:<38} {run.seconds:6.2f} s {run.peak_mb:7.1f} MB   {verdict}; "
                  f"{path.stat().st_size / 1e3:,.0f} kB file, error line {len(run.stderr.strip())} chars "
                  f"(goal: 2 s, 200 MB)")


if __name__ == "__main__":
    main()
