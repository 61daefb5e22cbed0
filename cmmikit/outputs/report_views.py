"""The appraisal report's sections as HTML, built from the report data (no logic in notebook cells).

Every value that comes from an appraisal (names, weaknesses, findings, rationales) goes
through :func:`esc`, so text typed by a user can never become markup or script in the
report.  Sections return :class:`Html`, which a notebook displays as HTML only.
Charts are embedded as data URIs so the report is a single, offline file.

The report stays readable and bounded for any size of appraisal: long lists are summarised
(the top findings, the top strengths per process area, the first lines of a long statement,
the first names of a long list of units) and say how much more the Excel workbook holds.
"""

from __future__ import annotations

import tempfile
from typing import TYPE_CHECKING, Any

from cmmikit import palette
from cmmikit.outputs.report_html import (_MIME, ACTION_CHARS, ACTION_LINES, ACTION_STATUS, badge, bullet_list,
                                         capped_list, caveat_parts, chart, CHART_CAPTIONS, CHART_FORMAT, clipped,
                                         count, cut_line, DESCRIPTION_CHARS, esc, Html, image, inherited_caveat,
                                         INSTANCE_KINDS, MAX_ACTIONS, MAX_INSTANCE_ROWS, more_note, names, nowrap,
                                         open_practices_sentence, paragraph, percent, rationale_cell, RATIONALE_CHARS,
                                         RATIONALE_LINES, section, signed_percent, stale_caveat, STRENGTH_CHARS,
                                         STRENGTH_LINES, table, text_block, TOP_FINDINGS, TOP_STRENGTHS,
                                         VERDICT_FILLS, WORKBOOK)

if TYPE_CHECKING:
    import pandas as pd

    from cmmikit.outputs.report_data import ReportData, Snapshot


# ------------------------------------------------------------------ sections


def header(data: "ReportData") -> Html:
    """Title block: report title, appraisal facts with the model id and version, and the date warning."""
    from cmmikit.outputs.report_data import date_warning

    info, model = data.current.info, data.current.model
    facts = [("Appraisal", info.name), ("Organizational unit", info.org_unit),
             ("Appraisal type", info.appraisal_type),
             ("Model", f"{model.name} version {model.version} (model id {model.id})"),
             ("Appraisal period", " to ".join(d for d in (info.start_date, info.end_date) if d)),
             ("Sponsor", info.sponsor), ("Lead appraiser", info.lead_appraiser),
             ("Report date", data.report_date.isoformat()), ("Source file", data.current.file_name)]
    rows = "".join(f'<tr><th scope="row">{esc(k)}</th><td>{esc(v)}</td></tr>' for k, v in facts if v)
    description = f'<p class="lead">{text_block(info.description)}</p>' if info.description else ""
    warning = date_warning(data)
    alert = (f'<div class="warning" role="alert"><strong>Warning: report date before the end of the appraisal '
             f"period.</strong> {esc(warning)}</div>") if warning else ""
    return Html(f'<header class="report-header"><h1>{esc(data.title)}</h1>{description}'
                f'<table class="report facts">{rows}</table>{alert}</header>')


def verdict(data: "ReportData") -> Html:
    """The maturity level verdict, its reasons and what it means (SCAMPI B/C: findings, not ratings)."""
    if _risk(data):
        from cmmikit.outputs import report_risk

        return report_risk.result(data)
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
    progress = data.current.progress
    if not progress.complete:
        meaning += " " + open_practices_sentence(progress)
    fill = VERDICT_FILLS.get(maturity.verdict, palette.GREY)
    box = (f'<div class="verdict" style="border-color:{fill}"><p class="headline">{esc(maturity.headline)}</p>'
           f"<p>{badge(maturity.verdict)} {esc(meaning)}</p>"
           f"{capped_list(list(maturity.reasons), 'reasons', 'Coverage and caveats')}"
           + "".join(f'<p class="lower">{badge(v.verdict)} {esc(v.headline)}: {esc("; ".join(v.reasons))}</p>'
                     for v in data.current.ratings.lower) + "</div>")
    return section("Verdict", box, outlook_part(data), anchor="verdict")


