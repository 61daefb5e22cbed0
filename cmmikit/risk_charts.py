"""Deprecated path: moved to :mod:`cmmikit.outputs.risk_charts`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.outputs.risk_charts")
