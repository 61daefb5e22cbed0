"""Charts of an appraisal: goal heatmap, readiness radar, characterization bars, findings by priority.

A SCAMPI B or C appraisal gives findings, not ratings: its set (``ASSESSMENT_CHART_NAMES``) is the
readiness forecast per goal (or, for SCAMPI C, each goal's worst practice value), the share of
practices on track, the characterizations by scale value, and the same findings by priority, each
in the scale's own labels and colours.

Each chart function takes the rating (or findings) frames and returns a
matplotlib :class:`~matplotlib.figure.Figure` built without pyplot (no global
state, nothing to leak in a long-lived kernel).  :func:`render_all` writes PNG
and SVG files byte for byte the same for the same data.  matplotlib is
imported inside the functions so ``import cmmikit`` stays light.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from cmmikit import atomic, palette
from cmmikit.method.findings import PRIORITY_BANDS, priority_band
from cmmikit.method.risk import OPEN

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from cmmikit.method.compare import Comparison
    from cmmikit.method.rating import Ratings
    from cmmikit.method.risk import Assessment

# Fixed settings that make the output deterministic and readable at report size.
RC = {
    "svg.hashsalt": "cmmikit",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
}
SAVE_METADATA = {"svg": {"Date": None, "Creator": None}, "png": {"Software": None}}
DPI = 150
WIDTH = 6.5  # inches: the text width of an A4/Letter report

CHART_NAMES = ("goal_heatmap", "readiness_radar", "characterization_bars", "findings_priority")  # SCAMPI A
ASSESSMENT_CHART_NAMES = ("goal_forecast", "on_track_radar", "value_bars", "findings_priority")  # SCAMPI B/C
PROFILE_CHART = "capability_profile"  # SCAMPI A, on request (``render_all(profile=True)``, ``cmmikit charts``)

# capability level profile entries (cmmikit.method.rating.capability_level) -> the level reached
CL_REACHED = {"CL0": 0, "CL1": 1, "CL1 (CL2 not rated)": 1, "CL2": 2, "CL2 (CL3 not rated)": 2, "CL3": 3}
CL_OPEN = {"CL1 (CL2 not rated)", "CL2 (CL3 not rated)", "Not Rated"}  # the next level is still undetermined


@contextmanager
def _style() -> Iterator[None]:
    import matplotlib

    with matplotlib.rc_context(RC):
        yield


def _figure(height: float, **kwargs: Any) -> "Figure":
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH, height), layout="constrained", **kwargs)


def _empty(fig: "Figure", title: str, message: str) -> "Figure":
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_title(title)
    ax.text(0.5, 0.5, message, ha="center", va="center", color=palette.GREY, transform=ax.transAxes)
    return fig


def _goal_order(goals: Iterable[str]) -> list[str]:
    """Specific goals first, then generic goals, each in number order."""
    def key(goal: str) -> tuple[bool, int, str]:
        kind, _, number = goal.partition(" ")
        return kind.startswith("G"), int(number) if number.isdigit() else 0, goal
    return sorted(set(goals), key=key)


def goal_heatmap(ratings: "Ratings") -> "Figure":
    """PA x goal grid coloured by goal rating, each cell labelled (S, U, NR, NA, OOS)."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    with _style():
        goals = ratings.goals
        pas = list(ratings.pas["pa"])
        fig = _figure(max(2.4, 0.38 * len(pas) + 1.4))
        if goals.empty:
            return _empty(fig, "Goal satisfaction", "no goals rated")
        columns = _goal_order(goals["goal"])
        names = list(palette.RATING)
        grid = [[float("nan")] * len(columns) for _ in pas]
        labels: dict[tuple[int, int], str] = {}
        for g in goals.itertuples():
            r, c = pas.index(g.pa), columns.index(g.goal)
            grid[r][c] = names.index(g.rating)
            labels[(r, c)] = palette.RATING_SHORT.get(g.rating, "?")
        ax = fig.add_subplot()
        cmap = ListedColormap([palette.RATING[n] for n in names]).with_extremes(bad="#FFFFFF")
        ax.pcolormesh(grid, cmap=cmap, vmin=-0.5, vmax=len(names) - 0.5, edgecolors="#FFFFFF", linewidth=2)
        for (r, c), text in labels.items():
            fill = palette.RATING[names[int(grid[r][c])]]
            ax.text(c + 0.5, r + 0.5, text, ha="center", va="center", fontsize=9, fontweight="bold",
                    color=palette.text_on(fill))
        ax.set_xticks([i + 0.5 for i in range(len(columns))], columns)
        ax.set_yticks([i + 0.5 for i in range(len(pas))], pas)
        ax.invert_yaxis()
        ax.xaxis.tick_top()
        ax.tick_params(length=0)
        for side in ax.spines.values():
            side.set_visible(False)
        ax.set_title("Goal satisfaction by process area", pad=22)
        used = [n for n in names if n in set(goals["rating"])]
        fig.legend(handles=[Patch(color=palette.RATING[n], label=f"{palette.RATING_SHORT[n]} = {n}") for n in used],
                   loc="outside lower center", ncol=min(len(used), 5), frameon=False, fontsize=8)
        return fig


