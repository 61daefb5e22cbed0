"""The gap workbook of a SCAMPI B or C appraisal: findings and the scale's values, never ratings.

Written by :func:`cmmikit.outputs.excel.write_gap_workbook` when the appraisal is a SCAMPI B or C. The
Summary says plainly that the appraisal gives findings, not ratings, shows the scale and (SCAMPI B)
the readiness forecast; its PA table counts practices per scale value, with charts of them and of
the goal forecast (SCAMPI C: goals on track). The "Goal risk" sheet replaces the goal ratings: per
goal its practices per value, the risk summary and the forecast or worst value. PA sheets, findings,
action plan, evidence and change log are the SCAMPI A sheets with the scale's labels and colours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cmmikit import palette
from cmmikit.outputs.excel import (ChartSpec, Column, ModelOrder, SheetSpec, SummaryContent, actions_sheet,
                           appraisal_facts, change_log_sheet, evidence_sheet, findings_sheet, pa_sheet)
from cmmikit.outputs.gap_keys import KeyWriter
from cmmikit.method.risk import OPEN, Assessment, forecast_column, value_column
from cmmikit.outputs.xlsx_sheet import BOOL, INT, PERCENT, TEXT

if TYPE_CHECKING:
    import pandas as pd

    from cmmikit.outputs.gap_keys import Origin
    from cmmikit.store import Appraisal

OPEN_COLOUR = palette.LIGHT_GREY
GOALS_ON_TRACK = ("Goals on track", "Goals not on track", "Goals open")


def risk_sheets(appraisal: "Appraisal", assessment: Assessment, findings: "pd.DataFrame | None",
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


def goal_colours(assessment: Assessment) -> dict[str, str]:
    """What a goal column shows (forecast texts, value labels) -> its colour."""
    scale = assessment.scale
    outcomes = scale.forecast.outcomes if scale.forecast else ()
    return {**scale.label_colours, **{o.text: o.colour for o in outcomes}, **{o.label: o.colour for o in outcomes}}


def pa_heading(assessment: Assessment, pa: str) -> list[str]:
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


def goal_risk_sheet(assessment: Assessment) -> SheetSpec:
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


def _columns(assessment: Assessment) -> list[Column]:
    scale = assessment.scale
    second = ([Column(o.label.capitalize(), 9, INT) for o in scale.forecast.outcomes] + [Column("Not forecast", 9, INT)]
              if scale.forecast else [Column(h, 9, INT) for h in GOALS_ON_TRACK])
    return [Column("PA", 8), Column("Process area", 26), Column("Category", 16), Column("Scope", 12),
            Column("Practices", 9, INT), *(Column(v.label, 9, INT) for v in scale.values), Column("Open", 7, INT),
            Column("On track", 9, PERCENT), Column("Characterized", 12, PERCENT), *second,
            Column("Open weaknesses", 10, INT)]


def _rows(assessment: Assessment, findings: "pd.DataFrame | None") -> list[tuple]:
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


def result_facts(assessment: Assessment) -> tuple[list[tuple[str, str]], tuple[str, str, str]]:
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


def risk_summary_content(appraisal: "Appraisal", assessment: Assessment,
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
