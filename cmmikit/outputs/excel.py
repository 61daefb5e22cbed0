"""The gap-analysis workbook: summary with native charts, goals, one sheet per PA, findings, action plan, evidence.

Every list sheet is declared as a :class:`SheetSpec` (columns with widths and kinds, rows
of plain values) by :func:`gap_sheets` and written by :mod:`cmmikit.outputs.xlsx_sheet` with
XlsxWriter (fast for hundreds of basic units): typed cells, row heights
that fit wrapped text, landscape pages one page wide with the header repeated. The
Summary prints on one page with both charts. Lists follow model order (PAs, goals,
SPs then GPs numerically), user text stays text, and nothing shows ``nan`` or ``None``.

:func:`export_workbook` is what the CLI runs: it refreshes the findings on a snapshot copy
(:mod:`cmmikit.method.snapshot`), as the report does, and never writes to the appraisal.
"""

from __future__ import annotations

import math
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from cmmikit import atomic, palette
from cmmikit.atomic import save_atomic
from cmmikit.outputs.gap_keys import KEY_HEADER, TEXT_FIELDS, KeyWriter, Origin, unit_lines
from cmmikit.outputs.xlsx_safe import safe_text
from cmmikit.outputs.xlsx_sheet import (BOOL, DATE, DEFAULT_ROW_HEIGHT, FLOAT, INT, KEY, LABEL, LINK, PERCENT, TEXT, YES, Book,
                                Column, SheetWriter, column_lefts_cm, fit_headers, wrapped_lines)
from cmmikit.method.risk import OPEN, forecast_column, value_column

if TYPE_CHECKING:
    import pandas as pd

    from cmmikit.method.rating import Ratings
    from cmmikit.method.risk import Assessment
    from cmmikit.store import Appraisal

__all__ = ["Column", "SheetSpec", "export_workbook", "gap_sheets", "save_atomic", "write_gap_workbook"]

TEAM_DECISION = "team decision"
MAX_LISTED_UNITS = 12  # instance names listed on the Summary; the rest are counted


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
    printed_rows: int | None = None  # print only the first rows (the sheet keeps them all)
    hidden_columns: list[int] = field(default_factory=list)  # 0-based; kept with the rows, never printed


class ModelOrder:
    """Sort keys in model order: PAs, goals, practices (SPs, then GP 2.1 .. GP 2.10), sampled instances."""

    def __init__(self, appraisal: "Appraisal"):
        model = appraisal.model
        self.pa = {pa: n for n, pa in enumerate(model.process_areas)}
        self.goal = {(pa.id, g.id): n for pa in model.process_areas.values() for n, g in enumerate(pa.goals)}
        self.practice = {(p.pa, p.id): n for n, p in enumerate(model.practices())}
        self.instance = {i.name: n for n, i in enumerate(appraisal.instances())}

    def goal_key(self, pa: str, goal: str) -> tuple[int, int]:
        return self.pa.get(pa, len(self.pa)), self.goal.get((pa, goal), 0)

    def practice_key(self, pa: str, practice: str) -> tuple[int, int]:
        return self.pa.get(pa, len(self.pa)), self.practice.get((pa, practice), 0)


# ------------------------------------------------------------------ building the sheet contents


def gap_sheets(appraisal: "Appraisal", ratings: "Ratings", findings: "pd.DataFrame | None",
               actions: "pd.DataFrame | None", origin: Origin | None = None) -> list[SheetSpec]:
    """Every list sheet of the gap workbook (the Summary is written separately).

    ``origin``: the appraisal the PA sheets' row keys name (default: ``appraisal`` itself).
    """
    order = ModelOrder(appraisal)
    decisions = {(d.pa, d.practice): d for d in appraisal.practice_decisions()}
    instances = appraisal.instances()
    keys = KeyWriter(appraisal, origin)
    sheets = [goals_sheet(appraisal, ratings)]
    sheets += [pa_sheet(ratings, pa, [i.name for i in instances if pa in i.pas], decisions, keys=keys)
               for pa in ratings.pas["pa"]]
    sheets.append(findings_sheet(findings))
    sheets.append(actions_sheet(actions, order))
    sheets.append(evidence_sheet(appraisal, order))
    suggestions = _suggestions(appraisal)
    if suggestions is not None and not suggestions.empty:
        sheets.append(questionnaire_sheet(suggestions))
    sheets.append(change_log_sheet(appraisal))
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


def decision_text(value: str, rationale: str, decided_by: str) -> str:
    """A team decision as one line: the value, why, and who decided."""
    text = f"{value}: {rationale.strip()}" if rationale.strip() else value
    return f"{text} (decided by {decided_by.strip()})" if decided_by.strip() else text


PA_BEFORE = ["Goal", "Practice", "Title"]
PA_AFTER = ["OU", "OU status", "Artifacts", "Affirmations", "Team decision", "Strengths", "Weaknesses", "Notes",
            KEY_HEADER, "Warnings"]
OU_COLOURS = {**palette.CHARACTERIZATION, **{f"{k} ({TEAM_DECISION})": c
                                              for k, c in palette.CHARACTERIZATION.items() if k}}


