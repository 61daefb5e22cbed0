"""Importing a JSON export: the whole document is checked against the schema and the model before anything
is written; every refusal is one line naming the place (``instances[3].name: ...``) and changes nothing."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmmikit.errors import CmmikitError, ImportProblem
from cmmikit.store import Appraisal


@pytest.fixture(scope="module")
def small_dump(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("dump") / "s.cmmi"
    with Appraisal.create(path, name="Small", user="ann") as a:
        a.add_instance("Desk", subgroup="Ops")
        a.add_instance("QA", "support_function", pas=["PPQA"])
        a.update_record("SD", "SP 1.1", "Desk", characterization="PI", weaknesses="late")
        a.add_evidence("SD", "SP 1.1", "Desk", "artifact", "SLA")
        a.set_practice_decision("SD", "SP 1.1", "PI", "one unit")
        fid = a.add_finding("weakness", "SD", "SG 1", "SLAs late", practices=["SP 1.1"], instances=["Desk"])
        a.add_action(fid, "Review SLAs", due_date="2027-01-31")
        return a.dump()


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cmmikit.cli", *args], capture_output=True, text=True, timeout=120)


def test_an_export_is_stamped_with_its_model(small_dump):
    from cmmikit.model import load_model

    svc = load_model("cmmi-svc-1.3")
    assert small_dump["model"] == {"id": svc.id, "name": svc.name, "version": svc.version}


@pytest.mark.parametrize("change, message", [
    (lambda d: d["practice_records"][0].update(practice="SP 9.9"), "practice_records[0].practice: SD has no practice 'SP 9.9'"),
    (lambda d: d["practice_records"][0].update(pa="ZZ"), "practice_records[0].pa: process area 'ZZ' is not in"),
    (lambda d: d["findings"][0].update(goal="SG 7"), "findings[0].goal: SD has no goal 'SG 7'"),
    (lambda d: d["appraisal"][0].update(model_id="cmmi-xyz"), "appraisal[0].model_id: unknown model 'cmmi-xyz'"),
    (lambda d: d.update(schema_version=True), "schema_version: True is not one this cmmikit reads"),
    (lambda d: d.update(instances=5), "instances: must be a list of rows, not int"),
    (lambda d: d["instances"].append("x"), "instances[2]: must be an object, not str"),
    (lambda d: d["instances"][1].update(name=None), "instances[1].name: "),
    (lambda d: d["instances"][1].update(colour="red"), "instances[1].colour: unknown field"),
    (lambda d: d["evidence_links"][0].update(instance_id=99), "evidence_links[0].instance_id: no instance with id 99"),
    (lambda d: d["actions"][0].update(status="someday"), "actions[0].status: 'someday' is not one of"),
    (lambda d: d["instances"][1].update(name="Desk"), "instances[1]: duplicate name 'Desk'"),
    (lambda d: d["model"].update(version="1.2"), "model.version: the export follows cmmi-svc-1.3 version '1.2', "
                                                 "this cmmikit has version '1.3'"),
    (lambda d: d["model"].update(id="cmmi-dev-1.3"), "model.id: 'cmmi-dev-1.3' does not match appraisal[0].model_id"),
    (lambda d: d.update(model="svc"), "model: must be an object"),
    (lambda d: d["actions"][0].update(due_date="next tuesday"), "actions[0].due_date: must be a date YYYY-MM-DD"),
    (lambda d: d["appraisal"][0].update(start_date="2027-02-30"), "appraisal[0].start_date: must be a date"),
    (lambda d: d["findings"][0].update(merged_into=d["findings"][0]["id"]),
     "findings[0].merged_into: finding 1 cannot be merged into itself"),
    (lambda d: d["appraisal"][0].update(model_ref="/etc"), "appraisal[0].model_ref: '/etc' is not a model folder"),
    (lambda d: d["artifacts"][0].update(title="t" * 5_000_000), "artifacts[0].title: 32,767 characters at most"),
])
def test_bad_documents_are_refused_naming_the_place(small_dump, tmp_path, change, message):
    data = copy.deepcopy(small_dump)
    change(data)
    target = tmp_path / "t.cmmi"
    with pytest.raises(ImportProblem) as info:
        Appraisal.restore(target, data, source="in.json")
    assert message in str(info.value)
    assert str(info.value).startswith("in.json: ") and "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_the_cli_gives_one_line_for_unreadable_files_and_leaves_the_target_alone(small_dump, tmp_path):
    target = tmp_path / "t.cmmi"
    Appraisal.restore(target, small_dump).close()
    before = target.read_bytes()
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    utf16 = tmp_path / "utf16.json"
    utf16.write_bytes(json.dumps(small_dump).encode("utf-16"))
    binary = tmp_path / "binary.json"
    binary.write_bytes(bytes(range(256)) * 10)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**small_dump, "schema_version": True}))
    for source, message in ((deep, "nested too deeply"), (utf16, "not UTF-8"), (binary, "not UTF-8"),
                            (bad, "schema_version")):
        result = cli("import-json", str(source), "-o", str(target), "--force")
        assert result.returncode == 1 and message in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "binary.json", "deep.json", "t.cmmi",
                                                          "utf16.json"]


@pytest.mark.parametrize("version", [1, 2, 3])
def test_an_export_of_an_earlier_release_imports_with_its_evidence_in_the_register(small_dump, tmp_path, version):
    old = copy.deepcopy(small_dump)
    old["schema_version"] = version
    if version == 3:        # follow-ups came before the register: an inherited record, the baseline named
        old["practice_records"][0]["inherited"] = 1
        old["appraisal"][0]["follow_up_of"] = "Base (/x/base.cmmi)"
    else:
        old["practice_records"][0].pop("inherited")
        old["appraisal"][0].pop("follow_up_of")
    desk = next(i["id"] for i in old["instances"] if i["name"] == "Desk")
    for table in ("artifacts", "affirmations", "evidence_links"):
        del old[table]
    old["evidence"] = [
        {"id": 4, "pa": "SD", "practice": "SP 1.1", "instance_id": desk, "kind": "artifact", "description": "SLA",
         "location": "https://x/sla", "who": "Ann", "collected_on": "2026-01-05"},
        {"id": 7, "pa": "SD", "practice": "SP 1.2", "instance_id": desk, "kind": "artifact", "description": "SLA",
         "location": "https://x/sla", "who": "Bo", "collected_on": "2026-01-05"},
        {"id": 9, "pa": "SD", "practice": "SP 1.1", "instance_id": desk, "kind": "affirmation",
         "description": "Desk interview", "who": "desk lead"}]
    old["appraisal"][0].pop("evidence_max_age_months")
    if version == 1:
        del old["changes"]
        for table in ("appraisal", "instances", "pa_scope", "assessors", "practice_records", "evidence",
                      "practice_decisions", "goal_decisions", "actions"):
            for row in old[table]:
                for column in ("version", "updated_by", "generation"):
                    row.pop(column, None)
                if table not in ("findings", "actions", "practice_records"):
                    row.pop("updated_at", None)
    with Appraisal.restore(tmp_path / "old.cmmi", old) as a:
        assert a.record("SD", "SP 1.1", "Desk").characterization == "PI"
        assert a.record("SD", "SP 1.1", "Desk").version == 1
        assert a.record("SD", "SP 1.1", "Desk").inherited is (version == 3)
        assert a.info().follow_up_of == ("Base (/x/base.cmmi)" if version == 3 else "")
        sla, interview = a.register()
        assert (sla.title, sla.kind, sla.owner, sla.reuse) == ("SLA", "direct", "Ann", 2)
        assert [(link.id, link.practice, link.statement) for link in sla.links] == [
            (4, "SP 1.1", ""), (7, "SP 1.2", "who: Bo")]
        assert (interview.kind, interview.roles, [link.id for link in interview.links]) == (
            "affirmation", "desk lead", [9])
        assert a.info().evidence_max_age_months == 24
    bad = copy.deepcopy(old)
    bad["evidence"][1].update(kind="rumour", instance_id=99)
    with pytest.raises(ImportProblem) as info:
        Appraisal.restore(tmp_path / "bad.cmmi", bad)
    assert "evidence[1].kind: 'rumour' is not one of" in str(info.value)
    assert "evidence[1].instance_id: no instance with id 99" in str(info.value)
    bad["artifacts"] = []
    with pytest.raises(ImportProblem, match="unknown section"):
        Appraisal.restore(tmp_path / "bad.cmmi", bad)


# JSON values a fuzzer puts anywhere
json_values = st.recursive(st.none() | st.booleans() | st.integers(-5, 10**12) | st.floats(allow_nan=False)
                           | st.text(max_size=20), lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


def _places(data: dict) -> list[tuple]:
    places: list[tuple] = [(key,) for key in data]
    for key, value in data.items():
        if isinstance(value, list):
            for n, row in enumerate(value[:3]):
                places.append((key, n))
                if isinstance(row, dict):
                    places += [(key, n, column) for column in row]
    return places


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_documents_never_crash_and_never_touch_the_target(small_dump, tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    target = folder / "t.cmmi"
    Appraisal.restore(target, small_dump).close()
    before = target.read_bytes()
    doc = copy.deepcopy(small_dump)
    for _ in range(data.draw(st.integers(1, 3))):
        place = data.draw(st.sampled_from(_places(doc)))
        value = data.draw(json_values)
        holder = doc
        for step in place[:-1]:
            holder = holder[step]
        if isinstance(holder, (dict, list)):
            holder[place[-1]] = value
    try:
        Appraisal.restore(target, doc, overwrite=True).close()
    except CmmikitError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 2000
        assert target.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["t.cmmi"]


def test_the_api_refuses_what_an_import_refuses(appraisal):
    from cmmikit.errors import InvalidValue

    fid = appraisal.add_finding("weakness", "CM", "SG 1", "Baselines are not audited")
    with pytest.raises(InvalidValue, match="due date must be a date YYYY-MM-DD"):
        appraisal.add_action(fid, "Audit baselines", due_date="next tuesday")
    action = appraisal.add_action(fid, "Audit baselines", due_date="2027-03-31")
    with pytest.raises(InvalidValue, match="due date must be a date"):
        appraisal.update_action(action, due_date="2027-13-01")
    with pytest.raises(InvalidValue, match="title is 50,000 characters long; at most 32,767"):
        appraisal.add_artifact("x" * 50_000, "direct")
    with pytest.raises(InvalidValue, match="start date must be a date"):
        appraisal.update_info(start_date="soon")
    assert [a.due_date for a in appraisal.actions()] == ["2027-03-31"] and appraisal.register() == []


def test_an_export_of_the_release_before_planning_imports(small_dump, new_location):
    from cmmikit.store import tables as t

    data = copy.deepcopy(small_dump)
    assert data["schema_version"] == 7
    data["schema_version"] = 5
    for name in t.PLANNING_TABLES:
        del data[name]
    with Appraisal.restore(new_location("v5"), data, source="v5.json") as a:
        assert a.info().name == "Small" and a.units() == [] and a.requests() == []
        assert a.actions()[0].due_date == "2027-01-31"