def readiness_radar(ratings: "Ratings") -> "Figure":
    """Share of practices FI or LI at the organizational unit, per PA, on a radar."""
    return share_radar(ratings.pas, "readiness", "FI or LI (ready)", "PA readiness",
                       "Process area readiness (share of practices FI or LI)")


def share_radar(pas: "pd.DataFrame", share: str, share_label: str, short_title: str, title: str) -> "Figure":
    """A radar of each PA's characterized share and its ``share`` column (0..1), the PA ticks naming the share."""
    import math

    with _style():
        fig = _figure(4.6)
        if len(pas) < 3:
            return _empty(fig, short_title, "a radar needs at least three process areas")
        angles = [2 * math.pi * i / len(pas) for i in range(len(pas))]
        ax = fig.add_subplot(projection="polar")
        ax.set_theta_offset(math.pi / 2)
        ax.set_theta_direction(-1)
        for column, label, colour in (("characterized_share", "characterized", palette.GREY),
                                      (share, share_label, palette.BLUE)):
            values = [float(v) * 100 for v in pas[column]]
            ax.plot([*angles, angles[0]], [*values, values[0]], color=colour, linewidth=1.8, label=label)
            ax.fill([*angles, angles[0]], [*values, values[0]], color=colour, alpha=0.15)
        ax.set_xticks(angles, [f"{pa}\n{value:.0%}" for pa, value in zip(pas["pa"], pas[share])])
        ax.set_ylim(0, 100)
        ax.set_yticks([25, 50, 75, 100], ["25%", "50%", "75%", "100%"], color=palette.GREY, fontsize=7)
        ax.set_title(title, pad=18)
        ax.legend(loc="upper right", bbox_to_anchor=(1.25, 1.1), frameon=False, fontsize=8)
        return fig


def characterization_bars(ratings: "Ratings") -> "Figure":
    """Stacked bars: how many instance characterizations are FI, LI, PI, NI, NY or blank, per PA."""
    keys = [(k, k or "not characterized", palette.CHARACTERIZATION[k]) for k in palette.CHARACTERIZATION_ORDER]
    return stacked_value_bars(ratings.pas, ratings.cells, keys, "Characterizations per process area",
                              height_extra=1.3, legend_columns=6)


