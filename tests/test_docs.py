"""The documentation site: the CLI reference is current and complete, every command is explained, the
site builds strictly, every page is in the nav, and the README keeps its two commands and its picture.

The CLI reference ``docs/cli.md`` is generated with cog from ``cmmikit.cli.build_parser()``; when a
test here says it is stale, regenerate it with ``cog -r docs/cli.md`` (see docs/contributing.md).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cmmikit.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CLI_PAGE = DOCS / "cli.md"
REGENERATE = "regenerate it with `cog -r docs/cli.md`"


def _env() -> dict[str, str]:
    """This tree's cmmikit first on the path (cog imports it), and no MkDocs 2.0 banner."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "NO_MKDOCS_2_WARNING": "1"}


def _cog_check(page: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cogapp", "--check", str(page)], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, timeout=120)


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _sections(text: str) -> dict[str, str]:
    """The reference's text per command: what follows its '## cmmikit NAME' heading."""
    parts = re.split(r"^## cmmikit ?(\S*)\s*$", text, flags=re.MULTILINE)
    return {name: body for name, body in zip(parts[1::2], parts[2::2])}


def _guide_pages() -> dict[str, str]:
    return {p.relative_to(DOCS).as_posix(): p.read_text() for p in DOCS.rglob("*.md") if p != CLI_PAGE}


# ------------------------------------------------------------------ the generated CLI reference


def test_cli_reference_is_not_stale():
    result = _cog_check(CLI_PAGE)
    assert result.returncode == 0, f"docs/cli.md is stale: {REGENERATE}\n{result.stdout}{result.stderr}"


def test_the_staleness_check_catches_an_edited_reference(tmp_path):
    """The check above can fail: a reference with one option line dropped is reported as stale."""
    text = CLI_PAGE.read_text()
    line = next(x for x in text.splitlines() if x.lstrip().startswith("--reassessed-only"))
    stale = tmp_path / "cli.md"
    stale.write_text(text.replace(line + "\n", "", 1))
    result = _cog_check(stale)
    assert result.returncode != 0
    assert "changed" in (result.stdout + result.stderr)


def test_every_command_and_option_is_in_the_reference():
    sections = _sections(CLI_PAGE.read_text())
    commands = _commands()
    assert "" in sections, "docs/cli.md: no '## cmmikit' section for the top-level options"
    for option in ("--user", "--version"):
        assert option in sections[""], f"docs/cli.md: cmmikit {option} is missing; {REGENERATE}"
    missing = sorted(set(commands) - set(sections))
    assert not missing, f"docs/cli.md has no section for: {', '.join(missing)}; {REGENERATE}"
    gone = sorted(set(sections) - set(commands) - {""})
    assert not gone, f"docs/cli.md documents commands that no longer exist: {', '.join(gone)}; {REGENERATE}"
    for name, command in commands.items():
        body = sections[name]
        for action in command._actions:
            names = action.option_strings or [action.metavar or action.dest]
            for flag in names:
                if flag in ("-h", "--help"):
                    continue
                assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", body), \
                    f"docs/cli.md: 'cmmikit {name}' does not show {flag}; {REGENERATE}"


def test_every_command_is_explained_in_a_guide_page():
    """Besides the generated reference, some task page says what each command is for."""
    pages = _guide_pages()
    for name in _commands():
        mention = re.compile(rf"cmmikit (?:--user \S+ )?{re.escape(name)}(?![\w-])")
        assert any(mention.search(text) for text in pages.values()), \
            f"no page of docs/ besides cli.md mentions `cmmikit {name}`: say in a task page what it is for"


# ------------------------------------------------------------------ the site


def test_the_site_builds_strictly_with_every_page(tmp_path):
    site = tmp_path / "site"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                            cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    for page in DOCS.rglob("*.md"):
        relative = page.relative_to(DOCS).with_suffix("")
        built = site / ("index.html" if relative.name == "index" else relative / "index.html")
        assert built.exists(), f"{page.relative_to(ROOT)} was not built"
    reference = (site / "cli" / "index.html").read_text()
    assert all(f'id="cmmikit-{name}"' in reference for name in _commands())
    home = (site / "index.html").read_text()
    assert 'href="cli/"' in home and "images/walkthrough.png" in home  # in the nav, and the picture
    assert (site / "images" / "walkthrough.png").exists()
    assert not (site / "hooks.py").exists() and not (site / "images" / "walkthrough.py").exists()


def test_a_broken_link_fails_the_build(tmp_path):
    """The strict build is a real check: a copy of the docs with a link to a missing anchor fails."""
    copy = tmp_path / "project"
    shutil.copytree(DOCS, copy / "docs")
    shutil.copy(ROOT / "mkdocs.yml", copy)
    shutil.copy(ROOT / "CHANGELOG.md", copy)
    grid = copy / "docs" / "grid.md"
    grid.write_text(grid.read_text() + "\nSee [nowhere](benchmarks.md#no-such-heading).\n")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "s")],
                            cwd=copy, env=_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "no-such-heading" in result.stdout + result.stderr


