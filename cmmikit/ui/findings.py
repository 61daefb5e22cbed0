"""The findings screen (03_findings): ranked gap findings, editing and merging, and the action plan.

The view only wires widgets to :mod:`cmmikit.findings` and the store; every change is
saved at once and the ranking is recomputed. Without a front end the view prints a
text summary (the top gaps and the action counts).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import ipywidgets as w
import pandas as pd

from cmmikit import findings as F
from cmmikit.rating import Ratings, rate
from cmmikit.store import ACTION_STATUSES, FINDING_KINDS, Appraisal
from cmmikit.ui.common import StatusLine, View, badge, esc, text_field

LEVELS = [("not judged", 0), ("1 very low", 1), ("2 low", 2), ("3 medium", 3), ("4 high", 4), ("5 very high", 5)]
SHOW = [("all gaps", "gaps"), ("blocking ML2", "blocking"), ("strengths", "strengths")]
TABLE_COLUMNS = [("rank", "#"), ("score", "priority"), ("pa", "PA"), ("goal", "goal"), ("practices", "practices"),
                 ("goal_rating", "goal rating"), ("ou_characterization", "OU"), ("breadth", "breadth"),
                 ("impact", "impact"), ("effort", "effort"), ("n_open_actions", "open actions"),
                 ("headline", "finding")]
ACTION_TABLE = [("id", "#"), ("pa", "PA"), ("goal", "goal"), ("description", "action"), ("owner", "owner"),
                ("due_date", "due"), ("days_overdue", "overdue"), ("status", "status"), ("finding", "finding")]
WRAPPED = {"headline", "description", "finding", "owner"}   # long text wraps; short codes stay on one line
_CELL = "padding:2px 6px;vertical-align:top"
ALL = "all"


class FindingsView(View):
    """Rank, edit, merge and write findings; plan actions.  ``today`` fixes the date overdue is judged against."""

    def __init__(self, appraisal: Appraisal, *, weights: F.Weights | None = None, today: date | None = None,
                 rows: int = 25) -> None:
        self.appraisal = appraisal
        self.weights = weights or F.load_weights()
        self.today = today
        self.rows = rows
        self.ratings: Ratings | None = None
        self.frame = pd.DataFrame(columns=F.FINDING_COLUMNS)
        self.actions = pd.DataFrame(columns=F.ACTION_COLUMNS)
        self._loading = False
        self.status = StatusLine()
        model = appraisal.model

        # ranking
        self.headline = w.HTML()
        self.sync_button = w.Button(description="Generate from weaknesses", icon="refresh",
                                    tooltip="create or refresh findings from the weaknesses and strengths recorded "
                                            "per practice (your edits are kept)", layout=w.Layout(width="auto"))
        self.formula = w.HTML(f"<pre style='font-size:90%;line-height:1.3'>{esc(F.score_formula(self.weights))}</pre>")
        self.pa_filter = w.Dropdown(options=[("all process areas", ALL)] + [(p, p) for p in model.pa_ids],
                                    description="show", layout=w.Layout(width="260px"))
        self.show = w.ToggleButtons(options=SHOW, value="gaps", style={"button_width": "110px"})
        self.table = w.HTML()

        # editing the selected finding
        self.finding_picker = w.Dropdown(description="finding", layout=w.Layout(width="100%"))
        self.detail = w.HTML()
        self.statement = text_field("statement", area=True)
        self.statement.layout.height = "110px"
        self.impact = w.Dropdown(options=LEVELS, description="impact on goal", style={"description_width": "initial"})
        self.effort = w.Dropdown(options=LEVELS, description="effort to fix", style={"description_width": "initial"})
        self.save_button = w.Button(description="Save finding", icon="save")
        self.dismiss_button = w.Button(description="Dismiss", icon="times", tooltip="not a finding after all")

        # merging
        self.merge_picker = w.SelectMultiple(description="merge", rows=8, layout=w.Layout(width="100%"))
        self.merge_statement = text_field("merged statement", area=True)
        self.merge_button = w.Button(description="Merge selected", icon="compress")

        # writing one by hand
        self.new_kind = w.Dropdown(options=list(FINDING_KINDS), description="kind")
        self.new_pa = w.Dropdown(options=model.pa_ids, description="PA")
        self.new_goal = w.Dropdown(description="goal")
        self.new_practices = w.SelectMultiple(description="practices", rows=6)
        self.new_instances = w.SelectMultiple(options=[i.name for i in appraisal.instances()], description="instances",
                                              rows=6)
        self.new_statement = text_field("statement", area=True)
        self.add_button = w.Button(description="Add finding", icon="plus")

        # the action plan
        self.action_summary = w.HTML()
        self.action_description = text_field("action", placeholder="what will be done")
        self.action_owner = text_field("owner", width="50%")
        self.action_due = w.DatePicker(description="due")
        self.add_action_button = w.Button(description="Add action to finding", icon="plus",
                                          layout=w.Layout(width="220px"))
        self.action_picker = w.Dropdown(description="action", layout=w.Layout(width="100%"))
        self.action_status = w.Dropdown(options=list(ACTION_STATUSES), description="status")
        self.update_action_button = w.Button(description="Set status", icon="check")
        self.actions_table = w.HTML()

        self._wire()
        self.widget = self._layout()
        self._fill_new_goals()
        self.refresh()

    # -- layout and wiring ----------------------------------------------------------

    def _wire(self) -> None:
        self.sync_button.on_click(lambda _: self.sync())
        self.pa_filter.observe(lambda _: self._show_findings(), names="value")
        self.show.observe(lambda _: self._show_findings(), names="value")
        self.finding_picker.observe(lambda _: self._load_selected(), names="value")
        self.save_button.on_click(lambda _: self.save())
        self.dismiss_button.on_click(lambda _: self.dismiss())
        self.merge_button.on_click(lambda _: self.merge())
        self.new_pa.observe(lambda _: self._fill_new_goals(), names="value")
        self.new_goal.observe(lambda _: self._fill_new_practices(), names="value")
        self.add_button.on_click(lambda _: self.add())
        self.add_action_button.on_click(lambda _: self.add_action())
        self.action_picker.observe(lambda _: self._load_action(), names="value")
        self.update_action_button.on_click(lambda _: self.set_action_status())

    def _layout(self) -> w.Widget:
        ranking = w.VBox([w.HBox([self.pa_filter, self.show]), self.table,
                          w.Accordion([self.formula], titles=("How the priority is computed",))])
        edit = w.VBox([self.finding_picker, self.detail, self.statement, w.HBox([self.impact, self.effort]),
                       w.HBox([self.save_button, self.dismiss_button]),
                       w.HTML("<b>Merge findings</b> (same PA and kind; the first one chosen gives the goal)"),
                       self.merge_picker, self.merge_statement, self.merge_button])
        new = w.VBox([w.HBox([self.new_kind, self.new_pa, self.new_goal]),
                      w.HBox([self.new_practices, self.new_instances]), self.new_statement, self.add_button])
        plan = w.VBox([self.action_summary, w.HTML("<b>New action for the finding chosen under 'Edit and merge'</b>"),
                       self.action_description, w.HBox([self.action_owner, self.action_due]), self.add_action_button,
                       self.actions_table, w.HBox([self.action_picker, self.action_status, self.update_action_button])])
        tabs = w.Tab([ranking, edit, new, plan],
                     titles=("Ranked findings", "Edit and merge", "Write a finding", "Action plan"))
        return w.VBox([w.HBox([self.headline, self.sync_button]), self.status.widget, tabs])

    # -- reading ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-rate, re-rank and redraw everything (after any change)."""
        self.ratings = rate(self.appraisal)
        self.frame = F.findings_frame(self.appraisal, self.ratings, self.weights)
        self.actions = F.actions_frame(self.appraisal, self.today)
        counts = F.action_summary(self.appraisal, self.today)
        gaps = self.frame[self.frame["kind"] == F.GAP]
        self.headline.value = (
            f"<b>{len(gaps)}</b> open gap findings, <b>{int(gaps['blocks_ml2'].sum())}</b> blocking ML2, "
            f"<b>{int((self.frame['kind'] == F.STRENGTH).sum())}</b> strengths &nbsp; "
            f"{badge(self.ratings.maturity.headline, self.ratings.maturity.verdict)}")
        self.action_summary.value = (f"Actions: <b>{counts['open']}</b> open, <b>{counts['overdue']}</b> overdue, "
                                     f"<b>{counts['done']}</b> done")
        self._show_findings()
        self._show_actions()

    def visible(self) -> pd.DataFrame:
        """The findings the filters select, in ranked order."""
        frame = self.frame
        if self.pa_filter.value != ALL:
            frame = frame[frame["pa"] == self.pa_filter.value]
        if self.show.value == "strengths":
            return frame[frame["kind"] == F.STRENGTH]
        frame = frame[frame["kind"] == F.GAP]
        return frame[frame["blocks_ml2"]] if self.show.value == "blocking" else frame

    def _show_findings(self) -> None:
        shown = self.visible()
        self.table.value = _table(shown.head(self.rows), TABLE_COLUMNS, more=len(shown) - self.rows)
        options = [(_label(row), int(row.id)) for row in shown.itertuples()]
        keep = self.finding_picker.value
        self._loading = True
        try:
            self.finding_picker.options = options
            self.merge_picker.options = options
            ids = [value for _, value in options]
            self.finding_picker.value = keep if keep in ids else (ids[0] if ids else None)
        finally:
            self._loading = False
        self._load_selected()

    def selected(self) -> pd.Series | None:
        """The row of the finding chosen in the editor, if any."""
        match = self.frame[self.frame["id"] == self.finding_picker.value]
        return None if match.empty else match.iloc[0]

    def _load_selected(self) -> None:
        if self._loading:
            return
        row = self.selected()
        if row is None:
            self.detail.value, self.statement.value = "<i>no finding selected</i>", ""
            self.impact.value = self.effort.value = 0
            return
        score = "" if pd.isna(row["score"]) else f"priority <b>{row['score']:.1f}</b> (rank {row['rank']}), "
        self.detail.value = (
            f"{score}{esc(row['pa'])} {esc(row['goal'])} {badge(row['goal_rating'])}, practices "
            f"{esc(row['practices'] or '-')} (OU {esc(row['ou_characterization'])}), instances "
            f"{esc(row['instances'] or '-')} = breadth {row['breadth']:.2f}; {esc(row['origin'])}"
            f"{', edited' if row['edited'] else ''}")
        self.statement.value = row["statement"]
        self.impact.value = int(row["impact"]) if row["impact_set"] else 0
        self.effort.value = int(row["effort"]) if row["effort_set"] else 0

    def _show_actions(self) -> None:
        self.actions_table.value = _table(self.actions, ACTION_TABLE, overdue=self.actions["overdue"].tolist())
        keep = self.action_picker.value
        options = [(f"#{a.id} {a.description[:60]} ({a.status})", int(a.id)) for a in self.actions.itertuples()]
        self.action_picker.options = options
        ids = [value for _, value in options]
        self.action_picker.value = keep if keep in ids else (ids[0] if ids else None)

    def _load_action(self) -> None:
        match = self.actions[self.actions["id"] == self.action_picker.value]
        if not match.empty:
            self.action_status.value = match.iloc[0]["status"]

    def _fill_new_goals(self) -> None:
        pa = self.appraisal.model.pa(self.new_pa.value)
        self.new_goal.options = [(f"{g.id} {g.title}", g.id) for g in pa.goals]
        self._fill_new_practices()

    def _fill_new_practices(self) -> None:
        goal = self.appraisal.model.pa(self.new_pa.value).goal(self.new_goal.value) if self.new_goal.value else None
        self.new_practices.options = [(f"{p.id} {p.title}", p.id) for p in goal.practices] if goal else []

    # -- changing -------------------------------------------------------------------------

    def sync(self) -> None:
        report = F.sync_findings(self.appraisal)
        self.refresh()
        self.status.saved(str(report))

    def save(self) -> None:
        fid = self.finding_picker.value
        if fid is None:
            return self.status.error("choose a finding first")
        changes = {"statement": self.statement.value, "impact": self.impact.value or None,
                   "effort": self.effort.value or None}
        if self.status.run(lambda: self.appraisal.update_finding(fid, **changes)):
            self.refresh()
            self.status.saved(f"finding #{fid} saved")

    def dismiss(self) -> None:
        fid = self.finding_picker.value
        if fid is None:
            return self.status.error("choose a finding first")
        if self.status.run(lambda: self.appraisal.update_finding(fid, status="dismissed")):
            self.refresh()
            self.status.saved(f"finding #{fid} dismissed")

    def merge(self) -> None:
        ids = list(self.merge_picker.value)
        new_id: list[int] = []
        if self.status.run(lambda: new_id.append(F.merge_findings(self.appraisal, ids, self.merge_statement.value))):
            self.merge_statement.value = ""
            self.refresh()
            if new_id[0] in self._picker_ids():
                self.finding_picker.value = new_id[0]
            self.status.saved(f"findings {', '.join(f'#{i}' for i in ids)} merged into #{new_id[0]}")

    def add(self) -> None:
        new_id: list[int] = []
        if self.status.run(lambda: new_id.append(self.appraisal.add_finding(
                self.new_kind.value, self.new_pa.value, self.new_goal.value, self.new_statement.value,
                origin="manual", practices=self.new_practices.value, instances=self.new_instances.value))):
            self.new_statement.value = ""
            self.refresh()
            self.status.saved(f"finding #{new_id[0]} added to {self.new_pa.value} {self.new_goal.value}")

    def add_action(self) -> None:
        fid = self.finding_picker.value
        if fid is None:
            return self.status.error("choose a finding under 'Edit and merge' first")
        if self.status.run(lambda: F.plan_action(self.appraisal, fid, self.action_description.value,
                                                 owner=self.action_owner.value, due_date=self.action_due.value)):
            self.action_description.value = ""
            self.refresh()
            self.status.saved(f"action added to finding #{fid}")

    def set_action_status(self) -> None:
        aid = self.action_picker.value
        if aid is None:
            return self.status.error("there is no action yet")
        if self.status.run(lambda: self.appraisal.update_action(aid, status=self.action_status.value)):
            self.refresh()
            self.status.saved(f"action #{aid} is {self.action_status.value}")

    def _picker_ids(self) -> list[int]:
        return [value for _, value in self.finding_picker.options]

    # -- text form ----------------------------------------------------------------------------

    def summary(self, top: int = 5) -> str:
        gaps = self.frame[self.frame["kind"] == F.GAP]
        counts = F.action_summary(self.appraisal, self.today)
        lines = [f"Findings: {len(gaps)} open gaps ({int(gaps['blocks_ml2'].sum())} blocking ML2), "
                 f"{int((self.frame['kind'] == F.STRENGTH).sum())} strengths; actions: {counts['open']} open, "
                 f"{counts['overdue']} overdue, {counts['done']} done"]
        lines += [f"  #{row.rank:<3} {row.score:5.1f}  {row.pa} {row.goal} {row.practices or '-'}: {row.headline}"
                  for row in gaps.head(top).itertuples()]
        if self.status.text:
            lines.append(f"  ({self.status.text})")
        return "\n".join(lines)


