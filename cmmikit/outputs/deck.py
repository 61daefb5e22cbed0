"""The final findings presentation of an appraisal as a PowerPoint deck (python-pptx).

:func:`write_findings_deck` follows the structure of a SCAMPI final findings presentation:
title; appraisal overview; team; model and organizational scope; findings definitions and
the rating scale; per process area its rating, goal ratings, weaknesses and strengths (on
continuation slides when they do not fit); the ratings summary as a coloured, labelled grid;
the maturity level verdict (a readiness verdict for appraisals other than SCAMPI A); next
steps from the action plan, marked as recommendations outside the rating; the team's sign-off.

The deck never writes to the appraisal: the findings are refreshed on a snapshot copy (as the
report does), so they reflect the current weaknesses and strengths. The file is replaced
atomically. Slide layouts come from a template by name (:mod:`cmmikit.outputs.deck_pptx`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from cmmikit import atomic, palette
from cmmikit.outputs.deck_fit import Para, clean, paginate
from cmmikit.outputs.deck_pptx import (CONTENT, CONTENT_TYPES, EMU_PER_INCH, EMU_PER_PT, GAP, INSET, SECTION, TITLE_ONLY,
                               TITLE_SLIDE, Box, Canvas, Cell, Table)
from cmmikit.method.risk import OPEN, Assessment, count_text
from cmmikit.outputs.charts import OPEN_COLOUR, goal_cells

if TYPE_CHECKING:
    import pandas as pd
    from pptx.slide import Slide

    from cmmikit.outputs.report_data import Snapshot
    from cmmikit.store import Appraisal

TEXT, SMALL, HEADING = 16.0, 14.0, 18.0      # points: body text, tables and notes, headings
MAX_STATEMENT_LINES = 4                       # per finding; the rest is counted (full text in the workbook)
MAX_ACTIONS = 60                              # next steps listed; the rest is counted
NOT_RECORDED = "not recorded"
SCOPE_WORDS = {"in_scope": "In scope", "not_applicable": "Not applicable", "out_of_scope": "Out of scope"}
KIND_WORDS = {"basic_unit": "basic unit", "support_function": "support function"}
STRENGTH_DEFINITION = "An exemplary or noteworthy implementation of a model practice."
WEAKNESS_DEFINITION = "The ineffective, or lack of, implementation of one or more model practices."
CHARACTERIZATIONS = [
    ("FI  Fully implemented", "Sufficient artifacts and affirmations judged adequate; no weaknesses noted."),
    ("LI  Largely implemented", "Sufficient artifacts and affirmations judged adequate; one or more weaknesses noted."),
    ("PI  Partially implemented", "Some data absent or inadequate, or conflicting; some aspects implemented; "
                                  "one or more weaknesses noted."),
    ("NI  Not implemented", "Data absent or inadequate; the practice is not shown to be implemented; "
                            "one or more weaknesses noted."),
    ("NY  Not yet", "The basic unit has not yet reached the stage of its work where the practice applies."),
]
RATING_WORDS = [
    ("Satisfied", "Every practice of the goal is FI or LI across the organizational unit and the weaknesses do "
                  "not have a significant negative impact on the goal. A process area is Satisfied when all its "
                  "goals are."),
    ("Unsatisfied", "One or more practices PI or NI (or the team judged the weaknesses significant). A process area "
                    "with an Unsatisfied goal is Unsatisfied."),
    ("Not Rated", "A practice is not characterized, not yet implemented, awaits a team judgment, or the evidence "
                  "does not meet the coverage rules."),
    ("Not Applicable", "The process area does not apply to the organizational unit's work."),
    ("Out of Scope", "Applicable, but excluded from this appraisal's model scope."),
]


@dataclass(frozen=True)
class DeckFiles:
    """What :func:`write_findings_deck` wrote."""

    path: Path
    slides: int


def write_findings_deck(appraisal: "Appraisal", path: str | os.PathLike, *, template: str | os.PathLike | None = None,
                        report_date: str | date | None = None) -> Path:
    """Write the final findings deck of ``appraisal`` to ``path`` (.pptx), optionally on a corporate template."""
    return build_findings_deck(appraisal, path, template=template, report_date=report_date).path


def build_findings_deck(appraisal: "Appraisal", path: str | os.PathLike, *,
                        template: str | os.PathLike | None = None,
                        report_date: str | date | None = None) -> DeckFiles:
    """As :func:`write_findings_deck`, also returning the slide count."""
    path = atomic.check_output(path, ".pptx", "the deck")
    today = _report_date(report_date)
    canvas = Canvas(template)     # a bad template is refused before any work
    snap = read_current(appraisal, today)
    canvas.footer = f"Final findings · {clean(snap.info.name)} · {today.isoformat()}"
    _builder(snap)(canvas, snap, today).build()
    with atomic.replacing(path, suffix=".pptx") as tmp:
        canvas.prs.save(tmp)
    return DeckFiles(path, len(canvas.prs.slides))


def _report_date(value: str | date | None) -> date:
    from cmmikit.outputs.report_data import parse_report_date

    if value is None:
        return date.today()
    if isinstance(value, date):
        return value
    return parse_report_date(str(value))


def read_current(appraisal: "Appraisal", today: date) -> "Snapshot":
    """Ratings, findings (refreshed) and actions of a snapshot copy; the appraisal itself is not written."""
    from cmmikit.outputs.report_data import read_snapshot
    from cmmikit.method.snapshot import synced_copy

    with synced_copy(appraisal) as copy:
        return read_snapshot(copy, today)


# ------------------------------------------------------------------ the slides


def _builder(snap: "Snapshot") -> type["_Builder"]:
    """The SCAMPI A deck, or the SCAMPI B/C deck (findings, not ratings: :class:`RiskBuilder`)."""
    from cmmikit.method.risk import is_assessment

    if is_assessment(snap.ratings):
        return RiskBuilder
    return _Builder


class _Builder:
    """Adds the slides of one deck to a canvas, section by section."""

    RESULTS = "findings and ratings"      # what the team presents and signs
    RECOMMENDATION = ("A suggested next step. Recommendations are kept apart from the findings and are not part of "
                      "the rating.")
    FINDINGS_BY_PA = ("Per process area: its rating, the goal ratings, then the weaknesses and strengths the team "
                      "found, in model order.")
    BLOCKING = "Suggested starting points: the highest-priority weaknesses on unsatisfied goals"

    def __init__(self, canvas: Canvas, snap: "Snapshot", today: date):
        self.canvas, self.snap, self.today = canvas, snap, today
        self.info, self.model, self.ratings = snap.info, snap.model, snap.ratings

    def build(self) -> None:
        self.title_slide()
        self.overview()
        self.team()
        self.model_scope()
        self.organizational_scope()
        self.definitions()
        self.section("Findings by process area", self.FINDINGS_BY_PA)
        for pa in self.model.process_areas.values():
            self.process_area(pa.id)
        self.results()
        self.next_steps()
        self.sign_off()

    def results(self) -> None:
        """The ratings summary grid and the maturity level verdict."""
        self.section("Ratings and verdict", "The goal and process area ratings and the resulting "
                     f"maturity level {'rating' if self.ratings.maturity.formal else 'readiness'}.")
        self.ratings_summary()
        self.verdict()

    # -- generic slide kinds

    def flow(self, title: str, paras: Sequence[Para]) -> list["Slide"]:
        """Text slides on the content layout: as many as the paragraphs need, continuations marked."""
        body = self.canvas.body
        pages = self._paginate(paras, body)
        slides = []
        for n, page in enumerate(pages):
            slide = self.canvas.slide(CONTENT, _numbered(title, n, len(pages)))
            shape = self.canvas.placeholder(slide, CONTENT_TYPES)
            if shape is None:
                shape = self.canvas.text_shape(slide, body)
            else:
                shape.left, shape.top, shape.width, shape.height = body.left, body.top, body.width, body.height
            self.canvas.write(shape, page)
            self.canvas.finish(slide)
            slides.append(slide)
        return slides

    def tables(self, title: str, table: Table, lead: Sequence[Para] = (), after: Sequence[Para] = ()) -> None:
        """Table slides on the title-only layout: the header repeats, ``lead`` goes above, ``after`` below."""
        canvas, body = self.canvas, self.canvas.body
        full = body.height / EMU_PER_PT
        lead_height = canvas.height_of(lead, body.width) + GAP if lead else 0.0
        after_height = canvas.height_of(after, body.width) + GAP if after else 0.0
        pages = canvas.table_pages(table, body.width, full, full - lead_height)
        used = table.heights[0] + sum(table.heights[i + 1] for i in pages[-1]) + (lead_height if len(pages) == 1 else 0)
        if after and used + after_height > full:
            pages.append([])   # the closing text goes on a slide of its own
        for n, rows in enumerate(pages):
            slide = canvas.slide(TITLE_ONLY, _numbered(title, n, len(pages)))
            box = body
            if lead and n == 0:
                canvas.text_box(slide, box, lead)
                box = box.below(lead_height - GAP)
            if rows or n == 0:
                box = box.below(canvas.place_table(slide, box, table, rows))
            if after and n == len(pages) - 1:
                canvas.text_box(slide, box, after)
            canvas.finish(slide)

    def section(self, title: str, subtitle: str) -> None:
        slide = self.canvas.slide(SECTION, title, title_sizes=(36, 32, 28))
        body = self.canvas.placeholder(slide, CONTENT_TYPES)
        if body is not None:
            self.canvas.fit_line(body, subtitle, (20, 18, 16))
        self.canvas.finish(slide)

    def _paginate(self, paras: Sequence[Para], box: Box, first_height: float | None = None) -> list[list[Para]]:
        """Pages of ``paras`` for a text box like ``box`` (the first page ``first_height`` points high)."""
        return paginate(paras, box.inner_width, box.inner_height, self.canvas.measure,
                        None if first_height is None else first_height - 2 * INSET)

    # -- the sections

    def title_slide(self) -> None:
        canvas = self.canvas
        slide = canvas.slide(TITLE_SLIDE, self.info.name or "Appraisal", footer=False, title_sizes=(40, 36, 32, 28))
        lines = ["Final findings", f"{self.info.appraisal_type} appraisal · {self.model.name} {self.model.version}",
                 self.info.org_unit, f"Presented {self.today.isoformat()}"]
        shape = canvas.placeholder(slide, {"SUBTITLE", "BODY"})
        if shape is None:
            title = canvas.placeholder(slide, {"TITLE", "CENTER_TITLE"})
            top = (title.top + title.height) if title is not None else canvas.body.top
            shape = canvas.text_shape(slide, Box(canvas.body.left, top, canvas.body.width,
                                                 canvas.prs.slide_height - top - EMU_PER_INCH // 2))
        box = Box(shape.left, shape.top, shape.width, shape.height)
        for size in (24, 20, 18, 16):   # the largest size at which the subtitle fits its box
            paras = [Para(clean(t), size, bold=n == 0) for n, t in enumerate(lines) if clean(t)]
            try:
                pages = self._paginate(paras, box)
            except ValueError:          # a template's subtitle box lower than one line: left out
                pages = [[]]
            if len(pages) == 1:
                break
        canvas.write(shape, pages[0])   # at the smallest size, what fits (the overview has every fact)
        canvas.finish(slide)

    def overview(self) -> None:
        info, model = self.info, self.model
        period = " to ".join(d for d in (info.start_date, info.end_date) if d) or NOT_RECORDED
        kind = self._kind()
        facts = [("Appraisal", info.name), ("Organizational unit", info.org_unit), ("Sponsor", info.sponsor),
                 ("Lead appraiser", info.lead_appraiser), ("Appraisal period", period),
                 ("Appraisal type", f"{info.appraisal_type} ({kind})"),
                 ("Model", f"{model.name} {model.version} (model id {model.id}), "
                           f"maturity level {model.target_maturity_level}"),
                 ("Objectives", info.description), ("Presented", self.today.isoformat())]
        rows = [[Cell(label, bold=True), Cell(clean(value) or NOT_RECORDED)] for label, value in facts]
        self.tables("Appraisal overview", Table([Cell("Item"), Cell("Details")], rows, (1.0, 3.2), SMALL))

    def _kind(self) -> str:
        """What this appraisal type gives, for the overview."""
        return ("rates the maturity level" if self.ratings.maturity.formal
                else "gives findings and a readiness indication, no maturity level rating")

    def team_members(self) -> list[tuple[str, str, str]]:
        """(name, role, process areas) of the team, the lead appraiser first."""
        members = [(clean(a.name), clean(a.role) or "Team member", ", ".join(a.pas)) for a in self.snap.assessors]
        lead = clean(self.info.lead_appraiser)
        if lead and lead not in {m[0] for m in members}:
            members.insert(0, (lead, "Lead appraiser", ""))
        members.sort(key=lambda m: (0 if m[0] == lead or m[1].lower() == "lead appraiser" else 1))
        return members

    def team(self) -> None:
        members = self.team_members()
        if not members:
            self.flow("Appraisal team", [Para("No appraisal team members are recorded.", TEXT)])
            return
        rows = [[Cell(name), Cell(role), Cell(pas or "all in scope")] for name, role, pas in members]
        self.tables("Appraisal team", Table([Cell("Name"), Cell("Role"), Cell("Process areas")], rows,
                                            (2.2, 1.6, 3.0), SMALL))

    def model_scope(self) -> None:
        rows = []
        for pa in self.model.process_areas.values():
            scope = self.snap.scopes[pa.id]
            rows.append([Cell(pa.id, bold=True), Cell(pa.name), Cell(SCOPE_WORDS.get(scope.scope, scope.scope)),
                         Cell(clean(scope.reason) or ("" if scope.scope == "in_scope" else "no reason recorded"))])
        lead = [Para(f"{self.model.name} {self.model.version}, maturity level {self.model.target_maturity_level}: "
                     f"{sum(s.scope == 'in_scope' for s in self.snap.scopes.values())} of {len(rows)} process areas "
                     "in scope.", SMALL)]
        self.tables("Scope: model", Table([Cell("PA"), Cell("Process area"), Cell("Scope"), Cell("Reason")], rows,
                                          (0.8, 3.0, 1.5, 3.5), SMALL), lead)

    def organizational_scope(self) -> None:
        instances = self.snap.instances
        units = [i for i in instances if i.kind != "support_function"]
        support = [i for i in instances if i.kind == "support_function"]
        all_pas = set(self.model.pa_ids)
        paras = [Para(f"Organizational unit: {clean(self.info.org_unit) or NOT_RECORDED}", TEXT, bold=True),
                 Para(f"Sampled basic units ({len(units)})", HEADING, bold=True, space_before=10, keep_with_next=True)]
        groups: dict[str, list[str]] = {}
        for unit in units:
            only = "" if set(unit.pas) >= all_pas else f" ({', '.join(unit.pas) or 'no process areas'})"
            groups.setdefault(clean(unit.subgroup) or "No subgroup", []).append(clean(unit.name) + only)
        continued = (Para(f"Sampled basic units ({len(units)}, continued)", HEADING, bold=True),)
        for subgroup, names in groups.items():
            paras.append(Para(f"{subgroup}: {', '.join(names)}", TEXT, indent=1, bullet="•", space_before=4,
                              context=continued))
        if not units:
            paras.append(Para("None recorded.", TEXT, indent=1))
        paras.append(Para(f"Support functions ({len(support)})", HEADING, bold=True, space_before=10,
                          keep_with_next=True))
        continued = (Para(f"Support functions ({len(support)}, continued)", HEADING, bold=True),)
        for function in support:
            paras.append(Para(f"{clean(function.name)}: performs {', '.join(function.pas) or 'no process areas'} "
                              "for the basic units", TEXT, indent=1, bullet="•", space_before=4, context=continued))
        if not support:
            paras.append(Para("None.", TEXT, indent=1))
        self.flow("Scope: organizational unit", paras)

    def definitions(self) -> None:
        rows = [[Cell("Strength", bold=True), Cell(STRENGTH_DEFINITION)],
                [Cell("Weakness", bold=True), Cell(WEAKNESS_DEFINITION)],
                [Cell("Finding", bold=True), Cell("Weaknesses (and strengths) of one practice across the sampled "
                                                  "basic units and support functions, shown per process area with "
                                                  "the practice and how many sampled units it was found in.")],
                [Cell("Recommendation", bold=True), Cell(self.RECOMMENDATION)]]
        self.tables("Findings definitions", Table([Cell("Term"), Cell("Definition")], rows, (1.3, 5.0), SMALL))
        self.scale_definitions()

    def scale_definitions(self) -> None:
        """The characterization values and the goal and process area ratings."""
        rows = [[Cell(term, bold=True), Cell(text)] for term, text in CHARACTERIZATIONS]
        self.tables("Rating scale: practice characterizations", Table([Cell("Value"), Cell("Meaning")], rows,
                                                                      (1.6, 5.0), SMALL),
                    [Para("Each practice is characterized per sampled basic unit and support function, then "
                          "aggregated to the organizational unit.", SMALL)])
        rows = [[Cell(term, bold=True, fill=palette.RATING[term], colour=palette.text_on(palette.RATING[term])),
                 Cell(text)] for term, text in RATING_WORDS]
        self.tables("Rating scale: goals and process areas", Table([Cell("Rating"), Cell("Meaning")], rows,
                                                                   (1.6, 5.0), SMALL),
                    [Para("Goals are rated from the organizational-unit characterizations of their practices; "
                          "process areas and the maturity level from the goal ratings.", SMALL)])

    def process_area(self, pa_id: str) -> None:
        canvas, pa = self.canvas, self.model.pa(pa_id)
        row = self.ratings.pas[self.ratings.pas["pa"] == pa_id].iloc[0]
        title = f"{pa.id} {pa.name}"
        body = canvas.body
        text, fill = self._pa_label(row)
        label = Para(text, SMALL, bold=True, colour=palette.text_on(fill))
        label_width = int((canvas.measure.width(label.text, SMALL, bold=True) + 2 * INSET + 2) * EMU_PER_PT)
        facts = [Para(self._rating_facts(row), SMALL)]
        facts_left = label_width + int(GAP * EMU_PER_PT)
        strip_height = max(canvas.height_of([label], label_width), canvas.height_of(facts, body.width - facts_left))
        under_strip = body.below(strip_height)
        goals = self._goal_table(pa_id)
        canvas.measure_table(goals, body.width)
        paras = self._finding_paras(pa_id, row)
        first = under_strip.height / EMU_PER_PT - sum(goals.heights) - GAP
        pages = self._paginate(paras, under_strip, first) if paras else [[]]
        for n, page in enumerate(pages):
            slide = canvas.slide(TITLE_ONLY, _numbered(title, n, len(pages)), title_sizes=(28, 24))
            strip = body.take(strip_height)
            canvas.text_box(slide, Box(strip.left, strip.top, label_width, strip.height), [label], fill=fill)
            canvas.text_box(slide, Box(strip.left + facts_left, strip.top, strip.width - facts_left, strip.height),
                            facts)
            box = under_strip
            if n == 0:
                box = box.below(canvas.place_table(slide, box, goals, range(len(goals.rows))))
            if page:
                canvas.text_box(slide, box, page)
            canvas.finish(slide)

    @staticmethod
    def _pa_label(row: Any) -> tuple[str, str]:
        """The coloured label beside a PA's title: (text, fill)."""
        return f"PA rating: {row.rating}", palette.RATING.get(row.rating, palette.GREY)

    @staticmethod
    def _rating_facts(row: Any) -> str:
        """What the PA rating rests on, in one line beside it."""
        if row.scope != "in_scope":
            return f"{SCOPE_WORDS[row.scope]}: {clean(row.scope_reason) or 'no reason recorded'}"
        return (f"Capability level {_cl(row.capability_level)} · {row.n_satisfied} of {row.n_goals} goals "
                f"satisfied · {row.n_instances} sampled basic units / support functions")

    def _goal_table(self, pa_id: str) -> Table:
        goals = self.ratings.goals[self.ratings.goals["pa"] == pa_id]
        rows = []
        for g in goals.itertuples():
            fill = palette.RATING.get(g.rating, palette.GREY)
            basis = clean(g.reason)
            if clean(g.decision_rationale):
                basis = f"{basis}; rationale: {clean(g.decision_rationale)}"
            rows.append([Cell(g.goal, bold=True), Cell(clean(g.title)),
                         Cell(g.rating, fill=fill, colour=palette.text_on(fill), bold=True), Cell(basis)])
        return Table([Cell("Goal"), Cell("Title"), Cell("Rating"), Cell("Basis")], rows, (0.7, 3.2, 1.4, 3.2), SMALL)

    def _finding_paras(self, pa_id: str, row: Any) -> list[Para]:
        frame = self.snap.findings
        mine = frame[(frame["pa"] == pa_id) & (frame["status"] == "open")] if not frame.empty else frame
        paras: list[Para] = []
        if row.scope != "in_scope":
            return paras
        for kind, heading in (("weakness", "Weaknesses"), ("strength", "Strengths")):
            found = self._in_model_order(pa_id, mine[mine["kind"] == kind]) if len(mine) else []
            paras.append(Para(f"{heading} ({len(found)})", HEADING, bold=True, space_before=8 if paras else 0,
                              keep_with_next=True))
            if not found:
                paras.append(Para(f"No {heading.lower()} recorded.", TEXT, indent=1))
            continued = Para(f"{heading} (continued)", HEADING, bold=True)
            for finding in found:
                paras.extend(_finding_lines(finding, (continued,)))
        return paras

    def _in_model_order(self, pa_id: str, frame: "pd.DataFrame") -> list[dict[str, Any]]:
        pa = self.model.pa(pa_id)
        goal_rank = {g.id: n for n, g in enumerate(pa.goals)}
        practice_rank = {p.id: n for n, p in enumerate(pa.practices)}

        def key(f: dict[str, Any]) -> tuple[int, int, int]:
            first = str(f["practices"]).split(", ")[0]
            return goal_rank.get(f["goal"], 99), practice_rank.get(first, 999), int(f["id"])

        return sorted(frame.to_dict("records"), key=key)

    def ratings_summary(self) -> None:
        goal_columns = _goal_columns(self.ratings.goals["goal"])
        by_cell = {(g.pa, g.goal): g.rating for g in self.ratings.goals.itertuples()}
        rows = []
        for pa in self.ratings.pas.itertuples():
            cells = [Cell(pa.pa, bold=True), Cell(pa.name)]
            for goal in goal_columns:
                rating = by_cell.get((pa.pa, goal))
                if rating is None:
                    cells.append(Cell("–"))
                else:
                    fill = palette.RATING.get(rating, palette.GREY)
                    cells.append(Cell(palette.RATING_SHORT.get(rating, rating), fill=fill, bold=True,
                                      colour=palette.text_on(fill)))
            fill = palette.RATING.get(pa.rating, palette.GREY)
            cells += [Cell(pa.rating, fill=fill, bold=True, colour=palette.text_on(fill)),
                      Cell(_cl(pa.capability_level))]
            rows.append(cells)
        header = [Cell("PA"), Cell("Process area"), *(Cell(g) for g in goal_columns), Cell("PA rating"),
                  Cell("Capability")]
        shares = (0.8, 3.0, *(0.75 for _ in goal_columns), 1.6, 1.2)
        used = [r for r in palette.RATING if r in set(self.ratings.goals["rating"]) | set(self.ratings.pas["rating"])]
        legend = [Para("Legend: " + ";  ".join(f"{palette.RATING_SHORT[r]} = {r}" for r in used) +
                       ";  – = the process area has no such goal.", SMALL)]
        self.tables("Ratings summary: goals and process areas", Table(header, rows, shares, SMALL), after=legend)

    def verdict(self) -> None:
        canvas, verdict = self.canvas, self.ratings.maturity
        title = "Maturity level verdict" if verdict.formal else "Maturity level readiness"
        fill = {True: palette.RATING["Satisfied"], False: palette.RATING["Unsatisfied"]}.get(
            verdict.achieved, palette.RATING["Not Rated"])
        headline = [Para(verdict.headline, 32, bold=True, colour=palette.text_on(fill))]
        pas = self.ratings.pas
        satisfied = int(pas["rating"].isin(["Satisfied", "Not Applicable"]).sum())
        paras = [Para(f"{satisfied} of {len(pas)} process areas Satisfied or Not Applicable.", TEXT),
                 Para("Basis", HEADING, bold=True, space_before=8, keep_with_next=True)]
        names = {pa.id: pa.name for pa in self.model.process_areas.values()}
        for reason in verdict.reasons:
            pa, _, rest = reason.partition(" ")
            text = f"{pa} {names[pa]}: {rest}" if pa in names else reason
            paras.append(Para(text, TEXT, indent=1, bullet="•", space_before=4))
        for lower in self.ratings.lower:  # a level 3 target still reports level 2
            paras.append(Para(f"{lower.headline} ({'; '.join(lower.reasons)})", TEXT, bold=True, space_before=8))
        if verdict.formal:
            note = (f"Rated under SCAMPI A v1.3: maturity level {verdict.level} is achieved only when every "
                    f"maturity level {verdict.level} process area is Satisfied or Not Applicable; a Not Rated or "
                    "Out of Scope process area means no maturity level rating.")
        else:
            note = (f"A {clean(self.info.appraisal_type)} appraisal does not award a maturity level. This readiness "
                    "indication applies the SCAMPI A rules to the recorded characterizations; it is not a rating.")
        paras.append(Para(note, SMALL, space_before=10))
        self._headline_slides(canvas, title, headline, fill, paras)

    def _headline_slides(self, canvas: Any, title: str, headline: list, fill: str, paras: list) -> None:
        """Slides headed by a filled ``headline`` box, ``paras`` paginated below it (numbered when several)."""
        body = canvas.body
        rest = body.below(canvas.height_of(headline, body.width))
        pages = self._paginate(paras, rest)
        for n, page in enumerate(pages):
            slide = canvas.slide(TITLE_ONLY, _numbered(title, n, len(pages)))
            canvas.text_box(slide, body, headline, fill=fill)
            canvas.text_box(slide, rest, page)
            canvas.finish(slide)

    def next_steps(self) -> None:
        actions = self.snap.actions
        lead = [Para(f"Recommendations: not part of the appraisal {self.RESULTS.split()[-1]}", HEADING, bold=True),
                Para("These next steps come from the improvement action plan. They are the team's recommendations "
                     f"for improvement; the {self.RESULTS} above do not depend on them.", SMALL, space_before=4)]
        title = "Next steps (recommendations)"
        open_ = actions[~actions["status"].isin(["done", "cancelled"])] if len(actions) else actions
        if open_.empty:
            self.flow(title, lead + self._starting_points())
            return
        open_ = open_.sort_values(["days_overdue", "due_date", "id"], ascending=[False, True, True])
        shown = open_.head(MAX_ACTIONS)
        rows = [[Cell(f"{a.pa} {a.goal}: {clean(a.finding)}"), Cell(clean(a.description)),
                 Cell(clean(a.owner) or "–"), Cell(a.due_date or "–"), Cell(_action_status(a))]
                for a in shown.itertuples()]
        closed = len(actions) - len(open_)
        after = []
        if len(open_) > len(shown):
            after.append(f"{len(open_) - len(shown)} more open actions are in the action plan (gap-analysis workbook).")
        if closed:
            after.append(f"{closed} action(s) already done or cancelled are not listed.")
        self.tables(title, Table([Cell("Finding"), Cell("Recommended action"), Cell("Owner"), Cell("Due"),
                                  Cell("Status")], rows, (3.2, 3.6, 1.8, 1.3, 1.5), SMALL),
                    lead, [Para(text, SMALL) for text in after])

    def _starting_points(self) -> list[Para]:
        from cmmikit.method.findings import top_blocking

        paras = [Para("No open improvement actions are planned yet.", TEXT, space_before=10)]
        frame = self.snap.findings
        blocking = top_blocking(frame, 5) if not frame.empty else frame
        if len(blocking):
            paras.append(Para(self.BLOCKING, HEADING, bold=True, space_before=10, keep_with_next=True))
            for f in blocking.itertuples():
                paras.append(Para(f"{f.pa} {f.goal}: {clean(f.headline)}", TEXT, indent=1, bullet="•",
                                  space_before=4))
        return paras

    def sign_off(self) -> None:
        members = self.team_members() or [("", "", "")] * 4
        period = " to ".join(d for d in (self.info.start_date, self.info.end_date) if d)
        lead = [Para(f"By signing, the appraisal team members confirm that the {self.RESULTS} presented are "
                     f"the team's consensus judgment for {clean(self.info.org_unit) or 'the organizational unit'}, "
                     "based on the objective evidence reviewed" + (f" from {period}." if period else "."), SMALL)]
        rows = [[Cell(name), Cell(role), Cell(""), Cell("")] for name, role, _ in members]
        self.tables("Appraisal team sign-off", Table([Cell("Name"), Cell("Role"), Cell("Signature"), Cell("Date")],
                                                     rows, (2.6, 1.8, 3.2, 1.4), SMALL, row_min_pt=40.0), lead)


