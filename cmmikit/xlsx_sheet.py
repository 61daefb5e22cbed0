"""Deprecated path: moved to :mod:`cmmikit.outputs.xlsx_sheet`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.outputs.xlsx_sheet")
