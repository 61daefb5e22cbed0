"""The data collection plan read as a whole: request counts per PA, overdue requests, interview gaps."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from cmmikit.store.collection import REQUEST_STATUSES, EvidenceRequest, Interview

OPEN_STATUSES = ("requested",)           # asked, nothing delivered yet


def request_counts(requests: Iterable[EvidenceRequest]) -> dict[str, dict[str, int]]:
    """Per PA, how many requests are in each status (every status present, 0 when none)."""
    counts: dict[str, Counter] = {}
    for r in requests:
        counts.setdefault(r.pa, Counter())[r.status] += 1
    return {pa: {s: c[s] for s in REQUEST_STATUSES} for pa, c in counts.items()}


def overdue(requests: Iterable[EvidenceRequest], today: str) -> list[EvidenceRequest]:
    """Open requests whose due date (YYYY-MM-DD) is before ``today``."""
    return [r for r in requests if r.status in OPEN_STATUSES and r.due_date and r.due_date < today]


def interview_gaps(instances: Sequence[Any], in_scope: Iterable[str], interviews: Iterable[Interview]) -> list[str]:
    """The (PA, instance) pairs sampled and in scope that no scheduled interview covers, as lines."""
    scope = set(in_scope)
    covered = {(pa, name) for s in interviews for pa in s.pas for name in s.instances}
    return [f"{pa} / {i.name}: no interview scheduled" for i in instances for pa in i.pas
            if pa in scope and (pa, i.name) not in covered]


def request_lines(requests: Sequence[EvidenceRequest], today: str) -> list[str]:
    """The requests as text lines, then the counts per PA and the overdue ones."""
    lines = [f"#{r.id} {r.pa} {r.practice} / {r.instance}: {r.asked} [{r.status}"
             + (f": {r.reason}" if r.reason else "") + "]"
             + (f" owner {r.owner}" if r.owner else "") + (f" due {r.due_date}" if r.due_date else "")
             + (f" answered by ART-{r.artifact_id}" if r.artifact_id else "") for r in requests]
    for pa, counts in request_counts(requests).items():
        lines.append(f"{pa}: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n))
    late = overdue(requests, today)
    if late:
        shown = [f"#{r.id} ({r.owner or 'no owner'}, due {r.due_date})" for r in late]
        lines.append("overdue: " + ", ".join(shown))
    return lines or ["no evidence requests"]


def interview_lines(interviews: Sequence[Interview], gaps: Sequence[str]) -> list[str]:
    lines = [f"#{s.id} {s.held_on} {s.starts_at}".rstrip() + f": {s.roles or 'roles not given'}; "
             f"PAs {', '.join(s.pas)}; instances {', '.join(s.instances) or 'none'}"
             + (f"; team {s.team}" if s.team else "") for s in interviews]
    return (lines or ["no interviews scheduled"]) + [f"  - {g}" for g in gaps]
