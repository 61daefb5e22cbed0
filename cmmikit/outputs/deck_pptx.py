"""The slide canvas under the findings deck: a template, layouts chosen by name, text boxes and tables that fit.

Layouts are looked up by their documented names (``Title Slide``, ``Title and Content``,
``Section Header``, ``Title Only``), never by position; a template that lacks one gets the
closest layout it has (by alias, then by its placeholders). The template's title, subtitle,
body, footer and slide-number placeholders are used when the chosen layout has them. Every
paragraph is set with an explicit size and exact line spacing, and every box and table row is
sized from the wrapped line count (:mod:`cmmikit.outputs.deck_fit`), so nothing overflows and nothing
is shrunk.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from cmmikit.outputs.deck_fit import INDENT, Measure, Para, clean, fit_size, line_height, lines_of, text_height
from cmmikit.errors import CmmikitError

if TYPE_CHECKING:
    from pptx.presentation import Presentation
    from pptx.slide import Slide, SlideLayout

EMU_PER_PT = 12700
EMU_PER_INCH = 914400
WIDE = (int(13.333 * EMU_PER_INCH), int(7.5 * EMU_PER_INCH))   # 16:9, the default deck size
INSET = 7.2          # points of inner margin on every side of a text box or table cell (0.1 inch)
CELL_INSET = 4.0     # points above and below the text of a table cell
GAP = 9.0            # points between boxes stacked on a slide
DEFAULT_BODY_TOP = 1600200   # EMU: where python-pptx's default template puts the content placeholders
MIN_FOOTER = 24.0    # points of footer band kept free below the body when a layout has no footer

TITLE_SLIDE, CONTENT, SECTION, TITLE_ONLY = "Title Slide", "Title and Content", "Section Header", "Title Only"
LAYOUT_ALIASES = {
    TITLE_SLIDE: ("title slide", "title", "cover", "title page"),
    CONTENT: ("title and content", "title and body", "title, content", "title and text", "content"),
    SECTION: ("section header", "section title", "section heading", "section", "title and body"),
    TITLE_ONLY: ("title only", "title, no content", "title and content", "title and body"),
}
TITLE_TYPES = {"TITLE", "CENTER_TITLE"}
CONTENT_TYPES = {"BODY", "OBJECT"}
FOOTER_TYPES = {"DATE", "FOOTER", "SLIDE_NUMBER"}
PPTX_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
TEMPLATE_MAINS = ("application/vnd.openxmlformats-officedocument.presentationml.template.main+xml",
                  "application/vnd.ms-powerpoint.template.macroEnabled.main+xml")
ARIAL_LIKE = {"arial", "helvetica", "liberation sans", "arimo"}


class DeckError(CmmikitError):
    """The deck cannot be written (bad output name, unusable template)."""


@dataclass(frozen=True)
class Box:
    """A rectangle on a slide, in EMU."""

    left: int
    top: int
    width: int
    height: int

    @property
    def bottom(self) -> int:
        return self.top + self.height

    def below(self, height_pt: float, gap_pt: float = GAP) -> "Box":
        """What is left of this box under ``height_pt`` points taken from its top."""
        used = int((height_pt + gap_pt) * EMU_PER_PT)
        return Box(self.left, self.top + used, self.width, max(0, self.height - used))

    def take(self, height_pt: float) -> "Box":
        """The top ``height_pt`` points of this box."""
        return Box(self.left, self.top, self.width, min(self.height, int(height_pt * EMU_PER_PT)))

    @property
    def inner_width(self) -> float:
        """Width in points inside the text insets."""
        return self.width / EMU_PER_PT - 2 * INSET

    @property
    def inner_height(self) -> float:
        return self.height / EMU_PER_PT - 2 * INSET


@dataclass(frozen=True)
class Cell:
    """One table cell: text (``\\n`` = new paragraph), optional fill and emphasis."""

    text: str
    fill: str | None = None
    bold: bool = False
    colour: str | None = None


@dataclass
class Table:
    """A table to place: header cells, body rows, column width shares, font size."""

    header: list[Cell]
    rows: list[list[Cell]]
    shares: Sequence[float]
    size: float = 14.0
    row_min_pt: float = 0.0            # e.g. room to sign
    heights: list[float] = field(default_factory=list)   # points per row, header first (set when measured)
    widths: list[int] = field(default_factory=list)      # EMU per column (set when measured)


# ------------------------------------------------------------------ templates and layouts


def open_template(template: str | Path | None) -> "Presentation":
    """The template as a presentation with its slides removed; None: python-pptx's default made 16:9."""
    from pptx import Presentation

    if template is None:
        prs = Presentation()
        _widen(prs)
        return prs
    path = Path(template)
    if not path.is_file():
        raise DeckError(f"{path}: template not found")
    try:
        data = path.read_bytes()
        prs = Presentation(io.BytesIO(_as_presentation(data)))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DeckError(f"{path}: not a PowerPoint template (.pptx or .potx): {exc}") from None
    except Exception as exc:  # python-pptx raises several kinds on malformed packages
        raise DeckError(f"{path}: cannot be read as a PowerPoint template: {type(exc).__name__}: {exc}") from None
    _drop_slides(prs)
    return prs


