"""Deprecated path: moved to :mod:`cmmikit.method.compare`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.method.compare")
