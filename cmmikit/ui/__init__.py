"""Widget views for the notebooks: build one from an appraisal and display it.

``open_appraisal(path=None)`` opens a file (or the sample appraisal); the views
are ``SetupView`` (00_setup), ``WalkthroughView`` (01_walkthrough) and
``RatingsView`` (02_ratings).
"""

from cmmikit.ui.common import open_appraisal

__all__ = ["open_appraisal"]
