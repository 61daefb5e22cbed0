"""The report's HTML building blocks: escaping, badges, tables, sections, embedded charts, shared sentences.

Every value that comes from an appraisal (names, weaknesses, findings, rationales) goes
through :func:`esc`, so text typed by a user can never become markup or script in the
report. :class:`Html` is what a notebook displays as HTML only. The report's sections
(:mod:`cmmikit.outputs.report_views`, and the SCAMPI B/C ones in :mod:`cmmikit.outputs.report_risk`)
are built from these.
"""

from __future__ import annotations

import base64
import html
import math
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmmikit import palette

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

TOP_FINDINGS = 20           # ranked gap findings shown; the workbook has all of them
TOP_STRENGTHS = 5           # strengths shown per process area
MAX_ACTIONS = 60            # actions listed before "and N more"
MAX_ITEMS = 15              # caveats and consistency warnings listed before "and N more"
STATEMENT_LINES, STATEMENT_CHARS = 6, 700     # of a finding statement (generated ones have a line per unit)
STRENGTH_LINES, STRENGTH_CHARS = 2, 350
ACTION_LINES, ACTION_CHARS = 3, 300
RATIONALE_LINES, RATIONALE_CHARS = 4, 600
DESCRIPTION_CHARS = 160
MAX_INSTANCE_ROWS = 30      # more basic units and support functions are listed by subgroup
NAMES_SHOWN = 4             # unit names listed before "and N more"
WORKBOOK = "the Excel workbook (cmmikit export-xlsx)"
CHART_FORMAT = "svg"        # vector charts: crisp in print, small in the file
CHART_CAPTIONS = {
    "goal_heatmap": "Goal satisfaction per process area (S = Satisfied, U = Unsatisfied, NR = Not Rated, "
                    "NA = Not Applicable, OOS = Out of Scope).",
    "readiness_radar": "Readiness: share of each process area's practices that are FI or LI at the "
                       "organizational unit, and the share characterized at all.",
    "characterization_bars": "All practice characterizations per process area, over the sampled basic units "
                             "and support functions.",
    "findings_priority": "Open gap findings per process area by priority band.",
}
VERDICT_FILLS = {"Achieved": palette.BLUE, "Ready": palette.BLUE, "Not Achieved": palette.VERMILLION,
                 "Not Ready": palette.VERMILLION, "Not Rated": palette.YELLOW}
ACTION_STATUS = {"open": "Open", "in_progress": "In progress", "done": "Done", "cancelled": "Cancelled"}
INSTANCE_KINDS = {"basic_unit": ("basic unit", "basic units"), "support_function": ("support function",
                                                                                     "support functions")}


class Html(str):
    """HTML built by this module (user text already escaped); notebooks display it as HTML only."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/html": str(self)}


# ------------------------------------------------------------------ building blocks


def esc(value: Any) -> str:
    """Any value as escaped HTML text; missing values (None, NaN, NA) become an empty string."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    try:
        import pandas as pd

        if value is pd.NA:
            return ""
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return html.escape(str(value), quote=True)


def text_block(value: Any) -> str:
    """Escaped multi-line text with its line breaks kept."""
    return "<br>".join(esc(line) for line in str(value or "").splitlines())


def clipped(value: Any, lines: int = STATEMENT_LINES, chars: int = STATEMENT_CHARS) -> str:
    """Escaped multi-line text cut to ``lines`` lines and ``chars`` characters, saying how much is left out."""
    all_lines = [line.strip() for line in str(value or "").splitlines() if line.strip()]
    shown: list[str] = []
    budget = chars
    for line in all_lines[:lines]:
        if len(line) > budget and shown and budget < 80:
            break
        shown.append(cut_line(line, budget))
        budget -= len(shown[-1])
        if budget <= 0:
            break
    more = len(all_lines) - len(shown)
    note = ""
    if more:
        note = f'<br><span class="more">and {more} more line{plural_s(more)}: the full text is in {WORKBOOK}</span>'
    elif shown and shown[-1] != all_lines[len(shown) - 1]:
        note = f'<br><span class="more">shortened: the full text is in {WORKBOOK}</span>'
    return "<br>".join(esc(line) for line in shown) + note


def names(items: Sequence[str], shown: int = NAMES_SHOWN) -> str:
    """Escaped names, the first ``shown`` of them and "and N more"."""
    items = [i for i in items if i]
    if len(items) <= shown:
        return esc(", ".join(items))
    return esc(", ".join(items[:shown])) + f' <span class="more">and {len(items) - shown} more</span>'


