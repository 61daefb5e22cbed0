"""No password is ever printed or written: every command on a server URL, on success and on failure.

The commands run on an SQLite file and on an appraisal on the throwaway PostgreSQL server, whose
superuser has a password. On the server the password is written in the URL, the way a user who
knows no better would type it; then every line printed and every file the runs leave (inside the
workbook's and the deck's zip members, the PDF's text, the executed report notebook) is searched for it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from cmmikit.cli import main
from cmmikit.outputs import report
from cmmikit.store import Appraisal
from cmmikit.store.location import parse, password_for_children

DATA = Path(__file__).parent / "data"


def file_texts(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` as text: zip members one by one, PDFs through pdftotext."""
    texts: dict[str, str] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = str(path.relative_to(folder))
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                for member in z.namelist():
                    texts[f"{name}!{member}"] = z.read(member).decode("utf-8", "replace")
        elif path.suffix == ".pdf":
            texts[name] = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                         check=True).stdout
        texts.setdefault(name, path.read_bytes().decode("utf-8", "replace"))
    return texts


def leaks(secret: str, folder: Path, *printed: str) -> list[str]:
    """Where ``secret`` appears: in the printed text or in a file under ``folder``."""
    found = [f"printed: {text[:200]!r}" for text in printed if secret in text]
    return found + [name for name, text in file_texts(folder).items() if secret in text]


@pytest.fixture
def served_demo(backend, demo_file, tmp_path, request):
    """The sample appraisal on the backend: a copy of the file, or imported into the server (password in the URL)."""
    if backend == "sqlite":
        copy = tmp_path / "in" / "demo.cmmi"
        copy.parent.mkdir()
        shutil.copy(demo_file, copy)
        return str(copy), ""
    cluster = request.getfixturevalue("postgres")
    url = cluster.url(f"secrets{os.getpid()}{abs(hash(request.node.name)) % 10**6}")
    dump = tmp_path / "in" / "demo.json"
    dump.parent.mkdir()
    assert main(["export-json", str(demo_file), "-o", str(dump)]) == 0
    assert main(["import-json", str(dump), "-o", url]) == 0
    return url, parse(url).password or ""


COMMANDS = [
    ["rate", "{src}"],
    ["history", "{src}"],
    ["export-xlsx", "{src}", "-o", "{out}/gap.xlsx"],
    ["import-xlsx", "{src}", "{out}/gap.xlsx"],
    ["charts", "{src}", "-o", "{out}/charts"],
    ["findings-deck", "{src}", "-o", "{out}/deck.pptx"],
    ["export-json", "{src}", "-o", "{out}/all.json"],
    ["questionnaire", "{src}", "--instance", "Service Desk", "-o", "{out}/q.xlsx"],
    ["slice", "{src}", "--pa", "WP", "-o", "{out}/wp.cmmi"],
    ["merge", "{src}", "{out}/wp.cmmi"],
    ["report", "{src}", "-o", "{out}/report.pdf"],
]


def test_every_command_on_both_backends_leaves_no_password(served_demo, tmp_path, capsys):
    source, secret = served_demo
    out = tmp_path / "out"
    out.mkdir()
    for command in COMMANDS:
        argv = [part.format(src=source, out=out) for part in command]
        assert main(argv) == 0, (command, capsys.readouterr().err)
        printed = capsys.readouterr()
        if secret:
            assert not leaks(secret, out, printed.out, printed.err), command
    made = {p.name for p in out.iterdir()}
    assert {"gap.xlsx", "charts", "deck.pptx", "all.json", "q.xlsx", "wp.cmmi", "report.pdf"} <= made
    if secret:   # the executed notebook reopens the appraisal by the URL without its password
        notebook = (out / "report.pdf.ipynb").read_text()
        assert parse(source).shareable in notebook


def test_failures_print_no_password(served_demo, tmp_path, capsys, backend):
    source, secret = served_demo
    out = tmp_path / "out"
    out.mkdir()
    wrong = source.replace(secret, "Wr0ng-Pa55-x") if secret else str(tmp_path / "missing.cmmi")
    missing = source.replace("appraisal=", "appraisal=nothing") if secret else str(tmp_path / "nothing.cmmi")
    for where in (wrong, missing):
        for command in COMMANDS:
            argv = [part.format(src=where, out=out) for part in command]
            assert main(argv) == 1, command
            printed = capsys.readouterr()
            assert printed.err.startswith("cmmikit: error:") and printed.err.count("\n") == 1, printed.err
            for secret_text in filter(None, (secret, "Wr0ng-Pa55-x")):
                assert not leaks(secret_text, out, printed.out, printed.err), command
    assert not list(out.iterdir())   # nothing half-written


def test_a_failing_report_keeps_its_notebook_without_the_password(served_demo, tmp_path, monkeypatch):
    source, secret = served_demo
    monkeypatch.setattr(report, "NOTEBOOK", DATA / "report_failing_cell.ipynb")
    out = tmp_path / "out"
    with pytest.raises(report.ReportError, match="broken on purpose") as caught:
        report.render_report(source, out / "r.html")
    assert sorted(p.name for p in out.iterdir()) == ["r.html.ipynb"]
    if secret:
        assert not leaks(secret, out, str(caught.value))
    assert "PGPASSWORD" not in os.environ or os.environ["PGPASSWORD"] != secret   # handed to the kernel only


def test_a_service_file_opens_the_appraisal_without_a_password_in_the_url(postgres, tmp_path, monkeypatch, capsys):
    url = postgres.url(f"svc{os.getpid()}")
    with Appraisal.create(url, name="Through a service") as a:
        a.add_instance("Unit A")
    service = tmp_path / "pg_service.conf"
    service.write_text(f"[team]\nhost=127.0.0.1\nport={postgres.port}\nuser=postgres\ndbname=cmmikit_test\n"
                       f"password={parse(url).password}\n")
    monkeypatch.setenv("PGSERVICEFILE", str(service))
    through = f"postgresql+psycopg:///?service=team&appraisal={parse(url).appraisal}"
    with Appraisal.open(through) as a:
        assert a.info().name == "Through a service"
    assert main(["history", through]) == 0
    assert "Unit A" in capsys.readouterr().out


def test_the_password_reaches_a_child_process_only_through_its_environment(postgres, monkeypatch):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    url = postgres.url("anything")
    where = parse(url)
    assert where.password and where.password not in where.shareable and where.password not in where.display
    with password_for_children(url, None):
        assert os.environ["PGPASSWORD"] == where.password
    assert "PGPASSWORD" not in os.environ
    other = url.replace(where.password, "another-one")
    with pytest.raises(Exception, match="different passwords"), password_for_children(url, other):
        pass


def test_the_search_finds_a_password_inside_a_zip_member_and_a_printed_line(tmp_path):
    with zipfile.ZipFile(tmp_path / "book.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", "<t>postgresql://me:hunter2@db/x</t>")
    (tmp_path / "plain.txt").write_text("nothing here")
    assert leaks("hunter2", tmp_path, "ok", "url hunter2") == ["printed: 'url hunter2'", "book.xlsx!xl/sharedStrings.xml"]
