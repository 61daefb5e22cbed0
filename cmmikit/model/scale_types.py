"""The scale as the rest of cmmikit sees it: values, outcomes, forecasts, and the rules they follow.

Reading scale files is :mod:`cmmikit.model.scale_file` (pydantic) behind :mod:`cmmikit.model.scales`;
these types stay free of both so that either can use them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cmmikit.errors import InvalidValue, ModelError

if TYPE_CHECKING:
    from cmmikit.model.aggregation import Aggregate

SCALES_DIR = Path(__file__).resolve().parents[1] / "data" / "scales"
RATED_TYPES = ("SCAMPI A", "Self-appraisal")        # rated with the SCAMPI A rules (cmmikit.method.rating)
RISK_TYPES = ("SCAMPI B", "SCAMPI C")               # strengths, weaknesses and findings; no ratings
DEFAULT_SCALES = {"SCAMPI A": "scampi-a", "Self-appraisal": "scampi-a", "SCAMPI B": "scampi-b",
                  "SCAMPI C": "scampi-c-default"}
OWN_SCALE_TYPES = ("SCAMPI C",)                     # the types whose team may bring its own scale
SCAMPI_A_VALUES = ("FI", "LI", "PI", "NI")
MAX_VALUES = 9
MAX_BYTES = 64 * 1024
SLUG = r"^[A-Za-z][A-Za-z0-9_]{0,23}$"


class ScaleError(ModelError):
    """A scale file is unreadable or has a bad entry (the message names the file, the entry and the field)."""


# ------------------------------------------------------------------ the scale as the rest of cmmikit sees it


@dataclass(frozen=True)
class ScaleValue:
    """One value of a scale: what is stored, the label always shown with its colour, and what it means."""

    value: str
    label: str
    colour: str            # hex, from cmmikit.palette
    colour_name: str
    on_track: bool = False
    not_yet: bool = False
    meaning: str = ""


@dataclass(frozen=True)
class Outcome:
    """One forecast outcome of a goal (e.g. "unlikely to be satisfied in a SCAMPI A") and when it holds."""

    key: str
    label: str             # short: "at risk"
    text: str              # in full: "at risk in a SCAMPI A"
    colour: str            # hex
    any: tuple[str, ...] = ()
    all: tuple[str, ...] = ()
    blocks_level: bool = False   # a goal with this outcome would keep the maturity level from being achieved

    def holds(self, values: list[str | None]) -> bool:
        """Whether the outcome holds for the OU values of a goal's practices (None: open; not-yet left out)."""
        if self.any:
            return any(v in self.any for v in values)
        return bool(values) and all(v in self.all for v in values)


@dataclass(frozen=True)
class Forecast:
    question: str
    outcomes: tuple[Outcome, ...]
    otherwise: str


