"""Deprecated path: moved to :mod:`cmmikit.outputs.gap_keys`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.outputs.gap_keys")
