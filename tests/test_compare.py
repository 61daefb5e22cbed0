"""Comparing two hand-made appraisals of the tiny model gives exactly the expected deltas."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest

from cmmikit.method.compare import (ModelMismatch, classify, compare, compare_findings, direction, finding_key,
                                    pa_change)
from cmmikit.outputs.charts import trend_chart
from cmmikit.method.rating import ORDER
from cmmikit.store import Appraisal, Finding

TINY_MODEL = Path(__file__).parent / "data" / "tiny-model"

# (pa, practice) -> characterization of U1 and U2; None leaves the cell blank
BASELINE = {
    ("AA", "SP 1.1"): ("FI", "FI"),
    ("AA", "SP 1.2"): ("PI", "PI"),
    ("AA", "SP 2.1"): ("LI", "FI"),
    ("AA", "GP 2.1"): ("NI", "NI"),
    ("BB", "SP 1.1"): ("FI", "LI"),
    ("BB", "GP 2.1"): ("FI", None),
}
CURRENT = {
    ("AA", "SP 1.1"): ("FI", "FI"),
    ("AA", "SP 1.2"): ("LI", "LI"),
    ("AA", "SP 2.1"): ("PI", "PI"),
    ("AA", "GP 2.1"): ("LI", "FI"),
    ("BB", "SP 1.1"): ("NY", "NY"),
    ("BB", "GP 2.1"): ("FI", "FI"),
}


def make(path: Path, name: str, values: dict[tuple[str, str], tuple[str | None, str | None]]) -> Appraisal:
    """A tiny-model appraisal with two units, the given characterizations and full evidence."""
    appraisal = Appraisal.create(path, name=name, model=TINY_MODEL)
    with appraisal.transaction():
        for unit in ("U1", "U2"):
            appraisal.add_instance(unit)
        for (pa, practice), chars in values.items():
            for unit, char in zip(("U1", "U2"), chars):
                weakness = "a weakness" if char in ("LI", "PI", "NI") else ""
                appraisal.update_record(pa, practice, unit, characterization=char, weaknesses=weakness)
                appraisal.add_evidence(pa, practice, unit, "artifact", "a record")
                appraisal.add_evidence(pa, practice, unit, "affirmation", "an interview")
    return appraisal


@pytest.fixture
def pair(tmp_path: Path):
    with make(tmp_path / "before.cmmi", "Before", BASELINE) as before, \
            make(tmp_path / "after.cmmi", "After", CURRENT) as after:
        yield before, after


def rows(frame, columns):
    """The frame's rows as plain tuples, missing values as None."""
    return [tuple(None if v is pd.NA else v for v in r) for r in frame[columns].itertuples(index=False)]


def test_practice_deltas(pair):
    result = compare(*pair)
    assert rows(result.practices, ["pa", "practice", "before", "after", "change"]) == [
        ("AA", "SP 1.1", "FI", "FI", "unchanged"),
        ("AA", "SP 1.2", "PI", "LI", "improved"),
        ("AA", "SP 2.1", "LI", "PI", "regressed"),
        ("AA", "GP 2.1", "NI", "LI", "improved"),
        ("BB", "SP 1.1", "LI", "NY", "removed"),
        ("BB", "GP 2.1", "not characterized", "FI", "new"),
    ]
    assert list(result.changed_practices().practice) == ["SP 1.2", "SP 2.1", "GP 2.1", "SP 1.1", "GP 2.1"]


def test_goal_deltas(pair):
    result = compare(*pair)
    assert rows(result.goals, ["pa", "goal", "before", "after", "change", "newly_satisfied",
                               "no_longer_satisfied"]) == [
        ("AA", "SG 1", "Unsatisfied", "Satisfied", "improved", True, False),
        ("AA", "SG 2", "Satisfied", "Unsatisfied", "regressed", False, True),
        ("AA", "GG 2", "Unsatisfied", "Satisfied", "improved", True, False),
        ("BB", "SG 1", "Satisfied", "Not Rated", "removed", False, True),
        ("BB", "GG 2", "Not Rated", "Satisfied", "new", True, False),
    ]


