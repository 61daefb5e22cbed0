"""Check an uploaded .xlsx file's sizes before a spreadsheet library parses it.

A few kilobytes of zip can declare millions of rows, expand into gigabytes of XML or hold a
shared string of a billion characters; openpyxl would build all of it in memory.
:func:`scan_xlsx` reads the zip directory and streams every XML part through expat once,
counting as it goes, and refuses the file at the first limit it crosses: the zip directory and
part sizes, tags, declared and actual sheet dimensions, cells, shared strings and text lengths.
DTDs (and so entity expansion) are refused outright; spreadsheet programs never write them.
The limits are far above any questionnaire (the CMMI-SVC ML2 one has 430 rows of 9 cells).
"""

from __future__ import annotations

import os
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from cmmikit.errors import CmmikitError, cut, quoted


@dataclass(frozen=True)
class Limits:
    file_bytes: int = 50_000_000
    parts: int = 1_000  # zip members
    directory_bytes: int = 1_000_000  # the zip's central directory
    part_bytes: int = 25_000_000  # one member, uncompressed
    total_bytes: int = 60_000_000  # all members, uncompressed
    tags: int = 300_000  # start and end tags in all XML parts (bounds the time to scan: well under 1 s)
    tree_part_tags: int = 50_000  # tags in a part read as a whole tree (workbook, styles, properties)
    rows: int = 5_000  # per sheet, declared or used
    columns: int = 50  # per sheet, declared or used
    cells: int = 60_000  # in all sheets
    strings: int = 60_000  # shared strings, declared or present
    text: int = 32_767  # one cell or shared string (Excel's own limit)
    total_text: int = 10_000_000  # characters in all cells and shared strings


LIMITS = Limits()
CHUNK = 1 << 16
WORKBOOK, WORKBOOK_RELS = "xl/workbook.xml", "xl/_rels/workbook.xml.rels"
XML_SUFFIXES = (".xml", ".rels", ".vml")
_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_UNLISTED_SHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,9})")


class XlsxRefused(CmmikitError):
    """The workbook is too large or not a well-formed .xlsx; it was not parsed."""


@dataclass
class XlsxScan:
    """What the scan learnt: the last used row of each sheet, by sheet name (0: an empty sheet)."""

    last_rows: dict[str, int] = field(default_factory=dict)
    uncached: dict[str, list[str]] = field(default_factory=dict)   # formula cells with no saved value, by sheet


def scan_xlsx(path: str | os.PathLike, limits: Limits = LIMITS) -> XlsxScan:
    """Check the sizes of the .xlsx at ``path``; raises :class:`XlsxRefused` (one short line) if too large.

    OSError (a missing or unreadable file) passes through for the caller to word.
    """
    path = Path(path)
    size = path.stat().st_size
    if size > limits.file_bytes:
        raise XlsxRefused(f"the file is {_mb(size)}; a workbook to import may be at most {_mb(limits.file_bytes)}")
    with path.open("rb") as fh:
        _check_directory(fh, size, limits)
        try:
            with zipfile.ZipFile(fh) as zf:
                return _scan_parts(zf, limits)
        except XlsxRefused:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, RuntimeError,
                ValueError, OSError, struct.error, zlib.error) as exc:  # damaged, encrypted or exotic zip
            raise XlsxRefused(f"not an Excel workbook (.xlsx): {cut(str(exc), 100)}") from None


def _check_directory(fh: IO[bytes], size: int, limits: Limits) -> None:
    """Refuse a zip whose directory would be large to load, from its end record alone."""
    tail_size = min(size, 22 + 0xFFFF)
    fh.seek(size - tail_size)
    tail = fh.read(tail_size)
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) < at + 22:
        raise XlsxRefused("not an Excel workbook (.xlsx): not a zip file")
    entries, directory_bytes = struct.unpack("<xxxxxxxxxxHI", tail[at:at + 16])
    if at >= 20 and tail[at - 20:at - 16] == _ZIP64_LOCATOR or entries == 0xFFFF:
        raise XlsxRefused("a zip64 archive: spreadsheet programs write those only for huge workbooks")
    if entries > limits.parts or directory_bytes > limits.directory_bytes:
        raise XlsxRefused(f"the zip holds {entries} parts ({_mb(directory_bytes)} of directory); "
                          f"a workbook to import may hold at most {limits.parts}")
    fh.seek(0)


