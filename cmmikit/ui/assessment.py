"""The results screen of a SCAMPI B or C (02_ratings): findings, not ratings.

Per process area and goal the risk summary on the appraisal's scale (and, for SCAMPI B, the
readiness forecast for a SCAMPI A), per practice the organizational-unit value in the scale's
labels and colours, the team's decisions on the scale (with stale ones flagged for
confirmation) and what is left to characterize.  No goal, process area or maturity level is
rated here: :func:`cmmikit.method.risk.assess` gives the numbers, the store the decisions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as w

from cmmikit import palette
from cmmikit.method.rating import JUDGMENT_OPEN
from cmmikit.method.risk import Assessment, assess, value_column
from cmmikit.store import Appraisal
from cmmikit.ui.common import FILLS, esc, show_if
from cmmikit.ui.tables import (
    DECIDED_FILL,
    GAP_COLUMNS,
    GAP_HEADERS,
    cell_gap,
    styled_table,
)
from cmmikit.ui.review import PracticeReview, decide, heading
from cmmikit.ui.scale_ui import ScaleButtons, scale_legend

if TYPE_CHECKING:
    import pandas as pd

NO_RATINGS_TEXT = ("A {kind} gives strengths, weaknesses and findings, not ratings: each practice is characterized "
                   "on the scale below and summarised per goal and process area; no goal, process area or level "
                   "is rated.")


def assessment_gaps(assessment: Assessment) -> pd.DataFrame:
    """What is left to do in in-scope PAs: instances not characterized, without evidence, or one-sided."""
    import pandas as pd

    rows = []
    not_yet = assessment.scale.not_yet
    for c in assessment.cells[assessment.cells["in_scope"]].itertuples():
        value = c.characterization if isinstance(c.characterization, str) else None
        if value is not None and value == not_yet:
            continue
        gap = cell_gap(value, c.n_artifacts, c.n_affirmations)
        if gap:
            rows.append({"pa": c.pa, "practice": c.practice, "instance": c.instance, "gap": gap})
    return pd.DataFrame(rows, columns=GAP_COLUMNS)


class AssessmentView(PracticeReview):
    """SCAMPI B/C review: risk summary per PA and goal, forecast (B), OU values and team decisions per practice."""

    def __init__(self, appraisal: Appraisal, pa: str | None = None) -> None:
        self.assessment: Assessment
        self._start(appraisal, pa, ("refresh", "read the stored data again (after edits elsewhere)"),
                    "count re-assessed characterizations only")
        self.headline = w.HTML()
        self.forecast = w.HTML()
        self.pa_table = w.HTML()
        self.goal_table = w.HTML()
        self.practice_table = w.HTML(layout=w.Layout(max_height="480px", overflow="auto"))
        self.gaps_table = w.HTML(layout=w.Layout(max_height="360px", overflow="auto"))
        self.stale_decisions = w.HTML()
        self.practice_dropdown = w.Dropdown(description="Practice", style={"description_width": "initial"},
                                            layout=w.Layout(width="560px"))
        self.decision_value = w.ToggleButtons(description="Team decision", style={"description_width": "initial"})
        self.decision_style = w.HTML()
        self.decision_note = w.HTML()
        self.stale_note = w.HTML()
        self.decision_form = w.VBox([self.practice_dropdown, self.decision_value, self.decision_style,
                                     self.stale_note, self.decision_rationale, self.decided_by,
                                     self.decision_buttons()])
        self.practice_dropdown.observe(lambda _: self._show_decision(), names="value")
        self.widget = w.VBox([
            w.HBox([self.pa_filter, self.refresh_button]), self.headline, self.forecast, self.follow_up_row(),
            heading("Process areas"), self.pa_table,
            heading("Goals"), self.goal_table,
            heading("Practices at the organizational-unit level"), self.stale_decisions, self.practice_table,
            heading("Team decision on a practice"), self.decision_note, self.decision_form,
            heading("What is left to do"), self.gaps_table,
        ])
        self.render()

    # -- reading and rendering

    @property
    def scale(self) -> Any:
        return self.assessment.scale

    @property
    def results(self) -> Assessment:
        return self.assessment

    def _read(self) -> None:
        with self.appraisal.snapshot():
            self.assessment = assess(self.appraisal, reassessed_only=self.reassessed_only)
            self.decision_versions = {(d.pa, d.practice): d.version for d in self.appraisal.practice_decisions()}
        self.gaps = assessment_gaps(self.assessment)
        self.buttons = ScaleButtons.decisions(self.assessment.scale)

    def render(self) -> None:
        a = self.assessment
        self.headline.value = (f"<h2 style='margin:4px 0'>{esc(a.kind)}</h2>"
                               f"<div>{esc(NO_RATINGS_TEXT.format(kind=a.appraisal_type))}</div>{scale_legend(a.scale)}")
        self.forecast.value = self._forecast_html()
        self._show_follow_up()
        fills = self._fills()
        self.pa_table.value = styled_table(self.pa_frame(), coloured=("forecast",), fills=fills)
        self.goal_table.value = styled_table(self.goal_frame(), coloured=("worst", "forecast"), fills=fills)
        practices = self._selected(a.practices)
        colours = [FILLS["judgment"] if row.stale else (DECIDED_FILL if isinstance(row.decision, str) else "")
                   for row in practices.itertuples()]
        self.practice_table.value = styled_table(self.practice_frame(practices),
                                                 coloured=("OU", "instances give", "team decision"),
                                                 row_colours=colours, fills=fills)
        n_stale = int(a.practices.stale.sum())
        self.stale_decisions.value = (f"<b>{n_stale} team decision(s) taken before their data changed</b> "
                                      "(highlighted; not applied until confirmed or changed below)" if n_stale else
                                      "No stale team decision.")
        gaps = self._selected(self.gaps)
        self.gaps_table.value = (f"<div>{len(gaps)} gap(s)</div>" + styled_table(gaps.rename(columns=GAP_HEADERS))
                                 if len(gaps) else
                                 "<i>No gaps: every sampled instance is characterized with artifacts and "
                                 "affirmations.</i>")
        self._fill_practices()

    def _fills(self) -> dict[str, str]:
        """Text shown in a coloured column -> its colour: the scale's labels and the forecast outcomes."""
        fills = dict(self.scale.label_colours)
        if self.scale.forecast:
            fills.update({o.text: o.colour for o in self.scale.forecast.outcomes})
        return fills

    def _forecast_html(self) -> str:
        a = self.assessment
        if a.scale.forecast is None:
            return ""
        outcome, sentence = a.level_outlook()
        said = sentence.split(": ", 1)[1] if ": " in sentence else sentence
        said = said.removeprefix(outcome.label).strip() if outcome else said
        shown = (f"<span style='background:{outcome.colour};color:{palette.text_on(outcome.colour)};padding:1px 6px;"
                 f"border-radius:3px;font-weight:600'>{esc(outcome.label)}</span> " if outcome else "")
        return (f"<div><b>Readiness forecast</b> ({esc(a.scale.forecast.question)})<br>"
                f"ML{a.target_level} in a SCAMPI A: {shown}{esc(said)}<br>"
                f"<small>{esc(a.forecast_text())}</small></div>")

    def pa_frame(self) -> pd.DataFrame:
        pas = self._selected(self.assessment.pas)
        frame = pas[["pa", "name", "scope", "summary"]].copy()
        frame["scope"] = frame["scope"].str.replace("_", " ")
        frame["on track"] = [f"{x:.0%}" for x in pas.on_track_share]
        frame["characterized"] = [f"{x:.0%}" for x in pas.characterized_share]
        if self.scale.forecast:
            frame["goals forecast"] = pas["forecast_summary"]
        return frame.rename(columns={"pa": "PA", "name": "process area", "summary": "practices"})

    def goal_frame(self) -> pd.DataFrame:
        goals = self._selected(self.assessment.goals)
        frame = goals[["pa", "goal", "title", "summary", "worst_label"]].copy()
        if self.scale.forecast:
            frame["forecast"] = goals["forecast_label"]
        return frame.rename(columns={"pa": "PA", "summary": "practices", "worst_label": "worst"})

    def practice_frame(self, practices: pd.DataFrame) -> pd.DataFrame:
        scale = self.scale
        counts = {value_column(v.value): v.label for v in scale.values}
        frame = practices[["pa", "practice", "title", *counts, "n_blank"]].copy()
        frame["instances give"] = [scale.label(v) if isinstance(v, str) and v else "" for v in practices["aggregate"]]
        frame["team decision"] = [scale.label(v) if isinstance(v, str) else "" for v in practices.decision]
        frame["OU"] = practices["ou_label"]
        frame["status"] = practices["status"]
        frame["rationale"] = practices["decision_rationale"]
        frame["decision note"] = practices["decision_note"]
        return frame.rename(columns={"pa": "PA", "n_blank": "blank", **counts})

    # -- team decisions on a practice

    def _fill_practices(self) -> None:
        scale = self.scale
        self.decision_note.value = ("" if scale.team_may_decide else
                                    f"<i>The scale {esc(scale.name)} takes no team decisions: the organizational-unit "
                                    "value is what the instances give.</i>")
        show_if(self.decision_form, scale.team_may_decide)
        practices = self._selected(self.assessment.practices)
        practices = practices[practices.scope == "in_scope"]
        options = []
        for p in practices.itertuples():
            now = scale.label(p.ou) if isinstance(p.ou, str) else p.status
            decided = (f" — decided {scale.label(p.decision)}" + (" (data changed since)" if p.stale else "")
                       if isinstance(p.decision, str) else "")
            options.append((f"{p.pa} {p.practice} {p.title}: {now}{decided}", (p.pa, p.practice)))
        keep = self.practice_dropdown.value
        self.practice_dropdown.options = options
        values = [v for _, v in options]
        if values:
            self.practice_dropdown.value = keep if keep in values else values[0]
        self.buttons.apply(self.decision_value)
        self.decision_style.value = self.buttons.css()
        self._show_decision()

    def _case(self) -> Any:
        key = self.practice_dropdown.value
        if not key:
            return None
        p = self.assessment.practices
        return p[(p.pa == key[0]) & (p.practice == key[1])].iloc[0]

    def _show_decision(self) -> None:
        case = self._case()
        for widget in (self.decision_value, self.decision_rationale, self.record_decision_button,
                       self.clear_decision_button):
            widget.disabled = case is None
        if case is None:
            show_if(self.confirm_decision_button, False)
            return
        decided = isinstance(case.decision, str)
        values = [v for _, v in self.decision_value.options]
        proposed = case.decision if decided else case["aggregate"]
        if proposed in values:
            self.decision_value.value = proposed
        self.decision_rationale.value = case.decision_rationale
        self.clear_decision_button.disabled = not decided
        show_if(self.confirm_decision_button, bool(case.stale))
        self.stale_note.value = f"<b>{esc(case.stale_reason)}</b>" if case.stale else ""

    def record_decision(self) -> None:
        case = self._case()
        if case is None:
            self.decision_status.error("no practice chosen")
            return
        pa, practice, value = case.pa, case.practice, self.decision_value.value
        rationale, who, label = self.decision_rationale.value, self.decided_by.value, self.scale.label(value)
        decide(self.decision_status, self.refresh, f"{pa} {practice}", label,
               lambda base: self.appraisal.set_practice_decision(pa, practice, value, rationale, decided_by=who,
                                                                 base_version=base),
               lambda: self.decision_versions.get((pa, practice), 0),
               lambda: next((self.scale.label(d.value) for d in self.appraisal.practice_decisions()
                             if (d.pa, d.practice) == (pa, practice)), None),
               f"{pa} {practice}: team decision {label} recorded")

    # -- text form

    def summary(self) -> str:
        a = self.assessment
        lines = [a.kind, f"scale: {a.scale.summary()}"]
        for pa in self._selected(a.pas).itertuples():
            lines.append(f"  {pa.pa:<5} {pa.summary}")
            for g in a.goals[a.goals.pa == pa.pa].itertuples():
                lines.append(f"        {g.goal:<5} {g.summary}" + (f"  forecast: {g.forecast_label}"
                                                                      if g.forecast_label else ""))
        if a.scale.forecast:
            lines.append(f"Readiness forecast: {a.forecast_text()}")
        n_stale = int(self._selected(a.practices).stale.sum())
        n_open = int((self._selected(a.practices).status == JUDGMENT_OPEN).sum())
        lines.append(f"{n_stale} stale team decision(s), {n_open} practice(s) waiting for one; "
                     f"{len(self._selected(self.gaps))} gap(s)")
        return "\n".join(lines)
