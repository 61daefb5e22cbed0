"""The final findings deck: structure, current findings, text that fits, templates by layout name, LibreOffice."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.util import Emu

from cmmikit import palette
from cmmikit.method import findings
from cmmikit.cli import main
from cmmikit.outputs.deck import build_findings_deck, write_findings_deck
from cmmikit.method.rating import rate
from cmmikit.store import Appraisal

DAY = date(2026, 11, 13)
HOSTILE_SPONSOR = "=cmd|' /C calc'!A0"
HOSTILE_WEAKNESS = "<script>alert('x')</script> & =SUM(A1:A9) logged in {braces}"
NEW_WEAKNESS = "Fresh observation: the change board minutes for October are missing"
LONG_STATEMENT = " ".join(f"Sentence {n} of a very long hand-written finding that runs on." for n in range(60))
FOOTER_KINDS = {"FOOTER", "SLIDE_NUMBER", "DATE"}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def prepare(path: Path) -> None:
    """Edge cases on top of the demo: hostile text, an unsynced weakness, a not-applicable PA, a long finding."""
    with Appraisal.open(path) as a:
        a.update_info(sponsor=HOSTILE_SPONSOR)
        a.update_record("REQM", "SP 1.1", "Service Desk", characterization="LI", weaknesses=HOSTILE_WEAKNESS + "\x07")
        a.update_record("CM", "SP 2.2", "Service Desk", characterization="LI", weaknesses=NEW_WEAKNESS)
        a.set_scope("SAM", "not_applicable", "No supplier agreements in the organizational unit")
        a.add_finding("weakness", "WMC", "SG 2", LONG_STATEMENT)


@pytest.fixture(scope="module")
def deck(demo_file, tmp_path_factory):
    """The deck of a prepared demo copy, the copy's hash before and after, and what it should show."""
    folder = tmp_path_factory.mktemp("deck")
    source = folder / "demo.cmmi"
    shutil.copy(demo_file, source)
    prepare(source)
    expected = folder / "expected.cmmi"          # the findings the deck should show: synced on a copy
    shutil.copy(source, expected)
    with Appraisal.open(expected) as a:
        findings.sync_findings(a)
        ratings = rate(a)
        frame = findings.findings_frame(a, ratings)
        actions = findings.actions_frame(a, today=DAY)
        model, assessors, info = a.model, a.assessors(), a.info()
    before = sha(source)
    with Appraisal.open(source) as a:
        stored = [f.statement for f in a.findings()]
        written = build_findings_deck(a, folder / "final-findings.pptx", report_date=DAY)
        stored_after = [f.statement for f in a.findings()]
    return {"path": written.path, "slides": written.slides, "prs": Presentation(written.path), "ratings": ratings,
            "findings": frame, "actions": actions, "model": model, "assessors": assessors, "info": info,
            "before": before, "after": sha(source), "stored": stored, "stored_after": stored_after,
            "folder": folder}


def titles(prs) -> list[str]:
    return [slide.shapes.title.text if slide.shapes.title is not None else "" for slide in prs.slides]


def slide_text(slide) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts.extend(cell.text for row in shape.table.rows for cell in row.cells)
    return "\n".join(parts)


def normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def first_index(prs, prefix: str) -> int:
    return next(n for n, t in enumerate(titles(prs)) if t.startswith(prefix))


# ------------------------------------------------------------------ structure and content


def test_the_appraisal_is_not_written_and_the_slide_count_is_returned(deck):
    assert deck["after"] == deck["before"]
    assert deck["stored_after"] == deck["stored"]
    assert NEW_WEAKNESS not in "".join(deck["stored"])   # only synced on the snapshot copy
    assert deck["slides"] == len(deck["prs"].slides)


