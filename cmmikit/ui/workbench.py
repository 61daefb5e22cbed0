"""A notebook screen: the appraisal chooser above one view, and one live screen of each kind per kernel.

``Workbench(WalkthroughView, appraisal_path, pa="SD")`` opens the chosen appraisal
(its parameter, else the one last chosen in this Jupyter session, else
``$CMMIKIT_APPRAISAL``, else the sample) through the kernel's shared handle,
builds the view and shows the chooser above it: the ``.cmmi`` files under the
notebook's folder, a path or server URL, or a new appraisal.  Choosing another
appraisal rebuilds the view on it and remembers the choice for the other
notebooks.  Running the cell again replaces the screen: the old one is closed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import ipywidgets as w

from cmmikit.errors import CmmikitError, InvalidValue
from cmmikit.store import Appraisal, list_appraisals, parse
from cmmikit.ui.common import (
    SCREEN_CLASS,
    STYLE,
    StatusLine,
    View,
    adopt,
    button,
    close_tree,
    esc,
    is_url,
    location_key,
    remember_location,
    shared_appraisal,
    submit_button,
    text_field,
)
from cmmikit.ui.live import ColleagueChanges
from cmmikit.ui.scale_ui import scale_badge
from cmmikit.ui.type_picker import TypePicker, find_files


def find_appraisals(folder: Path) -> list[Path]:
    """The ``.cmmi`` files under ``folder`` (a few levels deep, hidden and export folders skipped), by path.
    Files are listed by name only: none is opened to read it."""
    return find_files(folder, ".cmmi")


def type_and_scale(appraisal: Appraisal) -> str:
    """"SCAMPI B, scale SCAMPI B implementation risk: low risk medium risk high risk" in HTML (badges)."""
    scale = appraisal.scale
    values = " ".join(scale_badge(scale, v) for v in scale.all_values)
    return (f"<small>{esc(appraisal.info().appraisal_type)} &middot; scale {esc(scale.name)}: </small>"
            f"<small style='font-size:10px'>{values}</small>")


SERVER_ENV = "CMMIKIT_SERVER"   # the team's server (a URL without appraisal or password): its appraisals are listed


def server_appraisals(server: str) -> list[tuple[str, str]]:
    """(label, address without password) of each appraisal on ``server`` this login has a role on."""
    base = parse(server, need_appraisal=False)
    listed = []
    for found in list_appraisals(server):
        if not found["role"] or found["role"] == "revoked":
            continue
        address = type(base)(url=base.url, appraisal=found["appraisal"]).shareable
        changed = f", changed {found['last_change'][:16].replace('T', ' ')}" if found["last_change"] else ""
        listed.append((f"{found['name']} on the team server (you: {found['role']}{changed})", address))
    return listed


def same_key(location: str) -> str:
    """One spelling per appraisal, whatever password a URL was typed with."""
    return location_key(parse(location).shareable if is_url(location) else location)


def identity(appraisal: Appraisal) -> str:
    """'you are dana (assessor of WP, WMC)' on a server; 'you are ann' on a file (its roles are not enforced)."""
    access = appraisal.access
    return f"you are {access.describe() if access.enforced else access.login}"


def display_location(location: str) -> str:
    """A location fit to show: a server URL without its password."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1@", location)


