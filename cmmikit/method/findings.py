"""Gap findings: generated from recorded weaknesses, scored, ranked, rolled up, and their action plan.

Findings live in the appraisal (store tables ``findings`` and ``actions``); this
module turns them into tidy pandas DataFrames for the notebooks, charts and exports.

Generation (:func:`sync_findings`) groups the weaknesses (and strengths) written per
practice and instance into one finding per PA and practice, keyed by ``source_key``
(``weakness:WMC:SP 1.2``), so re-running it never duplicates. Its rules:

- a new practice with weaknesses gets a new finding (origin ``generated``);
- an unedited generated finding follows its sources (statement and instances refreshed,
  reopened if it had been dismissed by an earlier sync);
- a finding the user edited keeps the user's statement, links and status (a finding the user
  dismissed stays dismissed); when the instances with weaknesses differ from its instances it is
  listed in ``SyncReport.review``;
- when all weaknesses behind a generated finding disappear, it is **removed** if it is unedited
  and has no actions, otherwise it is **dismissed** with no instances (the user's text and actions
  are kept; if weaknesses come back, an unedited one reopens, an edited one is listed for review);
- merged sources (status ``merged``) and hand-written findings are never touched.

Scoring (:func:`priority`) is one transparent formula whose weights are data
(``data/finding_weights.yaml``); :func:`score_formula` prints it for the user.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import yaml

from cmmikit.errors import CmmikitError, InvalidValue
from cmmikit.method.risk import evaluate, finding_inputs, is_assessment, scale_formula_lines, scale_weights

if TYPE_CHECKING:
    import pandas as pd

    from cmmikit.model import Model
    from cmmikit.method.rating import Ratings
    from cmmikit.method.risk import Assessment
    from cmmikit.model.scales import Scale
    from cmmikit.store import Appraisal, Finding

DEFAULT_WEIGHTS = Path(__file__).resolve().parents[1] / "data" / "finding_weights.yaml"

GAP, STRENGTH = "weakness", "strength"
FACTORS = ("impact", "breadth", "characterization", "goal_rating", "ease")
CHARACTERIZATION_KEYS = ("NI", "PI", "LI", "FI", "NY", "open")
GOAL_RATING_KEYS = ("Unsatisfied", "Not Rated", "Satisfied", "Not Applicable", "Out of Scope")
CLOSED_ACTION_STATUSES = ("done", "cancelled")

FINDING_COLUMNS = [
    "id", "kind", "pa", "goal", "goal_title", "practices", "instances", "n_instances", "n_sampled", "statement",
    "headline", "origin", "status", "edited", "merged_into", "source_key", "goal_rating", "ou_characterization",
    "impact", "effort", "impact_set", "effort_set", "breadth", "score", "rank", "blocks_ml2", "n_actions",
    "n_open_actions",
]
ACTION_COLUMNS = ["id", "finding_id", "pa", "goal", "finding", "finding_status", "description", "owner", "due_date",
                  "status", "overdue", "days_overdue"]


class WeightsError(CmmikitError):
    """The finding weights file is missing, unreadable or has a bad entry (the message names the key)."""

    def __init__(self, file: str, key: str, problem: str):
        self.file, self.key, self.problem = file, key, problem
        super().__init__(f"{file}: {f'key {key!r}: ' if key else ''}{problem}")


# ------------------------------------------------------------------ weights and the formula


@dataclass(frozen=True)
class Weights:
    """How much each factor counts, the factor tables, and the defaults for unjudged findings."""

    weights: dict[str, float]
    characterization: dict[str, float]
    goal_rating: dict[str, float]
    default_impact: int = 3
    default_effort: int = 3
    source: str = ""

    @property
    def total(self) -> float:
        return sum(self.weights.values())


def load_weights(path: str | Path | None = None) -> Weights:
    """Read the scoring weights (default ``cmmikit/data/finding_weights.yaml``); a bad entry names its key."""
    path = Path(path or DEFAULT_WEIGHTS)
    file = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise WeightsError(file, "", f"cannot read the finding weights: {exc}") from None
    top = _section(raw, file, "", ("weights", "characterization", "goal_rating", "defaults"))
    weights = {k: _number(v, file, f"weights.{k}", 0, None)
               for k, v in _section(top["weights"], file, "weights", FACTORS).items()}
    if sum(weights.values()) <= 0:
        raise WeightsError(file, "weights", "at least one weight must be above 0")
    chars = {k: _number(v, file, f"characterization.{k}", 0, 1)
             for k, v in _section(top["characterization"], file, "characterization", CHARACTERIZATION_KEYS).items()}
    goals = {k: _number(v, file, f"goal_rating.{k}", 0, 1)
             for k, v in _section(top["goal_rating"], file, "goal_rating", GOAL_RATING_KEYS).items()}
    _ordered(chars, ("NI", "PI", "LI", "FI"), file, "characterization")
    _ordered(goals, ("Unsatisfied", "Not Rated", "Satisfied"), file, "goal_rating")
    if goals["Unsatisfied"] <= goals["Satisfied"]:  # else a gap blocking ML2 could rank below a harmless one
        raise WeightsError(file, "goal_rating.Unsatisfied", f"must be above goal_rating.Satisfied "
                                                            f"({goals['Satisfied']:g}), got {goals['Unsatisfied']:g}")
    defaults = _section(top["defaults"], file, "defaults", ("impact", "effort"))
    levels = {k: _level(v, file, f"defaults.{k}") for k, v in defaults.items()}
    return Weights(weights, chars, goals, levels["impact"], levels["effort"], file)


def _section(raw: Any, file: str, key: str, expected: Iterable[str]) -> dict[str, Any]:
    expected = tuple(expected)
    where = key or "the top level"
    if not isinstance(raw, dict):
        raise WeightsError(file, key, f"{where} must be a mapping with keys {', '.join(expected)}")
    for name in raw:
        if name not in expected:
            raise WeightsError(file, _join(key, name), f"unknown key; expected one of {', '.join(expected)}")
    for name in expected:
        if name not in raw:
            raise WeightsError(file, _join(key, name), "missing")
    return {name: raw[name] for name in expected}


def _join(prefix: str, name: Any) -> str:
    return f"{prefix}.{name}" if prefix else str(name)


def _number(value: Any, file: str, key: str, low: float, high: float | None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise WeightsError(file, key, f"must be a number, got {value!r}")
    if value < low or (high is not None and value > high):
        span = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        raise WeightsError(file, key, f"must be {span}, got {value!r}")
    return float(value)


def _level(value: Any, file: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise WeightsError(file, key, f"must be a whole number from 1 to 5, got {value!r}")
    return value


def _ordered(table: dict[str, float], order: tuple[str, ...], file: str, key: str) -> None:
    """Worse must never score lower than better (keeps the ranking monotone)."""
    for worse, better in zip(order, order[1:]):
        if table[worse] < table[better]:
            raise WeightsError(file, f"{key}.{worse}", f"must be at least {key}.{better} ({table[better]:g}), "
                                                        f"got {table[worse]:g}")


@dataclass(frozen=True)
class Factors:
    """The documented inputs of one gap finding's priority."""

    impact: int                 # 1..5, impact on goal achievement
    effort: int                 # 1..5, effort to fix
    breadth: float              # 0..1, share of sampled instances affected
    characterization: str       # NI/PI/LI/FI/NY or "open" (worst OU characterization of its practices)
    goal_rating: str            # Satisfied/Unsatisfied/Not Rated/Not Applicable/Out of Scope


