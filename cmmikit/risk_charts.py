"""Deprecated path: moved into :mod:`cmmikit.outputs.charts`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.outputs.charts")
