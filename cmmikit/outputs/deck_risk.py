"""The final findings deck of a SCAMPI B or C appraisal: findings, not ratings, on the appraisal's scale.

:class:`RiskBuilder` is the SCAMPI A deck (:mod:`cmmikit.outputs.deck`) with the parts that would rate
replaced: the scale slide shows the appraisal's values with their colours and meanings (and, for a
SCAMPI B, the readiness forecast rules); each process area shows its practices per value and its
goals' forecast (SCAMPI C: their worst value); the summary grid shows the forecast per goal; the
last slide before the next steps is the readiness forecast (SCAMPI C: the practices on track). Every
colour carries its word.
"""

from __future__ import annotations

from typing import Any

from cmmikit import palette
from cmmikit.outputs.deck import HEADING, SMALL, TEXT, _Builder, _goal_columns
from cmmikit.outputs.deck_fit import Para, clean
from cmmikit.outputs.deck_pptx import Cell, Table
from cmmikit.method.risk import OPEN, Assessment, count_text
from cmmikit.outputs.risk_charts import OPEN_COLOUR, goal_cells


class RiskBuilder(_Builder):
    """The deck of a SCAMPI B/C appraisal (``snap.ratings`` is an :class:`~cmmikit.method.risk.Assessment`)."""

    RESULTS = "findings"
    RECOMMENDATION = "A suggested next step. Recommendations are kept apart from the findings and are not part of them."
    FINDINGS_BY_PA = ("Per process area: its practices by value on the appraisal's scale and what that means for "
                      "each goal, then the weaknesses and strengths the team found, in model order. No rating.")

    @property
    def assessment(self) -> Assessment:
        return self.ratings  # type: ignore[return-value]

    @property
    def BLOCKING(self) -> str:  # type: ignore[override]
        outcomes = self.assessment.scale.forecast.outcomes if self.assessment.scale.forecast else ()
        blocking = " or ".join(o.text for o in outcomes if o.blocks_level)
        return f"Suggested starting points: the highest-priority weaknesses on goals {blocking}" if blocking else \
            "Suggested starting points: the highest-priority weaknesses"

    def _kind(self) -> str:
        dry_run = "; a readiness dry run for a SCAMPI A" if self.assessment.scale.forecast else ""
        return f"gives findings, not ratings: no goal, process area or maturity level is rated{dry_run}"

    def scale_definitions(self) -> None:
        scale = self.assessment.scale
        rows = [[Cell(v.label, bold=True, fill=v.colour, colour=palette.text_on(v.colour)),
                 Cell(clean(v.meaning) or ("on track" if v.on_track else ""))] for v in scale.values]
        rule = {"worst": "the worst (highest-risk) value across its sampled instances",
                "best": "the best value across its sampled instances",
                "scampi-a": "the SCAMPI A aggregation table"}[scale.rule]
        decide = ", unless the team records another value with its rationale" if scale.team_may_decide else ""
        self.tables(f"Characterization scale: {clean(scale.name)}", Table([Cell("Value"), Cell("Meaning")], rows,
                                                                          (1.8, 5.0), SMALL),
                    [Para(f"{clean(scale.description)} Each practice is characterized per sampled basic unit and "
                          f"support function; its organizational-unit value is {rule}{decide}.", SMALL)],
                    [Para(f"A {self.info.appraisal_type} gives findings, not ratings: no goal, process area or "
                          "maturity level is rated.", SMALL, bold=True)])
        if scale.forecast is None:
            return
        rows = [[Cell(o.label, bold=True, fill=o.colour, colour=palette.text_on(o.colour)),
                 Cell(f"{o.text}: when {'any' if o.any else 'every'} practice of the goal is "
                      f"{' or '.join(scale.label(v) for v in o.any or o.all)}")] for o in scale.forecast.outcomes]
        rows.append([Cell(OPEN, bold=True, fill=OPEN_COLOUR, colour=palette.text_on(OPEN_COLOUR)),
                     Cell(scale.forecast.otherwise)])
        self.tables("Readiness forecast per goal", Table([Cell("Forecast"), Cell("When")], rows, (1.6, 5.0), SMALL),
                    [Para(f"{scale.forecast.question} A forecast, not a rating: the first line that holds applies.",
                          SMALL)])

    def _pa_label(self, row: Any) -> tuple[str, str]:  # type: ignore[override]
        scale = self.assessment.scale
        if row.scope != "in_scope":
            return "Not in scope", palette.GREY
        if scale.forecast:
            goals = self.assessment.goals[self.assessment.goals["pa"] == row.pa]
            for outcome in scale.forecast.outcomes:
                if outcome.key in set(goals["forecast"]):
                    return f"Weakest goal: {outcome.label}", outcome.colour
            return f"Goals: {OPEN}", OPEN_COLOUR
        return f"{row.on_track_share:.0%} on track", palette.SKY

    def _rating_facts(self, row: Any) -> str:  # type: ignore[override]
        if row.scope != "in_scope":
            return super()._rating_facts(row)
        return (f"{row.summary} · {row.on_track_share:.0%} of its practices on track · {row.n_instances} sampled "
                "basic units / support functions")

    def _goal_table(self, pa_id: str) -> Table:
        scale = self.assessment.scale
        _, cells, _ = goal_cells(self.assessment)
        rows = []
        for g in self.assessment.goals[self.assessment.goals["pa"] == pa_id].itertuples():
            label, fill = cells[(g.pa, g.goal)]
            shown = g.forecast_label if scale.forecast and g.forecast else label
            rows.append([Cell(g.goal, bold=True), Cell(clean(g.title)),
                         Cell(shown, fill=fill, colour=palette.text_on(fill), bold=True), Cell(clean(g.summary))])
        header = "Forecast" if scale.forecast else "Worst value"
        return Table([Cell("Goal"), Cell("Title"), Cell(header), Cell("Practices")], rows, (0.7, 3.0, 1.9, 2.9),
                     SMALL)

    def results(self) -> None:
        forecast = self.assessment.scale.forecast
        self.section("Risk summary and forecast" if forecast else "Risk summary",
                     "What the practices mean for each goal: " + ("the readiness forecast for a SCAMPI A."
                                                                    if forecast else "its worst value.")
                     + " Findings, not ratings.")
        self.risk_summary()
        self.forecast()

    def risk_summary(self) -> None:
        a = self.assessment
        title, cells, legend = goal_cells(a)
        goal_columns = _goal_columns(a.goals["goal"])
        rows = []
        for pa in a.pas.itertuples():
            row = [Cell(pa.pa, bold=True), Cell(pa.name)]
            for goal in goal_columns:
                found = cells.get((pa.pa, goal))
                row.append(Cell("–") if found is None else
                           Cell(found[0], fill=found[1], bold=True, colour=palette.text_on(found[1])))
            row.append(Cell(f"{pa.on_track_share:.0%}" if pa.scope == "in_scope" else "–"))
            rows.append(row)
        header = [Cell("PA"), Cell("Process area"), *(Cell(g) for g in goal_columns), Cell("On track")]
        shares = (0.8, 2.6, *(1.05 for _ in goal_columns), 1.0)
        after = [Para("Legend: " + ";  ".join(label for label, _ in legend) + ";  – = the process area has no such "
                      "goal. On track: share of the process area's practices "
                      f"{' or '.join(a.scale.label(v) for v in a.scale.on_track_values)}.", SMALL)]
        lead = [Para(title, SMALL, bold=True)]
        self.tables("Risk summary: goals and process areas", Table(header, rows, shares, SMALL), lead, after)

    def forecast(self) -> None:
        canvas, a = self.canvas, self.assessment
        scale = a.scale
        counts = a.value_counts()
        on_track = sum(counts[v] for v in scale.on_track_values)
        track = (f"{on_track} of {sum(counts.values())} practices in scope on track; "
                 f"{count_text(counts, scale, counts[OPEN])}.")
        if scale.forecast:
            outcome, headline_text = a.level_outlook()
            fill = outcome.colour if outcome else OPEN_COLOUR
            title = "Readiness forecast"
            paras = [Para(f"{scale.forecast.question} {a.forecast_text()}.", TEXT), Para(track, TEXT, space_before=6)]
        else:
            headline_text, fill, title = track, palette.SKY, "Results"
            paras = []
        paras.append(Para("Basis", HEADING, bold=True, space_before=8, keep_with_next=True))
        for pa in a.pas.itertuples():
            if pa.scope == "in_scope":
                detail = f"goals {pa.forecast_summary}" if scale.forecast else pa.summary
                paras.append(Para(f"{pa.pa} {pa.name}: {detail}", TEXT, indent=1, bullet="•", space_before=4))
        paras.append(Para(f"A {clean(self.info.appraisal_type)} appraisal gives findings, not ratings: no goal, "
                          "process area or maturity level is rated. "
                          + ("The forecast says how each goal would fare in a SCAMPI A if the practices as "
                             "observed were deployed across the organizational unit." if scale.forecast else ""),
                          SMALL, space_before=10))
        headline = [Para(headline_text, 24, bold=True, colour=palette.text_on(fill))]
        self._headline_slides(canvas, title, headline, fill, paras)
