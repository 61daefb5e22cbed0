"""The offline questionnaire round trip (the suggestion its answers give is :mod:`cmmikit.method.answers`).

:func:`write_questionnaire` makes a blank workbook for one basic unit or support
function: every in-scope practice's questions, a dropdown answer column, evidence
and comment columns, a protected structure and an instructions sheet.
:func:`read_questionnaire` checks a filled one row by row (every problem named by
sheet, row and column) and :func:`import_questionnaire` stores its answers as
questionnaire responses, all or nothing.

:func:`suggested_characterizations` turns the stored answers into a suggested
characterization per practice and instance with the rules in
``data/answer_mapping.yaml``, shown beside the assessors' own characterization
and never written over it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmmikit.errors import ImportProblem, InvalidValue, UnknownEntry, cut, quoted
from cmmikit.method.answers import (  # noqa: F401 (part of this module's names)
    DEFAULT_MAPPING,
    SUGGESTION_COLUMNS,
    Answer,
    AnswerMapping,
    MappingError,
    Suggestion,
    load_answer_mapping,
    suggest,
    suggested_characterizations,
)
from cmmikit.outputs.xlsx_safe import cell_text, safe_text, set_text

if TYPE_CHECKING:
    from cmmikit.model import Practice
    from cmmikit.store import Appraisal, Response

FORMAT = "cmmikit-questionnaire"
FORMAT_VERSION = 1
QUESTIONS, INSTRUCTIONS, META = "Questions", "Instructions", "cmmikit"
HEADERS = ("PA", "Goal", "Practice", "Practice title", "No.", "Question", "Answer", "Evidence", "Comment")
WIDTHS = (7, 7, 9, 30, 5, 70, 15, 45, 45)
ANSWER, EVIDENCE, COMMENT = (HEADERS.index(h) + 1 for h in ("Answer", "Evidence", "Comment"))
RESPONDENT_LABEL = "Your name"
# ------------------------------------------------------------------ writing a blank questionnaire


def questionnaire_rows(appraisal: "Appraisal", instance: str) -> list[tuple[str, str, str, str, int, str]]:
    """(PA, goal, practice, title, question number, question) for every in-scope practice of the instance."""
    found = next((i for i in appraisal.instances() if i.name == instance), None)
    if found is None:
        raise UnknownEntry(f"no basic unit or support function named {instance!r}")
    scopes = appraisal.scopes()
    model = appraisal.model
    return [(pa, p.goal, p.id, p.title, n, q)
            for pa in found.pas if scopes[pa].scope == "in_scope"
            for p in model.pa(pa).practices for n, q in enumerate(p.questions, 1)]


def write_questionnaire(appraisal: "Appraisal", instance: str, path: str | os.PathLike,
                        mapping: AnswerMapping | None = None) -> Path:
    """Write the blank questionnaire workbook for one basic unit or support function (atomically)."""
    from openpyxl import Workbook
    from openpyxl.workbook.protection import WorkbookProtection

    from cmmikit.atomic import check_output, save_atomic

    check_output(path, ".xlsx", "the questionnaire")
    mapping = mapping or load_answer_mapping()
    rows = questionnaire_rows(appraisal, instance)
    if not rows:
        raise InvalidValue(f"{instance} is sampled for no in-scope process area: there is nothing to ask")
    wb = Workbook()
    _instructions(wb.active, appraisal, instance, mapping, len(rows))
    _questions(wb.create_sheet(QUESTIONS), rows, mapping)
    meta = wb.create_sheet(META)
    for key, value in (("format", FORMAT), ("version", FORMAT_VERSION), ("appraisal", appraisal.info().name),
                       ("model", appraisal.model.id), ("instance", instance)):
        meta.append([key, value if isinstance(value, int) else None])
        if isinstance(value, str):
            set_text(meta.cell(meta.max_row, 2), value)
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    wb.active = 0
    wb.security = WorkbookProtection(lockStructure=True)
    wb.properties.creator = "cmmikit"
    wb.properties.title = safe_text(f"Questionnaire: {instance}")
    return save_atomic(wb, Path(path))


def _instructions(ws: Any, appraisal: "Appraisal", instance: str, mapping: AnswerMapping, n_questions: int) -> None:
    from openpyxl.styles import Alignment, Font, Protection

    ws.title = INSTRUCTIONS
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 90
    wrap = Alignment(wrap_text=True, vertical="top")
    ws["A1"] = "CMMI questionnaire"
    ws["A1"].font = Font(bold=True, size=14)
    facts = [("Appraisal", appraisal.info().name), ("Basic unit / support function", instance),
             ("Model", f"{appraisal.model.name} {appraisal.model.version}"), ("Questions", str(n_questions))]
    row = 3
    for key, value in facts:
        ws.cell(row, 1, key).font = Font(bold=True)
        set_text(ws.cell(row, 2), value)
        row += 1
    ws.cell(row, 1, RESPONDENT_LABEL).font = Font(bold=True)
    name = ws.cell(row, 2)
    name.protection = Protection(locked=False)
    name.alignment = wrap
    row += 2
    steps = [
        f"1. Type your name in the yellow cell next to '{RESPONDENT_LABEL}'.",
        f"2. On the '{QUESTIONS}' sheet answer each question with the dropdown in the Answer column "
        "(leave it blank if you skip a question).",
        "3. Under Evidence name the documents, records or tools that show it (file names, links); "
        "use Comment for anything else.",
        "4. The sheets are protected so the question rows stay intact; only Answer, Evidence and Comment "
        "can be edited. Save the file and send it back; it is imported as it is.",
        "Your answers help the appraisal team find evidence; they do not set any rating by themselves.",
    ]
    for text in steps:
        cell = ws.cell(row, 1, text)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        cell.alignment = wrap
        ws.row_dimensions[row].height = 30
        row += 1
    row += 1
    ws.cell(row, 1, "Answer").font = Font(bold=True)
    ws.cell(row, 2, "Meaning").font = Font(bold=True)
    for answer in mapping.answers:
        row += 1
        set_text(ws.cell(row, 1), answer.label)
        set_text(ws.cell(row, 2), answer.help).alignment = wrap
    from openpyxl.styles import PatternFill

    name.fill = PatternFill(start_color="FFF2CC", end_color="FFF2CC", fill_type="solid")
    ws.protection.sheet = True


def _questions(ws: Any, rows: list[tuple], mapping: AnswerMapping) -> None:
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    for col, (header, width) in enumerate(zip(HEADERS, WIDTHS), 1):
        ws.column_dimensions[get_column_letter(col)].width = width
        cell = ws.cell(1, col, header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    unlocked = Protection(locked=False)
    for r, values in enumerate(rows, 2):
        for c, value in enumerate(values, 1):
            cell = ws.cell(r, c)
            if isinstance(value, str):
                set_text(cell, value)
            else:
                cell.value = value
            cell.alignment = wrap if c in (4, 6) else top
        for c in (ANSWER, EVIDENCE, COMMENT):
            cell = ws.cell(r, c)
            cell.protection = unlocked
            cell.alignment = wrap
    last = max(2, len(rows) + 1)
    answer_col = get_column_letter(ANSWER)
    dv = DataValidation(type="list", formula1='"' + ",".join(mapping.labels) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="Answer",
                        error="Choose an answer from the list (or leave the cell empty).",
                        showInputMessage=True, promptTitle="Answer", prompt=", ".join(mapping.labels))
    dv.add(f"{answer_col}2:{answer_col}{last}")
    ws.add_data_validation(dv)
    answered = PatternFill(start_color="E2EFDA", end_color="E2EFDA", fill_type="solid")
    ws.conditional_formatting.add(f"{answer_col}2:{answer_col}{last}",
                                  FormulaRule(formula=[f'LEN({answer_col}2)>0'], fill=answered))
    ws.freeze_panes = "G2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(HEADERS))}{last}"
    ws.protection.sheet = True
    ws.protection.autoFilter = False      # allowed: filter by PA or unanswered questions
    ws.protection.formatColumns = False   # allowed: widen columns
    ws.protection.formatRows = False


# ------------------------------------------------------------------ reading it back


@dataclass(frozen=True)
class QuestionnaireAnswers:
    """What a filled questionnaire holds, checked: ready to store."""

    instance: str
    respondent: str
    responses: tuple["Response", ...]
    n_questions: int


def read_questionnaire(appraisal: "Appraisal", path: str | os.PathLike, mapping: AnswerMapping | None = None,
                       *, instance: str | None = None) -> QuestionnaireAnswers:
    """Read a filled questionnaire (read-only mode) and check every row; raises ImportProblem listing them all.

    ``instance`` imports the answers for another basic unit or support function than the one the
    questionnaire was made for (e.g. after a rename).
    """
    source = str(path)
    mapping = mapping or load_answer_mapping()
    meta, respondent, rows = _load(Path(path))
    instance = _check_meta(appraisal, meta, source, instance)
    _check_header(rows, source)
    allowed = _allowed_questions(appraisal, instance)
    seen: set[tuple[str, str, int]] = set()
    responses, problems = [], []
    n_questions = 0
    for number, values in enumerate(rows[1:], 2):
        values = (tuple(values) + (None,) * len(HEADERS))[:len(HEADERS)]  # cells beyond the columns are ignored
        if all(v is None or _text(v) == "" for v in values):
            continue
        n_questions += 1
        response, row_problems = _check_row(number, values, allowed, seen, mapping, instance, respondent)
        problems += row_problems
        if response is not None:
            responses.append(response)
    if not problems and not responses:
        problems.append(f"{QUESTIONS}: no question is answered (column {_letter(ANSWER)} is empty)")
    if problems:
        raise ImportProblem(source, problems)
    return QuestionnaireAnswers(instance, respondent, tuple(responses), n_questions)


def import_questionnaire(appraisal: "Appraisal", path: str | os.PathLike, mapping: AnswerMapping | None = None,
                         *, instance: str | None = None) -> QuestionnaireAnswers:
    """Check a filled questionnaire and store its answers (all or nothing); returns what was stored."""
    answers = read_questionnaire(appraisal, path, mapping, instance=instance)
    appraisal.replace_responses(answers.instance, answers.responses, source=f"questionnaire {Path(path).name}")
    return answers


def _load(path: Path) -> tuple[dict[str, str], str, list[tuple]]:
    """The hidden facts, the respondent's name and the question rows of a questionnaire workbook.

    The file's sizes are checked first (:mod:`cmmikit.imports.xlsx_limits`), so a workbook that would
    expand to gigabytes is refused before openpyxl parses it.
    """
    from openpyxl import load_workbook

    from cmmikit.imports.xlsx_limits import XlsxRefused, scan_xlsx

    source = str(path)
    try:
        scan = scan_xlsx(path)
        wb = load_workbook(path, read_only=True, data_only=False)
        try:
            meta = _meta(wb, source)
            if QUESTIONS not in wb.sheetnames:
                raise ImportProblem(source, [f"the sheet {QUESTIONS!r} is missing"])
            # rows up to the last one used (not the declared dimension), and only the questionnaire's columns
            rows = wb[QUESTIONS].iter_rows(max_row=scan.last_rows.get(QUESTIONS) or None, max_col=len(HEADERS),
                                           values_only=True)
            return meta, _respondent(wb), list(rows)
        finally:
            wb.close()
    except (ImportProblem, MemoryError):
        raise
    except XlsxRefused as exc:
        raise ImportProblem(source, [str(exc)]) from None
    except OSError as exc:
        raise ImportProblem(source, [f"cannot read: {exc.strerror or cut(str(exc), 80)}"]) from None
    except Exception as exc:  # openpyxl raises many kinds (KeyError, ValueError, TypeError...) on damaged files
        raise ImportProblem(source, [f"not a readable Excel workbook (.xlsx): {type(exc).__name__}: "
                                     f"{cut(str(exc), 80)}"]) from None


def _check_header(rows: list[tuple], source: str) -> None:
    header = tuple(_text(v) for v in (rows[0] if rows else ()))[:len(HEADERS)]
    if header != HEADERS:
        padded = header + ("",) * len(HEADERS)
        raise ImportProblem(source, [f"{QUESTIONS}!{_letter(col)}1: column should be {wanted!r}, found {quoted(found)}"
                                     for col, (found, wanted) in enumerate(zip(padded, HEADERS), 1)
                                     if found != wanted])


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


_text = cell_text


def _meta(wb: Any, source: str) -> dict[str, str]:
    if META not in wb.sheetnames:
        raise ImportProblem(source, ["not a cmmikit questionnaire (its hidden 'cmmikit' sheet is missing); "
                                     "make one with 'cmmikit questionnaire'"])
    return {_text(r[0]): _text(r[1]) for r in wb[META].iter_rows(min_col=1, max_col=2, values_only=True) if r and r[0]}


def _check_meta(appraisal: "Appraisal", meta: dict[str, str], source: str, instance: str | None) -> str:
    if meta.get("format") != FORMAT:
        raise ImportProblem(source, ["not a cmmikit questionnaire (unknown format)"])
    if meta.get("version") != str(FORMAT_VERSION):
        raise ImportProblem(source, [f"questionnaire format version {quoted(meta.get('version'))} is not one this "
                                     f"cmmikit reads ({FORMAT_VERSION})"])
    if meta.get("model") != appraisal.model.id:
        raise ImportProblem(source, [f"made for model {quoted(meta.get('model'))}, but this appraisal uses "
                                     f"{appraisal.model.id!r}"])
    names = {i.name for i in appraisal.instances()}
    if instance is not None:
        if instance not in names:
            raise ImportProblem(source, [f"{quoted(instance)} is not a basic unit or support function of this appraisal"])
        return instance
    made_for = meta.get("instance", "")
    if made_for not in names:
        raise ImportProblem(source, [f"made for {quoted(made_for)}, which is not a basic unit or support function "
                                     "of this appraisal (name the one to import into with instance=...)"])
    return made_for


def _respondent(wb: Any) -> str:
    if INSTRUCTIONS not in wb.sheetnames:
        return ""
    for row in wb[INSTRUCTIONS].iter_rows(min_col=1, max_col=2, values_only=True):
        if row and _text(row[0]) == RESPONDENT_LABEL:
            return _text(row[1] if len(row) > 1 else None)
    return ""


def _allowed_questions(appraisal: "Appraisal", instance: str) -> dict[tuple[str, str], "Practice"]:
    """(PA, practice) -> the model's practice, for the instance's in-scope practices."""
    return {(pa, practice): appraisal.model.practice(pa, practice)
            for pa, _, practice, _, n, _ in questionnaire_rows(appraisal, instance) if n == 1}


def _check_row(number: int, values: tuple, allowed: dict[tuple[str, str], "Practice"], seen: set,
               mapping: AnswerMapping, instance: str, respondent: str) -> tuple["Response | None", list[str]]:
    from cmmikit.store import Response

    where = lambda col: f"{QUESTIONS}!{_letter(col)}{number}"  # noqa: E731
    pa, goal, practice, title, question, text, answer, evidence, comment = (_text(v) for v in values)
    known = allowed.get((pa, practice))
    problems = []
    if known is None and not (pa or practice):
        problems.append(f"{where(1)}: a row without a practice (columns A and C are empty)")
    elif known is None:
        problems.append(f"{where(1)}: {cut(pa, 20)} {cut(practice, 20)} is not an in-scope practice for {instance}")
    elif not _is_small_number(question) or not 1 <= int(question) <= len(known.questions):
        problems.append(f"{where(5)}: question number {quoted(question)} is not 1 to {len(known.questions)}")
    elif (pa, practice, int(question)) in seen:
        problems.append(f"{where(5)}: {pa} {practice} question {question} appears twice")
    else:
        seen.add((pa, practice, int(question)))
        problems += _protected_changes(where, known, goal, title, known.questions[int(question) - 1], text)
    chosen = mapping.answer(answer) if answer else None
    if answer and chosen is None:
        problems.append(f"{where(ANSWER)}: answer {quoted(answer)} is not one of {', '.join(mapping.labels)}")
    if not answer and (evidence or comment):
        problems.append(f"{where(ANSWER)}: no answer, but evidence or a comment is given; choose an answer")
    if problems or chosen is None:
        return None, problems
    return Response(instance, pa, practice, int(question), chosen.label, question_text=known.questions[int(question) - 1],
                    evidence=evidence, comment=comment, respondent=respondent), []


def _protected_changes(where: Any, known: "Practice", goal: str, title: str, question: str, text: str) -> list[str]:
    """The protected cells (goal, practice title, question) of a row that differ from the model."""
    expected = ((2, "goal", known.goal, goal), (4, "practice title", known.title, title),
                (6, "question text", question, text))
    return [f"{where(col)}: the {label} differs from the model's (a protected column: undo the edit, "
            "or make a new questionnaire)"
            for col, label, wanted, found in expected if safe_text(wanted).split() != found.split()]


def _is_small_number(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 4
