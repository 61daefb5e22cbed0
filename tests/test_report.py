"""The report runs headless on the demo appraisal: verdict, PAs, charts, no code, escaped user text, rerunnable."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from cmmikit import report, report_views
from cmmikit.cli import main
from cmmikit.compare import ModelMismatch
from cmmikit.rating import rate
from cmmikit.report_data import ReportParameterError, check_parameters, load_report
from cmmikit.store import Appraisal, StoreError

DATE = "2026-11-20"
SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def hostile(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo appraisal with markup in a weakness, a strength, an action and its name."""
    path = tmp_path_factory.mktemp("hostile") / "hostile.cmmi"
    shutil.copy(demo_file, path)
    with Appraisal.open(path) as a:
        a.update_info(name="Northwind <b>bold</b> & co")
        # MA SP 2.4's generated finding ranks among the demo's top gaps, so its statement is listed in full
        a.update_record("MA", "SP 2.4", "Service Desk", weaknesses=f"Data lost {SCRIPT} twice.")
        a.update_record("SD", "SP 1.1", "Service Desk", strengths=f"Great tool {IMG}.")
        fid = a.add_finding("weakness", "MA", "SG 2", "Handwritten gap.", practices=["SP 2.3"])
        a.add_action(fid, f"Fix it {SCRIPT}", owner="Dana <i>W</i>", due_date="2026-11-01")
    return path


