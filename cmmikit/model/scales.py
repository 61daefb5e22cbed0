"""Characterization scales as data: the values a practice is characterized on, per appraisal type.

A scale file (``cmmikit/data/scales/*.yaml``; a SCAMPI C team may bring its own) lists its
values **best first**, each with the label shown wherever its colour is, a colour named from
:mod:`cmmikit.palette` (colour-blind safe), whether it counts as *on track*, and at most one
*not yet* value that the aggregation leaves out.  It also says how the instance values of a
practice aggregate to the organizational unit and, optionally (SCAMPI B), how the values of a
goal's practices forecast its satisfaction in a SCAMPI A.

- SCAMPI A and self-appraisals: FI / LI / PI / NI / NY (``scampi-a.yaml``), rated by :mod:`cmmikit.method.rating`;
- SCAMPI B: low / medium / high risk (``scampi-b.yaml``), fixed;
- SCAMPI C: ``scampi-c-default.yaml`` unless the team gives its own scale file.

SCAMPI B and C yield strengths, weaknesses and findings, not ratings (:mod:`cmmikit.method.risk`).
Every problem in a scale file is one line naming the file, the entry and the field.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from cmmikit.errors import InvalidValue, ModelError

if TYPE_CHECKING:
    from cmmikit.method.rating import Aggregate

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
        from cmmikit.method.rating import INCOMPLETE, NO_INSTANCES, NOT_YET, Aggregate, aggregate

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


# ------------------------------------------------------------------ reading scale files


def parse_scale(text: str, source: str = "scale") -> Scale:
    """A scale from YAML text; ``source`` names it in error messages (a file name or the appraisal)."""
    from cmmikit.model.scale_file import parse   # pydantic and YAML only when a scale is read

    return parse(text, source)


def load_scale(source: "str | os.PathLike | Scale") -> Scale:
    """A scale from a YAML file (or a :class:`Scale` as it is); problems name the file, entry and field."""
    if isinstance(source, Scale):
        return source
    path = Path(source)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ScaleError(str(path), "", "", f"a scale file holds at most {MAX_BYTES // 1024} KB")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScaleError(str(path), "", "", f"cannot read the scale file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ScaleError(str(path), "", "", "not UTF-8 text") from None
    return parse_scale(text, str(path))


@lru_cache(maxsize=None)
def shipped_scale(scale_id: str) -> Scale:
    """One of the scales that ship with cmmikit (``scampi-a``, ``scampi-b``, ``scampi-c-default``)."""
    path = SCALES_DIR / f"{scale_id}.yaml"
    if not path.is_file():
        raise InvalidValue(f"no shipped scale {scale_id!r} (shipped: {', '.join(shipped_ids())})")
    return load_scale(path)


def shipped_ids() -> list[str]:
    return sorted(p.stem for p in SCALES_DIR.glob("*.yaml"))


def default_scale(appraisal_type: str) -> Scale:
    """The scale an appraisal type uses unless the team brings its own (SCAMPI C only)."""
    if appraisal_type not in DEFAULT_SCALES:
        raise InvalidValue(f"appraisal type {appraisal_type!r} is not one of {', '.join(DEFAULT_SCALES)}")
    return shipped_scale(DEFAULT_SCALES[appraisal_type])


def scale_for(appraisal_type: str, stored: str = "", where: str = "the appraisal") -> Scale:
    """The scale of an appraisal: its own (``stored`` YAML text) or its type's default."""
    if stored:
        return parse_scale(stored, f"{where} (its stored scale)")
    return default_scale(appraisal_type)


def yields_ratings(appraisal_type: str) -> bool:
    """SCAMPI A (and a self-appraisal's readiness verdict with the same rules) rate; SCAMPI B and C do not."""
    return appraisal_type not in RISK_TYPES


# ------------------------------------------------------------------ moving values from one scale to another


def parse_mapping(text: str) -> dict[str, str]:
    """``FI=low,LI=low,PI=medium,NI=high,NY=`` as a dict (an empty target clears the value)."""
    mapping: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        old, sep, new = part.partition("=")
        if not sep or not old.strip():
            raise InvalidValue(f"--map: {part!r} is not OLD=NEW (e.g. FI=low; NY= clears the value)")
        if old.strip() in mapping:
            raise InvalidValue(f"--map: {old.strip()!r} is mapped twice")
        mapping[old.strip()] = new.strip()
    if not mapping:
        raise InvalidValue("--map: no OLD=NEW pairs given (e.g. FI=low,LI=low,PI=medium,NI=high)")
    return mapping


def mapping_text(mapping: Mapping[str, str]) -> str:
    return ",".join(f"{old}={new}" for old, new in mapping.items())


def suggest_mapping(old: Scale, new: Scale, values: Iterable[str]) -> dict[str, str]:
    """A mapping to propose to the user: on-track values onto on-track ones and the others onto the others,
    by their place in each block; a not-yet value onto the new not-yet value (or blank)."""
    def block(scale: Scale, on_track: bool) -> list[str]:
        return [v for v in scale.ordered if scale.get(v).on_track == on_track]

    suggestion: dict[str, str] = {}
    for value in dict.fromkeys(values):
        if value not in old.ordered:
            suggestion[value] = new.not_yet or ""
            continue
        source, target = block(old, old.get(value).on_track), block(new, old.get(value).on_track)
        where = source.index(value) / max(len(source) - 1, 1)
        suggestion[value] = target[round(where * (len(target) - 1))]
    return suggestion
