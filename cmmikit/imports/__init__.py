"""Importers: PIID workbooks, edited gap workbooks, answered questionnaires (sizes checked before parsing)."""
