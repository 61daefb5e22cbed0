"""Deprecated path: moved to :mod:`cmmikit.method.rating`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.method.rating")
