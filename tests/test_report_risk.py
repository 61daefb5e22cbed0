"""The report of a SCAMPI B or C appraisal: findings, not ratings, in the scale's words and colours."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from cmmikit import palette
from cmmikit.outputs import report_views
from cmmikit.cli import main
from cmmikit.outputs.report_data import load_report
from cmmikit.store import Appraisal
from test_report import assert_inside_the_page, pdf_pages, pdf_text

DATE = "2026-11-20"
RATING_WORDS = re.compile(r"\b(?:Satisfied|Unsatisfied|Not Rated|Achieved|Not Achieved)\b")
OWN_SCALE = Path(__file__).parent / "data" / "scales" / "traffic-light-c.yaml"
SECTIONS = ("header", "verdict", "scope_and_method", "ratings_section", "charts_section", "gap_findings", "strengths",
            "decisions", "action_plan", "caveats", "about")


def words(fragment: str) -> str:
    """The text a reader sees in an HTML fragment (tags and embedded images dropped)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", fragment)))


@pytest.fixture(scope="module")
def b_report(demo_b_file):
    data = load_report(str(demo_b_file), report_date=DATE)
    return data, {name: str(getattr(report_views, name)(data)) for name in SECTIONS}


def test_no_section_gives_a_rating(b_report):
    _, parts = b_report
    for name, fragment in parts.items():
        found = RATING_WORDS.findall(words(fragment))
        assert not found, (name, found)


def test_the_result_box_says_findings_not_ratings_and_forecasts(b_report):
    _, parts = b_report
    result = words(parts["verdict"])
    assert "Result: findings, not ratings" in result
    assert "Maturity level 2 forecast: unlikely (MA SG 1, MA SG 2, MA GG 2, WMC GG 2" in result
    assert "A SCAMPI B gives strengths, weaknesses and findings, not ratings" in result
    assert "26 goals: 4 unlikely, 7 at risk, 14 likely, 1 not forecast yet" in result
    assert "their goals are not forecast yet" in result        # two practices are still open
    assert f"background:{palette.VERMILLION}" in parts["verdict"]   # the forecast word on its colour


def test_method_and_risk_summary_use_the_scale(b_report):
    _, parts = b_report
    method = words(parts["scope_and_method"])
    assert "on the scale SCAMPI B implementation risk (low risk, medium risk, high risk)" in method
    assert "unlikely to be satisfied in a SCAMPI A when any practice is high risk" in method
    summary = words(parts["ratings_section"])
    assert "Risk summary per process area and goal" in summary
    assert "No goal, process area or maturity level is rated" in summary
    assert "4 low risk, 10 medium risk, 4 high risk" in summary
    assert "Capability level" not in summary
    assert f"background:{palette.GREEN}" in parts["ratings_section"]   # "likely" in green, with the word


def test_findings_decisions_and_caveats_on_the_scale(b_report):
    data, parts = b_report
    gaps = words(parts["gap_findings"])
    assert "on goals forecast as unlikely to be satisfied in a SCAMPI A (they would block maturity level 2)" in gaps
    assert "worst OU value of its practices on the scale: low 0, medium 0.5, high 1" in gaps
    assert "would block ML2" in gaps and "high risk" in gaps
    decided = words(parts["decisions"])
    assert "the highest risk across the sampled instances" in decided and "Aggregated (instances)" in decided
    assert "medium risk" in decided and len(data.current.practice_decisions) > 0
    caveats = words(parts["caveats"])
    assert "Not characterized in every instance: 2 practices" in caveats
    assert "SD SG 3: not forecast yet" in caveats
    assert "SCAMPI B gives strengths, weaknesses and findings, not ratings" in words(parts["about"])
    charts = parts["charts_section"]
    assert "Readiness forecast per goal" in charts and charts.count("<img") == 4


def test_the_printed_report_holds_no_rating(demo_b_file, tmp_path):
    out = tmp_path / "b.pdf"
    assert main(["report", str(demo_b_file), "-o", str(out), "--date", DATE]) == 0
    text = pdf_text(out)
    assert "Result: findings, not ratings" in text and "Risk summary per process area and goal" in text
    assert "About this report" in text and not RATING_WORDS.search(text)
    assert pdf_pages(out) <= 16
    assert_inside_the_page(out, 210, 297)


def test_a_teams_own_scampi_c_scale_in_the_report(tmp_path):
    path = tmp_path / "c.cmmi"
    with Appraisal.create(path, name="Tiny C", appraisal_type="SCAMPI C", scale=OWN_SCALE,
                          model=Path(__file__).parent / "data" / "tiny-model") as c:
        c.add_instance("U1")
        c.update_record("AA", "SP 1.1", "U1", characterization="drafted", weaknesses="a draft only")
        c.update_record("AA", "SP 1.2", "U1", characterization="embedded")
    data = load_report(str(path), report_date=DATE)
    result = words(report_views.verdict(data))
    assert "A SCAMPI C gives strengths, weaknesses and findings, not ratings" in result
    assert "forecast" not in result.lower()
    summary = words(report_views.ratings_section(data))
    assert "1 approach embedded, 1 approach drafted" in summary and "Worst value" in summary
    assert "Worst practice value per goal" in str(report_views.charts_section(data))
    for name in SECTIONS:
        assert not RATING_WORDS.search(words(str(getattr(report_views, name)(data)))), name
