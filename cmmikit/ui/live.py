"""Colleagues' changes, live: a screen learns what others saved since it was drawn and offers to show it.

The watcher asks the store for change-log entries after the last one it has seen (one indexed query)
every few seconds, from the kernel's own event loop: the callback runs on the kernel's main thread
between messages, so it never shares the appraisal handle with a handler that is writing. Nothing is
redrawn by itself (that could take away what the user is typing): the screen says who changed what
and a button redraws it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from cmmikit.errors import CmmikitError
from cmmikit.store import Appraisal
from cmmikit.store.records import Change
from cmmikit.ui.common import LIVE_CLASS, button, esc

EVERY_SECONDS = 3.0
SHOWN = 3   # changes named one by one; the rest are counted


def what_changed(change: Change) -> str:
    """'WP SP 1.1 · Unit A (characterization)', 'finding 3 (statement)', 'the team (dana)'."""
    where = " ".join(part for part in (change.pa, change.practice) if part)
    if change.instance:
        where = f"{where} · {change.instance}" if where else change.instance
    where = where or f"{change.entity} {change.key}".strip()
    return f"{where} ({change.field})" if change.field else where


class ColleagueChanges:
    """A line above the screen naming the changes others saved since it was drawn, with a button to show them."""

    def __init__(self, appraisal: Appraisal, redraw: Callable[[], None], *, every: float = EVERY_SECONDS) -> None:
        self.appraisal, self.redraw, self.every = appraisal, redraw, every
        self.seen = appraisal.last_change_id()
        self.waiting: list[Change] = []
        self.notice = w.HTML()
        self.show_button = button("show their changes", "refresh",
                                  tooltip="redraw this screen from the appraisal as it is now (save what you are "
                                          "typing first)")
        self.show_button.on_click(lambda _: self.show())
        self.widget = w.HBox([self.notice, self.show_button],
                             layout=w.Layout(display="none", align_items="center", flex_flow="row wrap"))
        self.widget.add_class(LIVE_CLASS)
        self._timer: asyncio.TimerHandle | None = None
        self._stopped = False

    def mine(self, change: Change) -> bool:
        return change.user == self.appraisal.user and (not change.login or change.login == self.appraisal.login)

    def check(self) -> list[Change]:
        """Look for others' changes since the last look; show them; return the ones waiting to be shown."""
        try:
            news = self.appraisal.history(after=self.seen)
        except CmmikitError:   # the appraisal closed or the server is away: the next look tries again
            return self.waiting
        if news:
            self.seen = news[-1].id
            self.waiting += [c for c in news if not self.mine(c)]
        self._draw()
        return self.waiting

    def show(self) -> None:
        """Redraw the screen with the colleagues' changes; the notice goes away."""
        self.redraw()
        self.seen = max(self.seen, self.appraisal.last_change_id())
        self.waiting = []
        self._draw()

    def _draw(self) -> None:
        if not self.waiting:
            self.widget.layout.display = "none"
            return
        named = [f"<b>{esc(c.user)}</b> changed {esc(what_changed(c))} at {esc(c.at[11:16])}"
                 for c in self.waiting[-SHOWN:]]
        more = len(self.waiting) - len(named)
        if more:
            people = sorted({c.user for c in self.waiting[:more]})
            named.insert(0, f"{more} earlier change{'s' if more != 1 else ''} by {esc(', '.join(people))}")
        self.notice.value = ("<span style='font-size:12px'>Since this screen was drawn: "
                             + "; ".join(named) + ".</span>")
        self.widget.layout.display = "flex"

    def start(self) -> None:
        """Look every few seconds from the kernel's event loop (nothing happens outside a running kernel)."""
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:
            return
        if loop.is_running():
            self._timer = loop.call_later(self.every, self._tick, loop)

    def _tick(self, loop: Any) -> None:
        if self._stopped:
            return
        self.check()
        self._timer = loop.call_later(self.every, self._tick, loop)

    def stop(self) -> None:
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