def factor_values(factors: Factors, weights: Weights) -> dict[str, float]:
    """Each factor scaled to 0..1 (see :func:`score_formula`)."""
    return {
        "impact": (factors.impact - 1) / 4,
        "breadth": min(max(factors.breadth, 0.0), 1.0),
        "characterization": weights.characterization[factors.characterization],
        "goal_rating": weights.goal_rating[factors.goal_rating],
        "ease": (5 - factors.effort) / 4,
    }


def priority(factors: Factors, weights: Weights) -> float:
    """The priority score 0..100 of a gap finding: the weighted mean of its factors, one decimal."""
    values = factor_values(factors, weights)
    return round(100 * sum(weights.weights[k] * values[k] for k in FACTORS) / weights.total, 1)


# score (0..100) -> band: the first band whose floor the score reaches
PRIORITY_BANDS = (("High", 60.0), ("Medium", 30.0), ("Low", float("-inf")))


def priority_band(score: float) -> str:
    """High / Medium / Low for a gap finding's priority score (0..100)."""
    return next(name for name, floor in PRIORITY_BANDS if score >= floor)


def score_formula(weights: Weights | None = None, scale: "Scale | None" = None) -> str:
    """The formula in words and numbers, as shown to the user (``scale``: a SCAMPI B/C appraisal's scale)."""
    weights = weights or load_weights()
    w = weights.weights
    names = {"impact": "impact", "breadth": "breadth", "characterization": "characterization",
             "goal_rating": "goal", "ease": "ease"}
    terms = " + ".join(f"{w[k]:g}*{names[k]}" for k in FACTORS)
    tables = (scale_formula_lines(scale, weights) if scale is not None else [
        f"  characterization = worst OU characterization of its practices: {_table(weights.characterization)}",
        f"  goal             = rating of its goal: {_table(weights.goal_rating)}"])
    return "\n".join([
        f"priority = 100 * ({terms}) / {weights.total:g}   (0..100, higher first)",
        f"  impact           = (impact on goal achievement 1..5 - 1) / 4   (not judged yet: {weights.default_impact})",
        "  breadth          = instances where it was observed / instances sampled for the PA",
        *tables,
        f"  ease             = (5 - effort to fix 1..5) / 4   (not judged yet: {weights.default_effort})",
        "  ties: goal factor, then breadth (higher first), then model order (PA, goal, practice), then finding id",
        f"  weights from {_source_label(weights.source)}",
    ])


