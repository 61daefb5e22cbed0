"""Old module paths kept for one release: each forwards to the module's new place with a warning."""

from __future__ import annotations

import importlib
import sys
import warnings


def forward(old: str, new: str) -> None:
    """Make ``import old`` give the module ``new`` itself (same object), warning once per import."""
    warnings.warn(f"{old} moved to {new}; the old path goes away in the next release",
                  DeprecationWarning, stacklevel=3)
    sys.modules[old] = importlib.import_module(new)
