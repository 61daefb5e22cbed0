"""Copy the workbench notebooks (and Voila's voila.json) into a folder of the user's, without losing their edits."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cmmikit import atomic, resources
from cmmikit.errors import CmmikitError

WRITTEN, UNCHANGED, REPLACED = "written", "unchanged", "replaced"


class NotebooksExist(CmmikitError):
    """Some notebooks in the target folder differ from the shipped ones; nothing was written."""


@dataclass(frozen=True)
class CopiedNotebook:
    path: Path
    status: str  # WRITTEN, UNCHANGED or REPLACED


def write_notebooks(folder: str | os.PathLike, *, force: bool = False) -> list[CopiedNotebook]:
    """Write the workbench notebooks into ``folder`` (created if needed), with the ``voila.json`` that lets
    Voila, started in that folder, serve the files the export screen links to.

    A notebook already there with the same bytes is left alone; one that differs (edited,
    or from another cmmikit version) is replaced only with ``force``; without it nothing
    is written and the error names every such file.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise CmmikitError(f"{folder}: not a folder")
    plan = [(source.read_bytes(), folder / source.name) for source in resources.workbench_files()]
    differing = [target for data, target in plan
                 if target.exists() and not (target.is_file() and target.read_bytes() == data)]
    if differing and not force:
        names = ", ".join(t.name for t in differing)
        verb = "exists and differs" if len(differing) == 1 else "exist and differ"
        raise NotebooksExist(f"{folder}: {names} already {verb} from this cmmikit's copies; "
                             "pass --force to replace them (edits in them are lost)")
    copied = []
    for data, target in plan:
        if target.exists() and target not in differing:
            copied.append(CopiedNotebook(target, UNCHANGED))
            continue
        with atomic.replacing(target) as tmp:
            tmp.write_bytes(data)
        copied.append(CopiedNotebook(target, REPLACED if target in differing else WRITTEN))
    return copied

