"""Deprecated path: moved to :mod:`cmmikit.imports.questionnaire`."""

from cmmikit._moved import forward

forward(__name__, "cmmikit.imports.questionnaire")
