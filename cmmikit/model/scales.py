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
from functools import lru_cache
from pathlib import Path

from cmmikit.errors import InvalidValue
from cmmikit.model.scale_types import (  # noqa: F401 (the scale's types are part of this module's names)
    DEFAULT_SCALES, Forecast, MAX_BYTES, MAX_VALUES, OWN_SCALE_TYPES, Outcome, RATED_TYPES, RISK_TYPES, SCALES_DIR, SCAMPI_A_VALUES, SLUG, Scale, ScaleError, ScaleValue)
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
