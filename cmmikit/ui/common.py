"""Shared helpers for the notebook views: opening appraisals, safe HTML, colours, status lines, labelled inputs.

Views keep their widgets as named attributes and wire them to the store; the
helpers here keep that wiring short and identical across screens.

Opening: :func:`shared_appraisal` keeps one handle per appraisal per kernel, so
re-running a notebook's cells ("Run All" twice) reuses the open handle instead
of opening the file again; :func:`chosen_location` says which appraisal a
notebook opens (its parameter, else the one last chosen in this Jupyter session,
else ``$CMMIKIT_APPRAISAL``, else the sample).
"""

from __future__ import annotations

import html
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import ipywidgets as w

from cmmikit import __version__, palette
from cmmikit.errors import CmmikitError, ConflictError, StoreError
from cmmikit.store import Appraisal

APPRAISAL_ENV = "CMMIKIT_APPRAISAL"   # an appraisal path for notebooks served without parameters (Voila)
CACHE_ENV = "CMMIKIT_CACHE_DIR"       # where the sample appraisal is built when no path is given
SERVER_PID_ENV = "JPY_PARENT_PID"     # set by Jupyter for its kernels: the server (JupyterLab, Voila) process

# fills for every rating word a screen shows; the word itself is always printed on the fill
FILLS = {**palette.CHARACTERIZATION, **palette.RATING,
         "Achieved": palette.BLUE, "Ready": palette.BLUE, "Not Achieved": palette.VERMILLION,
         "Not Ready": palette.VERMILLION, "judgment": palette.YELLOW}
OK_COLOUR, ERROR_COLOUR, WARNING_COLOUR = palette.BLUE, palette.VERMILLION, "#8a5a00"
LINK_STYLE = f"color:{palette.BLUE};text-decoration:underline"

# One stylesheet per screen (an HTML widget).  It visually hides the labels of self-explanatory inputs
# (they stay their accessible names), and greys out a screen whose kernel is gone: ipywidgets marks every
# view of a model whose comm died (kernel restart, dead kernel) with the class jupyter-widgets-disconnected.
SCREEN_CLASS = "cmmikit-screen"
SR_CLASS = "cmmikit-sr"
LIVE_CLASS = "cmmikit-live"   # the line naming colleagues' changes (stays in view while scrolling)
STYLE = f"""<style>
.{SR_CLASS} > .widget-label, .{SR_CLASS} .widget-label-basic > span {{
  position:absolute !important; width:1px !important; height:1px !important; padding:0 !important;
  margin:-1px !important; overflow:hidden !important; clip:rect(0,0,0,0) !important; white-space:nowrap !important;
  border:0 !important; }}
.{SCREEN_CLASS} a {{ {LINK_STYLE}; }}
.{SCREEN_CLASS} .widget-button, .{SCREEN_CLASS} .jupyter-button {{ overflow:visible; }}
.{SCREEN_CLASS} .widget-tab > .lm-TabBar .lm-TabBar-tab {{ flex:0 0 auto !important; max-width:none !important; }}
.{SCREEN_CLASS}.jupyter-widgets-disconnected::before {{
  content:"\\26A0  Not connected: the kernel was restarted or has stopped. Nothing shown below can be changed or "
          "saved any more. Run the notebook again (Run \\25B8  Run All Cells) or reload the page.";
  display:block; background:{palette.VERMILLION}; color:#fff; font-weight:600; padding:8px 12px; margin:4px 0;
  font-family:inherit; font-size:14px; }}
.{SCREEN_CLASS}.jupyter-widgets-disconnected > * {{ opacity:.45; pointer-events:none; }}
.{SCREEN_CLASS} .jupyter-widgets-disconnected::before {{ content:none !important; display:none !important; }}
.{SCREEN_CLASS}.jupyter-widgets-disconnected :is(input, button, select, textarea) {{ visibility:hidden; }}
.{SCREEN_CLASS} .{LIVE_CLASS} {{ position:fixed; right:24px; bottom:28px; z-index:1000; max-width:560px;
  background:#EEF7FC; border-left:4px solid {palette.SKY}; padding:4px 10px; box-shadow:0 2px 8px #0003; }}
</style>"""


# ------------------------------------------------------------------ opening appraisals


