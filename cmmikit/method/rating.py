"""The rating engine: SCAMPI A v1.3 rules from instance characterizations to the maturity level.

The rules are small pure functions (easy to test one table row at a time);
:func:`rate` applies them to an appraisal and returns tidy pandas DataFrames
that notebooks, charts, exports and reports all read.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from cmmikit.errors import CmmikitError
from cmmikit.method import coverage as coverage_rules
from cmmikit.model.aggregation import (  # noqa: F401 (the aggregation names are re-exported here)
    INCOMPLETE, JUDGMENT_OPEN, NO_INSTANCES, NOT_YET, RATED, Aggregate, aggregate)
from cmmikit.model.scales import yields_ratings

if TYPE_CHECKING:
    import pandas as pd

    from cmmikit.model import Model
    from cmmikit.store import Appraisal, Change

ORDER = {"NI": 0, "PI": 1, "LI": 2, "FI": 3}
IMPLEMENTED = ("FI", "LI")

SATISFIED, UNSATISFIED, NOT_RATED = "Satisfied", "Unsatisfied", "Not Rated"
NOT_APPLICABLE, OUT_OF_SCOPE = "Not Applicable", "Out of Scope"
SCOPE_RATING = {"not_applicable": NOT_APPLICABLE, "out_of_scope": OUT_OF_SCOPE}


class NoRatings(CmmikitError):
    """A SCAMPI B or C appraisal was asked for ratings: it gives findings, not ratings (see cmmikit.method.risk)."""


def resolve(agg: Aggregate, decision: str | None, stale: str = "") -> tuple[str | None, str, str]:
    """Apply a recorded team decision; returns (OU value, status, note about the decision).

    ``stale`` (see :func:`stale_note`) says the decision was taken before its data changed: it is
    not applied and the judgment is open again until the team confirms it or decides again.
    """
    if not agg.options:
        note = "decision ignored: no team judgment needed" if decision else ""
        return agg.value, agg.status, note
    if decision is None:
        return None, JUDGMENT_OPEN, f"team judgment needed: {agg.label}"
    if decision not in agg.options:
        return None, JUDGMENT_OPEN, f"recorded decision {decision} is outside the allowed {agg.label}; decide again"
    if stale:
        return None, JUDGMENT_OPEN, f"team decision {decision} was {stale}"
    return decision, RATED, f"team decision: {decision}"


def stale_since(decision_change: int | None, decided_at: str, changes: Iterable["Change"]) -> "Change | None":
    """The newest change of the data a decision rests on when it came after the decision, else None.

    Changes are ordered by their change-log id (``decision_change`` is the id of the decision's own
    newest change); a decision with no change-log entry (older files) is compared by its date.
    """
    later = [c for c in changes if (c.id > decision_change if decision_change else c.at > decided_at)]
    return max(later, key=lambda c: c.id, default=None)


def stale_note(change: "Change | None") -> str:
    """"decided before the data changed on 2026-11-25: confirm or decide again" (or "" when current)."""
    if change is None:
        return ""
    return f"decided before the data changed on {change.at[:10]}: confirm or decide again"


def rate_goal(practices: Iterable[tuple[str | None, str]], coverage_problems: Iterable[str] = (),
              decision: str | None = None, stale: str = "") -> tuple[str, str]:
    """Rate a goal from its practices' (OU value, status); returns (rating, reason).

    A goal decision that went ``stale`` (see :func:`stale_note`) is not applied: the goal is Not
    Rated until the team confirms it or decides again.
    """
    practices = list(practices)
    coverage_problems = list(coverage_problems)
    open_ = [s for _, s in practices if s != RATED]
    if not practices:
        return NOT_RATED, "no practices"
    if open_:
        counts = Counter(open_)
        return NOT_RATED, "; ".join(f"{n} practice(s) {s}" for s, n in sorted(counts.items()))
    if coverage_problems:
        return NOT_RATED, "coverage: " + "; ".join(coverage_problems)
    weak = [v for v, _ in practices if v not in IMPLEMENTED]
    if weak:
        counts = Counter(weak)
        return UNSATISFIED, "practices at " + ", ".join(f"{counts[k]} {k}" for k in ("PI", "NI") if counts[k])
    if decision == UNSATISFIED and stale:
        return NOT_RATED, f"team decision Unsatisfied was {stale}"
    if decision == UNSATISFIED:
        return UNSATISFIED, "team decision: weaknesses have a significant negative impact on the goal"
    return SATISFIED, "every practice FI or LI"


def rate_pa(scope: str, goal_ratings: Iterable[str]) -> str:
    """PA rating from its scope and goal ratings."""
    if scope in SCOPE_RATING:
        return SCOPE_RATING[scope]
    ratings = list(goal_ratings)
    if UNSATISFIED in ratings:
        return UNSATISFIED
    if not ratings or NOT_RATED in ratings:
        return NOT_RATED
    return SATISFIED


CL1_CL2_NOT_RATED = "CL1 (CL2 not rated)"


CL2_CL3_NOT_RATED = "CL2 (CL3 not rated)"


def capability_level(scope: str, specific: Iterable[str], generic: Iterable[str],
                     defined: Iterable[str] = ()) -> str:
    """Capability level profile entry: CL0 ... CL3, or Not Rated / Not Applicable / Out of Scope.

    CL1 is established once the specific goals are Satisfied; when a generic goal is still Not
    Rated (and none is Unsatisfied) CL2 is undetermined, which reads "CL1 (CL2 not rated)".
    ``generic`` are the GG 2 ratings, ``defined`` the GG 3 ones (none below a level 3 target):
    CL3 needs CL2 and GG 3 Satisfied ("CL2 (CL3 not rated)" while GG 3 is open).
    """
    if scope in SCOPE_RATING:
        return SCOPE_RATING[scope]
    specific, generic, defined = list(specific), list(generic), list(defined)
    if UNSATISFIED in specific:
        return "CL0"
    if NOT_RATED in specific or not specific:
        return NOT_RATED
    if generic and all(r == SATISFIED for r in generic):
        if defined and all(r == SATISFIED for r in defined):
            return "CL3"
        if NOT_RATED in defined and UNSATISFIED not in defined:
            return CL2_CL3_NOT_RATED
        return "CL2"
    if NOT_RATED in generic and UNSATISFIED not in generic:
        return CL1_CL2_NOT_RATED
    return "CL1"


@dataclass(frozen=True)
class MaturityVerdict:
    level: int
    verdict: str        # Achieved / Not Achieved / Not Rated (or Ready / Not Ready for readiness)
    achieved: bool | None
    formal: bool        # True only for SCAMPI A, which alone yields a maturity level rating
    reasons: tuple[str, ...] = ()

    @property
    def headline(self) -> str:
        what = f"Maturity level {self.level}" if self.formal else f"Maturity level {self.level} readiness"
        return f"{what}: {self.verdict}"


def rate_maturity(pa_ratings: dict[str, str], level: int = 2, formal: bool = True,
                  coverage_problems: Iterable[str] = (), basic_units: int | None = None, *,
                  pending: Iterable[str] = (), left_out: dict[str, str] | None = None) -> MaturityVerdict:
    """Maturity level verdict: every PA Satisfied or Not Applicable; Not Rated/Out of Scope give no rating.

    ``basic_units`` is the number of basic units sampled for a PA in scope (None: not checked); a
    maturity level rests on the basic units' work, so with none, or with every PA Not Applicable,
    there is nothing to rate and the verdict is Not Rated with the reason. ``pending``: PAs of the
    level whose model content is not shipped yet (no rating). ``left_out``: additions (SSD) the
    team left out of scope, PA -> reason; the level is rated without them.
    """
    words = ("Achieved", "Not Achieved") if formal else ("Ready", "Not Ready")
    left_out = {pa: why for pa, why in (left_out or {}).items() if pa_ratings.get(pa) == OUT_OF_SCOPE}
    pa_ratings = {pa: r for pa, r in pa_ratings.items() if pa not in left_out}
    pending = list(pending)
    no_rating = [f"{pa} {r}" for pa, r in pa_ratings.items() if r in (NOT_RATED, OUT_OF_SCOPE)]
    if pending:
        no_rating.append(f"not in the model yet (titles not checked in two renderings): {', '.join(pending)}")
    noted = tuple(f"{pa} left out of scope (an addition): {why or 'no reason recorded'}" for pa, why in left_out.items())
    if pa_ratings and all(r == NOT_APPLICABLE for r in pa_ratings.values()):
        no_rating.append("every process area is Not Applicable: nothing was rated")
    elif basic_units == 0:
        no_rating.append("no basic unit is sampled for a process area in scope (support functions alone "
                         "cannot carry a maturity level)")
    coverage_problems = list(coverage_problems)
    unsatisfied = [pa for pa, r in pa_ratings.items() if r == UNSATISFIED]
    if no_rating or coverage_problems or not pa_ratings:
        reasons = no_rating + [f"coverage: {p}" for p in coverage_problems]
        if unsatisfied:
            reasons.append(f"already Unsatisfied: {', '.join(unsatisfied)}")
        return MaturityVerdict(level, NOT_RATED, None, formal, tuple(reasons or ["no process areas"]) + noted)
    if unsatisfied:
        return MaturityVerdict(level, words[1], False, formal,
                               tuple(f"{pa} Unsatisfied" for pa in unsatisfied) + noted)
    return MaturityVerdict(level, words[0], True, formal, ("every process area Satisfied or Not Applicable",) + noted)


def maturity_at(model: "Model", level: int, pa_ratings: dict[str, str], scopes: dict[str, Any], formal: bool,
                coverage_problems: Iterable[str], basic_units: int) -> MaturityVerdict:
    """The verdict for one maturity level: the PAs up to it, the model's pending ones, its additions."""
    rated = {pa: r for pa, r in pa_ratings.items() if model.pa(pa).maturity_level <= level}
    pending = [pa for pa in model.pending if model.listed.get(pa, level) <= level]
    left_out = {pa: scopes[pa].reason for pa in model.additions if pa in rated and pa in scopes}
    return rate_maturity(rated, level, formal, coverage_problems, basic_units, pending=pending, left_out=left_out)