@pytest.fixture(scope="module")
def run(hostile: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One report run through the CLI; returns the HTML path and text."""
    out = tmp_path_factory.mktemp("report") / "report.html"
    assert main(["report", str(hostile), "-o", str(out), "--date", DATE]) == 0
    return out, out.read_text(encoding="utf-8")


def test_html_tells_the_verdict_and_every_pa(run, hostile):
    _, html = run
    with Appraisal.open(hostile) as a:
        ratings = rate(a)
    assert ratings.maturity.headline == "Maturity level 2: Not Achieved"
    assert f'<p class="headline">{ratings.maturity.headline}</p>' in html
    for pa in ratings.pas.itertuples():
        assert f"<td>{pa.pa}</td><td>{pa.name}</td>" in html
    for heading in ("Verdict", "Scope and method", "Process area and goal ratings", "Charts", "Strengths",
                    "Gap findings, ranked", "Action plan", "Coverage and caveats"):
        assert f"<h2>{heading}</h2>" in html
    assert "Progress since the baseline" not in html
    assert f"<td>{DATE}</td>" in html


def test_charts_are_inline_images(run):
    _, html = run
    images = re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,', html)
    assert images == ["goal heatmap", "readiness radar", "characterization bars", "findings priority"]


def test_no_code_no_prompts_no_scripts_no_network(run):
    _, html = run
    for code in ('class="jp-CodeMirrorEditor', 'class="jp-InputPrompt', 'class="jp-OutputPrompt', "load_report(",
                 "views.", "appraisal_path =", "import ", "Traceback"):
        assert code not in html
    assert "<script" not in html.lower()
    assert not re.search(r'(src|href)="https?://', html)


def test_user_text_is_escaped(run):
    _, html = run
    assert SCRIPT not in html
    assert "Data lost &lt;script&gt;alert(1)&lt;/script&gt; twice." in html    # the weakness, in its finding
    assert "Fix it &lt;script&gt;alert(1)&lt;/script&gt;" in html               # the action
    assert "<img src=x" not in html and "&lt;img src=x onerror=" in html
    assert "<b>bold</b>" not in html and "Northwind &lt;b&gt;bold&lt;/b&gt; &amp; co: appraisal report" in html
    assert "Dana &lt;i&gt;W&lt;/i&gt;" in html      # action owner, in the action plan


def test_executed_notebook_is_kept_beside_the_html(run, hostile):
    out, _ = run
    nb = json.loads(out.with_suffix(".ipynb").read_text(encoding="utf-8"))
    params = nb["metadata"]["papermill"]["parameters"]
    assert params["appraisal_path"] == str(hostile.resolve()) and params["report_date"] == DATE
    assert "start_time" not in nb["metadata"]["papermill"]
    assert all("start_time" not in c["metadata"].get("papermill", {}) and "execution" not in c["metadata"]
               for c in nb["cells"])
    assert not any(o.get("output_type") == "error" for c in nb["cells"] for o in c.get("outputs", []))


def test_rerun_on_the_same_data_gives_the_same_html(run, hostile, tmp_path):
    out, html = run
    again = report.render_report(hostile, tmp_path / "again.html", report_date=DATE)
    assert again.html.read_text(encoding="utf-8") == html


def test_report_with_baseline_shows_progress(hostile, demo_file, tmp_path):
    current = tmp_path / "follow-up.cmmi"
    shutil.copy(hostile, current)
    with Appraisal.open(current) as a:
        a.update_record("WMC", "SP 1.1", "Service Desk", characterization="FI", weaknesses="")
    files = report.render_report(current, tmp_path / "progress.html", baseline_path=demo_file, report_date=DATE,
                                 title="Follow-up")
    html = files.html.read_text(encoding="utf-8")
    assert "<h2>Progress since the baseline</h2>" in html
    assert "<h1>Follow-up</h1>" in html
    assert 'alt="readiness trend"' in html
    assert len(re.findall(r'src="data:image/png;base64,', html)) == 5


def test_report_leaves_the_appraisal_untouched(hostile):
    with Appraisal.open(hostile) as a:
        before = (a.findings(), a.actions())
    data = load_report(str(hostile), report_date=DATE)
    refreshed = data.current.findings.set_index("source_key").loc["weakness:MA:SP 2.4", "statement"]
    assert SCRIPT in refreshed                       # findings were refreshed from the weaknesses, in a copy
    with Appraisal.open(hostile) as a:
        assert (a.findings(), a.actions()) == before
        assert all(SCRIPT not in f.statement for f in a.findings())


def test_overdue_actions_follow_the_report_date(hostile):
    early = load_report(str(hostile), report_date="2026-10-01").current.action_summary
    late = load_report(str(hostile), report_date=DATE).current.action_summary
    assert (early["overdue"], late["overdue"]) == (0, 1)


@pytest.mark.parametrize(("values", "message"), [
    ({"colour": "red"}, "unknown report parameter"),
    ({"report_date": "20.11.2026"}, "YYYY-MM-DD"),
    ({"report_date": "2026-02-30"}, "not a calendar date"),
    ({"title": 3}, "must be text"),
])
def test_parameters_are_validated(values, message):
    with pytest.raises(ReportParameterError, match=message):
        check_parameters(values)


def test_refusals_before_a_kernel_starts(tiny, hostile, tmp_path):
    with pytest.raises(report.ReportError, match=r"\*\.html"):
        report.render_report(hostile, tmp_path / "report.pdf")
    with pytest.raises(ModelMismatch, match="different models"):
        report.render_report(hostile, tmp_path / "r.html", baseline_path=tiny.address)
    with pytest.raises(StoreError, match="no such appraisal"):
        report.render_report(tmp_path / "missing.cmmi", tmp_path / "r.html")
    assert not list(tmp_path.glob("r.*"))


def test_cli_reports_errors_in_one_line(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing.cmmi"), "-o", str(tmp_path / "r.html")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cmmikit: error:") and err.count("\n") == 1


def test_failing_cell_names_the_cell_and_keeps_the_notebook(hostile, tmp_path, monkeypatch):
    monkeypatch.setattr(report, "NOTEBOOK", DATA / "report_failing_cell.ipynb")
    with pytest.raises(report.ReportError, match=r"failed in cell In \[3\]: ValueError: broken on purpose"):
        report.render_report(hostile, tmp_path / "r.html", report_date=DATE)
    assert (tmp_path / "r.ipynb").exists() and not (tmp_path / "r.html").exists()


# ------------------------------------------------------------------ the HTML building blocks


def test_table_escapes_headers_and_cells():
    frame = pd.DataFrame([{"a": "<b>x</b>", "b": None}, {"a": 'say "hi"', "b": float("nan")}])
    html = report_views.table(frame, {"a": "<A>", "b": "B"})
    assert "<b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html and "say &quot;hi&quot;" in html
    assert "<th scope=\"col\">&lt;A&gt;</th>" in html and "nan" not in html and "None" not in html


def test_badge_and_section_escape():
    assert report_views.badge("<i>") == "&lt;i&gt;"
    assert "Satisfied</span>" in report_views.badge("Satisfied")
    assert report_views.section("<h>", "<p>ok</p>") == \
        '<section class="report-section"><h2>&lt;h&gt;</h2><p>ok</p></section>'
    assert report_views.text_block("a <b>\nb") == "a &lt;b&gt;<br>b"


def test_html_sections_display_as_html_only():
    assert report_views.Html("<p>x</p>")._repr_mimebundle_() == {"text/html": "<p>x</p>"}


def test_report_notebook_has_one_parameters_cell_with_literal_defaults():
    nb = nbformat.read(report.NOTEBOOK, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    names = dict(re.findall(r"^(\w+) = (\S+)", tagged[0].source, flags=re.M))
    assert names == {"appraisal_path": "None", "baseline_path": "None", "title": "None", "report_date": "None"}
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_export_notebook_writes_workbook_charts_and_report(hostile, tmp_path):
    import papermill

    appraisal = tmp_path / "export.cmmi"
    shutil.copy(hostile, appraisal)
    out = tmp_path / "exports"
    papermill.execute_notebook(str(report.ROOT / "notebooks" / "04_export.ipynb"), str(tmp_path / "run.ipynb"),
                               parameters={"appraisal_path": str(appraisal), "output_dir": str(out)},
                               kernel_name="python3", progress_bar=False, cwd=str(tmp_path))
    assert (out / "gap-analysis.xlsx").stat().st_size > 0
    assert sorted(p.name for p in (out / "charts").iterdir()) == sorted(
        f"{name}.{fmt}" for name in ("goal_heatmap", "readiness_radar", "characterization_bars",
                                     "findings_priority") for fmt in ("png", "svg"))
    assert "Maturity level 2: Not Achieved" in (out / "report.html").read_text(encoding="utf-8")
    assert (out / "report.ipynb").exists()
    assert (out / "final-findings.pptx").stat().st_size > 0


def test_caveats_name_open_judgments_and_not_rated_goals(demo):
    decision = next(d for d in demo.practice_decisions() if d.pa == "CM")
    demo.clear_practice_decision(decision.pa, decision.practice)
    demo.set_scope("SAM", "not_applicable", "no suppliers")
    demo.update_info(appraisal_type="Self-appraisal")
    path = str(demo.path)
    demo.close()
    data = load_report(path, report_date=DATE)
    html = report_views.caveats(data)
    assert "Team judgment still open: 1 practice (CM 1)." in html
    assert f"{decision.pa} {demo_goal(data, decision.practice)} is Not Rated: 1 practice(s) team judgment open." in html
    assert "readiness verdict" in report_views.verdict(data)
    assert report_views.comparison_section(data) == ""


def demo_goal(data, practice: str) -> str:
    practices = data.current.ratings.practices
    return practices[(practices.pa == "CM") & (practices.practice == practice)].goal.iloc[0]
