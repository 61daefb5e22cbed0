"""SCAMPI A v1.3 data coverage (sufficiency) checks, driven by ``data/coverage.yaml``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from cmmikit.errors import ModelError

DEFAULT_RULES = Path(__file__).resolve().parents[1] / "data" / "coverage.yaml"
KNOWN_RULES = {"unit_covers_every_pa", "half_units_cover_one_pa", "every_unit_some_data",
               "support_function_covers_its_pas"}
AFFIRMATION_UNITS = ("practice", "goal", "pa")  # cell keys an affirmation can be counted per


@dataclass(frozen=True)
class CoverageRules:
    affirmations_per: str = "goal"
    enabled: frozenset[str] = frozenset(KNOWN_RULES)
    min_share: float = 0.5
    texts: dict[str, str] = field(default_factory=dict)


def load_rules(path: str | Path | None = None) -> CoverageRules:
    """Read coverage rules; unknown rule ids or fields are refused with the key named."""
    path = Path(path or DEFAULT_RULES)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ModelError(str(path), "", "", f"cannot read coverage rules: {exc}") from None
    unit = raw.get("affirmations_per", "goal")
    if unit not in AFFIRMATION_UNITS:
        raise ModelError(str(path), "", "affirmations_per", f"must be one of {sorted(AFFIRMATION_UNITS)}, got {unit!r}")
    enabled, texts, share = set(), {}, 0.5
    for n, rule in enumerate(raw.get("rules") or [], start=1):
        rid = rule.get("id") if isinstance(rule, dict) else None
        if rid not in KNOWN_RULES:
            raise ModelError(str(path), f"rule #{n}", "id", f"unknown coverage rule {rid!r}; known: {sorted(KNOWN_RULES)}")
        if rule.get("enabled", True):
            enabled.add(rid)
        texts[rid] = str(rule.get("text", rid))
        if "min_share" in rule:
            share = float(rule["min_share"])
            if not 0 <= share <= 1:
                raise ModelError(str(path), rid, "min_share", "must be between 0 and 1")
    return CoverageRules(unit, frozenset(enabled), share, texts)


@dataclass(frozen=True)
class CoverageResult:
    rows: list[dict[str, Any]]              # one row per rule check, for the coverage table
    pa_failures: dict[str, list[str]]       # PA -> reasons its goals are Not Rated
    maturity_failures: list[str]            # reasons the maturity level cannot be rated


def check(cells: Iterable[dict[str, Any]], instances: list[Any], in_scope: set[str],
          rules: CoverageRules) -> CoverageResult:
    """Apply the coverage rules to instance-level cells (pa, goal, practice, instance, characterization,
    n_artifacts, n_affirmations)."""
    provides = _provision(cells, rules.affirmations_per)
    rows: list[dict[str, Any]] = []
    pa_failures: dict[str, list[str]] = defaultdict(list)
    maturity: list[str] = []

    def record(rule: str, subject: str, pa: str, ok: bool, detail: str) -> None:
        rows.append({"rule": rule, "subject": subject, "pa": pa, "passed": ok, "detail": detail,
                     "enabled": rule in rules.enabled})
        if ok or rule not in rules.enabled:
            return
        if rule in ("unit_covers_every_pa", "support_function_covers_its_pas"):
            pa_failures[pa].append(detail)
        else:
            maturity.append(detail)

    units = [i for i in instances if i.kind == "basic_unit"]
    subgroups: dict[str, list[Any]] = defaultdict(list)
    for unit in units:
        subgroups[subgroup_name(unit.subgroup)].append(unit)
    for subgroup, members in sorted(subgroups.items()):
        label = f"subgroup {subgroup}" if subgroup else "no subgroup"
        where = f"in subgroup {subgroup}" if subgroup else "outside any subgroup"
        for pa in sorted({pa for u in members for pa in u.pas} & in_scope):
            sampled = [u for u in members if pa in u.pas]
            ok = any(provides[(u.name, pa)] == "both" for u in sampled)
            record("unit_covers_every_pa", label, pa, ok,
                   f"{pa}: {where} a sampled basic unit provides artifacts and affirmations" if ok else
                   f"{pa}: no basic unit {where} provides both artifacts and affirmations")
        both = [u for u in members if any(provides[(u.name, pa)] == "both" for pa in set(u.pas) & in_scope)]
        ok = len(both) >= rules.min_share * len(members)
        record("half_units_cover_one_pa", label, "", ok,
               f"{len(both)} of {len(members)} basic units {where} provide artifacts and affirmations for a PA")
        for unit in members:
            ok = any(provides[(unit.name, pa)] in ("both", "one") for pa in set(unit.pas) & in_scope)
            record("every_unit_some_data", unit.name, "", ok,
                   f"{unit.name} provides data for at least one PA" if ok else
                   f"{unit.name} ({where}) provides no artifacts or affirmations for any PA")
    for sf in (i for i in instances if i.kind == "support_function"):
        for pa in sorted(set(sf.pas) & in_scope):
            ok = provides[(sf.name, pa)] == "both"
            record("support_function_covers_its_pas", sf.name, pa, ok,
                   f"{pa}: support function {sf.name} provides artifacts and affirmations" if ok else
                   f"{pa}: support function {sf.name} does not provide both artifacts and affirmations")
    return CoverageResult(rows, dict(pa_failures), maturity)


def subgroup_name(subgroup: str | None) -> str:
    """A subgroup name with its whitespace normalised ("Ops " and " Ops" are the subgroup "Ops")."""
    return " ".join((subgroup or "").split())


def _provision(cells: Iterable[dict[str, Any]], affirmations_per: str) -> dict[tuple[str, str], str]:
    """For each (instance, PA): 'both', 'one' (artifacts or affirmations) or 'none'."""
    artifacts_ok: dict[tuple[str, str], bool] = {}
    any_data: dict[tuple[str, str], bool] = defaultdict(bool)
    affirmed: dict[tuple[str, str], dict[str, bool]] = defaultdict(dict)
    for c in cells:
        key = (c["instance"], c["pa"])
        unit = c[affirmations_per]
        any_data[key] |= bool(c["n_artifacts"] or c["n_affirmations"])
        if c["characterization"] != "NY":  # a practice not yet reached needs no evidence
            affirmed[key][unit] = affirmed[key].get(unit, False) or c["n_affirmations"] > 0
            # NI records that the artifacts are missing: it is corroborated by affirmations alone
            artifacts_ok[key] = artifacts_ok.get(key, True) and (c["n_artifacts"] > 0 or c["characterization"] == "NI")
    result: dict[tuple[str, str], str] = defaultdict(lambda: "none")
    for key in any_data:
        art = artifacts_ok.get(key, False)
        aff = bool(affirmed[key]) and all(affirmed[key].values())
        result[key] = "both" if art and aff else ("one" if any_data[key] else "none")
    return result
