"""The command line: the user's path through new/demo/rate/export/import, and one-line errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cmmikit.cli import main
from cmmikit.store import Appraisal


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cmmikit.cli", *args], capture_output=True, text=True)


def test_demo_prints_ratings_and_writes_the_file(tmp_path):
    result = run("demo", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "Maturity level 2" in result.stdout and "Service Delivery" in result.stdout
    with Appraisal.open(tmp_path / "out" / "demo.cmmi") as a:
        units = [i for i in a.instances() if i.kind == "basic_unit"]
        assert len(units) == 3 and all(len(u.pas) == 8 for u in units)


def test_new_then_rate(tmp_path, capsys):
    path = tmp_path / "n.cmmi"
    assert main(["new", str(path), "--name", "New one", "--unit", "Desk", "--support", "QA:PPQA,CM"]) == 0
    with Appraisal.open(path) as a:
        assert [(i.name, i.pas) for i in a.instances()][1] == ("QA", ("CM", "PPQA"))
    assert main(["rate", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert data["maturity"]["verdict"] == "Not Rated" and len(data["process_areas"]) == 8
    assert data["best_case"]["maturity"]["verdict"] == "Achieved"  # nothing characterized: all still possible
    assert data["worst_case"]["maturity"]["verdict"] == "Not Achieved"
    assert data["outlook"]["headline"].startswith("Not Rated yet: ML2 still achievable")
    assert main(["rate", str(path)]) == 0
    text = capsys.readouterr().out
    assert "Outlook: Not Rated yet: ML2 still achievable" in text
    assert "best case: Achieved; worst case: Not Achieved" in text


def test_export_import_json_round_trip(tmp_path, demo_file):
    out = tmp_path / "d.json"
    assert main(["export-json", str(demo_file), "-o", str(out)]) == 0
    assert main(["import-json", str(out), "-o", str(tmp_path / "back.cmmi")]) == 0
    assert main(["export-json", str(tmp_path / "back.cmmi"), "-o", str(tmp_path / "again.json")]) == 0
    again = json.loads((tmp_path / "again.json").read_text())
    restored = again["changes"].pop()       # the import itself is recorded, with who did it
    assert (restored["field"], restored["new"]) == ("restored", f"from {out}")
    assert json.loads(out.read_text()) == again
    first_keys = list(json.loads(out.read_text()))
    assert first_keys == sorted(first_keys)


@pytest.mark.parametrize("args, message", [
    (["rate", "missing.cmmi"], "no such appraisal file"),
    (["rate", "notes.txt"], "not a cmmikit appraisal"),
    (["import-json", "notes.txt", "-o", "x.cmmi"], "not valid JSON"),
    (["new", "exists.cmmi", "--name", "x"], "already exists"),
    (["model", "nowhere"], "no model folder"),
])
def test_user_mistakes_are_one_line_errors(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    Path("notes.txt").write_text("hello")
    Appraisal.create("exists.cmmi", name="e").close()
    result = run(*args)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert Path("notes.txt").read_text() == "hello"


def test_history_shows_who_changed_what(tmp_path):
    path = tmp_path / "h.cmmi"
    assert run("--user", "dana", "new", str(path), "--name", "H", "--unit", "Desk").returncode == 0
    with Appraisal.open(path, user="ravi") as a:
        a.update_record("SD", "SP 1.1", "Desk", characterization="PI")
        a.update_record("SD", "SP 1.1", "Desk", characterization="LI")
    result = run("history", str(path), "--pa", "SD", "--instance", "Desk")
    assert result.returncode == 0, result.stderr
    assert "ravi" in result.stdout and "characterization: 'PI' -> 'LI'" in result.stdout
    assert "dana" not in result.stdout          # creating the unit was not an SD change
    as_json = json.loads(run("history", str(path), "--user", "dana", "--json").stdout)
    assert as_json and {c["user"] for c in as_json} == {"dana"}
    assert run("history", str(path), "--since", "2999-01-01").stdout.strip() == "no changes match"


def test_the_commands_work_on_a_server_and_never_print_the_password(postgres, tmp_path, demo_file):
    from postgres_cluster import PASSWORD

    url = postgres.url(f"cli-{tmp_path.name[-12:]}".replace("_", "-"))
    outputs = []

    def ok(*args: str) -> str:
        result = run(*args)
        outputs.append(result.stdout + result.stderr)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "created postgresql+psycopg://postgres:***@" in ok("new", url, "--name", "Server one", "--unit", "Desk")
    dump = tmp_path / "d.json"
    ok("export-json", str(demo_file), "-o", str(dump))
    ok("import-json", str(dump), "-o", url, "--force")
    assert "Maturity level 2" in ok("rate", url)
    ok("export-xlsx", url, "-o", str(tmp_path / "gap.xlsx"))
    assert (tmp_path / "gap.xlsx").stat().st_size > 10_000
    assert "restored" in ok("history", url)
    listed = ok("list", postgres.url())
    assert url.rsplit("=", 1)[1] in listed and "Northwind" in listed
    bad = run("rate", url.replace(PASSWORD, "wrong-" + PASSWORD))
    outputs.append(bad.stdout + bad.stderr)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    missing = run("rate", url + "-nope")
    outputs.append(missing.stderr)
    assert "no appraisal named" in missing.stderr
    assert all(PASSWORD not in text for text in outputs)


# ------------------------------------------------------------------ SCAMPI B and C: the type and its scale

OWN_SCALE = Path(__file__).parent / "data" / "scales" / "traffic-light-c.yaml"
RATING_WORDS = re.compile(r"\b(?:Satisfied|Unsatisfied|Not Rated|Achieved|Not Achieved)\b")


def test_new_scampi_c_with_the_teams_own_scale(tmp_path, capsys):
    path = tmp_path / "c.cmmi"
    assert main(["new", str(path), "--name", "C", "--type", "SCAMPI C", "--scale", str(OWN_SCALE), "--unit", "Desk"]) == 0
    assert "SCAMPI C on the scale ACME approach maturity: approach embedded" in capsys.readouterr().out
    assert main(["scale", str(path)]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith(f"SCAMPI C appraisal {path}") and "approach drafted" in shown and "orange" in shown
    with Appraisal.open(path) as a:
        a.update_record("SD", "SP 1.1", "Desk", characterization="drafted", weaknesses="a draft")
    assert main(["rate", str(path)]) == 0
    text = capsys.readouterr().out
    assert "C (cmmi-svc-1.3): SCAMPI C: findings, not ratings" in text and "1 approach drafted" in text
    assert not RATING_WORDS.search(text)


def test_a_bad_scale_is_one_line_and_creates_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(OWN_SCALE.read_text().replace("colour: sky", "colour: pink"), encoding="utf-8")
    assert main(["new", str(tmp_path / "c.cmmi"), "--name", "C", "--type", "SCAMPI C", "--scale", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{bad}: entry values[1] 'used', field 'colour': 'pink' is not a colour" in err
    assert main(["scale", "--check", str(bad)]) == 1
    assert "field 'colour'" in capsys.readouterr().err
    assert main(["new", str(tmp_path / "a.cmmi"), "--name", "A", "--scale", str(OWN_SCALE)]) == 1
    assert "for SCAMPI C appraisals only" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_set_type_is_refused_then_converted_with_a_mapping(tmp_path, capsys):
    path = tmp_path / "a.cmmi"
    assert main(["new", str(path), "--name", "A", "--unit", "Desk"]) == 0
    with Appraisal.open(path) as a:
        a.update_record("SD", "SP 1.1", "Desk", characterization="LI", weaknesses="late")
        a.update_record("SD", "SP 1.2", "Desk", characterization="NI", weaknesses="none")
    capsys.readouterr()
    before = path.read_bytes()
    assert main(["set-type", str(path), "--type", "SCAMPI B"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot switch to SCAMPI B" in err
    assert '--map LI=low,NI=high' in err
    assert path.read_bytes() == before
    assert main(["set-type", str(path), "--type", "SCAMPI B", "--map", "LI=low,NI=high"]) == 0
    assert "2 characterization(s) converted" in capsys.readouterr().out
    assert main(["history", str(path)]) == 0
    history = capsys.readouterr().out
    assert "scale conversion: mapping: (blank) -> 'LI=low,NI=high'" in history
    assert "SD SP 1.2 / Desk: characterization: 'NI' -> 'high'" in history
    assert main(["rate", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["gives"] == "findings, not ratings" and data["scale"]["id"] == "scampi-b"
    assert "maturity" not in data and not RATING_WORDS.search(json.dumps(data))
    sd = next(g for g in data["goals"] if (g["pa"], g["goal"]) == ("SD", "SG 1"))
    assert sd["counts"]["high"] == 1 and sd["forecast"] == "unlikely"


def test_scale_of_a_type(capsys):
    assert main(["scale", "--type", "SCAMPI B"]) == 0
    text = capsys.readouterr().out
    assert "low risk" in text and "likely to be satisfied in a SCAMPI A: when every practice low" in text
    assert main(["scale"]) == 1
    assert "give one of FILE" in capsys.readouterr().err


@pytest.mark.parametrize("command, target, message", [
    ("export-xlsx", "folder", r"folder: is a folder; give the workbook's file name, e\.g\. .*folder/name\.xlsx"),
    ("export-xlsx", "gap.txt", r"gap\.txt: the workbook is written as a \.xlsx file; name it \*\.xlsx"),
    ("findings-deck", "folder", r"folder: is a folder; give the deck's file name"),
    ("questionnaire", "folder", r"folder: is a folder; give the questionnaire's file name"),
    ("questionnaire", "q.csv", r"q\.csv: the questionnaire is written as a \.xlsx file"),
    ("export-json", "folder", r"folder: is a folder; give the export's file name"),
    ("export-json", "all.txt", r"all\.txt: the export is written as a \.json file"),
    ("charts", "notes.txt", r"notes\.txt: is a file; the charts go into a folder"),
])
def test_an_output_path_a_user_would_not_mean_is_one_line_naming_it(appraisal, tmp_path, capsys, command, target,
                                                                      message):
    (tmp_path / "folder").mkdir()
    (tmp_path / "notes.txt").write_text("my notes")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    extra = ["--instance", "Unit A"] if command == "questionnaire" else []
    assert main([command, appraisal.address, *extra, "-o", str(tmp_path / target)]) == 1
    err = capsys.readouterr().err
    assert re.fullmatch(f"cmmikit: error: .*{message}.*\n", err), err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before and (tmp_path / "notes.txt").read_text() == "my notes"


def test_rate_of_a_folder_says_what_to_give(tmp_path, capsys):
    assert main(["rate", str(tmp_path)]) == 1
    assert "is a folder; give an appraisal file (*.cmmi) or a server URL" in capsys.readouterr().err