def test_sections_come_in_the_order_of_a_final_findings_presentation(deck):
    prs, info = deck["prs"], deck["info"]
    first = prs.slides[0]
    assert first.slide_layout.name == "Title Slide"
    assert first.shapes.title.text == info.name
    assert "Final findings" in slide_text(first) and "2026-11-13" in slide_text(first)
    order = [first_index(prs, t) for t in ("Appraisal overview", "Appraisal team", "Scope: model",
                                           "Scope: organizational unit", "Findings definitions", "Rating scale",
                                           "CM Configuration Management", "WP Work Planning", "Ratings summary",
                                           "Maturity level verdict", "Next steps", "Appraisal team sign-off")]
    assert order == sorted(order)
    assert titles(prs)[-1] == "Appraisal team sign-off"


def test_overview_team_and_scope(deck):
    prs, info, model = deck["prs"], deck["info"], deck["model"]
    overview = slide_text(prs.slides[first_index(prs, "Appraisal overview")])
    for value in (info.org_unit, HOSTILE_SPONSOR, info.lead_appraiser, info.start_date, info.end_date,
                  info.appraisal_type, model.id, model.version, model.name):
        assert value in overview
    team = prs.slides[first_index(prs, "Appraisal team")]
    rows = [[c.text for c in row.cells] for shape in team.shapes if shape.has_table for row in shape.table.rows]
    for member in deck["assessors"]:
        assert [member.name, member.role, ", ".join(member.pas)] in rows
    scope = slide_text(prs.slides[first_index(prs, "Scope: model")])
    assert "Not applicable" in scope and "No supplier agreements in the organizational unit" in scope
    units = slide_text(prs.slides[first_index(prs, "Scope: organizational unit")])
    for name in ("Service Desk", "Data Centre Operations", "Cloud Migration Services",
                 "Quality and Configuration Office", "Operations", "Projects"):
        assert name in units
    assert "performs CM, PPQA" in units


def test_findings_definitions(deck):
    prs = deck["prs"]
    text = slide_text(prs.slides[first_index(prs, "Findings definitions")])
    assert "Strength" in text and "exemplary or noteworthy implementation" in text
    assert "Weakness" in text and "ineffective, or lack of, implementation" in text
    assert "not part of the rating" in text


def pa_slides(prs, pa) -> list:
    return [s for s, t in zip(prs.slides, titles(prs)) if t == f"{pa.id} {pa.name}" or
            t.startswith(f"{pa.id} {pa.name} (")]


def test_a_part_per_process_area_with_its_ratings_and_every_open_finding(deck):
    prs, ratings, frame = deck["prs"], deck["ratings"], deck["findings"]
    for pa in deck["model"].process_areas.values():
        slides = pa_slides(prs, pa)
        assert slides, pa.id
        if len(slides) > 1:   # continuations are numbered 1 of n .. n of n
            assert [s.shapes.title.text for s in slides] == [f"{pa.id} {pa.name} ({n} of {len(slides)})"
                                                            for n in range(1, len(slides) + 1)]
        rating = ratings.pas.set_index("pa").loc[pa.id, "rating"]
        assert all(f"PA rating: {rating}" in slide_text(s) for s in slides)
        goal_rows = {cells[0]: cells[2] for shape in slides[0].shapes if shape.has_table
                     for cells in ([c.text for c in row.cells] for row in shape.table.rows)}
        for goal in ratings.goals[ratings.goals["pa"] == pa.id].itertuples():
            assert goal_rows[goal.goal] == goal.rating
        text = normal(" ".join(slide_text(s) for s in slides))
        for f in frame[frame["pa"] == pa.id].itertuples():
            first_line = normal(f.statement.replace("\x07", "").splitlines()[0])
            assert first_line[:60] in text, (pa.id, f.id)
    sam = slide_text(pa_slides(prs, deck["model"].pa("SAM"))[0])
    assert "PA rating: Not Applicable" in sam and "No supplier agreements" in sam


def test_findings_reflect_the_current_weaknesses(deck):
    prs, model = deck["prs"], deck["model"]
    cm = normal(" ".join(slide_text(s) for s in pa_slides(prs, model.pa("CM"))))
    assert NEW_WEAKNESS in cm
    long_slides = pa_slides(prs, model.pa("WMC"))
    assert len(long_slides) > 1 and "Sentence 59 of a very long" in " ".join(slide_text(s) for s in long_slides)