def test_pa_deltas(pair):
    result = compare(*pair)
    assert rows(result.pas, ["pa", "before", "after", "rating_change", "capability_before", "capability_after",
                             "capability_change", "practices_improved", "practices_regressed",
                             "goals_newly_satisfied", "goals_no_longer_satisfied", "change"]) == [
        # same rating and level, but goals (and practices) moved both ways
        ("AA", "Unsatisfied", "Unsatisfied", "unchanged", "CL0", "CL0", "unchanged", 2, 1, 2, 1, "mixed"),
        # SG 1 is no longer rated, so the capability level is gone although GG 2 became Satisfied
        ("BB", "Not Rated", "Not Rated", "unchanged", "CL1 (CL2 not rated)", "Not Rated", "removed", 0, 0, 1, 1,
         "removed"),
    ]
    aa = result.pas.iloc[0]
    assert (aa.readiness_before, aa.readiness_after) == pytest.approx((2 / 4, 3 / 4))
    assert aa.readiness_delta == pytest.approx(0.25)


def test_a_capability_level_change_is_a_change(tmp_path):
    """AA stays Unsatisfied (GG 2 is not met) but SG 1 becomes Satisfied: CL0 -> CL1 is an improvement."""
    before = {**BASELINE, ("AA", "SP 2.1"): ("FI", "FI"), ("BB", "GP 2.1"): ("FI", "FI")}
    after = {**before, ("AA", "SP 1.2"): ("LI", "FI")}
    with make(tmp_path / "before.cmmi", "Before", before) as old, make(tmp_path / "after.cmmi", "After", after) as new:
        result = compare(old, new)
    aa = result.pas.set_index("pa").loc["AA"]
    assert (aa.before, aa.after, aa.rating_change) == ("Unsatisfied", "Unsatisfied", "unchanged")
    assert (aa.capability_before, aa.capability_after, aa.capability_change) == ("CL0", "CL1", "improved")
    assert (aa.goals_newly_satisfied, aa.change) == (1, "improved")
    assert result.summary["pas_improved"] == ["AA"] and result.summary["capability_levels"] == ["AA CL0 \u2192 CL1"]


@pytest.mark.parametrize(("rating", "capability", "goals", "practices", "change"), [
    ("improved", "improved", "improved", "improved", "improved"),
    ("unchanged", "regressed", "improved", "unchanged", "regressed"),
    ("unchanged", "unchanged", "mixed", "improved", "mixed"),
    ("unchanged", "unchanged", "unchanged", "improved", "improved"),
    ("unchanged", "unchanged", "unchanged", "unchanged", "unchanged"),
])
def test_pa_change_takes_the_first_that_moved(rating, capability, goals, practices, change):
    assert pa_change(rating, capability, goals, practices) == change


def test_direction():
    assert [direction(1, 0), direction(0, 2), direction(1, 1), direction(0, 0)] == [
        "improved", "regressed", "mixed", "unchanged"]


def test_summary(pair):
    before, after = pair
    before.add_finding("weakness", "AA", "GG 2", "No policy.", practices=["GP 2.1"])
    summary = compare(before, after).summary
    assert summary["baseline"] == "Before" and summary["current"] == "After"
    assert summary["maturity_before"] == "Maturity level 2: Not Rated"
    assert summary["practices"] == {"improved": 2, "regressed": 1, "new": 1, "removed": 1, "changed": 0,
                                    "unchanged": 1}
    assert summary["goals_newly_satisfied"] == 3 and summary["goals_no_longer_satisfied"] == 2
    assert summary["pas"] == {"improved": 0, "regressed": 0, "mixed": 1, "new": 0, "removed": 1, "changed": 0,
                              "unchanged": 0}
    assert summary["capability_levels"] == ["BB CL1 (CL2 not rated) \u2192 Not Rated"]
    assert summary["pas_improved"] == [] and summary["pas_regressed"] == ["BB"]
    assert summary["weaknesses"] == {"closed": 1, "new": 0, "persisting": 0}