def pa_sheet(ratings: "Ratings | Assessment", pa: str, instances: list[str], decisions: dict | None = None, *,
             heading: list[str] | None = None, colours: dict[str, str] | None = None,
             keys: KeyWriter | None = None) -> SheetSpec:
    """Practices x (sampled instances + OU), the team's decisions, strengths, weaknesses, notes, evidence counts.

    ``heading`` and ``colours`` (value -> fill) replace the SCAMPI A ones (a SCAMPI B/C appraisal's scale).
    With ``keys``, each row carries its hidden row key (what ``cmmikit import-xlsx`` reads back).
    """
    decisions = decisions or {}
    pa_row = ratings.pas[ratings.pas["pa"] == pa].iloc[0]
    cells = ratings.cells[ratings.cells["pa"] == pa]
    practices = ratings.practices[ratings.practices["pa"] == pa]
    goals = ratings.goals[ratings.goals["pa"] == pa]
    headers = _unique_headers(PA_BEFORE, instances, PA_AFTER)
    columns = [Column("Goal", 6), Column("Practice", 8), Column("Title", 24, TEXT),
               *(Column(h, 8) for h in headers),
               Column("OU", 10), Column("OU status", 14), Column("Artifacts", 9, INT), Column("Affirmations", 11, INT),
               Column("Team decision", 28, TEXT), Column("Strengths", 30, TEXT), Column("Weaknesses", 38, TEXT),
               Column("Notes", 24, TEXT), Column(KEY_HEADER, 10, KEY), Column("Warnings", 22, LABEL)]
    by_practice: dict[str, dict[str, Any]] = defaultdict(dict)
    for c in cells.itertuples(index=False):
        by_practice[c.practice][c.instance] = c
    header_of = dict(zip(instances, headers))
    rows = []
    for p in practices.itertuples(index=False):
        mine = [by_practice.get(p.practice, {}).get(name) for name in instances]
        chars = [c.characterization if c is not None else None for c in mine]
        texts = {f: [(header_of[n], _text(c, f)) for n, c in zip(instances, mine)] for f in (*TEXT_FIELDS, "warnings")}
        key = keys.key(pa, p.practice, [(header_of[n], n, ch, {f: _text(c, f) for f in TEXT_FIELDS})
                                        for n, ch, c in zip(instances, chars, mine)]) if keys else None
        rows.append((p.goal, p.practice, p.title, *chars, _ou_text(p), p.status,
                     p.n_artifacts, p.n_affirmations, _decision_column(p, decisions.get((pa, p.practice))),
                     *(unit_lines(texts[f]) for f in TEXT_FIELDS), key, unit_lines(texts["warnings"])))
    first_char, ou_col = 3, 3 + len(instances)
    if heading is None:
        heading = [f"{pa} {pa_row['name']}: {pa_row['rating']}, capability level {pa_row['capability_level']}, "
                   f"readiness {pa_row['readiness']:.0%}",
                   "Goals: " + "; ".join(f"{g.goal} {g.rating}" for g in goals.itertuples())]
    values = colours or palette.CHARACTERIZATION
    ou_colours = OU_COLOURS if colours is None else {**colours, **{f"{k} ({TEAM_DECISION})": c
                                                                   for k, c in colours.items()}}
    fills = [(ou_col, ou_col, ou_colours)]
    if instances:
        fills.insert(0, (first_char, ou_col - 1, values))
    return SheetSpec(pa, columns, rows, f"PA_{pa}", heading=heading, freeze_columns=3, colour_columns=fills,
                     hidden_columns=[len(columns) - 2])


def _text(cell: Any, field: str) -> str:
    value = getattr(cell, field, "") if cell is not None else ""
    return value if isinstance(value, str) else ""


def _ou_text(p: Any) -> str | None:
    """The OU characterization, marked when the team's decision set it; the allowed range while open."""
    if isinstance(p.ou, str) and p.ou:
        decided = p.decision == p.ou and str(p.decision_note).startswith(TEAM_DECISION)
        return f"{p.ou} ({TEAM_DECISION})" if decided else p.ou
    return p.aggregate or None


def _decision_column(p: Any, decision: Any) -> str:
    """The recorded practice decision with its rationale and who decided; why it does not count, if so."""
    if decision is None:
        return ""
    text = decision_text(decision.value, decision.rationale, decision.decided_by)
    note = p.decision_note if isinstance(p.decision_note, str) else ""
    return text if note.startswith(TEAM_DECISION) or not note else f"{text}\n[{note}]"


GOAL_COLUMNS = [Column("PA", 6), Column("Goal", 6), Column("Title", 34, TEXT), Column("Rating", 12),
                Column("Reason", 40, TEXT), Column("Practices", 9, INT), Column("FI or LI", 8, INT),
                Column("Team decision", 40, TEXT)]


def goals_sheet(appraisal: "Appraisal", ratings: "Ratings") -> SheetSpec:
    """Every goal's rating, the reason for it and the team's goal decision."""
    decisions = {(d.pa, d.goal): d for d in appraisal.goal_decisions()}
    rows = []
    for g in ratings.goals.itertuples(index=False):
        d = decisions.get((g.pa, g.goal))
        rows.append((g.pa, g.goal, g.title, g.rating, g.reason, g.n_practices, g.n_implemented,
                     decision_text(d.rating, d.rationale, d.decided_by) if d else ""))
    return SheetSpec("Goals", GOAL_COLUMNS, rows, "GoalRatings",
                     heading=["Goal ratings: Not Rated while any practice is open; Satisfied when every practice "
                              "is FI or LI (unless the team decided otherwise); otherwise Unsatisfied"],
                     colour_columns=[(3, 3, palette.RATING)])