def outlook_part(data: "ReportData") -> str:
    """What is still possible while the verdict is not final: best and worst case and what decides them.

    Once the level is Not Achieved, one line names what rules it out (the gap findings give the detail)."""
    from cmmikit.method.outlook import outlook

    look = outlook(data.current.ratings)
    if look.current.achieved:
        return ""
    level = f"ML{look.current.level}"
    cases = (f"Best case (every open practice resolved in its favour): {look.best.verdict}. "
             f"Worst case (every open practice resolved against it): {look.worst.verdict}.")
    parts = ["<h3>Outlook</h3>", paragraph(f"{look.headline}."),
             paragraph(cases) if look.best.verdict != look.worst.verdict else ""]
    if look.blockers and look.current.achieved is None:   # not final yet; those that alone can fail it first
        lines = [f"{b.label}: {b.now}; needs {b.needs}" for b in sorted(look.blockers, key=lambda b: not b.can_fail)]
        parts += [paragraph(f"What decides {level} ({count(len(lines), 'item')}):", "intro"),
                  capped_list(lines, "items", "the ratings notebook (02_ratings)")]
    return "".join(parts)


def scope_and_method(data: "ReportData") -> Html:
    """Who and what was appraised, how the ratings are reached, and how far the characterization has come."""
    snap = data.current
    progress = snap.progress
    method = (
        "The team characterizes each practice of the process areas in scope for every sampled basic unit and "
        "support function (FI, LI, PI, NI or NY) from artifacts and affirmations, following the SCAMPI A v1.3 "
        "rules. Characterizations are aggregated to the organizational unit (the team decides where the rules "
        "leave a range), goals are rated from their practices, process areas from their goals, and maturity "
        f"level {snap.model.target_maturity_level} requires every process area to be Satisfied or Not Applicable.")
    if _risk(data):
        from cmmikit.outputs import report_risk

        method = report_risk.method(data)
    counts = [f"{_instance_counts(snap)}; {count(progress.pas_in_scope, 'process area')} in scope.",
              status_sentence(progress, snap.ratings if _risk(data) else None), evidence_sentence(snap.evidence),
              follow_up_sentence(snap.ratings)]
    team = ", ".join(f"{a.name} ({a.role})" if a.role else a.name for a in snap.assessors)
    return section(
        "Scope and method",
        paragraph(method), paragraph(" ".join(counts)),
        paragraph(f"Appraisal team: {team}.") if team else "",
        reassessment_table(snap.ratings),
        "<h3>Basic units and support functions</h3>",
        instances_table(snap),
        "<h3>Process areas in the model scope</h3>",
        table(_scope_frame(snap), {"pa": "PA", "name": "Process area", "category": "Category", "scope": "Scope",
                                   "reason": "Reason"},
              widths={"pa": 8, "name": 32, "category": 18, "scope": 14}),
        anchor="scope")


def instances_table(snap: "Snapshot", limit: int = MAX_INSTANCE_ROWS) -> str:
    """Every basic unit and support function; beyond ``limit`` of them, by kind and subgroup (names only)."""
    frame = _instances_frame(snap)
    if len(frame) <= limit:
        return table(frame, {"name": "Name", "kind": "Kind", "subgroup": "Subgroup", "pas": "Process areas",
                             "description": "Description"},
                     cells={"description": lambda v: clipped(v, 1, DESCRIPTION_CHARS)},
                     widths={"name": 20, "kind": 13, "subgroup": 12, "pas": 22},
                     empty="No basic units or support functions recorded.")
    groups = (frame.groupby(["kind", "subgroup"], sort=True)
              .agg(n=("name", "size"), pas=("pas", lambda v: v.iloc[0] if v.nunique() == 1 else "varies per unit"),
                   names=("name", ", ".join)).reset_index())
    return (paragraph(f"{len(frame):,} basic units and support functions, listed by kind and subgroup; their "
                      f"descriptions are in {WORKBOOK}.", "intro") +
            table(groups, {"kind": "Kind", "subgroup": "Subgroup", "n": "Number", "pas": "Process areas",
                           "names": "Names"}, widths={"kind": 12, "subgroup": 12, "n": 8, "pas": 18}))