def cache_dir() -> Path:
    """Folder for the sample appraisal: $CMMIKIT_CACHE_DIR, else ~/.cache/cmmikit, else the temp folder."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = base / "cmmikit"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(tempfile.gettempdir()) / "cmmikit"
    return folder


def demo_path() -> Path:
    """Where :func:`open_appraisal` keeps the sample appraisal: one per version of the demo builder,
    its findings step, the model data and the store's schema revision, so a changed demo is rebuilt
    rather than served stale (and trees with different schemas never share one file)."""
    import hashlib

    from cmmikit import demo
    from cmmikit.method import findings
    from cmmikit.model import find_model_dir
    from cmmikit.store import schema

    digest = hashlib.sha256()
    sources = [Path(demo.__file__), Path(findings.__file__), *sorted(find_model_dir().glob("*.yaml"))]
    for source in sources:
        digest.update(source.read_bytes())
    return cache_dir() / f"demo-{__version__}-schema{schema.HEAD}-{digest.hexdigest()[:10]}.cmmi"


def open_appraisal(path: str | os.PathLike | None = None) -> Appraisal:
    """Open a new handle on the appraisal at ``path`` (a file, or a server URL the store accepts); without
    one, ``$CMMIKIT_APPRAISAL``, else the sample appraisal (built on first use in :func:`demo_path`)."""
    path = path or os.environ.get(APPRAISAL_ENV) or None
    if path is not None:
        return Appraisal.open(path)
    return _open_demo(demo_path())


def sample_path() -> Path:
    """The sample appraisal's file, built first if this version of cmmikit has not built it yet."""
    target = demo_path()
    _open_demo(target).close()
    return target


def _open_demo(target: Path) -> Appraisal:
    from cmmikit.demo import build_demo

    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        try:
            return Appraisal.open(target)
        except StoreError:
            return build_demo(target, overwrite=True)
    try:
        return build_demo(target)
    except StoreError:
        if target.exists():  # another kernel built it at the same moment
            return Appraisal.open(target)
        raise


def is_url(location: str) -> bool:
    return "://" in location


def location_key(location: str | os.PathLike) -> str:
    """One spelling per appraisal: a server URL as typed, a file as its absolute resolved path."""
    text = str(location).strip()
    return text if is_url(text) else str(Path(text).expanduser().resolve())


_HANDLES: dict[str, Appraisal] = {}   # this kernel's open appraisals, by location_key


def _alive(appraisal: Appraisal) -> bool:
    try:
        appraisal.info()
    except CmmikitError:
        return False
    return True


def shared_appraisal(location: str | os.PathLike | None = None) -> Appraisal:
    """This kernel's handle on the appraisal at ``location`` (see :func:`chosen_location` for None): opened
    once, then reused, so re-running cells never opens a second connection to the same file."""
    target = chosen_location(location)
    if target is None:
        key = location_key(demo_path())
        opener: Callable[[], Appraisal] = lambda: _open_demo(demo_path())  # noqa: E731
    else:
        key = location_key(target)
        opener = lambda: Appraisal.open(target)  # noqa: E731
    handle = _HANDLES.get(key)
    if handle is None or not _alive(handle):
        handle = _HANDLES[key] = opener()
    return handle


def adopt(appraisal: Appraisal) -> Appraisal:
    """Register a handle made here (e.g. a new appraisal just created) as this kernel's one for its file."""
    _HANDLES[location_key(appraisal.path)] = appraisal
    return appraisal


def release_all() -> None:
    """Close every shared handle (for tests and scripts that end a session)."""
    while _HANDLES:
        _HANDLES.popitem()[1].close()


def _choice_file() -> Path | None:
    """This Jupyter server's memory of the chosen appraisal (None outside a Jupyter server: nothing kept)."""
    server = os.environ.get(SERVER_PID_ENV, "")
    if not server.isdigit():
        return None
    from jupyter_core.paths import jupyter_runtime_dir

    return Path(jupyter_runtime_dir()) / f"cmmikit-ui-{server}.json"


def remembered_location() -> str | None:
    """The appraisal last chosen in any notebook of this Jupyter session, if any."""
    file = _choice_file()
    try:
        value = json.loads(file.read_text(encoding="utf-8")).get("appraisal") if file else None
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and value else None


