"""Deprecated path: moved to :mod:`cmmikit.method.outlook`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.method.outlook")
