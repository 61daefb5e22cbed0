"""The findings deck of a SCAMPI B or C appraisal: findings, not ratings, in the scale's words and colours."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pptx import Presentation

from cmmikit import palette
from cmmikit.outputs.deck import build_findings_deck
from cmmikit.store import Appraisal
from test_deck import check_deck_fits, first_index, normal, slide_text, titles

DAY = date(2026, 11, 25)
RATING_WORDS = re.compile(r"\b(?:Satisfied|Unsatisfied|Not Rated|Achieved|Not Achieved)\b")
OWN_SCALE = Path(__file__).parent / "data" / "scales" / "traffic-light-c.yaml"


@pytest.fixture(scope="module")
def b_deck(demo_b_file, tmp_path_factory):
    folder = tmp_path_factory.mktemp("b_deck")
    with Appraisal.open(demo_b_file) as a:
        written = build_findings_deck(a, folder / "b.pptx", report_date=DAY)
    return {"path": written.path, "prs": Presentation(written.path), "folder": folder}


def deck_text(prs) -> str:
    return "\n".join(slide_text(s) for s in prs.slides)


def fills(slide) -> dict[str, str]:
    """Table cell text -> its fill colour (hex) on a slide."""
    found = {}
    for shape in slide.shapes:
        if shape.has_table:
            for row in shape.table.rows:
                for cell in row.cells:
                    if cell.fill.type is not None and cell.text:
                        found[cell.text] = f"#{cell.fill.fore_color.rgb}"
    return found


def test_no_slide_gives_a_rating(b_deck):
    text = deck_text(b_deck["prs"])
    assert not RATING_WORDS.findall(text)
    assert "Maturity level verdict" not in titles(b_deck["prs"]) and "Ratings summary" not in text
    assert "findings, not ratings" in text


def test_the_scale_and_the_forecast_rules_are_defined(b_deck):
    prs = b_deck["prs"]
    scale = prs.slides[first_index(prs, "Characterization scale: SCAMPI B implementation risk")]
    assert fills(scale)["low risk"] == palette.GREEN and fills(scale)["medium risk"] == palette.YELLOW
    assert fills(scale)["high risk"] == palette.VERMILLION
    assert "A SCAMPI B gives findings, not ratings" in slide_text(scale)
    forecast = prs.slides[first_index(prs, "Readiness forecast per goal")]
    assert "unlikely to be satisfied in a SCAMPI A: when any practice of the goal is high risk" in slide_text(forecast)
    overview = normal(slide_text(prs.slides[first_index(prs, "Appraisal overview")]))
    assert "SCAMPI B (gives findings, not ratings: no goal, process area or maturity level is rated; a readiness dry " \
           "run for a SCAMPI A)" in overview


def test_each_process_area_shows_its_values_and_goal_forecasts(b_deck):
    prs = b_deck["prs"]
    ma = prs.slides[first_index(prs, "MA Measurement and Analysis")]
    text = normal(slide_text(ma))
    assert "Weakest goal: unlikely" in text and "4 low risk, 10 medium risk, 4 high risk" in text
    assert fills(ma)["unlikely to be satisfied in a SCAMPI A"] == palette.VERMILLION
    assert "Weaknesses (" in text


def test_risk_summary_grid_and_readiness_forecast(b_deck):
    prs = b_deck["prs"]
    grid = prs.slides[first_index(prs, "Risk summary: goals and process areas")]
    colours = fills(grid)
    assert colours["unlikely"] == palette.VERMILLION and colours["likely"] == palette.GREEN
    assert colours["at risk"] == palette.YELLOW and colours["open"] == palette.LIGHT_GREY
    forecast = normal(slide_text(prs.slides[first_index(prs, "Readiness forecast (")]))
    assert "Maturity level 2 forecast: unlikely (MA SG 1" in forecast
    assert "MA Measurement and Analysis: goals 3 unlikely" in forecast
    sign_off = normal(slide_text(prs.slides[first_index(prs, "Appraisal team sign-off")]))
    assert "confirm that the findings presented are the team's consensus" in sign_off


def test_the_deck_fits_its_slides_and_prints(b_deck):
    assert check_deck_fits(b_deck["prs"]) > 300
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    folder = b_deck["folder"]
    subprocess.run([soffice, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(folder), str(b_deck["path"])], check=True, capture_output=True, timeout=300)
    text = subprocess.run(["pdftotext", str(folder / "b.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "Readiness forecast" in text and not RATING_WORDS.search(text)
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(folder / "b.pdf")], capture_output=True,
                                                            text=True, check=True).stdout).group(1))
    assert pages == len(b_deck["prs"].slides)


def test_a_teams_own_scampi_c_scale_in_the_deck(tmp_path):
    path = tmp_path / "c.cmmi"
    with Appraisal.create(path, name="Tiny C", appraisal_type="SCAMPI C", scale=OWN_SCALE,
                          model=Path(__file__).parent / "data" / "tiny-model") as c:
        c.add_instance("U1")
        c.update_record("AA", "SP 1.1", "U1", characterization="drafted", weaknesses="a draft only")
        c.update_record("AA", "SP 1.2", "U1", characterization="embedded")
        prs = Presentation(build_findings_deck(c, tmp_path / "c.pptx", report_date=DAY).path)
    text = deck_text(prs)
    assert not RATING_WORDS.findall(text)
    assert "Characterization scale: ACME approach maturity" in titles(prs)
    assert "Readiness forecast per goal" not in titles(prs) and "Results" in titles(prs)
    scale = prs.slides[first_index(prs, "Characterization scale")]
    assert fills(scale)["approach drafted"] == palette.ORANGE
    grid = fills(prs.slides[first_index(prs, "Risk summary: goals and process areas")])
    assert grid["drafted"] == palette.ORANGE and grid["open"] == palette.LIGHT_GREY
    check_deck_fits(prs)
