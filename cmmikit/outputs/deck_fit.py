"""Fit text to slide boxes without shrinking it: measure, wrap, count lines and split into pages.

Every paragraph the deck writes has an explicit font size and an exact line spacing, so the
height a text takes is ``space before + lines x line spacing``. Lines are counted by wrapping
the words greedily with the widths of a real font (Liberation Sans for decks set in Arial, whose
metrics it shares; DejaVu Sans, a wide face, when a template's font is unknown), plus a margin.
What does not fit goes on the next page: a paragraph longer than a page is split between lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterable

LINE_SPACING = 1.2          # line height as a multiple of the font size
SAFETY = 1.05               # measured widths are stretched by this much (kerning, renderer differences)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FAMILIES = {"arial": "Liberation Sans", "liberation sans": "Liberation Sans", "helvetica": "Liberation Sans"}
FALLBACK_FAMILY = "DejaVu Sans"


def clean(text: object) -> str:
    """User text as plain slide text: control characters dropped, line ends normalised, outer space trimmed."""
    if text is None:
        return ""
    return CONTROL.sub("", str(text).replace("\r\n", "\n").replace("\r", "\n")).strip()


class Measure:
    """Text widths in points for one font family (regular and bold), from its TrueType file."""

    def __init__(self, family: str | None = None):
        self.family = FAMILIES.get((family or "").lower(), FALLBACK_FAMILY)
        self._fonts = {bold: _font(self.family, bold) for bold in (False, True)}
        self._cache: dict[tuple[str, bool], float] = {}

    def width(self, text: str, size: float, bold: bool = False) -> float:
        """Width of ``text`` at ``size`` points, with the safety margin."""
        key = (text, bold)
        if key not in self._cache:
            self._cache[key] = self._fonts[bold].getlength(text) / 1000.0
        return self._cache[key] * size * SAFETY

    def wrap(self, text: str, size: float, width: float, bold: bool = False) -> list[str]:
        """Greedy word wrap of one line of text into lines at most ``width`` points wide.

        A line's width is the sum of its words' widths and spaces (each word measured once).
        """
        space = self.width(" ", size, bold)
        lines: list[str] = []
        current, used = "", 0.0
        for word in text.split():
            word_width = self.width(word, size, bold)
            if current and used + space + word_width <= width:
                current, used = f"{current} {word}", used + space + word_width
                continue
            if current:
                lines.append(current)
            while word_width > width:   # a word wider than the line breaks anywhere
                cut = self._fitting_prefix(word, size, width, bold)
                lines.append(word[:cut])
                word = word[cut:]
                word_width = self.width(word, size, bold)
            current, used = word, word_width
        if current or not lines:
            lines.append(current)
        return lines

    def _fitting_prefix(self, word: str, size: float, width: float, bold: bool) -> int:
        low, high = 1, len(word)
        while low < high:
            mid = (low + high + 1) // 2
            if self.width(word[:mid], size, bold) <= width:
                low = mid
            else:
                high = mid - 1
        return low


@lru_cache(maxsize=None)
def _font(family: str, bold: bool):  # type: ignore[no-untyped-def]
    from matplotlib import font_manager
    from PIL import ImageFont

    props = font_manager.FontProperties(family=family, weight="bold" if bold else "normal")
    try:
        path = font_manager.findfont(props, fallback_to_default=False)
    except ValueError:   # the family is not installed: DejaVu Sans ships with matplotlib and is wider
        path = font_manager.findfont(font_manager.FontProperties(family=FALLBACK_FAMILY,
                                                                 weight="bold" if bold else "normal"))
    return ImageFont.truetype(path, 1000)


@dataclass(frozen=True)
class Para:
    """One paragraph of a text box: its text (no line breaks) and how it is set."""

    text: str
    size: float = 16.0
    bold: bool = False
    indent: int = 0                # the text starts INDENT points per level from the left
    bullet: str | None = None      # hung in the indent before the first line (needs indent >= 1)
    colour: str | None = None      # "#RRGGBB"; None = the template's text colour
    space_before: float = 0.0      # points
    keep_with_next: bool = False   # a heading: never the last paragraph of a page
    context: tuple["Para", ...] = ()  # repeated at the top of a page this paragraph starts (its headings)

    @property
    def line_height(self) -> float:
        return line_height(self.size)

    @property
    def margin(self) -> float:
        """Left margin of the text in points."""
        return INDENT * self.indent


INDENT = 20.0   # points per indent level
KEEP_WHOLE = 4  # paragraphs of this many lines or fewer are never split between pages
EPSILON = 1e-6


def line_height(size: float) -> float:
    """The exact line spacing (points) the deck sets for a font size."""
    return round(size * LINE_SPACING, 1)


def lines_of(para: Para, width: float, measure: Measure) -> list[str]:
    """The wrapped lines of a paragraph set in a box ``width`` points wide (insets already taken off)."""
    return measure.wrap(para.text, para.size, width - para.margin, para.bold)


def height_of(para: Para, n_lines: int, first: bool) -> float:
    """Points a paragraph of ``n_lines`` takes; space before is dropped at the top of a box."""
    return (0.0 if first else para.space_before) + n_lines * para.line_height


def text_height(paras: Iterable[Para], width: float, measure: Measure) -> float:
    """Points the paragraphs take in a box ``width`` points wide."""
    return sum(height_of(p, len(lines_of(p, width, measure)), n == 0) for n, p in enumerate(paras))


def lines_that_fit(height: float, size: float) -> int:
    """How many lines of ``size`` points fit in ``height`` points at the deck's line spacing."""
    return int((height + EPSILON) // line_height(size))


def paginate(paras: Iterable[Para], width: float, height: float, measure: Measure,
             first_height: float | None = None) -> list[list[Para]]:
    """Split paragraphs into pages of a box ``width`` x ``height`` points (the first page may be shorter).

    Short paragraphs move to the next page whole; a long one is split between lines, leaving at
    least two lines on each page (the continuation has no bullet). A heading never ends a page,
    and a page that starts mid-list repeats the headings of its first paragraph (``context``).
    """
    pages: list[list[Para]] = [[]]
    room = height if first_height is None else first_height
    fresh = True   # nothing but repeated headings on the page yet

    def place(para: Para, n_lines: int) -> None:
        nonlocal room
        room -= height_of(para, n_lines, not pages[-1])
        pages[-1].append(para)

    def new_page() -> None:
        nonlocal room, fresh
        moved: list[Para] = []
        while len(pages[-1]) > 1 and pages[-1][-1].keep_with_next:
            moved.insert(0, pages[-1].pop())
        pages.append([])
        room, fresh = height, not moved
        for heading in (*moved[0].context, *moved) if moved else ():
            place(replace(heading, keep_with_next=heading in moved), len(lines_of(heading, width, measure)))

    for para in paras:
        lines = lines_of(para, width, measure)
        whole = True
        while lines:
            if not pages[-1] and len(pages) > 1:
                for heading in para.context:
                    heading = replace(heading, keep_with_next=False)
                    place(heading, len(lines_of(heading, width, measure)))
            first = not pages[-1]
            fit = int((room - (0.0 if first else para.space_before) + EPSILON) // para.line_height)
            if not fresh:
                if para.keep_with_next and fit < len(lines) + 1:
                    fit = 0   # a heading needs a line of what follows on the same page
                elif fit < len(lines) and (len(lines) <= KEEP_WHOLE or min(fit, len(lines) - fit) < 2):
                    fit = 0   # short paragraphs move whole; long ones leave at least two lines on each page
            if fit <= 0:
                if fresh and (len(pages) > 1 or first_height is None):
                    raise ValueError(f"a {para.size:g} pt line does not fit in a box {height:.0f} pt high")
                new_page()
                continue
            taken, lines = lines[:fit], lines[fit:]
            place(para if whole and not lines else replace(para, text=" ".join(taken)), len(taken))
            fresh = False
            if lines:
                whole = False
                para = replace(para, bullet=None, space_before=0.0, keep_with_next=False)
                new_page()
    if len(pages) > 1 and not pages[-1]:
        pages.pop()
    return pages


def fit_size(text: str, width: float, height: float, measure: Measure, sizes: Iterable[float],
             bold: bool = False) -> tuple[float, list[str]]:
    """The largest size (of ``sizes``, largest first) at which ``text`` fits; the smallest with an ellipsis if none.

    Returns the size and the lines to set (the last one shortened with "…" when the text had to be cut).
    """
    sizes = list(sizes)
    for size in sizes:
        lines = measure.wrap(text, size, width, bold)
        if len(lines) <= lines_that_fit(height, size):
            return size, lines
    size = sizes[-1]
    room = max(1, lines_that_fit(height, size))
    lines = measure.wrap(text, size, width, bold)[:room]
    last = lines[-1]
    while last and measure.width(last + " …", size, bold) > width:
        last = last[:-1].rstrip()
    lines[-1] = (last + " …").strip()
    return size, lines
