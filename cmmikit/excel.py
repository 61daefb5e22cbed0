"""The gap-analysis workbook: summary with native charts, one sheet per PA, findings, action plan, evidence.

Built in openpyxl's write-only mode (fast for hundreds of basic units): every
sheet is declared up front as a :class:`SheetSpec` (columns with widths and
kinds, rows of plain values) by :func:`gap_sheets`, then written by
:func:`write_gap_workbook`.  User text always goes through
:mod:`cmmikit.xlsx_safe`, so it stays text.  Every list is an Excel table
(filters, pivots, structured references) with a frozen header row.
"""

from __future__ import annotations

import os
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from cmmikit import atomic, palette
from cmmikit.charts import priority_band
from cmmikit.xlsx_safe import CellMaker, safe_text

if TYPE_CHECKING:
    import pandas as pd
    from openpyxl import Workbook

    from cmmikit.rating import Ratings
    from cmmikit.store import Appraisal

TABLE_STYLE = "TableStyleMedium2"
CHARACTERIZATION_COLUMN_WIDTH = 7.5
WRAP_AFTER = 0.9  # wrap text longer than this share of its column width (shorter text needs no wrap style)

# column kinds: text = user text (escaped), label = our own words, int/float/percent/bool = numbers
TEXT, LABEL, INT, FLOAT, PERCENT, BOOL = "text", "label", "int", "float", "percent", "bool"


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 12.0
    kind: str = LABEL


@dataclass
class SheetSpec:
    """One list sheet: optional title lines, then a table with a frozen header row."""

    title: str
    columns: list[Column]
    rows: list[Sequence[Any]]
    table: str
    heading: list[str] = field(default_factory=list)
    freeze_columns: int = 0
    # conditional formats: (first column index 0-based, last column index, colour map)
    colour_columns: list[tuple[int, int, dict[str, str]]] = field(default_factory=list)
    data_bar_columns: list[int] = field(default_factory=list)


# ------------------------------------------------------------------ building the sheet contents


def gap_sheets(appraisal: "Appraisal", ratings: "Ratings", findings: "pd.DataFrame | None",
               actions: "pd.DataFrame | None") -> list[SheetSpec]:
    """Every list sheet of the gap workbook (the Summary is written separately)."""
    sheets = [goals_sheet(ratings), *(pa_sheet(appraisal, ratings, pa) for pa in ratings.pas["pa"])]
    sheets.append(findings_sheet(findings))
    sheets.append(actions_sheet(actions))
    sheets.append(evidence_sheet(appraisal))
    suggestions = _suggestions(appraisal)
    if suggestions is not None and not suggestions.empty:
        sheets.append(questionnaire_sheet(suggestions))
    return sheets


def _unique_headers(fixed_before: list[str], names: list[str], fixed_after: list[str]) -> list[str]:
    """Instance names as table headers that clash with no fixed header (tables need unique names)."""
    taken = {h.casefold() for h in fixed_before + fixed_after}
    out = []
    for name in names:
        header = safe_text(name).replace("\n", " ") or "(unnamed)"
        while header.casefold() in taken:
            header += " (unit)"
        taken.add(header.casefold())
        out.append(header)
    return out


