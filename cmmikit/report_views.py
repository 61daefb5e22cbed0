"""The appraisal report's sections as HTML, built from the report data (no logic in notebook cells).

Every value that comes from an appraisal (names, weaknesses, findings, rationales) goes
through :func:`esc`, so text typed by a user can never become markup or script in the
report.  Sections return :class:`Html`, which a notebook displays as HTML only.
Charts are embedded as base64 PNG so the report is a single, offline file.
"""

from __future__ import annotations

import base64
import html
import math
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmmikit import palette

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from cmmikit.report_data import ReportData, Snapshot

TOP_FINDINGS = 20       # ranked weaknesses shown in full; the workbook has all of them
MAX_WARNINGS = 15       # consistency warnings listed before "and N more"
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


def badge(value: Any) -> str:
    """A rating or characterization as a coloured label (the text always says it too)."""
    text = "" if value is None else str(value)
    fill = palette.RATING.get(text) or palette.CHARACTERIZATION.get(text) or VERDICT_FILLS.get(text)
    if not text or fill is None:
        return esc(text)
    return (f'<span class="badge" style="background:{fill};color:{palette.text_on(fill)}">'
            f"{esc(text)}</span>")


def percent(value: Any) -> str:
    return "" if value is None or value != value else f"{float(value):.0%}"


def signed_percent(value: Any) -> str:
    return "" if value is None or value != value else f"{float(value) * 100:+.0f} pts"


Cell = Callable[[Any], str]