def evidence_sentence(evidence: Any) -> str:
    """How many register items back the appraisal and how many of them are stale, in one sentence."""
    if evidence.items == 0:
        return "No evidence register item backs a practice yet."
    stale = len(evidence.stale)
    return (f"{count(evidence.items, 'evidence register item')} back the appraisal "
            f"({count(evidence.artifacts, 'artifact')} and {count(evidence.affirmations, 'affirmation')}, "
            f"{count(evidence.links, 'link')} to practice instances); "
            f"{'none' if stale == 0 else f'{stale:,}'} of them {'is' if stale < 2 else 'are'} stale (dated before "
            f"{evidence.stale_before.isoformat()}, {evidence.max_age_months} months before the appraisal period).")


def follow_up_sentence(ratings: Any) -> str:
    """A follow-up appraisal: how many characterizations were re-assessed and how many are still inherited."""
    if not ratings.follow_up_of:
        return ""
    counts = ratings.reassessment()
    treated = ("are counted as not characterized (re-assessed only)" if ratings.reassessed_only
               else "count as recorded until an assessor edits or confirms them")
    return (f"This is a follow-up of {ratings.follow_up_of}: {count(counts['reassessed'], 'characterization')} "
            f"re-assessed in this appraisal and {counts['inherited']:,} still inherited from the baseline, which "
            f"{treated}.")


def reassessment_table(ratings: Any) -> str:
    """A follow-up's re-assessed and inherited characterizations per process area (empty otherwise)."""
    if not ratings.follow_up_of:
        return ""
    per_pa = (ratings.practices.groupby("pa", sort=False)[["n_reassessed", "n_inherited"]].sum().reset_index())
    per_pa = per_pa[(per_pa["n_reassessed"] + per_pa["n_inherited"]) > 0]
    if per_pa.empty:
        return ""
    return ("<h3>Re-assessed and inherited characterizations</h3>"
            + table(per_pa, {"pa": "PA", "n_reassessed": "Re-assessed", "n_inherited": "Still inherited"},
                    widths={"pa": 20, "n_reassessed": 40, "n_inherited": 40}))


def status_sentence(progress: Any, assessment: Any = None) -> str:
    """How far the characterization has come, in words that are true for complete and partial appraisals."""
    if progress.practices == 0:
        return "No process area is in scope, so no practice is characterized."
    instances = (f"{progress.instances_characterized:,} of {count(progress.instances, 'practice instance')} "
                 "(practice x sampled unit) are characterized")
    if progress.complete and progress.instances_characterized == progress.instances:
        return (f"Every one of the {count(progress.practices, 'practice')} in scope is characterized at the "
                f"organizational unit, and all {count(progress.instances, 'practice instance')} (practice x sampled "
                "unit) are characterized.")
    return f"{instances}. {open_practices_sentence(progress, assessment)}"


def ratings_section(data: "ReportData") -> Html:
    """PA ratings with capability levels and readiness, then every goal rating with its reason.

    A SCAMPI B/C appraisal has no ratings: its risk summary per process area and goal instead.
    """
    if _risk(data):
        from cmmikit.outputs import report_risk

        return report_risk.risk_summary(data)
    r = data.current.ratings
    pas = r.pas.assign(goals=[f"{s} of {n}" for s, n in zip(r.pas["n_satisfied"], r.pas["n_goals"])])
    goals = r.goals.assign(reason=[why if rating != "Satisfied" else "" for why, rating in
                                   zip(r.goals["reason"], r.goals["rating"])])
    return section(
        "Process area and goal ratings",
        table(pas, {"pa": "PA", "name": "Process area", "rating": "Rating", "capability_level": "Capability level",
                    "goals": "Goals satisfied", "readiness": "Practices FI or LI"},
              cells={"rating": badge, "readiness": percent},
              widths={"pa": 8, "name": 34, "rating": 16, "capability_level": 14, "goals": 13}, css="ratings"),
        "<h3>Goals</h3>",
        table(goals, {"pa": "PA", "goal": "Goal", "title": "Title", "rating": "Rating", "reason": "Why",
                      "decision_rationale": "Team decision"},
              cells={"rating": badge, "decision_rationale": lambda v: clipped(v, RATIONALE_LINES, RATIONALE_CHARS)},
              widths={"pa": 7, "goal": 7, "title": 30, "rating": 15, "reason": 18}),
        anchor="ratings")