FINDING_COLUMNS = [
    ("rank", Column("Rank", 6, INT)), ("score", Column("Score", 7, FLOAT)), ("priority", Column("Priority", 9)),
    ("blocks_ml2", Column("Blocks ML2", 8, BOOL)), ("kind", Column("Kind", 10)), ("pa", Column("PA", 6)),
    ("goal", Column("Goal", 6)), ("practices", Column("Practices", 10)), ("instances", Column("Instances", 18, TEXT)),
    ("statement", Column("Statement", 50, TEXT)), ("goal_rating", Column("Goal rating", 11)),
    ("ou_characterization", Column("OU characterization", 13)), ("impact", Column("Impact", 7, INT)),
    ("effort", Column("Effort", 7, INT)), ("breadth", Column("Breadth", 8, PERCENT)),
    ("origin", Column("Origin", 10)), ("n_actions", Column("Actions", 8, INT)),
    ("id", Column("Finding ID", 8, INT)),
]


def findings_sheet(findings: "pd.DataFrame | None", *, headers: dict[str, str] | None = None,
                   goal_colours: dict[str, str] | None = None) -> SheetSpec:
    """Open findings ranked by priority score (gaps first), with the priority band and the ML2 blocking flag.

    ``headers`` rename columns by key and ``goal_colours`` colour the goal column (a SCAMPI B/C appraisal
    shows each goal's forecast or worst value there, not a rating).
    """
    from dataclasses import replace

    from cmmikit.method.findings import priority_band

    headers = headers or {}
    columns = [replace(c, header=headers[k]) if k in headers else c for k, c in FINDING_COLUMNS]
    rows = []
    for f in ([] if findings is None else findings.to_dict("records")):
        score = f.get("score")
        has_score = isinstance(score, (int, float)) and score == score
        f["priority"] = priority_band(float(score)) if has_score and f.get("kind") == "weakness" else ""
        f["score"] = round(float(score), 1) if has_score else None
        f["instances"] = (f.get("instances") or "").replace(", ", "\n")  # one per line: shorter rows than commas
        rows.append(tuple(f.get(key) for key, _ in FINDING_COLUMNS))
    heading = ["Open findings ranked by priority score 0-100 (High from 60, Medium from 30, else Low); "
               "strengths follow the gaps"]
    if findings is None:
        heading = ["Findings are not available in this installation (cmmikit.method.findings is missing)."]
    elif findings.empty:
        heading = ["No findings yet: generate them from the recorded weaknesses with the findings sync "
                   "(findings notebook, or cmmikit.method.findings.sync_findings)."]
    keys = [k for k, _ in FINDING_COLUMNS]
    return SheetSpec("Findings", columns, rows, "FindingsTable", heading=heading, freeze_columns=0,
                     colour_columns=[(keys.index("priority"),) * 2 + (palette.PRIORITY,),
                                     (keys.index("goal_rating"),) * 2 + (goal_colours or palette.RATING,)],
                     data_bar_columns=[keys.index("score")])


ACTION_COLUMNS = [
    ("id", Column("Action ID", 8, INT)), ("finding_id", Column("Finding ID", 8, INT)), ("pa", Column("PA", 6)),
    ("goal", Column("Goal", 6)), ("finding", Column("Finding", 40, TEXT)), ("description", Column("Action", 46, TEXT)),
    ("owner", Column("Owner", 18, TEXT)), ("due_date", Column("Due date", 11, DATE)), ("status", Column("Status", 11)),
    ("overdue", Column("Overdue", 8, BOOL)), ("days_overdue", Column("Days overdue", 8, INT)),
]
OVERDUE = {YES: palette.VERMILLION}


def actions_sheet(actions: "pd.DataFrame | None", order: ModelOrder) -> SheetSpec:
    """The improvement action plan, one row per action, in model order of its finding, then by due date."""
    records = [] if actions is None else actions.to_dict("records")
    records.sort(key=lambda a: (*order.goal_key(a["pa"], a["goal"]), a["finding_id"], a["due_date"] or "9999",
                                a["id"]))
    rows = []
    for a in records:
        a["status"] = str(a["status"]).replace("_", " ")
        rows.append(tuple(a.get(k) for k, _ in ACTION_COLUMNS))
    keys = [k for k, _ in ACTION_COLUMNS]
    return SheetSpec("Action plan", [c for _, c in ACTION_COLUMNS], rows, "ActionPlanTable",
                     heading=["Improvement actions per finding; overdue = not done or cancelled and past its due date"],
                     colour_columns=[(keys.index("overdue"), keys.index("overdue"), OVERDUE)])


EVIDENCE_COLUMNS = [Column("Evidence ID", 8, INT), Column("Register ID", 9), Column("PA", 6),
                    Column("Practice", 8), Column("Instance", 18, TEXT), Column("Kind", 12), Column("Title", 32, TEXT),
                    Column("Location", 28, LINK), Column("Owner or roles", 18, TEXT), Column("Date", 11, DATE),
                    Column("Statement", 30, TEXT), Column("Stale", 6, BOOL), Column("Reuse", 7, INT)]
