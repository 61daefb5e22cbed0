"""Fitting text to slide boxes: measuring, wrapping, splitting into pages, titles that fit or are cut."""

from __future__ import annotations

import pytest

from cmmikit.outputs.deck_fit import Measure, Para, clean, fit_size, height_of, line_height, lines_of, lines_that_fit, paginate

WIDTH, HEIGHT = 400.0, 200.0   # points


@pytest.fixture(scope="module")
def measure():
    return Measure("Arial")


def total_height(page, measure):
    return sum(height_of(p, len(lines_of(p, WIDTH, measure)), n == 0) for n, p in enumerate(page))


def test_clean_drops_control_characters_and_normalises_line_ends():
    assert clean("a\x07b\x00c\r\nd\re\t ") == "abc\nd\ne"
    assert clean(None) == "" and clean(12) == "12"


def test_wrap_keeps_lines_within_the_width(measure):
    text = "word " * 200
    lines = measure.wrap(text, 16, WIDTH)
    assert len(lines) > 5
    assert all(measure.width(line, 16) <= WIDTH for line in lines)
    assert " ".join(lines).split() == text.split()


def test_a_word_wider_than_the_line_is_broken(measure):
    url = "https://intranet.example/" + "x" * 300
    lines = measure.wrap(url, 16, WIDTH)
    assert len(lines) > 1 and "".join(lines) == url
    assert all(measure.width(line, 16) <= WIDTH for line in lines)


def test_bold_and_larger_text_take_more_room(measure):
    text = "Configuration Management " * 10
    assert len(measure.wrap(text, 24, WIDTH)) > len(measure.wrap(text, 12, WIDTH))
    assert measure.width(text, 16, bold=True) > measure.width(text, 16)


def test_an_unknown_font_is_measured_with_a_wider_face():
    assert Measure(None).width("Measurement and Analysis", 16) > Measure("Arial").width("Measurement and Analysis", 16)


def test_lines_that_fit():
    assert lines_that_fit(line_height(16) * 3, 16) == 3
    assert lines_that_fit(line_height(16) * 3 - 1, 16) == 2


def test_pages_never_hold_more_than_fits_and_lose_no_text(measure):
    paras = [Para(f"Finding {n}: " + "the practice is done informally " * (n % 7 + 1), bullet="•", indent=1,
                  space_before=6) for n in range(40)]
    pages = paginate(paras, WIDTH, HEIGHT, measure)
    assert len(pages) > 3
    assert all(total_height(page, measure) <= HEIGHT + 1e-6 for page in pages)
    assert " ".join(p.text for page in pages for p in page).split() == " ".join(p.text for p in paras).split()


def test_short_paragraphs_move_whole_and_long_ones_split_with_two_lines_each_side(measure):
    filler = Para("x " * 10, size=16)
    almost_full = [filler] * (lines_that_fit(HEIGHT, 16) - 2)
    words = 1
    while len(lines_of(Para("word " * words, size=16), WIDTH, measure)) < 3:
        words += 1
    short = Para("word " * words, size=16)   # three lines
    pages = paginate([*almost_full, short], WIDTH, HEIGHT, measure)
    assert pages[1] == [short]
    long = Para("many lines " * 120, size=16, bullet="•", indent=1)
    pages = paginate([*almost_full, long], WIDTH, HEIGHT, measure)
    assert len(pages) >= 2 and pages[0][-1].bullet == "•" and pages[1][0].bullet is None
    assert all(len(lines_of(page[-1 if n == 0 else 0], WIDTH, measure)) >= 2 for n, page in enumerate(pages[:2]))


def test_a_heading_never_ends_a_page(measure):
    filler = Para("x " * 10, size=16)
    heading = Para("Strengths (3)", 18, bold=True, keep_with_next=True)
    room = lines_that_fit(HEIGHT, 16) - 1
    pages = paginate([*[filler] * room, heading, Para("a strength", 16)], WIDTH, HEIGHT, measure)
    assert pages[0][-1] == filler
    assert pages[1][0].text == "Strengths (3)"


def test_a_continued_page_repeats_the_headings_of_its_first_paragraph(measure):
    heading = Para("Weaknesses (continued)", 18, bold=True)
    items = [Para(f"SP 1.{n}: " + "weak " * 30, 16, indent=1, bullet="•", context=(heading,)) for n in range(12)]
    pages = paginate([Para("Weaknesses (12)", 18, bold=True, keep_with_next=True), *items], WIDTH, HEIGHT, measure)
    assert len(pages) > 1
    assert all(page[0].text == "Weaknesses (continued)" for page in pages[1:])
    assert all(total_height(page, measure) <= HEIGHT + 1e-6 for page in pages)


def test_a_shorter_first_page(measure):
    paras = [Para("line of text", 16)] * 30
    pages = paginate(paras, WIDTH, HEIGHT, measure, first_height=line_height(16) * 2)
    assert len(pages[0]) == 2
    pages = paginate(paras, WIDTH, HEIGHT, measure, first_height=5)
    assert pages[0] == [] and len(pages[1]) == lines_that_fit(HEIGHT, 16)


def test_a_box_too_small_for_one_line_is_an_error(measure):
    with pytest.raises(ValueError, match="does not fit"):
        paginate([Para("text", 40)], WIDTH, 20, measure)


def test_fit_size_picks_the_largest_size_that_fits_or_cuts_with_an_ellipsis(measure):
    size, lines = fit_size("Work Planning", WIDTH, 60, measure, (40, 32, 24))
    assert size == 40 and lines == ["Work Planning"]
    long = "Northwind IT Services managed IT services division appraisal " * 2
    size, lines = fit_size(long, WIDTH, 60, measure, (40, 32, 24))
    assert size == 24 and len(lines) == 2
    size, lines = fit_size(long * 5, WIDTH, 60, measure, (40, 32, 24))
    assert size == 24 and len(lines) == lines_that_fit(60, 24) and lines[-1].endswith("…")
    assert all(measure.width(line, 24) <= WIDTH for line in lines)