def charts_section(data: "ReportData") -> Html:
    """The four standard charts, embedded as images."""
    from cmmikit.outputs.charts import render_all

    snap = data.current
    parts = []
    with tempfile.TemporaryDirectory(prefix="cmmikit-charts-") as tmp:
        files = render_all(snap.ratings, snap.findings, tmp, formats=(CHART_FORMAT,))
        for name, paths in files.items():
            parts.append(image(paths[0].read_bytes(), alt=name.replace("_", " "),
                               caption=_caption(data, name), mime=_MIME[CHART_FORMAT]))
    return section("Charts", '<div class="charts">', *parts, "</div>", anchor="charts")


def gap_findings(data: "ReportData", top: int = TOP_FINDINGS) -> Html:
    """The highest-priority gap findings (with their priority band), and how many there are per goal."""
    from cmmikit.method.findings import score_formula

    snap = data.current
    gaps = _findings(snap, "weakness")
    shown = gaps.head(top)
    blocking = int(gaps["blocks_ml2"].sum()) if not gaps.empty else 0
    scale = snap.ratings.scale if _risk(data) else None
    colours: dict[str, str] = {}
    if gaps.empty:
        intro = "No open gap findings" + (" have been recorded so far." if not snap.progress.complete else ".")
    elif scale is not None:
        from cmmikit.outputs import report_risk

        intro, colours = report_risk.gap_intro(data, len(gaps), blocking), report_risk.colours(snap.ratings)
    else:
        intro = (f"{count(len(gaps), 'open gap finding')}, {blocking:,} of them on Unsatisfied goals (they block "
                 f"maturity level {snap.model.target_maturity_level}). Ranked by the priority formula below; the "
                 f"priority band is High from 60, Medium from 30, Low below.")
    return section(
        "Gap findings, ranked",
        paragraph(intro, "intro"),
        f'<pre class="formula">{esc(score_formula(scale=scale))}</pre>' if not gaps.empty else "",
        table(shown, {"rank": "Rank", "where": "Process area", "statement": "Finding",
                      "ratings": "OU / goal" if scale is None else "OU value / goal", "breadth": "Units",
                      "priority": "Priority"},
              cells={"rank": _rank_cell, "where": _where_cell, "statement": _finding_cell,
                     "ratings": lambda v: _ratings_cell(v, colours), "breadth": lambda v: nowrap(v),
                     "priority": (_priority_cell if scale is None else
                                  lambda v: _priority_cell(v, "would block ML2"))},
              widths={"rank": 7, "where": 13, "statement": 48, "ratings": 11, "breadth": 8, "priority": 13},
              empty="No open gap findings.", css="findings") if not gaps.empty else "",
        more_note(len(shown), len(gaps), "gap findings"),
        _per_goal(gaps),
        anchor="findings")


def strengths(data: "ReportData", top: int = TOP_STRENGTHS) -> Html:
    """Strengths per process area in model order: the most widely observed ones, and how many there are."""
    snap = data.current
    frame = _findings(snap, "strength")
    if frame.empty:
        done = "" if snap.progress.complete else " so far"
        return section("Strengths", paragraph(f"No strengths have been recorded{done}.", "empty"), anchor="strengths")
    order = {pa: n for n, pa in enumerate(snap.model.pa_ids)}
    parts = [paragraph(f"{count(len(frame), 'strength')} in {count(frame['pa'].nunique(), 'process area')}; per "
                       f"process area the {top} observed in the most units are shown.", "intro")]
    for pa in sorted(frame["pa"].unique(), key=lambda p: order.get(p, len(order))):
        mine = frame[frame["pa"] == pa].sort_values(["n_instances", "goal", "practices", "id"],
                                                    ascending=[False, True, True, True], kind="mergesort")
        name = snap.model.process_areas[pa].name if pa in snap.model.process_areas else ""
        parts.append(f'<h3>{esc(pa)} {esc(name)}: {esc(count(len(mine), "strength"))}</h3>')
        parts.append(table(mine.head(top), {"practices": "Practice", "instances": "Where", "statement": "Strength"},
                           cells={"instances": lambda v: names(str(v or "").split(", ")),
                                  "statement": lambda v: clipped(v, STRENGTH_LINES, STRENGTH_CHARS)},
                           widths={"practices": 12, "instances": 25}))
        parts.append(more_note(min(top, len(mine)), len(mine), f"strengths in {pa}"))
    return section("Strengths", *parts, anchor="strengths")


