"""The 00b_plan screen: plan a small appraisal with the forms only, mistakes shown on the status lines."""

from __future__ import annotations

from pathlib import Path

from cmmikit.store import Appraisal
from cmmikit.ui.planning import PlanView


def test_a_small_appraisal_is_planned_on_the_screen(appraisal: Appraisal):
    view = PlanView(appraisal, seed=1)
    assert view.summary().startswith("Plan: 0 subgroup(s), 0 basic unit(s) sampled")
    view.factor_name.value = "location"
    view.factor_button.click()
    assert view.sample_status.ok and "sampling factor location saved" in view.sample_status.text
    for name, where in (("Unit A", "Lyon"), ("Unit B", "Oslo"), ("Unit C", "Oslo")):
        view.unit_name.value, view.unit_values.value = name, f"location={where}"
        view.unit_button.click()
    assert [g.label for g in view.plan.subgroups] == ["location: Lyon", "location: Oslo"]
    view.suggest_button.click()
    assert sum(len(g.sampled) for g in view.plan.subgroups) == 3 and "location: Oslo" in view.sample_html.value
    view.unit_name.value, view.unit_values.value = "Unit D", "site=Paris"
    view.unit_button.click()
    assert not view.sample_status.ok and "no sampling factor named 'site'" in view.sample_status.text
    assert "Unit D" not in [u.name for u in appraisal.units()]

    view.request_pa.value = "CM"
    view.request_practice.value, view.request_instance.value = "SP 1.1", "Unit A"
    view.request_asked.value, view.request_owner.value = "The CM plan", "Ops"
    view.request_button.click()
    assert view.request_status.ok and "The CM plan" in view.requests_html.value
    view.request_due.value = "soon"
    view.request_asked.value = "<b>baselines</b>"
    view.request_button.click()
    assert not view.request_status.ok and len(appraisal.requests()) == 1

    view.interview_date.value, view.interview_pas.value = "2027-03-01", "CM"
    view.interview_roles.value, view.interview_instances.value = "agents <i>", "Unit A, Unit B"
    view.interview_button.click()
    assert view.interview_status.ok and "agents &lt;i&gt;" in view.interviews_html.value

    view.check_button.click()
    assert not view.readiness_status.ok and "start a readiness review first" in view.readiness_status.text
    view.review_date.value = "2027-02-20"
    view.review_button.click()
    view.check_criterion.value, view.check_met.value, view.check_note.value = "team_ready", True, "trained"
    view.check_button.click()
    view.decision.value, view.rationale.value = "continue", "ready to go"
    view.decision_button.click()
    assert "Decision: continue (go): ready to go" in view.readiness_html.value
    assert view.summary().endswith("readiness 2027-02-20: continue")
    assert {c.user for c in appraisal.history() if c.entity in ("readiness review", "interview", "evidence request",
                                                                "sampling unit")} == {appraisal.user}


def test_papermill_runs_the_plan_notebook(demo, tmp_path: Path):
    from test_ui_notebooks import shown_text

    assert "Plan: " in shown_text(demo, tmp_path, "00b_plan.ipynb", seed=3)