def _scan_parts(zf: zipfile.ZipFile, limits: Limits) -> XlsxScan:
    infos = zf.infolist()
    if len(infos) > limits.parts:
        raise XlsxRefused(f"the zip holds {len(infos)} parts; a workbook to import may hold at most {limits.parts}")
    for info in infos:
        if info.file_size > limits.part_bytes:
            raise XlsxRefused(f"{quoted(info.filename)} expands to {_mb(info.file_size)}; "
                              f"one part may be at most {_mb(limits.part_bytes)}")
    total = sum(info.file_size for info in infos)
    if total > limits.total_bytes:
        raise XlsxRefused(f"the parts expand to {_mb(total)}; at most {_mb(limits.total_bytes)} are read")
    counter = _Counter(limits)
    scan = XlsxScan()
    names = {info.filename: info for info in infos}
    sheets: dict[str, str] = {}  # part name -> sheet name
    if WORKBOOK in names and WORKBOOK_RELS in names:
        order = _PartScanner(counter, "workbook", WORKBOOK, True).run(zf, names[WORKBOOK])
        targets = _PartScanner(counter, "rels", WORKBOOK_RELS, True).run(zf, names[WORKBOOK_RELS])
        sheets = {_part_name(targets[rid]): name for name, rid in order.items() if rid in targets}
    for info in infos:
        if info.filename in (WORKBOOK, WORKBOOK_RELS) or not info.filename.lower().endswith(XML_SUFFIXES):
            continue
        if info.filename in sheets or _UNLISTED_SHEET.fullmatch(info.filename):
            sheet = sheets.get(info.filename)
            label = f"sheet {quoted(sheet)}" if sheet is not None else quoted(info.filename)
            scanner = _PartScanner(counter, "sheet", label, False)
            last_row = scanner.run(zf, info)
            if sheet is not None:
                scan.last_rows[sheet] = last_row
                if scanner.uncached:
                    scan.uncached[sheet] = scanner.uncached
        elif info.filename.endswith("sharedStrings.xml"):
            _PartScanner(counter, "strings", quoted(info.filename), False).run(zf, info)
        else:
            _PartScanner(counter, "other", quoted(info.filename), True).run(zf, info)
    return scan


def _part_name(target: str) -> str:
    """A relationship target of the workbook as a zip member name."""
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


@dataclass
class _Counter:
    """Totals over the whole workbook."""

    limits: Limits
    tags: int = 0
    cells: int = 0
    text: int = 0