def test_hostile_text_stays_literal(deck):
    prs = deck["prs"]
    everything = "\n".join(slide_text(s) for s in prs.slides)
    assert HOSTILE_SPONSOR in everything
    assert HOSTILE_WEAKNESS in normal(everything)
    assert "\x07" not in everything


def test_ratings_summary_is_a_labelled_colour_grid(deck):
    prs, ratings = deck["prs"], deck["ratings"]
    slide = prs.slides[first_index(prs, "Ratings summary")]
    table = next(s.table for s in slide.shapes if s.has_table)
    header = [c.text for c in table.rows[0].cells]
    assert header[:2] == ["PA", "Process area"] and header[-2:] == ["PA rating", "Capability"]
    by_cell = {(g.pa, g.goal): g.rating for g in ratings.goals.itertuples()}
    seen = 0
    for row in list(table.rows)[1:]:
        cells = list(row.cells)
        pa = cells[0].text
        for goal, cell in zip(header[2:-2], cells[2:-2]):
            rating = by_cell.get((pa, goal))
            if rating is None:
                assert cell.text == "–"
                continue
            assert cell.text == palette.RATING_SHORT[rating]
            assert str(cell.fill.fore_color.rgb) == palette.RATING[rating].lstrip("#")
            seen += 1
        assert cells[-2].text == ratings.pas.set_index("pa").loc[pa, "rating"]
    assert seen == len(ratings.goals)
    assert "Legend: S = Satisfied" in slide_text(slide)


def test_verdict_and_next_steps_marked_as_recommendations(deck):
    prs, ratings, actions = deck["prs"], deck["ratings"], deck["actions"]
    verdict = slide_text(prs.slides[first_index(prs, "Maturity level verdict")])
    assert ratings.maturity.headline in verdict
    for reason in ratings.maturity.reasons:
        pa = reason.split()[0]
        assert f"{pa} {deck['model'].pa(pa).name}: Unsatisfied" in verdict
    steps = [s for s, t in zip(prs.slides, titles(prs)) if t.startswith("Next steps (recommendations)")]
    text = " ".join(slide_text(s) for s in steps)
    assert "Recommendations: not part of the appraisal ratings" in text
    for action in actions.itertuples():
        if action.status in ("done", "cancelled"):
            assert action.description not in text
        else:
            assert action.description in text
    assert "in progress" in text and "in_progress" not in text


def test_sign_off_has_a_line_per_team_member(deck):
    prs = deck["prs"]
    slide = prs.slides[first_index(prs, "Appraisal team sign-off")]
    table = next(s.table for s in slide.shapes if s.has_table)
    assert [c.text for c in table.rows[0].cells] == ["Name", "Role", "Signature", "Date"]
    names = [row.cells[0].text for row in list(table.rows)[1:]]
    assert sorted(names) == sorted(m.name for m in deck["assessors"])
    assert all(Emu(row.height).pt >= 40 for row in list(table.rows)[1:])
    assert all(row.cells[2].text == "" for row in list(table.rows)[1:])


# ------------------------------------------------------------------ nothing overflows, nothing is shrunk


def font_file(name: str | None, bold: bool) -> str:
    """The font file LibreOffice uses for a run: Arial is drawn with Liberation Sans, the rest here with DejaVu."""
    from matplotlib import font_manager

    family = "Liberation Sans" if name == "Arial" else "DejaVu Sans"
    return font_manager.findfont(font_manager.FontProperties(family=family, weight="bold" if bold else "normal"),
                                 fallback_to_default=False)


def count_lines(text: str, name: str | None, bold: bool, size: float, width: float) -> int:
    """Greedy word wrap with the real font (no safety margin): how many lines ``text`` takes at ``width`` points."""
    from PIL import ImageFont

    font = ImageFont.truetype(font_file(name, bold), 1000)
    measure = lambda t: font.getlength(t) / 1000 * size  # noqa: E731
    lines, current = 0, ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if measure(candidate) <= width:
            current = candidate
            continue
        lines += 1 if current else 0
        while measure(word) > width:   # a word wider than the line breaks anywhere
            cut = max(n for n in range(1, len(word) + 1) if measure(word[:n]) <= width or n == 1)
            lines, word = lines + 1, word[cut:]
        current = word
    return lines + 1