def decisions(data: "ReportData") -> Html:
    """The team's decisions: OU characterizations where the rules leave a range, and goal ratings."""
    import pandas as pd

    if _risk(data):
        from cmmikit.outputs import report_risk

        return report_risk.decisions(data)

    snap = data.current
    practices = snap.ratings.practices.set_index(["pa", "practice"])
    rows = []
    for d in snap.practice_decisions:
        known = (d.pa, d.practice) in practices.index
        p = practices.loc[(d.pa, d.practice)] if known else None
        counts = ", ".join(f"{k} {int(p[f'n_{k}'])}" for k in ("FI", "LI", "PI", "NI", "NY") if p is not None
                           and p[f"n_{k}"]) if p is not None else ""
        note = p["decision_note"] if p is not None and not str(p["decision_note"]).startswith("team decision") else ""
        rows.append({"practice": f"{d.pa} {d.practice}", "title": p["title"] if p is not None else "",
                     "range": f"{p['options'] or p['aggregate']} ({counts})" if p is not None else "",
                     "value": d.value, "rationale": (d.rationale, d.decided_by, note)})
    goals = [{"goal": f"{d.pa} {d.goal}", "rating": d.rating, "rationale": (d.rationale, d.decided_by, "")}
             for d in snap.goal_decisions]
    intro = (f"Where the aggregation rules leave a range (for example LI or PI), the team decides the "
             f"organizational-unit characterization and records why: {count(len(rows), 'practice decision')} and "
             f"{count(len(goals), 'goal decision')}.")
    return section(
        "Team decisions",
        paragraph(intro, "intro"),
        "<h3>Practice characterizations decided by the team</h3>" if rows else "",
        table(pd.DataFrame(rows), {"practice": "Practice", "title": "Title", "range": "Instances allow",
                                   "value": "Decision", "rationale": "Rationale"},
              cells={"value": badge, "rationale": rationale_cell},
              widths={"practice": 11, "title": 22, "range": 19, "value": 10}, empty="") if rows else "",
        "<h3>Goal ratings decided by the team</h3>" if goals else "",
        table(pd.DataFrame(goals), {"goal": "Goal", "rating": "Rating", "rationale": "Rationale"},
              cells={"rating": badge, "rationale": rationale_cell}, widths={"goal": 12, "rating": 16},
              empty="") if goals else "",
        anchor="decisions")


def action_plan(data: "ReportData", limit: int = MAX_ACTIONS) -> Html:
    """Improvement actions: finding id and headline, owner, due date, status in words and days overdue."""
    snap = data.current
    summary = snap.action_summary
    line = (f"{count(summary['total'], 'action')}: {summary['open']:,} open (of which {summary['overdue']:,} "
            f"overdue on {data.report_date.isoformat()}), {summary['done']:,} done, {summary['cancelled']:,} "
            "cancelled. Open actions first, the most overdue at the top.")
    actions = _sorted_actions(snap.actions)
    shown = actions.head(limit)
    statements = dict(zip(snap.findings["id"], snap.findings["statement"]))
    headlines = [_first_line(statements.get(fid, headline)) + ("" if status == "open" else f" (finding {status})")
                 for fid, headline, status in zip(shown["finding_id"], shown["finding"], shown["finding_status"])]
    shown = shown.assign(finding_text=list(zip(shown["finding_id"], shown["pa"], shown["goal"], headlines)),
                         state=list(zip(shown["status"], shown["days_overdue"])))
    return section(
        "Action plan",
        paragraph(line, "intro") if summary["total"] else "",
        table(shown, {"finding_text": "Finding", "description": "Action", "owner": "Owner", "due_date": "Due",
                      "state": "Status"},
              cells={"finding_text": _action_finding_cell,
                     "description": lambda v: clipped(v, ACTION_LINES, ACTION_CHARS),
                     "due_date": nowrap, "state": _status_cell},
              widths={"finding_text": 32, "owner": 15, "due_date": 11, "state": 13},
              empty="No improvement actions have been planned yet."),
        more_note(len(shown), len(actions), "actions"),
        anchor="actions")