@dataclass(frozen=True)
class Scale:
    """A characterization scale: its values best first, the aggregation rule and an optional forecast."""

    id: str
    name: str
    description: str
    values: tuple[ScaleValue, ...]
    rule: str = "worst"
    team_may_decide: bool = True
    forecast: Forecast | None = None
    text: str = ""         # the YAML it was read from (what an appraisal stores for its own scale)
    source: str = ""

    # -- values and their order

    @property
    def ordered(self) -> tuple[str, ...]:
        """The values that rank, best first (every value but the not-yet one)."""
        return tuple(v.value for v in self.values if not v.not_yet)

    @property
    def all_values(self) -> tuple[str, ...]:
        return tuple(v.value for v in self.values)

    @property
    def not_yet(self) -> str | None:
        return next((v.value for v in self.values if v.not_yet), None)

    @property
    def on_track_values(self) -> tuple[str, ...]:
        return tuple(v.value for v in self.values if v.on_track)

    def __contains__(self, value: object) -> bool:
        return value in self.all_values

    def get(self, value: str) -> ScaleValue:
        for v in self.values:
            if v.value == value:
                return v
        raise InvalidValue(f"{value!r} is not a value of the scale {self.name} ({', '.join(self.all_values)})")

    def label(self, value: str | None) -> str:
        """The label of a value ("" for None; an unknown value as it is)."""
        if value is None:
            return ""
        return self.get(value).label if value in self else str(value)

    @property
    def labels(self) -> dict[str, str]:
        return {v.value: v.label for v in self.values}

    @property
    def colours(self) -> dict[str, str]:
        """Value -> hex colour (always shown with the value's label or the value itself)."""
        return {v.value: v.colour for v in self.values}

    @property
    def label_colours(self) -> dict[str, str]:
        """Label -> hex colour, for tables that show labels."""
        return {v.label: v.colour for v in self.values}

    @property
    def choices(self) -> list[tuple[str, str]]:
        """(label, value) pairs best first, for a dropdown."""
        return [(v.label, v.value) for v in self.values]

    def rank(self, value: str) -> int:
        """0 for the best value, 1 for the next, ...; the not-yet value has no rank (ValueError)."""
        return self.ordered.index(value)

    def position(self, value: str) -> float:
        """Where a value sits from best (0.0) to worst (1.0)."""
        return self.rank(value) / (len(self.ordered) - 1)

    def is_on_track(self, value: str | None) -> bool:
        return value is not None and value in self and self.get(value).on_track

    def worst(self, values: Iterable[str | None]) -> str | None:
        """The worst ranked value among ``values`` (None when none ranks)."""
        ranked = [v for v in values if v in self.ordered]
        return max(ranked, key=self.rank, default=None)

    # -- rules

    def check(self, value: str, what: str = "characterization", allowed: Iterable[str] | None = None) -> str:
        """``value`` if it is on this scale (among ``allowed`` of its values), else one clear error."""
        allowed = tuple(self.all_values if allowed is None else allowed)
        if value not in allowed:
            raise InvalidValue(f"{what} must be one of {', '.join(allowed)} (the scale {self.name}); got {value!r}")
        return value

    @property
    def decision_values(self) -> tuple[str, ...]:
        """What a team decision on a practice may record: a ranked value."""
        return self.ordered

    def aggregate(self, values: Iterable[str | None]) -> "Aggregate":
        """The organizational-unit value of a practice from its instance values, by the scale's rule."""
        from cmmikit.model.aggregation import INCOMPLETE, NO_INSTANCES, NOT_YET, Aggregate, aggregate

        values = list(values)
        if self.rule == "scampi-a":
            return aggregate(values)
        if not values:
            return Aggregate(None, status=NO_INSTANCES)
        if any(v is None for v in values):
            return Aggregate(None, status=INCOMPLETE)
        ranked = [v for v in values if v in self.ordered]
        if not ranked:
            return Aggregate(self.not_yet, status=NOT_YET)
        pick = max if self.rule == "worst" else min
        return Aggregate(pick(ranked, key=self.rank))

    def forecast_for(self, values: Iterable[str | None]) -> Outcome | None:
        """The forecast outcome of a goal from its practices' OU values (None: open), or None when none holds."""
        if self.forecast is None:
            return None
        considered = [v for v in values if v is None or v != self.not_yet]
        for outcome in self.forecast.outcomes:
            if outcome.holds(considered):
                return outcome
        return None

    # -- text

    def summary(self) -> str:
        """"SCAMPI B implementation risk: low risk, medium risk, high risk"."""
        return f"{self.name}: {', '.join(v.label for v in self.values)}"

    def describe(self) -> str:
        """The scale in plain text: values best first with colour and meaning, the rules."""
        rule = {"worst": "the worst value across the sampled instances",
                "best": "the best value across the sampled instances",
                "scampi-a": "the SCAMPI A v1.3 aggregation table"}[self.rule]
        lines = [f"{self.name} ({self.id})" + (f": {self.description}" if self.description else ""),
                 "values, best first:"]
        for v in self.values:
            flags = ", ".join(f for f in ("on track" if v.on_track else "",
                                          "not yet: left out of the aggregation" if v.not_yet else "") if f)
            lines.append(f"  {v.value:<12} {v.label:<32} {v.colour_name:<10} {flags}")
            if v.meaning:
                lines.append(f"  {'':<12} {v.meaning}")
        decide = ("; the team may record another value, with its rationale" if self.team_may_decide
                  else "; the team decides where the table leaves a range")
        lines.append(f"organizational unit: {rule}{decide}")
        if self.forecast:
            lines.append(f"forecast per goal ({self.forecast.question}):")
            for o in self.forecast.outcomes:
                cond = (f"any practice {' or '.join(o.any)}" if o.any else f"every practice {' or '.join(o.all)}")
                lines.append(f"  {o.text}: when {cond}")
            lines.append(f"  otherwise: {self.forecast.otherwise}")
        return "\n".join(lines)
