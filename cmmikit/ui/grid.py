"""The grid screen (01b_grid): practices x basic units and support functions of one PA (or all), with the OU value.

The state is :class:`cmmikit.method.grid.GridState` (plain Python); this module draws it with
:class:`~cmmikit.ui.grid_front.GridWidget` and wires the controls: the process area, the
filters (uncharacterized, PI/NI, warnings, judgment open, changed since a date, the PAs
assigned to me), keyboard entry (F/L/P/N/Y, Delete/Backspace on the selected cells, saved at
once with each cell's version; a conflict shows both values with *keep mine* / *take theirs*)
and opening a cell in the walkthrough (Enter or double click), on the second tab.
"""

from __future__ import annotations

import html

from collections.abc import Iterable
from datetime import date
from typing import Any

import ipywidgets as w

from cmmikit import palette
from cmmikit.errors import CmmikitError
from cmmikit.method.grid import FILTERS, KEYS, MARKERS, OU, CellConflict, CellKey, EditResult, Filters, GridState, Group
from cmmikit.store import Appraisal
from cmmikit.ui.common import FILLS, StatusLine, View, button, date_text, esc, labelled, plural
from cmmikit.ui.grid_front import GridWidget

ALL = "*"   # the process-area choice "all process areas" (no PA id is "*")
NOT_SAMPLED = "na"
NOBODY = ""
BLANK = "\u2013 blank"
KEY_HELP = ("Click a cell (shift+click or shift+arrows for a rectangle); F L P N Y set FI LI PI NI NY, "
            "Delete or Backspace blank; arrows move; Enter or a double click opens the cell in the walkthrough.")
TAB_GRID, TAB_WALKTHROUGH = 0, 1


def grid_palette() -> dict[str, list[str]]:
    """Fill and text colour per cell kind: the characterizations, 'judgment', and not sampled."""
    colours = {key: [fill, palette.text_on(fill)] for key, fill in palette.CHARACTERIZATION.items()}
    colours["judgment"] = [FILLS["judgment"], palette.text_on(FILLS["judgment"])]
    colours[NOT_SAMPLED] = ["#FFFFFF", "#666666"]
    return colours


def cell_payload(cell: Any) -> list[str]:
    """[label, colour key, marker glyphs, tooltip] of one instance cell."""
    if not cell.sampled:
        return ["", NOT_SAMPLED, "", cell.tip()]
    return [cell.label, cell.value or "", "".join(MARKERS[m][0] for m in cell.markers), cell.tip()]


def ou_payload(state: GridState, row: str) -> list[str]:
    ou = state.ou(row)
    key = "judgment" if ou.judgment_open and ou.label else (ou.value or "")
    return [ou.label, key, "", ou.tip(state.row(row))]


def table_payload(state: GridState, filters: Filters) -> dict[str, Any]:
    """The whole table for the front end: columns, goal headings, practice rows with cells and OU."""
    columns = [{"id": c.name, "label": c.name, "tip": f"{c.name} ({c.kind_label}"
                + (f", {c.subgroup}" if c.subgroup else "") + ")"} for c in state.columns]
    rows: list[dict[str, Any]] = []
    for item in state.visible(filters):
        if isinstance(item, Group):
            rows.append({"kind": "group", "label": item.label})
            continue
        rows.append({"kind": "practice", "id": item.key, "label": item.practice if state.pa else item.key,
                     "title": f"{item.key} {item.title}",
                     "cells": [cell_payload(state.cell(item.key, c.name)) for c in state.columns],
                     "ou": ou_payload(state, item.key)})
    where = state.pa or "all process areas"
    return {"columns": columns, "rows": rows, "label": f"characterizations of {where}",
            "corner": "practice" if state.pa else "PA practice"}


def legend_html() -> str:
    chips = "".join(f"<span style='background:{fill};color:{palette.text_on(fill)};padding:0 5px;margin-right:3px;"
                    f"font-weight:600'>{esc(key or BLANK)}</span>"
                    for key, fill in palette.CHARACTERIZATION.items())
    marks = " &middot; ".join(f"<b>{esc(glyph)}</b> {esc(words)}" for glyph, words in MARKERS.values())
    return f"<div style='font-size:12px'>{chips} &nbsp; {marks}<br><small>{esc(KEY_HELP)}</small></div>"


