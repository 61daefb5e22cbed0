"""The walkthrough screen (01_walkthrough): one process area, practice by practice, every instance.

For each practice the assessor sees the model text and, per sampled instance,
the evidence, the characterization, strengths, weaknesses and notes.  Every
edit goes to the store at once, through one small method per kind of edit
(``InstancePanel.save_record``, ``add_evidence``, ``link_entry``, ``update_evidence``,
``unlink_evidence``).  Evidence lives in the register
(:mod:`cmmikit.store.register`): typing a new item's title searches it and offers the
items found to link (with their reuse and stale marker); "add evidence" links the
item of that title and location, or registers it first.  Stepping reuses the per-instance panels and reads only the
current practice's records and evidence, so it stays fast with many instances.

The characterization buttons, their colours, tooltips and keys follow the appraisal's
scale (:mod:`cmmikit.ui.scale_ui`): FI..NY for SCAMPI A, low / medium / high risk for
SCAMPI B, the team's scale for SCAMPI C.  Keyboard (when the cursor is not in a text
box): right/left arrow = next/previous practice; in an instance panel (e.g. after
clicking one of its buttons) one key per value (SCAMPI A: f, l, p, n, y = FI, LI, PI,
NI, NY) and 0 = blank.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any

import ipywidgets as w

from cmmikit.errors import UnknownEntry
from cmmikit.model import Practice, ProcessArea
from cmmikit.method.risk import risk_warnings
from cmmikit.store import ARTIFACT_KINDS, EVIDENCE_KINDS, Affirmation, Appraisal, Evidence, Instance, PracticeRecord
from cmmikit.ui.common import (WARNING_COLOUR, StatusLine, View, badge, bullet_list, button, close_tree,
                               conflict_message, date_text, esc, grow, is_web, labelled, parse_date, safe_link,
                               show_if, text_field)
from cmmikit.ui.evidence import (Draft, Entry, add_to_cell, entry_html, entry_of, evidence_html, link, reuse_text,
                                 stale_marker)
from cmmikit.ui.front import KeyShortcuts, SubmitButton
from cmmikit.ui.scale_ui import ScaleButtons, button_text, scale_badge

SCOPE_LABELS = {"in_scope": "", "not_applicable": "not applicable", "out_of_scope": "out of scope"}
TEXT_FIELDS = ("strengths", "weaknesses", "notes")
FIELD_LABELS = {"kind": "kind", "description": "description", "location": "location", "who": "who",
                "collected_on": "collected on", "statement": "statement", "characterization": "characterization",
                "strengths": "strengths", "weaknesses": "weaknesses", "notes": "notes"}
DEFAULT_KIND = EVIDENCE_KINDS[0]
WHO_PLACEHOLDER = {"artifact": "owner", "affirmation": "roles interviewed"}
SEARCH_MIN = 2        # characters typed before the register is searched
MATCHES_SHOWN = 6     # register items offered at once
SCREEN_CLASS = "cmmikit-walkthrough"
PANEL_CLASS = "cmmikit-panel-"
HISTORY_SHOWN = 30  # change-log lines shown per cell on request
STEP_KEYS = {"ArrowRight": +1, "ArrowLeft": -1}
KEY_HELP = "Keys (outside text boxes): &rarr; / &larr; next / previous practice; in an instance panel {keys}."


class EvidenceRow:
    """One evidence item of a panel being edited: the register item's kind, title, location, owner or roles,
    date (changed everywhere it is linked), what it shows for this cell (the link's statement), unlink."""

    def __init__(self, panel: "InstancePanel") -> None:
        self.panel = panel
        self.item: Evidence | None = None
        self._loading = False
        self.kind = labelled(w.Dropdown(options=list(EVIDENCE_KINDS), layout=w.Layout(width="120px")),
                             "evidence kind")
        self.description = text_field("", placeholder="description", width="26%", label="evidence description")
        self.location = text_field("", placeholder="location or link", width="18%", label="evidence location")
        self.who = text_field("", placeholder="owner or roles", width="12%", label="evidence from whom")
        self.collected_on = labelled(w.DatePicker(layout=w.Layout(width="150px")), "evidence collected on")
        self.statement = text_field("", placeholder="what it shows here", width="20%",
                                    label="evidence statement for this cell")
        self.info = w.HTML()
        self.link = w.HTML(layout=w.Layout(width="auto"))
        self.unlink_button = button("unlink", "unlink", tooltip="take this item off this cell; it stays in the "
                                                                "register for the other cells (can be undone)")
        for name in ("kind", "description", "location", "who"):
            getattr(self, name).observe(self._edited(name), names="value")
        self.collected_on.observe(self._date_edited, names="value")
        self.statement.observe(self._statement_edited, names="value")
        self.unlink_button.on_click(lambda _: panel.unlink_evidence(self))
        self.widget = w.VBox([
            w.HBox([self.kind, self.description, self.location, self.who, self.collected_on, self.statement,
                    self.unlink_button, self.link], layout=w.Layout(align_items="center")),
            self.info], layout=w.Layout(margin="0 0 4px 0"))

    def load(self, item: Evidence) -> None:
        self.item = item
        self._loading = True
        try:
            self.kind.value = item.kind
            self.description.value = item.description
            self.location.value = item.location
            self.who.value = item.who
            self.collected_on.value = parse_date(item.collected_on)
            self.statement.value = item.statement
            self.link.value = safe_link(item.location, "open \u2197") if is_web(item.location) else ""
            stale = f" {stale_marker(self.panel.view.stale_before)}" if item.stale else ""
            self.info.value = (f"<small>{esc(item.register_id)} {esc(item.kind_label)}: the description, location, "
                               f"who and date are the register item's (changed in every cell it supports); the "
                               f"statement is this cell's</small>{stale}")
        finally:
            self._loading = False

    def _edited(self, field: str) -> Callable[[dict[str, Any]], None]:
        def handler(change: dict[str, Any]) -> None:
            if not self._loading and self.item is not None:
                self.panel.update_evidence(self, field, change["new"])
        return handler

    def _date_edited(self, change: dict[str, Any]) -> None:
        if not self._loading and self.item is not None:
            self.panel.update_evidence(self, "collected_on", date_text(change["new"]))

    def _statement_edited(self, change: dict[str, Any]) -> None:
        if not self._loading and self.item is not None:
            self.panel.update_evidence(self, "statement", change["new"])


class MatchRow:
    """A register item offered while the assessor types: what it is, and a button linking it to the cell."""

    def __init__(self, panel: InstancePanel) -> None:
        self.entry: Entry | None = None
        self.text = w.HTML()
        self.link_button = button("link", "link", tooltip="link this register item to this cell (with the "
                                                          "statement typed, if any) instead of registering it again")
        self.link_button.on_click(lambda _: panel.link_entry(self.entry) if self.entry is not None else None)
        self.widget = w.HBox([self.link_button, self.text], layout=w.Layout(align_items="center"))

    def load(self, entry: Entry, linked_here: bool, cutoff: date) -> None:
        self.entry = entry
        self.text.value = entry_html(entry, cutoff) + (" &middot; <b>linked here</b>" if linked_here else "")
        self.link_button.disabled = linked_here
        self.link_button.description = "linked" if linked_here else "link"


class InstancePanel:
    """Everything recorded for the current practice in one instance; reused from practice to practice."""

    def __init__(self, view: "WalkthroughView", index: int) -> None:
        self.view = view
        self.instance: Instance | None = None
        self.record = PracticeRecord("", "", "")
        self.items: list[Evidence] = []
        self.warnings: list[str] = []
        self._loading = False
        self.title = w.HTML()
        self.characterization = view.buttons.toggle()
        self.characterization.add_class("cmmikit-sr")
        self.warning = w.HTML()
        self.strengths = text_field("Strengths", area=True, width="33%")
        self.weaknesses = text_field("Weaknesses", area=True, width="33%")
        self.notes = text_field("Notes", area=True, width="33%")
        # evidence is shown as one HTML table (one widget update per step); the editable rows replace it
        # only while "edit evidence" is on, so stepping stays cheap with many instances
        self.evidence_list = w.HTML()
        self.edit_evidence = w.ToggleButton(description="edit evidence", icon="pencil", value=False,
                                            tooltip="change the evidence items, what they show here, or unlink them",
                                            layout=w.Layout(width="auto", min_width="max-content"))
        self.rows: list[EvidenceRow] = []
        self.evidence_box = w.VBox(layout=w.Layout(display="none"))
        # new evidence: typing searches the register (matches offered to link); "add evidence" links the item
        # of that title and location, or registers it and links it
        self.new_kind = labelled(w.Dropdown(options=list(EVIDENCE_KINDS), value=DEFAULT_KIND,
                                            layout=w.Layout(width="120px")), "new evidence kind")
        self.new_artifact_kind = labelled(w.Dropdown(options=list(ARTIFACT_KINDS), value=ARTIFACT_KINDS[0],
                                                     layout=w.Layout(width="100px")),
                                          "new artifact: direct or indirect")
        self.new_description = text_field("", placeholder="new evidence: description", width="30%", continuous=True)
        self.new_location = text_field("", placeholder="location or link", width="20%", continuous=True,
                                       label="new evidence location or link")
        self.new_who = text_field("", placeholder=WHO_PLACEHOLDER["artifact"], width="14%", continuous=True,
                                  label="new evidence from whom")
        self.new_collected_on = labelled(w.DatePicker(layout=w.Layout(width="150px")), "new evidence collected on")
        self.new_assessor = text_field("", placeholder="assessor", width="14%", continuous=True,
                                       label="new affirmation: assessor")
        self.new_notes = text_field("", placeholder="notes on the item", width="26%", continuous=True,
                                    label="new evidence notes")
        self.new_statement = text_field("", placeholder="what it shows for this practice here (optional)",
                                        width="36%", continuous=True, label="new evidence statement for this cell")
        self.add_evidence_button = SubmitButton("add evidence", [self.new_description, self.new_location,
                                                                 self.new_who, self.new_assessor, self.new_notes,
                                                                 self.new_statement], icon="plus",
                                                tooltip="link the register item of this title and location, or "
                                                        "register it and link it")
        self.matches: list[MatchRow] = []
        self.matches_note = w.HTML()
        self.matches_box = w.VBox(layout=w.Layout(display="none"))
        for field in (self.new_description, self.new_location, self.new_who):
            field.observe(lambda _: self._typed(), names="value")
        self.new_kind.observe(lambda _: self._show_kind_fields(), names="value")
        self.status = StatusLine()
        self.last_change = w.HTML()
        self.history_button = w.ToggleButton(description="history", icon="history", value=False,
                                             tooltip="who changed this cell, when, from what to what",
                                             layout=w.Layout(width="auto", min_width="max-content"))
        self.history = w.HTML()
        self.history_button.observe(lambda _: self.show_history(), names="value")
        self.inherited = w.HTML()
        self.confirm_button = button("confirm", "check-circle",
                                     tooltip="re-assessed: the characterization inherited from the baseline still holds")
        self.confirm_button.on_click(lambda _: self.confirm())

        self.characterization.observe(self._characterization_changed, names="value")
        for name in TEXT_FIELDS:
            getattr(self, name).observe(self._text_changed(name), names="value")
        self.add_evidence_button.on_click(lambda _: self.add_evidence())
        self.edit_evidence.observe(self._edit_toggled, names="value")
        self._show_kind_fields()
        self.widget = w.VBox([
            w.HBox([self.title, self.characterization, self.warning, self.inherited, self.confirm_button,
                    self.last_change, self.history_button],
                   layout=w.Layout(align_items="center")),
            self.history,
            # the form above the list: an item added grows the list below it, so "add evidence" stays where
            # it is for the next click (a button that moves while the pointer is on its way misses the click)
            w.HBox([self.new_kind, self.new_artifact_kind, self.new_description, self.new_location, self.new_who,
                    self.new_collected_on], layout=w.Layout(align_items="center")),
            w.HBox([self.new_assessor, self.new_notes, self.new_statement, self.add_evidence_button,
                    self.edit_evidence], layout=w.Layout(align_items="center")),
            self.matches_box,
            self.evidence_list, self.evidence_box,
            w.HBox([self.strengths, self.weaknesses, self.notes]),
            self.status.widget,
        ], layout=w.Layout(border="1px solid #d0d7de", padding="4px 8px", margin="4px 0"))
        self.widget.add_class(f"{PANEL_CLASS}{index}")

    # -- loading (no store writes while values are set programmatically)

    def load(self, instance: Instance, record: PracticeRecord, items: list[Evidence], draft: Draft | None,
             last_change: Any = None) -> None:
        if self.instance is None or self.instance.name != instance.name:
            kind = "support function" if instance.kind == "support_function" else "basic unit"
            self.title.value = f"<b>{esc(instance.name)}</b> <small>({kind})</small>"
            self.characterization.description = f"characterization of {instance.name}"
        self.instance, self.record, self.items = instance, record, items
        self._loading = True
        try:
            self.view.buttons.apply(self.characterization, [record.characterization or ""])
            self.characterization.value = record.characterization or ""
            for name in TEXT_FIELDS:
                area = getattr(self, name)
                area.value = getattr(record, name)
                grow(area, area.value)
            self._set_draft(draft or Draft(DEFAULT_KIND, "", "", "", None))
            self.edit_evidence.value = False
            self.history_button.value = False
            self.status.clear()
        finally:
            self._loading = False
        self._show_evidence()
        self._show_warnings()
        self._show_last_change(last_change)
        self._show_inherited()
        self.search()

    def _show_inherited(self) -> None:
        """A follow-up's characterization copied from the baseline is marked until someone re-assesses it."""
        inherited = bool(self.record.inherited)
        self.inherited.value = "<small><b>inherited from the baseline</b></small>" if inherited else ""
        show_if(self.confirm_button, inherited)

    def confirm(self) -> None:
        """Mark the inherited characterization as re-assessed without changing it."""
        if self.status.run(lambda: self.view.appraisal.confirm_record(*self._key(), base_version=self.record.version),
                           done="re-assessed: the inherited characterization stands"):
            self.record = self.view.appraisal.record(*self._key())
            self._show_inherited()
            self._show_last_change()

    def draft(self) -> Draft:
        """The new-evidence fields as they stand."""
        return Draft(self.new_kind.value, self.new_description.value, self.new_location.value, self.new_who.value,
                     self.new_collected_on.value, self.new_artifact_kind.value, self.new_assessor.value,
                     self.new_notes.value, self.new_statement.value)

    def _set_draft(self, draft: Draft) -> None:
        for name, value in (("kind", draft.kind), ("artifact_kind", draft.artifact_kind),
                            ("description", draft.description), ("location", draft.location), ("who", draft.who),
                            ("collected_on", draft.collected_on), ("assessor", draft.assessor),
                            ("notes", draft.notes), ("statement", draft.statement)):
            widget = getattr(self, f"new_{name}")
            if widget.value != value:
                widget.value = value

    def _show_kind_fields(self) -> None:
        """An artifact is direct or indirect and has an owner; an affirmation has the roles and an assessor."""
        kind = self.new_kind.value
        show_if(self.new_artifact_kind, kind == "artifact")
        show_if(self.new_assessor, kind == "affirmation")
        if self.new_who.placeholder != WHO_PLACEHOLDER[kind]:
            self.new_who.placeholder = WHO_PLACEHOLDER[kind]

    # -- the register, searched as the assessor types

    def _typed(self) -> None:
        if not self._loading:
            self.search()

    def search(self) -> list[Entry]:
        """Offer the register items matching what is typed (title, else location, else owner or roles)."""
        text = self.draft().search_text
        found = self.view.appraisal.register(search=text) if len(text) >= SEARCH_MIN else []
        if not found:
            show_if(self.matches_box, False)
            return found
        here = {(e.kind == "affirmation", e.item_id) for e in self.items}
        words = text.casefold()
        found.sort(key=lambda e: ((isinstance(e, Affirmation), e.id) in here, not e.title.casefold().startswith(words),
                                  -e.reuse, e.title.casefold()))
        shown = found[:MATCHES_SHOWN]
        while len(self.matches) < len(shown):
            self.matches.append(MatchRow(self))
        for row, entry in zip(self.matches, shown):
            row.load(entry, (isinstance(entry, Affirmation), entry.id) in here, self.view.stale_before)
        more = len(found) - len(shown)
        self.matches_note.value = (f"<small>In the register ({len(found)} matching '{esc(text)}'): link one "
                                   f"instead of registering it again"
                                   f"{f'; {more} more, type more to narrow' if more > 0 else ''}</small>")
        children = (self.matches_note, *(row.widget for row in self.matches[:len(shown)]))
        if self.matches_box.children != children:
            self.matches_box.children = children
        show_if(self.matches_box, True)
        return found

    def link_entry(self, entry: Entry) -> None:
        """Link a register item offered by the search to this cell, with the statement typed (if any)."""
        kind = "affirmation" if isinstance(entry, Affirmation) else "artifact"
        statement = self.new_statement.value.strip() or None
        if self.status.run(lambda: link(self.view.appraisal, kind, entry.id, *self._key(), statement)):
            self.clear_draft()
            self._reload_evidence()
            fresh = entry_of(self.view.appraisal, kind, entry.id)
            self.status.saved(f"linked {fresh.register_id} {fresh.title!r} ({reuse_text(fresh)})")

    def _show_evidence(self) -> None:
        editing = self.edit_evidence.value
        self.evidence_list.value = "" if editing and self.items else evidence_html(self.items, self.view.stale_before)
        if editing:
            self._load_rows()

    def _load_rows(self) -> None:
        while len(self.rows) < len(self.items):
            self.rows.append(EvidenceRow(self))
        for row, item in zip(self.rows, self.items):
            row.load(item)
        children = tuple(row.widget for row in self.rows[:len(self.items)])
        if self.evidence_box.children != children:
            self.evidence_box.children = children

    def _edit_toggled(self, change: dict[str, Any]) -> None:
        show_if(self.evidence_box, change["new"])
        self._show_evidence()

    def _show_warnings(self) -> None:
        self.warnings = risk_warnings(self.view.scale, self.record.characterization, self.record.weaknesses,
                                      *self.counts())
        self.warning.value = "".join(f'<div style="color:{WARNING_COLOUR}">&#9888; {esc(t)}</div>'
                                     for t in self.warnings)

    def counts(self) -> tuple[int, int]:
        n_art = sum(e.kind == "artifact" for e in self.items)
        return n_art, len(self.items) - n_art

    # -- handlers: each one store call, then refresh what it affects

    def _key(self) -> tuple[str, str, str]:
        assert self.instance is not None
        return self.view.pa.id, self.view.practice.id, self.instance.name

    def save_record(self, field: str, value: str | None) -> None:
        """Save one field of this cell's practice record (characterization, strengths, weaknesses, notes),
        based on the version shown: a colleague's newer change is offered, never overwritten."""
        def action() -> None:
            self.record = self.view.appraisal.update_record(*self._key(), base_version=self.record.version,
                                                            **{field: value})
        shown = (button_text(self.view.scale, value) if value else "blank") if field == "characterization" else FIELD_LABELS[field]
        if self.status.run(action, done=f"{shown} saved",
                           on_conflict=lambda exc: self._record_conflict(field, value, exc)):
            self._show_warnings()
            self._show_last_change()
            self._show_inherited()
            if field == "characterization":
                self.view.characterization_changed()
        elif field == "characterization":
            self._show_field("characterization")  # never show a value as set that was not stored
            if not self.status.conflict_open and self.view.use_scale():   # switched elsewhere meanwhile
                self.view.reload()
                self.view.status.error(f"{shown} was not saved: the appraisal is now on the scale "
                                       f"{self.view.scale.summary()}; the buttons show it")

    def _show_field(self, field: str) -> None:
        self._loading = True
        try:
            widget = getattr(self, field)
            widget.value = getattr(self.record, field) or ""
        finally:
            self._loading = False

    def _record_conflict(self, field: str, mine: str | None, exc: Any) -> None:
        """Someone saved this cell first: show both values; keep mine saves again on top of theirs."""
        self.record = self.view.appraisal.record(*self._key())
        theirs = getattr(self.record, field)
        label = "characterization" if field == "characterization" else FIELD_LABELS[field]

        def take_theirs() -> None:
            self._show_field(field)
            self._show_warnings()
            self._show_last_change()
            self.status.saved(f"kept {self.record.updated_by or 'their'} {label}")
            if field == "characterization":
                self.view.characterization_changed()

        def keep_mine() -> None:
            self.save_record(field, mine)
            if self.status.ok:
                self._show_field(field)

        if field == "characterization":
            self._show_field("characterization")  # the stored value, until mine is chosen again
        self.status.offer_choice(conflict_message(exc, label, mine, theirs), keep_mine, take_theirs)

    def _show_last_change(self, change: Any = None) -> None:
        """'last change: LI by ravi, 10:42' from the record (or the newest change-log line given)."""
        rec = self.record
        if change is not None:
            who, when, what = change.user, change.at, change.field
        elif rec.version:
            who, when, what = rec.updated_by, rec.updated_at, "record"
        else:
            self.last_change.value = ""
            return
        self.last_change.value = (f"<small>last change: {esc(what)} by {esc(who or '?')}, "
                                  f"{esc(when.replace('T', ' ')[:16])} UTC</small>")

    def show_history(self) -> None:
        """The cell's change log (newest first), shown on request under the panel."""
        if not self.history_button.value:
            self.history.value = ""
            return
        pa, practice, instance = self._key()
        changes = self.view.appraisal.history(pa=pa, practice=practice, instance=instance)[-HISTORY_SHOWN:]
        rows = "".join(f"<tr><td>{esc(c.at.replace('T', ' ')[:16])}</td><td>{esc(c.user)}</td>"
                       f"<td>{esc(c.field)}</td><td>{esc(c.old if c.old is not None else '')}</td>"
                       f"<td>{esc(c.new if c.new is not None else '')}</td></tr>" for c in reversed(changes))
        self.history.value = ("<table class='cmmikit-history'><tr><th>when (UTC)</th><th>who</th><th>what</th>"
                              f"<th>was</th><th>became</th></tr>{rows}</table>" if rows else
                              "<small>no changes recorded for this cell yet</small>")

    def _characterization_changed(self, change: dict[str, Any]) -> None:
        if not self._loading and (change["new"] or None) != self.record.characterization:
            self.save_record("characterization", change["new"] or None)

    def _text_changed(self, field: str) -> Callable[[dict[str, Any]], None]:
        def handler(change: dict[str, Any]) -> None:
            grow(getattr(self, field), change["new"])
            if not self._loading and change["new"] != getattr(self.record, field):
                self.save_record(field, change["new"])
        return handler

    def add_evidence(self) -> None:
        """Link the register item with the typed title and location, or register it and link it; then clear the
        form (the kind goes back to artifact)."""
        pa, practice, instance = self._key()
        draft = self.draft()
        added: list[Any] = []
        # the fields are cleared before the message: whoever waits for it may type the next item at once
        if self.status.run(lambda: added.append(add_to_cell(self.view.appraisal, pa, practice, instance, draft))):
            self.clear_draft()
            self._reload_evidence()
            entry = added[0].entry
            reused = f" (registered already as {entry.register_id}: linked, {reuse_text(entry)})" if added[0].reused \
                else f" (registered as {entry.register_id})"
            self.status.saved(f"{draft.kind} added: {draft.description.strip()}{reused}")

    def clear_draft(self) -> None:
        """Empty the new-evidence fields (the kind goes back to artifact) and the register matches."""
        self._set_draft(Draft(DEFAULT_KIND, "", "", "", None))
        show_if(self.matches_box, False)

    def unlink_evidence(self, row: EvidenceRow, base_version: int | None = None) -> None:
        """Take an item off this cell (it stays in the register); undo links it again."""
        item = row.item
        if item is None:
            return
        version = item.link_version if base_version is None else base_version

        def conflict(exc: Any) -> None:
            self._reload_evidence()
            fresh = next((e for e in self.items if e.id == item.id), None)
            message = conflict_message(exc, "evidence statement", "(unlinked)", fresh.statement if fresh else None)
            if fresh is None:
                self.status.error(message)
                return
            self.status.offer_choice(message.replace("(not saved yet)", "(still linked)"),
                                     lambda: self.unlink_evidence(row, fresh.link_version),
                                     lambda: self.status.saved("kept the item linked, with their statement"))

        if not self.status.run(lambda: self.view.appraisal.unlink(item.id, base_version=version),
                               on_conflict=conflict):
            return
        self._reload_evidence()
        try:
            reuse = reuse_text(entry_of(self.view.appraisal, item.kind, item.item_id))
        except UnknownEntry:
            reuse = "removed from the register meanwhile"
        self.status.offer_undo(f"{item.kind} unlinked: {item.description} (kept in the register as "
                               f"{item.register_id}, {reuse})", lambda: self.restore_evidence(item))

    def restore_evidence(self, item: Evidence) -> None:
        """Undo an unlink: the register item is linked to its cell again with the same statement."""
        restored = self.status.run(lambda: link(self.view.appraisal, item.kind, item.item_id, item.pa,
                                                item.practice, item.instance, item.statement or None),
                                   done=f"{item.kind} restored: {item.description}")
        if restored and self.instance is not None and self._key() == (item.pa, item.practice, item.instance):
            self._reload_evidence()

    def update_evidence(self, row: EvidenceRow, field: str, value: str, base_version: int | None = None) -> None:
        """Save one field of an evidence item: its register item's (everywhere it is linked), or ``statement``,
        what it shows for this cell (its link's).  A newer value is offered; a refused one shows what is stored."""
        assert row.item is not None
        item = row.item
        on_link = field == "statement"

        def version_of(evidence: Evidence) -> int:
            return evidence.link_version if on_link else evidence.version

        version = version_of(item) if base_version is None else base_version
        label = f"evidence {FIELD_LABELS[field]}"

        def save() -> None:
            if on_link:
                self.view.appraisal.update_link(item.id, statement=value, base_version=version)
            else:
                self.view.appraisal.update_evidence(item.id, base_version=version, **{field: value})

        def conflict(exc: Any) -> None:
            self._reload_evidence()
            fresh = next((e for e in self.items if e.id == item.id), None)
            message = conflict_message(exc, label, value, getattr(fresh, field) if fresh is not None else None)
            if fresh is None:
                self.status.error(message)
                return
            self.status.offer_choice(message, lambda: self.update_evidence(row, field, value, version_of(fresh)),
                                     lambda: self.status.saved("kept the other session's evidence"))

        if self.status.run(save, done=f"{label} saved", on_conflict=conflict):
            self._reload_evidence()
        elif not self.status.conflict_open:
            row.load(row.item)  # show what is stored, not the refused edit

    def _reload_evidence(self) -> None:
        self.items = self.view.appraisal.evidence(*self._key())
        self._show_evidence()
        self._show_warnings()

    def summary(self) -> str:
        n_art, n_aff = self.counts()
        name = self.instance.name if self.instance else "?"
        stale = sum(e.stale for e in self.items)
        value = self.record.characterization
        value = button_text(self.view.scale, value) if value else "blank"
        line = (f"  {name}: {value} ({n_art} artifact(s), {n_aff} affirmation(s)"
                f"{f', {stale} stale' if stale else ''})")
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
        self.drafts: dict[tuple[str, str, str], Draft] = {}   # evidence typed but not added, by cell
        self.stale_before: date = appraisal.stale_before()    # evidence dated before it is stale
        self._loading = False
        self.scale = appraisal.scale
        self.buttons = ScaleButtons.of(self.scale)
        self.scale_style = w.HTML(self.buttons.css())
        self.key_help = w.HTML()

        self.pa_dropdown = w.Dropdown(description="Process area", options=self._pa_options(), value=pa,
                                      style={"description_width": "initial"}, layout=w.Layout(width="380px"))
        self.practice_dropdown = w.Dropdown(description="Practice", style={"description_width": "initial"},
                                            layout=w.Layout(width="420px"))
        self.previous_button = button("previous", "arrow-left", tooltip="previous practice (key \u2190)")
        self.next_button = button("next", "arrow-right", tooltip="next practice (key \u2192)")
        # the same two steps again under the last instance panel, so a long page needs no scrolling back
        self.bottom_previous_button = button("previous", "arrow-left", tooltip="previous practice (key \u2190)")
        self.bottom_next_button = button("next", "arrow-right", tooltip="next practice (key \u2192)")
        self.reload_button = button("reload", "refresh",
                                    tooltip="read the file again (after changes in 00_setup or another notebook)")
        self.progress = w.HTML()
        self.progress_bar = labelled(w.IntProgress(min=0, max=1, layout=w.Layout(width="160px")),
                                     "practices characterized")
        self.keys = KeyShortcuts(self._shortcuts(), SCREEN_CLASS)
        self.keys.on_key(self.key_pressed)
        self.drafts_note = w.HTML()
        self.pa_note = w.HTML()
        self.practice_info = w.HTML()
        self.aggregate = w.HTML()
        self.instances_box = w.VBox()
        self.status = StatusLine()

        self.pa_dropdown.observe(self._pa_changed, names="value")
        self.practice_dropdown.observe(self._practice_changed, names="value")
        for step_button, delta in ((self.next_button, +1), (self.bottom_next_button, +1), (self.previous_button, -1),
                              (self.bottom_previous_button, -1)):
            step_button.on_click(lambda _, delta=delta: self.step(delta))
        self.reload_button.on_click(lambda _: self.reload())
        self.widget = w.VBox([
            w.HBox([self.pa_dropdown, self.practice_dropdown, self.previous_button, self.next_button,
                    self.reload_button]),
            w.HBox([self.progress_bar, self.progress]),
            self.pa_note, self.practice_info, self.aggregate, self.drafts_note, self.instances_box,
            w.HBox([self.bottom_previous_button, self.bottom_next_button, self.status.widget],
                   layout=w.Layout(align_items="center")),
            self.key_help, self.keys, self.scale_style,
        ])
        self.widget.add_class(SCREEN_CLASS)
        self._show_key_help()
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
            self.panels.append(InstancePanel(self, len(self.panels)))
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
        """Re-read scope, instances, the scale and records, staying on the current practice."""
        self.use_scale()
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
        kept = self._stash_drafts()
        self.practice = self.pa.practice(practice)
        self.stale_before = self.appraisal.stale_before()
        pa_id, p_id = self.pa.id, self.practice.id
        by_instance: dict[str, list[Evidence]] = defaultdict(list)
        for item in self.appraisal.evidence(pa=pa_id, practice=p_id):
            by_instance[item.instance].append(item)
        # one read for the PA's records (cheaper than one per instance, and as fresh)
        stored = {r.instance: r for r in self.appraisal.records(pa_id) if r.practice == p_id}
        last = self.appraisal.last_changes(pa_id, p_id)
        for panel, instance in zip(self.panels, self.sampled):
            record = stored.get(instance.name) or PracticeRecord(pa_id, p_id, instance.name)
            draft = self.drafts.pop((pa_id, p_id, instance.name), None)
            panel.load(instance, record, by_instance[instance.name], draft, last.get(instance.name))
        self._show_drafts(kept)
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

    def go_to(self, pa: str, practice: str, instance: str | None = None) -> None:
        """Show ``practice`` of ``pa`` with the panel of ``instance`` (if sampled) first (e.g. from the grid)."""
        if pa != self.pa.id:
            self.show_pa(pa, practice)
        else:
            self.show_practice(practice)
        shown = self.panels[:len(self.sampled)]
        first = [p for p in shown if p.instance is not None and p.instance.name == instance]
        self.instances_box.children = tuple(p.widget for p in first + [p for p in shown if p not in first])

    def _stash_drafts(self) -> list[tuple[str, str, str]]:
        """Keep the new-evidence fields of every panel that has some typed (they are not evidence yet)."""
        kept = []
        for panel in self.panels:
            if panel.instance is None or not panel.record.pa:
                continue
            draft = panel.draft()
            if not draft.empty:
                key = (panel.record.pa, panel.record.practice, panel.instance.name)
                self.drafts[key] = draft
                kept.append(key)
                panel.clear_draft()
        return kept

    def _show_drafts(self, stashed: list[tuple[str, str, str]]) -> None:
        kept = [f"{instance} at {pa} {practice}" for pa, practice, instance in stashed if (pa, practice, instance)
                in self.drafts]
        if kept:
            self.status.saved(f"evidence typed but not added was kept as a draft ({'; '.join(kept)}): "
                              "go back to add it")
        waiting = sorted({f"{pa} {practice} ({instance})" for pa, practice, instance in self.drafts})
        self.drafts_note.value = (f"<div style='color:{WARNING_COLOUR}'>&#9998; Evidence drafts not added yet: "
                                  f"{esc(', '.join(waiting))}</div>" if waiting else "")

    # -- the scale: buttons, keys and their help

    def use_scale(self) -> bool:
        """Follow the appraisal's scale (another session or 00_setup may have switched it); True if it changed."""
        scale = self.appraisal.scale
        if scale == self.scale:
            return False
        self.scale, self.buttons = scale, ScaleButtons.of(scale)
        self.scale_style.value = self.buttons.css()
        self.keys.shortcuts = self._shortcuts()
        self._show_key_help()
        return True

    def _shortcuts(self) -> list[str]:
        keys = list(self.buttons.keys)
        return [*STEP_KEYS, *keys, *(k.upper() for k in keys if k.isalpha())]

    def _show_key_help(self) -> None:
        self.key_help.value = f"<small>{KEY_HELP.format(keys=esc(self.buttons.key_help()))}</small>"

    def key_pressed(self, key: str, panel: int) -> None:
        """A keyboard shortcut: step, or set the characterization of the panel that has the focus."""
        keys = self.buttons.keys
        if key in STEP_KEYS:
            self.step(STEP_KEYS[key])
        elif key.lower() in keys:
            if not 0 <= panel < len(self.sampled):
                self.status.error(f"click a button of an instance panel first, then type {', '.join(keys)}")
                return
            self.panels[panel].characterization.value = keys[key.lower()]

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
        agg = self.scale.aggregate(values)
        if self.scale.rule == "scampi-a":
            self.aggregate.value = (f"OU characterization: {badge(agg.label, 'judgment' if agg.options else agg.value)}"
                                    + (" (team judgment needed: record it in 02_ratings)" if agg.options else "")
                                    if agg.label else f"OU characterization: <i>{esc(agg.status)}</i>")
            return
        rule = {"worst": "the worst", "best": "the best"}[self.scale.rule]
        how = (f"<small>({rule} across the instances; the team may record another value in 02_ratings)</small>"
               if self.scale.team_may_decide else f"<small>({rule} across the instances)</small>")
        self.aggregate.value = (f"OU value: {scale_badge(self.scale, agg.value)} {how}" if agg.value
                                else f"OU value: <i>{esc(agg.status)}</i>")

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

    def close(self) -> None:
        """Release the screen, panels not shown at the moment included."""
        super().close()
        for panel in self.panels:
            close_tree(panel.widget)
            for row in panel.rows:
                close_tree(row.widget)

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

