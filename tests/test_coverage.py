"""Data coverage rules (SCAMPI v1.3), applied to instance cells; rules are data."""

from __future__ import annotations

from types import SimpleNamespace as Inst

import pytest

from cmmikit.method.coverage import CoverageRules, check, load_rules
from cmmikit.errors import ModelError


def cell(instance, pa="AA", goal="SG 1", practice="SP 1.1", char="FI", art=1, aff=1):
    return {"instance": instance, "pa": pa, "goal": goal, "practice": practice, "characterization": char,
            "n_artifacts": art, "n_affirmations": aff}


UNITS = [Inst(name="U1", kind="basic_unit", subgroup="S", pas=("AA",)),
         Inst(name="U2", kind="basic_unit", subgroup="S", pas=("AA",))]
RULES = load_rules()


def test_one_unit_with_both_kinds_covers_the_pa():
    result = check([cell("U1"), cell("U2", aff=0)], UNITS, {"AA"}, RULES)
    assert result.pa_failures == {} and result.maturity_failures == []


def test_no_unit_with_both_kinds_fails_the_pa():
    result = check([cell("U1", aff=0), cell("U2", art=0)], UNITS, {"AA"}, RULES)
    assert list(result.pa_failures) == ["AA"]
    assert "no basic unit in subgroup S" in result.pa_failures["AA"][0]


def test_a_unit_with_no_data_withholds_the_maturity_rating():
    result = check([cell("U1"), cell("U2", art=0, aff=0)], UNITS, {"AA"}, RULES)
    assert any("U2" in m for m in result.maturity_failures)


def test_ny_practices_need_no_evidence_and_ni_needs_no_artifact():
    cells = [cell("U1"), cell("U1", practice="SP 1.2", char="NY", art=0, aff=0),
             cell("U1", practice="SP 1.3", char="NI", art=0, aff=1), cell("U2")]
    assert check(cells, UNITS, {"AA"}, RULES).pa_failures == {}


def test_support_function_must_cover_each_pa_it_performs():
    sf = Inst(name="QA", kind="support_function", subgroup="", pas=("AA", "BB"))
    cells = [cell("U1"), cell("U2"), cell("QA"), cell("QA", pa="BB", aff=0)]
    result = check(cells, [*UNITS, sf], {"AA", "BB"}, RULES)
    assert list(result.pa_failures) == ["BB"]


def test_disabled_rules_are_reported_but_not_enforced():
    rules = CoverageRules(enabled=frozenset())
    result = check([cell("U1", aff=0), cell("U2", art=0)], UNITS, {"AA"}, rules)
    assert result.pa_failures == {} and any(not r["passed"] and not r["enabled"] for r in result.rows)


def test_bad_rules_file_names_the_key(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("affirmations_per: goal\nrules:\n  - id: made_up_rule\n")
    with pytest.raises(ModelError, match="rule #1.*'id'.*made_up_rule"):
        load_rules(path)
    path.write_text("affirmations_per: week\n")
    with pytest.raises(ModelError, match="affirmations_per"):
        load_rules(path)


# ---------------------------------------------------------------- subgroups (found by an independent check)


def test_a_subgroup_named_all_is_not_merged_with_units_without_a_subgroup():
    units = [Inst(name="U1", kind="basic_unit", subgroup="(all)", pas=("AA",)),
             Inst(name="U2", kind="basic_unit", subgroup="", pas=("AA",))]
    # U1 covers AA; U2, in a group of its own, does not: its group fails
    result = check([cell("U1"), cell("U2", aff=0)], units, {"AA"}, RULES)
    assert result.pa_failures == {"AA": ["AA: no basic unit outside any subgroup provides both artifacts and "
                                         "affirmations"]}
    subjects = {r["subject"] for r in result.rows if r["rule"] == "unit_covers_every_pa"}
    assert subjects == {"subgroup (all)", "no subgroup"}


def test_subgroup_names_are_whitespace_normalised():
    units = [Inst(name="U1", kind="basic_unit", subgroup="Ops", pas=("AA",)),
             Inst(name="U2", kind="basic_unit", subgroup=" Ops ", pas=("AA",)),
             Inst(name="U3", kind="basic_unit", subgroup="Field  Ops", pas=("AA",)),
             Inst(name="U4", kind="basic_unit", subgroup="Field Ops\t", pas=("AA",))]
    # one unit per subgroup provides both kinds: it covers the whole subgroup
    result = check([cell("U1"), cell("U2", aff=0), cell("U3", art=0), cell("U4")], units, {"AA"}, RULES)
    assert result.pa_failures == {} and result.maturity_failures == []
    assert {r["subject"] for r in result.rows if r["rule"] == "half_units_cover_one_pa"} == {
        "subgroup Ops", "subgroup Field Ops"}