# ------------------------------------------------------------------ small helpers


def _numbered(title: str, n: int, total: int) -> str:
    return title if total <= 1 else f"{title} ({n + 1} of {total})"


def _cl(value: str) -> str:
    return value if value.startswith("CL") else {"Not Rated": "not rated", "Not Applicable": "n/a",
                                                  "Out of Scope": "out of scope"}.get(value, value)


def _goal_columns(goals: Iterable[str]) -> list[str]:
    """Specific goals in number order, then generic goals."""
    def key(goal: str) -> tuple[bool, int, str]:
        kind, _, number = goal.partition(" ")
        return kind.startswith("G"), int(number) if number.isdigit() else 0, goal
    return sorted(set(goals), key=key)


def _finding_lines(finding: dict[str, Any], context: tuple[Para, ...] = ()) -> list[Para]:
    """A finding as a bullet: practices and breadth, then its statement (at most a few lines of it)."""
    label = finding["practices"] or finding["goal"]
    if finding["n_instances"]:
        label += f" ({finding['n_instances']} of {finding['n_sampled']} sampled units)"
    lines = [line for line in (clean(part) for part in clean(finding["statement"]).split("\n")) if line]
    if len(lines) <= 1:
        return [Para(f"{label}: {lines[0] if lines else ''}", TEXT, indent=1, bullet="•", space_before=6,
                     context=context)]
    head = Para(f"{label}:", TEXT, indent=1, bullet="•", space_before=6, keep_with_next=True, context=context)
    inner = (*context, Para(f"{label}, continued:", TEXT, indent=1, bullet="•"))
    paras = [head] + [Para(line, TEXT, indent=2, bullet="–", space_before=2, context=inner)
                      for line in lines[:MAX_STATEMENT_LINES]]
    if len(lines) > MAX_STATEMENT_LINES:
        paras.append(Para(f"… and {len(lines) - MAX_STATEMENT_LINES} more lines (full text in the gap-analysis "
                          "workbook)", SMALL, indent=2, space_before=2, context=inner))
    return paras


