"""Characterization scales as data: the shipped scales, a team's own, bad files, rules and mappings."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmmikit import palette
from cmmikit.errors import InvalidValue
from cmmikit.method.rating import INCOMPLETE, NO_INSTANCES, NOT_YET, RATED, aggregate
from cmmikit.model.scales import (ScaleError, default_scale, load_scale, parse_mapping, parse_scale, scale_for,
                            shipped_ids, shipped_scale, suggest_mapping, yields_ratings)
from cmmikit.store.records import CHARACTERIZATIONS

DATA = Path(__file__).parent / "data" / "scales"
B_TEXT = shipped_scale("scampi-b").text


def test_the_shipped_scales():
    assert shipped_ids() == ["scampi-a", "scampi-b", "scampi-c-default"]
    a, b, c = (default_scale(t) for t in ("SCAMPI A", "SCAMPI B", "SCAMPI C"))
    assert default_scale("Self-appraisal") is a
    assert a.all_values == CHARACTERIZATIONS and a.ordered == ("FI", "LI", "PI", "NI") and a.not_yet == "NY"
    assert a.colours == {k: v for k, v in palette.CHARACTERIZATION.items() if k}  # the colours FI..NY always had
    assert b.ordered == ("low", "medium", "high") and b.not_yet is None
    assert [v.label for v in b.values] == ["low risk", "medium risk", "high risk"]  # always with the word
    assert b.colours == {"low": palette.GREEN, "medium": palette.YELLOW, "high": palette.VERMILLION}
    assert b.on_track_values == ("low",) and b.rule == "worst" and b.team_may_decide
    assert [o.text for o in b.forecast.outcomes] == ["unlikely to be satisfied in a SCAMPI A", "at risk in a SCAMPI A",
                                                     "likely to be satisfied in a SCAMPI A"]
    assert c.forecast is None and c.not_yet == "not_yet" and c.rule == "worst"
    for scale in (a, b, c):   # every colour from the colour-blind-safe palette, each once
        assert set(scale.colours.values()) <= set(palette.NAMED.values())
        assert len(set(scale.colours.values())) == len(scale.values)
    assert yields_ratings("SCAMPI A") and yields_ratings("Self-appraisal")
    assert not yields_ratings("SCAMPI B") and not yields_ratings("SCAMPI C")


def test_a_teams_own_scale_from_yaml():
    scale = load_scale(DATA / "traffic-light-c.yaml")
    assert scale.name == "ACME approach maturity" and scale.ordered == ("embedded", "used", "drafted", "missing")
    assert scale.label("drafted") == "approach drafted" and scale.colours["missing"] == palette.VERMILLION
    assert scale.rank("missing") == 3 and scale.position("used") == pytest.approx(1 / 3)
    assert scale.is_on_track("used") and not scale.is_on_track("drafted") and not scale.is_on_track(None)
    assert scale.worst(["used", None, "later", "drafted"]) == "drafted"
    assert scale.choices[0] == ("approach embedded", "embedded")
    assert scale.text == (DATA / "traffic-light-c.yaml").read_text()   # kept as written, comments and all
    assert "best value across the sampled instances" in scale.describe()


def replace_once(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize("edit, entry, field, problem", [
    (lambda t: replace_once(t, "colour: yellow", "colour: red"), "values[1] 'medium'", "colour",
     "'red' is not a colour cmmikit offers"),
    (lambda t: replace_once(t, "colour: yellow", "colour: green"), "values[1] 'medium'", "colour",
     "already the colour of 'low'"),
    (lambda t: replace_once(t, "value: medium", "value: medium risk"), "values[1] 'medium risk'", "value",
     "must start with a letter"),
    (lambda t: replace_once(t, "value: high", "value: Low"), "values[2] 'Low'", "value", "appears twice"),
    (lambda t: replace_once(t, "label: low risk", "lable: low risk"), "values[0] 'low'", "lable",
     "unknown field"),
    (lambda t: replace_once(t, "    label: high risk\n", ""), "values[2] 'high'", "label", "missing"),
    (lambda t: replace_once(t, "    on_track: true\n", ""), "", "on_track", "at least one value must count"),
    (lambda t: replace_once(t, "colour: vermillion\n    meaning", "colour: vermillion\n    on_track: true\n"
                                                                  "    meaning"),
     "values[2] 'high'", "on_track", "on-track values come before"),
    (lambda t: replace_once(t, "rule: worst", "rule: average"), "aggregation", "rule", "'worst', 'best'"),
    (lambda t: replace_once(t, "any: [high]", "any: [huge]"), "forecast.outcomes[0] 'unlikely'", "when",
     "'huge' is not a ranked value"),
    (lambda t: replace_once(t, "when: {any: [high]}", "when: {}"), "forecast.outcomes[0] 'unlikely'", "when",
     "exactly one of any"),
])
def test_a_bad_scale_is_refused_naming_file_entry_and_field(tmp_path, edit, entry, field, problem):
    path = tmp_path / "my-scale.yaml"
    path.write_text(edit(B_TEXT), encoding="utf-8")
    with pytest.raises(ScaleError) as caught:
        load_scale(path)
    error = caught.value
    assert (error.file, error.entry, error.field) == (str(path), entry, field)
    assert problem in error.problem
    message = str(error)
    assert message.startswith(f"{path}: ") and f"field {field!r}" in message and "\n" not in message


@pytest.mark.parametrize("text, problem", [
    ("values: [", "not valid YAML at line 1"), ("- a list", "expected a mapping"),
    ("id: x\nname: x\nvalues:\n  - {value: a, label: A, colour: blue, on_track: true}\n", "needs 2 to"),
    ("x" * 70_000, "at most 64 KB"),
])
def test_unreadable_scales(text, problem):
    with pytest.raises(ScaleError, match=problem):
        parse_scale(text, "s.yaml")


def test_a_scale_file_that_cannot_be_read(tmp_path):
    with pytest.raises(ScaleError, match="missing.yaml: cannot read the scale file"):
        load_scale(tmp_path / "missing.yaml")
    (tmp_path / "latin1.yaml").write_bytes("name: caf\xe9".encode("latin-1"))
    with pytest.raises(ScaleError, match="not UTF-8"):
        load_scale(tmp_path / "latin1.yaml")


def test_scampi_a_rule_needs_the_scampi_a_values():
    text = replace_once(B_TEXT, "rule: worst", "rule: scampi-a")
    with pytest.raises(ScaleError, match="scampi-a needs the values FI, LI, PI, NI"):
        parse_scale(text, "s.yaml")


@pytest.mark.parametrize("values, expected", [
    (["low", "high", "medium"], ("high", RATED)),
    (["low", "low"], ("low", RATED)),
    (["low", None], (None, INCOMPLETE)),
    ([], (None, NO_INSTANCES)),
])
def test_scampi_b_takes_the_highest_risk(values, expected):
    agg = shipped_scale("scampi-b").aggregate(values)
    assert (agg.value, agg.status) == expected and agg.options == ()


def test_not_yet_values_are_left_out_and_the_best_rule():
    c = load_scale(DATA / "traffic-light-c.yaml")
    assert c.aggregate(["later", "drafted", "missing"]).value == "drafted"   # rule: best
    all_later = c.aggregate(["later", "later"])
    assert (all_later.value, all_later.status) == ("later", NOT_YET)


def test_the_scampi_a_scale_aggregates_by_the_scampi_table():
    a = shipped_scale("scampi-a")
    for values in (["FI", "LI"], ["FI", "PI"], ["PI", "NI"], ["NY", "NY"], ["FI", None]):
        assert a.aggregate(values) == aggregate(values)


@pytest.mark.parametrize("values, outcome", [
    (["low", "medium", "high"], "unlikely"),
    (["high", None], "unlikely"),           # already certain
    (["low", "medium"], "at_risk"),
    (["low", "low"], "likely"),
    (["low", None], None),                  # open: not forecast yet
    ([], None),
])
def test_the_scampi_b_forecast(values, outcome):
    found = shipped_scale("scampi-b").forecast_for(values)
    assert (found.key if found else None) == outcome


def test_mappings():
    assert parse_mapping("FI=low, LI=low,PI=medium,NI=high,NY=") == {"FI": "low", "LI": "low", "PI": "medium",
                                                                    "NI": "high", "NY": ""}
    for bad, message in (("FI", "not OLD=NEW"), ("=low", "not OLD=NEW"), ("FI=low,FI=high", "mapped twice"),
                         (" , ", "no OLD=NEW pairs")):
        with pytest.raises(InvalidValue, match=message):
            parse_mapping(bad)
    a, b, c = (default_scale(t) for t in ("SCAMPI A", "SCAMPI B", "SCAMPI C"))
    assert suggest_mapping(a, b, CHARACTERIZATIONS) == {"FI": "low", "LI": "low", "PI": "medium", "NI": "high",
                                                        "NY": ""}
    assert suggest_mapping(a, c, ["NY", "FI"]) == {"NY": "not_yet", "FI": "implemented"}
    assert suggest_mapping(b, a, ["high", "low"]) == {"high": "NI", "low": "FI"}


def test_an_appraisals_own_scale_text_wins_over_its_type():
    own = (DATA / "traffic-light-c.yaml").read_text()
    assert scale_for("SCAMPI C", own).id == "acme-c"
    assert scale_for("SCAMPI C", "").id == "scampi-c-default"
    with pytest.raises(ScaleError, match="the appraisal x .its stored scale."):
        scale_for("SCAMPI C", "values: [", "the appraisal x")
    with pytest.raises(InvalidValue, match="not one of"):
        default_scale("SCAMPI D")


def test_a_value_is_checked_against_the_scale():
    b = shipped_scale("scampi-b")
    assert b.check("medium") == "medium"
    with pytest.raises(InvalidValue, match=r"characterization must be one of low, medium, high .* got 'FI'"):
        b.check("FI")
