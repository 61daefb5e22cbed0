"""Deprecated path: moved to :mod:`cmmikit.method.coverage`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.method.coverage")
