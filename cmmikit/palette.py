"""Colours shared by charts and workbooks: the Okabe-Ito colour-blind-safe palette.

Every colour is paired with a text label wherever it is shown, so nothing is
told by colour alone.
"""

from __future__ import annotations

BLUE, SKY, GREEN, YELLOW = "#0072B2", "#56B4E9", "#009E73", "#F0E442"
ORANGE, VERMILLION, PURPLE, GREY, LIGHT_GREY = "#E69F00", "#D55E00", "#CC79A7", "#999999", "#DDDDDD"

# the colours a scale file may name (cmmikit/data/scales/*.yaml), by name
NAMED = {"blue": BLUE, "sky": SKY, "green": GREEN, "yellow": YELLOW, "orange": ORANGE, "vermillion": VERMILLION,
         "purple": PURPLE, "grey": GREY, "light_grey": LIGHT_GREY}

# instance and OU characterizations ("" = not characterized yet)
CHARACTERIZATION = {"FI": BLUE, "LI": SKY, "PI": ORANGE, "NI": VERMILLION, "NY": GREY, "": LIGHT_GREY}
CHARACTERIZATION_ORDER = ("FI", "LI", "PI", "NI", "NY", "")

# goal and PA ratings
RATING = {"Satisfied": BLUE, "Unsatisfied": VERMILLION, "Not Rated": YELLOW,
          "Not Applicable": LIGHT_GREY, "Out of Scope": GREY}
RATING_SHORT = {"Satisfied": "S", "Unsatisfied": "U", "Not Rated": "NR", "Not Applicable": "NA", "Out of Scope": "OOS"}

# finding priority bands (score 0..100, see cmmikit/data/finding_weights.yaml)
PRIORITY = {"High": VERMILLION, "Medium": ORANGE, "Low": SKY}

# text colour that stays readable on each fill
DARK_FILLS = {BLUE, VERMILLION, GREEN, PURPLE}


def text_on(fill: str) -> str:
    """Black or white text for a fill colour."""
    return "#FFFFFF" if fill in DARK_FILLS else "#000000"
