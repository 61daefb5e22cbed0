"""The Appraisal Disclosure Statement (ADS) of a SCAMPI A: what was appraised, by whom, and the ratings, signed.

:func:`disclosure` gathers the statement's content from an appraisal and its ratings: the
organizational unit with its sampled basic units and support functions and the sampling factors,
the model, representation and process areas in scope (those excluded with their reason), the
ratings, the method and version, the dates, the sponsor, the lead appraiser and the team, and the
affirmations the lead appraiser and the sponsor sign. What the method asks of an ADS is kept as data
(``data/disclosure.yaml``). Only an appraisal that yields ratings gets one: any other type is refused
with one line saying why. :func:`write_disclosure` renders it through ``templates/disclosure``
(Jinja2, autoescaped) to HTML, or to PDF with WeasyPrint.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from cmmikit import atomic
from cmmikit.errors import CmmikitError, InvalidValue
from cmmikit.method.planning import SamplePlan, plan_sample
from cmmikit.resources import templates_dir

if TYPE_CHECKING:
    from cmmikit.method.rating import Ratings
    from cmmikit.store import Appraisal

RULES = Path(__file__).resolve().parents[1] / "data" / "disclosure.yaml"
TEMPLATE = "disclosure/ads.html.j2"
FORMATS = (".pdf", ".html")
WHAT = "the disclosure statement"
EXCLUDED_WORDS = {"not_applicable": "not applicable", "out_of_scope": "out of scope"}


class NoDisclosure(CmmikitError):
    """This appraisal gets no Appraisal Disclosure Statement (it yields no ratings)."""


@dataclass(frozen=True)
class UnitRow:
    """A basic unit or support function as the statement lists it."""

    name: str
    kind: str
    subgroup: str = ""
    people: int | None = None
    sampled: bool = True
    pas: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class SubgroupRow:
    label: str
    units: int
    people: int | None
    minimum: int | None
    sampled: tuple[str, ...]


@dataclass(frozen=True)
class Disclosure:
    """Everything the statement says, ready for the template."""

    title: str
    organization: str
    org_description: str
    usage: str
    method: dict[str, str]
    representation: str
    model: str
    target_level: int
    start_date: str
    end_date: str
    valid_until: str
    issued: str
    sponsor: str
    lead_appraiser: str
    team: list[dict[str, str]]
    factors: list[dict[str, str]]
    subgroups: list[SubgroupRow]
    basic_units: list[UnitRow]
    support_functions: list[UnitRow]
    sampling_note: str
    in_scope: list[dict[str, str]]
    excluded: list[dict[str, str]]
    maturity: dict[str, Any]
    ratings: list[dict[str, str]]
    lower: list[dict[str, Any]]
    affirmations: dict[str, str]
    publication: str
    freeze: dict[str, str] | None = None
    notes: list[str] = field(default_factory=list)


def load_rules(path: str | os.PathLike | None = None) -> dict[str, Any]:
    """The ADS rules (``data/disclosure.yaml``)."""
    source = Path(path or RULES)
    try:
        rules = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CmmikitError(f"{source}: cannot read the disclosure rules ({exc})") from None
    for key in ("disclosed_types", "method", "representation", "validity_years", "affirmations", "usage_modes"):
        if key not in rules:
            raise CmmikitError(f"{source}: the disclosure rules lack {key!r}")
    return rules


def check_disclosable(appraisal_type: str, rules: dict[str, Any] | None = None) -> None:
    """Refuse, in one line, an appraisal type that yields no ratings to disclose."""
    rules = rules or load_rules()
    if appraisal_type in rules["disclosed_types"]:
        return
    why = (rules.get("refused") or {}).get(appraisal_type, f"a {appraisal_type} yields no ratings")
    raise NoDisclosure(f"no Appraisal Disclosure Statement for this appraisal: {why} (only "
                       f"{' or '.join(rules['disclosed_types'])} ratings are disclosed)")


def check_usage(usage: str | None, rules: dict[str, Any] | None = None) -> str:
    """The usage mode as given (one of the method's), or "" when none was given."""
    rules = rules or load_rules()
    if usage in (None, ""):
        return ""
    modes = rules["usage_modes"]
    if usage not in modes:
        raise InvalidValue(f"usage mode {usage!r}: give one of {', '.join(repr(m) for m in modes)}")
    return usage


def check_date(value: str | None) -> str:
    """A date given as YYYY-MM-DD (checked), or "" for none."""
    if not value:
        return ""
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise InvalidValue(f"date {value!r}: give it as YYYY-MM-DD") from None


def valid_until(end_date: str, years: int) -> str:
    """The last day the results are valid: ``years`` after the end of the appraisal (28 Feb for 29 Feb)."""
    if not end_date:
        return ""
    end = date.fromisoformat(end_date)
    try:
        return end.replace(year=end.year + years).isoformat()
    except ValueError:
        return end.replace(year=end.year + years, day=28).isoformat()


def disclosure(appraisal: "Appraisal", ratings: "Ratings", *, usage: str | None = None,
               issued: str | None = None, rules: dict[str, Any] | None = None) -> Disclosure:
    """The statement's content from one snapshot of ``appraisal`` and its ``ratings``."""
    rules = rules or load_rules()
    with appraisal.snapshot():
        info = appraisal.info()
        check_disclosable(info.appraisal_type, rules)
        model = appraisal.model
        scopes = appraisal.scopes()
        instances = appraisal.instances()
        units = appraisal.units()
        plan = plan_sample(appraisal.factors(), units)
        team = [{"name": a.name, "role": a.role, "pas": ", ".join(a.pas)} for a in appraisal.assessors()]
        frozen = appraisal.frozen()
    method = {k: str(v) for k, v in rules["method"].items()}
    words = {"method": method["name"], "version": method["version"]}
    names = {pa: model.pa(pa).name for pa in model.pa_ids}
    in_scope = [{"pa": pa, "name": names[pa], "level": str(model.pa(pa).maturity_level)}
                for pa, s in scopes.items() if s.scope == "in_scope"]
    excluded = [{"pa": pa, "name": names[pa], "scope": EXCLUDED_WORDS[s.scope],
                 "reason": s.reason or "no reason recorded"} for pa, s in scopes.items() if s.scope != "in_scope"]
    basic, support, subgroups, note = _sampling(plan, units, instances)
    notes = [] if ratings.maturity.achieved is not None else [
        "The maturity level is Not Rated: the reasons are given with the ratings."]
    if frozen is None:
        notes.append("The appraisal record is not frozen: the ratings may still change (cmmikit freeze).")
    return Disclosure(
        title=info.name, organization=info.org_unit or "(organizational unit not recorded)",
        org_description=info.description, usage=check_usage(usage, rules), method=method,
        representation=str(rules["representation"]), model=f"{model.name} (version {model.version})",
        target_level=model.target_maturity_level, start_date=info.start_date, end_date=info.end_date,
        valid_until=valid_until(info.end_date, int(rules["validity_years"])),
        issued=check_date(issued) or date.today().isoformat(), sponsor=info.sponsor, lead_appraiser=info.lead_appraiser,
        team=team, factors=[{"name": f.name, "relevant": "relevant" if f.relevant else "not relevant",
                             "justification": f.justification} for f in plan.factors],
        subgroups=subgroups, basic_units=basic, support_functions=support, sampling_note=note,
        in_scope=in_scope, excluded=excluded, maturity=_verdict(ratings.maturity),
        lower=[_verdict(v) for v in ratings.lower], affirmations={
            who: " ".join(str(text).format(**words).split()) for who, text in rules["affirmations"].items()},
        publication=str(rules.get("publication", "")),
        freeze=None if frozen is None else {"by": frozen.by, "at": frozen.at[:10], "digest": frozen.digest},
        ratings=_ratings_rows(ratings), notes=notes)


def _verdict(verdict: Any) -> dict[str, Any]:
    return {"level": verdict.level, "verdict": verdict.verdict, "reasons": list(verdict.reasons)}


def _ratings_rows(ratings: "Ratings") -> list[dict[str, str]]:
    """One row per PA in scope: its rating and its goals' ratings."""
    goals: dict[str, list[str]] = {}
    for g in ratings.goals.itertuples():
        goals.setdefault(g.pa, []).append(f"{g.goal} {g.rating}")
    return [{"pa": p.pa, "name": p.name, "rating": p.rating, "goals": "; ".join(goals.get(p.pa, []))}
            for p in ratings.pas.itertuples() if p.scope == "in_scope"]


def _sampling(plan: SamplePlan, units: list[Any], instances: list[Any]) -> tuple[list[UnitRow], list[UnitRow], list[SubgroupRow], str]:
    """Basic units, support functions and subgroups: from the sampling plan, else from the appraised instances."""
    pas = {i.name: i.pas for i in instances}
    if units:
        groups = {u: g.label for g in plan.subgroups for u in g.units}
        order = [u for g in plan.subgroups for u in g.units] + [name for name, _ in plan.unplaced]
        by_name = {u.name: u for u in units}
        basic = [UnitRow(n, "basic_unit", groups.get(n, "in no subgroup"), by_name[n].people, by_name[n].sampled,
                         pas.get(n, ()) if by_name[n].sampled else (), by_name[n].description) for n in order]
        support = [UnitRow(u.name, "support_function", "", u.people, u.sampled,
                           pas.get(u.name, ()) if u.sampled else (), u.description) for u in plan.support_functions]
        subgroups = [SubgroupRow(g.label, len(g.units), g.people, g.minimum, g.sampled) for g in plan.subgroups]
        return basic, support, subgroups, ""
    basic = [UnitRow(i.name, i.kind, i.subgroup, None, True, i.pas, i.description)
             for i in instances if i.kind == "basic_unit"]
    support = [UnitRow(i.name, i.kind, "", None, True, i.pas, i.description)
               for i in instances if i.kind == "support_function"]
    by_group: dict[str, list[str]] = {}
    for unit in basic:
        by_group.setdefault(unit.subgroup or "(no subgroup)", []).append(unit.name)
    subgroups = [SubgroupRow(label, len(names), None, None, tuple(names)) for label, names in by_group.items()]
    return basic, support, subgroups, ("No sampling plan is recorded (cmmikit factor, cmmikit unit): the units listed "
                                       "are the appraised instances, grouped by the subgroup each names; the "
                                       "organizational unit's other units and the sampling factors are not stated.")


def render_html(content: Disclosure) -> str:
    """The statement as one HTML page (Jinja2, every value escaped)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(str(templates_dir())), autoescape=select_autoescape(
        enabled_extensions=("html", "j2"), default_for_string=True, default=True), undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    return env.get_template(TEMPLATE).render(d=content)


def output_suffix(path: str | os.PathLike) -> str:
    """``.pdf`` or ``.html`` from the output's name, checked before any work (a folder or another name refused)."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in FORMATS:
        if not target.is_dir():
            raise InvalidValue(f"{target}: {WHAT} is written as PDF or HTML; name it *.pdf or *.html")
        suffix = ".pdf"
    atomic.check_output(target, suffix, WHAT)
    return suffix


def write_disclosure(appraisal: "Appraisal", output: str | os.PathLike, *, usage: str | None = None,
                     issued: str | None = None, paper: str = "a4") -> Path:
    """Write the statement to ``output`` (``.pdf`` or ``.html``), atomically; returns its path."""
    from cmmikit.method.risk import evaluate

    target = Path(output)
    suffix = output_suffix(target)
    check_disclosable(appraisal.info().appraisal_type)
    check_usage(usage)
    check_date(issued)
    with appraisal.snapshot():
        content = disclosure(appraisal, evaluate(appraisal), usage=usage, issued=issued)
    page = render_html(content)
    with atomic.replacing(target) as tmp:
        if suffix == ".pdf":
            from cmmikit.outputs.report import write_pdf

            write_pdf(page, tmp, paper=paper)
        else:
            tmp.write_text(page, encoding="utf-8", newline="\n")
    return target
