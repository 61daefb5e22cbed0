"""The slide canvas: templates, layouts by name with a fallback, the body area, text and tables that fit."""

from __future__ import annotations

import pytest
from pptx import Presentation
from pptx.util import Emu

from cmmikit.outputs.deck_fit import Para
from cmmikit.outputs.deck_pptx import (CONTENT, SECTION, TITLE_ONLY, TITLE_SLIDE, WIDE, Box, Canvas, Cell, DeckError, Table,
                               choose_layout, open_template)


def template_with(tmp_path, names: list[str], rename: dict[str, str] | None = None):
    """python-pptx's template keeping only the layouts ``names``, in that order, some renamed."""
    prs = Presentation()
    layouts = prs.slide_master.slide_layouts
    ids = layouts._sldLayoutIdLst
    by_name = {layout.name: (layout, item) for layout, item in zip(layouts, list(ids))}
    for layout, item in by_name.values():
        ids.remove(item)
    for name in names:
        layout, item = by_name[name]
        ids.append(item)
        layout.name = (rename or {}).get(name, name)
    path = tmp_path / "corp.pptx"
    prs.save(path)
    return Presentation(path)


def test_the_default_deck_is_16_9_with_widened_layouts():
    prs = open_template(None)
    assert (prs.slide_width, prs.slide_height) == WIDE
    body = next(ph for ph in prs.slide_layouts.get_by_name(CONTENT).placeholders if ph.placeholder_format.idx == 1)
    assert body.left + body.width <= prs.slide_width and body.width > prs.slide_width * 0.8


def test_layouts_are_found_by_name_whatever_their_position(tmp_path):
    prs = template_with(tmp_path, ["Blank", "Title Only", "Section Header", "Title and Content", "Title Slide"])
    for name in (TITLE_SLIDE, CONTENT, SECTION, TITLE_ONLY):
        assert choose_layout(prs, name).name == name


def test_names_match_ignoring_case_and_spacing_and_common_aliases(tmp_path):
    prs = template_with(tmp_path, ["Blank", "Title and Content", "Title Slide"],
                        rename={"Title and Content": "TITLE  and body", "Title Slide": "title slide"})
    assert choose_layout(prs, TITLE_SLIDE).name == "title slide"
    assert choose_layout(prs, CONTENT).name == "TITLE  and body"
    assert choose_layout(prs, TITLE_ONLY).name == "TITLE  and body"   # the closest: a title and a body to drop


def test_without_a_name_match_the_layout_with_the_right_placeholders_wins(tmp_path):
    prs = template_with(tmp_path, ["Blank", "Two Content", "Title Slide"],
                        rename={"Two Content": "Corporate A", "Title Slide": "Corporate Cover"})
    assert choose_layout(prs, TITLE_SLIDE).name == "Corporate Cover"     # centre title and subtitle
    assert choose_layout(prs, CONTENT).name == "Corporate A"             # a title and a body
    assert choose_layout(prs, TITLE_ONLY).name == "Corporate A"          # has a title, unlike Blank


def test_a_template_keeps_its_size_and_loses_its_sample_slides(tmp_path):
    prs = Presentation()
    prs.slides.add_slide(prs.slide_layouts[0]).shapes.title.text = "Sample"
    prs.save(tmp_path / "corp.pptx")
    opened = open_template(tmp_path / "corp.pptx")
    assert len(opened.slides) == 0 and opened.slide_width == prs.slide_width


@pytest.mark.parametrize("content, message", [(None, "template not found"), (b"not a zip", "not a PowerPoint"),
                                              (b"PK\x03\x04broken", "not a PowerPoint")])
def test_unusable_templates_are_one_clear_error(tmp_path, content, message):
    path = tmp_path / "corp.pptx"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DeckError, match=message):
        open_template(path)


def test_a_workbook_is_not_a_template(tmp_path):
    from openpyxl import Workbook

    Workbook().save(tmp_path / "book.xlsx")
    with pytest.raises(DeckError, match=r"book\.xlsx: "):
        open_template(tmp_path / "book.xlsx")


def test_the_body_area_stays_clear_of_the_title_and_the_footer():
    canvas = Canvas()
    layout = canvas.layouts[CONTENT]
    title = next(ph for ph in layout.placeholders if ph.placeholder_format.type.name == "TITLE")
    footer = next(ph for ph in layout.placeholders if ph.placeholder_format.type.name == "FOOTER")
    assert canvas.body.top >= title.top + title.height
    assert canvas.body.bottom < footer.top


def test_slides_get_a_fitted_title_a_footer_and_a_slide_number():
    canvas = Canvas(footer="Final findings · Test")
    slide = canvas.slide(TITLE_ONLY, "A title " * 30)
    title = slide.shapes.title.text_frame
    assert title.text.endswith("…")
    kinds = {ph.placeholder_format.type.name: ph.text_frame.text for ph in slide.placeholders}
    assert kinds["FOOTER"] == "Final findings · Test" and kinds["SLIDE_NUMBER"] == "1"
    number = next(ph for ph in slide.placeholders if ph.placeholder_format.type.name == "SLIDE_NUMBER")
    assert number.element.xpath(".//a:fld/@type") == ["slidenum"]   # renderers keep it current


def test_text_boxes_shrink_to_their_text_and_refuse_more_than_fits():
    canvas = Canvas()
    slide = canvas.slide(TITLE_ONLY, "Boxes")
    shape = canvas.text_box(slide, canvas.body, [Para("one line", 16)])
    assert Emu(shape.height).pt == pytest.approx(16 * 1.2 + 2 * 7.2, abs=0.1)
    paragraph = shape.text_frame.paragraphs[0]
    assert paragraph.line_spacing.pt == pytest.approx(19.2) and paragraph.runs[0].font.size.pt == 16
    with pytest.raises(ValueError, match="box is"):
        canvas.text_box(slide, canvas.body.take(30), [Para("two lines", 16)] * 2)


def test_tables_split_into_pages_that_fit_with_the_header_each_time():
    canvas = Canvas()
    rows = [[Cell(f"Unit {n}"), Cell("a long description of the unit " * (n % 4 + 1))] for n in range(60)]
    table = Table([Cell("Name"), Cell("Description")], rows, (1, 3))
    height = canvas.body.height / 12700
    pages = canvas.table_pages(table, canvas.body.width, height)
    assert len(pages) > 2 and sorted(i for page in pages for i in page) == list(range(60))
    for page in pages:
        assert table.heights[0] + sum(table.heights[i + 1] for i in page) <= height
    slide = canvas.slide(TITLE_ONLY, "Table")
    used = canvas.place_table(slide, canvas.body, table, pages[0])
    grid = next(s for s in slide.shapes if s.has_table).table
    assert grid.cell(0, 0).text == "Name" and len(grid.rows) == len(pages[0]) + 1
    assert used <= height


def test_columns_widen_so_no_word_is_broken():
    canvas = Canvas()
    table = Table([Cell("Term"), Cell("Definition")], [[Cell("Recommendation", bold=True), Cell("text " * 40)]],
                  (0.3, 5.0))
    widths = canvas.column_widths(table, canvas.body.width)
    assert sum(widths) == canvas.body.width
    assert Emu(widths[0]).pt - 2 * 7.2 >= canvas.measure.width("Recommendation", 14, bold=True)


def test_box_geometry():
    box = Box(0, 0, 12700 * 100, 12700 * 100)
    assert box.below(40, 10) == Box(0, 12700 * 50, 12700 * 100, 12700 * 50)
    assert box.take(30).height == 12700 * 30 and box.inner_width == pytest.approx(100 - 14.4)
