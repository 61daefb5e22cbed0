"""The rating review screen (02_ratings): OU characterizations, team decisions, ratings and gaps.

The tables are pandas Stylers rendered into HTML widgets (every cell escaped);
the decision widgets call the store and then re-rate, so the tables always show
what the rating engine makes of the stored data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from cmmikit.method.outlook import Outlook, outlook
from cmmikit.method.rating import JUDGMENT_OPEN, NOT_RATED, SATISFIED, UNSATISFIED, Ratings, rate
from cmmikit.store import Appraisal
from cmmikit.ui.common import (FILLS, StatusLine, badge, button, esc, plural, show_if, submit_button,
                               text_field)
from cmmikit.ui.assessment import AssessmentView
from cmmikit.ui.review import PracticeReview, decide, heading
from cmmikit.ui.tables import DECIDED_FILL, GAP_HEADERS, coverage_gaps, styled_table

if TYPE_CHECKING:
    import pandas as pd

def outlook_html(look: Outlook, shown: int = 10) -> str:
    """The best and worst case and what still decides the maturity level."""
    items = "".join(f"<li>{esc(b.label)}: {esc(b.now)} &rarr; needs {esc(b.needs)}</li>" for b in look.blockers[:shown])
    more = len(look.blockers) - shown
    more_text = f"<li><i>and {more} more (cmmikit rate --json lists them all)</i></li>" if more > 0 else ""
    blockers = (f"<details><summary>what decides ML{look.current.level} ({len(look.blockers)})</summary>"
                f"<ul style='margin:2px 0'>{items}{more_text}</ul></details>" if look.blockers else "")
    return (f"<div><b>Outlook:</b> {esc(look.headline)}<br><small>best case: {esc(look.best.verdict)}; "
            f"worst case: {esc(look.worst.verdict)}</small>{blockers}</div>")


class RatingsView(PracticeReview):
    """Rating review: OU characterization per practice with team decisions, goal/PA/ML ratings, coverage gaps.

    A SCAMPI B or C gives findings, not ratings: ``RatingsView(appraisal)`` then builds the
    :class:`~cmmikit.ui.assessment.AssessmentView` instead (so 02_ratings follows the open appraisal).
    """

    def __new__(cls, appraisal: Appraisal, pa: str | None = None) -> Any:
        from cmmikit.model.scales import yields_ratings

        if cls is RatingsView and not yields_ratings(appraisal.info().appraisal_type):
            return AssessmentView(appraisal, pa)
        return super().__new__(cls)

    def __init__(self, appraisal: Appraisal, pa: str | None = None) -> None:
        self.ratings: Ratings
        self.goal_decision_versions: dict[tuple[str, str], int] = {}
        self._start(appraisal, pa, ("re-rate", "rate again from the stored data (after edits elsewhere)"),
                    "rate re-assessed characterizations only")
        self.maturity = w.HTML()
        self.outlook = w.HTML()
        self.confirm_goal_decision_button = button("confirm goal decision", "check-circle",
                                                   tooltip="the data changed after the decision: keep it as it is")
        self.stale_note, self.goal_stale_note = w.HTML(), w.HTML()
        for widget in (self.confirm_decision_button, self.confirm_goal_decision_button):
            show_if(widget, False)
        self.pa_table = w.HTML()
        self.goal_table = w.HTML()
        # long tables scroll inside their box so the decision form stays close
        self.practice_table = w.HTML(layout=w.Layout(max_height="480px", overflow="auto"))
        self.gaps_table = w.HTML(layout=w.Layout(max_height="360px", overflow="auto"))
        self.open_judgments = w.HTML()

        self.judgment_dropdown = w.Dropdown(description="Practice", style={"description_width": "initial"},
                                            layout=w.Layout(width="460px"))
        self.decision_value = w.ToggleButtons(options=["LI", "PI"], description="Team decision",
                                              style={"button_width": "60px", "description_width": "initial"})
        self.judgment_note = w.HTML()

        self.goal_dropdown = w.Dropdown(description="Goal", style={"description_width": "initial"},
                                        layout=w.Layout(width="460px"))
        self.goal_rationale = text_field("Why Unsatisfied", area=True, width="640px",
                                         placeholder="which weaknesses have a significant negative impact on the goal")
        self.record_goal_decision_button = submit_button("rate goal Unsatisfied",
                                                         [self.goal_rationale, self.decided_by], "gavel")
        self.clear_goal_decision_button = button("clear goal decision", "times")
        self.goal_note = w.HTML()
        self.goal_status = StatusLine()

        self.confirm_goal_decision_button.on_click(lambda _: self.confirm_goal_decision())
        self.judgment_dropdown.observe(lambda _: self._show_judgment(), names="value")
        self.goal_dropdown.observe(lambda _: self._show_goal_decision(), names="value")
        self.record_goal_decision_button.on_click(lambda _: self.record_goal_decision())
        self.clear_goal_decision_button.on_click(lambda _: self.clear_goal_decision())

        self.widget = w.VBox([
            w.HBox([self.pa_filter, self.refresh_button]), self.maturity, self.outlook,
            self.follow_up_row(),
            heading("Process areas"), self.pa_table,
            heading("Goals"), self.goal_table,
            heading("Practices at the organizational-unit level"), self.open_judgments, self.practice_table,
            heading("Team judgment"), self.judgment_note, self.judgment_dropdown, self.decision_value,
            self.stale_note, self.decision_rationale, self.decided_by,
            self.decision_buttons(),
            heading("Goal decision (weaknesses with a significant negative impact)"), self.goal_note,
            self.goal_dropdown, self.goal_stale_note, self.goal_rationale,
            w.HBox([self.record_goal_decision_button, self.clear_goal_decision_button,
                    self.confirm_goal_decision_button, self.goal_status.widget],
                   layout=w.Layout(align_items="center")),
            heading("Coverage gaps: what is left to do"), self.gaps_table,
        ])
        self.render()

    # -- rating and rendering

    @property
    def results(self) -> Ratings:
        return self.ratings

    def _read(self) -> None:
        """Ratings, coverage gaps and the decisions' versions the user now sees, from one snapshot."""
        with self.appraisal.snapshot():
            self.ratings = rate(self.appraisal, reassessed_only=self.reassessed_only)
            self.decision_versions = {(d.pa, d.practice): d.version for d in self.appraisal.practice_decisions()}
            self.goal_decision_versions = {(d.pa, d.goal): d.version for d in self.appraisal.goal_decisions()}
        self.gaps = coverage_gaps(self.ratings)

    def render(self) -> None:
        r = self.ratings
        reasons = "".join(f"<li>{esc(x)}</li>" for x in r.maturity.reasons)
        self.maturity.value = (f"<h2 style='margin:4px 0'>{badge(r.maturity.headline, r.maturity.verdict)}</h2>"
                               f"<ul style='margin:2px 0'>{reasons}</ul>")
        self.outlook.value = outlook_html(outlook(r))
        self._show_follow_up()
        self.pa_table.value = styled_table(self.pa_frame(), coloured=("rating",))
        self.goal_table.value = styled_table(self.goal_frame(), coloured=("rating",))
        practices = self._selected(r.practices)
        colours = [FILLS["judgment"] if row.status == JUDGMENT_OPEN else (DECIDED_FILL if row.judgment else "")
                   for row in practices.itertuples()]
        self.practice_table.value = styled_table(self.practice_frame(practices), coloured=("OU",), row_colours=colours)
        n_open = int((r.practices.status == JUDGMENT_OPEN).sum())
        self.open_judgments.value = (f"<b>{n_open} team judgment(s) open</b> (highlighted; record them below)"
                                     if n_open else "No team judgment open.")
        gaps = self._selected(self.gaps)
        self.gaps_table.value = (f"<div>{len(gaps)} gap(s)</div>" + styled_table(gaps.rename(columns=GAP_HEADERS))
                                 if len(gaps) else
                                 "<i>No gaps: every sampled instance is characterized with artifacts and "
                                 "affirmations.</i>")
        self._fill_decision_choices()

    def pa_frame(self) -> "pd.DataFrame":
        pas = self._selected(self.ratings.pas)
        frame = pas[["pa", "name", "scope", "rating", "capability_level"]].copy()
        frame["capability_level"] = frame["capability_level"].fillna("")
        frame["scope"] = frame["scope"].str.replace("_", " ")
        frame["goals satisfied"] = [f"{s} of {n}" for s, n in zip(pas.n_satisfied, pas.n_goals)]
        frame["practices FI/LI"] = [f"{x:.0%}" for x in pas.readiness]
        frame["characterized"] = [f"{x:.0%}" for x in pas.characterized_share]
        return frame.rename(columns={"pa": "PA", "name": "process area", "capability_level": "capability level"})

    def goal_frame(self) -> "pd.DataFrame":
        goals = self._selected(self.ratings.goals)
        frame = goals[["pa", "goal", "title", "rating", "reason"]].copy()
        frame["team rationale"] = goals["decision_rationale"]
        frame["decision note"] = goals["stale_reason"].fillna("") if "stale_reason" in goals else ""
        return frame.rename(columns={"pa": "PA"})

    @staticmethod
    def practice_frame(practices: "pd.DataFrame") -> "pd.DataFrame":
        frame = practices[["pa", "practice", "title", "n_FI", "n_LI", "n_PI", "n_NI", "n_NY", "n_blank",
                           "aggregate", "decision", "ou", "status"]].copy()
        frame["rationale"] = practices["decision_rationale"]
        frame["decision note"] = practices["stale_reason"].fillna("") if "stale_reason" in practices else ""
        return frame.rename(columns={"pa": "PA", "n_FI": "FI", "n_LI": "LI", "n_PI": "PI", "n_NI": "NI",
                                     "n_NY": "NY", "n_blank": "blank", "aggregate": "instances give",
                                     "decision": "team decision", "ou": "OU"})

    # -- team judgment on a practice

    def _fill_decision_choices(self) -> None:
        practices = self._selected(self.ratings.practices)
        cases = practices[practices.judgment]
        options = [(f"{c.pa} {c.practice} {c.title}: {c.options} — "
                    + (f"decided {c.decision}" if c.status != JUDGMENT_OPEN else "open"), (c.pa, c.practice))
                   for c in cases.itertuples()]
        keep = self.judgment_dropdown.value
        self.judgment_dropdown.options = options
        values = [v for _, v in options]
        if values:
            self.judgment_dropdown.value = keep if keep in values else values[0]
        goals = self._selected(self.ratings.goals)
        goal_options = [(f"{g.pa} {g.goal} {g.title}: {g.rating}", (g.pa, g.goal))
                        for g in goals.itertuples() if (g.rating in (SATISFIED, UNSATISFIED) and
                        (g.rating == SATISFIED or g.decision_rationale)) or getattr(g, "stale", False)]
        keep_goal = self.goal_dropdown.value
        self.goal_dropdown.options = goal_options
        if goal_options:
            goal_values = [v for _, v in goal_options]
            self.goal_dropdown.value = keep_goal if keep_goal in goal_values else goal_values[0]
        self.judgment_note.value = "" if options else (
            "<i>No practice needs a team judgment here: the instance characterizations aggregate to one value "
            "wherever they are complete. A case appears when, e.g., one instance is PI and the others FI or LI.</i>")
        self.goal_note.value = "" if goal_options else f"<i>{esc(self._why_no_goal(goals))}</i>"
        self._show_judgment()
        self._show_goal_decision()

    @staticmethod
    def _why_no_goal(goals: "pd.DataFrame") -> str:
        """Why the goal-decision list is empty: the decision applies only to goals the rules rate Satisfied."""
        counts = goals.rating.value_counts()
        parts = [plural(int(counts.get(r, 0)), f"goal {r}", f"goals {r}") for r in (NOT_RATED, UNSATISFIED)
                 if counts.get(r, 0)]
        return ("No goal to decide on: the team can rate Unsatisfied only a goal the rules rate Satisfied "
                "(all its practices FI or LI at the OU)" + (f"; here {' and '.join(parts)}" if parts else "")
                + ". Characterize the practices in 01_walkthrough (and record the open team judgments above) first.")

    def _case(self) -> Any:
        key = self.judgment_dropdown.value
        if not key:
            return None
        p = self.ratings.practices
        return p[(p.pa == key[0]) & (p.practice == key[1])].iloc[0]

    def _show_judgment(self) -> None:
        case = self._case()
        for widget in (self.decision_value, self.decision_rationale, self.record_decision_button,
                       self.clear_decision_button):
            widget.disabled = case is None
        if case is None:
            return
        options = case.options.split(" or ")
        self.decision_value.options = options
        self.decision_value.value = case.decision if case.decision in options else options[0]
        self.decision_rationale.value = case.decision_rationale
        self.clear_decision_button.disabled = not isinstance(case.decision, str)
        stale = bool(getattr(case, "stale", False))
        show_if(self.confirm_decision_button, stale)
        self.stale_note.value = f"<b>{esc(case.stale_reason)}</b>" if stale else ""

    def record_decision(self) -> None:
        case = self._case()
        if case is None:
            self.decision_status.error("no team-judgment case to decide")
            return
        pa, practice, value = case.pa, case.practice, self.decision_value.value
        rationale, who = self.decision_rationale.value, self.decided_by.value
        self._decide(self.decision_status, f"{pa} {practice}", value,
                     lambda base: self.appraisal.set_practice_decision(pa, practice, value, rationale, decided_by=who,
                                                                       base_version=base),
                     lambda: self.decision_versions.get((pa, practice), 0),
                     lambda: next((d.value for d in self.appraisal.practice_decisions()
                                   if (d.pa, d.practice) == (pa, practice)), None),
                     f"{pa} {practice}: team decision {value} recorded")

    def _decide(self, status: StatusLine, what: str, mine: str, save: Callable[[int | None], None],
                base: Callable[[], int], theirs: Callable[[], str | None], done: str) -> None:
        """Record a team decision based on the version shown; a colleague's newer decision is offered."""
        decide(status, self.refresh, what, mine, save, base, theirs, done)

    def confirm_goal_decision(self) -> None:
        key = self.goal_dropdown.value
        if key and self.goal_status.run(
                lambda: self.appraisal.confirm_goal_decision(
                    key[0], key[1], base_version=self.goal_decision_versions.get(tuple(key))),
                done=f"{key[0]} {key[1]}: goal decision confirmed"):
            self.refresh()

    # -- team decision to rate a goal Unsatisfied

    def _show_goal_decision(self) -> None:
        key = self.goal_dropdown.value
        for widget in (self.goal_rationale, self.record_goal_decision_button, self.clear_goal_decision_button):
            widget.disabled = key is None
        if key is None:
            return
        g = self.ratings.goals
        goal = g[(g.pa == key[0]) & (g.goal == key[1])].iloc[0]
        self.goal_rationale.value = goal.decision_rationale
        self.clear_goal_decision_button.disabled = not goal.decision_rationale
        stale = bool(goal.get("stale", False))
        show_if(self.confirm_goal_decision_button, stale)
        self.goal_stale_note.value = f"<b>{esc(goal.stale_reason)}</b>" if stale else ""

    def record_goal_decision(self) -> None:
        key = self.goal_dropdown.value
        if not key:
            return
        rationale, who = self.goal_rationale.value, self.decided_by.value
        self._decide(self.goal_status, f"{key[0]} {key[1]}", "Unsatisfied",
                     lambda base: self.appraisal.set_goal_decision(key[0], key[1], rationale, decided_by=who,
                                                                   base_version=base),
                     lambda: self.goal_decision_versions.get(tuple(key), 0),
                     lambda: "Unsatisfied: " + next((d.rationale for d in self.appraisal.goal_decisions()
                                                     if (d.pa, d.goal) == tuple(key)), ""),
                     f"{key[0]} {key[1]}: rated Unsatisfied by team decision")

    def clear_goal_decision(self) -> None:
        key = self.goal_dropdown.value
        if key and self.goal_status.run(lambda: self.appraisal.clear_goal_decision(*key),
                                   done=f"{key[0]} {key[1]}: goal decision cleared"):
            self.refresh()

    # -- text form

    def summary(self) -> str:
        r = self.ratings
        lines = [r.maturity.headline]
        for pa in self._selected(r.pas).itertuples():
            goals = ", ".join(f"{g.goal} {g.rating}" for g in r.goals[r.goals.pa == pa.pa].itertuples())
            lines.append(f"  {pa.pa:<5} {pa.rating:<15} {goals}")
        n_open = int((self._selected(r.practices).status == JUDGMENT_OPEN).sum())
        lines.append(f"{n_open} team judgment(s) open; {len(self._selected(self.gaps))} coverage gap(s)")
        return "\n".join(lines)