KIND_ORDER = {"artifact": 0, "affirmation": 1}
STALE_COLUMN = [c.header for c in EVIDENCE_COLUMNS].index("Stale")


def evidence_sheet(appraisal: "Appraisal", order: ModelOrder) -> SheetSpec:
    """One row per register item per cell it supports (a link), in model order, with the item's reuse count."""
    items = appraisal.evidence()
    reuse = Counter(e.register_id for e in items)
    practice, instance = order.practice, order.instance
    pa_rank = order.pa
    items.sort(key=lambda e: (pa_rank.get(e.pa, 99), practice.get((e.pa, e.practice), 0),
                              instance.get(e.instance, 0), KIND_ORDER.get(e.kind, 2), e.id))
    rows = [(e.id, e.register_id, e.pa, e.practice, e.instance, e.kind_label, e.description,
             e.location, e.who, e.collected_on, e.statement, e.stale, reuse[e.register_id]) for e in items]
    months = appraisal.info().evidence_max_age_months
    return SheetSpec("Evidence", EVIDENCE_COLUMNS, rows, "EvidenceTable",
                     heading=[f"One row per register item per cell it supports (Reuse: how many cells); Stale: dated "
                              f"before {appraisal.stale_before().isoformat()} ({months} months before the period); "
                              "web locations are links"],
                     colour_columns=[(STALE_COLUMN, STALE_COLUMN, OVERDUE)])


CHANGE_COLUMNS = [Column("When (UTC)", 17), Column("Who", 16, TEXT), Column("What", 34, TEXT),
                  Column("Field", 16), Column("Old value", 40, TEXT), Column("New value", 40, TEXT)]


PRINTED_CHANGES = 60  # a printed change log shows the newest changes; the sheet holds them all


def change_log_sheet(appraisal: "Appraisal") -> SheetSpec:
    """Every recorded change, newest first: who changed what, when, from what to what."""
    until = getattr(appraisal, "recorded_until", None)  # a synced copy: leave out what the sync did on it
    rows = [(c.at.replace("T", " ")[:16], c.user, c.key, c.field, c.old, c.new)
            for c in reversed(appraisal.history(up_to=until))]
    printed = f"; printing shows the newest {PRINTED_CHANGES}" if len(rows) > PRINTED_CHANGES else ""
    return SheetSpec("Change log", CHANGE_COLUMNS, rows, "ChangeLogTable",
                     heading=[f"All {len(rows)} recorded changes, newest first, with who made them (times in UTC)"
                              f"{printed}; filter the table, or run 'cmmikit history'"],
                     printed_rows=PRINTED_CHANGES)


SUGGESTION_COLUMNS = [("pa", Column("PA", 6)), ("practice", Column("Practice", 8)),
                      ("instance", Column("Instance", 22, TEXT)), ("characterization", Column("Assessor", 10)),
                      ("suggestion", Column("Suggested", 10)), ("agrees", Column("Agrees", 8, BOOL)),
                      ("n_answers", Column("Answers", 9, INT)), ("mean_score", Column("Mean score", 9, PERCENT)),
                      ("answers", Column("Answer counts", 40))]


def questionnaire_sheet(suggestions: "pd.DataFrame") -> SheetSpec:
    """Questionnaire answers turned into suggested characterizations, beside the assessors' own."""
    rows = [tuple(s.get(k) for k, _ in SUGGESTION_COLUMNS) for s in suggestions.to_dict("records")]
    return SheetSpec("Questionnaire", [c for _, c in SUGGESTION_COLUMNS], rows, "QuestionnaireTable",
                     heading=["Characterizations suggested by the questionnaire answers; "
                              "the assessors' characterizations are never changed by them"],
                     colour_columns=[(3, 4, palette.CHARACTERIZATION)])


def _suggestions(appraisal: "Appraisal") -> "pd.DataFrame | None":
    from cmmikit.method.answers import suggested_characterizations

    return suggested_characterizations(appraisal) if appraisal.responses() else None


# ------------------------------------------------------------------ SCAMPI B and C
# The workbook of a SCAMPI B or C appraisal: findings and the scale's values, never ratings.
# Written by write_gap_workbook when the appraisal is a SCAMPI B or C. The
# Summary says plainly that the appraisal gives findings, not ratings, shows the scale and (SCAMPI B)
# the readiness forecast; its PA table counts practices per scale value, with charts of them and of
# the goal forecast (SCAMPI C: goals on track). The "Goal risk" sheet replaces the goal ratings: per
# goal its practices per value, the risk summary and the forecast or worst value. PA sheets, findings,
# action plan, evidence and change log are the SCAMPI A sheets with the scale's labels and colours.

OPEN_COLOUR = palette.LIGHT_GREY
GOALS_ON_TRACK = ("Goals on track", "Goals not on track", "Goals open")