def badge(value: Any, colours: dict[str, str] | None = None) -> str:
    """A rating, characterization, verdict or priority band as a coloured label (the text always says it too).

    ``colours`` (text -> fill) come first: a SCAMPI B/C appraisal's scale labels and forecast words.
    """
    text = "" if value is None or value != value else str(value)
    fill = ((colours or {}).get(text) or palette.RATING.get(text) or palette.CHARACTERIZATION.get(text)
            or VERDICT_FILLS.get(text) or palette.PRIORITY.get(text))
    if not text or fill is None:
        return esc(text)
    return (f'<span class="badge" style="background:{fill};color:{palette.text_on(fill)}">'
            f"{esc(text)}</span>")


def percent(value: Any) -> str:
    return "" if value is None or value != value else f"{float(value):.0%}"


def signed_percent(value: Any) -> str:
    return "" if value is None or value != value else f"{float(value) * 100:+.0f} pts"


def nowrap(value: Any) -> str:
    return f'<span class="nowrap">{esc(value)}</span>' if esc(value) else ""


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``1 practice``, ``3 practices``."""
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"


Cell = Callable[[Any], str]


def table(frame: "pd.DataFrame", columns: dict[str, str], *, cells: dict[str, Cell] | None = None,
          widths: dict[str, int] | None = None, caption: str = "", empty: str = "Nothing to show.",
          css: str = "") -> str:
    """An HTML table of ``frame``'s ``columns`` (name -> header).

    ``cells`` give HTML for a column's values (default: escaped text); ``widths`` give columns a share
    of the page width in percent (the others share the rest), so the table always fits the page.
    """
    if frame is None or frame.empty:
        return f'<p class="empty">{esc(empty)}</p>'
    cells = cells or {}
    cols = ""
    if widths:
        rest = max(100 - sum(widths.values()), 0) / max(len(columns) - len(widths), 1)
        cols = "<colgroup>" + "".join(f'<col style="width:{widths.get(name, rest):g}%">' for name in columns) + \
               "</colgroup>"
    head = "".join(f'<th scope="col">{esc(header)}</th>' for header in columns.values())
    body = []
    for record in frame.to_dict("records"):
        row = "".join(f"<td>{cells.get(name, esc)(record.get(name))}</td>" for name in columns)
        body.append(f"<tr>{row}</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    classes = esc(" ".join(["report", css]).strip())
    return (f'<table class="{classes}">{cap}{cols}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def section(heading: str, *parts: str, anchor: str = "") -> Html:
    """A report section: an h2 heading (escaped) and already-built HTML parts."""
    ident = f' id="{esc(anchor)}"' if anchor else ""
    return Html(f'<section class="report-section"{ident}><h2>{esc(heading)}</h2>{"".join(parts)}</section>')


def paragraph(text: str, css: str = "") -> str:
    return f'<p class="{esc(css)}">{esc(text)}</p>' if css else f"<p>{esc(text)}</p>"


def bullet_list(items: Iterable[str], *, escape: bool = True) -> str:
    items = list(items)
    if not items:
        return ""
    return "<ul>" + "".join(f"<li>{esc(i) if escape else i}</li>" for i in items) + "</ul>"


def more_note(shown: int, total: int, what: str) -> str:
    """"Showing 20 of 143 ...: all of them are in the workbook" (empty when all are shown)."""
    if total <= shown:
        return ""
    return f'<p class="more">Showing {shown:,} of {total:,} {what}; all of them are in {WORKBOOK}.</p>'


def image(data: bytes, alt: str, caption: str = "", mime: str = "image/png") -> str:
    """An image embedded as a data URI in a figure with a caption."""
    encoded = base64.b64encode(data).decode("ascii")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure class="chart"><img alt="{esc(alt)}" src="data:{mime};base64,{encoded}">{cap}</figure>'


def figure_bytes(fig: "Figure", fmt: str = CHART_FORMAT) -> bytes:
    """A figure as PNG or SVG bytes, saved the deterministic way the charts module saves its files."""
    from cmmikit.outputs.charts import save_figure

    with tempfile.TemporaryDirectory(prefix="cmmikit-chart-") as tmp:
        return save_figure(fig, Path(tmp) / f"chart.{fmt}").read_bytes()


def chart(fig: "Figure", alt: str, caption: str) -> str:
    data = figure_bytes(fig)
    fig.clear()
    return image(data, alt=alt, caption=caption, mime=_MIME[CHART_FORMAT])


_MIME = {"png": "image/png", "svg": "image/svg+xml"}


def inherited_caveat(ratings: Any) -> list[str]:
    if not ratings.follow_up_of or ratings.reassessed_only:
        return []
    per_pa = ratings.practices.groupby("pa", sort=False)["n_inherited"].sum()
    per_pa = per_pa[per_pa > 0]
    if per_pa.empty:
        return []
    where = ", ".join(f"{pa} {n}" for pa, n in per_pa.items())
    return [f"Inherited from the baseline and not re-assessed yet: {count(int(per_pa.sum()), 'characterization')} "
            f"({where}); they count as recorded in {ratings.follow_up_of}."]


def stale_caveat(evidence: Any) -> list[str]:
    if not evidence.stale:
        return []
    named = "; ".join(evidence.stale[:5]) + (f"; and {len(evidence.stale) - 5:,} more (see the Evidence sheet of "
                                             f"{WORKBOOK})" if len(evidence.stale) > 5 else "")
    return [f"Stale evidence: {len(evidence.stale):,} of the {count(evidence.items, 'register item')} backing the "
            f"appraisal {'is' if len(evidence.stale) == 1 else 'are'} dated before "
            f"{evidence.stale_before.isoformat()} ({evidence.max_age_months} months before the appraisal period), "
            f"so may no longer show how the work is done: {named}."]


def open_practices_sentence(progress: Any, assessment: Any = None) -> str:
    """Which practices still lack an organizational-unit characterization, and why (empty when none do).

    ``assessment``: a SCAMPI B/C appraisal's, whose goals are not rated (their forecast waits instead).
    """
    decided = progress.characterized + progress.not_yet
    if decided == progress.practices:
        return ""
    rest = progress.practices - decided - progress.judgment_open
    why = [f"{progress.judgment_open:,} await a team decision" if progress.judgment_open else "",
           f"{rest:,} are not characterized in every sampled unit yet" if rest else ""]
    consequence = "their goals are Not Rated"
    if assessment is not None:
        consequence = ("their goals are not forecast yet" if assessment.scale.forecast
                       else "their goals' summaries are not final")
    return (f"The organizational-unit characterization is not complete: {decided:,} of the "
            f"{count(progress.practices, 'practice')} in scope have one; {' and '.join(w for w in why if w)}; "
            f"{consequence}.")


def caveat_parts(items: list[str], warnings: "pd.DataFrame", none: str) -> list[str]:
    """The caveats as a capped list (or ``none``), then the practice records that contradict themselves."""
    listed = [f"{c.pa} {c.practice}, {c.instance}: {c.warnings}" for c in warnings.head(MAX_ITEMS).itertuples()]
    parts = [capped_list(items, "caveats") if items else paragraph(none)]
    if listed:
        parts += ["<h3>Records to double-check</h3>",
                  paragraph(f"{count(len(warnings), 'practice record')} contradict what was recorded for them:",
                            "intro"),
                  bullet_list(listed + ([f"and {len(warnings) - len(listed):,} more in {WORKBOOK}"]
                                        if len(warnings) > len(listed) else []))]
    return parts


def plural_s(n: int) -> str:
    return "" if n == 1 else "s"


def cut_line(line: str, chars: int) -> str:
    """``line`` shortened to ``chars`` characters at a word boundary, with an ellipsis."""
    if len(line) <= chars:
        return line
    head = line[: chars - 1]
    return (head.rsplit(" ", 1)[0] if " " in head[chars // 2:] else head).rstrip(" ,;:") + "\u2026"


def capped_list(items: list[str], what: str, where: str = "the ratings notebook") -> str:
    shown = items[:MAX_ITEMS]
    if len(items) > len(shown):
        shown.append(f"and {len(items) - len(shown):,} more {what} (see {where})")
    return bullet_list(shown)


def rationale_cell(value: tuple[str, str, str]) -> str:
    rationale, who, note = value
    text = clipped(rationale, RATIONALE_LINES, RATIONALE_CHARS)
    by = f'<br><span class="muted small">decided by {esc(who)}</span>' if who else ""
    warn = f'<br><span class="small"><strong>Not applied:</strong> {esc(note)}</span>' if note else ""
    return text + by + warn