def consistency_warnings(characterization: str | None, weaknesses: str, n_artifacts: int,
                         n_affirmations: int) -> list[str]:
    """Where a characterization contradicts what was recorded for it (shown to assessors)."""
    warnings = []
    has_weakness = bool((weaknesses or "").strip())
    if characterization == "FI" and has_weakness:
        warnings.append("FI but weaknesses are written (FI means no weaknesses; LI?)")
    if characterization in ("LI", "PI", "NI") and not has_weakness:
        warnings.append(f"{characterization} needs at least one weakness written")
    if characterization in ("FI", "LI", "PI", "NI") and n_artifacts + n_affirmations == 0:
        warnings.append(f"{characterization} rests on no evidence")
    elif characterization in ("FI", "LI") and (n_artifacts == 0 or n_affirmations == 0):
        warnings.append(f"{characterization} with one-sided evidence (only {'artifacts' if n_artifacts else 'affirmations'})")
    return warnings


def follow_up_lines(result: Any) -> list[str]:
    """A follow-up's line for the plain-text summaries: characterizations re-assessed and inherited."""
    if not result.follow_up_of:
        return []
    counts = result.reassessment()
    view = "; inherited ones count as not characterized" if result.reassessed_only else ""
    return [f"  follow-up of {result.follow_up_of}: {counts['reassessed']} characterization(s) "
            f"re-assessed, {counts['inherited']} inherited{view}"]


