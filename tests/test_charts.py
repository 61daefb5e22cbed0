"""Charts: content of each figure, deterministic files, and a light package import."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from cmmikit import palette
from cmmikit.outputs import charts
from cmmikit.method.rating import rate


@pytest.fixture(scope="module")
def demo_ratings(demo_file):
    from cmmikit.store import Appraisal

    with Appraisal.open(demo_file) as a:
        return rate(a)


def findings(*rows: tuple[str, float, str]) -> pd.DataFrame:
    return pd.DataFrame([{"id": i, "kind": "weakness", "pa": pa, "score": score, "status": status}
                         for i, (pa, score, status) in enumerate(rows, 1)])


def texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_goal_heatmap_labels_every_goal_with_its_rating(demo_ratings):
    fig = charts.goal_heatmap(demo_ratings)
    labels = texts(fig)
    assert len(labels) == len(demo_ratings.goals)
    expected = sorted(palette.RATING_SHORT[r] for r in demo_ratings.goals["rating"])
    assert sorted(labels) == expected
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(demo_ratings.pas["pa"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["SG 1", "SG 2", "SG 3", "GG 2"]


def test_characterization_bars_count_every_instance_cell(demo_ratings):
    fig = charts.characterization_bars(demo_ratings)
    total = sum(patch.get_width() for patch in fig.axes[0].patches)
    assert total == len(demo_ratings.cells)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[:2] == ["FI", "LI"]


def test_readiness_radar_shows_each_pa_share(demo_ratings):
    fig = charts.readiness_radar(demo_ratings)
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert len(ticks) == len(demo_ratings.pas)
    first = demo_ratings.pas.iloc[0]
    assert ticks[0] == f"{first.pa}\n{first.readiness:.0%}"


def test_findings_priority_bands_open_weaknesses_only():
    frame = findings(("MA", 80, "open"), ("MA", 45, "open"), ("CM", 10, "open"), ("CM", 95, "dismissed"))
    fig = charts.findings_priority(frame)
    bars = [p for p in fig.axes[0].patches if p.get_height()]
    assert sum(p.get_height() for p in bars) == 3
    colours = {tuple(round(c, 3) for c in p.get_facecolor()[:3]) for p in bars}
    assert len(colours) == 3  # High (MA 80), Medium (MA 45), Low (CM 10); the dismissed one is left out
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["MA", "CM"]
    assert [charts.priority_band(s) for s in (100, 60, 59.9, 30, 0)] == ["High", "High", "Medium", "Medium", "Low"]


@pytest.mark.parametrize("frame", [None, findings(), findings(("MA", 70, "merged"))])
def test_findings_priority_without_open_weaknesses_says_so(frame):
    assert texts(charts.findings_priority(frame)) == ["no open weaknesses"]


def test_tiny_model_radar_explains_why_it_is_empty(tiny):
    fig = charts.readiness_radar(rate(tiny))
    assert "at least three" in texts(fig)[0]


def test_render_all_writes_every_chart_deterministically(demo_ratings, tmp_path):
    frame = findings(("MA", 80, "open"), ("WMC", 20, "open"))
    first = charts.render_all(demo_ratings, frame, tmp_path / "a")
    second = charts.render_all(demo_ratings, frame, tmp_path / "b", formats=("svg",))
    assert set(first) == set(charts.CHART_NAMES)
    for name, paths in first.items():
        assert [p.name for p in paths] == [f"{name}.png", f"{name}.svg"]
        assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        svg = paths[1].read_bytes()
        assert svg == second[name][0].read_bytes()
        assert b"<dc:date>" not in svg
    from PIL import Image

    with Image.open(first["goal_heatmap"][0]) as png:
        assert png.width == round(charts.WIDTH * charts.DPI)


def test_render_all_refuses_unknown_formats(demo_ratings, tmp_path):
    from cmmikit.errors import InvalidValue

    with pytest.raises(InvalidValue, match="jpg"):
        charts.render_all(demo_ratings, None, tmp_path, formats=("jpg",))


def test_svg_bytes_are_identical_across_processes(demo_file, tmp_path):
    script = ("import sys; from cmmikit.store import Appraisal; from cmmikit.method.rating import rate; "
              "from cmmikit.outputs.charts import goal_heatmap, save_figure; from pathlib import Path; "
              "save_figure(goal_heatmap(rate(Appraisal.open(sys.argv[1]))), Path(sys.argv[2]))")
    for name in ("one.svg", "two.svg"):
        subprocess.run([sys.executable, "-c", script, str(demo_file), str(tmp_path / name)], check=True)
    assert (tmp_path / "one.svg").read_bytes() == (tmp_path / "two.svg").read_bytes()


def test_importing_charts_does_not_load_matplotlib():
    code = "import sys, cmmikit, cmmikit.outputs.charts; sys.exit('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_cli_charts_writes_the_files(demo_file, tmp_path, capsys):
    from cmmikit.cli import main

    assert main(["charts", str(demo_file), "-o", str(tmp_path), "--format", "svg"]) == 0
    printed = capsys.readouterr().out.split()
    names = [*charts.CHART_NAMES, charts.PROFILE_CHART]
    assert sorted(printed) == sorted(str(tmp_path / f"{n}.svg") for n in names)
    assert all((tmp_path / f"{n}.svg").stat().st_size > 1000 for n in names)


def test_the_capability_profile_at_ml2_targets_cl2(demo_ratings, tmp_path):
    fig = charts.capability_profile(demo_ratings)
    assert texts(fig) == [f"{cl} (target CL2)" for cl in demo_ratings.pas.capability_level]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["CL0", "CL1", "CL2"]
    one = charts.render_all(demo_ratings, None, tmp_path / "a", formats=("svg",), profile=True)
    two = charts.render_all(demo_ratings, None, tmp_path / "b", formats=("svg",), profile=True)
    assert list(one) == [*charts.CHART_NAMES, charts.PROFILE_CHART]
    assert one[charts.PROFILE_CHART][0].read_bytes() == two[charts.PROFILE_CHART][0].read_bytes()
    assert list(charts.render_all(demo_ratings, None, tmp_path / "c", formats=("svg",))) == list(charts.CHART_NAMES)


def test_findings_priority_counts_the_real_findings_frame(demo):
    from cmmikit.method.findings import findings_frame, sync_findings

    sync_findings(demo)
    frame = findings_frame(demo)
    fig = charts.findings_priority(frame)
    open_gaps = frame[(frame.kind == "weakness") & (frame.status == "open")]
    assert len(open_gaps) > 0
    assert sum(p.get_height() for p in fig.axes[0].patches) == len(open_gaps)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert set(labels) == set(open_gaps["pa"])


def test_count_axes_step_by_whole_numbers(tiny):
    """Small counts (a tiny model) must not give 0.5 steps on a count axis."""
    tiny.update_record("AA", "SP 1.1", "U1", characterization="FI")
    fig = charts.characterization_bars(rate(tiny))
    ticks = fig.axes[0].get_xticks()
    assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks)
    fig = charts.findings_priority(findings(("MA", 80, "open")))
    assert all(float(t).is_integer() for t in fig.axes[0].get_yticks())


def test_priority_band_is_the_findings_rule():
    from cmmikit.method.findings import priority_band

    assert charts.priority_band is priority_band
