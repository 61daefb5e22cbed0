"""Deprecated path: moved to :mod:`cmmikit.method.snapshot`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.method.snapshot")
