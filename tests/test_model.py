"""The model as data: the CMMI-SVC folder, the loader's validation and its error messages."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cmmikit.errors import ModelError
from cmmikit.model import load_model

from conftest import TINY_MODEL

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "model-reference.md"
SP_COUNTS = {"CM": 7, "MA": 8, "PPQA": 4, "REQM": 5, "SAM": 6, "SD": 8, "WMC": 10, "WP": 15}


DEV_SP_COUNTS = {"REQM": 5, "PP": 14, "PMC": 10, "SAM": 6, "MA": 8, "PPQA": 4, "CM": 7}


@pytest.mark.parametrize("model_id, name, counts, n_practices, n_goals", [
    (None, "CMMI for Services", SP_COUNTS, 63, 18),
    ("cmmi-dev-1.3", "CMMI for Development", DEV_SP_COUNTS, 54, 15),
])
def test_each_shipped_model_has_its_ml2_areas_with_their_practice_counts(model_id, name, counts, n_practices,
                                                                          n_goals):
    model = load_model(model_id)
    assert (model.id, model.name, model.version, model.target_maturity_level) == (
        model_id or "cmmi-svc-1.3", name, "1.3", 2)
    assert sorted(model.pa_ids) == sorted(counts)
    for pa, count in counts.items():
        practices = model.pa(pa).practices
        assert sum(not p.generic for p in practices) == count
        assert [p.id for p in practices if p.generic] == [f"GP 2.{n}" for n in range(1, 11)]
    assert sum(counts.values()) == n_practices
    assert sum(not g.generic for pa in model.process_areas.values() for g in pa.goals) == n_goals


def _reference_titles() -> dict[str, str]:
    """'CM SP 1.1' -> title, parsed from the shared model reference."""
    text = REFERENCE.read_text()
    titles = {}
    for pa, body in re.findall(r"\*\*(\w+)\*\* — (.*?)(?=\n\n)", text, re.S):
        body = " ".join(body.split())
        for num, title in re.findall(r"SP (\d+\.\d+) (.*?)(?=[;.] (?:SP|SG)|\.$)", body):
            titles[f"{pa} SP {num}"] = title
        for num, title in re.findall(r"SG (\d+) (.*?):", body):
            titles[f"{pa} SG {num}"] = title
    for num, title in re.findall(r"GP (2\.\d+) ([A-Z][^;.]*)", text.split("**GG 2")[1].split("\n- GG 3")[0]):
        titles[f"GP {num}"] = " ".join(title.split())
    return titles


@pytest.mark.skipif(not REFERENCE.exists(), reason="../shared/model-reference.md not beside the checkout")
def test_titles_match_the_v13_reference_exactly():
    titles = _reference_titles()
    model = load_model()
    assert len([k for k in titles if " SP " in k]) == 63
    for pa in model.process_areas.values():
        for goal in pa.goals:
            if not goal.generic:
                assert goal.title == titles[f"{pa.id} {goal.id}"]
            for p in goal.practices:
                expected = titles[p.id] if p.generic else titles[p.key]
                assert p.title == expected, p.key


# ---------------------------------------------------------------- CMMI-DEV v1.3, the second model

REFERENCE_DEV = REFERENCE.with_name("model-reference-dev.md")
def _dev_reference() -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """PA id -> (name, category), and 'PP SG 1' / 'PP SP 1.1' -> title, from the DEV reference."""
    areas, titles = {}, {}
    category = pa = ""
    for line in REFERENCE_DEV.read_text().splitlines():
        if m := re.match(r"## (.+) category$", line):
            category = m.group(1)
        elif m := re.match(r"\*\*([A-Z]+) (.+)\*\*$", line):
            pa = m.group(1)
            areas[pa] = (m.group(2), category)
        elif m := re.match(r"\s*- (S[GP] \d+(?:\.\d+)?) (.+)$", line):
            titles[f"{pa} {m.group(1)}"] = m.group(2).strip()
    return areas, titles


@pytest.mark.skipif(not (REFERENCE_DEV.exists() and REFERENCE.exists()),
                    reason="../shared/model-reference(-dev).md not beside the checkout")
def test_dev_titles_match_the_v13_reference_exactly():
    areas, titles = _dev_reference()
    generic_titles = _reference_titles()  # GP titles are the same in both models
    model = load_model("cmmi-dev-1.3")
    assert len([k for k in titles if " SP " in k]) == 54 and len([k for k in titles if " SG " in k]) == 15
    assert {pa: (a.name, a.category) for pa, a in model.process_areas.items()} == areas
    seen = set()
    for pa in model.process_areas.values():
        for goal in pa.goals:
            if not goal.generic:
                assert goal.title == titles[goal.key], goal.key
                seen.add(goal.key)
            for p in goal.practices:
                expected = generic_titles[p.id] if p.generic else titles[p.key]
                assert p.title == expected, p.key
                seen.add(p.key)
    assert set(titles) <= seen  # nothing in the reference is missing from the model


def test_dev_texts_are_our_own_not_the_svc_ones():
    dev, svc = load_model("cmmi-dev-1.3"), load_model("cmmi-svc-1.3")

    def texts(model):
        return {t for p in model.practices() for t in (p.intent, *p.questions)}

    assert not texts(dev) & texts(svc)
    dev_products = {w for p in dev.practices() for w in p.work_products}
    assert "{" not in " ".join(dev_products)  # work products are not filled in per PA
    assert any("Project Planning" in q for q in dev.pa("PP").practice("GP 2.2").questions)


def test_every_practice_has_intent_products_and_questions():
    for p in load_model().practices():
        assert p.intent and 3 <= len(p.work_products) <= 5 and 2 <= len(p.questions) <= 4
        assert "{" not in " ".join(p.questions)  # placeholders are filled per PA


def test_generic_questions_name_the_process_area():
    sd = load_model().pa("SD")
    policy = sd.practice("GP 2.1")
    assert any("Service Delivery" in q for q in policy.questions)


def test_tiny_model_loads_with_no_code_change():
    model = load_model(TINY_MODEL)
    assert model.pa_ids == ["AA", "BB"]
    assert [p.key for p in model.practices()] == ["AA SP 1.1", "AA SP 1.2", "AA SP 2.1", "AA GP 2.1",
                                                  "BB SP 1.1", "BB GP 2.1"]


def test_model_found_by_id_on_the_search_path(monkeypatch):
    monkeypatch.setenv("CMMIKIT_MODEL_PATH", str(TINY_MODEL.parent))
    assert load_model("tiny-1.0").name == "Tiny Test Model"


def test_unknown_model_is_a_clear_error():
    with pytest.raises(ModelError, match="no model folder"):
        load_model("cmmi-dev-9.9")


# ---------------------------------------------------------------- malformed files


@pytest.fixture
def broken(tmp_path: Path):
    """A copy of the tiny model whose AA.yaml the test edits through the returned function."""
    folder = tmp_path / "model"
    shutil.copytree(TINY_MODEL, folder)

    def edit(change) -> Path:
        data = yaml.safe_load((folder / "AA.yaml").read_text())
        change(data)
        (folder / "AA.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
        return folder

    return edit


def _error(folder: Path) -> ModelError:
    with pytest.raises(ModelError) as info:
        load_model(folder)
    return info.value


def test_missing_title_names_file_entry_and_field(broken):
    err = _error(broken(lambda d: d["goals"][1]["practices"][0].pop("title")))
    assert err.file.endswith("AA.yaml") and err.entry == "AA SP 2.1" and err.field == "title"
    assert "AA.yaml: entry AA SP 2.1, field 'title'" in str(err)


def test_duplicate_practice_id(broken):
    def dup(d):
        d["goals"][0]["practices"][1]["id"] = "SP 1.1"
    err = _error(broken(dup))
    assert err.entry == "AA SP 1.1" and "duplicate" in err.problem


def test_practice_under_the_wrong_goal(broken):
    def move(d):
        d["goals"][0]["practices"].append(d["goals"][1]["practices"][0] | {"id": "SP 2.9"})
    err = _error(broken(move))
    assert err.entry == "AA SP 2.9" and "SG 1" in err.problem


def test_practice_outside_any_goal(broken):
    err = _error(broken(lambda d: d.update(practices=[{"id": "SP 9.1"}])))
    assert err.field == "practices" and "under a goal" in err.problem


def test_too_few_questions(broken):
    def cut(d):
        d["goals"][0]["practices"][0]["questions"] = ["Only one?"]
    err = _error(broken(cut))
    assert err.entry == "AA SP 1.1" and err.field == "questions" and "2 to 4" in str(err)


def test_bad_practice_id_and_unknown_field(broken):
    err = _error(broken(lambda d: d["goals"][0]["practices"][0].update(id="SP-1")))
    assert err.field == "id"
    err = _error(broken(lambda d: d["goals"][0]["practices"][0].update(id="SP 1.1", titel="x")))
    assert err.field == "titel" and "unknown field" in err.problem


def test_unknown_placeholder_in_generic_question(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(TINY_MODEL, folder)
    text = (folder / "generic.yaml").read_text().replace("{pa_name}?", "{area}?")
    (folder / "generic.yaml").write_text(text)
    err = _error(folder)
    assert err.file.endswith("generic.yaml") and "GP 2.1" in err.entry and "area" in err.problem


def test_unknown_placeholder_in_generic_intent(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(TINY_MODEL, folder)
    text = (folder / "generic.yaml").read_text().replace("policy for {pa_name}.", "policy for {area}.")
    (folder / "generic.yaml").write_text(text)
    err = _error(folder)
    assert "GP 2.1" in err.entry and err.field == "intent" and "area" in err.problem


def test_invalid_yaml_names_the_line(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(TINY_MODEL, folder)
    (folder / "BB.yaml").write_text("id: BB\ngoals: [unclosed\n")
    err = _error(folder)
    assert err.file.endswith("BB.yaml") and "line" in err.problem


def test_duplicate_process_area_across_files(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(TINY_MODEL, folder)
    shutil.copy(folder / "AA.yaml", folder / "AA2.yaml")
    err = _error(folder)
    assert err.entry == "AA" and "duplicate process area" in err.problem


def test_package_import_pulls_in_no_heavy_libraries():
    """Import speed itself is measured by benchmarks/foundation.py; here: nothing heavy is imported."""
    code = ("import sys, cmmikit, cmmikit.cli, cmmikit.store; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'matplotlib', 'pandas', 'ipywidgets', 'jupyter_client', 'openpyxl', 'nbformat', 'pydantic'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ---------------------------------------------------------------- maturity level 3

REFERENCE_ML3 = REFERENCE.parent / "model-reference-ml3.md"
ML3_SHIPPED = {"CAM": 6, "DAR": 6, "IRP": 10, "IWM": 10, "OPD": 7, "OT": 7, "RSKM": 7, "SCON": 8, "SSD": 12,
               "SST": 5}
ML3_PENDING = ("OPF", "STSM")


def _ml3_reference_titles() -> dict[str, str]:
    """'IRP SP 1.1' -> title, from the tables of the shared ML3 reference (plus GG 3)."""
    titles: dict[str, str] = {}
    for pa, table in re.findall(r"### (\w+): .*?\n(.*?)(?=\n### |\n---)", REFERENCE_ML3.read_text(), re.S):
        for ident, title in re.findall(r"^\| ((?:SG|SP) [\d.]+) \| ([^|]+?) \|", table, re.M):
            titles[f"{pa} {ident}"] = title
    for ident, title in re.findall(r"^\| ((?:GG|GP) 3[\d.]*) \| ([^|]+?) \|", REFERENCE_ML3.read_text(), re.M):
        titles[ident] = title
    return titles


def test_level_3_holds_the_shipped_ml3_areas_and_gg3_on_every_area():
    model = load_model(level=3)
    assert model.target_maturity_level == 3 and model.levels == (2, 3)
    assert sorted(model.pa_ids) == sorted([*SP_COUNTS, *ML3_SHIPPED])
    assert model.pending == ML3_PENDING
    assert model.additions == ("SSD",)
    for pa in model.process_areas.values():
        assert [g.id for g in pa.goals if g.generic] == ["GG 2", "GG 3"]
        assert [p.id for p in pa.goal("GG 3").practices] == ["GP 3.1", "GP 3.2"]
        assert pa.maturity_level == (3 if pa.id in ML3_SHIPPED else 2)
    for pa, count in ML3_SHIPPED.items():
        assert sum(not p.generic for p in model.pa(pa).practices) == count
        assert model.pa(pa).category in {"Service Establishment and Delivery", "Project and Work Management",
                                         "Process Management", "Support"}
    assert "{pa_name}" not in model.pa("CM").goal("GG 3").practices[0].intent


def test_the_default_level_is_unchanged_by_the_ml3_files():
    assert load_model().pa_ids == load_model(level=2).pa_ids == list(SP_COUNTS)
    assert load_model().pending == () and all(
        [g.id for g in pa.goals if g.generic] == ["GG 2"] for pa in load_model().process_areas.values())


def test_a_level_the_model_does_not_offer_is_a_clear_error():
    with pytest.raises(ModelError, match="maturity level 4 is not offered by model cmmi-svc-1.3 .levels: 2, 3."):
        load_model(level=4)
    with pytest.raises(ModelError, match="not offered"):
        load_model(TINY_MODEL, level=3)


@pytest.mark.skipif(not REFERENCE_ML3.exists(), reason="../shared/model-reference-ml3.md not beside the checkout")
def test_ml3_titles_match_the_reference_exactly():
    reference = _ml3_reference_titles()
    model = load_model(level=3)
    checked = 0
    for pa in ML3_SHIPPED:
        for goal in (g for g in model.pa(pa).goals if g.id != "GG 2"):  # GG 2: see the ML2 test
            key = f"{pa} {goal.id}" if not goal.generic else goal.id
            assert goal.title == reference[key], key
            for p in goal.practices:
                key = f"{pa} {p.id}" if not p.generic else p.id
                assert p.title == reference[key], key
                checked += 1
    assert checked == sum(ML3_SHIPPED.values()) + 2 * len(ML3_SHIPPED)


def test_sources_file_names_every_shipped_ml3_area():
    text = (load_model().source / "SOURCES.md").read_text()
    for pa in [*ML3_SHIPPED, "GG 3", "GP 3.1", "GP 3.2"]:
        assert f"| {pa} " in text


def test_a_pa_at_a_level_model_yaml_does_not_list_it_under(tmp_path):
    folder = tmp_path / "svc"
    shutil.copytree(load_model().source, folder)
    irp = yaml.safe_load((folder / "IRP.yaml").read_text())
    irp["maturity_level"] = 2
    (folder / "IRP.yaml").write_text(yaml.safe_dump(irp, sort_keys=False))
    err = _error(folder)
    assert err.file.endswith("IRP.yaml") and err.field == "maturity_level"
    assert "is 2 here but model.yaml lists it under level 3" in str(err)