def paragraph_height(paragraph, width: float, first: bool) -> tuple[float, float]:
    """(height in points, font size) of a paragraph set in a box ``width`` points wide (insets taken off)."""
    sizes = paragraph._p.xpath(".//a:rPr/@sz")
    assert sizes, f"paragraph without an explicit size: {paragraph.text!r}"
    size = int(sizes[0]) / 100
    assert paragraph.line_spacing is not None and hasattr(paragraph.line_spacing, "pt"), "exact line spacing expected"
    bold = paragraph._p.xpath(".//a:rPr/@b") == ["1"]
    names = paragraph._p.xpath(".//a:rPr/a:latin/@typeface")
    margin = int(paragraph._p.get_or_add_pPr().get("marL", "0")) / 12700
    n = count_lines(paragraph.text, names[0] if names else None, bold, size, width - margin)
    before = 0.0 if first or paragraph.space_before is None else paragraph.space_before.pt
    return before + n * paragraph.line_spacing.pt, size


def check_frame(frame, width_emu: int, height_emu: int, where: str, min_size: float) -> None:
    width = Emu(width_emu).pt - frame.margin_left.pt - frame.margin_right.pt
    room = Emu(height_emu).pt - frame.margin_top.pt - frame.margin_bottom.pt
    used = 0.0
    for n, paragraph in enumerate(frame.paragraphs):
        if not paragraph.text:
            continue
        height, size = paragraph_height(paragraph, width, n == 0)
        assert size >= min_size, f"{where}: {size} pt text is too small: {paragraph.text[:40]!r}"
        used += height
    assert used <= room + 0.5, f"{where}: text needs {used:.0f} pt, the box holds {room:.0f} pt: {frame.text[:60]!r}"


def check_deck_fits(prs) -> int:
    """Every shape inside the slide; no text box or table row holds more lines than fit; returns boxes checked."""
    checked = 0
    for number, slide in enumerate(prs.slides, 1):
        for shape in slide.shapes:
            where = f"slide {number} ({slide.shapes.title.text if slide.shapes.title else ''}) {shape.name}"
            assert shape.left >= 0 and shape.top >= 0, where
            assert shape.left + shape.width <= prs.slide_width and shape.top + shape.height <= prs.slide_height, where
            footer = shape.is_placeholder and shape.placeholder_format.type.name in FOOTER_KINDS
            if shape.has_text_frame and shape.text_frame.text.strip():
                check_frame(shape.text_frame, shape.width, shape.height, where, 9 if footer else 14)
                checked += 1
            if shape.has_table:
                table = shape.table
                for r, row in enumerate(table.rows):
                    for column, cell in zip(table.columns, row.cells):
                        if cell.text:
                            cell_frame = cell.text_frame
                            width = Emu(column.width).pt - cell.margin_left.pt - cell.margin_right.pt
                            used = sum(paragraph_height(p, width, True)[0] for p in cell_frame.paragraphs if p.text)
                            room = Emu(row.height).pt - cell.margin_top.pt - cell.margin_bottom.pt
                            assert used <= room + 0.5, f"{where} row {r}: {cell.text[:40]!r}"
                            checked += 1
                assert shape.top + sum(row.height for row in table.rows) <= prs.slide_height, where
    return checked


def test_no_text_box_holds_more_lines_than_fit(deck):
    assert check_deck_fits(deck["prs"]) > 500


def test_a_box_that_overflows_is_caught_by_the_check(deck, tmp_path):
    prs = Presentation(deck["path"])
    slide = prs.slides[first_index(prs, "Scope: organizational unit")]
    body = next(s for s in slide.shapes if s.has_text_frame and "Sampled basic units" in s.text_frame.text)
    body.text_frame.paragraphs[-1].runs[0].text = LONG_STATEMENT
    with pytest.raises(AssertionError, match="text needs"):
        check_deck_fits(prs)


# ------------------------------------------------------------------ templates


