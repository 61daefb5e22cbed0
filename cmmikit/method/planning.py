"""Sampling by the SCAMPI A v1.3 rules kept as data (``data/sampling.yaml``): subgroups, minimum sample, checks.

The subgroups are the organizational unit's basic units grouped by their values of the relevant
sampling factors; the minimum sample of a subgroup is ``subgroups x units in it / units in the OU``,
rounded and floored as the rules say. :func:`check_sample` lists what is missing, one line per entry.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import yaml

from cmmikit.errors import ModelError
from cmmikit.store.planning import Factor, PlanUnit

DEFAULT_RULES = Path(__file__).resolve().parents[1] / "data" / "sampling.yaml"
ROUNDINGS = ("up", "nearest", "down")


@dataclass(frozen=True)
class SamplingRules:
    standard_factors: tuple[str, ...]
    min_values_of_one_factor: int = 2
    rounding: str = "up"
    floor: int = 1
    source: str = ""


@dataclass(frozen=True)
class Subgroup:
    """Basic units sharing their values of the relevant factors."""

    values: tuple[tuple[str, str], ...]     # (factor, value) in factor order
    units: tuple[str, ...]
    people: int
    minimum: int
    sampled: tuple[str, ...]

    @property
    def label(self) -> str:
        return ", ".join(f"{f}: {v}" for f, v in self.values) or "the whole organizational unit"

    @property
    def short(self) -> int:
        """How many more units must be sampled to reach the minimum."""
        return max(0, self.minimum - len(self.sampled))


@dataclass(frozen=True)
class SamplePlan:
    factors: tuple[Factor, ...]
    subgroups: tuple[Subgroup, ...]
    support_functions: tuple[PlanUnit, ...]
    unplaced: tuple[tuple[str, tuple[str, ...]], ...]   # basic units in no subgroup, with the factors they lack
    rules: SamplingRules

    @property
    def basic_units(self) -> int:
        return sum(len(s.units) for s in self.subgroups) + len(self.unplaced)

    def as_dict(self) -> dict[str, Any]:
        return {"factors": [{"name": f.name, "relevant": f.relevant, "justification": f.justification}
                            for f in self.factors],
                "rules": {"rounding": self.rules.rounding, "floor": self.rules.floor},
                "subgroups": [{"values": dict(s.values), "label": s.label, "units": list(s.units),
                               "people": s.people, "minimum": s.minimum, "sampled": list(s.sampled)}
                              for s in self.subgroups],
                "support_functions": [{"name": u.name, "sampled": u.sampled} for u in self.support_functions],
                "unplaced": [name for name, _ in self.unplaced]}


def load_rules(path: str | Path | None = None) -> SamplingRules:
    """Read the sampling rules; a wrong value is refused with its key named."""
    path = Path(path or DEFAULT_RULES)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ModelError(str(path), "", "", f"cannot read sampling rules: {exc}") from None
    minimum = raw.get("minimum") or {}
    rounding, floor = minimum.get("rounding", "up"), minimum.get("floor", 1)
    if rounding not in ROUNDINGS:
        raise ModelError(str(path), "minimum", "rounding", f"must be one of {', '.join(ROUNDINGS)}, got {rounding!r}")
    if type(floor) is not int or floor < 0:
        raise ModelError(str(path), "minimum", "floor", f"must be a whole number of 0 or more, got {floor!r}")
    values = raw.get("min_values_of_one_factor", 2)
    if type(values) is not int or values < 0:
        raise ModelError(str(path), "", "min_values_of_one_factor", f"must be a whole number, got {values!r}")
    return SamplingRules(tuple(str(f) for f in raw.get("standard_factors") or ()), values, rounding, floor, str(path))


def minimum_sample(subgroups: int, in_subgroup: int, in_unit: int, rules: SamplingRules) -> int:
    """The minimum number of basic units to sample from one subgroup (never more than it has)."""
    if in_subgroup <= 0 or in_unit <= 0:
        return 0
    exact = subgroups * in_subgroup / in_unit
    rounded = {"up": math.ceil(exact - 1e-9), "down": math.floor(exact + 1e-9),
               "nearest": math.floor(exact + 0.5)}[rules.rounding]
    return min(in_subgroup, max(rules.floor, rounded))


def plan_sample(factors: Sequence[Factor], units: Sequence[PlanUnit], rules: SamplingRules | None = None) -> SamplePlan:
    """The subgroups following from the relevant factors, each with its minimum and chosen sample."""
    rules = rules or load_rules()
    relevant = [f.name for f in factors if f.relevant]
    groups: dict[tuple[tuple[str, str], ...], list[PlanUnit]] = {}
    unplaced: list[tuple[str, tuple[str, ...]]] = []
    for unit in units:
        if unit.kind != "basic_unit":
            continue
        missing = tuple(f for f in relevant if not unit.values.get(f))
        if missing:
            unplaced.append((unit.name, missing))
            continue
        groups.setdefault(tuple((f, unit.values[f]) for f in relevant), []).append(unit)
    total = sum(len(g) for g in groups.values())
    subgroups = tuple(Subgroup(key, tuple(u.name for u in members), sum(u.people for u in members),
                               minimum_sample(len(groups), len(members), total, rules),
                               tuple(u.name for u in members if u.sampled))
                      for key, members in sorted(groups.items()))
    return SamplePlan(tuple(factors), subgroups, tuple(u for u in units if u.kind == "support_function"),
                      tuple(unplaced), rules)


def suggest_sample(plan: SamplePlan, seed: int = 0) -> list[str]:
    """A sample meeting every subgroup's minimum: the units already chosen, topped up at random (seeded)."""
    rng = random.Random(seed)
    chosen: list[str] = []
    for group in plan.subgroups:
        picked = list(group.sampled)
        rest = [u for u in group.units if u not in picked]
        picked += rng.sample(rest, min(len(rest), group.short))
        chosen += picked
    return chosen + [u.name for u in plan.support_functions if u.sampled]


