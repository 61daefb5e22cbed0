"""Deprecated path: moved to :mod:`cmmikit.outputs.charts`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.outputs.charts")