def reordered_template(path: Path, *, drop: tuple[str, ...] = ()) -> Path:
    """python-pptx's own template with its layouts in reverse order, a sample slide, some layouts removed."""
    prs = Presentation()
    layouts = prs.slide_master.slide_layouts
    ids = layouts._sldLayoutIdLst
    items = list(ids)
    for item in items:
        ids.remove(item)
    for item in reversed(items):
        ids.append(item)
    for name in drop:
        layouts.remove(layouts.get_by_name(name))
    slide = prs.slides.add_slide(layouts.get_by_name("Title and Content") or layouts[0])
    slide.shapes.title.text = "Sample slide of the template"
    prs.save(path)
    return path


def test_template_layouts_are_chosen_by_name_not_position(demo, tmp_path):
    template = reordered_template(tmp_path / "corp.pptx")
    assert Presentation(template).slide_layouts[0].name != "Title Slide"
    out = write_findings_deck(demo, tmp_path / "deck.pptx", template=template, report_date=DAY)
    prs = Presentation(out)
    assert (prs.slide_width, prs.slide_height) == (Presentation(template).slide_width,
                                                   Presentation(template).slide_height)
    layouts = {t: s.slide_layout.name for s, t in zip(prs.slides, titles(prs))}
    assert prs.slides[0].slide_layout.name == "Title Slide"
    assert layouts["Findings by process area"] == "Section Header"
    assert layouts["Scope: organizational unit"] == "Title and Content"
    assert layouts["Appraisal overview"] == "Title Only"
    assert "Sample slide of the template" not in titles(prs)
    check_deck_fits(prs)


def test_a_template_without_a_layout_gets_the_closest(demo, tmp_path):
    template = reordered_template(tmp_path / "corp.pptx", drop=("Title Only", "Section Header"))
    out = write_findings_deck(demo, tmp_path / "deck.pptx", template=template, report_date=DAY)
    prs = Presentation(out)
    used = {s.slide_layout.name for s in prs.slides}
    assert "Title Only" not in used and "Section Header" not in used
    assert prs.slides[first_index(prs, "Appraisal overview")].slide_layout.name == "Title and Content"
    for slide in prs.slides:   # no empty placeholder left to show "Click to add text"
        assert all(ph.has_text_frame and ph.text_frame.text.strip() for ph in slide.placeholders)
    check_deck_fits(prs)


# ------------------------------------------------------------------ other appraisals, errors, CLI


def test_readiness_verdict_for_a_self_appraisal(demo, tmp_path):
    demo.update_info(appraisal_type="Self-appraisal")   # SCAMPI B and C give no verdict at all (test_deck_risk.py)
    prs = Presentation(write_findings_deck(demo, tmp_path / "deck.pptx", report_date=DAY))
    verdict = slide_text(prs.slides[first_index(prs, "Maturity level readiness")])
    assert "Maturity level 2 readiness: Not Ready" in verdict
    assert "does not award a maturity level" in verdict
    assert "Maturity level verdict" not in titles(prs)


def test_an_empty_appraisal_gives_a_complete_deck(appraisal, tmp_path):
    prs = Presentation(write_findings_deck(appraisal, tmp_path / "deck.pptx", report_date=DAY))
    text = "\n".join(slide_text(s) for s in prs.slides)
    assert "No weaknesses recorded." in text and "No open improvement actions are planned yet." in text
    assert "Maturity level 2: Not Rated" in text
    assert titles(prs)[-1] == "Appraisal team sign-off"
    check_deck_fits(prs)


@pytest.mark.parametrize("output, template, day, message", [
    ("deck.ppt", None, None, r"deck\.ppt: .*name it \*\.pptx"),
    ("deck.pptx", "missing.pptx", None, r"missing\.pptx: template not found"),
    ("deck.pptx", "not-a-deck.pptx", None, r"not-a-deck\.pptx: not a PowerPoint template"),
    ("deck.pptx", None, "2026-02-30", r"not a calendar date"),
])
def test_bad_input_is_one_clear_error_and_the_target_is_untouched(demo, tmp_path, output, template, day, message):
    (tmp_path / "not-a-deck.pptx").write_text("plain text")
    target = tmp_path / output
    target.write_bytes(b"old deck")
    with pytest.raises(Exception, match=message) as caught:
        write_findings_deck(demo, target, template=tmp_path / template if template else None, report_date=day)
    from cmmikit.errors import CmmikitError
    assert isinstance(caught.value, CmmikitError)
    assert target.read_bytes() == b"old deck"