def _action_status(action: Any) -> str:
    status = str(action.status).replace("_", " ")
    return f"{status}, overdue {action.days_overdue} days" if action.overdue else status


# ------------------------------------------------------------------ SCAMPI B and C
# The deck of a SCAMPI B or C appraisal gives findings, not ratings, on the appraisal's scale.
# RiskBuilder is the SCAMPI A deck with the parts that would rate
# replaced: the scale slide shows the appraisal's values with their colours and meanings (and, for a
# SCAMPI B, the readiness forecast rules); each process area shows its practices per value and its
# goals' forecast (SCAMPI C: their worst value); the summary grid shows the forecast per goal; the
# last slide before the next steps is the readiness forecast (SCAMPI C: the practices on track). Every
# colour carries its word.


class RiskBuilder(_Builder):
    """The deck of a SCAMPI B/C appraisal (``snap.ratings`` is an :class:`~cmmikit.method.risk.Assessment`)."""

    RESULTS = "findings"
    RECOMMENDATION = "A suggested next step. Recommendations are kept apart from the findings and are not part of them."
    FINDINGS_BY_PA = ("Per process area: its practices by value on the appraisal's scale and what that means for "
                      "each goal, then the weaknesses and strengths the team found, in model order. No rating.")

    @property
    def assessment(self) -> Assessment:
        return self.ratings  # type: ignore[return-value]

    @property
    def BLOCKING(self) -> str:  # type: ignore[override]
        outcomes = self.assessment.scale.forecast.outcomes if self.assessment.scale.forecast else ()
        blocking = " or ".join(o.text for o in outcomes if o.blocks_level)
        return f"Suggested starting points: the highest-priority weaknesses on goals {blocking}" if blocking else \
            "Suggested starting points: the highest-priority weaknesses"

    def _kind(self) -> str:
        dry_run = "; a readiness dry run for a SCAMPI A" if self.assessment.scale.forecast else ""
        return f"gives findings, not ratings: no goal, process area or maturity level is rated{dry_run}"

    def scale_definitions(self) -> None:
        scale = self.assessment.scale
        rows = [[Cell(v.label, bold=True, fill=v.colour, colour=palette.text_on(v.colour)),
                 Cell(clean(v.meaning) or ("on track" if v.on_track else ""))] for v in scale.values]
        rule = {"worst": "the worst (highest-risk) value across its sampled instances",
                "best": "the best value across its sampled instances",
                "scampi-a": "the SCAMPI A aggregation table"}[scale.rule]
        decide = ", unless the team records another value with its rationale" if scale.team_may_decide else ""
        self.tables(f"Characterization scale: {clean(scale.name)}", Table([Cell("Value"), Cell("Meaning")], rows,
                                                                          (1.8, 5.0), SMALL),
                    [Para(f"{clean(scale.description)} Each practice is characterized per sampled basic unit and "
                          f"support function; its organizational-unit value is {rule}{decide}.", SMALL)],
                    [Para(f"A {self.info.appraisal_type} gives findings, not ratings: no goal, process area or "
                          "maturity level is rated.", SMALL, bold=True)])
        if scale.forecast is None:
            return
        rows = [[Cell(o.label, bold=True, fill=o.colour, colour=palette.text_on(o.colour)),
                 Cell(f"{o.text}: when {'any' if o.any else 'every'} practice of the goal is "
                      f"{' or '.join(scale.label(v) for v in o.any or o.all)}")] for o in scale.forecast.outcomes]
        rows.append([Cell(OPEN, bold=True, fill=OPEN_COLOUR, colour=palette.text_on(OPEN_COLOUR)),
                     Cell(scale.forecast.otherwise)])
        self.tables("Readiness forecast per goal", Table([Cell("Forecast"), Cell("When")], rows, (1.6, 5.0), SMALL),
                    [Para(f"{scale.forecast.question} A forecast, not a rating: the first line that holds applies.",
                          SMALL)])

    def _pa_label(self, row: Any) -> tuple[str, str]:  # type: ignore[override]
        scale = self.assessment.scale
        if row.scope != "in_scope":
            return "Not in scope", palette.GREY
        if scale.forecast:
            goals = self.assessment.goals[self.assessment.goals["pa"] == row.pa]
            for outcome in scale.forecast.outcomes:
                if outcome.key in set(goals["forecast"]):
                    return f"Weakest goal: {outcome.label}", outcome.colour
            return f"Goals: {OPEN}", OPEN_COLOUR
        return f"{row.on_track_share:.0%} on track", palette.SKY

    def _rating_facts(self, row: Any) -> str:  # type: ignore[override]
        if row.scope != "in_scope":
            return super()._rating_facts(row)
        return (f"{row.summary} · {row.on_track_share:.0%} of its practices on track · {row.n_instances} sampled "
                "basic units / support functions")

    def _goal_table(self, pa_id: str) -> Table:
        scale = self.assessment.scale
        _, cells, _ = goal_cells(self.assessment)
        rows = []
        for g in self.assessment.goals[self.assessment.goals["pa"] == pa_id].itertuples():
            label, fill = cells[(g.pa, g.goal)]
            shown = g.forecast_label if scale.forecast and g.forecast else label
            rows.append([Cell(g.goal, bold=True), Cell(clean(g.title)),
                         Cell(shown, fill=fill, colour=palette.text_on(fill), bold=True), Cell(clean(g.summary))])
        header = "Forecast" if scale.forecast else "Worst value"
        return Table([Cell("Goal"), Cell("Title"), Cell(header), Cell("Practices")], rows, (0.7, 3.0, 1.9, 2.9),
                     SMALL)

    def results(self) -> None:
        forecast = self.assessment.scale.forecast
        self.section("Risk summary and forecast" if forecast else "Risk summary",
                     "What the practices mean for each goal: " + ("the readiness forecast for a SCAMPI A."
                                                                    if forecast else "its worst value.")
                     + " Findings, not ratings.")
        self.risk_summary()
        self.forecast()

    def risk_summary(self) -> None:
        a = self.assessment
        title, cells, legend = goal_cells(a)
        goal_columns = _goal_columns(a.goals["goal"])
        rows = []
        for pa in a.pas.itertuples():
            row = [Cell(pa.pa, bold=True), Cell(pa.name)]
            for goal in goal_columns:
                found = cells.get((pa.pa, goal))
                row.append(Cell("–") if found is None else
                           Cell(found[0], fill=found[1], bold=True, colour=palette.text_on(found[1])))
            row.append(Cell(f"{pa.on_track_share:.0%}" if pa.scope == "in_scope" else "–"))
            rows.append(row)
        header = [Cell("PA"), Cell("Process area"), *(Cell(g) for g in goal_columns), Cell("On track")]
        shares = (0.8, 2.6, *(1.05 for _ in goal_columns), 1.0)
        after = [Para("Legend: " + ";  ".join(label for label, _ in legend) + ";  – = the process area has no such "
                      "goal. On track: share of the process area's practices "
                      f"{' or '.join(a.scale.label(v) for v in a.scale.on_track_values)}.", SMALL)]
        lead = [Para(title, SMALL, bold=True)]
        self.tables("Risk summary: goals and process areas", Table(header, rows, shares, SMALL), lead, after)

    def forecast(self) -> None:
        canvas, a = self.canvas, self.assessment
        scale = a.scale
        counts = a.value_counts()
        on_track = sum(counts[v] for v in scale.on_track_values)
        track = (f"{on_track} of {sum(counts.values())} practices in scope on track; "
                 f"{count_text(counts, scale, counts[OPEN])}.")
        if scale.forecast:
            outcome, headline_text = a.level_outlook()
            fill = outcome.colour if outcome else OPEN_COLOUR
            title = "Readiness forecast"
            paras = [Para(f"{scale.forecast.question} {a.forecast_text()}.", TEXT), Para(track, TEXT, space_before=6)]
        else:
            headline_text, fill, title = track, palette.SKY, "Results"
            paras = []
        paras.append(Para("Basis", HEADING, bold=True, space_before=8, keep_with_next=True))
        for pa in a.pas.itertuples():
            if pa.scope == "in_scope":
                detail = f"goals {pa.forecast_summary}" if scale.forecast else pa.summary
                paras.append(Para(f"{pa.pa} {pa.name}: {detail}", TEXT, indent=1, bullet="•", space_before=4))
        paras.append(Para(f"A {clean(self.info.appraisal_type)} appraisal gives findings, not ratings: no goal, "
                          "process area or maturity level is rated. "
                          + ("The forecast says how each goal would fare in a SCAMPI A if the practices as "
                             "observed were deployed across the organizational unit." if scale.forecast else ""),
                          SMALL, space_before=10))
        headline = [Para(headline_text, 24, bold=True, colour=palette.text_on(fill))]
        self._headline_slides(canvas, title, headline, fill, paras)
