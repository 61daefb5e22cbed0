"""The findings screen (03_findings): ranked gap findings, editing, grouping and merging, the action plan.

The view only wires widgets to :mod:`cmmikit.method.findings` and the store; every change is
saved at once through one small method per kind of edit (``save``, ``dismiss``,
``restore``, ``merge``, ``merge_group``, ``add``, ``add_action``,
``set_action_status``) and every table is redrawn from the store.  Without a front
end the view prints a text summary (the top gaps and the action counts).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import ipywidgets as w
import pandas as pd

from cmmikit.method import findings as F
from cmmikit import palette
from cmmikit.method.rating import Ratings
from cmmikit.method.risk import Assessment, evaluate, is_assessment
from cmmikit.store import ACTION_STATUSES, FINDING_KINDS, Appraisal
from cmmikit.errors import ConflictError
from cmmikit.ui.common import (StatusLine, View, badge, button, cell_style, conflict_message, esc, plural, submit_button,
                               text_field)

LEVELS = [("not judged", 0), ("1 very low", 1), ("2 low", 2), ("3 medium", 3), ("4 high", 4), ("5 very high", 5)]
SHOW = [("all gaps", "gaps"), ("blocking ML2", "blocking"), ("strengths", "strengths"), ("dismissed", "dismissed")]
STATUS_LABELS = {"open": "open", "in_progress": "in progress", "done": "done", "cancelled": "cancelled"}
TABLE_COLUMNS = [("rank", "#"), ("id", "finding"), ("score", "priority"), ("pa", "PA"), ("goal", "goal"),
                 ("practices", "practices"), ("goal_rating", "goal rating"), ("ou_characterization", "OU"),
                 ("breadth", "breadth"), ("impact", "impact"), ("effort", "effort"),
                 ("n_open_actions", "open actions"), ("title", "finding text")]
ACTION_TABLE = [("id", "#"), ("finding_id", "finding"), ("pa", "PA"), ("goal", "goal"), ("description", "action"),
                ("owner", "owner"), ("due_date", "due"), ("days_overdue", "overdue"), ("status", "status"),
                ("finding", "finding text")]
ROLLUP_TABLE = [("pa", "PA"), ("goal", "goal"), ("title", "goal title"), ("goal_rating", "goal rating"),
                ("pa_rating", "PA rating"), ("n_gaps", "open gaps"), ("n_blocking", "blocking ML2"),
                ("n_strengths", "strengths"), ("max_score", "highest priority"), ("total_score", "total priority")]
READINESS_TABLE = [("pa", "PA"), ("name", "process area"), ("rating", "rating"),
                   ("capability_level", "capability level"), ("n_practices", "practices"),
                   ("n_fi_li", "FI or LI"), ("readiness", "readiness (FI or LI)")]
WRAPPED = {"title", "description", "finding", "owner"}   # long text wraps; short codes stay on one line
RISK_READINESS_TABLE = [("pa", "PA"), ("name", "process area"), ("summary", "practices at the OU"),
                        ("on_track_share", "on track"), ("forecast_summary", "goals forecast")]
RISK_HEADERS = {"goal rating": "goal outlook", "PA rating": "PA summary"}   # SCAMPI B/C: no ratings
COLOURED = {"goal_rating", "pa_rating", "rating", "ou_characterization"}
_CELL = "padding:2px 6px;vertical-align:top;border-bottom:1px solid #e5e7eb"
ALL = "all"


def unit_label(instances: str) -> str:
    """Who a finding concerns: all names when two or fewer, else 'N units'."""
    names = [n for n in (instances or "").split(", ") if n]
    return ", ".join(names) if len(names) <= 2 else plural(len(names), "unit")


def finding_title(row: Any, width: int = 110) -> str:
    """A finding's one-line title naming every unit it concerns (or how many), not only the first one."""
    lines = [line.strip() for line in str(row.statement).splitlines() if line.strip()]
    names = [n for n in (row.instances or "").split(", ") if n]
    first = lines[0] if lines else ""
    for name in names:  # generated statements read "Unit: text" per unit: drop the first unit's prefix
        if first.lower().startswith(f"{name.lower()}: "):
            first = first[len(name) + 2:]
            break
    text = f"{unit_label(row.instances)}: {first}" if names else first
    more = f" (+{len(lines) - 1} more line{'s' if len(lines) > 2 else ''})" if len(lines) > 1 else ""
    room = width - len(more)
    return (text if len(text) <= room else text[:room - 1].rstrip() + "\u2026") + more


