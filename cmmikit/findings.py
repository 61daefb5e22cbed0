"""Deprecated path: moved to :mod:`cmmikit.method.findings`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.method.findings")
