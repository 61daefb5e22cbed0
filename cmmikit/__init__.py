"""cmmikit: a Jupyter workbench for CMMI-SVC v1.3 maturity level 2 appraisals.

The package import stays light (no pandas, matplotlib or Jupyter); import the
modules you need: ``cmmikit.model``, ``cmmikit.store``, ``cmmikit.method.rating``...
"""

__version__ = "0.1.0"

from cmmikit.errors import CmmikitError

__all__ = ["CmmikitError", "__version__"]
