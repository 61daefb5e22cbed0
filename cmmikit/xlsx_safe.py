"""Deprecated path: moved to :mod:`cmmikit.outputs.xlsx_safe`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.outputs.xlsx_safe")