def remember_location(location: str) -> None:
    """Remember ``location`` for the other notebooks of this Jupyter session (and this kernel's environment).

    A server URL is remembered without its password: the other notebooks get it from PGPASSWORD,
    ~/.pgpass or a service file, as every other process does.
    """
    from cmmikit.store.location import is_url, parse

    if is_url(location):
        location = parse(location, need_appraisal=False).shareable
    os.environ[APPRAISAL_ENV] = location
    file = _choice_file()
    if file is None:
        return
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"appraisal": location}), encoding="utf-8")
        tmp.replace(file)
    except OSError:
        pass  # not remembering is an inconvenience, never an error


def chosen_location(parameter: str | os.PathLike | None = None) -> str | None:
    """Which appraisal a notebook opens: its parameter, else the last one chosen in this Jupyter session,
    else ``$CMMIKIT_APPRAISAL``; None means the sample appraisal."""
    if parameter:
        return str(parameter)
    return remembered_location() or os.environ.get(APPRAISAL_ENV) or None


# ------------------------------------------------------------------ safe text into widgets


def esc(text: Any) -> str:
    """User or model text as HTML text (never markup)."""
    return html.escape("" if text is None else str(text), quote=True)


def badge(label: str, colour_key: str | None = None) -> str:
    """A label on its Okabe-Ito fill (the label is escaped and always shown: colour is never the only cue)."""
    fill = FILLS.get(colour_key or label, palette.LIGHT_GREY)
    return (f'<span style="background:{fill};color:{palette.text_on(fill)};padding:1px 6px;border-radius:3px;'
            f'font-weight:600">{esc(label)}</span>')


def cell_style(value: Any) -> str:
    """CSS for a table cell holding a rating word: its fill and a readable text colour (or nothing)."""
    fill = FILLS.get(str(value))
    return f"background-color:{fill};color:{palette.text_on(fill)}" if fill else ""


def bullet_list(items: Iterable[str]) -> str:
    return "<ul style='margin:2px 0'>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def is_web(location: str) -> bool:
    return (location or "").strip().lower().startswith(("https://", "http://"))


def safe_link(location: str, label: str | None = None) -> str:
    """A location as a link styled as one (showing ``label`` or the address) when it is a web address,
    plain text otherwise."""
    location = (location or "").strip()
    if is_web(location):
        return (f'<a href="{esc(location)}" target="_blank" rel="noopener noreferrer" style="{LINK_STYLE}">'
                f'{esc(label or location)}</a>')
    return esc(location)