def _hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pages_the_nav_does_not_list_join_their_section():
    hooks = _hooks()
    nav = [{"Home": "index.md"}, {"Deliverables": [{"Overview": "deliverables.md"}]},
           {"Working as a team": ["team.md"]}]
    pages = ["index.md", "deliverables.md", "team.md", "deliverables-pdf.md", "team-server-urls.md",
             "planning.md", "notes/odd.md"]
    placed = hooks.place_unlisted(nav, pages)
    assert placed[1] == {"Deliverables": [{"Overview": "deliverables.md"}, "deliverables-pdf.md"]}
    assert placed[2] == {"Working as a team": ["team.md", "team-server-urls.md"]}
    assert {"Assessing": ["planning.md"]} in placed and placed[-1] == {"More": ["notes/odd.md"]}
    assert hooks.listed_pages(placed) == set(pages)
    assert hooks.place_unlisted(placed, pages) == placed  # a listed page is left where it is


@pytest.mark.parametrize("page", ["ml3.md", "deliverables-pdf.md"])
def test_the_configured_nav_takes_a_new_page(page):
    """mkdocs.yml's own nav (read as MkDocs reads it) completed by the hook: the new page is listed once."""
    from mkdocs.config import load_config

    config = load_config(str(ROOT / "mkdocs.yml"))
    pages = [p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")] + [page]
    nav = _hooks().place_unlisted(config["nav"], pages)
    section = {"ml3.md": "Models and scales", "deliverables-pdf.md": "Deliverables"}[page]
    entries = next(e[section] for e in nav if isinstance(e, dict) and section in e)
    assert page in entries and _hooks().listed_pages(nav) == set(pages)


# ------------------------------------------------------------------ examples in the guide


def _python_blocks(page: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), flags=re.DOTALL)


def test_the_store_examples_of_the_guide_run(new_location, monkeypatch, tmp_path):
    """setup.md's and store.md's Python examples, run in order on both backends, do what the pages say."""
    from cmmikit.store import Appraisal

    monkeypatch.chdir(tmp_path)
    location = new_location("guide")
    namespace: dict = {}
    for page in ("setup.md", "store.md"):
        for block in _python_blocks(page):
            assert '"my.cmmi"' in block, f"docs/{page}: an example that does not use my.cmmi"
            exec(compile(block.replace('"my.cmmi"', repr(location)), f"docs/{page}", "exec"), namespace)
    namespace["appraisal"].close()
    with Appraisal.open(location) as appraisal:
        assert appraisal.info().org_unit == "Northwind IT Services"
        assert [(i.name, i.kind) for i in appraisal.instances()] == [("Service Desk", "basic_unit"),
                                                                      ("Quality Office", "support_function")]
        assert appraisal.scopes()["SAM"].scope == "not_applicable"
        assert [a.pas for a in appraisal.assessors()] == [("CM", "PPQA")]
        record = appraisal.record("CM", "SP 1.2", "Service Desk")
        assert (record.characterization, record.updated_by) == ("LI", "dana")


# ------------------------------------------------------------------ the README


def test_readme_keeps_the_two_commands_and_the_picture():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)
    assert blocks[:2] == [
        'python3 -m venv .venv && . .venv/bin/activate && pip install ".[test]" && cmmikit demo out/\n',
        "pytest\n",
    ]
    assert "pytest" in (ROOT / ".ci" / "run").read_text().splitlines()  # CI runs the README's test command
    pictures = re.findall(r"!\[[^\]]+\]\(([^)]+)\)", text)
    assert pictures == ["docs/images/walkthrough.png"]
    picture = ROOT / pictures[0]
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size < 300_000
    for link in re.findall(r"\]\(((?:docs/)?[\w./-]+\.md)\)", text):
        assert (ROOT / link).exists(), link
    assert len(text.splitlines()) < 60
