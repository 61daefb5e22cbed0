"""The merge screen (05_merge): bring an offline slice back, reviewing its conflicts one by one.

*Mine* is the appraisal being merged into, *theirs* the slice. The view shows what a merge
would do (a dry run): the changes made in the slice only, which it applies, and every row
changed on both sides, each with both values and a "keep mine" / "take theirs" choice. The
apply button merges with the choices made; conflicts left without a choice are not applied
and stay listed.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import ipywidgets as w

from cmmikit.store import Appraisal, Conflict, MergeResult, merge_slice, slice_info
from cmmikit.ui.common import StatusLine, View, esc, open_appraisal, show_if, text_field

MINE, THEIRS = "mine", "theirs"
CHOSEN = {MINE: "kept mine", THEIRS: "take theirs"}
SIDE_CSS = "border-collapse:collapse;font-size:12px"
CELL_CSS = "padding:2px 6px;border:1px solid #d0d7de;vertical-align:top"


def side_table(title: str, who: str, values: dict[str, str]) -> str:
    """One side of a conflict as a small two-column table (every value escaped)."""
    rows = "".join(f"<tr><td style='{CELL_CSS};color:#57606a'>{esc(k)}</td><td style='{CELL_CSS}'>{esc(v)}</td></tr>"
                   if k else f"<tr><td colspan=2 style='{CELL_CSS}'><i>{esc(v)}</i></td></tr>"
                   for k, v in values.items())
    return (f"<div><b>{esc(title)}</b> <span style='color:#57606a'>({esc(who or '?')})</span>"
            f"<table style='{SIDE_CSS}'>{rows}</table></div>")


class ConflictRow:
    """One conflict: the row, both values, and the choice between them."""

    def __init__(self, conflict: Conflict, on_choice: Callable[[], None]) -> None:
        self.conflict = conflict
        self.choice: str | None = None
        self._on_choice = on_choice
        self.title = w.HTML(f"<b>{esc(conflict.label)}</b>")
        self.mine = w.HTML(side_table("mine (this appraisal)", conflict.mine_user, conflict.values(MINE)),
                           layout=w.Layout(margin="0 24px 0 0"))
        self.theirs = w.HTML(side_table("theirs (the slice)", conflict.theirs_user, conflict.values(THEIRS)))
        self.keep_mine_button = w.Button(description="keep mine", icon="arrow-left",
                                         tooltip="keep this appraisal's value")
        self.take_theirs_button = w.Button(description="take theirs", icon="arrow-right",
                                           tooltip="take the value from the slice")
        self.state = w.HTML()
        self.keep_mine_button.on_click(lambda _: self.choose(MINE))
        self.take_theirs_button.on_click(lambda _: self.choose(THEIRS))
        self.widget = w.VBox([self.title, w.HBox([self.mine, self.theirs]),
                              w.HBox([self.keep_mine_button, self.take_theirs_button, self.state])],
                             layout=w.Layout(border="1px solid #d0d7de", padding="6px", margin="4px 0"))
        self._show()

    def choose(self, choice: str | None) -> None:
        self.choice = choice
        self._show()
        self._on_choice()

    def _show(self) -> None:
        self.keep_mine_button.button_style = "info" if self.choice == MINE else ""
        self.take_theirs_button.button_style = "info" if self.choice == THEIRS else ""
        self.state.value = (f"<span style='color:#1a7f37'>{esc(CHOSEN[self.choice])}</span>" if self.choice
                            else "<span style='color:#b42318'>not decided: not applied</span>")

    def summary(self) -> str:
        return f"[{CHOSEN.get(self.choice or '', 'undecided')}] {self.conflict.describe()}"


class MergeView(View):
    """Merge a slice into the appraisal it was taken from, with conflicts reviewed one by one."""

    def __init__(self, appraisal: Appraisal, piece: Appraisal | None = None) -> None:
        self.appraisal = appraisal
        self.piece: Appraisal | None = None
        self.result: MergeResult | None = None
        self.last_merge: MergeResult | None = None
        self.rows: list[ConflictRow] = []
        self.status = StatusLine()
        self.slice_path = text_field("Slice file", placeholder="e.g. ravi.cmmi", width="520px")
        self.open_button = w.Button(description="open slice", icon="folder-open")
        self.header = w.HTML()
        self.changes = w.HTML(layout=w.Layout(max_height="320px", overflow="auto"))
        self.notes = w.HTML()
        self.conflict_box = w.VBox()
        self.all_mine_button = w.Button(description="keep mine for all", icon="arrow-left")
        self.all_theirs_button = w.Button(description="take theirs for all", icon="arrow-right")
        self.apply_button = w.Button(description="apply merge", icon="check", button_style="primary")
        self.refresh_button = w.Button(description="check again", icon="refresh",
                                       tooltip="plan the merge again from both files as they are now")
        self.open_button.on_click(lambda _: self.open_slice(self.slice_path.value))
        self.all_mine_button.on_click(lambda _: self.choose_all(MINE))
        self.all_theirs_button.on_click(lambda _: self.choose_all(THEIRS))
        self.apply_button.on_click(lambda _: self.apply())
        self.refresh_button.on_click(lambda _: self.plan())
        self.choices = w.HBox([self.all_mine_button, self.all_theirs_button])
        self.picker = w.HBox([self.slice_path, self.open_button])
        self.widget = w.VBox([
            w.HTML(f"<h3>Merge a slice into {esc(appraisal.info().name)}</h3>"
                   "<p><i>mine</i> = this appraisal, <i>theirs</i> = the slice. Changes made on one side only are "
                   "applied; rows changed on both sides are listed below and applied only as you choose.</p>"),
            self.picker, self.header, self.changes, self.notes, self.choices, self.conflict_box,
            w.HBox([self.apply_button, self.refresh_button]), self.status.widget])
        if piece is not None:
            self.use_slice(piece)
        else:
            self._render()

    @classmethod
    def open(cls, appraisal_path: str | os.PathLike | None = None,
             slice_path: str | os.PathLike | None = None) -> "MergeView":
        """The view for the notebook: the appraisal (see :func:`open_appraisal`) and, if given, the slice."""
        view = cls(open_appraisal(appraisal_path))
        if slice_path:
            view.slice_path.value = str(slice_path)
            view.open_slice(slice_path)
        return view

    # -- actions -------------------------------------------------------------------

    def open_slice(self, path: str | os.PathLike) -> bool:
        if not str(path).strip():
            self.status.error("enter the slice file (made by 'cmmikit slice')")
            return False
        return self.status.run(lambda: self.use_slice(Appraisal.open(str(path).strip(), user=self.appraisal.user)))

    def use_slice(self, piece: Appraisal) -> None:
        if slice_info(piece) is None:
            piece.close()
            self.status.error(f"{piece.location.display}: not a slice (make one with 'cmmikit slice')")
            return
        if self.piece is not None:
            self.piece.close()
        self.piece = piece
        self.plan()

    def plan(self) -> None:
        """A dry run: what the merge would apply and which rows conflict (choices made so far are kept)."""
        if self.piece is None:
            return
        earlier = {row.conflict.id: row.choice for row in self.rows if row.choice}
        result: list[MergeResult] = []
        if not self.status.run(lambda: result.append(merge_slice(self.appraisal, self.piece, dry_run=True))):
            return
        self.result = result[0]
        self.rows = [ConflictRow(c, self._render_header) for c in self.result.conflicts]
        for row in self.rows:
            if row.conflict.id in earlier:
                row.choice = earlier[row.conflict.id]
                row._show()
        self._render()

    def choose_all(self, choice: str) -> None:
        for row in self.rows:
            row.choice = choice
            row._show()
        self._render_header()

    def resolutions(self) -> dict[str, str]:
        return {row.conflict.id: row.choice for row in self.rows if row.choice}

    def apply(self) -> bool:
        """Merge with the choices made; then show what is left (normally nothing)."""
        if self.piece is None:
            self.status.error("open a slice first")
            return False
        done: list[MergeResult] = []
        if not self.status.run(lambda: done.append(merge_slice(self.appraisal, self.piece,  # type: ignore[arg-type]
                                                               take=self.resolutions()))):
            return False
        self.last_merge = merged = done[0]
        self.rows = []
        self.plan()
        left = len(merged.open_conflicts)
        self.status.saved(f"merged: {len(merged.applied)} change(s) applied, {len(merged.resolutions)} conflict(s) "
                          f"resolved" + (f", {left} left for later" if left else ""))
        return True

    # -- rendering ----------------------------------------------------------------

    def _render(self) -> None:
        has_slice = self.result is not None
        show_if(self.picker, self.piece is None)
        for widget in (self.apply_button, self.refresh_button, self.changes):
            show_if(widget, has_slice)
        show_if(self.choices, bool(self.rows))
        self.conflict_box.children = [row.widget for row in self.rows]
        self._render_header()
        if self.result is None:
            self.changes.value = self.notes.value = ""
            return
        steps = self.result.steps
        self.apply_button.disabled = not (steps or self.rows)
        self.changes.value = ("<b>Changed in the slice only (applied):</b><ul style='margin:2px 0'>"
                              + "".join(f"<li>{esc(s.describe())} <span style='color:#57606a'>[{esc(s.user)}]"
                                        "</span></li>" for s in steps) + "</ul>") if steps else (
            "<i>Nothing changed in the slice only.</i>")
        self.notes.value = "".join(f"<div style='color:#9a6700'>{esc(n)}</div>" for n in self.result.notes)

    def _render_header(self) -> None:
        if self.result is None:
            self.header.value = "<i>Open the slice to see what a merge would change.</i>"
            return
        decided = sum(row.choice is not None for row in self.rows)
        info = slice_info(self.piece) if self.piece is not None else None
        who = f" for {info.assessor}" if info and info.assessor else ""
        self.header.value = (f"<p><b>{esc(self.result.slice_name)}</b> ({esc(', '.join(self.result.pas))}{esc(who)}): "
                             f"{len(self.result.steps)} change(s) from the slice, {len(self.rows)} conflict(s), "
                             f"{decided} decided.</p>")

    def summary(self) -> str:
        if self.result is None:
            return f"Merge into {self.appraisal.location.label}: no slice opened"
        lines = [f"Merge {self.result.slice_name} into {self.appraisal.location.label}: {len(self.result.steps)} "
                 f"change(s) from the slice, {len(self.rows)} conflict(s)"]
        lines += [f"  {s.describe()}" for s in self.result.steps]
        lines += [f"  {row.summary()}" for row in self.rows]
        if self.status.text:
            lines.append(self.status.text)
        return "\n".join(lines)
