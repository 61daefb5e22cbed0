"""A private, findings-refreshed copy of an appraisal for the deliverables (workbook, report, deck).

Deliverables must show the findings the findings screen would show, whether or not anyone
pressed *sync* in the file, yet must never write to the appraisal they describe.
:func:`synced_copy` copies the appraisal into a temporary folder (``Appraisal.backup``, a
consistent snapshot), runs :func:`cmmikit.method.findings.sync_findings` on the copy, yields the open
copy and removes it afterwards. The copy's ``recorded_until`` is the last change-log entry of the
original, so outputs that list the history leave out what the sync did on the copy.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cmmikit.store import Appraisal


@contextmanager
def synced_copy(source: "Appraisal | str | os.PathLike") -> Iterator["Appraisal"]:
    """Yield an open copy of ``source`` (an open appraisal or a file) with its findings refreshed.

    The copy lives in a temporary folder that is removed when the block ends; ``source`` is
    only read.
    """
    from cmmikit.method.findings import sync_findings
    from cmmikit.store import Appraisal

    with tempfile.TemporaryDirectory(prefix="cmmikit-snapshot-") as folder:
        if isinstance(source, Appraisal):
            path = source.backup(Path(folder) / source.path.name)
        else:
            with Appraisal.open(source) as original:
                path = original.backup(Path(folder) / original.path.name)
        with Appraisal.open(path) as copy:
            copy.recorded_until = copy.last_change_id()
            sync_findings(copy)
            yield copy