def pa_sheet(appraisal: "Appraisal", ratings: "Ratings", pa: str) -> SheetSpec:
    """Practices x (sampled instances + OU), strengths, weaknesses and evidence counts for one PA."""
    pa_row = ratings.pas[ratings.pas["pa"] == pa].iloc[0]
    cells = ratings.cells[ratings.cells["pa"] == pa]
    practices = ratings.practices[ratings.practices["pa"] == pa]
    goal_ratings = {g.goal: g.rating for g in ratings.goals[ratings.goals["pa"] == pa].itertuples()}
    instances = [i.name for i in appraisal.instances() if pa in i.pas]
    before = ["Goal", "Practice", "Title"]
    after = ["OU", "OU status", "Goal rating", "Artifacts", "Affirmations", "Strengths", "Weaknesses", "Warnings"]
    headers = _unique_headers(before, instances, after)
    columns = [Column("Goal", 7), Column("Practice", 9), Column("Title", 34, TEXT),
               *(Column(h, max(CHARACTERIZATION_COLUMN_WIDTH, min(len(h) + 2, 16))) for h in headers),
               Column("OU", 9), Column("OU status", 16), Column("Goal rating", 12), Column("Artifacts", 9, INT),
               Column("Affirmations", 11, INT), Column("Strengths", 50, TEXT), Column("Weaknesses", 60, TEXT),
               Column("Warnings", 40, LABEL)]
    by_practice: dict[str, dict[str, Any]] = defaultdict(dict)
    texts: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"strengths": [], "weaknesses": [], "warnings": []})
    for c in cells.itertuples(index=False):
        by_practice[c.practice][c.instance] = c.characterization
        for key in ("strengths", "weaknesses", "warnings"):
            value = getattr(c, key)
            if value and value.strip():
                texts[c.practice][key].append(f"{c.instance}: {value.strip()}")
    rows = []
    for p in practices.itertuples(index=False):
        chars = by_practice.get(p.practice, {})
        ou = p.ou if isinstance(p.ou, str) else p.aggregate
        t = texts[p.practice]
        rows.append((p.goal, p.practice, p.title, *(chars.get(name) for name in instances), ou or None, p.status,
                     goal_ratings.get(p.goal, ""), p.n_artifacts, p.n_affirmations,
                     "\n".join(t["strengths"]), "\n".join(t["weaknesses"]), "\n".join(t["warnings"])))
    first_char, last_char = 3, 3 + len(instances)  # instance columns and the OU column
    heading = [f"{pa} {pa_row['name']}: {pa_row['rating']}, capability level {pa_row['capability_level']}, "
               f"readiness {pa_row['readiness']:.0%}"]
    return SheetSpec(pa, columns, rows, f"PA_{pa}", heading=heading, freeze_columns=3,
                     colour_columns=[(first_char, last_char, palette.CHARACTERIZATION),
                                     (last_char + 2, last_char + 2, palette.RATING)])


GOAL_COLUMNS = [Column("PA", 7), Column("Goal", 7), Column("Title", 40, TEXT), Column("Rating", 14),
                Column("Reason", 60, TEXT), Column("Practices", 10, INT), Column("FI or LI", 9, INT),
                Column("Team decision rationale", 50, TEXT)]


def goals_sheet(ratings: "Ratings") -> SheetSpec:
    """Every goal's rating and the reason for it."""
    rows = [(g.pa, g.goal, g.title, g.rating, g.reason, g.n_practices, g.n_implemented, g.decision_rationale)
            for g in ratings.goals.itertuples(index=False)]
    return SheetSpec("Goals", GOAL_COLUMNS, rows, "GoalRatings",
                     heading=["Goal ratings: Not Rated while any practice is open; Satisfied when every practice "
                              "is FI or LI; otherwise Unsatisfied"],
                     colour_columns=[(3, 3, palette.RATING)])


FINDING_COLUMNS = [
    ("rank", Column("Rank", 7, INT)), ("score", Column("Score", 8, FLOAT)), ("priority", Column("Priority", 9)),
    ("blocks_ml2", Column("Blocks ML2", 10, BOOL)), ("kind", Column("Kind", 10)), ("pa", Column("PA", 7)),
    ("goal", Column("Goal", 7)), ("practices", Column("Practices", 14)), ("instances", Column("Instances", 24, TEXT)),
    ("statement", Column("Statement", 70, TEXT)), ("goal_rating", Column("Goal rating", 12)),
    ("ou_characterization", Column("OU characterization", 12)), ("impact", Column("Impact", 8, INT)),
    ("effort", Column("Effort", 8, INT)), ("breadth", Column("Breadth", 9, PERCENT)),
    ("status", Column("Status", 10)), ("origin", Column("Origin", 10)), ("n_actions", Column("Actions", 8, INT)),
    ("id", Column("Finding ID", 10, INT)),
]


def findings_sheet(findings: "pd.DataFrame | None") -> SheetSpec:
    """Findings ranked by priority score (gaps first), with a priority band and ML2 blocking flag."""
    columns = [c for _, c in FINDING_COLUMNS]
    rows = []
    if findings is not None:
        for f in findings.to_dict("records"):
            score = f.get("score")
            has_score = score is not None and score == score
            f["priority"] = priority_band(float(score)) if has_score and f.get("kind") == "weakness" else ""
            f["score"] = round(float(score), 1) if has_score else None
            rows.append(tuple(_plain(f.get(key)) for key, _ in FINDING_COLUMNS))
    heading = ["Findings, ranked: score 0-100 from data/finding_weights.yaml (High >= 60, Medium >= 30, Low)"]
    if findings is None:
        heading = ["Findings are not available in this installation (cmmikit.findings is missing)."]
    elif findings.empty:
        heading = ["No findings yet: generate them from the recorded weaknesses with the findings sync "
                   "(findings notebook, or cmmikit.findings.sync_findings)."]
    keys = [k for k, _ in FINDING_COLUMNS]
    return SheetSpec("Findings", columns, rows, "FindingsTable", heading=heading, freeze_columns=0,
                     colour_columns=[(keys.index("priority"),) * 2 + (palette.PRIORITY,),
                                     (keys.index("goal_rating"),) * 2 + (palette.RATING,)],
                     data_bar_columns=[keys.index("score")])


