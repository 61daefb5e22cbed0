"""The report sections of a SCAMPI B or C appraisal: findings, not ratings, in the scale's labels and colours.

:mod:`cmmikit.outputs.report_views` calls these instead of its SCAMPI A sections when the appraisal's
results are an :class:`~cmmikit.method.risk.Assessment`: the result box (what a SCAMPI B/C gives, the
readiness forecast of a SCAMPI B), the method, the risk summary per process area and goal, the
team's decisions on the scale, the caveats and the closing note. User text goes through ``esc``.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from cmmikit import palette
from cmmikit.method.rating import INCOMPLETE, JUDGMENT_OPEN, NO_INSTANCES, NOT_YET
from cmmikit.outputs.report_html import (Html, badge, bullet_list, caveat_parts, count, esc, inherited_caveat,
                                         open_practices_sentence, paragraph, percent, rationale_cell, section,
                                         stale_caveat, table)
from cmmikit.method.risk import OPEN, Assessment, count_text, value_column

if TYPE_CHECKING:
    from cmmikit.outputs.report_data import ReportData

CHART_CAPTIONS = {
    "goal_forecast": "Readiness forecast per goal: would it be satisfied in a SCAMPI A if the observed practices were "
                     "deployed across the organizational unit (open = not forecast yet). No goal is rated.",
    "on_track_radar": "Share of each process area's practices on track at the organizational unit, and the share "
                      "characterized at all.",
    "value_bars": "All practice characterizations per process area on the appraisal's scale, over the sampled basic "
                  "units and support functions.",
}
WORST_CAPTION = ("Worst practice value per goal at the organizational unit (open = practices not characterized yet). "
                 "No goal is rated.")


def assessment_of(data: "ReportData") -> Assessment:
    return data.current.ratings  # type: ignore[return-value]


def colours(assessment: Assessment) -> dict[str, str]:
    """Every label a badge may show for this scale -> its colour (values, labels, forecast words)."""
    scale = assessment.scale
    found = {**scale.colours, **scale.label_colours}
    if scale.forecast:
        for o in scale.forecast.outcomes:
            found.update({o.label: o.colour, o.text: o.colour})
    return found


def scale_badge(value: object, assessment: Assessment) -> str:
    return badge(value, colours(assessment))


def caption(name: str, assessment: Assessment) -> str:
    if name == "goal_forecast" and assessment.scale.forecast is None:
        return WORST_CAPTION
    return CHART_CAPTIONS.get(name, "")


def gives(assessment: Assessment) -> str:
    """What the appraisal gives, in one sentence."""
    text = (f"A {assessment.appraisal_type} gives strengths, weaknesses and findings, not ratings: no goal, process "
            "area or maturity level is rated.")
    if assessment.scale.forecast:
        text += (" It is a readiness dry run: for each goal the forecast says how it would fare in a SCAMPI A if the "
                 "practices as observed were deployed across the organizational unit.")
    return text


def result(data: "ReportData") -> Html:
    """The result box: what a SCAMPI B/C gives, the maturity level forecast (SCAMPI B) or the practices on track."""
    a = assessment_of(data)
    scale = a.scale
    counts = a.value_counts()
    practices = sum(counts.values())
    on_track = sum(counts[v] for v in scale.on_track_values)
    track = (f"{on_track:,} of {count(practices, 'practice')} in scope are on track "
             f"({' or '.join(scale.label(v) for v in scale.on_track_values)}); {count_text(counts, scale, counts[OPEN])}.")
    if scale.forecast:
        outcome, headline = a.level_outlook()
        fill = outcome.colour if outcome else palette.LIGHT_GREY
        tag = badge(outcome.label if outcome else scale.forecast.otherwise,
                    {outcome.label: fill} if outcome else {scale.forecast.otherwise: fill})
        lines = [f"{scale.forecast.question} {a.forecast_text()}.", track]
    else:
        headline, fill, tag = track, palette.BLUE, ""
        lines = []
    progress = data.current.progress
    meaning = gives(a) + ("" if progress.complete else " " + open_practices_sentence(progress, a))
    box = (f'<div class="verdict" style="border-color:{fill}"><p class="headline">{esc(headline)}</p>'
           f"<p>{tag} {esc(meaning)}</p>{bullet_list(lines)}</div>")
    return section("Result: findings, not ratings", box, anchor="verdict")


def method(data: "ReportData") -> str:
    """How a SCAMPI B/C reaches its results, in words."""
    a = assessment_of(data)
    scale = a.scale
    rule = {"worst": "the worst value across the sampled instances", "best": "the best value across them",
            "scampi-a": "the SCAMPI A aggregation table"}[scale.rule]
    decide = " unless the team records another value with its rationale" if scale.team_may_decide else ""
    values = ", ".join(v.label for v in scale.values)
    text = (f"The team characterizes each practice of the process areas in scope for every sampled basic unit and "
            f"support function on the scale {scale.name} ({values}) from artifacts and affirmations. A practice's "
            f"value for the organizational unit is {rule}{decide}. Goals are summarised by the values of their "
            "practices; the weaknesses become findings.")
    if scale.forecast:
        text += " Forecast rules: " + "; ".join(
            f"{o.text} when {'any' if o.any else 'every'} practice is "
            f"{' or '.join(scale.label(v) for v in o.any or o.all)}" for o in scale.forecast.outcomes) + "."
    return text


def risk_summary(data: "ReportData") -> Html:
    """Per process area its practices by value and share on track; per goal its risk summary and forecast."""
    a = assessment_of(data)
    scale = a.scale
    goal_column = {"forecast_label": "Forecast"} if scale.forecast else {"worst_label": "Worst value"}
    pas = a.pas.assign(summary=[s if scope == "in_scope" else f"{s}: {r}" if r else s
                                for s, scope, r in zip(a.pas["summary"], a.pas["scope"], a.pas["scope_reason"])])
    pa_columns = {"pa": "PA", "name": "Process area", "summary": "Practices at the organizational unit",
                  "on_track_share": "On track"}
    if scale.forecast:
        pa_columns["forecast_summary"] = "Goals forecast"
    goals = a.goals.assign(worst_label=[w if isinstance(w, str) and w else "" for w in a.goals["worst_label"]])
    return section(
        "Risk summary per process area and goal",
        paragraph(f"{a.kind}: the practices of each goal by their value on the scale {scale.name}. No goal, process "
                  "area or maturity level is rated.", "intro"),
        table(pas, pa_columns, cells={"on_track_share": percent},
              widths={"pa": 8, "name": 26, "summary": 30, "on_track_share": 10}, css="ratings"),
        "<h3>Goals</h3>",
        table(goals, {"pa": "PA", "goal": "Goal", "title": "Title", "summary": "Risk summary", **goal_column},
              cells={k: lambda v: scale_badge(v, a) for k in goal_column},
              widths={"pa": 7, "goal": 7, "title": 28, "summary": 26}),
        anchor="ratings")


def gap_intro(data: "ReportData", n_gaps: int, blocking: int) -> str:
    a = assessment_of(data)
    if a.scale.forecast is None:
        return (f"{count(n_gaps, 'open gap finding')}, from the weaknesses the team recorded. Ranked by the priority "
                "formula below (the scale's values count by their order); the priority band is High from 60, "
                "Medium from 30, Low below.")
    return (f"{count(n_gaps, 'open gap finding')}, {blocking:,} of them on goals forecast as "
            f"{' or '.join(o.text for o in a.scale.forecast.outcomes if o.blocks_level)} (they would block maturity "
            f"level {a.target_level}). Ranked by the priority formula below; the priority band is High from 60, "
            "Medium from 30, Low below.")


def decisions(data: "ReportData") -> Html:
    """The team's decisions: an organizational-unit value recorded instead of the aggregated one, and why."""
    import pandas as pd

    a = assessment_of(data)
    scale = a.scale
    practices = a.practices.set_index(["pa", "practice"])
    rows = []
    for d in data.current.practice_decisions:
        p = practices.loc[(d.pa, d.practice)] if (d.pa, d.practice) in practices.index else None
        instances = (count_text(Counter({v: int(p[value_column(v)]) for v in scale.all_values}), scale,
                                int(p["n_blank"])) if p is not None else "")
        note = p["decision_note"] if p is not None and not str(p["decision_note"]).startswith("team decision:") else ""
        rows.append({"practice": f"{d.pa} {d.practice}", "title": p["title"] if p is not None else "",
                     "range": f"{scale.label(p['aggregate']) or OPEN} ({instances})" if p is not None else "",
                     "value": scale.label(d.value), "rationale": (d.rationale, d.decided_by, note)})
    rule = ("the highest risk across the sampled instances" if scale.rule == "worst" and scale.forecast
            else f"the {scale.rule} value across the sampled instances")
    intro = (f"The organizational-unit value of a practice is {rule}; the team may record another value with its "
             f"rationale: {count(len(rows), 'practice decision')}.")
    return section(
        "Team decisions", paragraph(intro, "intro"),
        table(pd.DataFrame(rows), {"practice": "Practice", "title": "Title", "range": "Aggregated (instances)",
                                   "value": "Decision", "rationale": "Rationale"},
              cells={"value": lambda v: scale_badge(v, a), "rationale": rationale_cell},
              widths={"practice": 11, "title": 20, "range": 22, "value": 12}, empty="") if rows else "",
        anchor="decisions")


