"""Sampling factors, the organizational unit's units, subgroups, the minimum sample and its checks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cmmikit.errors import InvalidValue, UnknownEntry
from cmmikit.method.planning import SamplingRules, check_sample, load_rules, minimum_sample, plan_sample, suggest_sample
from cmmikit.store import Appraisal
from cmmikit.store.planning import Factor, PlanUnit

RULES = load_rules()


def units(*specs: tuple[str, dict[str, str]], sampled: tuple[str, ...] = ()) -> list[PlanUnit]:
    return [PlanUnit(name, values=values, people=5, sampled=name in sampled) for name, values in specs]


def test_the_default_rules_round_up_with_a_floor_of_one():
    assert (RULES.rounding, RULES.floor, RULES.min_values_of_one_factor) == ("up", 1, 2)
    assert RULES.standard_factors == ("location", "customer", "size", "organizational structure", "type of work")


def test_the_formula_on_one_subgroup_several_and_unequal_sizes():
    assert minimum_sample(1, 10, 10, RULES) == 1                    # one subgroup: 1 x 10 / 10
    assert [minimum_sample(2, n, 10, RULES) for n in (5, 5)] == [1, 1]
    assert [minimum_sample(3, n, 12, RULES) for n in (8, 3, 1)] == [2, 1, 1]   # 24/12, 9/12 up, 3/12 floor
    assert minimum_sample(3, 7, 12, RULES) == 2                     # 21/12 = 1.75 rounded up
    down = SamplingRules((), rounding="down", floor=0)
    assert [minimum_sample(3, n, 12, down) for n in (8, 3, 1)] == [2, 0, 0]
    nearest = SamplingRules((), rounding="nearest", floor=1)
    assert minimum_sample(3, 7, 12, nearest) == 2 and minimum_sample(2, 3, 12, nearest) == 1
    assert minimum_sample(4, 2, 4, RULES) == 2                      # never more than the subgroup has


def test_subgroups_follow_from_the_relevant_factors_value_combinations():
    factors = [Factor("location"), Factor("customer", relevant=False, justification="one customer"), Factor("size")]
    plan = plan_sample(factors, units(("A", {"location": "Lyon", "size": "small"}),
                                      ("B", {"location": "Lyon", "size": "small"}),
                                      ("C", {"location": "Oslo", "size": "small"}),
                                      ("D", {"location": "Oslo", "size": "large"}),
                                      ("E", {"location": "Oslo"}), sampled=("A", "C")), RULES)
    assert [(g.label, g.units, g.minimum, g.sampled) for g in plan.subgroups] == [
        ("location: Lyon, size: small", ("A", "B"), 2, ("A",)),     # 3 x 2 / 4 = 1.5 -> 2
        ("location: Oslo, size: large", ("D",), 1, ()),
        ("location: Oslo, size: small", ("C",), 1, ("C",))]
    assert plan.unplaced == (("E", ("size",)),)
    problems = check_sample(plan)
    assert "unit 'E': in no subgroup, it has no value for size" in problems
    assert "subgroup location: Lyon, size: small: 1 of 2 basic unit(s) sampled, the minimum is 2" in problems
    assert any(p.startswith("sampling factor 'organizational structure': not decided") for p in problems)
    suggested = suggest_sample(plan, seed=3)
    assert suggested == suggest_sample(plan, seed=3) and {"A", "B", "C", "D"} == set(suggested)


def test_one_factor_needs_two_values():
    plan = plan_sample([Factor("location")], units(("A", {"location": "Lyon"}), sampled=("A",)), RULES)
    assert any("at least one relevant factor needs 2 or more values" in p for p in check_sample(plan))
    assert [g.label for g in plan_sample([], units(("A", {})), RULES).subgroups] == ["the whole organizational unit"]


def test_the_sample_is_stored_logged_and_checked(appraisal: Appraisal):
    a = appraisal
    a.set_factor("location")
    a.set_factor("customer", relevant=False, justification="one internal customer")
    a.set_unit("Unit A", people=12, values={"location": "Lyon"}, sampled=True)
    a.set_unit("Unit B", people=8, values={"location": "Oslo"})
    a.set_unit("Unit C", values={"location": "Oslo"})
    a.set_unit("QA Group", kind="support_function", sampled=True)
    assert [(f.name, f.relevant, f.justification) for f in a.factors()] == [
        ("location", True, ""), ("customer", False, "one internal customer")]
    unit_a = a.units()[0]
    assert (unit_a.name, unit_a.people, unit_a.sampled, dict(unit_a.values)) == ("Unit A", 12, True, {"location": "Lyon"})
    a.set_sample(["Unit A", "Unit C", "QA Group"])
    plan = plan_sample(a.factors(), a.units())
    assert [(g.label, g.sampled) for g in plan.subgroups] == [("location: Lyon", ("Unit A",)),
                                                              ("location: Oslo", ("Unit C",))]
    problems = check_sample(plan, [i.name for i in a.instances()])
    assert "unit 'Unit C': sampled, but not an instance of the appraisal yet" in problems
    a.set_unit("Unit B", values={"location": ""})          # a blank value clears it
    assert "location" not in a.units()[1].values
    log = [(c.key, c.field, c.old, c.new) for c in a.history(entity="sampling unit")]
    assert ("unit Unit B", "value location", "Oslo", None) in log
    assert ("unit Unit C", "sampled", "0", "1") in log
    assert {c.user for c in a.history(entity="sampling factor")} == {a.user}
    a.remove_factor("location")
    assert all(not u.values for u in a.units())
    a.remove_unit("Unit C")
    assert [u.name for u in a.units()] == ["Unit A", "Unit B", "QA Group"]


def test_bad_sampling_input_is_refused_and_changes_nothing(appraisal: Appraisal):
    a = appraisal
    a.set_factor("location")
    a.set_unit("Unit A", values={"location": "Lyon"})
    before = a.last_change_id()
    with pytest.raises(InvalidValue, match="justification is required"):
        a.set_factor("size", relevant=False)
    with pytest.raises(InvalidValue, match="1 unit\\(s\\) hold a value"):
        a.set_factor("location", relevant=False, justification="all in one place")
    with pytest.raises(UnknownEntry, match="no sampling factor named 'site'"):
        a.set_unit("Unit B", values={"site": "Lyon"})
    with pytest.raises(InvalidValue, match="people must be a whole number"):
        a.set_unit("Unit B", people=-1)
    with pytest.raises(UnknownEntry, match="no unit named 'Nobody'"):
        a.set_sample(["Unit A", "Nobody"])
    a.set_factor("customer", relevant=False, justification="one")
    with pytest.raises(InvalidValue, match="'customer' is marked not relevant"):
        a.set_unit("Unit A", values={"customer": "x"})
    assert a.last_change_id() == before + 3 and [u.name for u in a.units()] == ["Unit A"]


def test_the_sample_travels_in_a_json_export(appraisal: Appraisal, tmp_path):
    appraisal.set_factor("location")
    appraisal.set_unit("Unit A", values={"location": "Lyon"}, sampled=True)
    copy = Appraisal.restore(tmp_path / "copy.cmmi", appraisal.dump())
    with copy:
        assert [(u.name, dict(u.values), u.sampled) for u in copy.units()] == [("Unit A", {"location": "Lyon"}, True)]


def test_cmmikit_sample_prints_the_plan_and_json(tmp_path, monkeypatch):
    path = tmp_path / "s.cmmi"
    with Appraisal.create(path, name="S") as a:
        a.add_instance("Desk")
        a.set_factor("location")
        for n, where in enumerate(("Lyon", "Lyon", "Oslo")):
            a.set_unit(f"U{n}", values={"location": where})
        a.set_unit("Desk", values={"location": "Oslo"}, sampled=True)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "cmmikit.cli", "--user", "ann", *args], capture_output=True,
                              text=True)

    out = run("sample", str(path))
    assert out.returncode == 0, out.stderr
    assert "location: Lyon: 2 unit(s), 0 people, minimum 1, sampled 0" in out.stdout
    assert "subgroup location: Lyon: 0 of 2 basic unit(s) sampled, the minimum is 1" in out.stdout
    data = json.loads(run("sample", str(path), "--json").stdout)
    assert [g["minimum"] for g in data["subgroups"]] == [1, 1] and data["problems"]
    out = run("sample", str(path), "--suggest", "--seed", "7")
    assert out.returncode == 0 and "sampled, the minimum" not in out.stdout   # other factors are still undecided
    with Appraisal.open(path) as a:
        assert sum(u.sampled for u in a.units()) == 2
        assert a.history(entity="sampling unit", user="ann")[-1].field == "sampled"
    out = run("unit", str(path), "U9", "--value", "site=Lyon")
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "no sampling factor named 'site'" in out.stderr
    out = run("factor", str(path), "size", "--not-relevant", "all teams are of similar size")
    assert out.returncode == 0, out.stderr
    out = run("unit", str(path), "U9", "--value", "location=Oslo", "--people", "4", "--sampled")
    assert out.returncode == 0, out.stderr
    assert "U9" in run("sample", str(path)).stdout