ACTION_COLUMNS = [
    ("id", Column("Action ID", 9, INT)), ("finding_id", Column("Finding ID", 10, INT)), ("pa", Column("PA", 7)),
    ("goal", Column("Goal", 7)), ("finding", Column("Finding", 50, TEXT)), ("description", Column("Action", 60, TEXT)),
    ("owner", Column("Owner", 20, TEXT)), ("due_date", Column("Due date", 12, TEXT)), ("status", Column("Status", 12)),
    ("overdue", Column("Overdue", 9, BOOL)), ("days_overdue", Column("Days overdue", 12, INT)),
]
OVERDUE = {"TRUE": palette.VERMILLION}


def actions_sheet(actions: "pd.DataFrame | None") -> SheetSpec:
    """The improvement action plan, one row per action."""
    rows = [] if actions is None else [tuple(_plain(a.get(k)) for k, _ in ACTION_COLUMNS)
                                       for a in actions.to_dict("records")]
    keys = [k for k, _ in ACTION_COLUMNS]
    return SheetSpec("Action plan", [c for _, c in ACTION_COLUMNS], rows, "ActionPlanTable",
                     heading=["Improvement actions per finding; overdue = not done or cancelled and past its due date"],
                     colour_columns=[(keys.index("overdue"), keys.index("overdue"), OVERDUE)])


EVIDENCE_COLUMNS = [Column("Evidence ID", 11, INT), Column("PA", 7), Column("Practice", 9),
                    Column("Instance", 24, TEXT),
                    Column("Kind", 11), Column("Description", 60, TEXT), Column("Location", 40, TEXT),
                    Column("Who", 20, TEXT), Column("Collected on", 13, TEXT)]


def evidence_sheet(appraisal: "Appraisal") -> SheetSpec:
    """One row per evidence item (artifact or affirmation)."""
    rows = [(e.id, e.pa, e.practice, e.instance, e.kind, e.description, e.location, e.who, e.collected_on)
            for e in appraisal.evidence()]
    return SheetSpec("Evidence", EVIDENCE_COLUMNS, rows, "EvidenceTable",
                     heading=["Objective evidence: one row per artifact or affirmation"])


SUGGESTION_COLUMNS = [("pa", Column("PA", 7)), ("practice", Column("Practice", 9)),
                      ("instance", Column("Instance", 24, TEXT)), ("characterization", Column("Assessor", 10)),
                      ("suggestion", Column("Suggested", 10)), ("agrees", Column("Agrees", 8, BOOL)),
                      ("n_answers", Column("Answers", 9, INT)), ("mean_score", Column("Mean score", 11, PERCENT)),
                      ("answers", Column("Answer counts", 40))]


def questionnaire_sheet(suggestions: "pd.DataFrame") -> SheetSpec:
    """Questionnaire answers turned into suggested characterizations, beside the assessors' own."""
    rows = [tuple(_plain(s.get(k)) for k, _ in SUGGESTION_COLUMNS) for s in suggestions.to_dict("records")]
    return SheetSpec("Questionnaire", [c for _, c in SUGGESTION_COLUMNS], rows, "QuestionnaireTable",
                     heading=["Suggestions from questionnaire answers (data/answer_mapping.yaml); "
                              "the assessors' characterizations are never changed by them"],
                     colour_columns=[(3, 4, palette.CHARACTERIZATION)])


def _suggestions(appraisal: "Appraisal") -> "pd.DataFrame | None":
    try:
        from cmmikit.questionnaire import suggested_characterizations
    except ImportError:
        return None
    return suggested_characterizations(appraisal) if appraisal.responses() else None