def stacked_value_bars(pas_frame: "pd.DataFrame", cells: "pd.DataFrame", keys: list[tuple[str, str, str]],
                       title: str, *, height_extra: float, legend_columns: int) -> "Figure":
    """Horizontal bars per PA stacked by characterization value; ``keys`` are (value, legend label, colour)."""
    with _style():
        pas = list(pas_frame["pa"])
        fig = _figure(max(2.4, 0.34 * len(pas) + height_extra))
        if cells.empty:
            return _empty(fig, "Characterizations", "no basic units or support functions sampled")
        values = cells["characterization"].fillna("")
        counts = values.groupby(cells["pa"]).value_counts().unstack(fill_value=0).reindex(pas, fill_value=0)
        ax = fig.add_subplot()
        left = [0] * len(pas)
        for key, label, colour in keys:
            if key not in counts.columns or not counts[key].any():
                continue
            widths = [int(v) for v in counts[key]]
            bars = ax.barh(pas, widths, left=left, color=colour, label=label, height=0.7)
            ax.bar_label(bars, labels=[str(w) if w else "" for w in widths], label_type="center", fontsize=7,
                         color=palette.text_on(colour))
            left = [a + b for a, b in zip(left, widths)]
        ax.invert_yaxis()
        ax.xaxis.get_major_locator().set_params(integer=True)  # counts: never a 0.5 step
        ax.set_xlabel("practice characterizations (practices x basic units / support functions)")
        ax.set_title(title)
        fig.legend(loc="outside lower center", ncol=legend_columns, frameon=False, fontsize=8)
        return fig


def findings_priority(findings_frame: "pd.DataFrame | None") -> "Figure":
    """Open weaknesses per PA, stacked by priority band (High >= 60, Medium >= 30, Low)."""
    with _style():
        fig = _figure(3.2)
        frame = findings_frame if findings_frame is not None else None
        if frame is not None and not frame.empty:
            frame = frame[(frame["kind"] == "weakness") & (frame["status"] == "open")]
        if frame is None or frame.empty:
            return _empty(fig, "Findings by priority", "no open weaknesses")
        bands = frame["score"].astype(float).map(priority_band)
        counts = bands.groupby(frame["pa"]).value_counts().unstack(fill_value=0)
        pas = sorted(counts.index, key=lambda pa: (-int(counts.loc[pa].sum()), pa))
        ax = fig.add_subplot()
        bottom = [0] * len(pas)
        for name in (n for n, _ in PRIORITY_BANDS):
            if name not in counts.columns:
                continue
            heights = [int(counts.loc[pa, name]) for pa in pas]
            colour = palette.PRIORITY[name]
            bars = ax.bar(pas, heights, bottom=bottom, color=colour, label=name, width=0.7)
            ax.bar_label(bars, labels=[str(h) if h else "" for h in heights], label_type="center", fontsize=7,
                         color=palette.text_on(colour))
            bottom = [a + b for a, b in zip(bottom, heights)]
        ax.set_ylabel("open weaknesses")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_title("Findings by priority")
        ax.legend(title="priority", frameon=False, fontsize=8, title_fontsize=8)
        return fig


# SCAMPI B and C: findings, not ratings, in the scale's own labels and colours.
OPEN_COLOUR = palette.LIGHT_GREY


