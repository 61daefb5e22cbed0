"""Tables the review screens of 02_ratings share: styled frames, coverage gaps, fills for decided rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cmmikit import palette
from cmmikit.method.rating import Ratings
from cmmikit.method.coverage import load_rules
from cmmikit.ui.common import cell_style

if TYPE_CHECKING:
    import pandas as pd

GAP_COLUMNS = ["pa", "practice", "instance", "gap"]
GAP_HEADERS = {"pa": "PA", "practice": "practice", "instance": "instance", "gap": "what is missing"}
DECIDED_FILL = palette.LIGHT_GREY  # practices the team has decided (the 'team decision' column says what)
TABLE_CSS = [
    {"selector": "", "props": "border-collapse:collapse;font-size:12px;margin:4px 0"},
    {"selector": "th", "props": "background:#f3f4f6;text-align:left;padding:3px 6px;border:1px solid #d0d7de"},
    {"selector": "td", "props": "padding:3px 6px;border:1px solid #d0d7de;vertical-align:top"},
]


def styled_table(frame: "pd.DataFrame", coloured: tuple[str, ...] = (), row_colours: list[str] | None = None,
                 fills: dict[str, str] | None = None) -> str:
    """A DataFrame as compact HTML: cells escaped, rating columns coloured (by ``fills``, text -> colour, when
    given: e.g. a scale's labels), optional row highlights."""
    if frame.empty:
        return "<i>nothing to show</i>"
    styler = frame.style.hide(axis="index").format(escape="html", na_rep="").set_table_styles(TABLE_CSS)
    if row_colours is not None:
        styles = [f"background-color:{c};color:{palette.text_on(c)}" if c else "" for c in row_colours]
        styler = styler.apply(lambda row: [styles[row.name]] * len(row), axis=1)
    present = [c for c in coloured if c in frame.columns]
    if present:
        styler = styler.map(cell_style if fills is None else lambda v: fill_style(fills.get(str(v))), subset=present)
    return styler.to_html()


def fill_style(fill: str | None) -> str:
    """CSS for a cell on ``fill`` with a readable text colour (nothing without a fill)."""
    return f"background-color:{fill};color:{palette.text_on(fill)}" if fill else ""


def coverage_gaps(ratings: Ratings) -> "pd.DataFrame":
    """What is left to do in in-scope PAs: uncharacterized instances, missing or one-sided evidence,
    and failed coverage rules (one row each)."""
    import pandas as pd

    in_scope = set(ratings.pas.loc[ratings.pas.scope == "in_scope", "pa"])
    rows: list[dict[str, str]] = []
    for c in ratings.cells.itertuples():
        if c.pa not in in_scope or c.characterization == "NY":
            continue
        value = c.characterization if isinstance(c.characterization, str) else None  # pandas gives NaN for blank
        gap = cell_gap(value, c.n_artifacts, c.n_affirmations)
        if gap:
            rows.append({"pa": c.pa, "practice": c.practice, "instance": c.instance, "gap": gap})
    failed = ratings.coverage[~ratings.coverage.passed & ratings.coverage.enabled]
    for r in failed.itertuples():
        missing = coverage_missing(ratings, r.pa, r.subject) if r.pa else ""
        rows.append({"pa": r.pa, "practice": "", "instance": r.subject,
                     "gap": f"coverage rule: {r.detail}" + (f". Missing: {missing}" if missing else "")})
    return pd.DataFrame(rows, columns=GAP_COLUMNS)


def coverage_missing(ratings: Ratings, pa: str, subject: str) -> str:
    """Which practice of ``pa`` lacks what, per instance of a failed coverage rule's subject (a subgroup of
    basic units, or one support function): 'Service Desk: no artifact for SP 1.2; no affirmation for SG 2'."""
    per = load_rules().affirmations_per
    cells = ratings.cells[ratings.cells.pa == pa]
    if subject.startswith("subgroup "):
        group = subject[len("subgroup "):]
        cells = cells[(cells.instance_kind == "basic_unit") & (cells.subgroup.fillna("").replace("", "(all)") == group)]
    else:
        cells = cells[cells.instance == subject]
    parts = []
    for instance, own in cells.groupby("instance", sort=False):
        counted = own[own.characterization.fillna("") != "NY"]
        no_artifact = counted[(counted.n_artifacts == 0) & (counted.characterization.fillna("") != "NI")]
        affirmed = counted.groupby(per, sort=False).n_affirmations.sum()
        no_affirmation = [str(k) for k, n in affirmed.items() if n == 0]
        needs = []
        if len(no_artifact):
            needs.append(f"no artifact for {', '.join(no_artifact.practice)}")
        if no_affirmation:
            needs.append(f"no affirmation for {', '.join(no_affirmation) if per != 'pa' else 'the PA'}")
        if needs:
            parts.append(f"{instance}: {'; '.join(needs)}")
    return " | ".join(parts)


def cell_gap(characterization: str | None, n_artifacts: int, n_affirmations: int) -> str:
    """The gap of one practice in one instance, or '' when nothing is missing."""
    if n_artifacts + n_affirmations == 0:
        return "not characterized, no evidence" if characterization is None else "no evidence"
    missing = "affirmations only (no artifact)" if not n_artifacts else (
        "artifacts only (no affirmation)" if not n_affirmations else "")
    if characterization == "NI" and not n_artifacts:
        missing = ""  # NI records that the artifacts are missing
    if characterization is None:
        return "not characterized" + (f"; {missing}" if missing else "")
    return missing