def _plain(value: Any) -> Any:
    """pandas/numpy scalars and missing values as plain Python values."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    try:
        if value != value:  # NaN, pd.NA raise or are unequal to themselves
            return None
    except (TypeError, ValueError):
        return None
    return value


# ------------------------------------------------------------------ writing


class _Writer:
    """Appends rows to one write-only sheet, with prepared styles; tracks the current row."""

    def __init__(self, wb: "Workbook", title: str, widths: Iterable[float], freeze: str | None = None):
        from openpyxl.utils import get_column_letter

        self.ws = wb.create_sheet(title)
        for i, width in enumerate(widths, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = width
        if freeze:
            self.ws.freeze_panes = freeze
        self.make = CellMaker(self.ws)
        _prepare_styles(self.make)
        self.row = 0

    def append(self, values: Sequence[Any]) -> int:
        self.ws.append(values)
        self.row += 1
        return self.row

    def title(self, text: str, fmt: str = "title") -> int:
        return self.append([self.make.text(text, fmt)])

    def table(self, name: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> tuple[int, int]:
        """Header plus rows as an Excel table; returns (header row, last row)."""
        from openpyxl.worksheet.filters import AutoFilter
        from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

        headers = [safe_text(c.header).replace("\n", " ") for c in columns]
        header_row = self.append([self.make.text(h, "header") for h in headers])
        convert = [_converter(self.make, c) for c in columns]
        append = self.ws.append
        n = 0
        for n, values in enumerate(rows, 1):
            append([f(v) for f, v in zip(convert, values)])
        if n == 0:
            append([None] * len(columns))  # a table needs a data row; keep it empty
            n = 1
        self.row += n
        ref = f"{_ref(1, header_row)}:{_ref(len(columns), self.row)}"
        table = Table(displayName=name, ref=ref, autoFilter=AutoFilter(ref=ref),
                      tableStyleInfo=TableStyleInfo(name=TABLE_STYLE, showRowStripes=True))
        table.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(headers, 1)]
        with warnings.catch_warnings():  # openpyxl warns that write-only tables need their columns: they have them
            warnings.simplefilter("ignore", UserWarning)
            self.ws.add_table(table)
        return header_row, self.row

    def colour(self, first_col: int, last_col: int, first_row: int, last_row: int, colours: dict[str, str]) -> None:
        """Fill cells by their text (conditional formatting, so edits recolour too)."""
        from openpyxl.formatting.rule import CellIsRule
        from openpyxl.styles import Font, PatternFill

        ref = f"{_ref(first_col, first_row)}:{_ref(last_col, last_row)}"
        for value, colour in colours.items():
            if not value:
                continue
            argb = colour.lstrip("#")
            rule = CellIsRule(operator="equal", formula=[f'"{value}"' if value not in ("TRUE", "FALSE") else value],
                              fill=PatternFill(start_color=argb, end_color=argb, fill_type="solid"),
                              font=Font(color=palette.text_on(colour).lstrip("#")))
            self.ws.conditional_formatting.add(ref, rule)

    def data_bar(self, col: int, first_row: int, last_row: int) -> None:
        from openpyxl.formatting.rule import DataBarRule

        self.ws.conditional_formatting.add(f"{_ref(col, first_row)}:{_ref(col, last_row)}",
                                           DataBarRule(start_type="num", start_value=0, end_type="num", end_value=100,
                                                       color=palette.ORANGE.lstrip("#")))


def _ref(col: int, row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"


def _prepare_styles(make: CellMaker) -> None:
    from openpyxl.styles import Alignment, Font

    top = Alignment(vertical="top")
    make.style("title", font=Font(bold=True, size=14))
    make.style("subtitle", font=Font(italic=True, color="555555"))
    make.style("header", font=Font(bold=True), alignment=Alignment(wrap_text=True, vertical="top"))
    make.style("key", font=Font(bold=True), alignment=top)
    make.style("wrap", alignment=Alignment(wrap_text=True, vertical="top"))
    make.style("percent", number_format="0%")
    make.style("decimal", number_format="0.0")


def _converter(make: CellMaker, column: Column) -> Callable[[Any], Any]:
    """How one column's values become cells: user text escaped, long text wrapped, numbers formatted."""
    limit = column.width * WRAP_AFTER

    def text(value: Any) -> Any:
        if value is None:
            return None
        value = value if isinstance(value, str) else str(value)
        return make.text(value, "wrap" if len(value) > limit or "\n" in value else None)

    def number(fmt: str | None) -> Callable[[Any], Any]:
        return lambda v: None if v is None else make.value(v, fmt)

    if column.kind == TEXT:
        return text
    if column.kind == PERCENT:
        return number("percent")
    if column.kind == FLOAT:
        return number("decimal")
    if column.kind in (INT, BOOL):
        return lambda v: text(v) if isinstance(v, str) else v  # a stray string is still escaped
    return text  # our own labels: the same escaping costs nothing and is never wrong