def goal_cells(assessment: "Assessment") -> tuple[str, dict[tuple[str, str], tuple[str, str]], list[tuple[str, str]]]:
    """(title, (pa, goal) -> (label, colour), legend [(label, colour)]) of the goal grid."""
    scale, goals = assessment.scale, assessment.goals
    cells: dict[tuple[str, str], tuple[str, str]] = {}
    if scale.forecast is not None:
        title = "Readiness forecast per goal (would it be satisfied in a SCAMPI A?)"
        legend = [(o.label, o.colour) for o in scale.forecast.outcomes] + [(scale.forecast.otherwise, OPEN_COLOUR)]
        outcomes = {o.key: o for o in scale.forecast.outcomes}
        for g in goals.itertuples():
            if g.scope != "in_scope":
                cells[(g.pa, g.goal)] = ("n/a", palette.GREY)
            elif g.forecast:
                cells[(g.pa, g.goal)] = (outcomes[g.forecast].label, outcomes[g.forecast].colour)
            else:
                cells[(g.pa, g.goal)] = (OPEN, OPEN_COLOUR)
        legend[-1] = (f"{OPEN} = {scale.forecast.otherwise}", OPEN_COLOUR)
    else:
        title = "Worst practice value per goal (organizational unit)"
        legend = [(v.label, v.colour) for v in scale.values] + [(f"{OPEN} = practices not characterized yet",
                                                                 OPEN_COLOUR)]
        for g in goals.itertuples():
            worst = g.worst if isinstance(g.worst, str) else None
            if g.scope != "in_scope":
                cells[(g.pa, g.goal)] = ("n/a", palette.GREY)
            elif worst is None or (g.n_open and scale.is_on_track(worst)):   # still open: could get worse
                cells[(g.pa, g.goal)] = (OPEN, OPEN_COLOUR)
            else:
                cells[(g.pa, g.goal)] = (worst, scale.colours[worst])
    if any(g.scope != "in_scope" for g in goals.itertuples()):
        legend.append(("n/a = not applicable or out of scope", palette.GREY))
    return title, cells, legend


def goal_forecast(assessment: "Assessment") -> "Figure":
    """PA x goal grid: the forecast (or the worst value) of each goal, coloured and labelled."""
    from matplotlib.patches import Patch

    with _style():
        pas = list(assessment.pas["pa"])
        fig = _figure(max(2.6, 0.38 * len(pas) + 1.7))
        title, cells, legend = goal_cells(assessment)
        if not cells:
            return _empty(fig, title, "no goals")
        columns = _goal_order(g for _, g in cells)
        ax = fig.add_subplot()
        for (pa, goal), (label, colour) in cells.items():
            r, c = pas.index(pa), columns.index(goal)
            ax.add_patch(_box(c, r, colour))
            ax.text(c + 0.5, r + 0.5, label, ha="center", va="center", fontsize=7, fontweight="bold",
                    color=palette.text_on(colour))
        ax.set_xlim(0, len(columns))
        ax.set_ylim(len(pas), 0)
        ax.set_xticks([i + 0.5 for i in range(len(columns))], columns)
        ax.set_yticks([i + 0.5 for i in range(len(pas))], pas)
        ax.xaxis.tick_top()
        ax.tick_params(length=0)
        for side in ax.spines.values():
            side.set_visible(False)
        ax.set_title(title, pad=22)
        fig.legend(handles=[Patch(color=colour, label=label) for label, colour in legend],
                   loc="outside lower center", ncol=min(len(legend), 3), frameon=False, fontsize=8)
        return fig


def _box(x: float, y: float, colour: str):
    from matplotlib.patches import Rectangle

    return Rectangle((x + 0.03, y + 0.05), 0.94, 0.9, facecolor=colour, edgecolor="#FFFFFF")


def on_track_radar(assessment: "Assessment") -> "Figure":
    """Share of practices on track at the organizational unit, per PA, on a radar."""
    scale = assessment.scale
    on_track = " or ".join(scale.label(v) for v in scale.on_track_values)
    return share_radar(assessment.pas, "on_track_share", f"on track ({on_track})", "Practices on track",
                       "Share of practices on track per process area")


def value_bars(assessment: "Assessment") -> "Figure":
    """Stacked bars: instance characterizations per PA by scale value (and not characterized yet)."""
    scale = assessment.scale
    keys = [(v.value, v.label, v.colour) for v in scale.values] + [("", "not characterized", OPEN_COLOUR)]
    return stacked_value_bars(assessment.pas, assessment.cells, keys,
                              f"Characterizations per process area ({scale.name})",
                              height_extra=1.5, legend_columns=min(len(keys), 4))


def _target_cl(ratings: "Ratings", capability: str) -> int | None:
    """The target capability level of a PA: the target maturity level (staging), none out of scope."""
    return None if capability in ("Out of Scope", "Not Applicable") else ratings.maturity.level


