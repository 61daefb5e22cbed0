"""The data collection plan as a small workbook of its own: the evidence requests and the interview schedule.

One sheet per list (``Requests``, ``Interviews``), written write-only; user text stays text (never a
formula). The gap workbook (``outputs/excel.py``) is not touched.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cmmikit import atomic
from cmmikit.outputs.xlsx_safe import CellMaker

REQUEST_HEADERS = ("Request", "PA", "Practice", "Instance", "Asked", "Owner", "Due", "Status", "Reason", "Answered by")
INTERVIEW_HEADERS = ("Session", "Date", "Time", "Roles interviewed", "PAs", "Instances", "Team", "Notes")


def request_rows(requests: Sequence[Any]) -> list[list[Any]]:
    return [[r.id, r.pa, r.practice, r.instance, r.asked, r.owner, r.due_date, r.status, r.reason,
             f"ART-{r.artifact_id}" if r.artifact_id else ""] for r in requests]


def interview_rows(interviews: Sequence[Any]) -> list[list[Any]]:
    return [[s.id, s.held_on, s.starts_at, s.roles, ", ".join(s.pas), ", ".join(s.instances), s.team, s.notes]
            for s in interviews]


def write_collection_plan(path: str | os.PathLike, requests: Sequence[Any], interviews: Sequence[Any]) -> Path:
    """Write the requests and the interviews to ``path`` (.xlsx, atomically); returns the path."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    for title, headers, rows in (("Requests", REQUEST_HEADERS, request_rows(requests)),
                                 ("Interviews", INTERVIEW_HEADERS, interview_rows(interviews))):
        ws = wb.create_sheet(title)
        make = CellMaker(ws)
        make.style("head", font=Font(bold=True))
        ws.freeze_panes = "A2"
        ws.append([make.value(h, "head") for h in headers])
        for row in rows:
            ws.append([make.value(v) for v in row])
    with atomic.replacing(path) as tmp:
        wb.save(tmp)
    return Path(path)
