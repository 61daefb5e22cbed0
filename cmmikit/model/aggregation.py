"""The SCAMPI A v1.3 aggregation table: a practice's organizational-unit value from its instances.

It belongs to the SCAMPI A scale (``scampi-a.yaml`` names it as its rule), so the scales use it
without reaching up into the rating method, which re-exports these names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# practice status at the organizational-unit level
RATED, NOT_YET, INCOMPLETE, JUDGMENT_OPEN, NO_INSTANCES = (
    "characterized", "not yet", "not characterized", "team judgment open", "no instances sampled")


@dataclass(frozen=True)
class Aggregate:
    """The OU characterization the aggregation table gives for one practice."""

    value: str | None               # FI/LI/PI/NI/NY, or None when judgment is needed or data is missing
    options: tuple[str, ...] = ()   # the allowed range when the table calls for team judgment
    status: str = RATED

    @property
    def label(self) -> str:
        return " or ".join(self.options) if self.options else (self.value or "")


def aggregate(characterizations: Iterable[str | None]) -> Aggregate:
    """Aggregate instance characterizations to the OU per the SCAMPI v1.3 table."""
    values = list(characterizations)
    if not values:
        return Aggregate(None, status=NO_INSTANCES)
    if any(v is None for v in values):
        return Aggregate(None, status=INCOMPLETE)
    kinds = set(values) - {"NY"}
    if not kinds:
        return Aggregate("NY", status=NOT_YET)
    if kinds == {"FI"}:
        return Aggregate("FI")
    if kinds <= {"FI", "LI"}:
        return Aggregate("LI")
    if kinds == {"PI"}:
        return Aggregate("PI")
    if kinds == {"NI"}:
        return Aggregate("NI")
    if kinds & {"FI", "LI"}:
        return Aggregate(None, ("LI", "PI"), JUDGMENT_OPEN)
    return Aggregate(None, ("PI", "NI"), JUDGMENT_OPEN)