def capability_profile(ratings: "Ratings") -> "Figure":
    """Achieved capability level (CL0-CL3) per PA as labelled bars, against the target profile.

    The target of every PA in scope is the appraisal's target maturity level (CL2 at ML2, CL3 at ML3,
    where CL3 needs GG 3). Bars are blue where the target is met, vermillion below it and yellow where
    the next level is still undetermined; each bar and target carries its text, so colour only repeats it.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    with _style():
        pas = ratings.pas
        fig = _figure(max(2.4, 0.34 * len(pas) + 1.6))
        if pas.empty:
            return _empty(fig, "Capability profile", "no process areas rated")
        ax = fig.add_subplot()
        top = max(3 if ratings.maturity.level >= 3 else 2, *(CL_REACHED.get(c, 0) for c in pas.capability_level))
        kinds: set[str] = set()
        for y, row in enumerate(pas.itertuples()):
            reached, target = CL_REACHED.get(row.capability_level), _target_cl(ratings, row.capability_level)
            if row.capability_level in CL_OPEN:
                colour, kind = palette.YELLOW, "open"
            elif reached is not None and target is not None and reached >= target:
                colour, kind = palette.BLUE, "met"
            else:
                colour, kind = palette.VERMILLION, "below"
            if reached is not None:
                ax.barh(y, reached, height=0.6, color=colour, zorder=2)
                kinds.add(kind)
            label = row.capability_level + (f" (target CL{target})" if target is not None else "")
            ax.text(max(reached or 0, target or 0) + 0.12, y, label, va="center", fontsize=7.5, color="#000000",
                    zorder=4)
            if target is not None:
                ax.scatter([target], [y], marker="D", s=36, facecolor="#FFFFFF", edgecolor="#000000",
                           linewidth=1.2, zorder=3)
        ax.set_yticks(range(len(pas)), list(pas.pa))
        ax.invert_yaxis()
        ax.set_xlim(0, top + 1.4)  # room for the labels right of the bars
        ax.set_xticks(range(top + 1), [f"CL{i}" for i in range(top + 1)])
        ax.grid(axis="x", color=palette.LIGHT_GREY, linewidth=0.8)
        ax.set_axisbelow(True)
        ax.set_title(f"Capability profile: achieved vs target (ML{ratings.maturity.level})")
        names = {"met": ("target met", palette.BLUE), "below": ("below target", palette.VERMILLION),
                 "open": ("next level not rated yet", palette.YELLOW)}
        handles: list[Any] = [Patch(color=names[k][1], label=names[k][0]) for k in names if k in kinds]
        handles.append(Line2D([], [], marker="D", linestyle="", markerfacecolor="#FFFFFF", markeredgecolor="#000000",
                              label="target capability level"))
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False, fontsize=8)
        return fig


def assessment_charts(assessment: "Assessment", findings_frame: "pd.DataFrame | None") -> dict[str, Callable[[], "Figure"]]:
    """The chart makers of a SCAMPI B/C appraisal, by file name (see :func:`render_all`)."""
    return {"goal_forecast": lambda: goal_forecast(assessment),
            "on_track_radar": lambda: on_track_radar(assessment),
            "value_bars": lambda: value_bars(assessment),
            "findings_priority": lambda: findings_priority(findings_frame)}


def _charts(ratings: "Ratings | Assessment", findings_frame: "pd.DataFrame | None") -> dict[str, Callable[[], "Figure"]]:
    from cmmikit.method.risk import is_assessment

    if is_assessment(ratings):   # SCAMPI B/C: findings, not ratings
        return assessment_charts(ratings, findings_frame)  # type: ignore[arg-type]
    return {"goal_heatmap": lambda: goal_heatmap(ratings),
            "readiness_radar": lambda: readiness_radar(ratings),
            "characterization_bars": lambda: characterization_bars(ratings),
            "findings_priority": lambda: findings_priority(findings_frame)}


def save_figure(fig: "Figure", path: Path) -> Path:
    """Save one figure deterministically (format from the suffix: png or svg)."""
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in SAVE_METADATA:
        raise ValueError(f"unsupported chart format {fmt!r}; use png or svg")
    with _style(), atomic.replacing(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=DPI, metadata=SAVE_METADATA[fmt])
    return path


def render_all(ratings: "Ratings | Assessment", findings_frame: "pd.DataFrame | None", outdir: str | Path,
               formats: Iterable[str] = ("png", "svg"), *, profile: bool = False) -> dict[str, list[Path]]:
    """Write every chart as ``<name>.<format>`` into ``outdir``; returns the files per chart name.

    ``ratings``: a SCAMPI A rating, or a SCAMPI B/C assessment (its charts: :data:`ASSESSMENT_CHART_NAMES`).
    ``profile``: a SCAMPI A rating also gets the capability profile (:data:`PROFILE_CHART`).
    """
    from cmmikit.errors import InvalidValue
    from cmmikit.method.risk import is_assessment

    formats = tuple(formats)
    bad = [f for f in formats if f not in SAVE_METADATA]
    if bad:
        raise InvalidValue(f"chart format(s) {bad} not supported; use {', '.join(SAVE_METADATA)}")
    outdir = atomic.check_folder(outdir, "the charts")
    outdir.mkdir(parents=True, exist_ok=True)
    written: dict[str, list[Path]] = {}
    makers = _charts(ratings, findings_frame)
    if profile and not is_assessment(ratings):
        makers[PROFILE_CHART] = lambda: capability_profile(ratings)  # type: ignore[arg-type]
    for name, make in makers.items():
        written[name] = []
        for fmt in formats:  # a fresh figure per format: a first render would shift the layout of the next
            fig = make()
            written[name].append(save_figure(fig, outdir / f"{name}.{fmt}"))
            fig.clear()
    return written


def trend_chart(comparison: Comparison) -> "Figure":
    """Readiness per PA (share of practices FI or LI) before and after, as a dumbbell chart.

    Colour-blind-safe (Okabe-Ito orange circles and blue diamonds, so shape tells them apart too),
    deterministic (no dates), in the style of the other charts.
    """
    import matplotlib
    from matplotlib.figure import Figure

    pas = comparison.pas
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(WIDTH, max(2.4, 0.34 * len(pas) + 1.5)), layout="constrained")
        ax = fig.add_subplot()
        y = list(range(len(pas)))
        before, after = list(pas.readiness_before * 100), list(pas.readiness_after * 100)
        for i, b, a in zip(y, before, after):
            ax.plot([b, a], [i, i], color=palette.GREY, linewidth=2, zorder=1)
        ax.scatter(before, y, marker="o", s=45, color=palette.ORANGE, zorder=2, label="baseline")
        ax.scatter(after, y, marker="D", s=40, color=palette.BLUE, zorder=3, label="current")
        ax.set_yticks(y, list(pas.pa))
        ax.invert_yaxis()
        ratings = ax.secondary_yaxis("right")  # rating change beside each PA, inside the layout
        ratings.set_yticks(y, [f"{row.before} \u2192 {row.after}" for row in pas.itertuples()], fontsize=8)
        ratings.tick_params(length=0)
        ratings.spines["right"].set_visible(False)
        ax.set_xlim(0, 105)
        ax.set_xlabel("practices FI or LI at the organizational unit (%)")
        ax.set_title("Readiness per process area: baseline \u2192 current")
        ax.grid(axis="x", color=palette.LIGHT_GREY, linewidth=0.8)
        ax.set_axisbelow(True)
        fig.legend(loc="outside lower center", ncol=2, frameon=False, fontsize=8)
    return fig