def table(frame: "pd.DataFrame", columns: dict[str, str], *, cells: dict[str, Cell] | None = None,
          caption: str = "", empty: str = "Nothing to show.", css: str = "") -> str:
    """An HTML table of ``frame``'s ``columns`` (name -> header); ``cells`` give HTML for a column's values."""
    if frame is None or frame.empty:
        return f'<p class="empty">{esc(empty)}</p>'
    cells = cells or {}
    head = "".join(f'<th scope="col">{esc(header)}</th>' for header in columns.values())
    body = []
    for record in frame.to_dict("records"):
        row = "".join(f"<td>{cells.get(name, esc)(record.get(name))}</td>" for name in columns)
        body.append(f"<tr>{row}</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f'<table class="{esc(" ".join(["report", css]).strip())}">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def section(heading: str, *parts: str, anchor: str = "") -> Html:
    """A report section: an h2 heading (escaped) and already-built HTML parts."""
    ident = f' id="{esc(anchor)}"' if anchor else ""
    return Html(f'<section class="report-section"{ident}><h2>{esc(heading)}</h2>{"".join(parts)}</section>')


def paragraph(text: str) -> str:
    return f"<p>{esc(text)}</p>"


def bullet_list(items: Iterable[str], *, escape: bool = True) -> str:
    items = list(items)
    if not items:
        return ""
    return "<ul>" + "".join(f"<li>{esc(i) if escape else i}</li>" for i in items) + "</ul>"


def image(png: bytes, alt: str, caption: str = "") -> str:
    """A PNG embedded as a data URI in a figure with a caption."""
    data = base64.b64encode(png).decode("ascii")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure class="chart"><img alt="{esc(alt)}" src="data:image/png;base64,{data}">{cap}</figure>'


def figure_png(fig: "Figure") -> bytes:
    """A figure as PNG bytes, saved the deterministic way the charts module saves its files."""
    from cmmikit.charts import save_figure

    with tempfile.TemporaryDirectory(prefix="cmmikit-chart-") as tmp:
        return save_figure(fig, Path(tmp) / "chart.png").read_bytes()


# ------------------------------------------------------------------ sections


def header(data: "ReportData") -> Html:
    """Title block: report title, appraisal, organizational unit, type, dates and report date."""
    info = data.current.info
    facts = [("Appraisal", info.name), ("Organizational unit", info.org_unit),
             ("Appraisal type", info.appraisal_type), ("Model", f"{data.current.model.name} "
                                                             f"{data.current.model.version}"),
             ("Appraisal period", " to ".join(d for d in (info.start_date, info.end_date) if d)),
             ("Sponsor", info.sponsor), ("Lead appraiser", info.lead_appraiser),
             ("Report date", data.report_date.isoformat()), ("Source file", data.current.file_name)]
    rows = "".join(f'<tr><th scope="row">{esc(k)}</th><td>{esc(v)}</td></tr>' for k, v in facts if v)
    description = f'<p class="lead">{text_block(info.description)}</p>' if info.description else ""
    return Html(f'<header class="report-header"><h1>{esc(data.title)}</h1>{description}'
                f'<table class="report facts">{rows}</table></header>')


def verdict(data: "ReportData") -> Html:
    """The maturity level verdict, its reasons and what it means."""
    maturity = data.current.ratings.maturity
    meaning = {
        True: "Every maturity level process area is Satisfied or Not Applicable.",
        False: "At least one process area is Unsatisfied: the gaps below must be closed first.",
        None: "No maturity level can be given yet: some process areas are Not Rated or out of scope, or the "
              "data coverage rules are not met (see the caveats).",
    }[maturity.achieved]
    if not maturity.formal:
        meaning += (" This is a readiness verdict computed with the SCAMPI A rules; only a SCAMPI A appraisal "
                    "yields a maturity level rating.")
    fill = VERDICT_FILLS.get(maturity.verdict, palette.GREY)
    box = (f'<div class="verdict" style="border-color:{fill}"><p class="headline">{esc(maturity.headline)}</p>'
           f"<p>{badge(maturity.verdict)} {esc(meaning)}</p>{bullet_list(maturity.reasons)}</div>")
    return section("Verdict", box, anchor="verdict")


def scope_and_method(data: "ReportData") -> Html:
    """Who and what was appraised, and how the ratings were reached."""
    snap = data.current
    instances = _instances_frame(snap)
    scopes = _scope_frame(snap)
    practices = snap.ratings.practices
    characterized = int((practices["status"] == "characterized").sum())
    method = (
        f"Each practice of the {len(snap.model.pa_ids)} process areas was characterized for every sampled basic "
        "unit and support function (FI, LI, PI, NI or NY) from artifacts and affirmations, following the SCAMPI A "
        "v1.3 rules. Characterizations are aggregated to the organizational unit (the team decides where the "
        "rules leave a range), goals are rated from their practices, process areas from their goals, and "
        "maturity level 2 requires every process area to be Satisfied or Not Applicable.")
    counts = (f"{len(snap.instances)} basic units and support functions; {characterized} of {len(practices)} "
              f"practices characterized at the organizational unit; {snap.n_evidence.get('artifact', 0)} artifacts "
              f"and {snap.n_evidence.get('affirmation', 0)} affirmations recorded.")
    team = ", ".join(f"{a.name} ({a.role})" if a.role else a.name for a in snap.assessors)
    return section(
        "Scope and method",
        paragraph(method), paragraph(counts),
        paragraph(f"Appraisal team: {team}.") if team else "",
        "<h3>Basic units and support functions</h3>",
        table(instances, {"name": "Name", "kind": "Kind", "subgroup": "Subgroup", "pas": "Process areas",
                          "description": "Description"}, empty="No basic units or support functions recorded."),
        "<h3>Process areas in the model scope</h3>",
        table(scopes, {"pa": "PA", "name": "Process area", "category": "Category", "scope": "Scope",
                       "reason": "Reason"}),
        anchor="scope")


def ratings_section(data: "ReportData") -> Html:
    """PA ratings with capability levels and readiness, then every goal rating with its reason."""
    r = data.current.ratings
    pas = r.pas.assign(goals=[f"{s} of {n}" for s, n in zip(r.pas["n_satisfied"], r.pas["n_goals"])])
    goals = r.goals.assign(reason=[why if rating != "Satisfied" else "" for why, rating in
                                   zip(r.goals["reason"], r.goals["rating"])])
    return section(
        "Process area and goal ratings",
        table(pas, {"pa": "PA", "name": "Process area", "rating": "Rating", "capability_level": "Capability level",
                    "goals": "Goals satisfied", "readiness": "Practices FI or LI"},
              cells={"rating": badge, "readiness": percent}, css="ratings"),
        "<h3>Goals</h3>",
        table(goals, {"pa": "PA", "goal": "Goal", "title": "Title", "rating": "Rating", "reason": "Why",
                      "decision_rationale": "Team decision"}, cells={"rating": badge}),
        anchor="ratings")


def charts_section(data: "ReportData") -> Html:
    """The four standard charts, embedded as images."""
    from cmmikit.charts import render_all

    snap = data.current
    parts = []
    with tempfile.TemporaryDirectory(prefix="cmmikit-charts-") as tmp:
        files = render_all(snap.ratings, snap.findings, tmp, formats=("png",))
        for name, paths in files.items():
            caption = CHART_CAPTIONS.get(name, "")
            parts.append(image(paths[0].read_bytes(), alt=name.replace("_", " "), caption=caption))
    return section("Charts", '<div class="charts">', *parts, "</div>", anchor="charts")


def strengths(data: "ReportData") -> Html:
    """Strengths: exemplary or noteworthy implementations, per process area."""
    frame = _findings(data.current, "strength")
    return section(
        "Strengths",
        table(frame, {"pa": "PA", "goal": "Goal", "practices": "Practice", "instances": "Where",
                      "statement": "Strength"}, cells={"statement": text_block},
              empty="No strengths were recorded."),
        anchor="strengths")


def gap_findings(data: "ReportData", top: int = TOP_FINDINGS) -> Html:
    """The highest-priority gap findings, and how many there are per process area and goal."""
    from cmmikit.findings import score_formula

    gaps = _findings(data.current, "weakness")
    shown = gaps.head(top).assign(breadth=[f"{n} of {m}" for n, m in zip(gaps["n_instances"].head(top),
                                                                           gaps["n_sampled"].head(top))])
    per_goal = (gaps.groupby(["pa", "goal"], sort=False)
                .agg(n=("id", "size"), blocking=("blocks_ml2", "sum"), top_score=("score", "max"))
                .reset_index()) if not gaps.empty else gaps
    intro = (f"{len(gaps)} open gap findings, {int(gaps['blocks_ml2'].sum()) if not gaps.empty else 0} of them on "
             f"Unsatisfied goals (they block maturity level 2). The {min(top, len(gaps))} with the highest priority "
             "are listed in full; the Excel workbook lists all of them.")
    return section(
        "Gap findings, ranked",
        paragraph(intro),
        f'<pre class="formula">{esc(score_formula())}</pre>',
        table(shown, {"rank": "Rank", "pa": "PA", "goal": "Goal", "practices": "Practices",
                      "ou_characterization": "OU", "goal_rating": "Goal rating", "statement": "Finding",
                      "breadth": "Units", "score": "Priority", "blocks_ml2": "Blocks ML2"},
              cells={"statement": text_block, "goal_rating": badge, "ou_characterization": badge,
                     "score": lambda v: esc(f"{v:.0f}") if v == v else "", "blocks_ml2": _yes},
              empty="No open gap findings.", css="findings"),
        "<h3>Open gap findings per goal</h3>" if not gaps.empty else "",
        table(per_goal, {"pa": "PA", "goal": "Goal", "n": "Findings", "blocking": "Blocking ML2",
                         "top_score": "Highest priority"},
              cells={"top_score": lambda v: esc(f"{v:.0f}")}, empty="") if not gaps.empty else "",
        anchor="findings")


def action_plan(data: "ReportData") -> Html:
    """Improvement actions with owners and due dates; overdue ones are flagged."""
    snap = data.current
    summary = snap.action_summary
    line = (f"{summary['total']} actions: {summary['open']} open (of which {summary['overdue']} overdue on "
            f"{data.report_date.isoformat()}), {summary['done']} done, {summary['cancelled']} cancelled.")
    return section(
        "Action plan",
        paragraph(line) if summary["total"] else "",
        table(snap.actions, {"pa": "PA", "goal": "Goal", "finding": "Finding", "description": "Action",
                             "owner": "Owner", "due_date": "Due", "status": "Status", "overdue": "Overdue"},
              cells={"overdue": _yes}, empty="No improvement actions have been planned yet."),
        anchor="actions")


def caveats(data: "ReportData") -> Html:
    """What limits the ratings: coverage gaps, open decisions, uncharacterized practices, inconsistencies."""
    r = data.current.ratings
    items: list[str] = []
    coverage = r.coverage[(~r.coverage["passed"].astype(bool)) & r.coverage["enabled"].astype(bool)]
    for row in coverage.itertuples():
        items.append(f"Data coverage ({row.rule}): {row.subject}{f' / {row.pa}' if row.pa else ''}: {row.detail}")
    for status, text in (("team judgment open", "Team judgment still open"),
                         ("not characterized", "Not characterized in every instance"),
                         ("not yet", "Not Yet (the units have not reached that stage)"),
                         ("no instances sampled", "No sampled basic unit or support function")):
        per_pa = r.practices[r.practices["status"] == status].groupby("pa", sort=False).size()
        if len(per_pa):
            where = ", ".join(f"{pa} {n}" for pa, n in per_pa.items())
            n = int(per_pa.sum())
            items.append(f"{text}: {n} practice{'' if n == 1 else 's'} ({where}).")
    not_rated = r.goals[r.goals["rating"] == "Not Rated"]
    items.extend(f"{g.pa} {g.goal} is Not Rated: {g.reason}." for g in not_rated.itertuples())
    warnings = r.cells[r.cells["warnings"].astype(bool)]
    listed = [f"{c.pa} {c.practice}, {c.instance}: {c.warnings}" for c in warnings.head(MAX_WARNINGS).itertuples()]
    more = len(warnings) - len(listed)
    parts = [bullet_list(items) if items else paragraph("No coverage caveats: every data coverage rule is met and "
                                                        "every practice is characterized.")]
    if listed:
        parts += ["<h3>Records to double-check</h3>",
                  paragraph(f"{len(warnings)} practice records contradict what was recorded for them:"),
                  bullet_list(listed + ([f"and {more} more"] if more > 0 else []))]
    return section("Coverage and caveats", *parts, anchor="caveats")


def comparison_section(data: "ReportData") -> Html:
    """Progress since the baseline appraisal (empty when no baseline was given)."""
    comp = data.comparison
    if comp is None or data.baseline is None:
        return Html("")
    from cmmikit.compare import trend_chart

    s = comp.summary
    changes = ", ".join(f"{n} {k}" for k, n in s["practices"].items() if n and k != "unchanged") or "none"
    lines = [f"Baseline: {s['baseline']} ({s['baseline_file']}); current: {s['current']} ({s['current_file']}).",
             f"{s['maturity_before']} \u2192 {s['maturity_after']}.",
             f"Practice changes at the organizational unit: {changes}.",
             f"Goals newly satisfied: {s['goals_newly_satisfied']}; no longer satisfied: "
             f"{s['goals_no_longer_satisfied']}.",
             f"Gap findings closed: {s['weaknesses']['closed']}; new: {s['weaknesses']['new']}; still open: "
             f"{s['weaknesses']['persisting']}."]
    fig = trend_chart(comp)
    chart = image(figure_png(fig), alt="readiness trend",
                  caption="Share of practices FI or LI per process area, baseline and current.")
    fig.clear()
    pas = comp.pas.assign(rating=[f"{b} \u2192 {a}" for b, a in zip(comp.pas["before"], comp.pas["after"])],
                          capability=[f"{b} \u2192 {a}" for b, a in zip(comp.pas["capability_before"],
                                                                          comp.pas["capability_after"])])
    goals = comp.goals[comp.goals["change"] != "unchanged"]
    findings = comp.findings[(comp.findings["kind"] == "weakness") & (comp.findings["status"] != "persisting")]
    return section(
        "Progress since the baseline",
        bullet_list(lines), chart,
        table(pas, {"pa": "PA", "rating": "Rating", "change": "Change", "capability": "Capability level",
                    "readiness_before": "FI/LI before", "readiness_after": "FI/LI now",
                    "readiness_delta": "Change", "practices_improved": "Practices improved",
                    "practices_regressed": "Practices regressed", "goals_newly_satisfied": "Goals newly satisfied"},
              cells={"readiness_before": percent, "readiness_after": percent, "readiness_delta": signed_percent}),
        "<h3>Goals that changed</h3>",
        table(goals, {"pa": "PA", "goal": "Goal", "title": "Title", "before": "Before", "after": "Now",
                      "change": "Change"}, cells={"before": badge, "after": badge},
              empty="No goal rating changed."),
        "<h3>Practices that changed</h3>",
        table(comp.changed_practices(), {"pa": "PA", "practice": "Practice", "title": "Title", "before": "Before",
                                         "after": "Now", "change": "Change"},
              cells={"before": badge, "after": badge}, empty="No practice characterization changed."),
        "<h3>Gap findings closed and new</h3>",
        table(findings, {"status": "Status", "pa": "PA", "goal": "Goal", "practices": "Practices",
                         "statement": "Finding"}, cells={"statement": text_block},
              empty="No gap finding was closed or opened."),
        anchor="progress")


# ------------------------------------------------------------------ helpers


def _yes(value: Any) -> str:
    return "yes" if value is True or value == 1 else ""


def _findings(snap: "Snapshot", kind: str) -> "pd.DataFrame":
    frame = snap.findings
    return frame[(frame["kind"] == kind) & (frame["status"] == "open")].reset_index(drop=True)


def _instances_frame(snap: "Snapshot") -> "pd.DataFrame":
    import pandas as pd

    kinds = {"basic_unit": "basic unit", "support_function": "support function"}
    return pd.DataFrame([{"name": i.name, "kind": kinds.get(i.kind, i.kind), "subgroup": i.subgroup,
                          "pas": ", ".join(i.pas), "description": i.description} for i in snap.instances])


def _scope_frame(snap: "Snapshot") -> "pd.DataFrame":
    import pandas as pd

    words = {"in_scope": "in scope", "not_applicable": "not applicable", "out_of_scope": "out of scope"}
    return pd.DataFrame([{"pa": pa.id, "name": pa.name, "category": pa.category,
                          "scope": words.get(snap.scopes[pa.id].scope, snap.scopes[pa.id].scope),
                          "reason": snap.scopes[pa.id].reason} for pa in snap.model.process_areas.values()])
