"""Choosing an appraisal type and its scale on screen (the new-appraisal form and 00_setup).

The type picks the scale (:func:`cmmikit.model.scales.default_scale`); a SCAMPI C team may choose its
own scale file instead (a ``*.yaml`` under the notebook folder).  The scale chosen is shown
(values, labels on their colours, meaning) before anything is created or switched; a scale
file with a mistake shows the one-line error naming the file, the entry and the field.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import ipywidgets as w

from cmmikit.errors import CmmikitError
from cmmikit.model.scales import OWN_SCALE_TYPES, Scale, default_scale, load_scale
from cmmikit.store import APPRAISAL_TYPES
from cmmikit.ui.common import ERROR_COLOUR, esc, labelled, show_if
from cmmikit.ui.scale_ui import scale_table

DEFAULT = ""          # the scale files dropdown value for the type's default scale
OWN = "<own>"         # ... for the scale an appraisal already holds (its text is stored in it, not in a file)
SKIPPED = {".ipynb_checkpoints", "exports", "node_modules", "__pycache__", ".git"}
MAX_DEPTH = 3
MAX_FILES = 200


def find_files(folder: Path, suffix: str) -> list[Path]:
    """The files ending in ``suffix`` under ``folder`` (a few levels deep, hidden and export folders skipped),
    by path; none is opened."""
    found: list[Path] = []
    folder = Path(folder)
    for current, dirs, files in os.walk(folder):
        depth = len(Path(current).relative_to(folder).parts)
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED and not d.startswith(".") and depth < MAX_DEPTH)
        found += [Path(current) / f for f in sorted(files) if f.endswith(suffix)]
        if len(found) >= MAX_FILES:
            break
    return found[:MAX_FILES]


def scale_of(kind: str, choice: str | Scale | None) -> Scale:
    """The scale a type and scale choice give (a file is read; raises its one-line error)."""
    return load_scale(choice) if choice is not None else default_scale(kind)


class TypePicker:
    """An appraisal type dropdown, a scale file dropdown (SCAMPI C only) and the chosen scale shown."""

    def __init__(self, folder: Path, kind: str = "SCAMPI A", *, description: str = "Appraisal type") -> None:
        self.folder = Path(folder)
        self.own: Scale | None = None
        self.type_dropdown = w.Dropdown(description=description, options=list(APPRAISAL_TYPES), value=kind,
                                        style={"description_width": "initial"})
        self.scale_files = labelled(w.Dropdown(layout=w.Layout(width="auto", min_width="260px")),
                                    "scale of the SCAMPI C appraisal")
        self.preview = w.HTML()
        self.type_dropdown.observe(lambda _: self.show(), names="value")
        self.scale_files.observe(lambda _: self.show(), names="value")
        self.widget = w.VBox([w.HBox([self.type_dropdown, self.scale_files]), self.preview])
        self.rescan()

    @property
    def kind(self) -> str:
        return self.type_dropdown.value

    @property
    def scale_choice(self) -> str | Scale | None:
        """The scale file chosen, or the appraisal's own scale, or None for the type's default scale."""
        if self.kind not in OWN_SCALE_TYPES or self.scale_files.value == DEFAULT:
            return None
        return self.own if self.scale_files.value == OWN else self.scale_files.value

    def scale(self) -> Scale:
        """The scale the choice gives (raises the scale file's one-line error)."""
        return scale_of(self.kind, self.scale_choice)

    def rescan(self) -> None:
        """List the ``*.yaml`` scale files under the folder (the default first)."""
        keep = self.scale_files.value
        options = [(f"default: {default_scale('SCAMPI C').name}", DEFAULT)]
        if self.own is not None:
            options.append((f"this appraisal's own: {self.own.name}", OWN))
        options += [(str(p.relative_to(self.folder)), str(p.resolve())) for p in find_files(self.folder, ".yaml")]
        self.scale_files.options = options
        self.scale_files.value = keep if keep in {v for _, v in options} else DEFAULT
        self.show()

    def choose(self, kind: str, scale: Scale) -> None:
        """Show an appraisal's type and scale: a SCAMPI C's own scale is offered as "this appraisal's own"."""
        self.own = scale if kind in OWN_SCALE_TYPES and scale != default_scale(kind) else None
        self.type_dropdown.value = kind
        self.rescan()
        if self.own is not None:
            self.scale_files.value = OWN

    def show(self) -> None:
        show_if(self.scale_files, self.kind in OWN_SCALE_TYPES)
        try:
            self.preview.value = scale_table(self.scale())
        except CmmikitError as exc:
            self.preview.value = f"<div style='color:{ERROR_COLOUR}'>{esc(str(exc))}</div>"

    def observe(self, handler: Callable[[], None]) -> None:
        """Call ``handler()`` when the user changes the type or the scale file."""
        self.type_dropdown.observe(lambda _: handler(), names="value")
        self.scale_files.observe(lambda _: handler(), names="value")