def plural(n: int, word: str, words: str | None = None) -> str:
    """'1 unit', '3 units'."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


# ------------------------------------------------------------------ widgets


def button(description: str, icon: str = "", *, tooltip: str = "", style: str = "") -> w.Button:
    """A button as wide as its text (never cut to 'add evide...')."""
    return w.Button(description=description, icon=icon, tooltip=tooltip or description, button_style=style,
                    layout=w.Layout(width="auto", min_width="max-content", flex="0 0 auto"))


def submit_button(description: str, fields: list[w.Widget], icon: str = "", *, tooltip: str = "",
                  style: str = "") -> Any:
    """A button for a form: its click carries what the ``fields`` (text boxes) show at that moment
    (see :class:`cmmikit.ui.front.SubmitButton`)."""
    from cmmikit.ui.front import SubmitButton

    return SubmitButton(description, fields, icon=icon, tooltip=tooltip, button_style=style)


def labelled(widget: w.Widget, label: str) -> w.Widget:
    """Give ``widget`` the accessible name ``label`` without showing it (for inputs under a column header)."""
    widget.description = label
    widget.add_class(SR_CLASS)
    if hasattr(widget, "style") and hasattr(widget.style, "description_width"):
        widget.style.description_width = "0px"
    return widget


class _Submitted:
    """A text box that a :class:`~cmmikit.ui.front.SubmitButton` submits.

    After a click, the box's own update of the text sent with the click can still be waiting in the front
    end (ipywidgets sends one update at a time and holds the newest back).  When it arrives after the form
    was cleared it would put the added title back in the box, and the next one typed would be appended
    to it.  :meth:`expect_stale` names that text; the first update from the front end carrying it is
    dropped and the box shows the kernel's value again.
    """

    _stale: str | None = None

    def expect_stale(self, text: str) -> None:
        """The front end will still send ``text`` once; it is no longer what the box holds."""
        self._stale = text

    def set_state(self, sync_data: dict[str, Any]) -> None:
        stale, self._stale = self._stale, None
        if stale is not None and sync_data.get("value") == stale and self.value != stale:  # type: ignore[attr-defined]
            rest = {key: value for key, value in sync_data.items() if key != "value"}
            if rest:
                super().set_state(rest)  # type: ignore[misc]
            self.send_state("value")  # type: ignore[attr-defined]
            return
        super().set_state(sync_data)  # type: ignore[misc]


class FormText(_Submitted, w.Text):
    """A one-line text box (see :class:`_Submitted`)."""


class FormTextarea(_Submitted, w.Textarea):
    """A text area (see :class:`_Submitted`)."""


def text_field(description: str, value: str = "", *, placeholder: str = "", area: bool = False,
               width: str = "100%", label: str = "", continuous: bool = False) -> FormText | FormTextarea:
    """A text box.  By default it reports its value when the user leaves it (one save per edit, not per key);
    ``continuous`` syncs every key (for drafts read by a button).  ``label`` names a box shown without
    a description (its accessible name)."""
    cls = FormTextarea if area else FormText
    box = cls(value=value or "", description=description, placeholder=placeholder, continuous_update=continuous,
              layout=w.Layout(width=width), style={"description_width": "initial"})
    if not description and (label or placeholder):
        labelled(box, label or placeholder)
    return box


def grow(area: w.Textarea, text: str, *, least: int = 3, most: int = 16, chars_per_line: int = 48) -> None:
    """Size a text area to its text (rows), so long strengths and weaknesses are readable without scrolling."""
    lines = sum(max(1, -(-len(line) // chars_per_line)) for line in (text or "").split("\n"))
    rows = min(max(lines + 1, least), most)
    if area.rows != rows:
        area.rows = rows


def date_text(value: date | None) -> str:
    """A date picker's value as the store keeps it (ISO), '' for none."""
    return value.isoformat() if value else ""


def parse_date(text: str) -> date | None:
    """An ISO date from the store for a date picker; None when blank or not a date."""
    try:
        return date.fromisoformat((text or "").strip()[:10]) if text else None
    except ValueError:
        return None


def show_if(widget: w.Widget, visible: bool) -> None:
    display = None if visible else "none"
    if widget.layout.display != display:
        widget.layout.display = display


def walk(widget: w.Widget) -> Iterator[w.Widget]:
    """``widget`` and every widget inside it (children of boxes, tabs, accordions)."""
    yield widget
    for child in getattr(widget, "children", ()) or ():
        if isinstance(child, w.Widget):
            yield from walk(child)


INPUTS = (w.Text, w.Textarea, w.Dropdown, w.Checkbox, w.DatePicker, w.ToggleButtons, w.ToggleButton,
          w.SelectMultiple, w.Select, w.IntProgress)


def unlabelled(widget: w.Widget) -> list[w.Widget]:
    """The inputs inside ``widget`` without an accessible name (a description, shown or visually hidden)."""
    return [item for item in walk(widget) if isinstance(item, INPUTS) and not (item.description or "").strip()]


def close_tree(widget: w.Widget) -> None:
    """Close ``widget`` and everything inside it: the front end drops the views, the kernel the comms."""
    for item in list(walk(widget)):
        item.close()


def conflict_message(exc: ConflictError, what: str, mine: Any, theirs: Any) -> str:
    """'<who> changed <what> at <when>: theirs ..., yours ...' (nothing was overwritten)."""
    def shown(value: Any) -> str:
        text = "blank" if value in (None, "") else str(value).replace("\n", " ")
        return repr(text if len(text) <= 60 else text[:59] + "\u2026") if value not in (None, "") else text
    when = f" at {exc.changed_at[11:16]} UTC" if len(exc.changed_at or "") >= 16 else ""
    who = exc.changed_by or "another session"
    if exc.current is None:
        return f"{who} removed this {what} meanwhile; yours was not saved"
    return f"{who} changed the {what}{when}: theirs {shown(theirs)}, yours {shown(mine)} (not saved yet)"