def caveats(data: "ReportData") -> Html:
    """What limits the ratings: coverage gaps, open decisions, uncharacterized practices, inconsistencies."""
    from cmmikit.outputs.report_data import date_warning

    if _risk(data):
        from cmmikit.outputs import report_risk

        return report_risk.caveats(data)

    r = data.current.ratings
    items: list[str] = []
    if date_warning(data):
        items.append(date_warning(data))
    items += stale_caveat(data.current.evidence) + inherited_caveat(r)
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
            items.append(f"{text}: {count(int(per_pa.sum()), 'practice')} ({where}).")
    not_rated = r.goals[r.goals["rating"] == "Not Rated"]
    items.extend(f"{g.pa} {g.goal} is Not Rated: {g.reason}." for g in not_rated.itertuples())
    parts = caveat_parts(items, r.cells[r.cells["warnings"].astype(bool)],
                         "No coverage caveats: every data coverage rule is met and every practice is characterized.")
    return section("Coverage and caveats", *parts, anchor="caveats")


def comparison_section(data: "ReportData") -> Html:
    """Progress since the baseline appraisal (empty when no baseline was given)."""
    comp = data.comparison
    if comp is None or data.baseline is None:
        return Html("")
    from cmmikit.method.compare import UNCHANGED
    from cmmikit.outputs.charts import trend_chart

    s = comp.summary
    changes = ", ".join(f"{n} {k}" for k, n in s["practices"].items() if n and k != UNCHANGED) or "none"
    pa_changes = ", ".join(f"{n} {k}" for k, n in s["pas"].items() if n and k != UNCHANGED) or "none"
    lines = [f"Baseline: {s['baseline']} ({s['baseline_file']}); current: {s['current']} ({s['current_file']}).",
             f"{s['maturity_before']} \u2192 {s['maturity_after']}.",
             f"Process areas (rating, capability level, goals or practices): {pa_changes}.",
             "Capability levels: " + ("; ".join(s["capability_levels"]) or "unchanged") + ".",
             f"Practice changes at the organizational unit: {changes}.",
             f"Goals newly satisfied: {s['goals_newly_satisfied']}; no longer satisfied: "
             f"{s['goals_no_longer_satisfied']}.",
             f"Gap findings closed: {s['weaknesses']['closed']}; new: {s['weaknesses']['new']}; still open: "
             f"{s['weaknesses']['persisting']}."]
    trend = chart(trend_chart(comp), alt="readiness trend",
                  caption="Share of practices FI or LI per process area, baseline and current.")
    pas = comp.pas.assign(rating=[f"{b} \u2192 {a}" for b, a in zip(comp.pas["before"], comp.pas["after"])],
                          capability=[f"{b} \u2192 {a}" for b, a in zip(comp.pas["capability_before"],
                                                                          comp.pas["capability_after"])],
                          goals=[f"+{n} / \u2212{m}" for n, m in zip(comp.pas["goals_newly_satisfied"],
                                                                     comp.pas["goals_no_longer_satisfied"])],
                          practices=[f"+{n} / \u2212{m}" for n, m in zip(comp.pas["practices_improved"],
                                                                         comp.pas["practices_regressed"])],
                          readiness=[f"{percent(b)} \u2192 {percent(a)}" for b, a in
                                     zip(comp.pas["readiness_before"], comp.pas["readiness_after"])])
    goals = comp.goals[comp.goals["change"] != UNCHANGED]
    findings = comp.findings[(comp.findings["kind"] == "weakness") & (comp.findings["status"] != "persisting")]
    return section(
        "Progress since the baseline",
        bullet_list(lines), trend,
        table(pas, {"pa": "PA", "change": "Change", "rating": "Rating", "capability": "Capability level",
                    "goals": "Goals satisfied +new / \u2212lost", "practices": "Practices +better / \u2212worse",
                    "readiness": "FI or LI", "readiness_delta": "Readiness change"},
              cells={"readiness_delta": signed_percent, "capability": nowrap, "readiness": nowrap},
              widths={"pa": 7, "change": 11, "rating": 22, "capability": 12, "goals": 11, "practices": 11,
                      "readiness": 14}),
        "<h3>Goals that changed</h3>",
        table(goals, {"pa": "PA", "goal": "Goal", "title": "Title", "before": "Before", "after": "Now",
                      "change": "Change"}, cells={"before": badge, "after": badge},
              widths={"pa": 7, "goal": 8, "before": 16, "after": 16, "change": 12}, empty="No goal rating changed."),
        "<h3>Practices that changed</h3>",
        table(comp.changed_practices(), {"pa": "PA", "practice": "Practice", "title": "Title", "before": "Before",
                                         "after": "Now", "change": "Change"},
              cells={"before": badge, "after": badge},
              widths={"pa": 7, "practice": 10, "before": 16, "after": 16, "change": 12},
              empty="No practice characterization changed."),
        "<h3>Gap findings closed and new</h3>",
        table(findings, {"status": "Status", "pa": "PA", "goal": "Goal", "practices": "Practices",
                         "statement": "Finding"}, cells={"statement": lambda v: clipped(v, 3, 400)},
              widths={"status": 10, "pa": 7, "goal": 8, "practices": 14},
              empty="No gap finding was closed or opened."),
        anchor="progress")


