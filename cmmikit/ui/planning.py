"""The 00b_plan screen: the sample, evidence requests, the interview schedule and the readiness review.

A thin layer over the store (every change one logged write) and :mod:`cmmikit.method.planning`,
:mod:`cmmikit.method.collection`, :mod:`cmmikit.method.readiness`; each section shows its list and
what is still missing, and each form reports what was saved or why not on its own status line.
"""

from __future__ import annotations

from datetime import date
import ipywidgets as w

from cmmikit.errors import InvalidValue
from cmmikit.method.collection import interview_gaps, overdue, request_lines
from cmmikit.method.planning import check_sample, plan_sample, suggest_sample
from cmmikit.method.readiness import load_criteria, review_lines
from cmmikit.store import Appraisal
from cmmikit.ui.common import StatusLine, View, bullet_list, button, esc, submit_button, text_field
from cmmikit.ui.review import heading


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _values(text: str) -> dict[str, str]:
    """``location=Lyon; size=small`` as a dict (a blank value clears the factor's value)."""
    values = {}
    for part in (p for p in text.split(";") if p.strip()):
        factor, sep, value = part.partition("=")
        if not sep or not factor.strip():
            raise InvalidValue(f"factor values: {part.strip()!r} must be FACTOR=VALUE")
        values[factor.strip()] = value.strip()
    return values


def _pre(lines: list[str]) -> str:
    return "<pre style='white-space:pre-wrap;margin:4px 0'>" + esc("\n".join(lines)) + "</pre>"