def _as_presentation(data: bytes) -> bytes:
    """A .potx package with the presentation content type python-pptx opens (a .pptx is returned as is)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        types = zin.read("[Content_Types].xml").decode("utf-8")
        if not any(t in types for t in TEMPLATE_MAINS):
            return data
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                body = zin.read(item.filename)
                if item.filename == "[Content_Types].xml":
                    for t in TEMPLATE_MAINS:
                        types = types.replace(t, PPTX_MAIN)
                    body = types.encode("utf-8")
                zout.writestr(item, body)
    return out.getvalue()


def _drop_slides(prs: "Presentation") -> None:
    """Remove a template's sample slides (their layouts stay)."""
    ids = prs.slides._sldIdLst  # python-pptx has no public slide removal
    for sld_id in list(ids):
        prs.part.drop_rel(sld_id.rId)
        ids.remove(sld_id)


def _widen(prs: "Presentation") -> None:
    """Make the default 4:3 template 16:9, stretching its master and layout placeholders to the new width."""
    factor = WIDE[0] / prs.slide_width
    shapes = list(prs.slide_master.shapes) + [s for layout in prs.slide_layouts for s in layout.placeholders]
    boxes = [(s, s.left, s.top, s.width, s.height) for s in shapes]
    title_bottom = int(1.25 * EMU_PER_INCH)   # a shorter title band than the template's 1.25 inch title box
    body_top, body_bottom = int(1.4 * EMU_PER_INCH), int(6.8 * EMU_PER_INCH)
    for shape, left, top, width, height in boxes:
        kind = shape.placeholder_format.type.name if shape.is_placeholder else ""
        if kind == "TITLE" and top < EMU_PER_INCH:
            height = title_bottom - top
        elif kind in CONTENT_TYPES and top == DEFAULT_BODY_TOP:
            top, height = body_top, body_bottom - body_top
        shape.left, shape.top, shape.width, shape.height = int(left * factor), top, int(width * factor), height
    prs.slide_width, prs.slide_height = WIDE


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower())


def _kinds(layout: "SlideLayout") -> list[str]:
    return [ph.placeholder_format.type.name for ph in layout.placeholders]


