"""What the rating review (SCAMPI A) and the assessment (SCAMPI B/C) screens of 02_ratings share.

The process-area filter, reading the results again, the follow-up line with its "re-assessed
only" switch, and the team decision on a practice: its form widgets, recording it based on the
version shown (a colleague's newer decision is offered, never overwritten), clearing it and
confirming one taken before its data changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from cmmikit.errors import ConflictError
from cmmikit.store import Appraisal
from cmmikit.ui.common import (
    StatusLine,
    View,
    button,
    conflict_message,
    esc,
    show_if,
    submit_button,
    text_field,
)

if TYPE_CHECKING:
    import pandas as pd

ALL = "All process areas"


def heading(text: str) -> w.HTML:
    """A section heading of the screen."""
    return w.HTML(f"<h3 style='margin:10px 0 2px'>{esc(text)}</h3>")


def decide(status: StatusLine, refresh: Callable[[], None], what: str, mine: str,
           save: Callable[[int | None], None], base: Callable[[], int], theirs: Callable[[], str | None],
           done: str) -> None:
    """Record a team decision based on the version shown (``base``), then ``refresh``; when a colleague
    recorded a newer one, both are shown and the user keeps theirs or saves mine on top."""
    def conflict(exc: ConflictError) -> None:
        refresh()
        status.offer_choice(conflict_message(exc, f"{what} team decision", mine, theirs()),
                            lambda: decide(status, refresh, what, mine, save, base, theirs, done),
                            lambda: status.saved(f"{what}: kept the decision recorded by {exc.changed_by}"))

    if status.run(lambda: save(base()), done=done, on_conflict=conflict):
        refresh()


class PracticeReview(View):
    """Base of the 02_ratings screens; subclasses read ``results`` in ``_read``, draw in ``render`` and name the
    practice whose decision the form shows in ``_case``."""

    appraisal: Appraisal

    def _start(self, appraisal: Appraisal, pa: str | None, refresh: tuple[str, str], reassessed: str) -> None:
        """Read the results and build the shared widgets (``refresh``: the button's text and tooltip)."""
        self.appraisal = appraisal
        self.reassessed_only = False  # a follow-up with inherited characterizations counted as open
        self.decision_versions: dict[tuple[str, str], int] = {}
        self._read()
        pa_options = [ALL, *appraisal.model.pa_ids]
        self.pa_filter = w.Dropdown(description="Show", options=pa_options, value=pa if pa in pa_options else ALL,
                                    style={"description_width": "initial"})
        self.refresh_button = button(refresh[0], "refresh", tooltip=refresh[1])
        self.follow_up = w.HTML()
        self.reassessed_only_box = w.Checkbox(value=False, indent=False, layout=w.Layout(width="auto"),
                                              description=reassessed)
        self.decision_rationale = text_field("Rationale", area=True, width="640px",
                                             placeholder="why the team chose this value (required)")
        self.decided_by = text_field("Decided by", "Appraisal team", width="320px")
        self.record_decision_button = submit_button("record decision", [self.decision_rationale, self.decided_by],
                                                    "check", style="primary")
        self.clear_decision_button = button("clear decision", "times")
        self.confirm_decision_button = button("confirm decision", "check-circle",
                                              tooltip="the data changed after the decision: keep it as it is")
        self.decision_status = StatusLine()
        self.pa_filter.observe(lambda _: self.render(), names="value")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.reassessed_only_box.observe(lambda change: self._reassessed_only(change["new"]), names="value")
        self.record_decision_button.on_click(lambda _: self.record_decision())
        self.clear_decision_button.on_click(lambda _: self.clear_decision())
        self.confirm_decision_button.on_click(lambda _: self.confirm_decision())

    def decision_buttons(self) -> w.HBox:
        return w.HBox([self.record_decision_button, self.clear_decision_button, self.confirm_decision_button,
                       self.decision_status.widget], layout=w.Layout(align_items="center"))

    def follow_up_row(self) -> w.HBox:
        return w.HBox([self.follow_up, self.reassessed_only_box], layout=w.Layout(align_items="center"))

    # -- what subclasses provide

    @property
    def results(self) -> Any:  # pragma: no cover - every screen overrides it
        raise NotImplementedError

    def _read(self) -> None:  # pragma: no cover
        raise NotImplementedError

    def render(self) -> None:  # pragma: no cover
        raise NotImplementedError

    def _case(self) -> Any:  # pragma: no cover
        raise NotImplementedError

    def record_decision(self) -> None:  # pragma: no cover
        raise NotImplementedError

    # -- shared behaviour

    def refresh(self) -> None:
        """Read the stored data again and redraw."""
        self._read()
        self.render()

    def _selected(self, frame: pd.DataFrame) -> pd.DataFrame:
        pa = self.pa_filter.value
        return (frame if pa == ALL else frame[frame.pa == pa]).reset_index(drop=True)

    def _reassessed_only(self, value: bool) -> None:
        self.reassessed_only = value
        self.refresh()

    def _show_follow_up(self) -> None:
        r = self.results
        show_if(self.reassessed_only_box, bool(r.follow_up_of))
        if not r.follow_up_of:
            self.follow_up.value = ""
            return
        counts = r.reassessment()
        self.follow_up.value = (f"Follow-up of <b>{esc(r.follow_up_of)}</b>: {counts['reassessed']} "
                                f"characterization(s) re-assessed, {counts['inherited']} still inherited. ")

    def clear_decision(self) -> None:
        case = self._case()
        if case is not None and self.decision_status.run(
                lambda: self.appraisal.clear_practice_decision(case.pa, case.practice),
                done=f"{case.pa} {case.practice}: team decision cleared"):
            self.refresh()

    def confirm_decision(self) -> None:
        """Keep a decision taken before its data changed (it applies again)."""
        case = self._case()
        if case is not None and self.decision_status.run(
                lambda: self.appraisal.confirm_practice_decision(
                    case.pa, case.practice, base_version=self.decision_versions.get((case.pa, case.practice))),
                done=f"{case.pa} {case.practice}: team decision confirmed"):
            self.refresh()