class GridView(View):
    """Practice x instance grid of one process area (``pa``: its id, '' for the model's first, ``None`` for all)
    with filters and keyboard entry."""

    def __new__(cls, appraisal: Appraisal, *args: Any, **kwargs: Any) -> Any:
        if cls is GridView and appraisal.scale.rule != "scampi-a":
            return GridOnOtherScale(appraisal)
        return super().__new__(cls)

    def __init__(self, appraisal: Appraisal, pa: str | None = "", *, since: str = "", me: str | None = None) -> None:
        self.appraisal = appraisal
        self.model = appraisal.model
        pa = self.model.pa_ids[0] if pa == "" else pa
        self.state = GridState(appraisal, pa, since=since, me=me)
        pa = pa or ALL
        self.filters = Filters()
        self.conflicts: list[CellConflict] = []
        self.walkthrough: Any = None
        self._loading = False

        self.pa_dropdown = w.Dropdown(description="Process area", options=self._pa_options(), value=pa,
                                      style={"description_width": "initial"}, layout=w.Layout(width="360px"))
        self.filter_boxes = {name: w.Checkbox(description=label, value=False, indent=False,
                                              layout=w.Layout(width="auto"))
                             for name, label in FILTERS.items()}
        self.since_picker = labelled(w.DatePicker(value=_day(since), layout=w.Layout(width="150px")),
                                     "changed since date")
        self.me_dropdown = w.Dropdown(description="I am", options=self._team_options(),
                                      value=self.state.me.name if self.state.me else NOBODY,
                                      style={"description_width": "initial"}, layout=w.Layout(width="240px"))
        self.reload_button = button("reload", "refresh", tooltip="read the appraisal again (edits made elsewhere)")
        self.counts = w.HTML()
        self.grid = GridWidget(grid_palette())
        self.status = StatusLine()
        self.legend = w.HTML(legend_html())
        self.walkthrough_box = w.VBox([w.HTML("<i>Open a cell (Enter or double click) to see it here.</i>")])
        self.tabs = w.Tab([w.VBox([self.grid, self.status.widget, self.legend]), self.walkthrough_box],
                          titles=("Grid", "Walkthrough"))

        self.pa_dropdown.observe(self._pa_changed, names="value")
        for name, box in self.filter_boxes.items():
            box.observe(lambda change, name=name: self.set_filter(name, change["new"]), names="value")
        self.since_picker.observe(lambda change: self.set_since(date_text(change["new"])), names="value")
        self.me_dropdown.observe(lambda change: self.choose_me(change["new"]), names="value")
        self.reload_button.on_click(lambda _: self.reload())
        self.tabs.observe(self._tab_changed, names="selected_index")
        self.grid.on_key(self.key_pressed)
        self.grid.on_open(self.open_cell)
        filters = [self.filter_boxes[n] for n in FILTERS if n != "mine"]
        self.widget = w.VBox([
            w.HBox([self.pa_dropdown, self.me_dropdown, self.reload_button, self.counts],
                   layout=w.Layout(align_items="center", flex_flow="row wrap")),
            w.HBox([w.HTML("<b>Show practices with:</b>&nbsp;"), *filters, self.since_picker, self.filter_boxes["mine"]],
                   layout=w.Layout(align_items="center", flex_flow="row wrap")),
            self.tabs])
        self.widget.add_class("cmmikit-grid-screen")
        self.draw()

    # -- controls

    def _pa_options(self) -> list[tuple[str, str]]:
        mine = set(self.state.my_pas) if self.filters.mine else None
        options = [(f"{a.id} {a.name}", a.id) for a in self.model.process_areas.values()
                   if mine is None or a.id in mine]
        return options + [("all my process areas" if mine is not None else "all process areas", ALL)]

    def _team_options(self) -> list[tuple[str, str]]:
        return [("(not on the team)", NOBODY)] + [(f"{a.name} ({', '.join(a.pas) or 'no PAs'})", a.name)
                                                   for a in self.state.team]

    def _pa_changed(self, change: dict[str, Any]) -> None:
        if not self._loading:
            self.show_pa(None if change["new"] == ALL else change["new"])

    def show_pa(self, pa: str | None) -> None:
        """Show one process area (None: all of them)."""
        if self.status.run(lambda: self.state.show(pa)):
            self._set_quietly(self.pa_dropdown, pa or ALL)
            self.draw()

    def set_filter(self, name: str, on: bool) -> None:
        """Turn one filter (a key of :data:`cmmikit.method.grid.FILTERS`) on or off and redraw."""
        if name == "changed" and on and not self.state.since:
            self.status.error("pick the date first (changed since ...)")
            self._set_quietly(self.filter_boxes[name], False)
            return
        self.filters = Filters(**{**self.filters.__dict__, name: on})
        self._set_quietly(self.filter_boxes[name], on)
        if name == "mine":
            if on and not self.state.my_pas:
                self.status.error("no process area is assigned to you: choose who you are ('I am'), or assign PAs "
                                  "in 00_setup")
            if self._offer_pas():
                return
        self.draw()

    def set_since(self, since: str) -> None:
        """Mark the cells changed since ``since`` (YYYY-MM-DD; '' for none) and filter by it when on."""
        self.state.since = since
        self._set_quietly(self.since_picker, _day(since))
        if not since and self.filters.changed:
            self.filters = Filters(**{**self.filters.__dict__, "changed": False})
            self._set_quietly(self.filter_boxes["changed"], False)
        self.reload()

    def choose_me(self, name: str) -> None:
        """Who is using the grid (a team member's name, '' for nobody): 'my PAs' are theirs."""
        self.state.choose_me(name or None)
        self._set_quietly(self.me_dropdown, name or NOBODY)
        if self.filters.mine and not self._offer_pas():
            self.draw()

    def _offer_pas(self) -> bool:
        """List the PAs the filters allow; a PA shown that is no longer listed gives way to all of them
        (True: the grid was redrawn)."""
        options = self._pa_options()
        current = self.pa_dropdown.value
        listed = current in [v for _, v in options]
        self._set_quietly(self.pa_dropdown, current if listed else ALL, options=options)
        if not listed:
            self.show_pa(None)
        return not listed

    def _set_quietly(self, widget: w.Widget, value: Any, **others: Any) -> None:
        self._loading = True
        try:
            for name, other in others.items():
                setattr(widget, name, other)
            if widget.value != value and (not hasattr(widget, "options")
                                          or value in [v for _, v in widget.options]):
                widget.value = value
        finally:
            self._loading = False

    # -- drawing

    def reload(self) -> None:
        """Read the appraisal again and redraw (edits made in the walkthrough or by others show up)."""
        if self.status.run(self.state.reload):
            team = self._team_options()
            if list(self.me_dropdown.options) != team:
                self._set_quietly(self.me_dropdown, self.state.me.name if self.state.me else NOBODY, options=team)
            self.draw()

    def draw(self) -> None:
        """Send the whole table as the filters show it."""
        data = table_payload(self.state, self.filters)
        self.grid.show(data)
        shown = sum(row["kind"] == "practice" for row in data["rows"])
        self.counts.value = (f"<small>{shown} of {plural(len(self.state.rows), 'practice')} &times; "
                             f"{plural(len(self.state.columns), 'instance')}</small>")

    def _patch(self, result: EditResult, asked: Iterable[CellKey] = ()) -> None:
        """Send the changed cells and OU values; cells asked for but unchanged are sent too (the browser
        shows them as saving until it hears back)."""
        cells = {key: cell_payload(self.state.cells[key]) for key in asked if key in self.state.cells}
        cells.update({cell.key: cell_payload(cell) for cell in result.cells})
        self.grid.patch(cells, {row: ou_payload(self.state, row) for row in result.rows})

    # -- keyboard entry

    def key_pressed(self, key: str, cells: list[CellKey]) -> None:
        """A key on the selected cells: F/L/P/N/Y set a characterization, Delete/Backspace blank them."""
        if key not in KEYS:
            return
        self.set_value(cells, KEYS[key])

    def set_value(self, cells: list[CellKey], value: str) -> EditResult | None:
        """Save ``value`` ('' blanks) in every cell given, each at the version shown; report what happened."""
        results: list[EditResult] = []
        if not self.status.run(lambda: results.append(self.state.set_values(cells, value))):
            self._patch(EditResult(), cells)   # refused: the stored values again
            return None
        result = results[0]
        self._patch(result, cells)
        self._report(result, value)
        return result

    def _report(self, result: EditResult, value: str | None) -> None:
        shown = value or "blank"
        if result.conflicts:
            self.conflicts = result.conflicts
            saved = f"{plural(len(result.saved), 'cell')} saved as {shown}; " if result.saved else ""
            head = "; ".join(c.message() for c in result.conflicts[:3])
            more = f" (and {len(result.conflicts) - 3} more)" if len(result.conflicts) > 3 else ""
            self.status.offer_choice(saved + head + more, self.keep_mine, self.take_theirs)
        elif result.refused:
            self.status.error("; ".join(reason for _, reason in result.refused))
        elif result.saved:
            where = (f"{result.saved[0].pa} {result.saved[0].practice} / {result.saved[0].instance}"
                     if len(result.saved) == 1 else plural(len(result.saved), "cell"))
            self.status.saved(f"{where}: {shown} saved")

    def keep_mine(self) -> None:
        """Save the typed values over the other session's (the conflict just shown)."""
        conflicts, self.conflicts = self.conflicts, []
        results: list[EditResult] = []
        if self.status.run(lambda: results.append(self.state.keep_mine(conflicts))):
            self._patch(results[0])
            self._report(results[0], conflicts[0].mine if conflicts else None)

    def take_theirs(self) -> None:
        """Keep the other session's values (already shown)."""
        conflicts, self.conflicts = self.conflicts, []
        who = sorted({c.changed_by or "another session" for c in conflicts})
        self.status.saved(f"kept {', '.join(who)}'s value in {plural(len(conflicts), 'cell')}")

    # -- the walkthrough

    def open_cell(self, cell: CellKey) -> None:
        """Show the cell's practice in the walkthrough (second tab), that instance first."""
        row_key, instance = cell
        if not self.state.has_row(row_key) or instance == OU:
            return
        row = self.state.row(row_key)
        try:
            if self.walkthrough is None:
                from cmmikit.ui.walkthrough import WalkthroughView

                self.walkthrough = WalkthroughView(self.appraisal, pa=row.pa, practice=row.practice)
                self.walkthrough_box.children = (self.walkthrough.widget,)
            self.walkthrough.go_to(row.pa, row.practice, instance)
        except CmmikitError as exc:
            self.status.error(str(exc))
            return
        self.tabs.selected_index = TAB_WALKTHROUGH

    def _tab_changed(self, change: dict[str, Any]) -> None:
        if change["new"] == TAB_GRID and self.walkthrough is not None:
            self.reload()   # show what was changed in the walkthrough

    # -- text form

    def close(self) -> None:
        if self.walkthrough is not None:
            self.walkthrough.close()
        super().close()

    def summary(self) -> str:
        text = self.state.text(self.filters)
        return text + (f"\n{self.status.text}" if self.status.text else "")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


class GridOnOtherScale(View):
    """What the grid screen says for an appraisal characterized on another scale than FI..NI (SCAMPI B or C)."""

    def __init__(self, appraisal: Appraisal) -> None:
        self.appraisal = appraisal
        self.widget = w.HTML(f"<p>{html.escape(self.summary())}</p>")

    def summary(self) -> str:
        info, scale = self.appraisal.info(), self.appraisal.scale
        return (f"Grid: {info.name} is a {info.appraisal_type} appraisal characterized on {scale.summary()}; the grid "
                "enters FI, LI, PI, NI and NY only. Use the walkthrough (01_walkthrough) for this appraisal.")
