"""Deprecated path: moved to :mod:`cmmikit.model.scales`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.model.scales")
