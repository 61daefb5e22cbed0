"""Deprecated path: moved to :mod:`cmmikit.model.scale_file`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.model.scale_file")
