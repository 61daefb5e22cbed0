"""The readiness review's criteria as data (``data/readiness.yaml``), the facts the team judges them on,
and the preliminary findings validation counted per outcome."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from cmmikit.errors import ModelError
from cmmikit.store.readiness import DECISIONS, FindingValidation, ReadinessReview

DEFAULT_CRITERIA = Path(__file__).resolve().parents[1] / "data" / "readiness.yaml"


@dataclass(frozen=True)
class Criterion:
    id: str
    text: str


def load_criteria(path: str | Path | None = None) -> list[Criterion]:
    """The readiness criteria; a criterion without an id or text, or a repeated id, is refused."""
    path = Path(path or DEFAULT_CRITERIA)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ModelError(str(path), "", "", f"cannot read readiness criteria: {exc}") from None
    found: list[Criterion] = []
    for n, item in enumerate(raw.get("criteria") or [], start=1):
        if not isinstance(item, dict) or not str(item.get("id", "")).strip() or not str(item.get("text", "")).strip():
            raise ModelError(str(path), f"criterion #{n}", "", "needs an id and a text")
        if item["id"] in {c.id for c in found}:
            raise ModelError(str(path), f"criterion #{n}", "id", f"{item['id']!r} is given twice")
        found.append(Criterion(str(item["id"]), str(item["text"])))
    if not found:
        raise ModelError(str(path), "", "criteria", "no readiness criteria")
    return found


def review_lines(review: ReadinessReview, criteria: Sequence[Criterion] = ()) -> list[str]:
    """A review as text: each criterion met or not with its note, then go / no-go and the decision."""
    texts = {c.id: c.text for c in criteria}
    lines = [f"Readiness review #{review.id} on {review.held_on}: "
             f"{sum(c.met for c in review.checks)} of {len(review.checks)} criteria met"]
    for c in review.checks:
        lines.append(f"  [{'met' if c.met else 'not met'}] {c.criterion}: {texts.get(c.criterion, '')}".rstrip(": ")
                     + (f" ({c.note})" if c.note else ""))
    if review.decision:
        lines.append(f"Decision: {review.decision} ({'go' if review.go else 'no-go'}): {review.rationale}")
    else:
        lines.append(f"Decision: not taken yet ({', '.join(DECISIONS)})")
    return lines


def validation_counts(finding_ids: Iterable[int], validations: Mapping[int, FindingValidation]) -> dict[str, int]:
    """How many findings are validated, revised, or still to be validated."""
    counts = {"validated": 0, "revised": 0, "pending": 0}
    for fid in finding_ids:
        counts[validations[fid].outcome if fid in validations else "pending"] += 1
    return counts


def validation_lines(findings: Sequence, validations: Mapping[int, FindingValidation]) -> list[str]:
    """Per finding its statement and validation; then the counts."""
    lines = []
    for f in findings:
        v = validations.get(f.id)
        state = "to validate" if v is None else f"{v.outcome} by {v.validated_by}" + (f": {v.comment}" if v.comment
                                                                                       else "")
        lines.append(f"#{f.id} {f.pa} {f.kind}: {f.statement} [{state}]")
    counts = validation_counts([f.id for f in findings], validations)
    lines.append(", ".join(f"{n} {k}" for k, n in counts.items()))
    return lines
