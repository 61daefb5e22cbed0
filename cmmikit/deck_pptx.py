"""Deprecated path: moved to :mod:`cmmikit.outputs.deck_pptx`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.outputs.deck_pptx")
