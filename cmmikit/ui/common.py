"""Shared helpers for the notebook views: opening an appraisal, safe HTML, status lines, text reprs.

Views keep their widgets as named attributes and wire them to the store; the
helpers here keep that wiring short and identical across screens.
"""

from __future__ import annotations

import html
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import ipywidgets as w

from cmmikit import __version__
from cmmikit.errors import CmmikitError, StoreError
from cmmikit.store import Appraisal

APPRAISAL_ENV = "CMMIKIT_APPRAISAL"   # an appraisal path for notebooks served without parameters (Voila)
CACHE_ENV = "CMMIKIT_CACHE_DIR"       # where the sample appraisal is built when no path is given

# colours shared by every table and badge (green = good, amber = open, red = gap, grey = not counted)
COLOURS = {
    "FI": "#b7e1b0", "LI": "#dcefc6", "PI": "#ffd59e", "NI": "#f4a6a6", "NY": "#e4e4e4",
    "Satisfied": "#b7e1b0", "Unsatisfied": "#f4a6a6", "Not Rated": "#ffe8a3",
    "Not Applicable": "#e4e4e4", "Out of Scope": "#e4e4e4",
    "Achieved": "#b7e1b0", "Ready": "#b7e1b0", "Not Achieved": "#f4a6a6", "Not Ready": "#f4a6a6",
    "judgment": "#ffe8a3",
}


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

    from cmmikit import demo, findings
    from cmmikit.model import find_model_dir
    from cmmikit.store import schema

    digest = hashlib.sha256()
    sources = [Path(demo.__file__), Path(findings.__file__), *sorted(find_model_dir().glob("*.yaml"))]
    for source in sources:
        digest.update(source.read_bytes())
    return cache_dir() / f"demo-{__version__}-schema{schema.HEAD}-{digest.hexdigest()[:10]}.cmmi"


def open_appraisal(path: str | os.PathLike | None = None) -> Appraisal:
    """Open the appraisal at ``path``; without one, ``$CMMIKIT_APPRAISAL``, else the sample appraisal.

    The sample is the one ``cmmikit demo`` builds, kept in :func:`demo_path` and built on first use
    (rebuilt if the cached copy cannot be opened).
    """
    path = path or os.environ.get(APPRAISAL_ENV) or None
    if path is not None:
        return Appraisal.open(path)
    return _open_demo(demo_path())


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


# ------------------------------------------------------------------ safe text into widgets


def esc(text: Any) -> str:
    """User or model text as HTML text (never markup)."""
    return html.escape("" if text is None else str(text), quote=True)


def badge(label: str, colour_key: str | None = None) -> str:
    """A small coloured label (the label is escaped)."""
    colour = COLOURS.get(colour_key or label, "#eeeeee")
    return (f'<span style="background:{colour};padding:1px 6px;border-radius:3px;'
            f'font-weight:600">{esc(label)}</span>')


def bullet_list(items: Iterable[str]) -> str:
    return "<ul style='margin:2px 0'>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def safe_link(location: str, label: str | None = None) -> str:
    """A location as a clickable link (showing ``label`` or the address) when it is a web address,
    plain text otherwise."""
    location = (location or "").strip()
    if location.lower().startswith(("https://", "http://")):
        return (f'<a href="{esc(location)}" target="_blank" rel="noopener noreferrer">'
                f'{esc(label or location)}</a>')
    return esc(location)


class StatusLine:
    """One line of feedback under a screen: what was saved, or why not (readable without a kernel)."""

    def __init__(self) -> None:
        self.widget = w.HTML(value="")
        self.text = ""
        self.ok = True

    def saved(self, message: str) -> None:
        self._show(message, ok=True)

    def error(self, message: str) -> None:
        self._show(message, ok=False)

    def _show(self, message: str, ok: bool) -> None:
        self.text, self.ok = message, ok
        colour = "#1a7f37" if ok else "#b42318"
        self.widget.value = f'<span style="color:{colour}">{esc(message)}</span>' if message else ""

    def run(self, action: Callable[[], Any], done: str = "") -> bool:
        """Run a store change; show ``done`` or the user's mistake; return whether it worked."""
        try:
            action()
        except CmmikitError as exc:
            self.error(str(exc))
            return False
        if done:
            self.saved(done)
        return True


def text_field(description: str, value: str = "", *, placeholder: str = "", area: bool = False,
               width: str = "100%") -> w.Text | w.Textarea:
    """A text box that reports its value when the user leaves it (one save per edit, not per key)."""
    cls = w.Textarea if area else w.Text
    return cls(value=value or "", description=description, placeholder=placeholder, continuous_update=False,
               layout=w.Layout(width=width), style={"description_width": "initial"})


def show_if(widget: w.Widget, visible: bool) -> None:
    widget.layout.display = None if visible else "none"


class View:
    """Base for notebook screens: ``self.widget`` is what Jupyter displays; ``summary()`` is the text form."""

    widget: w.Widget

    def summary(self) -> str:  # pragma: no cover - every view overrides it
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.summary()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.summary())

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = self.summary()
        return bundle