def risk_sheets(appraisal: "Appraisal", assessment: "Assessment", findings: "pd.DataFrame | None",
                actions: "pd.DataFrame | None", origin: "Origin | None" = None) -> list[SheetSpec]:
    """Every list sheet of a SCAMPI B/C workbook (the Summary is written separately).

    ``origin``: the appraisal the PA sheets' row keys name (default: ``appraisal`` itself).
    """
    order = ModelOrder(appraisal)
    keys = KeyWriter(appraisal, origin)
    decisions = {(d.pa, d.practice): d for d in appraisal.practice_decisions()}
    instances = appraisal.instances()
    scale = assessment.scale
    sheets = [goal_risk_sheet(assessment)]
    sheets += [pa_sheet(assessment, pa, [i.name for i in instances if pa in i.pas], decisions,
                        heading=pa_heading(assessment, pa), colours=scale.colours, keys=keys)
               for pa in assessment.pas["pa"]]
    goal_header = "Goal forecast" if scale.forecast else "Goal's worst value"
    sheets.append(findings_sheet(findings, headers={"goal_rating": goal_header, "ou_characterization": "OU value",
                                                    "blocks_ml2": "Would block ML2"},
                                 goal_colours=goal_colours(assessment)))
    sheets.append(actions_sheet(actions, order))
    sheets.append(evidence_sheet(appraisal, order))
    sheets.append(change_log_sheet(appraisal))
    return sheets


def goal_colours(assessment: "Assessment") -> dict[str, str]:
    """What a goal column shows (forecast texts, value labels) -> its colour."""
    scale = assessment.scale
    outcomes = scale.forecast.outcomes if scale.forecast else ()
    return {**scale.label_colours, **{o.text: o.colour for o in outcomes}, **{o.label: o.colour for o in outcomes}}


def pa_heading(assessment: "Assessment", pa: str) -> list[str]:
    """The title lines of a PA sheet: its practices per value and its goals' forecast; no ratings."""
    row = assessment.pas[assessment.pas["pa"] == pa].iloc[0]
    goals = assessment.goals[assessment.goals["pa"] == pa]
    first = (f"{pa} {row['name']}: {row['summary']}; {row['on_track_share']:.0%} of its practices on track "
             f"({assessment.kind})")
    if assessment.scale.forecast:
        second = "Goals: " + "; ".join(f"{g.goal} {g.forecast_label}" for g in goals.itertuples())
    else:
        second = "Goals: " + "; ".join(f"{g.goal} {g.summary}" for g in goals.itertuples())
    return [first, second]


def goal_risk_sheet(assessment: "Assessment") -> SheetSpec:
    """Per goal: its practices per scale value, how many are open, the risk summary and the forecast."""
    scale = assessment.scale
    last = ("Forecast", 34) if scale.forecast else ("Worst value", 22)
    columns = [Column("PA", 6), Column("Goal", 6), Column("Title", 30, TEXT), Column("Practices", 9, INT),
               *(Column(v.label, 9, INT) for v in scale.values), Column("Open", 7, INT),
               Column("Risk summary", 30), Column(last[0], last[1]), Column("On track", 8, BOOL)]
    rows = []
    for g in assessment.goals.itertuples():
        shown = g.forecast_label if scale.forecast else (scale.label(g.worst) if isinstance(g.worst, str) else OPEN)
        rows.append((g.pa, g.goal, g.title, g.n_practices, *(getattr(g, value_column(v.value)) for v in scale.values),
                     g.n_open, g.summary, shown if g.scope == "in_scope" else "", g.on_track))
    if scale.forecast:
        rule = (f"forecast: {scale.forecast.question} "
                + "; ".join(f"{o.text} when {'any' if o.any else 'every'} practice is "
                            f"{' or '.join(scale.label(v) for v in o.any or o.all)}" for o in scale.forecast.outcomes))
    else:
        rule = "worst value: the worst organizational-unit value among the goal's practices"
    return SheetSpec("Goal risk", columns, rows, "GoalRisk",
                     heading=[f"{assessment.kind}: per goal its practices at the organizational unit by value "
                              f"({scale.name}); no goal is rated", rule],
                     colour_columns=[(len(columns) - 2, len(columns) - 2, goal_colours(assessment))])


def _columns(assessment: "Assessment") -> list[Column]:
    scale = assessment.scale
    second = ([Column(o.label.capitalize(), 9, INT) for o in scale.forecast.outcomes] + [Column("Not forecast", 9, INT)]
              if scale.forecast else [Column(h, 9, INT) for h in GOALS_ON_TRACK])
    return [Column("PA", 8), Column("Process area", 26), Column("Category", 16), Column("Scope", 12),
            Column("Practices", 9, INT), *(Column(v.label, 9, INT) for v in scale.values), Column("Open", 7, INT),
            Column("On track", 9, PERCENT), Column("Characterized", 12, PERCENT), *second,
            Column("Open weaknesses", 10, INT)]


def _rows(assessment: "Assessment", findings: "pd.DataFrame | None") -> list[tuple]:
    scale = assessment.scale
    weaknesses: dict[str, int] = {}
    if findings is not None and not findings.empty:
        gaps = findings[(findings["kind"] == "weakness") & (findings["status"] == "open")]
        weaknesses = gaps.groupby("pa").size().to_dict()
    rows = []
    for p in assessment.pas.itertuples(index=False):
        goals = assessment.goals[assessment.goals["pa"] == p.pa]
        if scale.forecast:
            second = [int(getattr(p, forecast_column(o.key))) for o in scale.forecast.outcomes] + [int(p.n_not_forecast)]
        else:
            in_scope = p.scope == "in_scope"
            on_track = int(goals["on_track"].sum()) if in_scope else 0
            open_goals = int((goals["n_open"] > 0).sum()) if in_scope else 0
            second = [on_track, (len(goals) - on_track - open_goals) if in_scope else 0, open_goals]
        rows.append((p.pa, p.name, p.category, p.scope.replace("_", " "), int(p.n_practices),
                     *(int(getattr(p, value_column(v.value))) for v in scale.values), int(p.n_open),
                     float(p.on_track_share), float(p.characterized_share), *second, int(weaknesses.get(p.pa, 0))))
    return rows


