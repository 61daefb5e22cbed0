"""Maturity level 3: the target level per appraisal, its copies, and the ML3 chain."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cmmikit.errors import InvalidValue
from cmmikit.store import Appraisal, follow_up, slice_appraisal

ML2 = ["CM", "MA", "PPQA", "REQM", "SAM", "SD", "WMC", "WP"]
ML3_SHIPPED = ["IRP", "IWM", "OT", "SST"]


def test_a_new_appraisal_targets_level_2_unless_told(new_location):
    with Appraisal.create(new_location("two"), name="Two") as two:
        assert two.target_level is None and two.model.target_maturity_level == 2 and two.model.pa_ids == ML2
        assert "target_level" not in two.dump()["model"]
    with Appraisal.create(new_location("three"), name="Three", target_level=3) as three:
        assert three.target_level == 3 and three.model.pa_ids == ML2 + ML3_SHIPPED
        assert [g.id for g in three.model.pa("WP").goals if g.generic] == ["GG 2", "GG 3"]
        assert three.dump()["model"]["target_level"] == 3


def test_set_level_adds_the_new_areas_to_instances_sampled_for_all(appraisal):
    appraisal.set_target_level(3)
    units = {i.name: i.pas for i in appraisal.instances()}
    assert list(units["Unit A"]) == ML2 + ML3_SHIPPED
    assert units["QA Group"] == ("CM", "PPQA")  # sampled for some PAs only: unchanged
    change = appraisal.history()[-1]
    assert (change.key, change.field, change.old, change.new) == ("target level", "target_level", "2", "3")
    appraisal.set_target_level(2)
    assert list(appraisal.instances()[0].pas) == ML2


def test_lowering_is_refused_while_ml3_areas_hold_data(appraisal):
    appraisal.set_target_level(3)
    appraisal.set_characterization("IRP", "SP 1.1", "Unit A", "FI")
    before = appraisal.history()
    with pytest.raises(InvalidValue, match="cannot lower the target to level 2: IRP already hold"):
        appraisal.set_target_level(2)
    assert appraisal.history() == before and appraisal.model.target_maturity_level == 3


@pytest.mark.parametrize("level, message", [(4, "maturity level 4 is not offered by model cmmi-svc-1.3"),
                                            ("3", "a whole number")])
def test_a_bad_level_is_one_clear_error_and_changes_nothing(appraisal, new_location, level, message):
    with pytest.raises(InvalidValue, match=message):
        appraisal.set_target_level(level)
    assert appraisal.target_level is None
    with pytest.raises(InvalidValue, match=message):
        Appraisal.create(new_location("bad"), name="Bad", target_level=level)


def test_the_level_travels_with_json_follow_ups_and_slices(appraisal, new_location, tmp_path):
    appraisal.set_target_level(3)
    appraisal.set_characterization("IWM", "SP 1.1", "Unit A", "LI")
    with Appraisal.restore(new_location("copy"), json.loads("".join(appraisal.dump_json()))) as copy:
        assert copy.model.target_maturity_level == 3 and copy.record("IWM", "SP 1.1", "Unit A").characterization == "LI"
    with follow_up(appraisal, new_location("next")) as nxt:
        assert nxt.target_level == 3
    with slice_appraisal(appraisal, tmp_path / "piece.cmmi", ["IWM"]) as piece:
        assert piece.model.target_maturity_level == 3


def test_a_dump_with_a_level_the_model_lacks_is_refused(appraisal, new_location):
    data = appraisal.dump()
    data["model"]["target_level"] = 5
    with pytest.raises(Exception, match="model.target_level: maturity level 5 is not offered"):
        Appraisal.restore(new_location("bad"), data)


def _cli(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cmmikit.cli", *args], cwd=cwd, capture_output=True, text=True)


def test_cli_new_target_level_and_set_level(tmp_path):
    made = _cli("new", "l3.cmmi", "--name", "L3", "--target-level", "3", "--unit", "Ops", cwd=tmp_path)
    assert made.returncode == 0 and "12 process areas, 1 instances, target maturity level 3" in made.stdout
    assert _cli("new", "l2.cmmi", "--name", "L2", cwd=tmp_path).returncode == 0
    raised = _cli("set-level", "l2.cmmi", "3", cwd=tmp_path)
    assert raised.returncode == 0 and "target maturity level 2 -> 3" in raised.stdout
    assert "not shipped yet: CAM, DAR, OPD, OPF, RSKM, SCON, SSD, STSM" in raised.stdout
    bad = _cli("set-level", "l2.cmmi", "9", cwd=tmp_path)
    assert bad.returncode != 0 and bad.stderr.strip().count("\n") == 0 and "not offered" in bad.stderr