def caveats(data: "ReportData") -> Html:
    """What limits the results: open practices, decisions to confirm, records that contradict themselves."""
    from cmmikit.outputs.report_data import date_warning

    a = assessment_of(data)
    items: list[str] = [date_warning(data)] if date_warning(data) else []
    items += stale_caveat(data.current.evidence) + inherited_caveat(a)
    practices = a.practices[a.practices["scope"] == "in_scope"]
    for status, text in ((JUDGMENT_OPEN, "Team decision to confirm (decided before the data changed)"),
                         (INCOMPLETE, "Not characterized in every instance"),
                         (NOT_YET, "Not yet reached by the work"),
                         (NO_INSTANCES, "No sampled basic unit or support function")):
        per_pa = practices[practices["status"] == status].groupby("pa", sort=False).size()
        if len(per_pa):
            where = ", ".join(f"{pa} {n}" for pa, n in per_pa.items())
            items.append(f"{text}: {count(int(per_pa.sum()), 'practice')} ({where}).")
    if a.scale.forecast:
        open_goals = a.goals[(a.goals["scope"] == "in_scope") & (a.goals["forecast"] == "")]
        items.extend(f"{g.pa} {g.goal}: {a.scale.forecast.otherwise} ({g.summary})." for g in open_goals.itertuples())
    parts = caveat_parts(items, a.cells[a.cells["in_scope"] & a.cells["warnings"].astype(bool)],
                         "No caveats: every practice in scope has a value at the organizational unit.")
    return section("Caveats", *parts, anchor="caveats")


def about(data: "ReportData") -> Html:
    """The closing note of a SCAMPI B/C report."""
    a = assessment_of(data)
    return section("About this report", paragraph(
        f"{gives(a)} Practice characterizations per basic unit and support function on the scale {a.scale.name} are "
        "aggregated to the organizational unit by the scale's rule and summarised per goal"
        + (" with the readiness forecast" if a.scale.forecast else "") + ". Gap findings are generated from the "
        "recorded weaknesses and ranked by the priority formula shown above. Long lists are summarised here; the "
        "Excel workbook written by cmmikit export-xlsx holds every finding, strength, action and record in full. The "
        "report is regenerated from the appraisal file with cmmikit report; the executed notebook kept beside it "
        "records the parameters of the run."), anchor="about")
