"""Honest incompleteness: what a rating can still become while data is missing or judgments are open.

While practices are uncharacterized, Not Yet, in an open team judgment, or their goals fail the
coverage rules, goals and process areas are Not Rated.  :func:`outlook` tells how far they can
still move, from the :class:`~cmmikit.method.rating.Ratings` alone (pure functions, no store access):

- **best case**: every blank or Not Yet instance characterization becomes FI, every open team
  judgment takes the better value, and the coverage rules are met;
- **worst case**: every blank or Not Yet instance becomes NI and every open judgment takes the
  worse value (coverage met too: both cases describe a completed appraisal).

Recorded team decisions keep applying where they are still within the allowed range, unless
they went stale (taken before their data changed): a stale decision is open, so the best case
drops it and the worst case keeps the worse value (a stale goal decision: Unsatisfied).  The
``blockers`` list names the smallest set of goals and practices that decide the maturity level:
while it is still achievable, every open item that must turn out well; once it is not, the
practices and goal decisions that rule it out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Iterable

from cmmikit.method.rating import (IMPLEMENTED, NOT_RATED, RATED, SCOPE_RATING, UNSATISFIED, MaturityVerdict, aggregate,
                            rate_goal, rate_maturity, rate_pa)

if TYPE_CHECKING:
    import pandas as pd

    from cmmikit.method.rating import Ratings

BEST, WORST = "best", "worst"
FILL = {BEST: "FI", WORST: "NI"}  # what an open instance characterization becomes in each case
MAX_NAMED = 3  # goals named in the headline
MAX_LISTED = 12  # blockers listed in the text summary


def practice_range(characterizations: Iterable[str | None], decision: str | None = None) -> tuple[str, str]:
    """(best, worst) OU characterization a practice can still end up with, from its instance values.

    Blank instances count as open; so do the instances of a practice that is Not Yet everywhere
    (or has none sampled).  A recorded team decision holds when it is allowed in that case.
    """
    values = list(characterizations)
    if all(v in (None, "NY") for v in values):  # nothing characterized yet (or nothing sampled)
        values = [None]
    return _settle(values, BEST, decision), _settle(values, WORST, decision)


def _settle(values: list[str | None], case: str, decision: str | None) -> str:
    agg = aggregate(FILL[case] if v is None else v for v in values)
    if not agg.options:
        return agg.value  # type: ignore[return-value]  # never None: every value is filled in
    if decision in agg.options:
        return decision  # type: ignore[return-value]
    return agg.options[0] if case == BEST else agg.options[-1]


@dataclass(frozen=True)
class Blocker:
    """One goal, practice or condition that decides the maturity level."""

    kind: str        # practice / goal / coverage / scope
    pa: str
    goal: str
    practice: str
    now: str         # its state today
    needs: str       # what it takes for the maturity level to be (or become again) achievable
    can_fail: bool   # resolved badly, this item alone makes the maturity level Not Achieved
    best: str = ""   # a practice's best reachable OU characterization

    @property
    def label(self) -> str:
        return " ".join(x for x in (self.pa, self.goal, self.practice) if x) or "appraisal"


@dataclass(frozen=True)
class Outlook:
    """Best and worst case per practice, goal, PA and the maturity level, with the blockers."""

    practices: "pd.DataFrame"   # pa, goal, practice, status, open, best, worst
    goals: "pd.DataFrame"       # pa, goal, rating, stale, best, worst
    pas: "pd.DataFrame"         # pa, rating, best, worst
    current: MaturityVerdict
    best: MaturityVerdict
    worst: MaturityVerdict
    blockers: tuple[Blocker, ...]

    @property
    def headline(self) -> str:
        """One line, e.g. "Not Rated yet: ML2 still achievable" or "ML2 no longer achievable: ..."."""
        what = f"ML{self.current.level}" + ("" if self.current.formal else " readiness")
        if self.current.achieved:
            return self.current.headline
        if self.current.achieved is False:
            return f"{self.current.headline}: {_name_blockers(self.blockers)}"
        if self.best.achieved is None:
            return f"{what} cannot be rated in this appraisal: " + "; ".join(self.best.reasons)
        if self.best.achieved:
            if self.worst.achieved:
                return f"Not Rated yet: {what} still achievable; nothing open can make it fail, only coverage gaps remain"
            deciding = sum(b.can_fail for b in self.blockers)
            return f"Not Rated yet: {what} still achievable ({deciding} open practice(s) can still decide against it)"
        return f"{what} no longer achievable: " + _name_blockers(self.blockers)

    def summary(self) -> str:
        """Plain-text lines for ``cmmikit rate``: headline, both cases, the blockers."""
        lines = [f"Outlook: {self.headline}",
                 f"  best case: {self.best.verdict}; worst case: {self.worst.verdict}"]
        if self.blockers:
            lines.append(f"  what blocks ML{self.current.level} ({len(self.blockers)}):")
            lines.extend(f"    {b.label}: {b.now} -> needs {b.needs}" for b in self.blockers[:MAX_LISTED])
            if len(self.blockers) > MAX_LISTED:
                lines.append(f"    ... and {len(self.blockers) - MAX_LISTED} more (rate --json lists them all)")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """``best_case``, ``worst_case`` and ``outlook`` (headline, blockers) for ``rate --json``."""
        def case(name: str, verdict: MaturityVerdict) -> dict[str, Any]:
            return {"maturity": {"verdict": verdict.verdict, "achieved": verdict.achieved,
                                 "reasons": list(verdict.reasons)},
                    "process_areas": [{"pa": r.pa, "rating": getattr(r, name)} for r in self.pas.itertuples()],
                    "goals": [{"pa": r.pa, "goal": r.goal, "rating": getattr(r, name)}
                              for r in self.goals.itertuples()]}

        return {"best_case": case(BEST, self.best), "worst_case": case(WORST, self.worst),
                "outlook": {"headline": self.headline,
                            "blockers": [asdict(b) | {"label": b.label} for b in self.blockers]}}


def outlook(ratings: "Ratings") -> Outlook:
    """Best and worst case for every practice, goal, PA and the maturity level of a rating run."""
    import pandas as pd

    scopes = dict(zip(ratings.pas["pa"], ratings.pas["scope"]))
    chars: dict[tuple[str, str], list[str | None]] = defaultdict(list)
    for c in ratings.cells[["pa", "practice", "characterization"]].itertuples(index=False):
        chars[(c.pa, c.practice)].append(c.characterization if isinstance(c.characterization, str) else None)

    practice_rows = []
    for p in ratings.practices.itertuples(index=False):
        in_scope = scopes[p.pa] == "in_scope"
        decision = p.decision if isinstance(p.decision, str) and not p.stale else None
        best, worst = practice_range(chars[(p.pa, p.practice)], decision) if in_scope else (None, None)
        practice_rows.append({"pa": p.pa, "goal": p.goal, "practice": p.practice, "status": p.status,
                              "open": in_scope and p.status != RATED, "now": _practice_now(p),
                              "best": best, "worst": worst})
    practices = pd.DataFrame(practice_rows, columns=["pa", "goal", "practice", "status", "open", "now", "best",
                                                     "worst"])

    ranges: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for p in practice_rows:
        ranges[(p["pa"], p["goal"])].append((p["best"], p["worst"]))
    goal_rows = []
    pa_goals: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for g in ratings.goals.itertuples(index=False):
        decision = g.decision if isinstance(g.decision, str) else None
        if scopes[g.pa] != "in_scope":
            best = worst = g.rating
        else:  # a stale goal decision may be withdrawn (best) or confirmed (worst)
            best = rate_goal([(b, RATED) for b, _ in ranges[(g.pa, g.goal)]],
                             decision=None if g.stale else decision)[0]
            worst = rate_goal([(w, RATED) for _, w in ranges[(g.pa, g.goal)]], decision=decision)[0]
        goal_rows.append({"pa": g.pa, "goal": g.goal, "rating": g.rating, "stale": g.stale, "best": best,
                          "worst": worst})
        pa_goals[g.pa].append((best, worst))
    goals = pd.DataFrame(goal_rows, columns=["pa", "goal", "rating", "stale", "best", "worst"])

    pas = ratings.pas[["pa", "rating", "scope", "maturity_level"]].copy()
    pas["best"] = [rate_pa(s, [b for b, _ in pa_goals[pa]]) for pa, s in zip(pas.pa, pas.scope)]
    pas["worst"] = [rate_pa(s, [w for _, w in pa_goals[pa]]) for pa, s in zip(pas.pa, pas.scope)]

    level, formal = ratings.maturity.level, ratings.maturity.formal
    counted = pas[pas.maturity_level <= level]
    left_out = {r.pa: r.scope_reason for r in ratings.pas.itertuples()
                if r.pa in ratings.additions and r.scope == "out_of_scope"}
    counted = counted[~counted.pa.isin(left_out)]  # an addition left out does not decide the level
    in_scope = set(counted.pa[counted.scope == "in_scope"])
    cells = ratings.cells
    units = cells[(cells.instance_kind == "basic_unit") & cells.pa.isin(in_scope)].instance.nunique()
    best = rate_maturity(dict(zip(counted.pa, counted.best)), level, formal, basic_units=units,
                         pending=ratings.pending)
    worst = rate_maturity(dict(zip(counted.pa, counted.worst)), level, formal, basic_units=units,
                          pending=ratings.pending)
    blockers = find_blockers(ratings, practices, goals, counted, best)
    return Outlook(practices, goals, pas[["pa", "rating", "best", "worst"]], ratings.maturity, best, worst,
                   tuple(blockers))


def find_blockers(ratings: "Ratings", practices: "pd.DataFrame", goals: "pd.DataFrame", counted: "pd.DataFrame",
                  best: MaturityVerdict) -> list[Blocker]:
    """The smallest set of items that decides the maturity level (see the module docstring)."""
    if ratings.maturity.achieved:
        return []
    if best.achieved is None:
        return _structural(counted, best)
    if best.achieved is False:
        return _ruling_out(practices, goals, counted)
    return _still_open(ratings, practices, goals, counted)


def _still_open(ratings: "Ratings", practices: "pd.DataFrame", goals: "pd.DataFrame",
                counted: "pd.DataFrame") -> list[Blocker]:
    """ML still achievable: every open practice and coverage gap that must turn out well."""
    relevant = set(counted.pa[counted.scope == "in_scope"])
    open_goals = goals[goals.pa.isin(relevant) & (goals.rating == NOT_RATED)]
    keys = set(zip(open_goals.pa, open_goals.goal))
    blockers = [Blocker("practice", p.pa, p.goal, p.practice, p.now, "FI or LI", p.worst not in IMPLEMENTED)
                for p in practices.itertuples(index=False) if p.open and (p.pa, p.goal) in keys]
    blockers += [Blocker("goal", g.pa, g.goal, "", "Unsatisfied by a team decision that went stale",
                         "the team's goal decision confirmed or withdrawn", True)
                 for g in open_goals.itertuples(index=False) if g.stale]
    failing = ratings.coverage[~ratings.coverage.passed.astype(bool) & ratings.coverage.enabled.astype(bool)]
    for row in failing.itertuples(index=False):
        if not row.pa or row.pa in relevant:
            blockers.append(Blocker("coverage", row.pa, "", "", row.detail.removeprefix(f"{row.pa}: "),
                                    "evidence that meets the coverage rules", False))
    return blockers


def _ruling_out(practices: "pd.DataFrame", goals: "pd.DataFrame", counted: "pd.DataFrame") -> list[Blocker]:
    """ML out of reach: the practices (and goal decisions) that make goals Unsatisfied even at best."""
    relevant = set(counted.pa[counted.scope == "in_scope"])
    blockers = []
    for g in goals[goals.pa.isin(relevant) & (goals.best == UNSATISFIED)].itertuples(index=False):
        mine = practices[(practices.pa == g.pa) & (practices.goal == g.goal) & ~practices.best.isin(IMPLEMENTED)]
        blockers.extend(Blocker("practice", p.pa, p.goal, p.practice, p.now, "FI or LI after improvement", True,
                                p.best) for p in mine.itertuples(index=False))
        if mine.empty:
            blockers.append(Blocker("goal", g.pa, g.goal, "", "Unsatisfied by team decision",
                                    "the team's goal decision revisited", True))
    return blockers


def _structural(counted: "pd.DataFrame", best: MaturityVerdict) -> list[Blocker]:
    """ML cannot be rated at all: the scope or sampling facts that prevent it."""
    blockers = [Blocker("scope", p.pa, "", "", SCOPE_RATING["out_of_scope"],
                        f"in scope: a maturity level needs every ML{best.level} process area", False)
                for p in counted.itertuples(index=False) if p.scope == "out_of_scope"]
    for reason in best.reasons:
        if reason.startswith("already Unsatisfied"):  # not a scope fact: the gaps show once it can be rated
            continue
        if reason.startswith("not in the model yet"):  # level 3 areas whose titles are not checked yet
            blockers.append(Blocker("scope", "", "", "", reason, "those process areas in the model", False))
        elif not reason.endswith(SCOPE_RATING["out_of_scope"]):
            blockers.append(Blocker("scope", "", "", "", reason,
                                    "a process area in scope with sampled basic units", False))
    return blockers


def _practice_now(p: Any) -> str:
    """A practice's state today, as a short phrase ("PI", "2 of 3 instances not characterized", ...)."""
    if p.status == RATED:
        return str(p.ou)
    if p.status == "not characterized":
        return f"{p.n_blank} of {p.n_instances} instance(s) not characterized"
    if p.status == "team judgment open" and p.stale:
        return f"team decision {p.decision} to confirm or revise ({p.options}; {p.stale_reason.split(':')[0]})"
    if p.status == "team judgment open":
        return f"team judgment open ({p.options})"
    return str(p.status)


def _name_blockers(blockers: Iterable[Blocker]) -> str:
    """"WMC SG 2 has 2 PIs (SP 2.1, SP 2.3); WP SG 1 is Unsatisfied by team decision" (the first few goals)."""
    by_goal: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for b in blockers:
        by_goal[f"{b.pa} {b.goal}"][b.best if b.kind == "practice" else ""].append(b.practice)
    named = []
    for goal, values in list(by_goal.items())[:MAX_NAMED]:
        parts = [f"{'a' if v == 'PI' else 'an'} {v} ({ps[0]})" if len(ps) == 1 else
                 f"{len(ps)} {v}s ({', '.join(ps)})" for v, ps in values.items() if v]
        text = f"{goal} has {' and '.join(parts)}" if parts else goal
        if "" in values:
            text += (" and " if parts else " ") + "is Unsatisfied by team decision"
        named.append(text)
    more = len(by_goal) - MAX_NAMED
    return "; ".join(named) + (f"; and {more} more goal(s)" if more > 0 else "")
