"""Widget views for the notebooks: build one from an appraisal and display it.

Each notebook shows a :class:`Workbench`: the appraisal chooser above one screen,
``SetupView`` (00_setup), ``PlanView`` (00b_plan: the sample, requests, interviews, readiness), ``WalkthroughView`` (01_walkthrough), ``GridView`` (01b_grid), ``RegisterView``
(01c_register, the evidence register), ``RatingsView`` (02_ratings; for a SCAMPI B or C it builds an
``AssessmentView``: findings, not ratings), ``FindingsView`` (03_findings) or ``ExportView`` (04_export).
``shared_appraisal(path=None)`` is the kernel's one handle on an appraisal;
``open_appraisal(path=None)`` opens a new one (a file or a server URL; without
one, ``$CMMIKIT_APPRAISAL`` or the sample appraisal).
"""

from cmmikit.ui.common import open_appraisal, sample_path, shared_appraisal
from cmmikit.ui.export import ExportView
from cmmikit.ui.findings import FindingsView
from cmmikit.ui.grid import GridView
from cmmikit.ui.planning import PlanView
from cmmikit.ui.ratings import RatingsView
from cmmikit.ui.register import RegisterView
from cmmikit.ui.setup import SetupView
from cmmikit.ui.walkthrough import WalkthroughView
from cmmikit.ui.workbench import Workbench

__all__ = ["ExportView", "FindingsView", "GridView", "PlanView", "RatingsView", "RegisterView", "SetupView", "WalkthroughView",
           "Workbench", "open_appraisal", "sample_path", "shared_appraisal"]
