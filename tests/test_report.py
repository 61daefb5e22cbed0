"""The report runs headless on the demo appraisal: verdict, PAs, charts, no code, escaped user text, rerunnable,
printable to PDF, true for partial appraisals, bounded for large ones, and careful with the files around it."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from cmmikit import staging
from cmmikit.outputs import report
from cmmikit.outputs import report_html, report_views
from cmmikit.cli import main
from cmmikit.method.compare import ModelMismatch
from cmmikit.method.rating import rate
from cmmikit.outputs.report_data import ReportParameterError, check_parameters, load_report
from cmmikit.store import Appraisal, StoreError

DATE = "2026-11-20"
SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
MAX_DEMO_PAGES = 16         # the demo prints on 13 A4 pages; 30 before the print stylesheet
MM = 72 / 25.4              # PDF points per millimetre


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
        for pa, practice in (("MA", "SP 2.4"), ("SD", "SP 1.1")):   # the team keeps its decisions after the edits
            if any((d.pa, d.practice) == (pa, practice) for d in a.practice_decisions()):
                a.confirm_practice_decision(pa, practice)
        fid = a.add_finding("weakness", "MA", "SG 2", "Handwritten gap.", practices=["SP 2.3"])
        a.add_action(fid, f"Fix it {SCRIPT}", owner="Dana <i>W</i>", due_date="2026-11-01", status="in_progress")
    return path


@pytest.fixture(scope="module")
def run(hostile: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One report run through the CLI; returns the HTML path and text."""
    out = tmp_path_factory.mktemp("report") / "report.html"
    assert main(["report", str(hostile), "-o", str(out), "--date", DATE]) == 0
    return out, out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pdf(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo report printed to PDF (A4) through the CLI."""
    out = tmp_path_factory.mktemp("pdf") / "report.pdf"
    assert main(["report", str(demo_file), "-o", str(out), "--date", DATE]) == 0
    return out


def pdf_text(path: Path) -> str:
    """The PDF's text, whitespace (and line ends inside table cells) folded to single spaces."""
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(text.split())


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


# ------------------------------------------------------------------ the HTML report


def test_html_tells_the_verdict_and_every_pa(run, hostile):
    _, html = run
    with Appraisal.open(hostile) as a:
        ratings = rate(a)
    assert ratings.maturity.headline == "Maturity level 2: Not Achieved"
    assert f'<p class="headline">{ratings.maturity.headline}</p>' in html
    for pa in ratings.pas.itertuples():
        assert f"<td>{pa.pa}</td><td>{pa.name}</td>" in html
    headings = re.findall(r"<h2>([^<]+)</h2>", html)
    assert headings == ["Verdict", "Scope and method", "Process area and goal ratings", "Charts",
                        "Gap findings, ranked", "Strengths", "Team decisions", "Action plan", "Coverage and caveats",
                        "About this report"]       # gaps before strengths
    assert "Progress since the baseline" not in html
    assert f"<td>{DATE}</td>" in html
    assert "<td>CMMI for Services version 1.3 (model id cmmi-svc-1.3)</td>" in html
    assert '<meta content="cmmikit report" name="generator"/>' in html
    assert report.is_report_output(run[0])


def test_charts_are_inline_images(run):
    _, html = run
    images = re.findall(r'<img alt="([^"]+)" src="data:image/svg\+xml;base64,', html)
    assert images == ["goal heatmap", "readiness radar", "characterization bars", "findings priority"]


def test_no_code_no_prompts_no_scripts_no_network(run):
    _, html = run
    for code in ('class="jp-', "load_report(", "views.", "appraisal_path =", "import ", "Traceback", "anchor-link"):
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


def test_gap_findings_have_priority_bands_and_the_formula_in_monospace(run):
    _, html = run
    findings = html[html.index('id="findings"'):html.index('id="strengths"')]
    bands = re.findall(r'<span class="badge" style="[^"]+">(High|Medium|Low)</span> (\d+)', findings)
    assert len(bands) >= 20
    assert all((int(score) >= 60) == (band == "High") for band, score in bands)
    assert '<pre class="formula">priority = 100 * (' in findings


def test_strengths_are_grouped_by_pa_in_model_order(run, demo_file):
    _, html = run
    with Appraisal.open(demo_file) as a:
        model_order = a.model.pa_ids
    strengths = html[html.index('id="strengths"'):html.index('id="decisions"')]
    groups = re.findall(r"<h3>(\w+) [^<]+: \d+ strengths?</h3>", strengths)
    assert len(groups) >= 5 and groups == sorted(groups, key=model_order.index)


def test_action_plan_is_readable(run):
    _, html = run
    plan = html[html.index('id="actions"'):html.index('id="caveats"')]
    assert "in_progress" not in plan and "In progress" in plan
    assert "19 days overdue" in plan                       # due 2026-11-01, reported 2026-11-20
    assert re.search(r"<strong>#\d+</strong> MA SG 2</span><br/>Handwritten gap\.", plan)
    assert '<span class="nowrap">2026-11-01</span>' in plan
    overdue_first = plan.index("Fix it")
    assert all(overdue_first < plan.index(other) for other in ("Agree a measurement", "Train unit leads"))


def test_team_decisions_with_rationale(run, demo_file):
    _, html = run
    with Appraisal.open(demo_file) as a:
        decisions = a.practice_decisions()
    section = html[html.index('id="decisions"'):html.index('id="actions"')]
    assert len(decisions) == 32
    assert f"{len(decisions)} practice decisions and 0 goal decisions" in section
    for d in decisions:
        assert f"<td>{d.pa} {d.practice}</td>" in section
    assert section.count("decided by Appraisal team") == 32
    assert "instances implement the practice; weaknesses weighed by the team." in section


def test_executed_notebook_is_kept_beside_the_report(run, hostile):
    out, _ = run
    notebook = out.with_name("report.html.ipynb")
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    params = nb["metadata"]["papermill"]["parameters"]
    assert params["appraisal_path"] == str(hostile.resolve()) and params["report_date"] == DATE
    assert nb["metadata"]["cmmikit"] == {"generator": "cmmikit report"}
    assert nb["metadata"]["papermill"]["output_path"] == str(notebook.resolve())
    assert "start_time" not in nb["metadata"]["papermill"]
    assert all("start_time" not in c["metadata"].get("papermill", {}) and "execution" not in c["metadata"]
               for c in nb["cells"])
    assert not any(o.get("output_type") == "error" for c in nb["cells"] for o in c.get("outputs", []))
    assert sorted(p.name for p in out.parent.iterdir()) == ["report.html", "report.html.ipynb"]   # nothing else


def test_rerun_on_the_same_data_gives_the_same_html(run, hostile, tmp_path):
    out, html = run
    again = report.render_report(hostile, tmp_path / "again.html", report_date=DATE)
    assert again.report.read_text(encoding="utf-8") == html
    replaced = report.render_report(hostile, out, report_date=DATE, force=True)
    assert replaced.report.read_text(encoding="utf-8") == html


def test_report_with_baseline_shows_progress(hostile, demo_file, tmp_path):
    current = tmp_path / "follow-up.cmmi"
    shutil.copy(hostile, current)
    with Appraisal.open(current) as a:
        a.update_record("WMC", "SP 1.1", "Service Desk", characterization="FI", weaknesses="")
    files = report.render_report(current, tmp_path / "progress.html", baseline_path=demo_file, report_date=DATE,
                                 title="Follow-up")
    html = files.report.read_text(encoding="utf-8")
    assert "<h2>Progress since the baseline</h2>" in html
    assert "<h1>Follow-up</h1>" in html
    assert 'alt="readiness trend"' in html
    assert len(re.findall(r'src="data:image/svg\+xml;base64,', html)) == 5


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


# ------------------------------------------------------------------ sentences true to the data


def test_a_report_date_before_the_end_of_the_appraisal_is_flagged(demo_file):
    early = load_report(str(demo_file), report_date="2026-11-05")        # the demo runs 2026-11-02 to 11-13
    header = report_views.header(early)
    assert 'class="warning" role="alert"' in header
    assert "dated 2026-11-05, before the appraisal period ends (2026-11-13)" in header
    assert "dated 2026-11-05" in report_views.caveats(early)
    on_time = load_report(str(demo_file), report_date="2026-11-13")
    assert "warning" not in report_views.header(on_time)


def test_a_partial_appraisal_is_described_as_partial(appraisal):
    """10 of 143 practices characterized (MA, sampled in Unit A and Unit B; QA Group performs CM and PPQA)."""
    ma = [p for p in appraisal.model.practices() if p.pa == "MA"][:10]
    for p in ma:
        for unit in ("Unit A", "Unit B"):
            appraisal.update_record(p.pa, p.id, unit, characterization="FI")
    appraisal.close()
    data = load_report(appraisal.address, report_date=DATE)
    scope = report_views.scope_and_method(data)
    cm_ppqa = sum(len(appraisal.model.pa(pa).practices) for pa in ("CM", "PPQA"))
    assert "Each practice" not in scope and "Every one of the" not in scope
    assert f"20 of {143 * 2 + cm_ppqa} practice instances (practice x sampled unit) are characterized" in scope
    assert "10 of the 143 practices in scope have one; 133 are not characterized in every sampled unit yet" in scope
    assert "The organizational-unit characterization is not complete" in report_views.verdict(data)
    assert "No strengths have been recorded so far." in report_views.strengths(data)
    assert "No open gap findings have been recorded so far." in report_views.gap_findings(data)
    assert "every practice is characterized" not in report_views.caveats(data)
    assert "No evidence register item backs a practice yet." in scope
    assert "Stale evidence" not in report_views.caveats(data)


def test_the_register_items_backing_the_appraisal_and_the_stale_ones_are_counted(demo):
    old = demo.add_artifact("Old SLA <v1>", effective_date="2015-06-30")
    for practice in ("SP 1.1", "SP 1.2"):
        demo.link_artifact(old, "SD", practice, "Service Desk")
    demo.add_affirmation("Interview not linked yet", held_on="2014-01-01")     # backs nothing: not counted
    backing = demo.register(linked=True)
    artifacts = sum(item.kind != "affirmation" for item in backing)
    links = sum(item.reuse for item in backing)
    path = str(demo.path)
    demo.close()
    data = load_report(path, report_date=DATE)
    assert (data.current.evidence.items, data.current.evidence.links) == (len(backing), links)
    scope = report_views.scope_and_method(data)
    assert (f"{len(backing):,} evidence register items back the appraisal ({artifacts:,} artifacts and "
            f"{len(backing) - artifacts:,} affirmations, {links:,} links to practice instances); 1 of them is stale "
            "(dated before 2024-11-02, 24 months before the appraisal period).") in scope
    caveats = report_views.caveats(data)
    assert report_views.esc(f"Stale evidence: 1 of the {len(backing):,} register items backing the appraisal is dated "
                            f"before 2024-11-02 (24 months before the appraisal period), so may no longer show how "
                            f"the work is done: ART-{old} 'Old SLA <v1>'.") in caveats
    assert "<v1>" not in caveats


def test_an_open_appraisal_shows_its_best_and_worst_case(appraisal):
    """Only part of MA is characterized: ML2 is still possible, and the verdict box says what can decide it."""
    from cmmikit.method.outlook import outlook

    for p in [p for p in appraisal.model.practices() if p.pa == "MA"][:3]:
        for unit in ("Unit A", "Unit B"):
            appraisal.update_record(p.pa, p.id, unit, characterization="FI")
    appraisal.update_record("MA", "SP 1.4", "Unit A", characterization="PI", weaknesses="no procedure")
    appraisal.close()
    data = load_report(appraisal.address, report_date=DATE)
    look = outlook(rate(Appraisal.open(appraisal.address)))
    verdict = report_views.verdict(data)
    assert "<h3>Outlook</h3>" in verdict and report_views.esc(look.headline) in verdict
    assert look.headline.startswith("Not Rated yet: ML2")
    assert (f"Best case (every open practice resolved in its favour): {look.best.verdict}. "
            f"Worst case (every open practice resolved against it): {look.worst.verdict}.") in verdict
    assert look.best.verdict != look.worst.verdict
    assert f"What decides ML2 ({len(look.blockers):,} item" in verdict
    first = sorted(look.blockers, key=lambda b: not b.can_fail)[0]
    assert report_views.esc(f"{first.label}: {first.now}; needs {first.needs}") in verdict
    assert f"and {len(look.blockers) - report_html.MAX_ITEMS:,} more items" in verdict


def test_a_follow_up_counts_re_assessed_and_inherited_characterizations(demo_file, tmp_path):
    from cmmikit.store import follow_up

    with Appraisal.open(demo_file) as baseline, follow_up(baseline, tmp_path / "fu.cmmi") as fu:
        fu.update_record("SD", "SP 1.1", "Service Desk", weaknesses="re-checked")
        record = fu.record("SD", "SP 1.2", "Service Desk")
        fu.confirm_record("SD", "SP 1.2", "Service Desk", base_version=record.version)
        records = fu.records()
        inherited = sum(bool(r.inherited and r.characterization) for r in records)
        inherited_sd = sum(bool(r.inherited and r.characterization) for r in records if r.pa == "SD")
        origin = fu.info().follow_up_of
    data = load_report(str(tmp_path / "fu.cmmi"), report_date=DATE)
    scope = report_views.scope_and_method(data)
    assert report_views.esc(f"This is a follow-up of {origin}: 2 characterizations re-assessed in this appraisal and "
                            f"{inherited:,} still inherited from the baseline") in scope
    assert "<h3>Re-assessed and inherited characterizations</h3>" in scope
    sd_row = re.search(r"<tr><td>SD</td><td>(\d+)</td><td>(\d+)</td></tr>", scope)
    assert sd_row and (int(sd_row[1]), int(sd_row[2])) == (2, inherited_sd)
    assert f"Inherited from the baseline and not re-assessed yet: {inherited:,} characterizations" in \
        report_views.caveats(data)
    plain = load_report(str(demo_file), report_date=DATE)
    assert "follow-up" not in report_views.scope_and_method(plain)
    assert "Inherited from the baseline" not in report_views.caveats(plain)


def test_a_complete_appraisal_says_so(demo_file):
    data = load_report(str(demo_file), report_date=DATE)
    scope = report_views.scope_and_method(data)
    assert "Every one of the 143 practices in scope is characterized at the organizational unit" in scope
    assert "not complete" not in report_views.verdict(data)


def test_pending_team_decisions_are_named(demo):
    decision = demo.practice_decisions()[0]
    demo.clear_practice_decision(decision.pa, decision.practice)
    demo.close()
    data = load_report(str(demo.path), report_date=DATE)
    assert "142 of the 143 practices in scope have one; 1 await a team decision" in report_views.verdict(data)


def test_comparison_counts_a_capability_level_change(demo, tmp_path):
    """MA stays Unsatisfied, but with every specific goal Satisfied it goes CL0 -> CL1: that is progress."""
    baseline = tmp_path / "baseline.cmmi"
    shutil.copy(demo.path, baseline)
    for record in demo.records("MA"):
        if not record.practice.startswith("GP"):
            demo.update_record("MA", record.practice, record.instance, characterization="FI", weaknesses="")
            demo.add_evidence("MA", record.practice, record.instance, "artifact", "Measurement procedure")
    for d in demo.practice_decisions():
        if d.pa == "MA" and not d.practice.startswith("GP"):
            demo.clear_practice_decision(d.pa, d.practice)
    demo.close()
    data = load_report(str(demo.path), str(baseline), report_date=DATE)
    ma = data.comparison.pas.set_index("pa").loc["MA"]
    assert (ma.before, ma.after, ma.capability_before, ma.capability_after) == \
        ("Unsatisfied", "Unsatisfied", "CL0", "CL1")
    assert ma.change == "improved" and ma.capability_change == "improved"
    html = report_views.comparison_section(data)
    assert "Capability levels: MA CL0 \u2192 CL1." in html
    assert re.search(r"<td>MA</td><td>improved</td><td>Unsatisfied \u2192 Unsatisfied</td>", html)


# ------------------------------------------------------------------ PDF


def test_pdf_reads_back_the_verdict_and_every_pa(pdf, demo_file):
    with Appraisal.open(demo_file) as a:
        ratings = rate(a)
    text = pdf_text(pdf)
    assert ratings.maturity.headline in text
    for pa in ratings.pas.itertuples():
        assert f"{pa.pa} {pa.name}" in text, pa.name
    assert 1 < pdf_pages(pdf) <= MAX_DEMO_PAGES
    assert not list(pdf.parent.glob(".cmmikit-*"))


def test_pdf_is_stamped_and_uses_a_monospace_formula(pdf):
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"^Creator:\s+cmmikit report$", info, re.M)
    assert re.search(r"^Title:\s+Northwind IT Services ML2 readiness: appraisal report$", info, re.M)
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "DejaVu-Sans-Mono" in fonts
    assert report.is_report_output(pdf)