def _table(factors: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:g}" for k, v in factors.items())


def _source_label(source: str) -> str:
    if not source or Path(source) == DEFAULT_WEIGHTS:
        return f"{DEFAULT_WEIGHTS.name} (cmmikit default)"
    return source


# ------------------------------------------------------------------ generation from weaknesses


@dataclass
class SyncReport:
    """What :func:`sync_findings` changed (finding ids)."""

    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    dismissed: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    review: list[int] = field(default_factory=list)   # edited by the user while their sources changed

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.reopened or self.dismissed or self.removed)

    def __str__(self) -> str:
        parts = [f"{len(v)} {k}" for k, v in vars(self).items() if v and k != "review"]
        text = "findings: " + (", ".join(parts) if parts else "nothing to do")
        if self.review:
            text += f"; review {len(self.review)} edited finding(s) whose weaknesses changed: " + \
                    ", ".join(f"#{i}" for i in self.review)
        return text


@dataclass(frozen=True)
class _Source:
    kind: str
    pa: str
    goal: str
    practice: str
    items: tuple[tuple[str, str], ...]     # (instance, text) in instance order

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.pa}:{self.practice}"

    @property
    def instances(self) -> tuple[str, ...]:
        return tuple(instance for instance, _ in self.items)

    @property
    def statement(self) -> str:
        return "\n".join(text if instance.lower() in text.lower() else f"{instance}: {text}"
                         for instance, text in self.items)


