"""Deprecated path: moved to :mod:`cmmikit.imports.xlsx_limits`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.imports.xlsx_limits")