# ------------------------------------------------------------------ applying the rules


@dataclass
class Ratings:
    """Tidy result tables of one rating run (one row per instance cell, practice, goal, PA)."""

    cells: "pd.DataFrame"
    practices: "pd.DataFrame"
    goals: "pd.DataFrame"
    pas: "pd.DataFrame"
    coverage: "pd.DataFrame"
    maturity: MaturityVerdict
    appraisal_name: str = ""
    lower: tuple[MaturityVerdict, ...] = ()  # the verdicts of the levels below the target (ML2 at target 3)
    model_id: str = ""
    follow_up_of: str = ""          # a follow-up appraisal: its baseline
    reassessed_only: bool = False   # inherited characterizations were counted as not characterized

    def reassessment(self) -> dict[str, int]:
        """Characterized cells re-assessed in this appraisal vs still inherited from the baseline."""
        return {"reassessed": int(self.practices.n_reassessed.sum()),
                "inherited": int(self.practices.n_inherited.sum())}

    def summary(self) -> str:
        """Plain-text summary: PA and goal ratings and the maturity verdict."""
        lines = [f"{self.appraisal_name} ({self.model_id})", *follow_up_lines(self)]
        for pa in self.pas.itertuples():
            lines.append(f"  {pa.pa:<5} {pa.rating:<15} {pa.capability_level:<19} {pa.name}")
            for goal in self.goals[self.goals.pa == pa.pa].itertuples():
                reason = f"  ({goal.reason})" if goal.rating != SATISFIED else ""
                lines.append(f"        {goal.goal:<5} {goal.rating:<15}{reason}")
        for verdict in (self.maturity, *reversed(self.lower)):
            lines.append(verdict.headline)
            lines.extend(f"  - {r}" for r in verdict.reasons)
        return "\n".join(lines)


