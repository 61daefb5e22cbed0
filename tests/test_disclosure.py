"""The Appraisal Disclosure Statement: its content on both stores, the refusals, the PDF read back as text."""

from __future__ import annotations

import subprocess

import pytest

from cmmikit.cli import main
from cmmikit.method.risk import evaluate
from cmmikit.outputs.disclosure import NoDisclosure, disclosure, render_html, valid_until, write_disclosure


def _plan(a) -> None:
    """Sponsor, dates, a sampling plan with two subgroups and a support function, an excluded PA, the team."""
    a.update_info(sponsor="VP <Operations>", lead_appraiser="Lee Chen", start_date="2027-02-01",
                  end_date="2028-02-29")
    a.set_factor("location")
    a.set_factor("customer", relevant=False, justification="one internal customer")
    a.set_unit("Unit A", people=12, values={"location": "Berlin"}, sampled=True)
    a.set_unit("Unit C", people=4, values={"location": "Berlin"})
    a.set_unit("Unit B", people=7, values={"location": "Lyon"}, sampled=True)
    a.set_unit("QA Group", kind="support_function", people=3, sampled=True)
    a.set_scope("SAM", "not_applicable", "no suppliers")
    a.set_assessor("Lee Chen", role="Lead appraiser", pas=["CM"])


def test_statement_content(appraisal) -> None:
    _plan(appraisal)
    d = disclosure(appraisal, evaluate(appraisal), usage="process monitoring", issued="2028-03-01")
    assert (d.sponsor, d.lead_appraiser, d.usage, d.issued) == ("VP <Operations>", "Lee Chen", "process monitoring",
                                                                 "2028-03-01")
    assert d.valid_until == "2031-02-28"                  # 3 years after the end (29 Feb -> 28 Feb)
    assert (d.method["name"], d.method["version"], d.representation) == ("SCAMPI A", "1.3", "staged")
    assert [(g.label, g.units, g.people, g.minimum, g.sampled) for g in d.subgroups] == [
        ("location: Berlin", 2, 16, 2, ("Unit A",)), ("location: Lyon", 1, 7, 1, ("Unit B",))]
    assert [(u.name, u.sampled, bool(u.pas)) for u in d.basic_units] == [
        ("Unit A", True, True), ("Unit C", False, False), ("Unit B", True, True)]
    assert [(u.name, u.people, u.pas) for u in d.support_functions] == [("QA Group", 3, ("CM", "PPQA"))]
    assert {"name": "customer", "relevant": "not relevant", "justification": "one internal customer"} in d.factors
    assert d.excluded == [{"pa": "SAM", "name": "Supplier Agreement Management", "scope": "not applicable",
                           "reason": "no suppliers"}]
    assert "SAM" not in [p["pa"] for p in d.in_scope] and "SAM" not in [r["pa"] for r in d.ratings]
    assert d.maturity["verdict"] == "Not Rated" and d.team[0]["name"] == "Lee Chen"
    assert "SCAMPI A method, version 1.3" in d.affirmations["lead_appraiser"]
    page = render_html(d)
    assert "VP &lt;Operations&gt;" in page and "VP <Operations>" not in page     # autoescaped
    for text in ("Affirmations", "Signature", "location: Lyon", "no suppliers", "process monitoring", "2031-02-28"):
        assert text in page


@pytest.mark.parametrize("kind", ["SCAMPI B", "SCAMPI C", "Self-appraisal"])
def test_no_ratings_no_statement(appraisal, tmp_path, kind: str) -> None:
    appraisal.set_type(kind)
    out = tmp_path / "ads.pdf"
    with pytest.raises(NoDisclosure, match="no Appraisal Disclosure Statement.*not ratings"):
        write_disclosure(appraisal, out)
    assert not out.exists() and not list(tmp_path.glob("*ads*"))


def test_pdf_of_the_demo(demo_file, tmp_path, capsys) -> None:
    out = tmp_path / "ads.pdf"
    assert main(["disclosure", str(demo_file), "-o", str(out), "--usage", "internal process improvement",
                 "--date", "2026-11-13", "--paper", "letter"]) == 0
    assert "written to" in capsys.readouterr().out
    text = " ".join(subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    for expected in ("Appraisal Disclosure Statement", "Northwind IT Services (managed IT services division)",
                     "SCAMPI A, version 1.3", "internal process improvement", "CMMI for Services (version 1.3)",
                     "2026-11-02 to 2026-11-13", "2029-11-13", "Head of IT Services", "Dana Whitfield",
                     "Quality and Configuration Office", "Maturity level 2: Not Achieved", "WMC Unsatisfied",
                     "Lucia Ortega", "I affirm that this appraisal was conducted", "Signature", "appraisal sponsor"):
        assert expected in text, expected
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert "letter" in info and int(info.split("Pages:")[1].split()[0]) <= 4
    again = tmp_path / "again.pdf"
    assert main(["disclosure", str(demo_file), "-o", str(again), "--usage", "internal process improvement",
                 "--date", "2026-11-13", "--paper", "letter"]) == 0
    assert again.read_bytes() == out.read_bytes()           # the same statement, the same bytes


@pytest.mark.parametrize("args, message", [
    (["-o", "{tmp}/ads.txt"], "name it *.pdf or *.html"),
    (["-o", "{tmp}"], "is a folder; give the disclosure statement's file name"),
    (["-o", "{tmp}/ads.html", "--usage", "marketing"], "usage mode 'marketing': give one of"),
    (["-o", "{tmp}/ads.html", "--date", "13/11/2026"], "give it as YYYY-MM-DD"),
])
def test_bad_input_is_one_line(demo_file, tmp_path, capsys, args: list[str], message: str) -> None:
    before = sorted(tmp_path.iterdir())
    assert main(["disclosure", str(demo_file), *[a.format(tmp=tmp_path) for a in args]]) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert sorted(tmp_path.iterdir()) == before


def test_valid_until() -> None:
    assert valid_until("2026-11-13", 3) == "2029-11-13" and valid_until("", 3) == ""