class StatusLine:
    """One line of feedback beside the control it is about: what was saved, or why not; optionally an undo."""

    def __init__(self) -> None:
        self.html = w.HTML(value="")
        self.undo_button = button("undo", "undo", tooltip="undo the change just made")
        self.undo_button.layout.display = "none"
        self.undo_button.on_click(lambda _: self._undo())
        self.mine_button = button("keep mine", "check", tooltip="save your value over the other session's")
        self.theirs_button = button("take theirs", "reply", tooltip="show and keep the value the other session saved")
        for choice in (self.mine_button, self.theirs_button):
            choice.layout.display = "none"
        self.mine_button.on_click(lambda _: self._choose(0))
        self.theirs_button.on_click(lambda _: self._choose(1))
        self.widget = w.HBox([self.html, self.undo_button, self.mine_button, self.theirs_button],
                             layout=w.Layout(align_items="center"))
        self._choices: tuple[Callable[[], None], Callable[[], None]] | None = None
        self.text = ""
        self.ok = True
        self._undo_action: Callable[[], None] | None = None

    def saved(self, message: str) -> None:
        self._show(message, ok=True)

    def error(self, message: str) -> None:
        self._show(message, ok=False)

    def clear(self) -> None:
        if self.text or self._undo_action:
            self._show("", ok=True)

    def offer_undo(self, message: str, undo: Callable[[], None]) -> None:
        """Report a change and show an 'undo' button that reverts it."""
        self._show(message, ok=True)
        self._undo_action = undo
        self.undo_button.layout.display = None

    def offer_choice(self, message: str, keep_mine: Callable[[], None], take_theirs: Callable[[], None]) -> None:
        """Show a conflict (nothing was overwritten) with 'keep mine' / 'take theirs' buttons."""
        self._show(message, ok=False)
        self._choices = (keep_mine, take_theirs)
        self.mine_button.layout.display = self.theirs_button.layout.display = None

    def _choose(self, which: int) -> None:
        choices, self._choices = self._choices, None
        self.mine_button.layout.display = self.theirs_button.layout.display = "none"
        if choices is not None:
            try:
                choices[which]()
            except CmmikitError as exc:
                self.error(str(exc))

    @property
    def conflict_open(self) -> bool:
        return self._choices is not None

    def _undo(self) -> None:
        action, self._undo_action = self._undo_action, None
        self.undo_button.layout.display = "none"
        if action is not None:
            try:
                action()
            except CmmikitError as exc:
                self.error(f"could not undo: {exc}")

    def _show(self, message: str, ok: bool) -> None:
        self.text, self.ok = message, ok
        self._undo_action = self._choices = None
        for extra in (self.undo_button, self.mine_button, self.theirs_button):
            if extra.layout.display != "none":
                extra.layout.display = "none"
        mark, colour = ("\u2713 ", OK_COLOUR) if ok else ("\u2717 ", ERROR_COLOUR)
        weight = "" if ok else ";font-weight:600"
        self.html.value = (f'<span role="status" style="color:{colour}{weight}">{mark}{esc(message)}</span>'
                           if message else "")

    def run(self, action: Callable[[], Any], done: str = "",
            on_conflict: Callable[[ConflictError], None] | None = None) -> bool:
        """Run a store change; show ``done`` or the user's mistake; return whether it worked.

        A change someone else made first (``ConflictError``) goes to ``on_conflict``, which offers the choice.
        """
        try:
            action()
        except ConflictError as exc:
            if on_conflict is None:
                self.error(str(exc))
            else:
                on_conflict(exc)
            return False
        except CmmikitError as exc:
            self.error(str(exc))
            return False
        if done:
            self.saved(done)
        return True


class View:
    """Base for notebook screens: ``self.widget`` is what Jupyter displays; ``summary()`` is the text form."""

    widget: w.Widget

    def summary(self) -> str:  # pragma: no cover - every view overrides it
        raise NotImplementedError

    def close(self) -> None:
        """Release the screen: its widgets are closed (the front end drops them; no more edits arrive)."""
        close_tree(self.widget)

    def __repr__(self) -> str:
        return self.summary()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.summary())

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = self.summary()
        return bundle