def about(data: "ReportData") -> Html:
    """The closing note: how the results were reached and where the full lists are."""
    if _risk(data):
        from cmmikit.outputs import report_risk

        return report_risk.about(data)
    return section("About this report", paragraph(
        "Ratings follow the SCAMPI A v1.3 rules as implemented in cmmikit: practice characterizations per basic "
        "unit and support function are aggregated to the organizational unit, goals are rated from their "
        "practices, process areas from their goals. Gap findings are generated from the recorded weaknesses and "
        "ranked by the priority formula shown above. Long lists are summarised here; the Excel workbook written by "
        "cmmikit export-xlsx holds every finding, strength, action and record in full. The report is regenerated "
        "from the appraisal file with cmmikit report; the executed notebook kept beside it records the parameters "
        "of the run."), anchor="about")


# ------------------------------------------------------------------ cells and helpers


def _risk(data: "ReportData") -> bool:
    """Whether the report is of a SCAMPI B/C appraisal (findings, not ratings)."""
    from cmmikit.method.risk import is_assessment

    return is_assessment(data.current.ratings)


def _caption(data: "ReportData", name: str) -> str:
    if _risk(data):
        from cmmikit.outputs import report_risk

        return report_risk.caption(name, data.current.ratings)
    return CHART_CAPTIONS.get(name, "")


def _first_line(text: str, chars: int = 240) -> str:
    lines = [line for line in str(text or "").splitlines() if line.strip()]
    return cut_line(lines[0].strip(), chars) if lines else ""


def _findings(snap: "Snapshot", kind: str) -> "pd.DataFrame":
    frame = snap.findings
    frame = frame[(frame["kind"] == kind) & (frame["status"] == "open")].reset_index(drop=True)
    if kind == "weakness":
        frame = frame.assign(where=[(pa, goal, practices) for pa, goal, practices in
                                    zip(frame["pa"], frame["goal"], frame["practices"])],
                             ratings=list(zip(frame["ou_characterization"], frame["goal_rating"])),
                             breadth=[f"{n} of {m}" for n, m in zip(frame["n_instances"], frame["n_sampled"])],
                             priority=list(zip(frame["score"], frame["blocks_ml2"])),
                             rank=list(zip(frame["rank"], frame["id"])))
    return frame


def _rank_cell(value: tuple[Any, int]) -> str:
    rank, fid = value
    return f'{esc(rank)}<br><span class="muted small nowrap">#{esc(fid)}</span>'


