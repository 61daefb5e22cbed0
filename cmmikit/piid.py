"""Deprecated path: moved to :mod:`cmmikit.imports.piid`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.imports.piid")