def _label(row: Any) -> str:
    rank = f"#{row.rank}" if not pd.isna(row.rank) else "strength"
    return f"{rank} [{row.id}] {row.pa} {row.goal} {row.practices or '-'}: {row.headline[:70]}"


def _table(frame: pd.DataFrame, columns: list[tuple[str, str]], *, more: int = 0,
           overdue: list[bool] | None = None) -> str:
    """An HTML table of user text, every cell escaped; overdue rows in red."""
    if frame.empty:
        return "<i>nothing to show</i>"
    head = "".join(f"<th style='text-align:left;padding:2px 6px'>{esc(title)}</th>" for _, title in columns)
    body = []
    for n, row in enumerate(frame.itertuples(index=False)):
        style = " style='color:#b42318'" if overdue and overdue[n] else ""
        cells = "".join(f"<td style='{_CELL}{'' if c in WRAPPED else ';white-space:nowrap'}'>"
                        f"{esc(_cell(c, getattr(row, c)))}</td>" for c, _ in columns)
        body.append(f"<tr{style}>{cells}</tr>")
    tail = f"<div><i>and {more} more (narrow the filter)</i></div>" if more > 0 else ""
    return f"<table style='border-collapse:collapse'><tr>{head}</tr>{''.join(body)}</table>{tail}"


def _cell(column: str, value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    if column == "breadth":
        return f"{value:.0%}"
    if column == "days_overdue":
        return f"{value} days" if value else ""
    return f"{value:.1f}" if isinstance(value, float) else str(value)