def _where_cell(value: tuple[str, str, str]) -> str:
    pa, goal, practices = value
    return f'<strong>{esc(pa)}</strong> {esc(goal)}<br><span class="small">{esc(practices)}</span>'


def _finding_cell(value: Any) -> str:
    return f'<div class="finding-text">{clipped(value)}</div>'


def _ratings_cell(value: tuple[str, str], colours: dict[str, str] | None = None) -> str:
    ou, goal = value
    return f"{badge(ou, colours)}<br>{badge(goal, colours)}"


def _priority_cell(value: tuple[float, bool], blocking_text: str = "blocks ML2") -> str:
    from cmmikit.method.findings import priority_band

    score, blocks = value
    if score != score:
        return ""
    blocking = f'<br><span class="small">{esc(blocking_text)}</span>' if blocks else ""
    return f"{badge(priority_band(float(score)))} {float(score):.0f}{blocking}"


def _action_finding_cell(value: tuple[int, str, str, str]) -> str:
    fid, pa, goal, text = value
    return f'<span class="nowrap"><strong>#{esc(fid)}</strong> {esc(pa)} {esc(goal)}</span><br>{esc(text)}'


def _status_cell(value: tuple[str, int]) -> str:
    status, days = value
    word = ACTION_STATUS.get(status, str(status).replace("_", " ").capitalize())
    if days and days > 0:
        late = f'{count(int(days), "day")} overdue'
        return (f'{esc(word)}<br><span class="badge" style="background:{palette.VERMILLION};'
                f'color:{palette.text_on(palette.VERMILLION)}">{esc(late)}</span>')
    return esc(word)


def _sorted_actions(actions: "pd.DataFrame") -> "pd.DataFrame":
    from cmmikit.method.findings import CLOSED_ACTION_STATUSES

    closed = actions["status"].isin(CLOSED_ACTION_STATUSES)
    return (actions.assign(_closed=closed, _late=-actions["days_overdue"],
                           _due=actions["due_date"].replace("", "9999-12-31"))
            .sort_values(["_closed", "_late", "_due", "id"], kind="mergesort")
            .drop(columns=["_closed", "_late", "_due"]).reset_index(drop=True))


def _per_goal(gaps: "pd.DataFrame") -> str:
    if gaps.empty:
        return ""
    from cmmikit.method.findings import priority_band

    per_goal = (gaps.groupby(["pa", "goal"], sort=False)
                .agg(n=("id", "size"), blocking=("blocks_ml2", "sum"), top_score=("score", "max"))
                .reset_index())
    return "<h3>Open gap findings per goal</h3>" + table(
        per_goal, {"pa": "PA", "goal": "Goal", "n": "Findings", "blocking": "Blocking ML2",
                   "top_score": "Highest priority"},
        cells={"top_score": lambda v: f"{badge(priority_band(float(v)))} {float(v):.0f}"})


def _instance_counts(snap: "Snapshot") -> str:
    from collections import Counter

    kinds = Counter(i.kind for i in snap.instances)
    if not kinds:
        return "No basic units or support functions recorded"
    parts = [count(n, *INSTANCE_KINDS.get(kind, (kind.replace("_", " "), kind.replace("_", " ") + "s")))
             for kind, n in sorted(kinds.items())]
    return " and ".join(parts)


def _instances_frame(snap: "Snapshot") -> "pd.DataFrame":
    import pandas as pd

    return pd.DataFrame([{"name": i.name, "kind": INSTANCE_KINDS.get(i.kind, (i.kind,))[0], "subgroup": i.subgroup,
                          "pas": ", ".join(i.pas), "description": i.description} for i in snap.instances])


def _scope_frame(snap: "Snapshot") -> "pd.DataFrame":
    import pandas as pd

    words = {"in_scope": "in scope", "not_applicable": "not applicable", "out_of_scope": "out of scope"}
    return pd.DataFrame([{"pa": pa.id, "name": pa.name, "category": pa.category,
                          "scope": words.get(snap.scopes[pa.id].scope, snap.scopes[pa.id].scope),
                          "reason": snap.scopes[pa.id].reason} for pa in snap.model.process_areas.values()])
