"""Deprecated path: moved to :mod:`cmmikit.outputs.excel`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.outputs.excel")
