"""Deprecated path: moved to :mod:`cmmikit.method.grid`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.method.grid")