def test_a_failed_save_leaves_the_old_deck(demo, tmp_path, monkeypatch):
    from pptx.presentation import Presentation as Pres

    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "deck.pptx"
    target.write_bytes(b"old deck")
    monkeypatch.setattr(Pres, "save", lambda self, file: (_ for _ in ()).throw(OSError(28, "disk full")))
    with pytest.raises(OSError, match="disk full"):
        write_findings_deck(demo, target, report_date=DAY)
    assert target.read_bytes() == b"old deck"
    assert [p.name for p in target.parent.iterdir()] == ["deck.pptx"]


def test_potx_templates_are_accepted(demo, tmp_path):
    import zipfile

    pptx = reordered_template(tmp_path / "corp.pptx")
    potx = tmp_path / "corp.potx"
    with zipfile.ZipFile(pptx) as zin, zipfile.ZipFile(potx, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"presentationml.presentation.main+xml", b"presentationml.template.main+xml")
            zout.writestr(item, data)
    prs = Presentation(write_findings_deck(demo, tmp_path / "deck.pptx", template=potx, report_date=DAY))
    assert prs.slides[0].slide_layout.name == "Title Slide"


def test_cli_findings_deck(demo_file, tmp_path, capsys):
    out = tmp_path / "final-findings.pptx"
    assert main(["findings-deck", str(demo_file), "-o", str(out), "--date", "2026-11-13"]) == 0
    assert "final findings deck written to" in capsys.readouterr().out
    assert len(Presentation(out).slides) > 20
    assert main(["findings-deck", str(demo_file), "-o", str(tmp_path / "x.pdf")]) == 1
    assert capsys.readouterr().err.count("\n") == 1


# ------------------------------------------------------------------ LibreOffice renders it


def pdf_words(pdf: Path) -> list[tuple[int, float, str]]:
    """(page, bottom y as a share of the page height, word) for every word of the PDF."""
    xhtml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                           text=True).stdout
    words, page, height = [], 0, 1.0
    for line in xhtml.splitlines():
        if m := re.search(r'<page width="([\d.]+)" height="([\d.]+)"', line):
            page, height = page + 1, float(m.group(2))
        elif m := re.search(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="[\d.]+" yMax="([\d.]+)">(.*)</word>', line):
            words.append((page, float(m.group(1)) / height, m.group(2)))
    return words


def test_libreoffice_renders_a_page_per_slide_with_all_text(deck):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice and poppler-utils are not installed; CI installs libreoffice-impress-nogui")
    folder = deck["folder"] / "pdf"
    profile = folder / "profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), str(deck["path"])], check=True, capture_output=True, timeout=300)
    pdf = folder / "final-findings.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == deck["slides"]
    text = normal(subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout)
    assert deck["ratings"].maturity.headline in text
    assert "Recommendations: not part of the appraisal ratings" in text
    for pa in deck["model"].process_areas.values():
        assert f"{pa.id} {pa.name}" in text
    assert "<script>alert('x')</script>" in text.replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'")
    # overflowing text would run below the lowest box, into the footer band at the bottom of the slide
    prs = deck["prs"]
    body_bottom = max(shape.top + shape.height for slide in prs.slides for shape in slide.shapes
                      if not (shape.is_placeholder and shape.placeholder_format.type.name in FOOTER_KINDS))
    limit = body_bottom / prs.slide_height + 0.01
    footer_words = {w for slide in prs.slides for shape in slide.placeholders
                    if shape.placeholder_format.type.name in FOOTER_KINDS for w in shape.text_frame.text.split()}
    strays = [(page, word) for page, bottom, word in pdf_words(pdf)
              if bottom > limit and word not in footer_words and not word.isdigit()]
    assert not strays
