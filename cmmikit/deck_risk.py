"""Deprecated path: moved into :mod:`cmmikit.outputs.deck`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.outputs.deck")