def rate(appraisal: "Appraisal", rules: coverage_rules.CoverageRules | None = None, *,
         reassessed_only: bool = False) -> Ratings:
    """Rate an appraisal: practices, goals, PAs, capability profile and the maturity level.

    Team decisions taken before their data changed are flagged ``stale`` and not applied.
    ``reassessed_only``: characterizations a follow-up inherited from its baseline and nobody
    re-assessed count as not characterized (the "re-assessed only" view).
    """
    import pandas as pd

    model = appraisal.model
    rules = rules or coverage_rules.load_rules()
    with appraisal.snapshot():  # every input from one consistent state, even while others write
        info = appraisal.info()
        scopes = appraisal.scopes()
        instances = appraisal.instances()
        records = {(r.pa, r.practice, r.instance): r for r in appraisal.records()}
        evidence: dict[tuple[str, str, str], Counter] = defaultdict(Counter, appraisal.evidence_counts())
        decisions = {(d.pa, d.practice): d for d in appraisal.practice_decisions()}
        goal_decisions = {(d.pa, d.goal): d for d in appraisal.goal_decisions()}
        data_changes = appraisal.data_changes()
        decision_changes = appraisal.decision_changes()
    if not yields_ratings(info.appraisal_type):
        raise NoRatings(f"{info.name} is a {info.appraisal_type} appraisal: it gives findings, not ratings "
                        "(cmmikit.method.risk.assess gives its risk summary; so does 'cmmikit rate')")

    def went_stale(decision: Any, pa: str, key: str, practices: Iterable[str]) -> str:
        if decision is None:
            return ""
        changes = [data_changes[(pa, p)] for p in practices if (pa, p) in data_changes]
        return stale_note(stale_since(decision_changes.get((pa, key)), decision.decided_at, changes))

    cells: list[dict[str, Any]] = []
    for pa in model.process_areas.values():
        sampled = [i for i in instances if pa.id in i.pas]
        for p in pa.practices:
            for inst in sampled:
                rec = records.get((pa.id, p.id, inst.name))
                ev = evidence[(pa.id, p.id, inst.name)]
                inherited = bool(rec and rec.inherited)
                char = rec.characterization if rec and not (inherited and reassessed_only) else None
                weaknesses = rec.weaknesses if rec else ""
                cells.append({
                    "pa": pa.id, "goal": p.goal, "practice": p.id, "title": p.title, "generic": p.generic,
                    "instance": inst.name, "instance_kind": inst.kind, "subgroup": coverage_rules.subgroup_name(inst.subgroup),
                    "characterization": char, "n_artifacts": ev["artifact"], "n_affirmations": ev["affirmation"],
                    "strengths": rec.strengths if rec else "", "weaknesses": weaknesses,
                    "notes": rec.notes if rec else "",
                    "warnings": "; ".join(consistency_warnings(char, weaknesses, ev["artifact"], ev["affirmation"])),
                    "inherited": inherited,
                })

    in_scope = {pa for pa, s in scopes.items() if s.scope == "in_scope"}
    cov = coverage_rules.check(cells, instances, in_scope, rules)

    by_practice: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for c in cells:
        by_practice[(c["pa"], c["practice"])].append(c)

    practice_rows, goal_rows, pa_rows = [], [], []
    pa_ratings: dict[str, str] = {}
    ratings_at: dict[int, dict[str, str]] = {lvl: {} for lvl in range(2, model.target_maturity_level)}
    for pa in model.process_areas.values():
        scope = scopes[pa.id]
        goal_ratings: dict[str, str] = {}
        ou_values: list[str | None] = []
        for goal in pa.goals:
            results = []
            for p in goal.practices:
                pcells = by_practice[(pa.id, p.id)]
                chars = [c["characterization"] for c in pcells]
                agg = aggregate(chars)
                decision = decisions.get((pa.id, p.id))
                stale = went_stale(decision, pa.id, p.id, [p.id])
                value, status, note = resolve(agg, decision.value if decision else None, stale)
                stale = stale if stale and status == JUDGMENT_OPEN and decision.value in agg.options else ""
                if scope.scope != "in_scope":
                    status = SCOPE_RATING[scope.scope]
                results.append((value, status))
                ou_values.append(value)
                counts = Counter("blank" if c is None else c for c in chars)
                practice_rows.append({
                    "pa": pa.id, "goal": goal.id, "practice": p.id, "title": p.title, "generic": p.generic,
                    "n_instances": len(chars), **{f"n_{k}": counts[k] for k in ("FI", "LI", "PI", "NI", "NY", "blank")},
                    "aggregate": agg.label, "judgment": bool(agg.options), "options": " or ".join(agg.options),
                    "decision": decision.value if decision else None,
                    "decision_rationale": decision.rationale if decision else "", "decision_note": note,
                    "stale": bool(stale), "stale_reason": stale,
                    "ou": value, "status": status,
                    "n_weaknesses": sum(bool(c["weaknesses"].strip()) for c in pcells),
                    "n_strengths": sum(bool(c["strengths"].strip()) for c in pcells),
                    "n_artifacts": sum(c["n_artifacts"] for c in pcells),
                    "n_affirmations": sum(c["n_affirmations"] for c in pcells),
                    "n_warnings": sum(bool(c["warnings"]) for c in pcells),
                    "n_reassessed": sum(c["characterization"] is not None and not c["inherited"] for c in pcells),
                    "n_inherited": sum(c["inherited"] for c in pcells),
                })
            gdec = goal_decisions.get((pa.id, goal.id))
            gstale = went_stale(gdec, pa.id, goal.id, [p.id for p in goal.practices])
            if scope.scope != "in_scope":
                rating, reason = SCOPE_RATING[scope.scope], scope.reason
                gstale = ""
            else:
                problems = cov.pa_failures.get(pa.id, [])
                if gstale and rate_goal(results, problems)[0] != SATISFIED:
                    gstale = ""  # the decision does not decide this goal now
                rating, reason = rate_goal(results, problems, gdec.rating if gdec else None, gstale)
            goal_ratings[goal.id] = rating
            goal_rows.append({"pa": pa.id, "goal": goal.id, "title": goal.title, "generic": goal.generic,
                              "rating": rating, "reason": reason,
                              "n_practices": len(results),
                              "n_implemented": sum(v in IMPLEMENTED for v, _ in results),
                              "decision": gdec.rating if gdec else None,
                              "decision_rationale": gdec.rationale if gdec else "",
                              "stale": bool(gstale), "stale_reason": gstale})
        rating = rate_pa(scope.scope, goal_ratings.values())
        pa_ratings[pa.id] = rating
        for lvl in range(2, model.target_maturity_level):  # at a lower level only its generic goals count
            ratings_at[lvl][pa.id] = rate_pa(scope.scope, [r for g, r in goal_ratings.items()
                                                           if pa.goal(g).level <= lvl])
        specific = [r for g, r in goal_ratings.items() if not pa.goal(g).generic]
        generic = [r for g, r in goal_ratings.items() if pa.goal(g).generic and pa.goal(g).level <= 2]
        defined = [r for g, r in goal_ratings.items() if pa.goal(g).generic and pa.goal(g).level == 3]
        pa_rows.append({
            "pa": pa.id, "name": pa.name, "category": pa.category, "maturity_level": pa.maturity_level,
            "scope": scope.scope,
            "scope_reason": scope.reason, "rating": rating,
            "capability_level": capability_level(scope.scope, specific, generic, defined),
            "n_goals": len(goal_ratings), "n_satisfied": sum(r == SATISFIED for r in goal_ratings.values()),
            "n_practices": len(ou_values),
            "readiness": sum(v in IMPLEMENTED for v in ou_values) / len(ou_values) if ou_values else 0.0,
            "characterized_share": sum(v is not None for v in ou_values) / len(ou_values) if ou_values else 0.0,
            "n_instances": sum(pa.id in i.pas for i in instances),
            "n_reassessed": sum(r["n_reassessed"] for r in practice_rows if r["pa"] == pa.id),
            "n_inherited": sum(r["n_inherited"] for r in practice_rows if r["pa"] == pa.id),
        })

    basic_units = sum(i.kind == "basic_unit" and bool(set(i.pas) & in_scope) for i in instances)
    ratings_at[model.target_maturity_level] = pa_ratings
    verdicts = [maturity_at(model, lvl, ratings_at[lvl], scopes, info.appraisal_type == "SCAMPI A",
                            cov.maturity_failures, basic_units)
                for lvl in range(2, model.target_maturity_level + 1)]
    maturity, lower = verdicts[-1], tuple(verdicts[:-1])
    cell_columns = ["pa", "goal", "practice", "title", "generic", "instance", "instance_kind", "subgroup",
                    "characterization", "n_artifacts", "n_affirmations", "strengths", "weaknesses", "notes", "warnings",
                    "inherited"]
    return Ratings(
        cells=pd.DataFrame(cells, columns=cell_columns),
        practices=pd.DataFrame(practice_rows),
        goals=pd.DataFrame(goal_rows),
        pas=pd.DataFrame(pa_rows),
        coverage=pd.DataFrame(cov.rows, columns=["rule", "subject", "pa", "passed", "detail", "enabled"]),
        maturity=maturity,
        lower=lower,
        appraisal_name=info.name,
        model_id=model.id,
        follow_up_of=info.follow_up_of,
        reassessed_only=reassessed_only,
    )