class FindingsView(View):
    """Rank, edit, merge and write findings; plan actions.  ``today`` fixes the date overdue is judged against;
    ``sync`` brings generated findings in step with the weaknesses first (edits are kept)."""

    def __init__(self, appraisal: Appraisal, *, weights: F.Weights | None = None, today: date | None = None,
                 rows: int = 25, sync: bool = False) -> None:
        self.appraisal = appraisal
        self.weights = weights or F.load_weights()
        self.today = today
        self.rows = rows
        self.ratings: Ratings | None = None
        self.frame = pd.DataFrame(columns=F.FINDING_COLUMNS)
        self.closed = pd.DataFrame(columns=F.FINDING_COLUMNS)
        self.actions = pd.DataFrame(columns=F.ACTION_COLUMNS)
        self._loading = False
        self.status = StatusLine()
        model = appraisal.model

        # ranking
        self.headline = w.HTML()
        self.sync_button = button("Generate from weaknesses", "refresh",
                                  tooltip="create or refresh findings from the weaknesses and strengths recorded "
                                          "per practice (your edits are kept)")
        self.formula = w.HTML()
        self.pa_filter = w.Dropdown(options=[("all process areas", ALL)] + [(p, p) for p in model.pa_ids],
                                    description="Show", layout=w.Layout(width="260px"))
        self.show = w.ToggleButtons(options=SHOW, value="gaps", description="Which findings",
                                    style={"button_width": "auto", "description_width": "initial"})
        self.table = w.HTML()

        # the chosen finding: edit, dismiss or restore, its actions
        self.finding_picker = w.Dropdown(description="Finding", layout=w.Layout(width="100%"))
        self.detail = w.HTML()
        self.statement = text_field("Statement", area=True)
        self.statement.rows = 5
        self.impact = w.Dropdown(options=LEVELS, description="Impact on goal", style={"description_width": "initial"})
        self.effort = w.Dropdown(options=LEVELS, description="Effort to fix", style={"description_width": "initial"})
        self.save_button = submit_button("Save finding", [self.statement], "save")
        self.dismiss_button = button("Dismiss", "times", tooltip="not a finding after all (can be undone and "
                                                                 "restored from 'dismissed')")
        self.restore_button = button("Restore", "undo", tooltip="make this dismissed finding open again")
        self.edit_status = StatusLine()
        self.action_heading = w.HTML()
        self.finding_actions = w.HTML()
        self.action_description = text_field("Action", placeholder="what will be done")
        self.action_owner = text_field("Owner", width="50%")
        self.action_due = w.DatePicker(description="Due")
        self.add_action_button = submit_button("Add action", [self.action_description, self.action_owner], "plus")
        self.action_status_line = StatusLine()

        # grouping and merging
        self.group_picker = w.Dropdown(description="Group", layout=w.Layout(width="100%"))
        self.group_detail = w.HTML()
        self.group_statement = text_field("Merged statement", area=True)
        self.group_statement.rows = 6
        self.merge_group_button = submit_button("Merge this group", [self.group_statement], "compress")
        self.merge_picker = w.SelectMultiple(description="Findings", rows=8, layout=w.Layout(width="100%"))
        self.merge_statement = text_field("Merged statement", area=True)
        self.merge_button = submit_button("Merge selected", [self.merge_statement], "compress")
        self.merge_status = StatusLine()

        # writing one by hand
        self.new_kind = w.Dropdown(options=list(FINDING_KINDS), description="Kind")
        self.new_pa = w.Dropdown(options=model.pa_ids, description="PA")
        self.new_goal = w.Dropdown(description="Goal")
        self.new_practices = w.SelectMultiple(description="Practices", rows=6)
        self.new_instances = w.SelectMultiple(options=[i.name for i in appraisal.instances()], description="Instances",
                                              rows=6)
        self.new_statement = text_field("Statement", area=True)
        self.add_button = submit_button("Add finding", [self.new_statement], "plus")
        self.add_status = StatusLine()

        # the action plan and the roll-ups
        self.action_summary = w.HTML()
        self.actions_table = w.HTML()
        self.action_picker = w.Dropdown(description="Action", layout=w.Layout(width="60%"))
        self.action_status = w.Dropdown(options=[(v, k) for k, v in STATUS_LABELS.items()
                                                 if k in ACTION_STATUSES], description="Status")
        self.update_action_button = button("Set status", "check")
        self.plan_status = StatusLine()
        self.rollup_table = w.HTML()
        self.readiness_table = w.HTML()
        self.readiness_heading = w.HTML()
        self.fills: dict[str, str] | None = None

        self._wire()
        self.widget = self._layout()
        self._fill_new_goals()
        if sync:
            self.sync()
        else:
            self.refresh()

    # -- layout and wiring ----------------------------------------------------------

    def _wire(self) -> None:
        self.sync_button.on_click(lambda _: self.sync())
        self.pa_filter.observe(lambda _: self._show_findings(), names="value")
        self.show.observe(lambda _: self._show_findings(), names="value")
        self.finding_picker.observe(lambda _: self._load_selected(), names="value")
        self.save_button.on_click(lambda _: self.save())
        self.dismiss_button.on_click(lambda _: self.dismiss())
        self.restore_button.on_click(lambda _: self.restore())
        self.add_action_button.on_click(lambda _: self.add_action())
        self.group_picker.observe(lambda _: self._load_group(), names="value")
        self.merge_group_button.on_click(lambda _: self.merge_group())
        self.merge_button.on_click(lambda _: self.merge())
        self.new_pa.observe(lambda _: self._fill_new_goals(), names="value")
        self.new_goal.observe(lambda _: self._fill_new_practices(), names="value")
        self.add_button.on_click(lambda _: self.add())
        self.action_picker.observe(lambda _: self._load_action(), names="value")
        self.update_action_button.on_click(lambda _: self.set_action_status())

    def _layout(self) -> w.Widget:
        row = lambda *items: w.HBox(list(items), layout=w.Layout(align_items="center"))  # noqa: E731
        ranking = w.VBox([row(self.pa_filter, self.show), self.table,
                          w.Accordion([self.formula], titles=("How the priority is computed",))])
        edit = w.VBox([self.finding_picker, self.detail, self.statement, row(self.impact, self.effort),
                       row(self.save_button, self.dismiss_button, self.restore_button, self.edit_status.widget),
                       self.action_heading, self.finding_actions, self.action_description,
                       row(self.action_owner, self.action_due),
                       row(self.add_action_button, self.action_status_line.widget)])
        merge = w.VBox([w.HTML("<b>Findings grouped per goal</b> (open gaps or strengths of one goal; merging a "
                               "group makes one finding of them, their actions move over)"),
                        self.group_picker, self.group_detail, self.group_statement,
                        row(self.merge_group_button),
                        w.HTML("<b>Or pick findings to merge</b> (those shown under 'Ranked findings'; same PA and "
                               "kind; the first one chosen gives the goal)"),
                        self.merge_picker, self.merge_statement, row(self.merge_button), self.merge_status.widget])
        new = w.VBox([row(self.new_kind, self.new_pa, self.new_goal),
                      row(self.new_practices, self.new_instances), self.new_statement,
                      row(self.add_button, self.add_status.widget)])
        plan = w.VBox([self.action_summary, self.actions_table,
                       row(self.action_picker, self.action_status, self.update_action_button,
                           self.plan_status.widget)])
        rollups = w.VBox([w.HTML("<b>Gaps per process area and goal</b>"), self.rollup_table,
                          self.readiness_heading, self.readiness_table])
        tabs = w.Tab([ranking, edit, merge, new, plan, rollups],
                     titles=("Ranked findings", "Finding and its actions", "Group and merge", "Write a finding",
                             "Action plan", "Per goal and PA"))
        self.tabs = tabs
        return w.VBox([row(self.headline, self.sync_button), self.status.widget, tabs])

    # -- reading ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-rate, re-rank and redraw everything (after any change)."""
        self.ratings = evaluate(self.appraisal)
        self.fills = _fills(self.ratings)
        scale = self.ratings.scale if is_assessment(self.ratings) else None
        self.formula.value = (f"<pre style='font-size:90%;line-height:1.3'>{esc(F.score_formula(self.weights, scale))}"
                              "</pre>")
        everything = F.findings_frame(self.appraisal, self.ratings, self.weights, include_closed=True)
        self.frame = everything[everything["status"] == "open"].reset_index(drop=True)
        self.closed = everything[everything["status"] == "dismissed"].reset_index(drop=True)
        self.actions = F.actions_frame(self.appraisal, self.today)
        counts = F.action_summary(self.appraisal, self.today)
        gaps = self.frame[self.frame["kind"] == F.GAP]
        self.headline.value = (
            f"<b>{len(gaps)}</b> open gap findings, <b>{int(gaps['blocks_ml2'].sum())}</b> blocking ML2, "
            f"<b>{int((self.frame['kind'] == F.STRENGTH).sum())}</b> strengths, <b>{len(self.closed)}</b> dismissed "
            f"&nbsp; {_verdict(self.ratings)}")
        self.action_summary.value = (f"Actions: <b>{counts['open']}</b> open, <b>{counts['overdue']}</b> overdue, "
                                     f"<b>{counts['done']}</b> done, <b>{counts['cancelled']}</b> cancelled")
        self._show_findings()
        self._show_groups()
        self._show_actions()
        self._show_rollups()

    def visible(self) -> pd.DataFrame:
        """The findings the filters select, in ranked order."""
        frame = self.closed if self.show.value == "dismissed" else self.frame
        if self.pa_filter.value != ALL:
            frame = frame[frame["pa"] == self.pa_filter.value]
        if self.show.value == "dismissed":
            return frame
        if self.show.value == "strengths":
            return frame[frame["kind"] == F.STRENGTH]
        frame = frame[frame["kind"] == F.GAP]
        return frame[frame["blocks_ml2"]] if self.show.value == "blocking" else frame

    def _show_findings(self) -> None:
        shown = self.visible()
        self.table.value = _table(_titled(shown.head(self.rows)), self.columns(TABLE_COLUMNS),
                                  more=len(shown) - self.rows, fills=self.fills)
        options = [(_label(row), int(row.id)) for row in shown.itertuples()]
        keep = self.finding_picker.value
        self._loading = True
        try:
            self.finding_picker.options = options
            if self.show.value != "dismissed":
                self.merge_picker.options = options
            ids = [value for _, value in options]
            self.finding_picker.value = keep if keep in ids else (ids[0] if ids else None)
        finally:
            self._loading = False
        self._load_selected()

    def selected(self) -> pd.Series | None:
        """The row of the finding chosen under 'Finding and its actions', if any (open or dismissed)."""
        for frame in (self.frame, self.closed):
            match = frame[frame["id"] == self.finding_picker.value]
            if not match.empty:
                return match.iloc[0]
        return None

    def _load_selected(self) -> None:
        if self._loading:
            return
        row = self.selected()
        dismissed = row is not None and row["status"] == "dismissed"
        self.save_button.disabled = self.dismiss_button.disabled = row is None or dismissed
        self.restore_button.disabled = not dismissed
        self.restore_button.layout.display = None if dismissed else "none"
        self.add_action_button.disabled = row is None
        if row is None:
            self.detail.value, self.statement.value = "<i>no finding selected</i>", ""
            self.impact.value = self.effort.value = 0
            self.action_heading.value = "<b>New action</b> <i>(choose a finding first)</i>"
            self.finding_actions.value = ""
            return
        score = "" if pd.isna(row["score"]) else f"priority <b>{row['score']:.1f}</b> (rank {row['rank']}), "
        self.detail.value = (
            ("<b>dismissed</b> (restore it to work on it again); " if dismissed else "")
            + f"{score}{esc(row['pa'])} {esc(row['goal'])} {esc(row['goal_title'])} {badge(row['goal_rating'])}, "
            f"practices {esc(row['practices'] or '-')} (OU {esc(row['ou_characterization'])}), "
            f"{esc(unit_label(row['instances']) or 'no unit')} ({esc(row['instances'] or '-')}) = breadth "
            f"{row['breadth']:.0%}; {esc(row['origin'])}{', edited' if row['edited'] else ''}")
        self.statement.value = row["statement"]
        self.finding_version = self.appraisal.finding(int(row["id"])).version
        self.impact.value = int(row["impact"]) if row["impact_set"] else 0
        self.effort.value = int(row["effort"]) if row["effort_set"] else 0
        self.action_heading.value = (f"<b>New action for finding #{int(row['id'])}</b>: "
                                     f"{esc(row['pa'])} {esc(row['goal'])} {esc(row['practices'] or '')} &ndash; "
                                     f"{esc(finding_title(row))}")
        mine = self.actions[self.actions["finding_id"] == row["id"]]
        self.finding_actions.value = (_table(mine, [c for c in ACTION_TABLE if c[0] not in ("finding", "finding_id")],
                                             overdue=mine["overdue"].tolist())
                                      if len(mine) else "<i>no action for this finding yet</i>")

    def _groups(self) -> list[tuple[tuple[str, str, str], pd.DataFrame]]:
        """Open findings of one PA, goal and kind that could be merged (two or more), largest first."""
        frame = self.frame if self.pa_filter.value == ALL else self.frame[self.frame["pa"] == self.pa_filter.value]
        groups = [(key, part) for key, part in frame.groupby(["pa", "goal", "kind"], sort=False) if len(part) > 1]
        return sorted(groups, key=lambda g: (-len(g[1]), g[0]))

    def _show_groups(self) -> None:
        options = [(f"{pa} {goal} {part.iloc[0]['goal_title']}: {plural(len(part), 'gap' if kind == F.GAP else kind)} "
                    f"({', '.join(f'#{i}' for i in part['id'])})", (pa, goal, kind))
                   for (pa, goal, kind), part in self._groups()]
        keep = self.group_picker.value
        self.group_picker.options = options
        values = [v for _, v in options]
        self.group_picker.value = keep if keep in values else (values[0] if values else None)
        self._load_group()

    def _group_rows(self) -> pd.DataFrame:
        key = self.group_picker.value
        if not key:
            return self.frame.iloc[0:0]
        pa, goal, kind = key
        f = self.frame
        return f[(f["pa"] == pa) & (f["goal"] == goal) & (f["kind"] == kind)]

    def _load_group(self) -> None:
        rows = self._group_rows()
        self.merge_group_button.disabled = len(rows) < 2
        if len(rows) < 2:
            self.group_detail.value = "<i>No goal has two or more open findings of one kind: nothing to group.</i>"
            self.group_statement.value = ""
            return
        self.group_detail.value = _table(_titled(rows), [("id", "finding"), ("practices", "practices"),
                                                         ("score", "priority"), ("title", "finding text")])
        self.group_statement.value = "\n".join(dict.fromkeys(
            line.strip() for text in rows["statement"] for line in str(text).splitlines() if line.strip()))

    def _show_actions(self) -> None:
        self.actions_table.value = _table(self.actions, ACTION_TABLE, overdue=self.actions["overdue"].tolist())
        keep = self.action_picker.value
        options = [(f"#{a.id} (finding #{a.finding_id}) {a.description[:60]} ({STATUS_LABELS.get(a.status, a.status)})",
                    int(a.id)) for a in self.actions.itertuples()]
        self.action_picker.options = options
        ids = [value for _, value in options]
        self.action_picker.value = keep if keep in ids else (ids[0] if ids else None)

    def _show_rollups(self) -> None:
        assert self.ratings is not None
        rollup = F.rollup_frame(self.frame, self.ratings)
        self.rollup_table.value = _table(rollup[(rollup["n_gaps"] > 0) | (rollup["n_strengths"] > 0)],
                                         self.columns(ROLLUP_TABLE), fills=self.fills)
        if is_assessment(self.ratings):
            self.readiness_heading.value = "<b>Per process area</b> (practices on the appraisal's scale)"
            self.readiness_table.value = _table(self.ratings.pas, RISK_READINESS_TABLE)
        else:
            self.readiness_heading.value = ("<b>Readiness per process area</b> (share of practices FI or LI at the "
                                            "OU)")
            self.readiness_table.value = _table(F.readiness_frame(self.ratings), READINESS_TABLE)

    def columns(self, columns: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Table columns with headers fit for the appraisal type (a SCAMPI B/C shows no rating)."""
        if not is_assessment(self.ratings):
            return columns
        return [(key, RISK_HEADERS.get(title, title)) for key, title in columns]

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
            return self.edit_status.error("choose a finding first")
        changes = {"statement": self.statement.value, "impact": self.impact.value or None,
                   "effort": self.effort.value or None}
        self._save_finding(fid, changes, self.finding_version)

    def _save_finding(self, fid: int, changes: dict, base: int | None) -> None:
        """Save an edited finding based on the version shown; a colleague's newer edit is offered."""
        def conflict(exc: ConflictError) -> None:
            theirs = self.appraisal.finding(fid)
            self.edit_status.offer_choice(
                conflict_message(exc, f"finding #{fid}", changes["statement"], theirs.statement),
                lambda: self._save_finding(fid, changes, theirs.version),
                lambda: (self.refresh(), self.edit_status.saved(f"finding #{fid}: kept {exc.changed_by}'s text")))

        if self.edit_status.run(lambda: self.appraisal.update_finding(fid, base_version=base, **changes),
                                on_conflict=conflict):
            self.refresh()
            self.edit_status.saved(f"finding #{fid} saved")

    def dismiss(self) -> None:
        fid = self.finding_picker.value
        if fid is None:
            return self.edit_status.error("choose a finding first")
        if self.edit_status.run(lambda: self.appraisal.update_finding(fid, status="dismissed")):
            self.refresh()
            self.edit_status.offer_undo(f"finding #{fid} dismissed (listed under 'dismissed')",
                                        lambda: self._set_open(fid, "dismissal undone"))

    def restore(self) -> None:
        """Make the chosen dismissed finding open again."""
        fid = self.finding_picker.value
        if fid is not None:
            self._set_open(fid, "restored")

    def _set_open(self, fid: int, verb: str) -> None:
        if self.edit_status.run(lambda: self.appraisal.update_finding(fid, status="open")):
            self.refresh()
            if fid not in self._picker_ids():
                self.show.value = "strengths" if self.appraisal.finding(fid).kind == F.STRENGTH else "gaps"
                self.pa_filter.value = ALL
            self.finding_picker.value = fid
            self.edit_status.saved(f"finding #{fid} {verb}")

    def merge(self) -> None:
        self._merge(list(self.merge_picker.value), self.merge_statement.value)

    def merge_group(self) -> None:
        """Merge every finding of the chosen goal group into one, with the statement shown."""
        self._merge([int(i) for i in self._group_rows()["id"]], self.group_statement.value)

    def _merge(self, ids: list[int], statement: str) -> None:
        new_id: list[int] = []
        if self.merge_status.run(lambda: new_id.append(F.merge_findings(self.appraisal, ids, statement))):
            self.merge_statement.value = ""
            self.refresh()
            if new_id[0] in self._picker_ids():
                self.finding_picker.value = new_id[0]
            self.merge_status.saved(f"findings {', '.join(f'#{i}' for i in ids)} merged into #{new_id[0]}")

    def add(self) -> None:
        new_id: list[int] = []
        if self.add_status.run(lambda: new_id.append(self.appraisal.add_finding(
                self.new_kind.value, self.new_pa.value, self.new_goal.value, self.new_statement.value,
                origin="manual", practices=self.new_practices.value, instances=self.new_instances.value))):
            self.new_statement.value = ""
            self.refresh()
            self.add_status.saved(f"finding #{new_id[0]} added to {self.new_pa.value} {self.new_goal.value}")

    def add_action(self) -> None:
        """Add an improvement action to the finding shown above the form."""
        fid = self.finding_picker.value
        if fid is None:
            return self.action_status_line.error("choose a finding first")
        if self.action_status_line.run(lambda: F.plan_action(self.appraisal, fid, self.action_description.value,
                                                             owner=self.action_owner.value,
                                                             due_date=self.action_due.value)):
            self.action_description.value = self.action_owner.value = ""
            self.action_due.value = None
            self.refresh()
            self.action_status_line.saved(f"action added to finding #{fid}")

    def set_action_status(self) -> None:
        aid = self.action_picker.value
        if aid is None:
            return self.plan_status.error("there is no action yet")
        if self.plan_status.run(lambda: self.appraisal.update_action(aid, status=self.action_status.value)):
            self.refresh()
            self.plan_status.saved(f"action #{aid} is {STATUS_LABELS[self.action_status.value]}")

    def _picker_ids(self) -> list[int]:
        return [value for _, value in self.finding_picker.options]

    # -- text form ----------------------------------------------------------------------------

    def summary(self, top: int = 5) -> str:
        gaps = self.frame[self.frame["kind"] == F.GAP]
        counts = F.action_summary(self.appraisal, self.today)
        lines = [f"Findings: {len(gaps)} open gaps ({int(gaps['blocks_ml2'].sum())} blocking ML2), "
                 f"{int((self.frame['kind'] == F.STRENGTH).sum())} strengths, {len(self.closed)} dismissed; "
                 f"actions: {counts['open']} open, {counts['overdue']} overdue, {counts['done']} done"]
        lines += [f"  #{row.rank:<3} {row.score:5.1f}  {row.pa} {row.goal} {row.practices or '-'}: {finding_title(row)}"
                  for row in gaps.head(top).itertuples()]
        if self.status.text:
            lines.append(f"  ({self.status.text})")
        return "\n".join(lines)


def _titled(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with a 'title' column: each finding's one-line title naming its units."""
    frame = frame.copy()
    frame["title"] = [finding_title(row) for row in frame.itertuples()]
    return frame


def _label(row: Any) -> str:
    rank = f"rank {row.rank}" if not pd.isna(row.rank) else ("dismissed" if row.status == "dismissed" else row.kind)
    return f"#{row.id} ({rank}) {row.pa} {row.goal} {row.practices or '-'}: {finding_title(row, 80)}"


def _fills(ratings: Ratings | Assessment) -> dict[str, str] | None:
    """SCAMPI B/C: the colours of the scale's labels and forecast outcomes (None: the rating colours)."""
    if not is_assessment(ratings):
        return None
    fills = dict(ratings.scale.label_colours)
    if ratings.scale.forecast:
        fills.update({o.label: o.colour for o in ratings.scale.forecast.outcomes})
    return fills


def _verdict(ratings: Ratings | Assessment) -> str:
    """The maturity level badge (SCAMPI A), or what a SCAMPI B/C gives and its readiness forecast."""
    if not is_assessment(ratings):
        return badge(ratings.maturity.headline, ratings.maturity.verdict)
    forecast = f" &middot; readiness forecast: {esc(ratings.forecast_text())}" if ratings.scale.forecast else ""
    return f"<i>{esc(ratings.kind)}</i>{forecast}"


def _table(frame: pd.DataFrame, columns: list[tuple[str, str]], *, more: int = 0,
           overdue: list[bool] | None = None, fills: dict[str, str] | None = None) -> str:
    """An HTML table with readable headers and values, every cell escaped; rating words on their colour;
    overdue rows marked in words and colour."""
    if frame.empty:
        return "<i>nothing to show</i>"
    head = "".join(f"<th style='text-align:left;padding:2px 6px;border-bottom:2px solid #999'>{esc(title)}</th>"
                   for _, title in columns)
    body = []
    for n, row in enumerate(frame.itertuples(index=False)):
        late = bool(overdue and overdue[n])
        cells = "".join(
            f"<td style='{_CELL}{'' if c in WRAPPED else ';white-space:nowrap'}"
            f"{';' + _style(getattr(row, c), fills) if c in COLOURED and _style(getattr(row, c), fills) else ''}"
            f"{';font-weight:600' if late and c == 'days_overdue' else ''}'>{esc(_cell(c, getattr(row, c)))}</td>"
            for c, _ in columns)
        body.append(f"<tr>{cells}</tr>")
    tail = f"<div><i>and {more} more (narrow the filter)</i></div>" if more > 0 else ""
    return f"<table style='border-collapse:collapse;font-size:12px'><tr>{head}</tr>{''.join(body)}</table>{tail}"


def _style(value: Any, fills: dict[str, str] | None) -> str:
    """A coloured cell's CSS: the rating colours, or ``fills`` (a scale's labels) for a SCAMPI B/C."""
    if fills is None:
        return cell_style(value)
    fill = fills.get(str(value))
    return f"background-color:{fill};color:{palette.text_on(fill)}" if fill else ""


def _cell(column: str, value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    if column in ("breadth", "readiness", "on_track_share"):
        return f"{value:.0%}"
    if column == "days_overdue":
        return f"{value} days overdue" if value else ""
    if column == "status":
        return STATUS_LABELS.get(str(value), str(value))
    if column in ("id", "finding_id"):
        return f"#{value}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:.1f}" if isinstance(value, float) else str(value)