def result_facts(assessment: "Assessment") -> tuple[list[tuple[str, str]], tuple[str, str, str]]:
    """The facts saying what a SCAMPI B/C gives, and the headline fact (key, text, colour)."""
    scale = assessment.scale
    counts = assessment.value_counts()
    practices = sum(counts.values())
    on_track = sum(counts[v] for v in scale.on_track_values)
    facts = [("Result", f"A {assessment.appraisal_type} gives strengths, weaknesses and findings, not ratings: no "
                        "goal, process area or maturity level is rated"),
             ("Scale", scale.summary()),
             ("Practices on track", f"{on_track} of {practices} practices in scope "
                                    f"({' or '.join(scale.label(v) for v in scale.on_track_values)}); "
                                    f"{counts[OPEN]} still open")]
    if scale.forecast is None:
        return facts, ("Result", facts[0][1], "")
    outcome, outlook = assessment.level_outlook()
    facts += [("Readiness forecast", f"{scale.forecast.question} {assessment.forecast_text()}"),
              ("Maturity level forecast", outlook)]
    return facts, ("Maturity level forecast", outlook, outcome.colour if outcome else OPEN_COLOUR)


def risk_summary_content(appraisal: "Appraisal", assessment: "Assessment",
                         findings: "pd.DataFrame | None") -> SummaryContent:
    """The Summary sheet of a SCAMPI B/C workbook."""
    scale = assessment.scale
    facts, headline = result_facts(assessment)
    columns = _columns(assessment)
    first = scale.values[0].label
    values = ChartSpec(f"Practices per PA ({scale.name})", first,
                       [v.colour for v in scale.values] + [OPEN_COLOUR], "practices (organizational unit)")
    if scale.forecast:
        goals = ChartSpec("Readiness forecast per PA", scale.forecast.outcomes[0].label.capitalize(),
                          [o.colour for o in scale.forecast.outcomes] + [OPEN_COLOUR], "goals")
    else:
        goals = ChartSpec("Goals on track per PA", GOALS_ON_TRACK[0],
                          [palette.BLUE, palette.VERMILLION, OPEN_COLOUR], "goals")
    return SummaryContent(
        [*appraisal_facts(appraisal), *facts], headline, f"Process areas ({assessment.kind})", "PASummary",
        columns, _rows(assessment, findings), [], (values, goals),
        f"{assessment.kind}. Per goal its risk summary: sheet 'Goal risk'; practice by practice: one sheet per PA; "
        "findings, action plan and evidence: their own sheets.")


# ------------------------------------------------------------------ writing a list sheet


def _write_list_sheet(book: Book, spec: SheetSpec) -> None:
    frozen_rows = len(spec.heading) + 1  # the title lines and the header
    columns = fit_headers(spec.columns)
    sheet = SheetWriter(book, spec.title, [c.width for c in columns], freeze=(frozen_rows, spec.freeze_columns))
    for col in spec.hidden_columns:
        sheet.ws.set_column(col, col, columns[col].width, None, {"hidden": True})
    for line in spec.heading:
        sheet.title(line, "subtitle")
    header, last = sheet.table(spec.table, columns, spec.rows)
    for first_col, last_col, colours in spec.colour_columns:
        sheet.colour(first_col + 1, last_col + 1, header + 1, last, colours)
    for col in spec.data_bar_columns:
        sheet.data_bar(col + 1, header + 1, last)
    if spec.printed_rows is not None:
        sheet.ws.print_area(0, 0, min(last, header + spec.printed_rows) - 1, len(columns) - 1)


# ------------------------------------------------------------------ the summary sheet

PA_TABLE = [Column("PA", 8), Column("Process area", 26), Column("Category", 18), Column("Rating", 12),
            Column("Capability level", 10), Column("Goals", 7, INT), Column("Goals satisfied", 9, INT),
            Column("Goals unsatisfied", 10, INT), Column("Goals not rated", 9, INT),
            Column("Readiness", 10, PERCENT), Column("Characterized", 12, PERCENT), Column("FI", 5, INT),
            Column("LI", 5, INT), Column("PI", 5, INT), Column("NI", 5, INT), Column("NY", 5, INT),
            Column("Not characterized", 12, INT), Column("Open weaknesses", 10, INT)]
FACT_VALUE_COLUMN = 3  # facts: the key over columns A:B, the value merged over C to the last column
CHART_GAP_CM = 0.5


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_LISTED_UNITS])
    more = len(names) - MAX_LISTED_UNITS
    return f"{len(names)}: {shown}" + (f" and {more} more (see the PA sheets)" if more > 0 else "")


def _facts(appraisal: "Appraisal", ratings: "Ratings") -> list[tuple[str, str]]:
    return [*appraisal_facts(appraisal), ("Verdict", ratings.maturity.headline),
            ("Reasons", "; ".join(ratings.maturity.reasons)),
            *((f"Maturity level {v.level}", f"{v.verdict}: {'; '.join(v.reasons)}") for v in ratings.lower)]


