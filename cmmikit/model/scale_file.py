"""The scale file format (YAML, validated with pydantic): parsing a scale and naming each problem's entry and field.

Kept apart from :mod:`cmmikit.model.scales` so that opening an appraisal loads pydantic only when a scale is read.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from cmmikit import palette
from cmmikit.model.scale_types import (MAX_BYTES, MAX_VALUES, SCAMPI_A_VALUES, SLUG, Forecast, Outcome, Scale, ScaleError,
                            ScaleValue)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=160)]
Slug = Annotated[str, StringConstraints(strip_whitespace=True)]


def _slug(value: str) -> str:
    import re

    if not re.match(SLUG, value):
        raise ValueError(f"{value!r} must start with a letter and hold only letters, digits and _ "
                         "(at most 24), e.g. 'medium'")
    return value


def _colour(value: str) -> str:
    if value not in palette.NAMED:
        raise ValueError(f"{value!r} is not a colour cmmikit offers (colour-blind safe): choose one of "
                         f"{', '.join(palette.NAMED)}")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _ValueSpec(_Strict):
    value: Slug
    label: Text
    colour: str
    on_track: bool = False
    not_yet: bool = False
    meaning: str = ""

    @field_validator("value")
    @classmethod
    def _check_value(cls, v: str) -> str:
        return _slug(v)

    @field_validator("colour")
    @classmethod
    def _check_colour(cls, v: str) -> str:
        return _colour(v)


class _AggregationSpec(_Strict):
    rule: Literal["worst", "best", "scampi-a"] = "worst"
    team_may_decide: bool = True


class _ConditionSpec(_Strict):
    any: list[str] | None = None
    all: list[str] | None = None


class _OutcomeSpec(_Strict):
    key: Slug
    label: Text
    text: Text
    colour: str
    when: _ConditionSpec
    blocks_level: bool = False

    @field_validator("key")
    @classmethod
    def _check_key(cls, v: str) -> str:
        return _slug(v)

    @field_validator("colour")
    @classmethod
    def _check_colour(cls, v: str) -> str:
        return _colour(v)


class _ForecastSpec(_Strict):
    question: Text
    outcomes: list[_OutcomeSpec] = Field(min_length=1)
    otherwise: Text = "not forecast yet"


class _ScaleSpec(_Strict):
    id: Text
    name: Text
    description: str = ""
    values: list[_ValueSpec] = Field(min_length=1)
    aggregation: _AggregationSpec = _AggregationSpec()
    forecast: _ForecastSpec | None = None


@lru_cache(maxsize=64)
def parse(text: str, source: str) -> Scale:
    """A scale from YAML text, or :class:`ScaleError` naming the entry and field of the first problem."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ScaleError(source, "", "", f"a scale file holds at most {MAX_BYTES // 1024} KB")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScaleError(source, "", "", f"not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict):
        raise ScaleError(source, "", "", "expected a mapping with id, name, values (and aggregation, forecast)")
    try:
        spec = _ScaleSpec.model_validate(raw)
    except ValidationError as exc:
        err = min(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")  # a typo explains a missing field
        entry, field = _where(raw, err["loc"])
        problem = {"extra_forbidden": "unknown field (typo?)", "missing": "missing (required)"}.get(
            err["type"], err["msg"].removeprefix("Value error, "))
        raise ScaleError(source, entry, field, problem) from None
    _check(spec, source)
    return _build(spec, text, source)


def _where(raw: dict[str, Any], loc: tuple) -> tuple[str, str]:
    """A pydantic error location as (entry, field): ("values[2] 'medium'", "colour")."""
    parts = [p for p in loc]
    field = next((str(p) for p in reversed(parts) if isinstance(p, str)), "")
    entry, node = "", raw
    for part in parts[:-1] if parts and isinstance(parts[-1], str) else parts:
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
            name = node.get("value") or node.get("key") if isinstance(node, dict) else None
            entry += f"[{part}]" + (f" {name!r}" if isinstance(name, str) else "")
        elif isinstance(part, str):
            node = node.get(part) if isinstance(node, dict) else None
            entry += ("." if entry else "") + part
    if entry == field:
        entry = ""
    return entry, field


def _check(spec: _ScaleSpec, source: str) -> None:
    """What the field types alone cannot tell: unique values and colours, the order, the rules."""
    def fail(n: int, v: _ValueSpec, field: str, problem: str) -> None:
        raise ScaleError(source, f"values[{n}] {v.value!r}", field, problem)

    seen: dict[str, str] = {}
    colours: dict[str, str] = {}
    labels: dict[str, str] = {}
    off_track = False
    for n, v in enumerate(spec.values):
        if v.value.casefold() in seen:
            fail(n, v, "value", "appears twice (values are told apart regardless of case)")
        seen[v.value.casefold()] = v.value
        if v.colour in colours:
            fail(n, v, "colour", f"{v.colour!r} is already the colour of {colours[v.colour]!r}; each value needs "
                                 "its own colour")
        colours[v.colour] = v.value
        if v.label.casefold() in labels:
            fail(n, v, "label", f"{v.label!r} is already the label of {labels[v.label.casefold()]!r}")
        labels[v.label.casefold()] = v.value
        if v.not_yet and v.on_track:
            fail(n, v, "on_track", "a not-yet value is left out of the aggregation; it cannot be on track")
        if v.not_yet:
            continue
        if v.on_track and off_track:
            fail(n, v, "on_track", "values are listed best first: on-track values come before the others")
        off_track |= not v.on_track
    not_yet = [v for v in spec.values if v.not_yet]
    ordered = [v for v in spec.values if not v.not_yet]
    if len(not_yet) > 1:
        n = spec.values.index(not_yet[1])
        fail(n, not_yet[1], "not_yet", f"only one value may be not yet ({not_yet[0].value!r} is)")
    if len(ordered) < 2 or len(ordered) > MAX_VALUES:
        raise ScaleError(source, "", "values", f"needs 2 to {MAX_VALUES} ranked values (not counting a not-yet "
                                               f"value), found {len(ordered)}")
    if not any(v.on_track for v in ordered):
        raise ScaleError(source, "", "on_track", "at least one value must count as on track (the best one)")
    if all(v.on_track for v in ordered):
        raise ScaleError(source, "", "on_track", "at least one value must not count as on track (the worst one)")
    if spec.aggregation.rule == "scampi-a" and tuple(v.value for v in ordered) != SCAMPI_A_VALUES:
        raise ScaleError(source, "aggregation", "rule", "scampi-a needs the values FI, LI, PI, NI in this order "
                                                        "(and NY as the not-yet value)")
    if spec.forecast is not None:
        keys: set[str] = set()
        for n, o in enumerate(spec.forecast.outcomes):
            entry = f"forecast.outcomes[{n}] {o.key!r}"
            if o.key in keys:
                raise ScaleError(source, entry, "key", "appears twice")
            keys.add(o.key)
            given = [c for c in (o.when.any, o.when.all) if c is not None]
            if len(given) != 1 or not given[0]:
                raise ScaleError(source, entry, "when", "give exactly one of any: [values] or all: [values]")
            unknown = [v for v in given[0] if v not in {x.value for x in ordered}]
            if unknown:
                raise ScaleError(source, entry, "when", f"{', '.join(map(repr, unknown))} is not a ranked value "
                                                        f"of this scale ({', '.join(v.value for v in ordered)})")


def _build(spec: _ScaleSpec, text: str, source: str) -> Scale:
    values = tuple(ScaleValue(v.value, v.label, palette.NAMED[v.colour], v.colour, v.on_track, v.not_yet,
                              v.meaning.strip()) for v in spec.values)
    forecast = None
    if spec.forecast is not None:
        forecast = Forecast(spec.forecast.question, tuple(
            Outcome(o.key, o.label, o.text, palette.NAMED[o.colour], tuple(o.when.any or ()), tuple(o.when.all or ()),
                    o.blocks_level) for o in spec.forecast.outcomes), spec.forecast.otherwise)
    return Scale(spec.id, spec.name, spec.description.strip(), values, spec.aggregation.rule,
                 spec.aggregation.team_may_decide, forecast, text, source)
