"""Charts of a SCAMPI B or C appraisal: findings, not ratings, in the scale's own labels and colours.

- ``goal_forecast`` (SCAMPI B, a scale with forecast rules): PA x goal grid of the readiness
  forecast ("likely", "at risk", "unlikely" to be satisfied in a SCAMPI A), each cell labelled;
  without forecast rules (SCAMPI C) the grid shows each goal's worst practice value;
- ``on_track_radar``: share of each PA's practices on track at the organizational unit;
- ``value_bars``: instance characterizations per PA, stacked by scale value;
- ``findings_priority``: open weaknesses by priority band (as for SCAMPI A).

Every colour comes with its label in the cell or the legend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from cmmikit import palette
from cmmikit.outputs.charts import _empty, _figure, _goal_order, _style, findings_priority, share_radar
from cmmikit.method.risk import OPEN, Assessment

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

CHART_NAMES = ("goal_forecast", "on_track_radar", "value_bars", "findings_priority")
OPEN_COLOUR = palette.LIGHT_GREY


def goal_cells(assessment: Assessment) -> tuple[str, dict[tuple[str, str], tuple[str, str]], list[tuple[str, str]]]:
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


def goal_forecast(assessment: Assessment) -> "Figure":
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


def on_track_radar(assessment: Assessment) -> "Figure":
    """Share of practices on track at the organizational unit, per PA, on a radar."""
    scale = assessment.scale
    on_track = " or ".join(scale.label(v) for v in scale.on_track_values)
    return share_radar(assessment.pas, "on_track_share", f"on track ({on_track})", "Practices on track",
                       "Share of practices on track per process area")


def value_bars(assessment: Assessment) -> "Figure":
    """Stacked bars: instance characterizations per PA by scale value (and not characterized yet)."""
    scale = assessment.scale
    with _style():
        cells = assessment.cells
        pas = list(assessment.pas["pa"])
        fig = _figure(max(2.4, 0.34 * len(pas) + 1.5))
        if cells.empty:
            return _empty(fig, "Characterizations", "no basic units or support functions sampled")
        values = cells["characterization"].fillna("")
        counts = values.groupby(cells["pa"]).value_counts().unstack(fill_value=0).reindex(pas, fill_value=0)
        ax = fig.add_subplot()
        left = [0] * len(pas)
        keys = [(v.value, v.label, v.colour) for v in scale.values] + [("", "not characterized", OPEN_COLOUR)]
        for key, label, colour in keys:
            if key not in counts.columns or not counts[key].any():
                continue
            widths = [int(v) for v in counts[key]]
            bars = ax.barh(pas, widths, left=left, color=colour, label=label, height=0.7)
            ax.bar_label(bars, labels=[str(w) if w else "" for w in widths], label_type="center", fontsize=7,
                         color=palette.text_on(colour))
            left = [a + b for a, b in zip(left, widths)]
        ax.invert_yaxis()
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel("practice characterizations (practices x basic units / support functions)")
        ax.set_title(f"Characterizations per process area ({scale.name})")
        fig.legend(loc="outside lower center", ncol=min(len(keys), 4), frameon=False, fontsize=8)
        return fig


def charts(assessment: Assessment, findings_frame: "pd.DataFrame | None") -> dict[str, Callable[[], "Figure"]]:
    """The chart makers of a SCAMPI B/C appraisal, by file name (see :func:`cmmikit.outputs.charts.render_all`)."""
    return {"goal_forecast": lambda: goal_forecast(assessment),
            "on_track_radar": lambda: on_track_radar(assessment),
            "value_bars": lambda: value_bars(assessment),
            "findings_priority": lambda: findings_priority(findings_frame)}