def appraisal_facts(appraisal: "Appraisal") -> list[tuple[str, str]]:
    """Who and what was appraised, for the Summary sheet."""
    info = appraisal.info()
    model = appraisal.model
    instances = appraisal.instances()
    units = [i.name for i in instances if i.kind == "basic_unit"]
    support = [i.name for i in instances if i.kind == "support_function"]
    dates = " to ".join(d for d in (info.start_date, info.end_date) if d)
    return [("Organizational unit", info.org_unit), ("Model", f"{model.name} {model.version}"),
            ("Appraisal type", info.appraisal_type), ("Sponsor", info.sponsor), ("Lead appraiser", info.lead_appraiser),
            ("Dates", dates), ("Basic units", _names(units)),
            ("Support functions", _names(support) if support else "0")]


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
        rows.append((p.pa, p.name, p.category, p.rating, p.capability_level, len(mine),
                     int((mine == "Satisfied").sum()), int((mine == "Unsatisfied").sum()),
                     int((mine == "Not Rated").sum()), float(p.readiness), float(p.characterized_share),
                     *(int(c.get(k, 0)) for k in ("FI", "LI", "PI", "NI", "NY", "")),
                     int(weaknesses.get(p.pa, 0))))
    return rows


@dataclass(frozen=True)
class ChartSpec:
    """A native stacked bar chart over consecutive columns of the Summary's PA table."""

    title: str
    first_header: str           # the header of its first column
    colours: list[str]          # one per column, in order
    axis_title: str


@dataclass
class SummaryContent:
    """What the Summary sheet shows: the facts (one of them coloured), the PA table and two charts over it."""

    facts: list[tuple[str, str]]
    headline: tuple[str, str, str]                  # (fact key, its text, fill colour or "" for none)
    table_title: str
    table_name: str
    columns: list[Column]
    rows: list[tuple]
    colour_columns: list[tuple[int, dict[str, str]]]  # (1-based column, value -> colour)
    charts: tuple[ChartSpec, ChartSpec]
    note: str


def summary_content(appraisal: "Appraisal", ratings: "Ratings", findings: "pd.DataFrame | None") -> SummaryContent:
    """The SCAMPI A (and self-appraisal) Summary: facts with the verdict, PA ratings, characterizations, goals."""
    return SummaryContent(
        _facts(appraisal, ratings), ("Verdict", ratings.maturity.headline, _verdict_colour(ratings)),
        "Process area ratings", "PARatings", PA_TABLE, _pa_rows(ratings, findings), [(4, palette.RATING)],
        (ChartSpec("Characterizations per PA", "FI",
                   [palette.CHARACTERIZATION[k] for k in ("FI", "LI", "PI", "NI", "NY", "")],
                   "practice x instance cells"),
         ChartSpec("Goal satisfaction per PA", "Goals satisfied",
                   [palette.RATING[k] for k in ("Satisfied", "Unsatisfied", "Not Rated")], "goals")),
        "Goal ratings and their reasons: sheet 'Goals'; practice by practice: one sheet per PA; "
        "findings, action plan and evidence: their own sheets.")


def _write_summary(book: Book, appraisal: "Appraisal", content: SummaryContent) -> None:
    columns = fit_headers(content.columns)
    widths = [c.width for c in columns]
    last_col = len(columns)
    value_width = sum(widths[FACT_VALUE_COLUMN - 1:])
    sheet = SheetWriter(book, "Summary", widths, one_page=True)
    ws = sheet.ws
    sheet.title(f"Gap analysis: {appraisal.info().name}")
    headline_row = None
    for key, value in content.facts:
        value = safe_text(value)
        row = sheet.append([], wrapped_lines(value, value_width)) - 1
        ws.merge_range(row, 0, row, FACT_VALUE_COLUMN - 2, "", book.formats["key"])
        ws.merge_range(row, FACT_VALUE_COLUMN - 1, row, last_col - 1, "", book.formats["wrap"])
        ws.write_string(row, 0, safe_text(key), book.fmt("key", key))
        if value:
            ws.write_string(row, FACT_VALUE_COLUMN - 1, value, book.fmt("wrap", value))
        if key == content.headline[0]:
            headline_row = row + 1
    if headline_row is not None and content.headline[2]:
        sheet.colour(FACT_VALUE_COLUMN, FACT_VALUE_COLUMN, headline_row, headline_row,
                     {safe_text(content.headline[1]): content.headline[2]})
    sheet.append([])
    sheet.title(content.table_title, "key")
    header, last = sheet.table(content.table_name, columns, content.rows)
    for col, colours in content.colour_columns:
        sheet.colour(col, col, header + 1, last, colours)
    sheet.append([])
    height_cm = _add_charts(book, ws, widths, header, last, sheet.row + 1, content)
    for _ in range(math.ceil(height_cm / 2.54 * 72 / DEFAULT_ROW_HEIGHT) + 1):
        sheet.append([])
    note = sheet.append([content.note], fmt="subtitle")
    ws.print_area(0, 0, note - 1, last_col - 1)


def _verdict_colour(ratings: "Ratings") -> str:
    achieved = ratings.maturity.achieved
    return palette.YELLOW if achieved is None else palette.BLUE if achieved else palette.VERMILLION