def _sources(appraisal: "Appraisal") -> dict[str, _Source]:
    """Weaknesses and strengths per PA and practice, from in-scope PAs and sampled instances only."""
    model = appraisal.model
    sampled = {(i.name, pa) for i in appraisal.instances() for pa in i.pas}
    in_scope = {pa for pa, s in appraisal.scopes().items() if s.scope == "in_scope"}
    grouped: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
    for rec in appraisal.records():
        if rec.pa not in in_scope or (rec.instance, rec.pa) not in sampled:
            continue
        for kind, text in ((GAP, rec.weaknesses), (STRENGTH, rec.strengths)):
            if (text or "").strip():
                grouped.setdefault((kind, rec.pa, rec.practice), []).append((rec.instance, text.strip()))
    sources = [_Source(kind, pa, model.practice(pa, practice).goal, practice, tuple(items))
               for (kind, pa, practice), items in grouped.items()]
    return {s.key: s for s in sources}


def sync_findings(appraisal: "Appraisal") -> SyncReport:
    """Generate or refresh findings from the recorded weaknesses and strengths (idempotent; see module doc)."""
    report = SyncReport()
    sources = _sources(appraisal)
    existing: dict[str, Finding] = {}
    for f in appraisal.findings():
        if f.origin == "generated" and f.source_key:
            existing.setdefault(f.source_key, f)
    with_actions = {a.finding_id for a in appraisal.actions()}
    with appraisal.transaction():
        for key, src in sources.items():
            _sync_one(appraisal, existing.get(key), src, report)
        for key, f in existing.items():
            if key in sources or f.status != "open":
                continue
            if f.edited or f.id in with_actions:  # observed nowhere now: no instances
                appraisal.refresh_finding(f.id, status="dismissed", instances=[])
                report.dismissed.append(f.id)
            else:
                appraisal.delete_finding(f.id)
                report.removed.append(f.id)
    return report


def _sync_one(appraisal: "Appraisal", f: "Finding | None", src: _Source, report: SyncReport) -> None:
    if f is None:
        fid = appraisal.add_finding(src.kind, src.pa, src.goal, _kept(src.statement), origin="generated",
                                    practices=[src.practice], instances=src.instances, source_key=src.key)
        report.created.append(fid)
    elif f.status == "merged":
        report.unchanged.append(f.id)
    elif f.edited:
        (report.review if set(f.instances) != set(src.instances) else report.unchanged).append(f.id)
    elif f.status == "dismissed":
        appraisal.refresh_finding(f.id, statement=_kept(src.statement), instances=src.instances, status="open")
        report.reopened.append(f.id)
    elif f.statement != _kept(src.statement) or f.instances != src.instances:
        appraisal.refresh_finding(f.id, statement=_kept(src.statement), instances=src.instances)
        report.updated.append(f.id)
    else:
        report.unchanged.append(f.id)


