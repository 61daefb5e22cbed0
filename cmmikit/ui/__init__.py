"""Widget views for the notebooks: build one from an appraisal and display it.

``open_appraisal(path=None)`` opens a file (or, without one, ``$CMMIKIT_APPRAISAL``
or the sample appraisal); the screens are ``SetupView`` (00_setup),
``WalkthroughView`` (01_walkthrough) and ``RatingsView`` (02_ratings).
"""

from cmmikit.ui.common import open_appraisal
from cmmikit.ui.ratings import RatingsView
from cmmikit.ui.setup import SetupView
from cmmikit.ui.walkthrough import WalkthroughView

__all__ = ["RatingsView", "SetupView", "WalkthroughView", "open_appraisal"]