def choose_layout(prs: "Presentation", wanted: str) -> "SlideLayout":
    """The layout named ``wanted`` (case and spacing ignored), else the closest one: by alias, then by placeholders."""
    layouts = list(prs.slide_layouts)
    if not layouts:
        raise DeckError("the template has no slide layouts")
    aliases = LAYOUT_ALIASES.get(wanted, (_norm(wanted),))

    def score(layout: "SlideLayout") -> tuple[int, int, int]:
        name = _norm(layout.name)
        by_name = 100 - aliases.index(name) if name in aliases else (1 if name == _norm(wanted) else 0)
        kinds = _kinds(layout)
        title, cover = "TITLE" in kinds, "CENTER_TITLE" in kinds   # a cover's centred title suits no content slide
        content = sum(k in CONTENT_TYPES for k in kinds)
        others = sum(k not in TITLE_TYPES | CONTENT_TYPES | FOOTER_TYPES | {"SUBTITLE"} for k in kinds)
        if wanted == TITLE_SLIDE:
            shape = 3 * cover + 2 * ("SUBTITLE" in kinds) + title
        elif wanted in (CONTENT, SECTION):
            shape = 3 * title + cover + 2 * (content >= 1) - max(0, content - 1)
        else:
            shape = 3 * title + cover - content
        return by_name, shape, -others

    return max(layouts, key=score)   # max keeps the first of equals: ties go to the template's own order


def theme_fonts(prs: "Presentation") -> set[str]:
    """The latin typefaces of the template theme (major and minor fonts)."""
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    try:
        blob = prs.slide_master.part.part_related_by(RT.THEME).blob.decode("utf-8", "replace")
    except KeyError:
        return set()
    return set(re.findall(r'<a:(?:major|minor)Font>\s*<a:latin typeface="([^"]*)"', blob))


# ------------------------------------------------------------------ the canvas