def merge_findings(appraisal: "Appraisal", ids: Iterable[int], statement: str, *, goal: str | None = None) -> int:
    """Merge open findings of one PA and kind into a new finding (origin ``merged``); returns its id.

    The new finding links the union of practices and instances, keeps the highest impact and
    effort set, sits on ``goal`` (default: the goal of the first finding listed) and takes over
    the sources' actions; the sources get status ``merged`` and ``merged_into``.
    """
    ids = list(dict.fromkeys(ids))
    if len(ids) < 2:
        raise InvalidValue("choose at least two findings to merge")
    found = {f.id: f for f in appraisal.findings(ids=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidValue(f"no finding(s) {', '.join(f'#{i}' for i in missing)}")
    sources = [found[i] for i in ids]
    for what in ("pa", "kind"):
        values = sorted({getattr(f, what) for f in sources})
        if len(values) > 1:
            raise InvalidValue(f"findings to merge must share one {what.upper() if what == 'pa' else what}; "
                               f"got {', '.join(values)}")
    closed = [f"#{f.id} ({f.status})" for f in sources if f.status != "open"]
    if closed:
        raise InvalidValue(f"only open findings can be merged; not {', '.join(closed)}")
    model = appraisal.model
    practice_order = {p.id: n for n, p in enumerate(model.pa(sources[0].pa).practices)}
    instance_order = {i.name: n for n, i in enumerate(appraisal.instances())}
    practices = sorted({p for f in sources for p in f.practices}, key=lambda p: practice_order.get(p, 0))
    instances = sorted({i for f in sources for i in f.instances}, key=lambda i: instance_order.get(i, 0))
    levels = {k: max((getattr(f, k) for f in sources if getattr(f, k) is not None), default=None)
              for k in ("impact", "effort")}
    with appraisal.transaction():
        new_id = appraisal.add_finding(sources[0].kind, sources[0].pa, goal or sources[0].goal, statement,
                                       origin="merged", practices=practices, instances=instances, **levels)
        for f in sources:
            appraisal.update_finding(f.id, status="merged", merged_into=new_id)
        appraisal.move_actions(ids, new_id)
    return new_id


# ------------------------------------------------------------------ scoring and ranking


@dataclass(frozen=True)
class _Context:
    """What scoring needs from the model and one rating run, indexed."""

    practice_order: dict[tuple[str, str], int]
    goal_order: dict[tuple[str, str], int]
    goal_practices: dict[tuple[str, str], list[str]]
    goal_titles: dict[tuple[str, str], str]
    practice_ou: dict[tuple[str, str], tuple[str, str]]     # (factor key, label)
    goal_ratings: dict[tuple[str, str], str]                # shown: the rating (SCAMPI B/C: forecast or value)
    goal_keys: dict[tuple[str, str], str]                   # goal factor key
    blocking: set[tuple[str, str]]                          # goals that keep the maturity level from being achieved
    sampled: dict[str, int]
    ml2_pas: set[str]

    @classmethod
    def build(cls, model: "Model", ratings: "Ratings | Assessment") -> "_Context":
        practice_order, goal_order, goal_practices, goal_titles = {}, {}, {}, {}
        for pa in model.process_areas.values():
            for goal in pa.goals:
                goal_order[(pa.id, goal.id)] = len(goal_order)
                goal_practices[(pa.id, goal.id)] = [p.id for p in goal.practices]
                goal_titles[(pa.id, goal.id)] = goal.title
                for p in goal.practices:
                    practice_order[(pa.id, p.id)] = len(practice_order)
        if is_assessment(ratings):   # SCAMPI B/C: values on the appraisal's scale, no ratings
            practice_ou, goal_ratings, goal_keys, blocking = finding_inputs(ratings)
        else:
            practice_ou = {}
            for row in ratings.practices.itertuples():
                ou = row.ou if isinstance(row.ou, str) else None
                if ou in CHARACTERIZATION_KEYS:
                    practice_ou[(row.pa, row.practice)] = (ou, ou)
                else:
                    label = f"{row.aggregate} (open)" if row.aggregate else "not characterized"
                    practice_ou[(row.pa, row.practice)] = ("open", label)
            goal_ratings = {(r.pa, r.goal): r.rating for r in ratings.goals.itertuples()}
            goal_keys = goal_ratings
            blocking = {key for key, rating in goal_ratings.items() if rating == "Unsatisfied"}
        return cls(practice_order, goal_order, goal_practices, goal_titles, practice_ou, goal_ratings, goal_keys,
                   blocking, {r.pa: int(r.n_instances) for r in ratings.pas.itertuples()},
                   {pa.id for pa in model.process_areas.values() if pa.maturity_level <= model.target_maturity_level})

    def worst_practice(self, pa: str, practices: Iterable[str], weights: Weights) -> tuple[str, str]:
        """(factor key, label) of the weakest practice; ties go to model order."""
        found = [self.practice_ou.get((pa, p), ("open", "not characterized")) for p in practices]
        if not found:
            return "open", "not characterized"
        return max(found, key=lambda kv: weights.characterization[kv[0]])


def _kept(statement: str) -> str:
    """A generated statement within what a text field keeps, cut at a word and saying so."""
    from cmmikit.store.core import MAX_TEXT

    note = " … (shortened: every unit's weakness is in its practice record)"
    if len(statement) <= MAX_TEXT:
        return statement
    return statement[: MAX_TEXT - len(note)].rsplit(" ", 1)[0] + note


def _headline(statement: str, width: int = 90) -> str:
    first = statement.strip().splitlines()[0] if statement.strip() else ""
    return first if len(first) <= width else first[: width - 1].rstrip() + "…"


def _finding_row(f: "Finding", ctx: _Context, weights: Weights, actions: Counter, open_actions: Counter) -> dict:
    practices = sorted(f.practices, key=lambda p: ctx.practice_order.get((f.pa, p), 0))
    considered = practices or ctx.goal_practices.get((f.pa, f.goal), [])
    char_key, char_label = ctx.worst_practice(f.pa, considered, weights)
    goal_key = ctx.goal_keys.get((f.pa, f.goal), "Not Rated")
    goal_rating = ctx.goal_ratings.get((f.pa, f.goal), goal_key)
    sampled = ctx.sampled.get(f.pa, 0)
    breadth = min(len(f.instances) / sampled, 1.0) if sampled else 0.0
    impact = f.impact if f.impact is not None else weights.default_impact
    effort = f.effort if f.effort is not None else weights.default_effort
    gap = f.kind == GAP
    score = priority(Factors(impact, effort, breadth, char_key, goal_key), weights) if gap else math.nan
    return {
        "id": f.id, "kind": f.kind, "pa": f.pa, "goal": f.goal, "goal_title": ctx.goal_titles.get((f.pa, f.goal), ""),
        "practices": ", ".join(practices), "instances": ", ".join(f.instances), "n_instances": len(f.instances),
        "n_sampled": sampled, "statement": f.statement, "headline": _headline(f.statement), "origin": f.origin,
        "status": f.status, "edited": f.edited, "merged_into": f.merged_into, "source_key": f.source_key,
        "goal_rating": goal_rating, "ou_characterization": char_label, "impact": impact, "effort": effort,
        "impact_set": f.impact is not None, "effort_set": f.effort is not None, "breadth": round(breadth, 3),
        "score": score, "rank": None,
        "blocks_ml2": gap and f.status == "open" and (f.pa, f.goal) in ctx.blocking and f.pa in ctx.ml2_pas,
        "n_actions": actions[f.id], "n_open_actions": open_actions[f.id],
        # sort keys, dropped before returning
        "_group": (0 if gap else 1) + (0 if f.status == "open" else 2),
        "_goal_factor": weights.goal_rating[goal_key] if gap else 0.0,
        "_order": min((ctx.practice_order.get((f.pa, p), 0) for p in considered),
                      default=0),
        "_goal_order": ctx.goal_order.get((f.pa, f.goal), 0),
    }


def findings_frame(appraisal: "Appraisal", ratings: "Ratings | Assessment | None" = None, weights: Weights | None = None,
                   include_closed: bool = False) -> "pd.DataFrame":
    """One row per finding: open gaps ranked by priority (rank 1 first), then strengths, then closed ones.

    ``ratings``: the appraisal's :func:`cmmikit.method.risk.evaluate` result (SCAMPI B/C: an assessment,
    whose values enter the priority through the scale's order; ``goal_rating`` then holds the goal's
    forecast or worst value, never a rating).
    """
    import pandas as pd

    ratings = ratings if ratings is not None else evaluate(appraisal)
    weights = weights or load_weights()
    if is_assessment(ratings):
        weights = scale_weights(ratings.scale, weights)
    ctx = _Context.build(appraisal.model, ratings)
    all_actions = appraisal.actions()
    actions = Counter(a.finding_id for a in all_actions)
    open_actions = Counter(a.finding_id for a in all_actions if a.status not in CLOSED_ACTION_STATUSES)
    rows = [_finding_row(f, ctx, weights, actions, open_actions) for f in appraisal.findings()
            if include_closed or f.status == "open"]
    keys = ["_group", "_goal_factor", "_order", "_goal_order"]
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS + keys)
    if frame.empty:
        return _typed(frame[FINDING_COLUMNS])
    frame["_neg_score"] = -frame["score"].fillna(0.0)
    frame["_neg_goal"] = -frame["_goal_factor"]
    frame["_neg_breadth"] = -frame["breadth"]
    frame = frame.sort_values(["_group", "_neg_score", "_neg_goal", "_neg_breadth", "_goal_order", "_order", "id"],
                              kind="mergesort").reset_index(drop=True)
    ranked = (frame["_group"] == 0).to_numpy()
    frame["rank"] = pd.array([n + 1 if r else None for n, r in enumerate(ranked)], dtype="Int64")
    return _typed(frame[FINDING_COLUMNS])


def _typed(frame: "pd.DataFrame") -> "pd.DataFrame":
    frame = frame.copy()
    for column in ("id", "n_instances", "n_sampled", "impact", "effort", "n_actions", "n_open_actions"):
        frame[column] = frame[column].astype("int64")
    for column in ("edited", "impact_set", "effort_set", "blocks_ml2"):
        frame[column] = frame[column].astype(bool)
    for column in ("breadth", "score"):
        frame[column] = frame[column].astype("float64")
    frame["rank"] = frame["rank"].astype("Int64")
    frame["merged_into"] = frame["merged_into"].astype("Int64")
    return frame.reset_index(drop=True)


def top_blocking(frame: "pd.DataFrame", n: int = 10) -> "pd.DataFrame":
    """The ``n`` highest-priority open gaps on Unsatisfied goals (what blocks maturity level 2)."""
    blocking = frame[(frame["kind"] == GAP) & (frame["status"] == "open") & frame["blocks_ml2"]]
    return blocking.sort_values("rank", kind="mergesort").head(n).reset_index(drop=True)


def rollup_frame(source: "Appraisal | pd.DataFrame", ratings: "Ratings | Assessment | None" = None,
                 weights: Weights | None = None) -> "pd.DataFrame":
    """Per PA and goal: goal rating, open gaps and strengths, max and total gap priority, ML2 blocking."""
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        if ratings is None:
            raise InvalidValue("rollup_frame needs the ratings when given a findings frame")
        frame = source
    else:
        ratings = ratings if ratings is not None else evaluate(source)
        frame = findings_frame(source, ratings, weights)
    open_ = frame[frame["status"] == "open"]
    gaps, strengths = open_[open_["kind"] == GAP], open_[open_["kind"] == STRENGTH]
    if is_assessment(ratings):   # SCAMPI B/C: the goal's forecast or worst value and the PA's summary
        _, shown, _, blocking = finding_inputs(ratings)
        pa_ratings = dict(zip(ratings.pas["pa"], ratings.pas["summary"]))
    else:
        shown = {(g.pa, g.goal): g.rating for g in ratings.goals.itertuples()}
        blocking = {key for key, rating in shown.items() if rating == "Unsatisfied"}
        pa_ratings = dict(zip(ratings.pas["pa"], ratings.pas["rating"]))
    rows = []
    for goal in ratings.goals.itertuples():
        mine = gaps[(gaps["pa"] == goal.pa) & (gaps["goal"] == goal.goal)]
        rows.append({
            "pa": goal.pa, "goal": goal.goal, "title": goal.title, "goal_rating": shown[(goal.pa, goal.goal)],
            "pa_rating": pa_ratings.get(goal.pa, ""), "n_gaps": len(mine),
            "n_strengths": int(((strengths["pa"] == goal.pa) & (strengths["goal"] == goal.goal)).sum()),
            "n_blocking": int(mine["blocks_ml2"].sum()),
            "max_score": float(mine["score"].max()) if len(mine) else 0.0,
            "total_score": round(float(mine["score"].sum()), 1),
            "blocks_ml2": (goal.pa, goal.goal) in blocking,
        })
    return pd.DataFrame(rows, columns=["pa", "goal", "title", "goal_rating", "pa_rating", "n_gaps", "n_strengths",
                                       "n_blocking", "max_score", "total_score", "blocks_ml2"])


def readiness_frame(ratings: "Ratings") -> "pd.DataFrame":
    """Per PA: rating, capability level, practices by OU characterization and the share FI or LI (readiness)."""
    import pandas as pd

    rows = []
    for pa in ratings.pas.itertuples():
        practices = ratings.practices[ratings.practices["pa"] == pa.pa]
        goals = ratings.goals[ratings.goals["pa"] == pa.pa]
        ou = Counter(v if isinstance(v, str) else "open" for v in practices["ou"])
        n = len(practices)
        rows.append({
            "pa": pa.pa, "name": pa.name, "scope": pa.scope, "rating": pa.rating,
            "capability_level": pa.capability_level, "n_practices": n,
            **{f"n_{k}": ou[k] for k in ("FI", "LI", "PI", "NI", "NY", "open")},
            "n_fi_li": ou["FI"] + ou["LI"], "readiness": (ou["FI"] + ou["LI"]) / n if n else 0.0,
            "n_goals": len(goals), "n_goals_satisfied": int((goals["rating"] == "Satisfied").sum()),
            "n_goals_unsatisfied": int((goals["rating"] == "Unsatisfied").sum()),
        })
    return pd.DataFrame(rows, columns=["pa", "name", "scope", "rating", "capability_level", "n_practices", "n_FI",
                                       "n_LI", "n_PI", "n_NI", "n_NY", "n_open", "n_fi_li", "readiness", "n_goals",
                                       "n_goals_satisfied", "n_goals_unsatisfied"])


# ------------------------------------------------------------------ the improvement action plan


def parse_due_date(value: "date | str | None") -> date | None:
    """A due date from a date or ``YYYY-MM-DD`` text (blank means none); anything else is refused."""
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise InvalidValue(f"due date must be YYYY-MM-DD, got {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(f"due date {text!r} is not a calendar date") from None


def plan_action(appraisal: "Appraisal", finding_id: int, description: str, *, owner: str = "",
                due_date: "date | str | None" = None, status: str = "open") -> int:
    """Attach an improvement action to a finding, checking the due date; returns the action id."""
    due = parse_due_date(due_date)
    return appraisal.add_action(finding_id, description, owner=owner.strip(),
                                due_date=due.isoformat() if due else "", status=status)


def _stored_due(text: str) -> date | None:
    try:
        return parse_due_date(text)
    except InvalidValue:
        return None   # stored by other means in another format: shown as is, never overdue


def actions_frame(appraisal: "Appraisal", today: date | None = None) -> "pd.DataFrame":
    """Every improvement action with its finding; ``overdue`` = not done/cancelled and due before today."""
    import pandas as pd

    today = today or date.today()
    findings = {f.id: f for f in appraisal.findings()}
    rows = []
    for a in appraisal.actions():
        f = findings[a.finding_id]
        due = _stored_due(a.due_date)
        late = (today - due).days if due and a.status not in CLOSED_ACTION_STATUSES else 0
        rows.append({"id": a.id, "finding_id": a.finding_id, "pa": f.pa, "goal": f.goal,
                     "finding": _headline(f.statement), "finding_status": f.status, "description": a.description,
                     "owner": a.owner, "due_date": a.due_date, "status": a.status, "overdue": late > 0,
                     "days_overdue": max(late, 0)})
    frame = pd.DataFrame(rows, columns=ACTION_COLUMNS)
    frame["overdue"] = frame["overdue"].astype(bool)
    for column in ("id", "finding_id", "days_overdue"):
        frame[column] = frame[column].astype("int64")
    return frame


def action_summary(appraisal: "Appraisal", today: date | None = None) -> dict[str, int]:
    """Counts: ``open`` (not done or cancelled, incl. in progress), ``overdue``, ``done``, ``cancelled``, ``total``."""
    frame = actions_frame(appraisal, today)
    status = frame["status"]
    return {"open": int((~status.isin(CLOSED_ACTION_STATUSES)).sum()), "overdue": int(frame["overdue"].sum()),
            "done": int((status == "done").sum()), "cancelled": int((status == "cancelled").sum()),
            "total": len(frame)}