def check_sample(plan: SamplePlan, instances: Iterable[str] = ()) -> list[str]:
    """What the sampling still lacks, one line each (empty when nothing does).

    ``instances`` are the appraisal's instance names: a sampled unit should be one of them.
    """
    problems: list[str] = []
    names = {f.name for f in plan.factors}
    for standard in plan.rules.standard_factors:
        if standard not in names:
            problems.append(f"sampling factor {standard!r}: not decided (relevant with values, or not relevant "
                            "with a justification)")
    relevant = [f.name for f in plan.factors if f.relevant]
    counts = {f: len({dict(s.values)[f] for s in plan.subgroups}) for f in relevant}
    need = plan.rules.min_values_of_one_factor
    if need and not any(n >= need for n in counts.values()):
        problems.append(f"sampling factors: at least one relevant factor needs {need} or more values "
                        f"(now: {', '.join(f'{f} {n}' for f, n in counts.items()) or 'no relevant factor'})")
    for name, missing in plan.unplaced:
        problems.append(f"unit {name!r}: in no subgroup, it has no value for {', '.join(missing)}")
    for group in plan.subgroups:
        if group.short:
            problems.append(f"subgroup {group.label}: {len(group.sampled)} of {len(group.units)} basic unit(s) "
                            f"sampled, the minimum is {group.minimum}")
    present = set(instances)
    if present:
        sampled = [u for g in plan.subgroups for u in g.sampled] + [u.name for u in plan.support_functions
                                                                     if u.sampled]
        for name in sampled:
            if name not in present:
                problems.append(f"unit {name!r}: sampled, but not an instance of the appraisal yet")
    return problems


def sample_lines(plan: SamplePlan, problems: Sequence[str]) -> list[str]:
    """The sampling as plain text lines (factors, subgroups with minimum and sample, support functions, checks)."""
    lines = [f"Sampling factors ({plan.rules.rounding} rounding, at least {plan.rules.floor} per subgroup):"]
    for f in plan.factors:
        lines.append(f"  {f.name}: " + ("relevant" if f.relevant else f"not relevant ({f.justification})"))
    lines.append(f"Subgroups ({len(plan.subgroups)}, {plan.basic_units} basic unit(s)):")
    for g in plan.subgroups:
        lines.append(f"  {g.label}: {len(g.units)} unit(s), {g.people} people, minimum {g.minimum}, "
                     f"sampled {len(g.sampled)}" + (f" ({', '.join(g.sampled)})" if g.sampled else ""))
    if plan.support_functions:
        lines.append("Support functions: " + ", ".join(f"{u.name}{' (sampled)' if u.sampled else ''}"
                                                       for u in plan.support_functions))
    lines.append("Checks: " + ("the sample covers every subgroup" if not problems else f"{len(problems)} problem(s)"))
    lines += [f"  - {p}" for p in problems]
    return lines
