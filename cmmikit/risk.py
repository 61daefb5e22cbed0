"""Deprecated path: moved to :mod:`cmmikit.method.risk`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.method.risk")
