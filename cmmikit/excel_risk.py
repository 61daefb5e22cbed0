"""Deprecated path: moved into :mod:`cmmikit.outputs.excel`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.outputs.excel")
