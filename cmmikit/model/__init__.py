"""The appraisal model: a model folder loaded and validated (:mod:`.loader`), and scales (:mod:`.scales`).

``cmmikit.model`` keeps its names (``load_model``, ``Model``, ...) but loads pydantic and YAML only
when one of them is first used, so that ``cmmikit.model.scales`` stays light for the store.
"""

from __future__ import annotations

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    loader = importlib.import_module("cmmikit.model.loader")
    try:
        return getattr(loader, name)
    except AttributeError:
        raise AttributeError(f"module 'cmmikit.model' has no attribute {name!r}") from None