def test_findings_closed_new_persisting(pair):
    before, after = pair
    reworded_old = before.add_finding("weakness", "AA", "SG 1", "SP 1.2 is partly done.", practices=["SP 1.2"])
    closed = before.add_finding("weakness", "AA", "GG 2", "No policy.", practices=["GP 2.1"])
    manual_old = before.add_finding("weakness", "AA", "SG 2", "Checks are  LATE.")
    dismissed = before.add_finding("weakness", "BB", "SG 1", "Dismissed before.", practices=["SP 1.1"])
    before.update_finding(dismissed, status="dismissed")
    reworded_new = after.add_finding("weakness", "AA", "SG 1", "SP 1.2 is still not done everywhere.",
                                     practices=["SP 1.2"])
    manual_new = after.add_finding("weakness", "AA", "SG 2", "checks are late.")
    opened = after.add_finding("weakness", "AA", "SG 2", "Checks are skipped.", practices=["SP 2.1"])
    frame = compare(before, after).findings
    assert rows(frame, ["status", "pa", "goal", "practices", "baseline_id", "current_id"]) == [
        ("closed", "AA", "GG 2", "GP 2.1", closed, None),
        ("new", "AA", "SG 2", "SP 2.1", None, opened),
        ("persisting", "AA", "SG 1", "SP 1.2", reworded_old, reworded_new),
        ("persisting", "AA", "SG 2", "", manual_old, manual_new),
    ]
    persisting = frame[frame.current_id == reworded_new].iloc[0]
    assert persisting.statement == "SP 1.2 is still not done everywhere."
    assert persisting.statement_before == "SP 1.2 is partly done."


def test_duplicate_keys_pair_in_id_order():
    def finding(fid: int) -> Finding:
        return Finding(fid, "weakness", "AA", "SG 1", f"statement {fid}", "generated", practices=("SP 1.1",))

    frame = compare_findings([finding(1), finding(2)], [finding(7)])
    assert rows(frame, ["status", "baseline_id", "current_id"]) == [("closed", 2, None), ("persisting", 1, 7)]


def test_finding_key_ignores_practice_order_and_statement():
    a = Finding(1, "weakness", "AA", "SG 1", "one", "generated", practices=("SP 1.2", "SP 1.1"))
    b = Finding(2, "weakness", "AA", "SG 1", "two", "generated", practices=("SP 1.1", "SP 1.2"))
    c = Finding(3, "strength", "AA", "SG 1", "one", "generated", practices=("SP 1.1", "SP 1.2"))
    assert finding_key(a) == finding_key(b) != finding_key(c)


@pytest.mark.parametrize(("before", "after", "change"), [
    ("PI", "LI", "improved"), ("FI", "NI", "regressed"), ("LI", "LI", "unchanged"),
    (None, "FI", "new"), ("NY", "PI", "new"), ("LI", "NY", "removed"), ("NY", None, "changed"),
    (None, None, "unchanged"),
])
def test_classify(before, after, change):
    assert classify(before, after, ORDER) == change


def test_refuses_different_models(tiny, appraisal):
    with pytest.raises(ModelMismatch, match="different models.*tiny-1.0"):
        compare(tiny, appraisal)


def test_refuses_different_versions_of_one_model(tiny, tmp_path):
    import shutil

    folder = tmp_path / "tiny-next"
    shutil.copytree(TINY_MODEL, folder)
    (folder / "model.yaml").write_text((folder / "model.yaml").read_text().replace('version: "1.0"', 'version: "1.1"'))
    with Appraisal.create(tmp_path / "next.cmmi", name="Next", model=folder) as newer:
        assert newer.info().model_id == tiny.info().model_id
        with pytest.raises(ModelMismatch, match="different versions of model tiny-1.0.*version 1.0.*version 1.1"):
            compare(tiny, newer)


def test_trend_chart_is_deterministic(pair):
    def png() -> bytes:
        buffer = io.BytesIO()
        fig = trend_chart(compare(*pair))
        fig.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()

    ax = trend_chart(compare(*pair)).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["AA", "BB"]
    assert [t.get_text() for t in ax.child_axes[0].get_yticklabels()] == ["Unsatisfied \u2192 Unsatisfied", "Not Rated \u2192 Not Rated"]
    assert png() == png()


def test_refuses_different_versions_of_a_model(tmp_path):
    newer = tmp_path / "tiny-model-1.1"
    shutil.copytree(TINY_MODEL, newer)
    text = (newer / "model.yaml").read_text(encoding="utf-8")
    (newer / "model.yaml").write_text(text.replace('version: "1.0"', 'version: "1.1"'), encoding="utf-8")
    with make(tmp_path / "before.cmmi", "Before", BASELINE) as old, \
            Appraisal.create(tmp_path / "after.cmmi", name="After", model=newer) as new:
        with pytest.raises(ModelMismatch, match="different versions of model tiny-1.0: before.cmmi uses version 1.0"):
            compare(old, new)