def slug(name: str) -> str:
    """A file name from an appraisal name: 'Northwind ML2 2027' -> 'northwind-ml2-2027'."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "appraisal"


class AppraisalChooser:
    """Pick the appraisal: a file under the notebook folder, a path or server URL, or a new one."""

    def __init__(self, folder: Path, current: Appraisal, on_open: Callable[[Appraisal], bool]) -> None:
        self.folder = Path(folder)
        self.current = current
        self.on_open = on_open
        self.status = StatusLine()
        self.current_label = w.HTML()
        self.files = w.Dropdown(description="Appraisal file", style={"description_width": "initial"},
                                layout=w.Layout(width="auto", min_width="260px", max_width="440px"))
        self.open_file_button = button("open", "folder-open", tooltip="open the appraisal file chosen in the list")
        self.rescan_button = button("rescan", "refresh", tooltip="look again for .cmmi and scale files under this "
                                    "folder")
        self.location = text_field("", placeholder="path, or server URL such as "
                                   "postgresql+psycopg://host/db?appraisal=name", width="560px",
                                   label="Appraisal file path or server URL")
        self.open_location_button = submit_button("open path or URL", [self.location], "folder-open")
        self.new_name = text_field("", placeholder="name of the new appraisal, e.g. Northwind ML2 2027",
                                   width="360px", label="New appraisal name")
        self.new_file = text_field("", placeholder="file (default: from the name, in this folder)", width="300px",
                                   label="New appraisal file")
        self.create_button = submit_button("create new appraisal", [self.new_name, self.new_file], "file")
        self.new_type = TypePicker(self.folder, description="New appraisal type")
        self.open_file_button.on_click(lambda _: self.open_location(self.files.value or ""))
        self.rescan_button.on_click(lambda _: (self.rescan(), self.new_type.rescan()))
        self.open_location_button.on_click(lambda _: self.open_location(self.location.value))
        self.create_button.on_click(lambda _: self.create())
        more = w.Accordion([w.VBox([w.HBox([self.location, self.open_location_button]),
                                    w.HBox([self.new_name, self.new_file, self.create_button]),
                                    self.new_type.widget])],
                           titles=("Another file, a server URL, or a new appraisal",), selected_index=None)
        self.widget = w.VBox([w.HBox([self.current_label, self.files, self.open_file_button, self.rescan_button],
                                     layout=w.Layout(align_items="center", flex_flow="row wrap")),
                              more, self.status.widget])
        self.rescan()

    def show(self, appraisal: Appraisal) -> None:
        self.current = appraisal
        info = appraisal.info()
        where = self._location(appraisal)
        self.current_label.value = (f"<b>{esc(info.name)}</b> <small title='{esc(display_location(where))}'>"
                                    f"({esc(display_location(where) if is_url(where) else Path(where).name)})</small> "
                                    + type_and_scale(appraisal)
                                    + f" <small class='cmmikit-identity'>&middot; {esc(identity(appraisal))}</small>")
        self.rescan()

    @staticmethod
    def _location(appraisal: Appraisal) -> str:
        return str(getattr(appraisal, "location", None) or appraisal.path)

    def rescan(self) -> None:
        """List the appraisal files under the folder and those on the team's server (``$CMMIKIT_SERVER``); the
        open one first if it is neither."""
        current = same_key(self._location(self.current))
        options: list[tuple[str, str]] = []
        for path in find_appraisals(self.folder):
            try:
                stamp = datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
            except OSError:  # removed since the folder was read
                continue
            options.append((f"{path.relative_to(self.folder)} (changed {stamp})", str(path.resolve())))
        server = os.environ.get(SERVER_ENV, "").strip()
        if server:
            try:
                options += server_appraisals(server)
            except CmmikitError as exc:
                self.status.error(f"{SERVER_ENV}: {exc}")
        if current not in {same_key(value) for _, value in options}:
            options.insert(0, (display_location(self._location(self.current)), current))
        self.files.options = options
        self.files.value = next(value for _, value in options if same_key(value) == current)

    def open_location(self, location: str) -> None:
        location = location.strip()
        if not location:
            self.status.error("type a file path or a server URL first")
            return
        if not is_url(location) and not Path(location).expanduser().is_absolute():
            location = str(self.folder / location)
        opened: list[Appraisal] = []
        if self.status.run(lambda: opened.append(shared_appraisal(location))):
            self._switch(opened[0], "opened")

    def create(self) -> None:
        name = self.new_name.value.strip()
        if not name:
            self.status.error("give the new appraisal a name first")
            return
        target = Path(self.new_file.value.strip() or f"{slug(name)}.cmmi").expanduser()
        if not target.is_absolute():
            target = self.folder / target
        if target.suffix != ".cmmi":
            target = target.with_name(target.name + ".cmmi")

        def make() -> None:
            if target.exists():
                raise InvalidValue(f"{target.name} already exists: open it, or choose another file name")
            kind, scale = self.new_type.kind, self.new_type.scale_choice
            created.append(adopt(Appraisal.create(target, name=name, appraisal_type=kind, scale=scale)))
        created: list[Appraisal] = []
        if self.status.run(make):
            self.new_name.value = self.new_file.value = ""
            self._switch(created[0], "created")

    def _switch(self, appraisal: Appraisal, verb: str) -> None:
        if not self.on_open(appraisal):
            return
        remember_location(self._location(appraisal))
        self.show(appraisal)
        self.status.saved(f"{verb} {appraisal.info().name} ({display_location(self._location(appraisal))}); "
                          "the other notebooks open it too")


class Workbench(View):
    """One screen of a notebook: the chooser above a view made by ``make(appraisal, **options)``."""

    _live: dict[str, "Workbench"] = {}   # this kernel's screen of each kind

    def __init__(self, make: Callable[..., View], appraisal_path: str | os.PathLike | None = None, *,
                 folder: str | os.PathLike | None = None, **options: Any) -> None:
        self.make, self.options = make, options
        self.folder = Path(folder or os.getcwd())
        self.appraisal = shared_appraisal(appraisal_path)
        self.view = make(self.appraisal, **options)
        self.chooser = AppraisalChooser(self.folder, self.appraisal, self.switch)
        self.chooser.show(self.appraisal)
        self.view_box = w.VBox([self.view.widget])
        self.live = self._watch(self.appraisal)
        self.live_box = w.VBox([self.live.widget])
        self.widget = w.VBox([w.HTML(STYLE), self.chooser.widget, self.live_box, self.view_box])
        self.widget.add_class(SCREEN_CLASS)
        kind = getattr(make, "__name__", repr(make))
        previous = Workbench._live.get(kind)
        if previous is not None and previous is not self:
            previous.close()
        Workbench._live[kind] = self

    def switch(self, appraisal: Appraisal) -> bool:
        """Show the view on another appraisal; False (and the reason shown) when it cannot be built."""
        made: list[View] = []
        try:
            made.append(self.make(appraisal, **self.options))
        except CmmikitError as exc:
            self.chooser.status.error(str(exc))
            return False
        old, self.view = self.view, made[0]
        if appraisal is not self.appraisal:
            self.live.stop()
            self.live = self._watch(appraisal)
            self.live_box.children = (self.live.widget,)
        self.appraisal = appraisal
        self.view_box.children = (self.view.widget,)
        old.close()
        return True

    def redraw(self) -> None:
        """Show the appraisal as it is now: the view re-reads it in place if it can (staying where the user is)."""
        for name in ("reload", "refresh"):
            method = getattr(self.view, name, None)
            if callable(method):
                method()
                return
        self.switch(self.appraisal)

    def _watch(self, appraisal: Appraisal) -> ColleagueChanges:
        live = ColleagueChanges(appraisal, self.redraw)
        live.start()
        return live

    def close(self) -> None:
        """Close the screen (its view and chooser); the shared appraisal handle stays open for the kernel."""
        self.live.stop()
        self.view.close()
        close_tree(self.widget)

    def summary(self) -> str:
        return self.view.summary()