class _PartScanner:
    """Stream one XML part through expat, counting what the kind of part ("sheet", "strings"...) holds."""

    def __init__(self, counter: _Counter, kind: str, label: str, tree: bool):
        self.counter, self.limits, self.kind, self.label, self.tree = counter, counter.limits, kind, label, tree
        self.tags = 0
        self.row = self.col = self.last_row = 0
        self.text = 0  # characters of the current cell or shared string
        self.counting = False
        self.strings = 0
        self.found: dict[str, str] = {}  # workbook: sheet name -> r:id; rels: Id -> Target
        self.cell = ""                   # sheet: the current cell, whether it has a formula and a saved value
        self.formula = self.value = self.in_value = self.string = False
        self.uncached: list[str] = []

    def run(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Any:
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._doctype
        parser.StartElementHandler = getattr(self, f"_{self.kind}")
        if self.kind in ("sheet", "strings"):
            parser.CharacterDataHandler = self._chars
        try:
            with zf.open(info) as stream:
                while chunk := stream.read(CHUNK):
                    self._count_tags(chunk.count(b"<"))
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
            self._end_cell()
        except expat.ExpatError as exc:
            raise XlsxRefused(f"{self.label}: not well-formed XML ({cut(str(exc), 80)})") from None
        return self.last_row if self.kind == "sheet" else self.found

    def _count_tags(self, n: int) -> None:
        self.tags += n
        self.counter.tags += n
        if self.tree and self.tags > self.limits.tree_part_tags:
            raise XlsxRefused(f"{self.label}: more than {self.limits.tree_part_tags} tags")
        if self.counter.tags > self.limits.tags:
            raise XlsxRefused(f"more than {self.limits.tags} XML tags in the workbook")

    def _doctype(self, *_: Any) -> None:
        raise XlsxRefused(f"{self.label}: holds a DTD (document type declaration), which workbooks never need")

    # ---------------------------------------------------------------- start-tag handlers by kind

    def _sheet(self, name: str, attrs: dict[str, str]) -> None:
        tag = name.rpartition(":")[2]
        self.in_value = tag == "v"
        if tag == "f":
            self.formula = True
        elif tag == "is":
            self.value = True
        elif tag == "c":
            self._end_cell()
            self.string = attrs.get("t") == "str"   # a formula's text result: an empty one is a saved value
            self.counting, self.text = True, 0
            self.counter.cells += 1
            if self.counter.cells > self.limits.cells:
                raise XlsxRefused(f"more than {self.limits.cells} cells in the workbook")
            ref = attrs.get("r")
            row, col = self._ref(ref) if ref is not None else (self.row, self.col + 1)
            self.col = col
            self._check_size(row, col, "uses")
            self.last_row = max(self.last_row, row)
            self.cell = ref if ref is not None else f"{_letters(col)}{row}"
        elif tag == "row":
            self._end_cell()
            self.counting = False
            r = attrs.get("r")
            if r is not None and not _is_number(r):
                raise XlsxRefused(f"{self.label}: row number {quoted(r)} is not a number")
            self.row, self.col = (int(r) if r is not None else self.row + 1), 0
            self._check_size(self.row, 1, "uses")
            self.last_row = max(self.last_row, self.row)
        elif tag == "dimension":
            ref = attrs.get("ref", "")
            corners = [self._ref(corner) for corner in ref.split(":")]
            if len(corners) > 2:
                raise XlsxRefused(f"{self.label}: dimension {quoted(ref)} is not a cell range")
            self._check_size(max(r for r, _ in corners), max(c for _, c in corners), "declares")

    def _end_cell(self) -> None:
        if self.cell and self.formula and not (self.value or self.string):
            self.uncached.append(self.cell.replace("$", "").upper())
        self.cell, self.formula, self.value = "", False, False

    def _strings(self, name: str, attrs: dict[str, str]) -> None:
        tag = name.rpartition(":")[2]
        if tag == "si":
            self.counting, self.text = True, 0
            self.strings += 1
            if self.strings > self.limits.strings:
                raise XlsxRefused(f"{self.label}: more than {self.limits.strings} shared strings")
        elif tag == "sst":
            for key in ("count", "uniqueCount"):
                declared = attrs.get(key, "0")
                if not _is_number(declared) or int(declared) > self.limits.strings:
                    raise XlsxRefused(f"{self.label}: declares {quoted(declared)} shared strings; "
                                      f"at most {self.limits.strings} are read")

    def _workbook(self, name: str, attrs: dict[str, str]) -> None:
        if name.rpartition(":")[2] == "sheet":
            rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
            if "name" in attrs and rid is not None:
                self.found[attrs["name"]] = rid

    def _rels(self, name: str, attrs: dict[str, str]) -> None:
        if name.rpartition(":")[2] == "Relationship" and "Id" in attrs and "Target" in attrs:
            self.found[attrs["Id"]] = attrs["Target"]

    def _other(self, name: str, attrs: dict[str, str]) -> None:
        pass

    # ---------------------------------------------------------------- counting

    def _chars(self, data: str) -> None:
        if self.in_value and data:
            self.value = True
        if not self.counting:
            return
        self.text += len(data)
        self.counter.text += len(data)
        if self.text > self.limits.text:
            what = "a cell" if self.kind == "sheet" else "a shared string"
            raise XlsxRefused(f"{self.label}: {what} holds more than {self.limits.text} characters "
                              "(the most a spreadsheet cell can)")
        if self.counter.text > self.limits.total_text:
            raise XlsxRefused(f"more than {self.limits.total_text} characters of text in the workbook")

    def _ref(self, ref: str) -> tuple[int, int]:
        match = _REF.fullmatch(ref)
        if match is None:
            raise XlsxRefused(f"{self.label}: {quoted(ref)} is not a cell reference")
        letters, digits = match.groups()
        col = 0
        for letter in letters.upper():
            col = col * 26 + ord(letter) - 64
        return int(digits), col

    def _check_size(self, row: int, col: int, verb: str) -> None:
        if row > self.limits.rows:
            raise XlsxRefused(f"{self.label} {verb} row {row}; at most {self.limits.rows} rows are read")
        if col > self.limits.columns:
            raise XlsxRefused(f"{self.label} {verb} column {col}; at most {self.limits.columns} columns are read")


def _letters(col: int) -> str:
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 12


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"