def axis_step(largest: float, ticks: int = 6) -> int:
    """A whole-number axis step giving at most about ``ticks`` steps up to ``largest`` (1, 2, 5, 10, 20, ...)."""
    rough = max(largest, 1) / ticks
    magnitude = 10 ** math.floor(math.log10(rough)) if rough >= 1 else 1
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= rough:
            return int(factor * magnitude)
    return int(10 * magnitude)  # pragma: no cover - the loop always returns


def _add_charts(book: Book, ws: Any, widths: list[float], header: int, last: int, anchor_row: int,
                content: SummaryContent) -> float:
    """Native Excel charts over the PA table, side by side under it; returns their height in cm."""
    pa_rows = content.rows
    lefts = column_lefts_cm(widths)
    total = lefts[-1] + (math.floor(widths[-1] * 7 + 5)) / 96 * 2.54
    second = next(i for i, x in enumerate(lefts) if x >= total / 2)
    height = max(7.5, 3.5 + 0.6 * len(pa_rows))
    headers = [c.header for c in content.columns]
    sheet = ws.get_name()

    def largest(first_col: int, n: int) -> int:
        return max((sum(row[first_col - 1:first_col - 1 + n]) for row in pa_rows), default=0)

    def stacked(spec: ChartSpec, width_cm: float) -> Any:
        first_col = headers.index(spec.first_header) + 1
        chart = book.wb.add_chart({"type": "bar", "subtype": "stacked"})
        for n, colour in enumerate(spec.colours):
            col = first_col - 1 + n
            chart.add_series({"name": [sheet, header - 1, col], "categories": [sheet, header, 0, last - 1, 0],
                              "values": [sheet, header, col, last - 1, col], "fill": {"color": colour},
                              "border": {"color": colour}, "gap": 40, "overlap": 100})
        chart.set_title({"name": spec.title, "name_font": {"size": 12, "bold": True}})
        # bar charts: x is the value axis; whole numbers only (counts of goals and practices)
        chart.set_x_axis({"name": spec.axis_title, "min": 0,
                          "major_unit": axis_step(largest(first_col, len(spec.colours))),
                          "num_format": "0", "name_font": {"size": 9, "bold": False}})
        chart.set_y_axis({"reverse": True, "crossing": "max"})  # first PA on top, values still at the bottom
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": round(width_cm / 2.54 * 96), "height": round(height / 2.54 * 96)})
        return chart

    ws.insert_chart(anchor_row - 1, 0, stacked(content.charts[0], lefts[second] - CHART_GAP_CM))
    ws.insert_chart(anchor_row - 1, second, stacked(content.charts[1], total - lefts[second]))
    return height


# ------------------------------------------------------------------ entry points


def findings_frames(appraisal: "Appraisal", ratings: "Ratings | Assessment") -> tuple["pd.DataFrame | None", "pd.DataFrame | None"]:
    """The findings and action plan frames, or (None, None) without the findings module."""
    try:
        from cmmikit.method.findings import actions_frame, findings_frame
    except ImportError:
        return None, None
    return findings_frame(appraisal, ratings), actions_frame(appraisal)


def write_gap_workbook(appraisal: "Appraisal", path: str | os.PathLike, ratings: "Ratings | Assessment | None" = None,
                       findings: "pd.DataFrame | None" = None, origin: Origin | None = None) -> Path:
    """Write the gap-analysis workbook of ``appraisal`` as it is to ``path``, atomically; returns the path.

    The findings are those stored in the appraisal; :func:`export_workbook` refreshes them first.
    A SCAMPI B or C appraisal gets findings and its scale's values, never ratings.
    ``origin``: the appraisal the PA sheets' row keys name (default: ``appraisal``; a copy names its original).
    """
    from cmmikit.method.risk import evaluate, is_assessment

    atomic.check_output(path, ".xlsx", "the workbook")  # before the work and before sheets start streaming
    with appraisal.snapshot():   # the row keys' versions and the values shown come from one state
        ratings = ratings if ratings is not None else evaluate(appraisal)
        computed, actions = findings_frames(appraisal, ratings)
        findings = findings if findings is not None else computed
        if is_assessment(ratings):   # SCAMPI B/C: findings, not ratings
            sheets, summary = risk_sheets(appraisal, ratings, findings, actions, origin), risk_summary_content(
                appraisal, ratings, findings)
        else:
            sheets, summary = gap_sheets(appraisal, ratings, findings, actions, origin), summary_content(
                appraisal, ratings, findings)
    with atomic.replacing(path) as tmp:
        book = Book(tmp)
        book.wb.set_properties({"title": safe_text(f"Gap analysis: {appraisal.info().name}"), "author": "cmmikit"})
        _write_summary(book, appraisal, summary)
        for spec in sheets:
            _write_list_sheet(book, spec)
        book.close()
    return Path(path)


def export_workbook(source: "Appraisal | str | os.PathLike", path: str | os.PathLike) -> Path:
    """The workbook a user hands over: findings refreshed on a snapshot copy, the appraisal never written."""
    from cmmikit.outputs.gap_keys import origin_of
    from cmmikit.method.snapshot import synced_copy
    from cmmikit.store import Appraisal

    if isinstance(source, Appraisal):
        origin = origin_of(source)
    else:
        with Appraisal.open(source) as original:
            origin = origin_of(original)
    with synced_copy(source) as copy:
        return write_gap_workbook(copy, path, origin=origin)
