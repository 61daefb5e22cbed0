"""What a SCAMPI B or C screen must never show: the words of a rating (they give findings, not ratings)."""

from __future__ import annotations

import re

RATING_WORDS = re.compile(r"\b(Satisfied|Unsatisfied|Achieved|Not Rated|[Cc]apability level|[Mm]aturity level|"
                          r"Fully Implemented|Largely Implemented|Partially Implemented)\b")


def rating_words(text: str) -> list[str]:
    """The rating words found in ``text`` (empty when there is none)."""
    return RATING_WORDS.findall(text)
