"""The scale an appraisal characterizes on (store): chosen with the type, checked, kept, switched, converted."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from old_schemas import BEFORE_0008

from cmmikit.errors import ImportProblem, InvalidValue
from cmmikit.method.risk import assess
from cmmikit.model.scales import ScaleError
from cmmikit.store import Appraisal, ScaleMismatch, follow_up, slice_appraisal
from old_schemas import BEFORE_0007

TINY_MODEL = Path(__file__).parent / "data" / "tiny-model"
OWN_SCALE = Path(__file__).parent / "data" / "scales" / "traffic-light-c.yaml"
A_TO_B = {"FI": "low", "LI": "low", "PI": "medium", "NI": "high", "NY": ""}


def tiny_of(location: str, **info) -> Appraisal:
    a = Appraisal.create(location, name="Tiny", model=TINY_MODEL, **info)
    a.add_instance("U1")
    a.add_instance("U2")
    return a


def test_the_type_chosen_at_creation_brings_its_scale(new_location):
    with tiny_of(new_location("b"), appraisal_type="SCAMPI B") as b:
        assert b.scale.id == "scampi-b"
        assert b.update_record("AA", "SP 1.1", "U1", characterization="medium").characterization == "medium"
        with pytest.raises(InvalidValue, match=r"characterization must be one of low, medium, high .*'FI'"):
            b.update_record("AA", "SP 1.1", "U2", characterization="FI")
        with pytest.raises(InvalidValue, match=r"team decision must be one of low, medium, high"):
            b.set_practice_decision("AA", "SP 1.1", "NI", "why")
        b.set_practice_decision("AA", "SP 1.1", "low", "the others' approach would carry it")
        with pytest.raises(InvalidValue, match="a SCAMPI B appraisal gives findings, not goal ratings"):
            b.set_goal_decision("AA", "SG 1", "weaknesses too significant")
        assert b.goal_decisions() == []
    with tiny_of(new_location("a")) as a:
        assert a.scale.id == "scampi-a" and a.info().appraisal_type == "SCAMPI A"
        with pytest.raises(InvalidValue, match="must be one of FI, LI, PI, NI, NY"):
            a.update_record("AA", "SP 1.1", "U1", characterization="low")


def test_a_teams_own_scale_travels_with_the_appraisal(new_location, tmp_path):
    with tiny_of(new_location("c"), appraisal_type="SCAMPI C", scale=OWN_SCALE) as c:
        assert c.scale.id == "acme-c"
        c.update_record("AA", "SP 1.1", "U1", characterization="drafted", weaknesses="draft only")
        c.update_info(appraisal_type="SCAMPI C", name="Tiny C")   # the same type: its own scale stays
        assert c.scale.id == "acme-c"
        address = c.address
        data = c.dump()
        with follow_up(c, tmp_path / "fu.cmmi") as fu:
            assert fu.scale.id == "acme-c" and fu.record("AA", "SP 1.1", "U1").characterization == "drafted"
        with slice_appraisal(c, tmp_path / "slice.cmmi", ["AA"]) as piece:
            assert piece.scale.id == "acme-c"
    with Appraisal.open(address) as again:
        assert again.scale.text == OWN_SCALE.read_text()
    assert data["appraisal"][0]["scale"] == OWN_SCALE.read_text() and data["schema_version"] == 7
    with Appraisal.restore(tmp_path / "restored.cmmi", json.loads(json.dumps(data))) as restored:
        assert restored.scale.id == "acme-c" and restored.record("AA", "SP 1.1", "U1").characterization == "drafted"


def test_a_bad_or_misplaced_scale_creates_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(OWN_SCALE.read_text().replace("colour: orange", "colour: red"), encoding="utf-8")
    with pytest.raises(ScaleError, match=r"bad.yaml: entry values\[2\] 'drafted', field 'colour'"):
        Appraisal.create(tmp_path / "c.cmmi", name="C", appraisal_type="SCAMPI C", scale=bad)
    with pytest.raises(InvalidValue, match="for SCAMPI C appraisals only"):
        Appraisal.create(tmp_path / "b.cmmi", name="B", appraisal_type="SCAMPI B", scale=OWN_SCALE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def _fill_scampi_a(a: Appraisal) -> None:
    for practice, (v1, v2) in {"SP 1.1": ("FI", "PI"), "SP 1.2": ("LI", "NY"), "SP 2.1": ("NI", "NI")}.items():
        a.update_record("AA", practice, "U1", characterization=v1, weaknesses="" if v1 == "FI" else "gap")
        a.update_record("AA", practice, "U2", characterization=v2, weaknesses="" if v2 == "FI" else "gap")
    a.set_practice_decision("AA", "SP 1.1", "PI", "the team weighs U2's gap")
    a.set_goal_decision("AA", "SG 1", "weaknesses too significant")


def test_switching_type_is_refused_while_values_do_not_fit(new_location):
    with tiny_of(new_location()) as a:
        _fill_scampi_a(a)
        before = (a.info(), a.records(), a.practice_decisions(), a.goal_decisions(), a.last_change_id())
        for switch in (lambda: a.set_type("SCAMPI B"), lambda: a.update_info(appraisal_type="SCAMPI B", sponsor="X")):
            with pytest.raises(ScaleMismatch) as caught:
                switch()
            message = str(caught.value)
            assert "cannot switch to SCAMPI B" in message
            assert "6 characterization(s) and 1 team decision(s) on the scale SCAMPI A" in message
            assert "(FI, LI, PI, NI, NY)" in message and "1 goal decision(s)" in message
            assert '--type "SCAMPI B" --map FI=low,LI=low,PI=medium,NI=high,NY=' in message
        assert (a.info(), a.records(), a.practice_decisions(), a.goal_decisions(), a.last_change_id()) == before
        a.update_info(appraisal_type="Self-appraisal")   # the same scale: nothing to convert
        assert a.scale.id == "scampi-a" and a.info().appraisal_type == "Self-appraisal"


def test_an_appraisal_without_values_switches_freely(new_location):
    with tiny_of(new_location()) as a:
        a.update_record("AA", "SP 1.1", "U1", notes="only a note")
        change = a.set_type("SCAMPI C")
        assert a.scale.id == "scampi-c-default" and change.summary().startswith("now a SCAMPI C appraisal")
        a.set_type("SCAMPI C", scale=OWN_SCALE)
        assert a.scale.id == "acme-c"
        a.update_info(appraisal_type="SCAMPI B")
        assert a.scale.id == "scampi-b"
        fields = [(c.field, c.new) for c in a.history() if c.entity == "appraisal"]
        assert ("scale", "ACME approach maturity: approach embedded, approach used, approach drafted, approach "
                         "missing, not reached yet") in fields
        assert ("appraisal_type", "SCAMPI B") in fields


def test_a_mapping_converts_every_characterization_and_decision(new_location):
    with tiny_of(new_location(), appraisal_type="Self-appraisal") as a:
        _fill_scampi_a(a)
        change = a.set_type("SCAMPI B", mapping=A_TO_B)
        assert (change.records, change.cleared, change.decisions, change.removed) == (6, 1, 1, 1)
        assert "FI=low,LI=low,PI=medium,NI=high,NY=" in change.summary()
        assert a.info().appraisal_type == "SCAMPI B" and a.scale.id == "scampi-b"
        values = {(r.practice, r.instance): r.characterization for r in a.records()}
        assert values == {("SP 1.1", "U1"): "low", ("SP 1.1", "U2"): "medium", ("SP 1.2", "U1"): "low",
                          ("SP 1.2", "U2"): None, ("SP 2.1", "U1"): "high", ("SP 2.1", "U2"): "high"}
        assert [(d.practice, d.value, d.rationale) for d in a.practice_decisions()] == [
            ("SP 1.1", "medium", "the team weighs U2's gap")]
        assert a.goal_decisions() == []     # a SCAMPI B rates no goal
        log = a.history()
        assert ("mapping", "FI=low,LI=low,PI=medium,NI=high,NY=") in [(c.field, c.new) for c in log]
        assert ("characterization", "NY", None) in [(c.field, c.old, c.new) for c in log if c.instance == "U2"]
        assert any(c.entity == "goal decision" and c.field == "removed" for c in log)
        practice = assess(a).practices.set_index(["pa", "practice"]).loc[("AA", "SP 1.1")]
        assert (practice["ou"], bool(practice["stale"])) == ("medium", False)   # relabelled, still current


def test_a_conversion_keeps_inherited_records_inherited(tmp_path):
    with tiny_of(tmp_path / "base.cmmi") as base:
        base.update_record("AA", "SP 1.1", "U1", characterization="LI", weaknesses="late")
        with follow_up(base, tmp_path / "fu.cmmi") as fu:
            fu.convert_scale(A_TO_B, appraisal_type="SCAMPI B")
            rec = fu.record("AA", "SP 1.1", "U1")
            assert (rec.characterization, rec.inherited) == ("low", True)   # converted, not re-assessed


@pytest.mark.parametrize("mapping, message", [
    ({"FI": "low", "LI": "low"}, r"say what 'PI', 'NI', 'NY' become\(s\)"),
    ({**A_TO_B, "NI": "critical"}, r"NI=critical: not a value of the scale SCAMPI B"),
    ({**A_TO_B, "XX": "low"}, r"'XX' is not a value of the current scale"),
])
def test_a_mapping_must_name_every_value_in_use_and_only_values_of_the_new_scale(new_location, mapping, message):
    with tiny_of(new_location()) as a:
        _fill_scampi_a(a)
        with pytest.raises(InvalidValue, match=message):
            a.set_type("SCAMPI B", mapping=mapping)
        assert a.info().appraisal_type == "SCAMPI A" and a.record("AA", "SP 1.1", "U1").characterization == "FI"


def test_an_import_is_checked_against_the_appraisals_scale(tmp_path):
    with tiny_of(tmp_path / "b.cmmi", appraisal_type="SCAMPI B") as b:
        b.update_record("AA", "SP 1.1", "U1", characterization="high", weaknesses="none of it")
        data = b.dump()
    wrong = json.loads(json.dumps(data))
    wrong["practice_records"][0]["characterization"] = "NI"
    with pytest.raises(ImportProblem, match=r"practice_records\[0\].characterization: 'NI' is not one of low, "
                                            r"medium, high"):
        Appraisal.restore(tmp_path / "x.cmmi", wrong)
    broken = json.loads(json.dumps(data))
    broken["appraisal"][0].update(appraisal_type="SCAMPI C", scale="values: [")
    with pytest.raises(ImportProblem, match=r"appraisal\[0\].scale .its stored scale.: not valid YAML"):
        Appraisal.restore(tmp_path / "y.cmmi", broken)
    assert not (tmp_path / "x.cmmi").exists() and not (tmp_path / "y.cmmi").exists()


def test_a_scampi_b_file_of_the_previous_release_keeps_the_scale_it_was_recorded_on(tmp_path):
    """Before revision 0005, SCAMPI B and C were characterized FI..NI: such files keep FI..NI until converted."""
    old, empty = tmp_path / "old-b.cmmi", tmp_path / "empty-b.cmmi"
    with tiny_of(old) as a:
        for unit in ("U1", "U2"):
            a.update_record("AA", "SP 1.1", unit, characterization="PI", weaknesses="late")
    Appraisal.create(empty, name="Empty", model=TINY_MODEL).close()
    for path in (old, empty):
        conn = sqlite3.connect(path)
        conn.executescript(BEFORE_0007 + "UPDATE appraisal SET appraisal_type = 'SCAMPI B'; ALTER TABLE appraisal DROP COLUMN scale;"
                           f"{'; '.join(BEFORE_0008)}; UPDATE alembic_version SET version_num = '0004'")
        conn.commit()
        conn.close()
    with Appraisal.open(old) as a:
        assert a.info().appraisal_type == "SCAMPI B" and a.scale.id == "scampi-a"
        assert a.update_record("AA", "SP 1.2", "U1", characterization="LI", weaknesses="x").characterization == "LI"
        result = assess(a)   # a SCAMPI B still: findings, not ratings, on the scale it was recorded on
        assert result.practices.set_index(["pa", "practice"]).loc[("AA", "SP 1.1"), "ou_label"] == "PI partially implemented"
        a.convert_scale({"PI": "medium", "LI": "low"})
        assert a.scale.id == "scampi-b" and a.record("AA", "SP 1.1", "U1").characterization == "medium"
    with Appraisal.open(empty) as e:
        assert e.scale.id == "scampi-b"   # nothing recorded: the type's scale
    assert len(list(tmp_path.glob("old-b.cmmi.schema-0004*.bak"))) == 1
