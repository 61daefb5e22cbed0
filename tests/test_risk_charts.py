"""Charts of a SCAMPI B or C appraisal: every colour with its word, the scale's own colours, no ratings."""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib.colors import to_hex

from cmmikit import palette
from cmmikit.outputs import charts as risk_charts
from cmmikit.outputs.charts import render_all
from cmmikit.method.risk import assess
from cmmikit.store import Appraisal

OWN_SCALE = Path(__file__).parent / "data" / "scales" / "traffic-light-c.yaml"
RATINGS = ("Satisfied", "Unsatisfied", "Not Rated", "S", "U", "NR")


@pytest.fixture(scope="module")
def b_result(demo_b_file):
    with Appraisal.open(demo_b_file) as a:
        return assess(a)


def texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def legend(fig) -> list[str]:
    return [t.get_text() for t in fig.legends[0].get_texts()]


def test_goal_forecast_labels_every_goal_in_words_and_colours(b_result):
    fig = risk_charts.goal_forecast(b_result)
    labels = texts(fig)
    assert len(labels) == len(b_result.goals)
    assert sorted(set(labels)) == ["at risk", "likely", "open", "unlikely"] and not set(labels) & set(RATINGS)
    assert legend(fig) == ["unlikely", "at risk", "likely", "open = not forecast yet (practices still open)"]
    colours = {to_hex(p.get_facecolor()).upper() for p in fig.axes[0].patches}
    assert colours == {palette.VERMILLION, palette.YELLOW, palette.GREEN, palette.LIGHT_GREY}
    assert "SCAMPI A" in fig.axes[0].get_title()


def test_value_bars_count_every_instance_cell_by_the_scales_labels(b_result):
    fig = risk_charts.value_bars(b_result)
    assert sum(p.get_width() for p in fig.axes[0].patches) == len(b_result.cells)
    assert legend(fig) == ["low risk", "medium risk", "high risk", "not characterized"]
    assert {to_hex(p.get_facecolor()).upper() for p in fig.axes[0].patches} == {
        palette.GREEN, palette.YELLOW, palette.VERMILLION, palette.LIGHT_GREY}


def test_on_track_radar_shows_each_pas_share(b_result):
    fig = risk_charts.on_track_radar(b_result)
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    first = b_result.pas.iloc[0]
    assert ticks[0] == f"{first.pa}\n{first.on_track_share:.0%}"
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["characterized", "on track (low risk)"]


def test_render_all_writes_the_scampi_b_charts_deterministically(b_result, tmp_path):
    first = render_all(b_result, None, tmp_path / "one", formats=("png", "svg"))
    second = render_all(b_result, None, tmp_path / "two", formats=("png", "svg"))
    assert list(first) == list(risk_charts.ASSESSMENT_CHART_NAMES)
    for name in first:
        for a, b in zip(first[name], second[name]):
            assert a.read_bytes() == b.read_bytes()


def test_without_forecast_rules_the_grid_shows_each_goals_worst_value(tmp_path):
    with Appraisal.create(tmp_path / "c.cmmi", name="C", appraisal_type="SCAMPI C", scale=OWN_SCALE,
                          model=Path(__file__).parent / "data" / "tiny-model") as c:
        c.add_instance("U1")
        c.update_record("AA", "SP 1.1", "U1", characterization="drafted", weaknesses="draft")
        c.update_record("AA", "SP 1.2", "U1", characterization="embedded")
        c.update_record("AA", "SP 2.1", "U1", characterization="used")     # on track, but GG 2 is still open
        c.update_record("BB", "SP 1.1", "U1", characterization="used")
        c.update_record("BB", "GP 2.1", "U1", characterization="embedded")
        c.set_scope("AA", "in_scope")
        result = assess(c)
    fig = risk_charts.goal_forecast(result)
    cells = dict(zip([(g.pa, g.goal) for g in result.goals.itertuples()], texts(fig)))
    title, grid, keys = risk_charts.goal_cells(result)
    assert title == "Worst practice value per goal (organizational unit)"
    assert grid[("AA", "SG 1")] == ("drafted", palette.ORANGE)
    assert grid[("AA", "SG 2")] == ("used", palette.SKY) and grid[("BB", "SG 1")] == ("used", palette.SKY)
    assert grid[("AA", "GG 2")] == ("open", palette.LIGHT_GREY)
    assert sorted(cells.values()) == sorted(label for label, _ in grid.values())
    assert [label for label, _ in keys][:4] == ["approach embedded", "approach used", "approach drafted",
                                                "approach missing"]
