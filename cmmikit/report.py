"""Deprecated path: moved to :mod:`cmmikit.outputs.report`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.outputs.report")
