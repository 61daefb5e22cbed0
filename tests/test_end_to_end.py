"""Both shipped models end to end: new, characterize, rate, findings, workbook, charts, questionnaire.

The same scenario runs on CMMI-SVC and CMMI-DEV with no model-specific code: the second
process area of the model gets one practice with a PI weakness in one unit (decided PI by the
team), SAM is Not Applicable, everything else is FI with evidence.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cmmikit import cli
from cmmikit.imports import questionnaire as q
from cmmikit.outputs.charts import render_all
from cmmikit.method.compare import ModelMismatch, compare
from cmmikit.errors import ImportProblem
from cmmikit.outputs.excel import findings_frames, write_gap_workbook
from cmmikit.method.findings import sync_findings
from cmmikit.method.rating import NOT_RATED, SATISFIED, UNSATISFIED, rate
from cmmikit.store import Appraisal
from cmmikit.outputs.xlsx_safe import set_text

MODELS = {"cmmi-svc-1.3": ("CMMI for Services", 8, 63), "cmmi-dev-1.3": ("CMMI for Development", 7, 54)}


def new_appraisal(path: Path, model: str, capsys: pytest.CaptureFixture) -> Appraisal:
    """Create the appraisal through the command line, as a user would."""
    assert cli.main(["new", str(path), "--name", f"E2E {model}", "--model", model, "--unit", "Alpha",
                     "--unit", "Beta", "--support", "QA:PPQA,CM"]) == 0
    assert f"{MODELS[model][0]} 1.3, {MODELS[model][1]} process areas, 3 instances" in capsys.readouterr().out
    return Appraisal.open(path)


def characterize(a: Appraisal) -> tuple[str, str]:
    """Fill every cell; returns the (PA, practice) given a PI weakness."""
    weak_pa = [pa for pa in a.model.pa_ids if pa != "SAM"][1]
    weak = (weak_pa, a.model.pa(weak_pa).practices[0].id)
    a.set_scope("SAM", "not_applicable", "no suppliers in this organizational unit")
    sampled = {i.name: i.pas for i in a.instances()}
    with a.transaction():
        for p in a.model.practices():
            if p.pa == "SAM":
                continue
            for inst, pas in sampled.items():
                if p.pa not in pas:
                    continue
                value, weakness = ("PI", "Done for new work only; =SUM(A1) is not a formula") \
                    if (p.pa, p.id) == weak and inst == "Alpha" else ("FI", "")
                a.update_record(p.pa, p.id, inst, characterization=value, weaknesses=weakness,
                                strengths="Exemplary reviews" if (p.pa, p.id) == weak and inst == "Beta" else "")
                a.add_evidence(p.pa, p.id, inst, "artifact", f"{p.pa} {p.id} record")
                a.add_evidence(p.pa, p.id, inst, "affirmation", f"interview {inst}")
    return weak


@pytest.fixture(params=sorted(MODELS))
def rated(request, tmp_path, capsys):
    a = new_appraisal(tmp_path / "e2e.cmmi", request.param, capsys)
    weak = characterize(a)
    yield request.param, a, weak
    a.close()


def test_rating_on_each_model(rated):
    model_id, a, (weak_pa, weak_practice) = rated
    r = rate(a)
    assert r.model_id == model_id and len(r.pas) == MODELS[model_id][1]
    assert int((~r.practices.generic).sum()) == MODELS[model_id][2]
    practice = r.practices.set_index(["pa", "practice"]).loc[(weak_pa, weak_practice)]
    assert practice["aggregate"] == "LI or PI" and r.maturity.verdict == NOT_RATED  # the team must decide
    a.set_practice_decision(weak_pa, weak_practice, "PI", "only new work follows it")
    r = rate(a)
    pas = r.pas.set_index("pa")
    assert pas.loc[weak_pa, "rating"] == UNSATISFIED and pas.loc[weak_pa, "capability_level"] == "CL0"
    assert pas.loc["SAM", "rating"] == "Not Applicable"
    assert set(pas.drop([weak_pa, "SAM"]).rating) == {SATISFIED}
    assert r.maturity.verdict == "Not Achieved" and r.maturity.reasons == (f"{weak_pa} Unsatisfied",)


def test_findings_workbook_and_charts_on_each_model(rated, tmp_path):
    model_id, a, (weak_pa, weak_practice) = rated
    a.set_practice_decision(weak_pa, weak_practice, "PI", "only new work follows it")
    report = sync_findings(a)
    assert len(report.created) == 2 and not sync_findings(a).changed  # one weakness, one strength; idempotent
    r = rate(a)
    findings, actions = findings_frames(a, r)
    gap = findings[findings.kind == "weakness"].iloc[0]
    assert (gap.pa, gap.practices) == (weak_pa, weak_practice)

    path = write_gap_workbook(a, tmp_path / "gap.xlsx", ratings=r)
    wb = load_workbook(path)
    assert set(a.model.pa_ids) <= set(wb.sheetnames)
    summary = [c.value for row in wb["Summary"].iter_rows() for c in row if c.value is not None]
    assert f"{MODELS[model_id][0]} 1.3" in summary and "Maturity level 2: Not Achieved" in summary
    sheet = wb[weak_pa]
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Alpha: Done for new work only; =SUM(A1) is not a formula" in texts  # text, not a formula

    written = render_all(r, findings, tmp_path / "charts", formats=("png",))
    assert set(written) == {"goal_heatmap", "readiness_radar", "characterization_bars", "findings_priority"}
    assert all(p.stat().st_size > 1000 for paths in written.values() for p in paths)


def test_questionnaire_round_trip_on_each_model(rated, tmp_path):
    _, a, (weak_pa, weak_practice) = rated
    blank = q.write_questionnaire(a, "Alpha", tmp_path / "alpha.xlsx")
    wb = load_workbook(blank)
    ws = wb[q.QUESTIONS]
    rows = [r for r in range(2, ws.max_row + 1)
            if (ws.cell(r, 1).value, ws.cell(r, 3).value) == (weak_pa, weak_practice)]
    assert len(rows) == len(a.model.practice(weak_pa, weak_practice).questions)
    for r in rows:
        set_text(ws.cell(r, q.ANSWER), "Partly")
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    answers = q.import_questionnaire(a, filled)
    assert answers.instance == "Alpha" and len(answers.responses) == len(rows)
    suggestion = q.suggested_characterizations(a).set_index(["pa", "practice", "instance"]).loc[
        (weak_pa, weak_practice, "Alpha")]
    assert suggestion["characterization"] == "PI" and suggestion["n_answers"] == len(rows)


def test_comparison_and_questionnaires_across_models_are_refused(tmp_path, capsys):
    with new_appraisal(tmp_path / "svc.cmmi", "cmmi-svc-1.3", capsys) as svc, \
            new_appraisal(tmp_path / "dev.cmmi", "cmmi-dev-1.3", capsys) as dev:
        with pytest.raises(ModelMismatch, match="cmmi-svc-1.3.*cmmi-dev-1.3"):
            compare(svc, dev)
        blank = q.write_questionnaire(svc, "QA", tmp_path / "qa.xlsx")  # PPQA and CM exist in both models
        with pytest.raises(ImportProblem, match="made for model 'cmmi-svc-1.3'"):
            q.import_questionnaire(dev, blank)
        assert dev.responses() == []


def test_rate_json_names_the_model(tmp_path, capsys):
    new_appraisal(tmp_path / "dev.cmmi", "cmmi-dev-1.3", capsys).close()
    assert cli.main(["rate", str(tmp_path / "dev.cmmi"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["model"] == {"id": "cmmi-dev-1.3", "name": "CMMI for Development", "version": "1.3"}
    assert [p["pa"] for p in data["process_areas"]] == ["CM", "MA", "PMC", "PP", "PPQA", "REQM", "SAM"]


def test_model_command_validates_the_dev_folder(capsys):
    assert cli.main(["model", "cmmi-dev-1.3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("CMMI for Development 1.3 (cmmi-dev-1.3)")
    assert "  PP    Project Planning                         4 goals, 14 specific + 10 generic practices" in out
