"""The evidence register screen (01c_register): every artifact and affirmation, its reuse and the cells it supports.

Filters (text, kind, process area, stale only, unused only) narrow one table; each row
shows the item's id, kind, title, location, owner or roles, date, reuse count, the stale
marker and, on request, the cells it supports with what it shows there.  An item chosen
below the table can be edited (everywhere it is linked; a colleague's newer edit is
offered, never overwritten) or, when no cell uses it, removed (with undo).  The stale age
(months before the appraisal period) is the appraisal's ``evidence_max_age_months``.
Without a front end the view prints the headline and the items shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import ipywidgets as w

from cmmikit.errors import ConflictError
from cmmikit.store import ARTIFACT_KINDS, Affirmation, Appraisal, Artifact
from cmmikit.ui.common import (StatusLine, View, button, conflict_message, date_text, esc, parse_date,
                               plural, safe_link, show_if, submit_button, text_field)
from cmmikit.ui.evidence import Entry, entry_text, kind_label, stale_marker, stale_text, who_text

ALL = ""
KIND_FILTER = [("all kinds", ALL), ("artifacts (direct and indirect)", "artifact"), ("direct artifacts", "direct"),
               ("indirect artifacts", "indirect"), ("affirmations", "affirmation")]
ROWS_SHOWN = 100
_CELL = "padding:2px 6px;vertical-align:top;border-bottom:1px solid #e5e7eb"
HEADERS = ("id", "kind", "title", "location", "owner or roles", "date", "reuse", "stale", "cells it supports")


def entity(entry: Entry) -> str:
    """artifact or affirmation (what the store's methods are named after)."""
    return "affirmation" if isinstance(entry, Affirmation) else "artifact"


def cells_html(entry: Entry) -> str:
    """The cells an item supports, folded: 'n cells' opens to one line per cell with its statement."""
    if not entry.links:
        return "<i>none</i>"
    lines = "".join(f"<li>{esc(link.pa)} {esc(link.practice)} / {esc(link.instance)}"
                    f"{': ' + esc(link.statement) if link.statement else ''}</li>" for link in entry.links)
    return (f"<details><summary>{esc(plural(entry.reuse, 'cell'))}</summary>"
            f"<ul style='margin:2px 0;padding-left:16px'>{lines}</ul></details>")


def register_table(entries: list[Entry], cutoff: Any, more: int = 0) -> str:
    """The register as an HTML table (every value escaped; web locations as links; stale in words and colour)."""
    if not entries:
        return "<i>no register item matches the filters</i>"
    head = "".join(f"<th style='text-align:left;padding:2px 6px;border-bottom:2px solid #999'>{esc(h)}</th>"
                   for h in HEADERS)
    body = "".join(
        f"<tr><td style='{_CELL};white-space:nowrap'>{esc(e.register_id)}</td>"
        f"<td style='{_CELL};white-space:nowrap'>{esc(kind_label(e))}</td><td style='{_CELL}'>{esc(e.title)}</td>"
        f"<td style='{_CELL}'>{safe_link(e.location)}</td><td style='{_CELL}'>{esc(who_text(e))}</td>"
        f"<td style='{_CELL};white-space:nowrap'>{esc(e.date)}</td><td style='{_CELL}'>{e.reuse}</td>"
        f"<td style='{_CELL}'>{stale_marker(cutoff) if e.stale else ''}</td>"
        f"<td style='{_CELL}'>{cells_html(e)}</td></tr>" for e in entries)
    tail = f"<div><i>and {more} more (narrow the filters)</i></div>" if more > 0 else ""
    return f"<table style='border-collapse:collapse;font-size:12px'><tr>{head}</tr>{body}</table>{tail}"


class RegisterView(View):
    """Filter, read, edit and prune the evidence register; set the age after which evidence is stale."""

    def __init__(self, appraisal: Appraisal, *, pa: str | None = None, search: str = "") -> None:
        self.appraisal = appraisal
        self.entries: list[Entry] = []
        self.total: list[Entry] = []
        self._loading = False
        model = appraisal.model

        self.headline = w.HTML()
        self.search = text_field("", search, placeholder="search title, location, owner, roles, notes, statements",
                                 width="420px", continuous=True, label="search the register")
        self.kind = w.Dropdown(options=KIND_FILTER, value=ALL, description="Kind", layout=w.Layout(width="300px"))
        self.pa = w.Dropdown(options=[("all process areas", ALL)] + [(f"{p} {model.pa(p).name}", p)
                                                                     for p in model.pa_ids],
                             value=pa or ALL, description="Supports", layout=w.Layout(width="360px"))
        self.stale_only = w.Checkbox(description="stale only", indent=False, layout=w.Layout(width="auto"))
        self.unused_only = w.Checkbox(description="unused only (linked to no cell)", indent=False,
                                      layout=w.Layout(width="auto"))
        self.reload_button = button("reload", "refresh", tooltip="read the register again (after changes elsewhere)")
        self.table = w.HTML()

        self.max_age = w.BoundedIntText(min=1, max=600, description="Stale when dated more than (months before the "
                                        "appraisal period)", style={"description_width": "initial"},
                                        layout=w.Layout(width="420px"))
        self.max_age_button = button("set stale age", "clock-o", tooltip="evidence dated longer than this before "
                                                                         "the appraisal period is flagged stale")
        self.age_note = w.HTML()
        self.age_status = StatusLine()

        self.picker = w.Dropdown(description="Item", layout=w.Layout(width="100%"))
        self.detail = w.HTML()
        self.title = text_field("Title", width="60%")
        self.artifact_kind = w.Dropdown(options=list(ARTIFACT_KINDS), description="Artifact kind")
        self.location = text_field("Location or link", width="60%")
        self.who = text_field("Owner", width="40%")
        self.when = w.DatePicker(description="Effective date", style={"description_width": "initial"})
        self.assessor = text_field("Assessor", width="40%")
        self.notes = text_field("Notes", area=True, width="60%")
        self.save_button = submit_button("save item", [self.title, self.location, self.who, self.assessor,
                                                       self.notes], "save")
        self.remove_button = button("remove item", "trash", tooltip="remove this item from the register "
                                                                    "(only when no cell uses it; can be undone)")
        self.edit_status = StatusLine()

        self._filtering = True
        for control in (self.search, self.kind, self.pa, self.stale_only, self.unused_only):
            control.observe(lambda _: self.show() if self._filtering else None, names="value")
        self.reload_button.on_click(lambda _: self.refresh())
        self.max_age_button.on_click(lambda _: self.set_max_age())
        self.picker.observe(lambda _: self._load_selected(), names="value")
        self.save_button.on_click(lambda _: self.save())
        self.remove_button.on_click(lambda _: self.remove())
        row = lambda *items: w.HBox(list(items), layout=w.Layout(align_items="center", flex_flow="row wrap"))
        self.widget = w.VBox([
            row(self.headline, self.reload_button),
            row(self.search, self.kind, self.pa, self.stale_only, self.unused_only),
            self.table,
            w.HTML("<b>Edit a register item</b> (the changes show in every cell it supports)"),
            self.picker, self.detail, self.title, row(self.artifact_kind, self.when), self.location,
            row(self.who, self.assessor), self.notes, row(self.save_button, self.remove_button,
                                                          self.edit_status.widget),
            w.HTML("<b>When evidence is stale</b>"), row(self.max_age, self.max_age_button), self.age_note,
            self.age_status.widget])
        self.refresh()

    # -- reading ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the register and the stale age again and redraw everything."""
        info = self.appraisal.info()
        self.info_version = info.version
        self.cutoff = self.appraisal.stale_before()
        self.max_age.value = info.evidence_max_age_months
        start = f"the appraisal period starts {info.start_date}" if info.start_date else \
            "no start date is set for the appraisal period (00_setup), so today counts"
        self.age_note.value = (f"<small>{esc(info.evidence_max_age_months)} months: {esc(stale_text(self.cutoff))}"
                               f" ({esc(start)})</small>")
        self.total = self.appraisal.register()
        n_art = sum(isinstance(e, Artifact) for e in self.total)
        stale = sum(e.stale for e in self.total)
        unused = sum(not e.links for e in self.total)
        self.headline.value = (f"<b>{len(self.total)}</b> register items ({n_art} artifacts, "
                               f"{len(self.total) - n_art} affirmations): <b>{stale}</b> stale, <b>{unused}</b> "
                               f"unused, <b>{sum(e.reuse for e in self.total)}</b> links to cells")
        self.show()

    def filters(self) -> dict[str, Any]:
        """The filters as :meth:`Appraisal.register` takes them."""
        return {"search": self.search.value.strip() or None, "kind": self.kind.value or None,
                "pa": self.pa.value or None, "stale": True if self.stale_only.value else None,
                "linked": False if self.unused_only.value else None}

    def show(self) -> None:
        """Redraw the table and the item picker for the filters."""
        self.entries = self.appraisal.register(**self.filters())
        self.table.value = register_table(self.entries[:ROWS_SHOWN], self.cutoff, len(self.entries) - ROWS_SHOWN)
        keep = self.picker.value
        options = [(entry_text(e, self.cutoff), (entity(e), e.id)) for e in self.entries[:ROWS_SHOWN]]
        self._loading = True
        try:
            self.picker.options = options
            values = [value for _, value in options]
            self.picker.value = keep if keep in values else (values[0] if values else None)
        finally:
            self._loading = False
        self._load_selected()

    def focus(self, entry: Entry) -> None:
        """Choose ``entry`` under the table; the filters are cleared when they hide it."""
        key = (entity(entry), entry.id)
        if key not in [value for _, value in self.picker.options]:
            self._filtering = False
            try:
                self.search.value, self.kind.value, self.pa.value = "", ALL, ALL
                self.stale_only.value = self.unused_only.value = False
            finally:
                self._filtering = True
            self.show()
        if key in [value for _, value in self.picker.options]:
            self.picker.value = key

    def selected(self) -> Entry | None:
        """The item chosen under the table, as last read."""
        return next((e for e in self.entries if (entity(e), e.id) == self.picker.value), None)

    def _load_selected(self) -> None:
        if self._loading:
            return
        entry = self.selected()
        for control in (self.save_button, self.title, self.location, self.who, self.notes, self.when):
            control.disabled = entry is None
        self.remove_button.disabled = entry is None or bool(entry.links)
        if entry is None:
            self.detail.value = "<i>no item to edit (none matches the filters)</i>"
            self.title.value = self.location.value = self.who.value = self.assessor.value = self.notes.value = ""
            self.when.value = None
            return
        artifact = isinstance(entry, Artifact)
        show_if(self.artifact_kind, artifact)
        show_if(self.assessor, not artifact)
        self.who.description = "Owner" if artifact else "Roles interviewed"
        self.when.description = "Effective date" if artifact else "Held on"
        self.title.value, self.location.value, self.notes.value = entry.title, entry.location, entry.notes
        self.who.value = entry.owner if artifact else entry.roles
        self.assessor.value = "" if artifact else entry.assessor
        if artifact:
            self.artifact_kind.value = entry.kind
        self.when.value = parse_date(entry.date)
        changed = f", last changed by {entry.updated_by}" if entry.updated_by else ""
        self.detail.value = (f"<small>{esc(entry.register_id)} {esc(kind_label(entry))}, version {entry.version}"
                             f"{esc(changed)}{' &middot; ' + stale_marker(self.cutoff) if entry.stale else ''}"
                             f"</small>{cells_html(entry)}"
                             + ("" if entry.links else "<small>no cell uses it: it can be removed</small>"))

    # -- changing -------------------------------------------------------------------------------

    def changes(self) -> dict[str, str]:
        """The fields of the chosen item as edited, where they differ from what was read."""
        entry = self.selected()
        if entry is None:
            return {}
        if isinstance(entry, Artifact):
            typed = {"title": self.title.value, "kind": self.artifact_kind.value, "location": self.location.value,
                     "owner": self.who.value, "effective_date": date_text(self.when.value), "notes": self.notes.value}
        else:
            typed = {"title": self.title.value, "location": self.location.value, "roles": self.who.value,
                     "held_on": date_text(self.when.value), "assessor": self.assessor.value, "notes": self.notes.value}
        return {k: v for k, v in typed.items() if v != getattr(entry, k)}

    def save(self) -> None:
        """Save the chosen item's edits, based on the version shown."""
        entry = self.selected()
        if entry is None:
            return self.edit_status.error("choose an item first")
        changes = self.changes()
        if not changes:
            return self.edit_status.saved(f"{entry.register_id}: nothing changed")
        self._save(entry, changes)

    def _save(self, entry: Entry, changes: dict[str, str]) -> None:
        kind = entity(entry)
        update: Callable[..., Entry] = getattr(self.appraisal, f"update_{kind}")

        def conflict(exc: ConflictError) -> None:
            theirs = getattr(self.appraisal, kind)(entry.id) if exc.current is not None else None
            mine = "; ".join(f"{k} {v!r}" for k, v in changes.items())
            now = "; ".join(f"{k} {getattr(theirs, k)!r}" for k in changes) if theirs is not None else None
            message = conflict_message(exc, entry.register_id, mine, now)
            if theirs is None:
                self.refresh()
                self.edit_status.error(message)
                return
            self.edit_status.offer_choice(message, lambda: self._save(replace(entry, version=theirs.version), changes),
                                          lambda: self._take_theirs(entry))

        if self.edit_status.run(lambda: update(entry.id, base_version=entry.version, **changes), on_conflict=conflict):
            self.refresh()
            self.focus(entry)
            self.edit_status.saved(f"{entry.register_id} saved ({', '.join(changes)})")

    def _take_theirs(self, entry: Entry) -> None:
        self.refresh()
        self.focus(entry)
        self.edit_status.saved(f"{entry.register_id}: kept the other session's values")

    def remove(self) -> None:
        """Remove the chosen item from the register: only when no cell uses it (undo registers it again)."""
        entry = self.selected()
        if entry is None:
            return self.edit_status.error("choose an item first")
        if entry.links:
            return self.edit_status.error(f"{entry.register_id} supports {plural(entry.reuse, 'cell')}: unlink it "
                                          "there first (01_walkthrough, edit evidence)")
        kind = entity(entry)
        if self.edit_status.run(lambda: getattr(self.appraisal, f"remove_{kind}")(entry.id,
                                                                                 base_version=entry.version)):
            self.refresh()
            self.edit_status.offer_undo(f"{entry.register_id} {entry.title!r} removed from the register",
                                        lambda: self._register_again(entry))

    def _register_again(self, entry: Entry) -> None:
        if isinstance(entry, Artifact):
            again = lambda: self.appraisal.add_artifact(
                entry.title, entry.kind, location=entry.location, owner=entry.owner,
                effective_date=entry.effective_date, notes=entry.notes)
        else:
            again = lambda: self.appraisal.add_affirmation(
                entry.title, held_on=entry.held_on, roles=entry.roles, assessor=entry.assessor,
                location=entry.location, notes=entry.notes)
        if self.edit_status.run(again):
            self.refresh()
            self.edit_status.saved(f"{entry.title!r} registered again")

    def set_max_age(self, base_version: int | None = None) -> None:
        """Set how many months before the appraisal period evidence may be dated before it is stale."""
        months = int(self.max_age.value)
        version = self.info_version if base_version is None else base_version

        def conflict(exc: ConflictError) -> None:
            theirs = self.appraisal.info()
            self.age_status.offer_choice(
                conflict_message(exc, "appraisal facts", f"{months} months",
                                 f"{theirs.evidence_max_age_months} months"),
                lambda: (setattr(self.max_age, "value", months), self.set_max_age(theirs.version)),
                lambda: (self.refresh(), self.age_status.saved("kept the other session's appraisal facts")))

        if self.age_status.run(lambda: self.appraisal.update_info(evidence_max_age_months=months,
                                                                  base_version=version), on_conflict=conflict):
            self.refresh()
            self.age_status.saved(f"stale age set to {months} months: {stale_text(self.cutoff)}")

    # -- text form -------------------------------------------------------------------------------

    def summary(self, top: int = 10) -> str:
        stale = sum(e.stale for e in self.total)
        head = (f"Evidence register: {plural(len(self.total), 'item')} ({stale} stale, i.e. dated before "
                f"{self.cutoff.isoformat()}; {sum(not e.links for e in self.total)} unused); "
                f"{len(self.entries)} shown")
        lines = [head]
        lines += [f"  {entry_text(e, self.cutoff)}" for e in self.entries[:top]]
        if len(self.entries) > top:
            lines.append(f"  ... and {len(self.entries) - top} more")
        for status in (self.edit_status, self.age_status):
            if status.text:
                lines.append(f"  ({status.text})")
        return "\n".join(lines)

