"""Deprecated path: moved to :mod:`cmmikit.outputs.excel_risk`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.outputs.excel_risk")