def _write_list_sheet(wb: "Workbook", spec: SheetSpec) -> None:
    top = len(spec.heading) + 2  # the row below the header
    freeze = _ref(spec.freeze_columns + 1, top)
    sheet = _Writer(wb, spec.title, [c.width for c in spec.columns], freeze)
    for line in spec.heading:
        sheet.title(line, "subtitle")
    header, last = sheet.table(spec.table, spec.columns, spec.rows)
    for first_col, last_col, colours in spec.colour_columns:
        sheet.colour(first_col + 1, last_col + 1, header + 1, last, colours)
    for col in spec.data_bar_columns:
        sheet.data_bar(col + 1, header + 1, last)
    _landscape(sheet.ws, header)


def _landscape(ws: Any, header_row: int | None = None) -> None:
    """Print landscape, one page wide, repeating the table header on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if header_row:
        ws.print_title_rows = f"{header_row}:{header_row}"


# ------------------------------------------------------------------ the summary sheet

PA_TABLE = [Column("PA", 7), Column("Process area", 36), Column("Category", 22), Column("Scope", 14),
            Column("Rating", 14), Column("Capability level", 12), Column("Goals", 8, INT),
            Column("Goals satisfied", 10, INT), Column("Goals unsatisfied", 12, INT),
            Column("Goals not rated", 10, INT),
            Column("Readiness", 10, PERCENT), Column("Characterized", 13, PERCENT), Column("FI", 6, INT),
            Column("LI", 6, INT), Column("PI", 6, INT), Column("NI", 6, INT), Column("NY", 6, INT),
            Column("Not characterized", 14, INT), Column("Open weaknesses", 12, INT)]
CHART_ROWS = 20


def _facts(appraisal: "Appraisal", ratings: "Ratings") -> list[tuple[str, str]]:
    info = appraisal.info()
    model = appraisal.model
    instances = appraisal.instances()
    units = [i.name for i in instances if i.kind == "basic_unit"]
    support = [i.name for i in instances if i.kind == "support_function"]
    dates = " to ".join(d for d in (info.start_date, info.end_date) if d)
    return [("Organizational unit", info.org_unit), ("Model", f"{model.name} {model.version}"),
            ("Appraisal type", info.appraisal_type), ("Sponsor", info.sponsor), ("Lead appraiser", info.lead_appraiser),
            ("Dates", dates), ("Basic units", f"{len(units)}: {', '.join(units)}"),
            ("Support functions", f"{len(support)}: {', '.join(support)}" if support else "0"),
            ("Verdict", ratings.maturity.headline), ("Reasons", "; ".join(ratings.maturity.reasons))]


def _pa_rows(ratings: "Ratings", findings: "pd.DataFrame | None") -> list[tuple]:
    goals = ratings.goals
    cells = ratings.cells.assign(characterization=ratings.cells["characterization"].fillna(""))
    counts = cells.groupby("pa")["characterization"].value_counts().unstack(fill_value=0)
    weaknesses: dict[str, int] = {}
    if findings is not None and not findings.empty:
        open_gaps = findings[(findings["kind"] == "weakness") & (findings["status"] == "open")]
        weaknesses = open_gaps.groupby("pa").size().to_dict()
    rows = []
    for p in ratings.pas.itertuples(index=False):
        mine = goals[goals["pa"] == p.pa]["rating"]
        c = counts.loc[p.pa] if p.pa in counts.index else {}
        rows.append((p.pa, p.name, p.category, p.scope.replace("_", " "), p.rating, p.capability_level, len(mine),
                     int((mine == "Satisfied").sum()), int((mine == "Unsatisfied").sum()),
                     int((mine == "Not Rated").sum()), float(p.readiness), float(p.characterized_share),
                     *(int(c.get(k, 0)) for k in ("FI", "LI", "PI", "NI", "NY", "")),
                     int(weaknesses.get(p.pa, 0))))
    return rows


def _write_summary(wb: "Workbook", appraisal: "Appraisal", ratings: "Ratings", findings: "pd.DataFrame | None") -> None:
    widths = [20, *(c.width for c in PA_TABLE[1:])]
    sheet = _Writer(wb, "Summary", widths)
    make = sheet.make
    sheet.title(f"Gap analysis: {appraisal.info().name}")
    for key, value in _facts(appraisal, ratings):
        sheet.append([make.text(key, "key"), make.text(value)])  # long facts overflow into the empty cells
    verdict_row = sheet.row - 1
    sheet.colour(2, 2, verdict_row, verdict_row, {ratings.maturity.headline: _verdict_colour(ratings)})
    sheet.append([])
    sheet.title("Process area ratings", "key")
    pa_rows = _pa_rows(ratings, findings)
    header, last = sheet.table("PARatings", PA_TABLE, pa_rows)
    sheet.colour(5, 5, header + 1, last, palette.RATING)
    sheet.append([])
    chart_row = sheet.row + 1
    _add_charts(sheet.ws, header, last, chart_row)
    for _ in range(CHART_ROWS):
        sheet.append([])
    sheet.append([make.text("Goal ratings and their reasons: sheet 'Goals'; practice by practice: one sheet per PA.",
                            "subtitle")])
    _landscape(sheet.ws)


def _verdict_colour(ratings: "Ratings") -> str:
    achieved = ratings.maturity.achieved
    return palette.YELLOW if achieved is None else palette.BLUE if achieved else palette.VERMILLION


def _add_charts(ws: Any, header: int, last: int, anchor_row: int) -> None:
    """Native Excel charts over the PA table: characterizations per PA, goal satisfaction per PA."""
    from openpyxl.chart import BarChart, Reference

    names = Reference(ws, min_col=1, min_row=header + 1, max_row=last)

    def stacked(title: str, first_col: int, colours: list[str], y_title: str) -> BarChart:
        chart = BarChart()
        chart.type, chart.grouping, chart.overlap, chart.gapWidth = "bar", "stacked", 100, 40
        chart.title, chart.y_axis.title = title, y_title
        chart.x_axis.scaling.orientation = "maxMin"  # first PA on top, as in the table...
        chart.y_axis.crosses = "max"  # ...with the value axis still at the bottom
        chart.legend.position = "b"
        chart.add_data(Reference(ws, min_col=first_col, max_col=first_col + len(colours) - 1,
                                 min_row=header, max_row=last), titles_from_data=True)
        chart.set_categories(names)
        for series, colour in zip(chart.series, colours):
            series.graphicalProperties.solidFill = colour.lstrip("#")
            series.graphicalProperties.line.solidFill = colour.lstrip("#")
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.height, chart.width = 9.5, 15
        return chart

    chars = [palette.CHARACTERIZATION[k] for k in ("FI", "LI", "PI", "NI", "NY", "")]
    first_char_col = [c.header for c in PA_TABLE].index("FI") + 1
    ws.add_chart(stacked("Characterizations per PA", first_char_col, chars, "practice x instance cells"),
                 f"A{anchor_row}")
    goals = [palette.RATING["Satisfied"], palette.RATING["Unsatisfied"], palette.RATING["Not Rated"]]
    first_goal_col = [c.header for c in PA_TABLE].index("Goals satisfied") + 1
    ws.add_chart(stacked("Goal satisfaction per PA", first_goal_col, goals, "goals"), f"F{anchor_row}")


# ------------------------------------------------------------------ entry point


def findings_frames(appraisal: "Appraisal", ratings: "Ratings") -> tuple["pd.DataFrame | None", "pd.DataFrame | None"]:
    """The findings and action plan frames, or (None, None) without the findings module."""
    try:
        from cmmikit.findings import actions_frame, findings_frame
    except ImportError:
        return None, None
    return findings_frame(appraisal, ratings), actions_frame(appraisal)


def write_gap_workbook(appraisal: "Appraisal", path: str | os.PathLike, ratings: "Ratings | None" = None,
                       findings: "pd.DataFrame | None" = None) -> Path:
    """Write the gap-analysis workbook to ``path`` atomically (a complete file or none); returns the path."""
    from openpyxl import Workbook

    from cmmikit.rating import rate

    atomic.check_writable(path)  # before the work, and before write-only sheets start streaming
    ratings = ratings if ratings is not None else rate(appraisal)
    computed, actions = findings_frames(appraisal, ratings)
    findings = findings if findings is not None else computed
    wb = Workbook(write_only=True)
    wb.properties.creator = "cmmikit"
    wb.properties.title = safe_text(f"Gap analysis: {appraisal.info().name}")
    _write_summary(wb, appraisal, ratings, findings)
    for spec in gap_sheets(appraisal, ratings, findings, actions):
        _write_list_sheet(wb, spec)
    return save_atomic(wb, Path(path))


def save_atomic(wb: "Workbook", path: Path) -> Path:
    """Save a workbook next to ``path`` and move it into place, so readers never see half a file."""
    with atomic.replacing(path) as tmp:
        wb.save(tmp)
    return path