class Canvas:
    """A presentation being built: layouts by name, the body area, text and tables that fit."""

    def __init__(self, template: str | Path | None = None, footer: str = ""):
        self.prs = open_template(template)
        fonts = {f.lower() for f in theme_fonts(self.prs)}
        # the default deck is set in Arial; a template keeps its fonts, measured as Arial only if it uses it
        self.font_name = "Arial" if template is None else None
        self.measure = Measure("Arial" if template is None or (fonts and fonts <= ARIAL_LIKE) else None)
        self.footer = footer
        self.layouts = {name: choose_layout(self.prs, name) for name in LAYOUT_ALIASES}
        self.body = self._body_area()
        self._footers: dict[int, dict[str, Any]] = {}

    # -- geometry

    def _body_area(self) -> Box:
        """Where content goes: the body placeholder of the content layout, kept clear of title and footer."""
        layout = self.layouts[CONTENT]
        title = _placeholder(layout, TITLE_TYPES)
        body = _placeholder(layout, CONTENT_TYPES)
        width, height = self.prs.slide_width, self.prs.slide_height
        margin = int(0.5 * EMU_PER_INCH)
        if body is not None:
            box = Box(body.left, body.top, body.width, body.height)
        else:
            top = (title.top + title.height if title is not None else margin) + int(GAP * EMU_PER_PT)
            box = Box(margin, top, width - 2 * margin, height - top - margin)
        footers = [ph.top for ph in layout.placeholders if ph.placeholder_format.type.name in FOOTER_TYPES]
        floor = min(footers) if footers else height - int(MIN_FOOTER * EMU_PER_PT) - margin // 2
        bottom = min(box.bottom, floor - int(GAP * EMU_PER_PT / 2))
        return Box(box.left, box.top, box.width, bottom - box.top)

    # -- slides

    def slide(self, layout_name: str, title: str, *, footer: bool = True,
              title_sizes: Iterable[float] = (32, 28, 24)) -> "Slide":
        """A new slide on the named layout, its title set to fit, footer and slide number added (see finish)."""
        layout = self.layouts[layout_name]
        slide = self.prs.slides.add_slide(layout)
        title_ph = next((ph for ph in slide.placeholders if ph.placeholder_format.type.name in TITLE_TYPES), None)
        if title_ph is not None:
            self.fit_line(title_ph, title, title_sizes, bold=False)
        else:
            box = Box(self.body.left, int(0.3 * EMU_PER_INCH), self.body.width, self.body.top - int(0.4 * EMU_PER_INCH))
            self.fit_line(self.text_shape(slide, box), title, title_sizes, bold=True)
        if footer:
            self._footer(slide, layout)
        return slide

    def placeholder(self, slide: "Slide", kinds: set[str]) -> Any:
        """The slide's first placeholder of one of ``kinds`` (e.g. {"SUBTITLE"}), or None."""
        return next((ph for ph in slide.placeholders if ph.placeholder_format.type.name in kinds), None)

    def finish(self, slide: "Slide") -> None:
        """Remove placeholders left empty (they would show "Click to add text" in the editor)."""
        for ph in list(slide.placeholders):
            if not ph.has_text_frame or not ph.text_frame.text.strip():
                ph.element.getparent().remove(ph.element)

    def _footer(self, slide: "Slide", layout: "SlideLayout") -> None:
        number = str(len(self.prs.slides))
        by_kind = self._footer_placeholders(layout)
        height = self.prs.slide_height
        band = Box(self.body.left, self.body.bottom + int(GAP * EMU_PER_PT / 2), self.body.width,
                   max(int(MIN_FOOTER * EMU_PER_PT), height - self.body.bottom - int(GAP * EMU_PER_PT)))
        band = Box(band.left, band.top, band.width, min(band.height, height - band.top))
        for kind, text, box in (("FOOTER", self.footer, Box(band.left, band.top, band.width * 3 // 4, band.height)),
                                ("SLIDE_NUMBER", number, Box(band.left + band.width * 3 // 4, band.top,
                                                            band.width // 4, band.height))):
            if not text:
                continue
            if kind in by_kind:
                slide.shapes.clone_placeholder(by_kind[kind])
                shape = next(ph for ph in slide.placeholders if ph.placeholder_format.type.name == kind)
            else:
                shape = self.text_shape(slide, box)
            self.fit_line(shape, text, (10, 9), field_kind="slidenum" if kind == "SLIDE_NUMBER" else None,
                          align="right" if kind == "SLIDE_NUMBER" and kind not in by_kind else None)

    def _footer_placeholders(self, layout: "SlideLayout") -> dict[str, Any]:
        """The layout's footer and slide-number placeholders by kind (looked up once per layout)."""
        key = id(layout.element)
        if key not in self._footers:
            self._footers[key] = {ph.placeholder_format.type.name: ph for ph in layout.placeholders
                                  if ph.placeholder_format.type.name in FOOTER_TYPES}
        return self._footers[key]

    # -- text

    def text_shape(self, slide: "Slide", box: Box) -> Any:
        return slide.shapes.add_textbox(box.left, box.top, box.width, box.height)

    def fit_line(self, shape: Any, text: str, sizes: Iterable[float], *, bold: bool = False,
                 field_kind: str | None = None, align: str | None = None) -> float:
        """Set a short text (title, footer) at the largest of ``sizes`` that fits the shape; cut with … if none."""
        width = shape.width / EMU_PER_PT - 2 * INSET
        height = shape.height / EMU_PER_PT - 2 * INSET
        size, lines = fit_size(clean(text).replace("\n", " "), width, height, self.measure, list(sizes), bold)
        tf = self._frame(shape)
        paragraph = tf.paragraphs[0]
        self._set_paragraph(paragraph, Para(" ".join(lines), size=size, bold=bold), field_kind=field_kind)
        if align:
            from pptx.enum.text import PP_ALIGN
            paragraph.alignment = PP_ALIGN.RIGHT if align == "right" else PP_ALIGN.LEFT
        return size

    def write(self, shape: Any, paras: Sequence[Para]) -> None:
        """Fill a shape with paragraphs (already paginated to fit)."""
        tf = self._frame(shape)
        for n, para in enumerate(paras):
            paragraph = tf.paragraphs[0] if n == 0 else tf.add_paragraph()
            self._set_paragraph(paragraph, para, first=n == 0)

    def text_box(self, slide: "Slide", box: Box, paras: Sequence[Para], *, fill: str | None = None) -> Any:
        """A text box at ``box`` holding ``paras``; its height shrinks to the text when that is less."""
        needed = text_height(paras, box.inner_width, self.measure) + 2 * INSET
        if needed > box.height / EMU_PER_PT + 0.5:
            raise ValueError(f"text needs {needed:.0f} pt but the box is {box.height / EMU_PER_PT:.0f} pt high")
        shape = self.text_shape(slide, box.take(needed))
        if fill:
            from pptx.dml.color import RGBColor
            shape.fill.solid()
            shape.fill.fore_color.rgb = RGBColor.from_string(fill.lstrip("#"))
        self.write(shape, paras)
        return shape

    def height_of(self, paras: Sequence[Para], width_emu: int) -> float:
        """Points a text box ``width_emu`` wide needs for ``paras`` (insets included)."""
        return text_height(paras, width_emu / EMU_PER_PT - 2 * INSET, self.measure) + 2 * INSET

    def _frame(self, shape: Any) -> Any:
        from pptx.enum.text import MSO_AUTO_SIZE
        from pptx.util import Pt

        tf = shape.text_frame
        tf.clear()
        tf.word_wrap = True
        tf.auto_size = MSO_AUTO_SIZE.NONE
        tf.margin_left = tf.margin_right = tf.margin_top = tf.margin_bottom = Pt(INSET)
        return tf

    def _set_paragraph(self, paragraph: Any, para: Para, *, first: bool = True, field_kind: str | None = None) -> None:
        """Write the paragraph's XML directly: exact line spacing, spacing, indent, bullet, one run (or field)."""
        from lxml.etree import SubElement
        from pptx.oxml.ns import qn

        p = paragraph._p
        for child in list(p):
            p.remove(child)
        p_pr = SubElement(p, qn("a:pPr"), marL=str(int(para.margin * EMU_PER_PT)),
                          indent=str(-int(INDENT * EMU_PER_PT) if para.bullet else 0))
        for tag, points in (("a:lnSpc", para.line_height), ("a:spcBef", 0 if first else para.space_before),
                            ("a:spcAft", 0)):
            SubElement(SubElement(p_pr, qn(tag)), qn("a:spcPts"), val=str(int(round(points * 100))))
        if para.bullet:
            SubElement(p_pr, qn("a:buFont"), typeface="Arial")
            SubElement(p_pr, qn("a:buChar"), char=para.bullet)
        else:   # explicitly none: a template's body placeholder would add its own
            SubElement(p_pr, qn("a:buNone"))
        run = SubElement(p, qn("a:fld" if field_kind else "a:r"))
        if field_kind:
            run.set("id", "{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}")
            run.set("type", field_kind)
        r_pr = SubElement(run, qn("a:rPr"), lang="en-US", sz=str(int(round(para.size * 100))),
                          b="1" if para.bold else "0")
        if para.colour:
            SubElement(SubElement(r_pr, qn("a:solidFill")), qn("a:srgbClr"), val=para.colour.lstrip("#").upper())
        if self.font_name:
            SubElement(r_pr, qn("a:latin"), typeface=self.font_name)
        SubElement(run, qn("a:t")).text = clean(para.text)

    # -- tables

    def column_widths(self, table: Table, width_emu: int) -> list[int]:
        """Column widths (EMU) from the shares, widened where needed so no word is broken, when the width allows."""
        total = sum(table.shares)
        widths = [width_emu * s / total for s in table.shares]
        needs = [0.0] * len(widths)
        for row in [table.header, *table.rows]:
            for c, cell in enumerate(row):
                words = clean(cell.text).split() or [""]
                longest = max(self.measure.width(w, table.size, cell.bold or row is table.header) for w in words)
                needs[c] = max(needs[c], (longest + 2 * INSET + 1) * EMU_PER_PT)
        if sum(needs) <= width_emu:
            short = sum(max(0.0, n - w) for n, w in zip(needs, widths))
            slack = sum(max(0.0, w - n) for n, w in zip(needs, widths))
            if short and slack:
                widths = [n if w < n else w - (w - n) * short / slack for n, w in zip(needs, widths)]
        result = [int(w) for w in widths]
        result[-1] = width_emu - sum(result[:-1])
        return result

    def measure_table(self, table: Table, width_emu: int) -> None:
        """Set the column widths and each row's height (points) from its tallest cell's wrapped lines."""
        table.widths = self.column_widths(table, width_emu)
        widths = [w / EMU_PER_PT - 2 * INSET for w in table.widths]
        table.heights = [self._row_height(row, widths, table, header=n == 0)
                         for n, row in enumerate([table.header, *table.rows])]

    def _row_height(self, row: Sequence[Cell], widths: Sequence[float], table: Table, header: bool) -> float:
        tallest = 1
        for cell, width in zip(row, widths):
            n = sum(len(lines_of(Para(part, table.size, cell.bold or header), width, self.measure))
                    for part in (clean(cell.text).split("\n") or [""]))
            tallest = max(tallest, n)
        return max(table.row_min_pt, tallest * line_height(table.size) + 2 * CELL_INSET)

    def table_pages(self, table: Table, width_emu: int, height_pt: float,
                    first_height_pt: float | None = None) -> list[list[int]]:
        """Row indices per page so that header + rows fit ``height_pt`` (the first page may be shorter)."""
        if not table.heights:
            self.measure_table(table, width_emu)
        header, rows = table.heights[0], table.heights[1:]
        pages: list[list[int]] = [[]]
        room = (height_pt if first_height_pt is None else first_height_pt) - header
        for n, h in enumerate(rows):
            if h > room and pages[-1]:
                pages.append([])
                room = height_pt - header
            if h > height_pt - header:
                raise DeckError(f"a table row needs {h:.0f} pt, more than a slide's {height_pt - header:.0f} pt")
            pages[-1].append(n)
            room -= h
        return pages

    def place_table(self, slide: "Slide", box: Box, table: Table, rows: Sequence[int]) -> float:
        """Draw the header and the given rows at the top of ``box``; returns the height used (points)."""
        from pptx.dml.color import RGBColor
        from pptx.util import Pt

        if not table.heights:
            self.measure_table(table, box.width)
        chosen = [table.header, *(table.rows[i] for i in rows)]
        heights = [table.heights[0], *(table.heights[i + 1] for i in rows)]
        total = sum(heights)
        frame = slide.shapes.add_table(len(chosen), len(table.shares), box.left, box.top, box.width,
                                       int(total * EMU_PER_PT))
        grid = frame.table
        for column, width in zip(grid.columns, table.widths):
            column.width = width
        for r, (row, height) in enumerate(zip(chosen, heights)):
            grid.rows[r].height = int(height * EMU_PER_PT)
            for c, cell in enumerate(row):
                target = grid.cell(r, c)
                target.margin_left = target.margin_right = Pt(INSET)
                target.margin_top = target.margin_bottom = Pt(CELL_INSET)
                tf = target.text_frame
                tf.word_wrap = True
                parts = clean(cell.text).split("\n")
                for n, part in enumerate(parts):
                    paragraph = tf.paragraphs[0] if n == 0 else tf.add_paragraph()
                    self._set_paragraph(paragraph, Para(part, table.size, cell.bold or r == 0, colour=cell.colour),
                                        first=True)
                if cell.fill:
                    target.fill.solid()
                    target.fill.fore_color.rgb = RGBColor.from_string(cell.fill.lstrip("#"))
        return total


def _placeholder(layout: "SlideLayout", kinds: set[str]) -> Any:
    return next((ph for ph in layout.placeholders if ph.placeholder_format.type.name in kinds), None)
