"""SCAMPI B and C: practices characterized on the appraisal's scale, summarised per goal; findings, not ratings.

Only SCAMPI A yields ratings (:mod:`cmmikit.method.rating`). A SCAMPI B characterizes every practice on a
fixed three-point scale of the risk to goal satisfaction if the observed practice were deployed
across the organizational unit (low / medium / high risk); a SCAMPI C uses a scale the team defines
(:mod:`cmmikit.model.scales`). Both yield strengths, weaknesses and findings. :func:`assess` gives:

- per practice, the organizational-unit (OU) value by the scale's aggregation rule (SCAMPI B: the
  highest risk across the sampled instances), unless the team recorded another value with its
  rationale (a decision taken before its data changed is not applied until confirmed);
- per goal, a risk summary (practices per scale value, and how many are still open) and, when the
  scale has forecast rules (SCAMPI B), a readiness forecast ("likely / at risk / unlikely to be
  satisfied in a SCAMPI A");
- per process area the same counts and the share of practices on track.

:func:`evaluate` is what outputs call: the SCAMPI A :class:`~cmmikit.method.rating.Ratings` for SCAMPI A
and self-appraisals, an :class:`Assessment` for SCAMPI B and C.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from cmmikit.method import coverage as coverage_rules
from cmmikit.method.rating import (INCOMPLETE, JUDGMENT_OPEN, NO_INSTANCES, NOT_YET, RATED, consistency_warnings,
                            follow_up_lines, resolve, stale_note, stale_since)
from cmmikit.model.scales import RISK_TYPES, Outcome, Scale

if TYPE_CHECKING:
    import pandas as pd

    from cmmikit.method.findings import Weights
    from cmmikit.method.rating import Ratings
    from cmmikit.store import Appraisal, PracticeDecision

SCOPE_WORDS = {"not_applicable": "not applicable", "out_of_scope": "out of scope"}
OPEN = "open"                      # a practice with no OU value yet (its status says why)
DECISION_WAITS = "team decision {value} applies once every sampled instance is characterized"
NO_RATINGS = "findings, not ratings"


def is_assessment(result: Any) -> bool:
    """True for SCAMPI B/C results (an :class:`Assessment`), False for SCAMPI A ratings."""
    return isinstance(result, Assessment)


def evaluate(appraisal: "Appraisal", *, reassessed_only: bool = False) -> "Ratings | Assessment":
    """The results the outputs show: ratings for SCAMPI A and self-appraisals, an :class:`Assessment` for B and C."""
    from cmmikit.method.rating import rate

    if appraisal.info().appraisal_type in RISK_TYPES:
        return assess(appraisal, reassessed_only=reassessed_only)
    return rate(appraisal, reassessed_only=reassessed_only)


def value_column(value: str) -> str:
    """The column counting a scale value in the practice, goal and PA frames ("v_low")."""
    return f"v_{value}"


def forecast_column(key: str) -> str:
    """The PA frame column counting the goals with a forecast outcome ("f_at_risk")."""
    return f"f_{key}"


def count_text(counts: Counter, scale: Scale, open_: int = 0) -> str:
    """"3 low risk, 1 medium risk, 2 open" in scale order (values with no practice left out)."""
    parts = [f"{counts[v.value]} {v.label}" for v in scale.values if counts[v.value]]
    if open_:
        parts.append(f"{open_} {OPEN}")
    return ", ".join(parts) or "no practices"


def risk_warnings(scale: Scale, value: str | None, weaknesses: str, n_artifacts: int, n_affirmations: int) -> list[str]:
    """Where a characterization contradicts what was recorded for it (shown to assessors)."""
    if scale.rule == "scampi-a":
        return consistency_warnings(value, weaknesses, n_artifacts, n_affirmations)
    if value is None or value == scale.not_yet:
        return []
    label = scale.label(value)
    warnings = []
    if not scale.is_on_track(value) and not (weaknesses or "").strip():
        warnings.append(f"{label} needs at least one weakness written")
    if n_artifacts + n_affirmations == 0:
        warnings.append(f"{label} rests on no evidence")
    return warnings


def practice_value(scale: Scale, instance_values: list[str | None], decision: "PracticeDecision | None",
                   stale: str = "") -> tuple[str | None, str, str, str]:
    """(OU value, status, aggregate label, note) of one practice by the scale's rule and the team's decision."""
    agg = scale.aggregate(instance_values)
    chosen = decision.value if decision else None
    if scale.rule == "scampi-a":
        value, status, note = resolve(agg, chosen, stale)
        return value, status, agg.label, note
    if chosen is None:
        return agg.value, agg.status, agg.label, ""
    if not scale.team_may_decide:
        return agg.value, agg.status, agg.label, "decision ignored: this scale takes no team decisions"
    if agg.value is None:
        return None, agg.status, agg.label, DECISION_WAITS.format(value=scale.label(chosen))
    if stale:
        return None, JUDGMENT_OPEN, agg.label, f"team decision {scale.label(chosen)} was {stale}"
    if chosen == agg.value:
        return chosen, RATED, agg.label, f"team decision: {scale.label(chosen)} (as aggregated)"
    return chosen, RATED, agg.label, f"team decision: {scale.label(chosen)} instead of {scale.label(agg.value)}"


# ------------------------------------------------------------------ the result


@dataclass
class Assessment:
    """The results of a SCAMPI B or C: values on the scale per cell, practice, goal and PA; no ratings.

    Frames (one row each): ``cells`` (practice x sampled instance), ``practices`` (OU value,
    status, team decision, ``v_<value>`` instance counts), ``goals`` (``v_<value>`` practice counts,
    ``n_open``, ``summary``, ``worst``, ``forecast`` / ``forecast_label`` / ``blocks_level``),
    ``pas`` (the same counts, ``on_track_share``, ``characterized_share``, ``f_<outcome>``).
    """

    scale: Scale
    appraisal_type: str
    cells: "pd.DataFrame"
    practices: "pd.DataFrame"
    goals: "pd.DataFrame"
    pas: "pd.DataFrame"
    appraisal_name: str = ""
    model_id: str = ""
    target_level: int = 2
    follow_up_of: str = ""
    reassessed_only: bool = False

    @property
    def kind(self) -> str:
        """What this appraisal gives, in words: "SCAMPI B: findings, not ratings"."""
        return f"{self.appraisal_type}: {NO_RATINGS}"

    def reassessment(self) -> dict[str, int]:
        return {"reassessed": int(self.practices.n_reassessed.sum()), "inherited": int(self.practices.n_inherited.sum())}

    def value_counts(self, level: str = "practices", in_scope: bool = True) -> Counter:
        """OU practice values (``practices``) or instance values (``cells``) per scale value, plus ``open``."""
        if level == "cells":
            frame = self.cells[self.cells["in_scope"]] if in_scope else self.cells
            values = frame["characterization"]
        else:
            frame = self.practices[self.practices["scope"] == "in_scope"] if in_scope else self.practices
            values = frame["ou"]
        return Counter(v if isinstance(v, str) else OPEN for v in values)

    def forecast_counts(self) -> Counter:
        """Goals of the PAs in scope per forecast outcome key ("" = not forecast yet); empty without forecast."""
        if self.scale.forecast is None:
            return Counter()
        goals = self.goals[self.goals["scope"] == "in_scope"]
        return Counter(goals["forecast"])

    def forecast_text(self) -> str:
        """"12 goals likely, 3 at risk, 1 unlikely, 2 not forecast yet" (empty without forecast rules)."""
        forecast = self.scale.forecast
        if forecast is None:
            return ""
        counts = self.forecast_counts()
        parts = [f"{counts[o.key]} {o.label}" for o in forecast.outcomes if counts[o.key]]
        if counts[""]:
            parts.append(f"{counts['']} {forecast.otherwise}")
        return f"{sum(counts.values())} goals: " + (", ".join(parts) or "none in scope")

    def level_outlook(self) -> tuple[Outcome | None, str]:
        """(outcome, sentence) for the maturity level in a SCAMPI A, from the goals of its PAs in scope.

        A goal whose outcome blocks the level decides it; otherwise open goals leave it open; otherwise
        the first outcome (in the scale's order, worst first) any goal has.
        """
        forecast = self.scale.forecast
        if forecast is None:
            return None, ""
        goals = self.goals[(self.goals["scope"] == "in_scope") & (self.goals["maturity_level"] <= self.target_level)]
        found = set(goals["forecast"])
        lead = f"Maturity level {self.target_level} forecast"
        for outcome in forecast.outcomes:
            if outcome.blocks_level and outcome.key in found:
                named = [f"{g.pa} {g.goal}" for g in goals.itertuples() if g.forecast == outcome.key]
                more = f" and {len(named) - 4} more" if len(named) > 4 else ""
                return outcome, f"{lead}: {outcome.label} ({', '.join(named[:4])}{more}: {outcome.text})"
        if goals.empty:
            return None, f"{lead}: {forecast.otherwise}; no process area in scope"
        if "" in found:
            return None, f"{lead}: {forecast.otherwise}; {int((goals['forecast'] == '').sum())} goal(s) open"
        outcome = next(o for o in forecast.outcomes if o.key in found)
        every = "every goal " if len(found) == 1 else "the weakest goals "
        return outcome, f"{lead}: {outcome.label} ({every}{outcome.text})"

    def summary(self) -> str:
        """Plain text: the scale, per PA and goal the risk summary and forecast; no ratings."""
        lines = [f"{self.appraisal_name} ({self.model_id}): {self.kind}", f"scale: {self.scale.summary()}",
                 *follow_up_lines(self)]
        for pa in self.pas.itertuples():
            lines.append(f"  {pa.pa:<5} {pa.summary:<48} {pa.name}")
            for goal in self.goals[self.goals.pa == pa.pa].itertuples():
                forecast = f"  forecast: {goal.forecast_label}" if goal.forecast_label else ""
                lines.append(f"        {goal.goal:<5} {goal.summary}{forecast}")
        if self.scale.forecast is not None:
            lines.append(f"Readiness forecast ({self.scale.forecast.question}): {self.forecast_text()}")
            lines.append(self.level_outlook()[1])
        counts = self.value_counts()
        lines.append(f"Practices in scope: {count_text(counts, self.scale, counts[OPEN])}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """What ``cmmikit rate --json`` prints for a SCAMPI B or C."""
        scale = self.scale
        values = [v.value for v in scale.values]
        outcome, outlook = self.level_outlook()
        return {
            "appraisal_type": self.appraisal_type, "gives": NO_RATINGS,
            "scale": {"id": scale.id, "name": scale.name, "values": [
                {"value": v.value, "label": v.label, "colour": v.colour, "on_track": v.on_track,
                 "not_yet": v.not_yet} for v in scale.values]},
            "process_areas": [{"pa": p.pa, "scope": p.scope, "summary": p.summary,
                               "on_track_share": round(float(p.on_track_share), 4),
                               "counts": {v: int(getattr(p, value_column(v))) for v in values},
                               "open": int(p.n_open)} for p in self.pas.itertuples()],
            "goals": [{"pa": g.pa, "goal": g.goal, "summary": g.summary, "worst": g.worst,
                       "counts": {v: int(getattr(g, value_column(v))) for v in values}, "open": int(g.n_open),
                       **({"forecast": g.forecast or None, "forecast_text": g.forecast_label}
                          if scale.forecast else {})} for g in self.goals.itertuples()],
            **({"forecast": {"question": scale.forecast.question, "level": outcome.key if outcome else None,
                             "level_text": outlook,
                             "goals": {k or "open": n for k, n in self.forecast_counts().items()}}}
               if scale.forecast else {}),
        }


# ------------------------------------------------------------------ applying the scale


def assess(appraisal: "Appraisal", *, reassessed_only: bool = False) -> Assessment:
    """The SCAMPI B/C results of an appraisal (any scale works, even FI..NI recorded before cmmikit had scales).

    ``reassessed_only``: characterizations a follow-up inherited and nobody re-assessed count as
    not characterized.
    """
    import pandas as pd

    model = appraisal.model
    with appraisal.snapshot():
        info = appraisal.info()
        scale = appraisal.scale
        scopes = appraisal.scopes()
        instances = appraisal.instances()
        records = {(r.pa, r.practice, r.instance): r for r in appraisal.records()}
        evidence: dict[tuple[str, str, str], Counter] = defaultdict(Counter, appraisal.evidence_counts())
        decisions = {(d.pa, d.practice): d for d in appraisal.practice_decisions()}
        data_changes = appraisal.data_changes()
        decision_changes = appraisal.decision_changes()

    values = [v.value for v in scale.values]
    cells: list[dict[str, Any]] = []
    practice_rows: list[dict[str, Any]] = []
    goal_rows: list[dict[str, Any]] = []
    pa_rows: list[dict[str, Any]] = []
    for pa in model.process_areas.values():
        scope = scopes[pa.id].scope
        sampled = [i for i in instances if pa.id in i.pas]
        pa_practices: list[dict[str, Any]] = []
        for goal in pa.goals:
            goal_practices = []
            for p in goal.practices:
                mine = []
                for inst in sampled:
                    rec = records.get((pa.id, p.id, inst.name))
                    ev = evidence[(pa.id, p.id, inst.name)]
                    inherited = bool(rec and rec.inherited)
                    value = rec.characterization if rec and not (inherited and reassessed_only) else None
                    weaknesses = rec.weaknesses if rec else ""
                    mine.append({
                        "pa": pa.id, "goal": goal.id, "practice": p.id, "title": p.title, "generic": p.generic,
                        "instance": inst.name, "instance_kind": inst.kind,
                        "subgroup": coverage_rules.subgroup_name(inst.subgroup), "characterization": value,
                        "label": scale.label(value), "n_artifacts": ev["artifact"],
                        "n_affirmations": ev["affirmation"], "strengths": rec.strengths if rec else "",
                        "weaknesses": weaknesses, "notes": rec.notes if rec else "",
                        "warnings": "; ".join(risk_warnings(scale, value, weaknesses, ev["artifact"],
                                                            ev["affirmation"])),
                        "inherited": inherited, "in_scope": scope == "in_scope"})
                cells.extend(mine)
                decision = decisions.get((pa.id, p.id))
                stale = ""
                if decision is not None and (pa.id, p.id) in data_changes:
                    stale = stale_note(stale_since(decision_changes.get((pa.id, p.id)), decision.decided_at,
                                                   [data_changes[(pa.id, p.id)]]))
                row = _practice_row(scale, pa.id, goal.id, p, mine, decision, stale, scope)
                goal_practices.append(row)
            pa_practices.extend(goal_practices)
            practice_rows.extend(goal_practices)
            goal_rows.append(_goal_row(scale, pa, goal, goal_practices, scope, scopes[pa.id].reason))
        pa_rows.append(_pa_row(scale, pa, pa_practices, [g for g in goal_rows if g["pa"] == pa.id], scopes[pa.id],
                               len(sampled)))

    cell_columns = ["pa", "goal", "practice", "title", "generic", "instance", "instance_kind", "subgroup",
                    "characterization", "label", "n_artifacts", "n_affirmations", "strengths", "weaknesses", "notes",
                    "warnings", "inherited", "in_scope"]
    return Assessment(
        scale=scale, appraisal_type=info.appraisal_type,
        cells=pd.DataFrame(cells, columns=cell_columns),
        practices=pd.DataFrame(practice_rows, columns=_practice_columns(values)),
        goals=pd.DataFrame(goal_rows, columns=_goal_columns(values)),
        pas=pd.DataFrame(pa_rows, columns=_pa_columns(scale)),
        appraisal_name=info.name, model_id=model.id, target_level=model.target_maturity_level,
        follow_up_of=info.follow_up_of, reassessed_only=reassessed_only)


def _practice_columns(values: list[str]) -> list[str]:
    return ["pa", "goal", "practice", "title", "generic", "scope", "n_instances", *map(value_column, values),
            "n_blank", "aggregate", "judgment", "options", "decision", "decision_rationale", "decision_note", "stale",
            "stale_reason", "ou", "ou_label", "status", "on_track", "n_weaknesses", "n_strengths", "n_artifacts",
            "n_affirmations", "n_warnings", "n_reassessed", "n_inherited"]


def _practice_row(scale: Scale, pa: str, goal: str, p: Any, cells: list[dict[str, Any]],
                  decision: "PracticeDecision | None", stale: str, scope: str) -> dict[str, Any]:
    chars = [c["characterization"] for c in cells]
    counts = Counter("blank" if c is None else c for c in chars)
    value, status, aggregate_label, note = practice_value(scale, chars, decision, stale)
    options = scale.aggregate(chars).options if scale.rule == "scampi-a" else ()
    applied_stale = bool(stale) and status == JUDGMENT_OPEN
    if scope != "in_scope":
        status = SCOPE_WORDS[scope]
    return {
        "pa": pa, "goal": goal, "practice": p.id, "title": p.title, "generic": p.generic, "scope": scope,
        "n_instances": len(cells), **{value_column(v): counts[v] for v in scale.all_values},
        "n_blank": counts["blank"], "aggregate": aggregate_label, "judgment": bool(options),
        "options": " or ".join(options), "decision": decision.value if decision else None,
        "decision_rationale": decision.rationale if decision else "", "decision_note": note,
        "stale": applied_stale, "stale_reason": stale if applied_stale else "",
        "ou": value, "ou_label": scale.label(value), "status": status, "on_track": scale.is_on_track(value),
        "n_weaknesses": sum(bool(c["weaknesses"].strip()) for c in cells),
        "n_strengths": sum(bool(c["strengths"].strip()) for c in cells),
        "n_artifacts": sum(c["n_artifacts"] for c in cells),
        "n_affirmations": sum(c["n_affirmations"] for c in cells),
        "n_warnings": sum(bool(c["warnings"]) for c in cells),
        "n_reassessed": sum(c["characterization"] is not None and not c["inherited"] for c in cells),
        "n_inherited": sum(c["inherited"] for c in cells),
    }


def _goal_columns(values: list[str]) -> list[str]:
    return ["pa", "goal", "title", "generic", "maturity_level", "scope", "n_practices", *map(value_column, values),
            "n_open", "worst", "worst_label", "on_track", "summary", "forecast", "forecast_label", "forecast_colour",
            "blocks_level"]


def _goal_row(scale: Scale, pa: Any, goal: Any, practices: list[dict[str, Any]], scope: str,
              reason: str) -> dict[str, Any]:
    ou = [p["ou"] for p in practices]
    counts = Counter(v for v in ou if v is not None)
    open_ = sum(v is None for v in ou)
    row = {"pa": pa.id, "goal": goal.id, "title": goal.title, "generic": goal.generic,
           "maturity_level": pa.maturity_level, "scope": scope, "n_practices": len(practices),
           **{value_column(v): counts[v] for v in scale.all_values}, "n_open": open_,
           "worst": scale.worst(ou), "worst_label": scale.label(scale.worst(ou)),
           "on_track": bool(ou) and open_ == 0 and all(v == scale.not_yet or scale.is_on_track(v) for v in ou),
           "summary": count_text(counts, scale, open_), "forecast": "", "forecast_label": "", "forecast_colour": "",
           "blocks_level": False}
    if scope != "in_scope":
        word = SCOPE_WORDS[scope]
        row.update(summary=f"{word}: {reason}" if reason else word, on_track=False)
        return row
    if scale.forecast is not None:
        outcome = scale.forecast_for(ou)
        row.update(forecast=outcome.key if outcome else "", blocks_level=bool(outcome and outcome.blocks_level),
                   forecast_label=outcome.text if outcome else scale.forecast.otherwise,
                   forecast_colour=outcome.colour if outcome else "")
    return row


def _pa_columns(scale: Scale) -> list[str]:
    outcomes = [forecast_column(o.key) for o in scale.forecast.outcomes] if scale.forecast else []
    return ["pa", "name", "category", "maturity_level", "scope", "scope_reason", "n_goals", "n_practices",
            *(value_column(v.value) for v in scale.values), "n_open", "on_track_share", "characterized_share",
            "summary", *outcomes, "n_not_forecast", "forecast_summary", "n_instances", "n_reassessed", "n_inherited"]


def _pa_row(scale: Scale, pa: Any, practices: list[dict[str, Any]], goals: list[dict[str, Any]], scope: Any,
            n_instances: int) -> dict[str, Any]:
    ou = [p["ou"] for p in practices]
    counts = Counter(v for v in ou if v is not None)
    n = len(ou)
    forecasts = Counter(g["forecast"] for g in goals)
    outcomes = scale.forecast.outcomes if scale.forecast else ()
    in_scope = scope.scope == "in_scope"
    summary = count_text(counts, scale, sum(v is None for v in ou))
    return {
        "pa": pa.id, "name": pa.name, "category": pa.category, "maturity_level": pa.maturity_level,
        "scope": scope.scope, "scope_reason": scope.reason, "n_goals": len(goals), "n_practices": n,
        **{value_column(v.value): counts[v.value] for v in scale.values}, "n_open": sum(v is None for v in ou),
        "on_track_share": sum(scale.is_on_track(v) for v in ou) / n if n else 0.0,
        "characterized_share": sum(v is not None for v in ou) / n if n else 0.0,
        "summary": summary if in_scope else SCOPE_WORDS[scope.scope],
        **{forecast_column(o.key): forecasts[o.key] if in_scope else 0 for o in outcomes},
        "n_not_forecast": forecasts[""] if in_scope and scale.forecast else 0,
        "forecast_summary": (", ".join([f"{forecasts[o.key]} {o.label}" for o in outcomes if forecasts[o.key]]
                                       + ([f"{forecasts['']} {scale.forecast.otherwise}"] if forecasts[""] else []))
                             if in_scope and scale.forecast else ""),
        "n_instances": n_instances,
        "n_reassessed": sum(p["n_reassessed"] for p in practices),
        "n_inherited": sum(p["n_inherited"] for p in practices),
    }


# ------------------------------------------------------------------ findings from B/C weaknesses


def finding_inputs(assessment: Assessment) -> tuple[dict, dict, dict, set]:
    """What finding priorities need from an assessment, through the scale's order (no ratings):

    - per practice (factor key, label): ``scale:<value>`` for its OU value, or ``open``;
    - per goal the label shown (its forecast outcome, e.g. "at risk"; without forecast rules its worst
      value, or "open" while an open practice could still make it worse) and the factor key
      ``goal:<worst value>`` (``Not Rated``'s factor while the goal has no value yet);
    - the goals whose forecast would block the maturity level.
    """
    scale = assessment.scale
    practice_ou = {}
    for row in assessment.practices.itertuples():
        if isinstance(row.ou, str):
            practice_ou[(row.pa, row.practice)] = (f"scale:{row.ou}", scale.label(row.ou))
        else:
            practice_ou[(row.pa, row.practice)] = ("open", f"{row.aggregate} (open)" if row.aggregate else row.status)
    outcomes = {o.key: o.label for o in scale.forecast.outcomes} if scale.forecast else {}
    labels, keys, blocking = {}, {}, set()
    for g in assessment.goals.itertuples():
        worst = g.worst if isinstance(g.worst, str) else None
        if scale.forecast:
            labels[(g.pa, g.goal)] = outcomes.get(g.forecast, OPEN)
        else:
            labels[(g.pa, g.goal)] = scale.label(worst) if worst and not (g.n_open and scale.is_on_track(worst)) \
                else OPEN
        keys[(g.pa, g.goal)] = f"goal:{worst}" if worst else "Not Rated"
        if g.blocks_level:
            blocking.add((g.pa, g.goal))
    return practice_ou, labels, keys, blocking


def scale_weights(scale: Scale, weights: "Weights") -> "Weights":
    """The finding weights with the scale's values placed by their order between the FI and NI factors
    (characterization) and between the Satisfied and Unsatisfied factors (goal); not-yet as NY."""
    chars, goals = dict(weights.characterization), dict(weights.goal_rating)
    best, worst = chars["FI"], chars["NI"]
    low, high = goals["Satisfied"], goals["Unsatisfied"]
    for value in scale.ordered:
        at = scale.position(value)
        chars[f"scale:{value}"] = best + (worst - best) * at
        goals[f"goal:{value}"] = low + (high - low) * at
    if scale.not_yet:
        chars[f"scale:{scale.not_yet}"] = chars["NY"]
        goals[f"goal:{scale.not_yet}"] = goals["Not Rated"]
    return replace(weights, characterization=chars, goal_rating=goals)


def scale_formula_lines(scale: Scale, weights: "Weights") -> list[str]:
    """How the scale's values enter the priority formula (the SCAMPI B/C lines of the formula)."""
    placed = scale_weights(scale, weights)
    chars = ", ".join(f"{v} {placed.characterization[f'scale:{v}']:g}" for v in scale.all_values)
    goals = ", ".join(f"{v} {placed.goal_rating[f'goal:{v}']:g}" for v in scale.all_values)
    return [f"  characterization = worst OU value of its practices on the scale: {chars}, open "
            f"{placed.characterization['open']:g}",
            f"  goal             = worst OU value among its goal's practices: {goals}, none yet "
            f"{placed.goal_rating['Not Rated']:g}"]


def status_counts(assessment: Assessment) -> dict[str, int]:
    """Practices of the PAs in scope by status (characterized, not characterized, team decision open, ...)."""
    practices = assessment.practices[assessment.practices["scope"] == "in_scope"]
    counts = Counter(practices["status"])
    return {s: counts[s] for s in (RATED, NOT_YET, INCOMPLETE, JUDGMENT_OPEN, NO_INSTANCES)}