def assert_inside_the_page(path: Path, width_mm: float, height_mm: float) -> None:
    """Every page has the paper's size and no word box reaches into the right margin (14 mm)."""
    xhtml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True).stdout
    pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">', xhtml)
    assert {(round(float(w) / MM, 1), round(float(h) / MM, 1)) for w, h in pages} == {(width_mm, height_mm)}
    right = max(float(x) for x in re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"', xhtml))
    assert right <= (width_mm - 13) * MM
    assert pdf_pages(path) <= MAX_DEMO_PAGES


def test_tables_fit_the_width_of_a4(pdf):
    assert_inside_the_page(pdf, 210, 297)


def test_tables_fit_the_width_of_letter(demo_file, tmp_path):
    out = tmp_path / "letter.pdf"
    assert main(["report", str(demo_file), "-o", str(out), "--date", DATE, "--paper", "Letter"]) == 0
    assert_inside_the_page(out, 215.9, 279.4)


def test_no_page_is_blank(pdf):
    """Rendered pages (kept as PNGs in tests/artifacts for a person to look at) all carry content."""
    from PIL import Image

    artifacts = ROOT / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    for old in artifacts.glob("report-page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(pdf), str(artifacts / "report-page")], check=True)
    pngs = sorted(artifacts.glob("report-page-*.png"))
    assert len(pngs) == pdf_pages(pdf)
    for png in pngs:
        grey = Image.open(png).convert("L")
        inked = sum(grey.histogram()[:200]) / (grey.width * grey.height)
        assert inked > 0.01, png.name


def test_weasyprint_takes_the_stylesheet_without_warnings(run, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    report.write_pdf(run[1], tmp_path / "letter.pdf", paper="letter")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []
    assert report.is_report_output(tmp_path / "letter.pdf")


def test_pdf_needs_weasyprint_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "weasyprint", None)    # import fails as if it were not installed
    with pytest.raises(report.ReportError, match=r"pip install 'cmmikit\[pdf\]'"):
        report.write_pdf("<p>x</p>", tmp_path / "x.pdf")


# ------------------------------------------------------------------ bounded size


def test_a_large_appraisal_gives_a_bounded_report(tmp_path):
    """500 units with long texts: the HTML stays under 10 MB (the opening time is in benchmarks/report.py)."""
    spec = importlib.util.spec_from_file_location("bench_report", ROOT / "benchmarks" / "report.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.build_large_appraisal(tmp_path / "large.cmmi", 500).close()
    files = report.render_report(tmp_path / "large.cmmi", tmp_path / "large.html", report_date=DATE)
    html = files.report.read_text(encoding="utf-8")
    assert len(html.encode()) < 10_000_000
    assert files.notebook.stat().st_size < 20_000_000
    assert "Showing 20 of" in html and "all of them are in the Excel workbook" in html
    assert re.search(r"and \d+ more lines: the full text is in the Excel workbook", html)
    assert "Unit 500" in html                        # every sampled unit is still named in the scope


# ------------------------------------------------------------------ files: inputs, templates, earlier runs


def test_the_template_notebook_and_inputs_are_never_written(hostile, tmp_path, monkeypatch):
    template = tmp_path / "notebooks" / "report.ipynb"
    template.parent.mkdir()
    shutil.copy(report.NOTEBOOK, template)
    monkeypatch.setattr(report, "NOTEBOOK", template)
    before = template.read_bytes()
    assert main(["report", str(hostile), "-o", str(template.parent / "report.html"), "--date", DATE]) == 0
    assert template.read_bytes() == before           # the issue: `-o notebooks/report.html` overwrote it
    assert (template.parent / "report.html.ipynb").exists()
    with pytest.raises(report.ReportError, match="is the report template; the report never writes over it"):
        report.check_targets([template], report.template_files(), force=True)
    named_html = tmp_path / "appraisal.html"
    shutil.copy(hostile, named_html)
    input_bytes = named_html.read_bytes()
    with pytest.raises(report.ReportError, match="is an input"):
        report.render_report(named_html, named_html, force=True)
    assert named_html.read_bytes() == input_bytes


def test_files_the_report_did_not_write_are_refused(hostile, tmp_path, capsys):
    mine = tmp_path / "analysis.html.ipynb"
    mine.write_text('{"cells": [], "metadata": {}}', encoding="utf-8")
    for force in ([], ["--force"]):
        assert main(["report", str(hostile), "-o", str(tmp_path / "analysis.html"), *force]) == 1
        assert capsys.readouterr().err == (f"cmmikit: error: {mine}: exists and was not written by cmmikit report; "
                                           "move it away or choose another output name\n")
    assert mine.read_text(encoding="utf-8") == '{"cells": [], "metadata": {}}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["analysis.html.ipynb"]


def test_an_earlier_report_is_replaced_only_with_force(run, hostile, capsys):
    out, html = run
    assert main(["report", str(hostile), "-o", str(out), "--date", "2026-12-01"]) == 1
    assert capsys.readouterr().err == f"cmmikit: error: {out}: exists (an earlier report); pass --force to replace it\n"
    assert out.read_text(encoding="utf-8") == html


def test_refusals_before_a_kernel_starts(tiny, hostile, tmp_path):
    with pytest.raises(report.ReportError, match=r"\*\.html or \*\.pdf"):
        report.render_report(hostile, tmp_path / "report.docx")
    with pytest.raises(report.ReportError, match="paper size"):
        report.render_report(hostile, tmp_path / "report.pdf", paper="legal")
    with pytest.raises(ModelMismatch, match="different models"):
        report.render_report(hostile, tmp_path / "r.html", baseline_path=tiny.address)
    with pytest.raises(StoreError, match="no such appraisal"):
        report.render_report(tmp_path / "missing.cmmi", tmp_path / "r.html")
    assert not list(tmp_path.glob("r.*")) and not list(tmp_path.glob(".cmmikit-*"))


def test_cli_reports_errors_in_one_line(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing.cmmi"), "-o", str(tmp_path / "r.html")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cmmikit: error:") and err.count("\n") == 1


def test_failing_cell_names_the_cell_and_keeps_the_notebook(hostile, tmp_path, monkeypatch):
    monkeypatch.setattr(report, "NOTEBOOK", DATA / "report_failing_cell.ipynb")
    with pytest.raises(report.ReportError, match=r"failed in cell In \[3\]: ValueError: broken on purpose "
                                                 r"\(executed notebook: .*r\.html\.ipynb\)"):
        report.render_report(hostile, tmp_path / "r.html", report_date=DATE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html.ipynb"]        # no half report, no work folder
    assert report.is_report_output(tmp_path / "r.html.ipynb")        # so the next run may replace it (--force)


def test_the_kernel_works_inside_the_work_folder(hostile, tmp_path, monkeypatch):
    """Kernel sockets and temporary copies live in the work folder, which goes when the run ends."""
    probe = nbformat.read(DATA / "report_failing_cell.ipynb", as_version=4)
    probe.cells[-1].source = "import os, tempfile\nprint(tempfile.gettempdir(), os.getcwd(), sep='|')"
    monkeypatch.setattr(report, "NOTEBOOK", tmp_path / "probe.ipynb")
    nbformat.write(probe, report.NOTEBOOK)
    out = tmp_path / "out" / "r.html"
    report.render_report(hostile, out, report_date=DATE)
    tmpdir, cwd = out.read_text(encoding="utf-8").split('<pre class="output">')[1].split("</pre>")[0].strip().split("|")
    assert Path(tmpdir) == Path(cwd) and Path(cwd).parent == out.parent
    assert Path(cwd).name.startswith(".cmmikit-report-") and not Path(cwd).exists()
    assert os.environ.get("TMPDIR") != tmpdir and tempfile.gettempdir() != tmpdir    # this process is unchanged


def test_a_killed_run_leaves_no_half_files_and_the_next_run_cleans_up(hostile, tmp_path):
    out = tmp_path / "out" / "r.html"
    command = [sys.executable, "-m", "cmmikit.cli", "report", str(hostile), "-o", str(out), "--date", DATE]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while process.poll() is None and not any(out.parent.glob(".cmmikit-report-*/kernel-*")):
            time.sleep(0.1)      # wait for the kernel's sockets: the run is in the middle of its work
        assert process.poll() is None, "the report ended before it could be killed"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    left = sorted(p.name for p in out.parent.iterdir())
    assert len(left) == 1 and left[0].startswith(".cmmikit-report-")     # the work folder, no half outputs
    assert subprocess.run(command, env=env, capture_output=True).returncode == 0
    assert sorted(p.name for p in out.parent.iterdir()) == ["r.html", "r.html.ipynb"]
    assert report.is_report_output(out) and report.is_report_output(out.with_name("r.html.ipynb"))


def test_stale_work_folders_are_removed_live_ones_kept(tmp_path):
    with staging.work_folder(tmp_path, "report") as live:
        dead = tmp_path / ".cmmikit-report-dead"
        dead.mkdir()
        (dead / staging.LOCK).touch()               # a lock file nobody holds: its run was killed
        (dead / "kernel-ipc-1").touch()
        assert staging.remove_stale(tmp_path, "report") == [dead]
        assert live.exists() and not dead.exists()
    assert not live.exists()


# ------------------------------------------------------------------ parameters and building blocks


@pytest.mark.parametrize(("values", "message"), [
    ({"colour": "red"}, "unknown report parameter"),
    ({"report_date": "20.11.2026"}, "YYYY-MM-DD"),
    ({"report_date": "2026-02-30"}, "not a calendar date"),
    ({"title": 3}, "must be text"),
])
def test_parameters_are_validated(values, message):
    with pytest.raises(ReportParameterError, match=message):
        check_parameters(values)


def test_table_escapes_headers_and_cells():
    frame = pd.DataFrame([{"a": "<b>x</b>", "b": None}, {"a": 'say "hi"', "b": float("nan")}])
    html = report_views.table(frame, {"a": "<A>", "b": "B"}, widths={"a": 30})
    assert "<b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html and "say &quot;hi&quot;" in html
    assert "<th scope=\"col\">&lt;A&gt;</th>" in html and "nan" not in html and "None" not in html
    assert '<colgroup><col style="width:30%"><col style="width:70%"></colgroup>' in html


def test_long_text_is_clipped_with_a_pointer_to_the_workbook():
    text = "\n".join(f"Unit {n}: <b>gap</b>" for n in range(1, 11))
    html = report_views.clipped(text, lines=3)
    assert html.startswith("Unit 1: &lt;b&gt;gap&lt;/b&gt;<br>Unit 2:") and "Unit 4" not in html
    assert "and 7 more lines: the full text is in the Excel workbook" in html
    assert report_views.clipped("word " * 200, lines=1, chars=40).endswith(
        '\u2026<br><span class="more">shortened: the full text is in the Excel workbook (cmmikit export-xlsx)</span>')
    assert report_views.names(["A", "B", "C", "D", "E", "F"]) == 'A, B, C, D <span class="more">and 2 more</span>'


def test_badge_and_section_escape():
    assert report_views.badge("<i>") == "&lt;i&gt;"
    assert "Satisfied</span>" in report_views.badge("Satisfied")
    assert "background:#D55E00" in report_views.badge("High")
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
    assert (out / "report.html.ipynb").exists()
    assert (out / "report.pdf").read_bytes()[:5] == b"%PDF-" and (out / "final-findings.pptx").stat().st_size > 0


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


def test_a_read_only_output_folder_is_refused_before_a_kernel_starts(demo_file, tmp_path):
    from cmmikit.errors import ReadOnlyError

    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(ReadOnlyError, match="^read-only: "):
            report.render_report(demo_file, folder / "r.pdf", report_date=DATE)
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)