class PlanView(View):
    """Plan the appraisal: sampling factors and units, evidence requests, interviews, readiness."""

    def __init__(self, appraisal: Appraisal, *, seed: int = 0) -> None:
        self.appraisal, self.seed = appraisal, seed
        self.criteria = load_criteria()
        self._sampling_form()
        self._request_form()
        self._interview_form()
        self._readiness_form()
        self.widget = w.VBox([
            heading("Sampling factors, subgroups and the sample"), self.sample_html,
            w.HBox([self.factor_name, self.factor_relevant, self.factor_justification, self.factor_button]),
            w.HBox([self.unit_name, self.unit_people, self.unit_values, self.unit_sampled, self.unit_button]),
            w.HBox([self.suggest_button]), self.sample_status.widget,
            heading("Evidence requests"), self.requests_html,
            w.HBox([self.request_pa, self.request_practice, self.request_instance]),
            w.HBox([self.request_asked, self.request_owner, self.request_due, self.request_button]),
            self.request_status.widget,
            heading("Interview schedule"), self.interviews_html,
            w.HBox([self.interview_date, self.interview_time, self.interview_roles]),
            w.HBox([self.interview_pas, self.interview_instances, self.interview_button]),
            self.interview_status.widget,
            heading("Readiness review"), self.readiness_html,
            w.HBox([self.review_date, self.review_button]),
            w.HBox([self.check_criterion, self.check_met, self.check_note, self.check_button]),
            w.HBox([self.decision, self.rationale, self.decision_button]),
            self.readiness_status.widget,
        ])
        self.refresh()

    # -- forms ---------------------------------------------------------------------

    def _sampling_form(self) -> None:
        self.sample_html, self.sample_status = w.HTML(), StatusLine()
        self.factor_name = text_field("Factor", width="240px", placeholder="e.g. location")
        self.factor_relevant = w.Checkbox(value=True, description="relevant", indent=False,
                                          layout=w.Layout(width="auto"))
        self.factor_justification = text_field("", width="320px", placeholder="why not relevant")
        self.factor_button = submit_button("save factor", [self.factor_name, self.factor_justification], "check")
        self.factor_button.on_click(lambda _: self.save_factor())
        self.unit_name = text_field("Unit", width="240px", placeholder="basic unit")
        self.unit_people = w.BoundedIntText(value=0, min=0, max=100000, description="people",
                                            layout=w.Layout(width="140px"))
        self.unit_values = text_field("", width="320px", placeholder="location=Lyon; size=small")
        self.unit_sampled = w.Checkbox(value=False, description="sampled", indent=False, layout=w.Layout(width="auto"))
        self.unit_button = submit_button("save unit", [self.unit_name, self.unit_values], "check")
        self.unit_button.on_click(lambda _: self.save_unit())
        self.suggest_button = button("suggest a sample", "random",
                                     tooltip="top every subgroup up to its minimum at random (seeded) and save it")
        self.suggest_button.on_click(lambda _: self.suggest())

    def _request_form(self) -> None:
        self.requests_html, self.request_status = w.HTML(), StatusLine()
        self.request_pa = w.Dropdown(description="PA", options=self.appraisal.model.pa_ids,
                                     layout=w.Layout(width="160px"))
        self.request_practice = w.Dropdown(description="Practice", layout=w.Layout(width="220px"))
        self.request_instance = w.Dropdown(description="Instance", layout=w.Layout(width="280px"))
        self.request_pa.observe(lambda _: self._practices(), "value")
        self._practices()
        self.request_asked = text_field("Asked", width="360px", placeholder="what the organization should provide")
        self.request_owner = text_field("Owner", width="200px")
        self.request_due = text_field("Due", width="180px", placeholder="YYYY-MM-DD")
        self.request_button = submit_button("add request", [self.request_asked, self.request_owner,
                                                            self.request_due], "plus")
        self.request_button.on_click(lambda _: self.add_request())

    def _interview_form(self) -> None:
        self.interviews_html, self.interview_status = w.HTML(), StatusLine()
        self.interview_date = text_field("Date", width="180px", placeholder="YYYY-MM-DD")
        self.interview_time = text_field("Time", width="140px", placeholder="HH:MM")
        self.interview_roles = text_field("Roles", width="320px", placeholder="roles interviewed, never names")
        self.interview_pas = text_field("PAs", width="240px", placeholder="CM, PPQA")
        self.interview_instances = text_field("Instances", width="320px", placeholder="Unit A, Unit B")
        fields = [self.interview_date, self.interview_time, self.interview_roles, self.interview_pas,
                  self.interview_instances]
        self.interview_button = submit_button("schedule interview", fields, "calendar")
        self.interview_button.on_click(lambda _: self.add_interview())

    def _readiness_form(self) -> None:
        self.readiness_html, self.readiness_status = w.HTML(), StatusLine()
        self.review_date = text_field("Review on", date.today().isoformat(), width="220px")
        self.review_button = submit_button("start review", [self.review_date], "flag")
        self.review_button.on_click(lambda _: self.start_review())
        self.check_criterion = w.Dropdown(description="Criterion", options=[c.id for c in self.criteria],
                                          layout=w.Layout(width="320px"))
        self.check_met = w.Checkbox(value=False, description="met", indent=False, layout=w.Layout(width="auto"))
        self.check_note = text_field("", width="320px", placeholder="what the team saw")
        self.check_button = submit_button("save criterion", [self.check_note], "check")
        self.check_button.on_click(lambda _: self.save_check())
        self.decision = w.Dropdown(description="Decision", options=["continue", "replan", "reschedule", "cancel"],
                                   layout=w.Layout(width="240px"))
        self.rationale = text_field("", width="360px", placeholder="why (required)")
        self.decision_button = submit_button("record decision", [self.rationale], "gavel", style="primary")
        self.decision_button.on_click(lambda _: self.decide())

    def _practices(self) -> None:
        pa = self.request_pa.value
        self.request_practice.options = [p.id for p in self.appraisal.model.pa(pa).practices] if pa else []
        self.request_instance.options = [i.name for i in self.appraisal.instances() if pa in i.pas]

    # -- actions ---------------------------------------------------------------------

    def save_factor(self) -> None:
        name = self.factor_name.value
        if self.sample_status.run(lambda: self.appraisal.set_factor(
                name, relevant=self.factor_relevant.value, justification=self.factor_justification.value),
                done=f"sampling factor {name.strip()} saved"):
            self.refresh()

    def save_unit(self) -> None:
        name = self.unit_name.value
        if self.sample_status.run(lambda: self.appraisal.set_unit(
                name, people=self.unit_people.value, sampled=self.unit_sampled.value,
                values=_values(self.unit_values.value)), done=f"unit {name.strip()} saved"):
            self.refresh()

    def suggest(self) -> None:
        plan = plan_sample(self.appraisal.factors(), self.appraisal.units())
        if self.sample_status.run(lambda: self.appraisal.set_sample(suggest_sample(plan, self.seed)),
                                  done="sample suggested and saved (every subgroup at its minimum)"):
            self.refresh()

    def add_request(self) -> None:
        if self.request_status.run(lambda: self.appraisal.add_request(
                self.request_pa.value, self.request_practice.value or "", self.request_instance.value or "",
                self.request_asked.value, owner=self.request_owner.value, due_date=self.request_due.value),
                done="request added"):
            self.request_asked.value = ""
            self.refresh()

    def add_interview(self) -> None:
        if self.interview_status.run(lambda: self.appraisal.add_interview(
                self.interview_date.value, starts_at=self.interview_time.value, roles=self.interview_roles.value,
                pas=_names(self.interview_pas.value), instances=_names(self.interview_instances.value)),
                done="interview scheduled"):
            self.refresh()

    def start_review(self) -> None:
        if self.readiness_status.run(lambda: self.appraisal.add_review(self.review_date.value,
                                                                       [c.id for c in self.criteria]),
                                     done="readiness review started"):
            self.refresh()

    def _latest(self) -> int:
        reviews = self.appraisal.reviews()
        if not reviews:
            raise InvalidValue("start a readiness review first")
        return reviews[-1].id

    def save_check(self) -> None:
        if self.readiness_status.run(lambda: self.appraisal.set_check(
                self._latest(), self.check_criterion.value, met=self.check_met.value, note=self.check_note.value),
                done=f"{self.check_criterion.value}: {'met' if self.check_met.value else 'not met'}"):
            self.refresh()

    def decide(self) -> None:
        if self.readiness_status.run(lambda: self.appraisal.decide(self._latest(), self.decision.value,
                                                                   self.rationale.value),
                                     done=f"decision recorded: {self.decision.value}"):
            self.refresh()

    # -- reading -------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the plan again and redraw every section."""
        a = self.appraisal
        with a.snapshot():
            self.plan = plan_sample(a.factors(), a.units())
            instances = a.instances()
            self.sample_problems = check_sample(self.plan, [i.name for i in instances])
            self.requests = a.requests()
            self.interviews = a.interviews()
            scope = [pa for pa, s in a.scopes().items() if s.scope == "in_scope"]
            self.gaps = interview_gaps(instances, scope, self.interviews)
            self.reviews = a.reviews()
        self.sample_html.value = self._sample_table() + (
            bullet_list(self.sample_problems) if self.sample_problems else "<p>The sample covers every subgroup.</p>")
        self.requests_html.value = _pre(request_lines(self.requests, date.today().isoformat()))
        self.interviews_html.value = _pre([f"#{s.id} {s.held_on} {s.starts_at}: {s.roles}; PAs {', '.join(s.pas)}; "
                                           f"instances {', '.join(s.instances) or 'none'}" for s in self.interviews]
                                          or ["no interviews scheduled"]) + (
            f"<p>{len(self.gaps)} PA / instance pair(s) without an interview</p>" if self.gaps else "")
        self.readiness_html.value = (_pre(review_lines(self.reviews[-1], self.criteria)) if self.reviews
                                     else "<p>No readiness review yet.</p>")

    def _sample_table(self) -> str:
        rows = "".join(f"<tr><td>{esc(g.label)}</td><td>{len(g.units)}</td><td>{g.people}</td><td>{g.minimum}</td>"
                       f"<td>{esc(', '.join(g.sampled))}</td></tr>" for g in self.plan.subgroups)
        return ("<table class='cmmikit-table'><thead><tr><th>Subgroup</th><th>Units</th><th>People</th>"
                f"<th>Minimum</th><th>Sampled</th></tr></thead><tbody>{rows}</tbody></table>")

    def summary(self) -> str:
        sampled = sum(len(g.sampled) for g in self.plan.subgroups)
        late = len(overdue(self.requests, date.today().isoformat()))
        review = self.reviews[-1] if self.reviews else None
        state = ("no readiness review" if review is None else
                 f"readiness {review.held_on}: {review.decision or 'no decision yet'}")
        return (f"Plan: {len(self.plan.subgroups)} subgroup(s), {sampled} basic unit(s) sampled, "
                f"{len(self.sample_problems)} sampling problem(s); {len(self.requests)} request(s), {late} overdue; "
                f"{len(self.interviews)} interview(s), {len(self.gaps)} gap(s); {state}")


def plan_summary(appraisal: Appraisal) -> str:
    """The plan's one-line summary (what the notebook asserts on)."""
    return PlanView(appraisal).summary()


__all__ = ["PlanView", "plan_summary"]
