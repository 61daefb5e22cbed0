"""Deprecated path: moved to :mod:`cmmikit.outputs.report_data`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.outputs.report_data")
