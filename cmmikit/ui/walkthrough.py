"""The walkthrough screen (01_walkthrough): one process area, practice by practice, every instance.

For each practice the assessor sees the model text and, per sampled instance,
the evidence, the characterization, strengths, weaknesses and notes.  Every
edit goes to the store at once.  Stepping reuses the per-instance panels and
reads only the current practice's records and evidence, so it stays fast with
many instances.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from cmmikit.errors import UnknownEntry
from cmmikit.model import Practice, ProcessArea
from cmmikit.rating import aggregate, consistency_warnings
from cmmikit.store import EVIDENCE_KINDS, Appraisal, Evidence, Instance, PracticeRecord
from cmmikit.ui.common import StatusLine, View, badge, bullet_list, esc, safe_link, show_if, text_field

CHARACTERIZATION_CHOICES = [("blank", ""), ("FI", "FI"), ("LI", "LI"), ("PI", "PI"), ("NI", "NI"), ("NY", "NY")]
CHARACTERIZATION_TIPS = ["not characterized yet", "Fully Implemented: adequate evidence, no weaknesses",
                         "Largely Implemented: adequate evidence, one or more weaknesses",
                         "Partially Implemented: some aspects implemented, weaknesses",
                         "Not Implemented: the data do not show the practice", "Not Yet: the unit has not reached it"]
SCOPE_LABELS = {"in_scope": "", "not_applicable": "not applicable", "out_of_scope": "out of scope"}
TEXT_FIELDS = ("strengths", "weaknesses", "notes")


class EvidenceRow:
    """One evidence item of a panel: kind, description, location (link), remove button."""

    def __init__(self, panel: "InstancePanel") -> None:
        self.panel = panel
        self.item: Evidence | None = None
        self._loading = False
        self.kind = w.Dropdown(options=list(EVIDENCE_KINDS), layout=w.Layout(width="120px"))
        self.description = text_field("", placeholder="description", width="40%")
        self.location = text_field("", placeholder="location or link", width="30%")
        self.link = w.HTML(layout=w.Layout(width="auto"))
        self.remove_button = w.Button(description="remove", icon="trash", layout=w.Layout(width="90px"),
                                      tooltip="remove this evidence item")
        for name, widget in (("kind", self.kind), ("description", self.description), ("location", self.location)):
            widget.observe(self._edited(name), names="value")
        self.remove_button.on_click(lambda _: panel.remove_evidence(self))
        self.widget = w.HBox([self.kind, self.description, self.location, self.remove_button, self.link])

    def load(self, item: Evidence) -> None:
        self.item = item
        self._loading = True
        try:
            self.kind.value = item.kind
            self.description.value = item.description
            self.location.value = item.location
            is_web = item.location.lower().startswith(("https://", "http://"))
            self.link.value = safe_link(item.location, "open \u2197") if is_web else ""
        finally:
            self._loading = False

    def _edited(self, field: str) -> Callable[[dict[str, Any]], None]:
        def handler(change: dict[str, Any]) -> None:
            if not self._loading and self.item is not None:
                self.panel.update_evidence(self, field, change["new"])
        return handler


class InstancePanel:
    """Everything recorded for the current practice in one instance; reused from practice to practice."""

    def __init__(self, view: "WalkthroughView") -> None:
        self.view = view
        self.instance: Instance | None = None
        self.record = PracticeRecord("", "", "")
        self.items: list[Evidence] = []
        self.warnings: list[str] = []
        self._loading = False
        self.title = w.HTML()
        self.characterization = w.ToggleButtons(options=CHARACTERIZATION_CHOICES, tooltips=CHARACTERIZATION_TIPS,
                                                style={"button_width": "52px"})
        self.warning = w.HTML()
        self.strengths = text_field("Strengths", area=True, width="33%")
        self.weaknesses = text_field("Weaknesses", area=True, width="33%")
        self.notes = text_field("Notes", area=True, width="33%")
        # evidence is shown as one HTML table (one widget update per step); the editable rows appear
        # only while "edit evidence" is on, so stepping stays cheap with many instances
        self.evidence_list = w.HTML()
        self.edit_evidence = w.ToggleButton(description="edit evidence", icon="pencil", value=False,
                                            layout=w.Layout(width="130px"))
        self.rows: list[EvidenceRow] = []
        self.evidence_box = w.VBox(layout=w.Layout(display="none"))
        self.new_kind = w.Dropdown(options=list(EVIDENCE_KINDS), layout=w.Layout(width="120px"))
        self.new_description = text_field("", placeholder="new evidence: description", width="40%")
        self.new_location = text_field("", placeholder="location or link", width="30%")
        self.add_evidence_button = w.Button(description="add evidence", icon="plus", layout=w.Layout(width="130px"))
        self.status = StatusLine()

        self.characterization.observe(self._characterization_changed, names="value")
        for name in TEXT_FIELDS:
            getattr(self, name).observe(self._text_changed(name), names="value")
        self.add_evidence_button.on_click(lambda _: self.add_evidence())
        self.edit_evidence.observe(self._edit_toggled, names="value")
        self.widget = w.VBox([
            w.HBox([self.title, self.characterization, self.warning]),
            self.evidence_list, self.evidence_box,
            w.HBox([self.new_kind, self.new_description, self.new_location, self.add_evidence_button,
                    self.edit_evidence]),
            w.HBox([self.strengths, self.weaknesses, self.notes]),
            self.status.widget,
        ], layout=w.Layout(border="1px solid #d0d7de", padding="4px 8px", margin="4px 0"))

    # -- loading (no store writes while values are set programmatically)

    def load(self, instance: Instance, record: PracticeRecord, items: list[Evidence]) -> None:
        self.instance, self.record, self.items = instance, record, items
        self._loading = True
        try:
            kind = "support function" if instance.kind == "support_function" else "basic unit"
            self.title.value = f"<b>{esc(instance.name)}</b> <small>({kind})</small>"
            self.characterization.value = record.characterization or ""
            for name in TEXT_FIELDS:
                getattr(self, name).value = getattr(record, name)
            self.new_description.value = ""
            self.new_location.value = ""
            self.edit_evidence.value = False
            self.status.saved("")
        finally:
            self._loading = False
        self._show_evidence()
        self._show_warnings()

    def _show_evidence(self) -> None:
        self.evidence_list.value = self._evidence_html()
        if self.edit_evidence.value:
            self._load_rows()

    def _evidence_html(self) -> str:
        if not self.items:
            return "<small>no evidence recorded yet</small>"
        n_art, n_aff = self.counts()
        rows = "".join(f"<tr><td style='padding:0 8px 0 0'><i>{esc(e.kind)}</i></td>"
                       f"<td style='padding:0 8px 0 0'>{esc(e.description)}</td><td>{safe_link(e.location)}</td></tr>"
                       for e in self.items)
        return (f"<small>evidence: {n_art} artifact(s), {n_aff} affirmation(s)</small>"
                f"<table style='font-size:12px;border-collapse:collapse'>{rows}</table>")

    def _load_rows(self) -> None:
        while len(self.rows) < len(self.items):
            self.rows.append(EvidenceRow(self))
        for row, item in zip(self.rows, self.items):
            row.load(item)
        children = tuple(row.widget for row in self.rows[:len(self.items)])
        if self.evidence_box.children != children:
            self.evidence_box.children = children

    def _edit_toggled(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self._load_rows()
        show_if(self.evidence_box, change["new"])

    def _show_warnings(self) -> None:
        self.warnings = consistency_warnings(self.record.characterization, self.record.weaknesses, *self.counts())
        self.warning.value = "".join(f'<div style="color:#b54708">&#9888; {esc(t)}</div>' for t in self.warnings)

    def counts(self) -> tuple[int, int]:
        n_art = sum(e.kind == "artifact" for e in self.items)
        return n_art, len(self.items) - n_art

    # -- handlers: each one store call, then refresh what it affects

    def _key(self) -> tuple[str, str, str]:
        assert self.instance is not None
        return self.view.pa.id, self.view.practice.id, self.instance.name

    def _save(self, **changes: str | None) -> None:
        def action() -> None:
            self.record = self.view.appraisal.update_record(*self._key(), **changes)
        field = next(iter(changes))
        if self.status.run(action, done=f"saved {field}"):
            self._show_warnings()
            if field == "characterization":
                self.view.characterization_changed()

    def _characterization_changed(self, change: dict[str, Any]) -> None:
        if not self._loading and (change["new"] or None) != self.record.characterization:
            self._save(characterization=change["new"] or None)

    def _text_changed(self, field: str) -> Callable[[dict[str, Any]], None]:
        def handler(change: dict[str, Any]) -> None:
            if not self._loading and change["new"] != getattr(self.record, field):
                self._save(**{field: change["new"]})
        return handler

    def add_evidence(self) -> None:
        pa, practice, instance = self._key()

        def action() -> None:
            self.view.appraisal.add_evidence(pa, practice, instance, self.new_kind.value, self.new_description.value,
                                             location=self.new_location.value)
        if self.status.run(action, done=f"{self.new_kind.value} added"):
            self._reload_evidence()
            self._loading = True
            self.new_description.value = self.new_location.value = ""
            self._loading = False

    def remove_evidence(self, row: EvidenceRow) -> None:
        if row.item is not None and self.status.run(lambda: self.view.appraisal.remove_evidence(row.item.id),
                                                    done=f"{row.item.kind} removed"):
            self._reload_evidence()

    def update_evidence(self, row: EvidenceRow, field: str, value: str) -> None:
        assert row.item is not None
        if self.status.run(lambda: self.view.appraisal.update_evidence(row.item.id, **{field: value}),
                           done=f"evidence {field} saved"):
            self._reload_evidence()
        else:
            row.load(row.item)  # show what is stored, not the refused edit

    def _reload_evidence(self) -> None:
        self.items = self.view.appraisal.evidence(*self._key())
        self._show_evidence()
        self._show_warnings()

    def summary(self) -> str:
        n_art, n_aff = self.counts()
        name = self.instance.name if self.instance else "?"
        line = f"  {name}: {self.record.characterization or 'blank'} ({n_art} artifact(s), {n_aff} affirmation(s))"
        return line + "".join(f"\n    ! {t}" for t in self.warnings)


class WalkthroughView(View):
    """Walk a process area practice by practice (SPs then GPs) with next/previous and progress."""

    def __init__(self, appraisal: Appraisal, pa: str | None = None, practice: str | None = None) -> None:
        self.appraisal = appraisal
        self.model = appraisal.model
        pa = pa or self.model.pa_ids[0]
        if pa not in self.model.process_areas:
            raise UnknownEntry(f"process area {pa!r} is not in model {self.model.id} ({', '.join(self.model.pa_ids)})")
        self.pa: ProcessArea = self.model.pa(pa)
        self.practice: Practice = self.pa.practices[0]
        self.panels: list[InstancePanel] = []
        self.sampled: list[Instance] = []
        self.characterized = 0
        self._loading = False

        self.pa_dropdown = w.Dropdown(description="Process area", options=self._pa_options(), value=pa,
                                      style={"description_width": "initial"}, layout=w.Layout(width="380px"))
        self.practice_dropdown = w.Dropdown(description="Practice", style={"description_width": "initial"},
                                            layout=w.Layout(width="420px"))
        self.previous_button = w.Button(description="previous", icon="arrow-left")
        self.next_button = w.Button(description="next", icon="arrow-right")
        # the same two steps again under the last instance panel, so a long page needs no scrolling back
        self.bottom_previous_button = w.Button(description="previous", icon="arrow-left")
        self.bottom_next_button = w.Button(description="next", icon="arrow-right")
        self.reload_button = w.Button(description="reload", icon="refresh",
                                      tooltip="read the file again (after changes in 00_setup or another notebook)")
        self.progress = w.HTML()
        self.progress_bar = w.IntProgress(min=0, max=1, layout=w.Layout(width="160px"))
        self.pa_note = w.HTML()
        self.practice_info = w.HTML()
        self.aggregate = w.HTML()
        self.instances_box = w.VBox()
        self.status = StatusLine()

        self.pa_dropdown.observe(self._pa_changed, names="value")
        self.practice_dropdown.observe(self._practice_changed, names="value")
        for button, delta in ((self.next_button, +1), (self.bottom_next_button, +1), (self.previous_button, -1),
                              (self.bottom_previous_button, -1)):
            button.on_click(lambda _, delta=delta: self.step(delta))
        self.reload_button.on_click(lambda _: self.reload())
        self.widget = w.VBox([
            w.HBox([self.pa_dropdown, self.practice_dropdown, self.previous_button, self.next_button,
                    self.reload_button]),
            w.HBox([self.progress_bar, self.progress]),
            self.pa_note, self.practice_info, self.aggregate, self.instances_box,
            w.HBox([self.bottom_previous_button, self.bottom_next_button]), self.status.widget,
        ])
        self.show_pa(pa, practice)

    # -- navigation

    def _pa_options(self) -> list[tuple[str, str]]:
        scopes = self.appraisal.scopes()
        options = []
        for area in self.model.process_areas.values():
            note = SCOPE_LABELS[scopes[area.id].scope]
            options.append((f"{area.id} {area.name}" + (f" ({note})" if note else ""), area.id))
        return options

    def show_pa(self, pa: str, practice: str | None = None) -> None:
        """Switch to a process area: assign panels to its sampled instances and show a practice."""
        self.pa = self.model.pa(pa)
        self.sampled = [i for i in self.appraisal.instances() if pa in i.pas]
        while len(self.panels) < len(self.sampled):
            self.panels.append(InstancePanel(self))
        self.instances_box.children = tuple(p.widget for p in self.panels[:len(self.sampled)])
        self._loading = True
        try:
            self.pa_dropdown.value = pa
            self.practice_dropdown.options = [(f"{p.id} {p.title}", p.id) for p in self.pa.practices]
        finally:
            self._loading = False
        self.pa_note.value = self._pa_note()
        self.show_practice(practice or self.pa.practices[0].id)
        self._update_progress()

    def _pa_note(self) -> str:
        scope = self.appraisal.scopes()[self.pa.id]
        team = [a.name for a in self.appraisal.assessors() if self.pa.id in a.pas]
        parts = [f"<b>{esc(self.pa.id)} {esc(self.pa.name)}</b>"]
        if team:
            parts.append(f"assessors: {esc(', '.join(team))}")
        if scope.scope != "in_scope":
            parts.append(f"<i>{esc(SCOPE_LABELS[scope.scope])}" + (f": {esc(scope.reason)}" if scope.reason else "")
                         + "</i>")
        if not self.sampled:
            parts.append("<i>no basic unit or support function is sampled for this process area (see 00_setup)</i>")
        return " &middot; ".join(parts)

    def reload(self) -> None:
        """Re-read scope, instances and records, staying on the current practice."""
        self._loading = True
        try:
            self.pa_dropdown.options = self._pa_options()
        finally:
            self._loading = False
        self.show_pa(self.pa.id, self.practice.id)

    def show_practice(self, practice: str) -> None:
        """Show one practice: model text, then each instance's record and evidence."""
        if practice not in {p.id for p in self.pa.practices}:
            raise UnknownEntry(f"{self.pa.id} has no practice {practice!r}")
        self.practice = self.pa.practice(practice)
        pa_id, p_id = self.pa.id, self.practice.id
        by_instance: dict[str, list[Evidence]] = defaultdict(list)
        for item in self.appraisal.evidence(pa=pa_id, practice=p_id):
            by_instance[item.instance].append(item)
        for panel, instance in zip(self.panels, self.sampled):
            panel.load(instance, self.appraisal.record(pa_id, p_id, instance.name), by_instance[instance.name])
        self._loading = True
        try:
            self.practice_dropdown.value = p_id
        finally:
            self._loading = False
        index = self.index
        self.previous_button.disabled = self.bottom_previous_button.disabled = index == 0
        self.next_button.disabled = self.bottom_next_button.disabled = index == len(self.pa.practices) - 1
        self.practice_info.value = self._practice_html()
        self._update_aggregate()

    @property
    def index(self) -> int:
        return self.pa.practices.index(self.practice)

    def step(self, delta: int) -> None:
        """Move to the next (+1) or previous (-1) practice, staying inside the process area."""
        index = min(max(self.index + delta, 0), len(self.pa.practices) - 1)
        if index != self.index:
            self.show_practice(self.pa.practices[index].id)

    def _pa_changed(self, change: dict[str, Any]) -> None:
        if not self._loading:
            self.show_pa(change["new"])

    def _practice_changed(self, change: dict[str, Any]) -> None:
        if not self._loading and change["new"]:
            self.show_practice(change["new"])

    def _practice_html(self) -> str:
        p = self.practice
        goal = self.pa.goal(p.goal)
        kind = "generic practice" if p.generic else "specific practice"
        return (f"<h3 style='margin:6px 0'>{esc(p.pa)} {esc(p.id)} {esc(p.title)}</h3>"
                f"<div><small>{esc(goal.id)} {esc(goal.title)} &middot; {kind} {self.index + 1} of "
                f"{len(self.pa.practices)}</small></div>"
                f"<p>{esc(p.intent)}</p>"
                f"<details open><summary><b>Example work products</b></summary>{bullet_list(p.work_products)}</details>"
                f"<details open><summary><b>Questions</b></summary>{bullet_list(p.questions)}</details>")

    # -- derived displays

    def characterization_changed(self) -> None:
        self._update_aggregate()
        self._update_progress()

    def _update_aggregate(self) -> None:
        values = [p.record.characterization for p in self.panels[:len(self.sampled)]]
        agg = aggregate(values)
        self.aggregate.value = (f"OU characterization: {badge(agg.label, 'judgment' if agg.options else agg.value)}"
                                + (" (team judgment needed: record it in 02_ratings)" if agg.options else "")
                                if agg.label else f"OU characterization: <i>{esc(agg.status)}</i>")

    def _update_progress(self) -> None:
        """'SD: 7 of 18 practices characterized' (every sampled instance has a value, NY included)."""
        sampled = {i.name for i in self.sampled}
        done: dict[str, set[str]] = defaultdict(set)
        for rec in self.appraisal.records(self.pa.id):
            if rec.characterization and rec.instance in sampled:
                done[rec.practice].add(rec.instance)
        total = len(self.pa.practices)
        self.characterized = sum(bool(sampled) and done[p.id] >= sampled for p in self.pa.practices)
        self.progress.value = f"{esc(self.pa.id)}: {self.characterized} of {total} practices characterized"
        self.progress_bar.max, self.progress_bar.value = total, self.characterized

    # -- lookups and text form

    def panel(self, instance: str) -> InstancePanel:
        """The panel showing ``instance`` (for tests and scripts)."""
        for panel in self.panels[:len(self.sampled)]:
            if panel.instance is not None and panel.instance.name == instance:
                return panel
        raise KeyError(f"{instance!r} is not sampled for {self.pa.id}")

    @property
    def progress_text(self) -> str:
        return f"{self.pa.id}: {self.characterized} of {len(self.pa.practices)} practices characterized"

    def summary(self) -> str:
        p = self.practice
        head = (f"Walkthrough {self.pa.id} {self.pa.name}: {p.id} {p.title} "
                f"({self.index + 1} of {len(self.pa.practices)})\n{self.progress_text}")
        panels = [panel.summary() for panel in self.panels[:len(self.sampled)]]
        return "\n".join([head, *panels]) if panels else head + "\n  (no instance sampled for this process area)"

