"""A realistic, reproducible sample appraisal ("Northwind IT Services") for trying cmmikit out."""

from __future__ import annotations

import random
from pathlib import Path

from cmmikit.store import Appraisal

UNITS = [
    ("Service Desk", "basic_unit", "Operations", "First- and second-line support for 4,000 users."),
    ("Data Centre Operations", "basic_unit", "Operations", "Hosting, backup and infrastructure monitoring."),
    ("Cloud Migration Services", "basic_unit", "Projects", "Moves customer workloads to the cloud; started this year."),
    ("Quality and Configuration Office", "support_function", "", "Runs QA audits and the CMDB for all units."),
]
SUPPORT_PAS = ("CM", "PPQA")
ASSESSORS = [("Dana Whitfield", "Lead appraiser", ()), ("Ravi Menon", "Assessor", ("SD", "WP", "WMC", "SAM")),
             ("Lucia Ortega", "Assessor", ("CM", "MA", "PPQA", "REQM"))]
# share of FI, LI, PI, NI per PA: most are in good shape, MA and WMC show real gaps
PROFILES = {"MA": (0.30, 0.30, 0.30, 0.10), "WMC": (0.45, 0.30, 0.20, 0.05)}
STRONG = (0.70, 0.30, 0.0, 0.0)
WEAK_GPS = {"GP 2.8", "GP 2.9", "GP 2.10", "GP 3.2"}  # GP 3.2: only at target level 3
# target level 3: the ML3 areas' assessors; IRP's incident analysis (SG 3), OT, the continuity
# exercises (SCON SG 3) and risk mitigation (RSKM SG 3) are not there yet
ML3_ASSESSOR_PAS = {"Ravi Menon": ("CAM", "IRP", "SCON", "SST"), "Lucia Ortega": ("DAR", "IWM", "OPD", "OT", "RSKM")}
ML3_PROFILES = {"OT": (0.40, 0.30, 0.25, 0.05)}
ML3_WEAK_GOALS = {("IRP", "SG 3"): (0.20, 0.30, 0.40, 0.10), ("SCON", "SG 3"): (0.15, 0.35, 0.40, 0.10),
                  ("RSKM", "SG 3"): (0.30, 0.35, 0.30, 0.05)}
SSD_REASON = "Service systems are built by the group IT development department, appraised against CMMI-DEV."
GAP_PHRASES = [
    "{unit} could not show records that {title} is done for every service; only examples from last quarter exist.",
    "In {unit} the practice '{title}' depends on one person and is not described anywhere.",
    "{unit}: interviews and documents disagree on how '{title}' is carried out.",
    "{unit} does the work behind '{title}' informally; outcomes are not recorded or reviewed.",
]
STRENGTH_PHRASES = [
    "{unit} keeps complete, current records for '{title}' that staff use every day.",
    "{unit} has automated much of '{title}' in its service management tool.",
]


# a SCAMPI B sample: the same observations on the risk scale (NY: not characterized yet)
RISK_VALUES = {"FI": "low", "LI": "low", "PI": "medium", "NI": "high", "NY": None}
NAMES = {"SCAMPI A": "Northwind IT Services ML2 readiness",
         "SCAMPI B": "Northwind IT Services SCAMPI B readiness dry run"}


def build_demo(path: str | Path, *, overwrite: bool = False, seed: int = 2,
               appraisal_type: str = "SCAMPI A", target_level: int = 2) -> Appraisal:
    """Create the sample appraisal at ``path``: 3 basic units, a support function, all ML2 PAs.

    ``appraisal_type="SCAMPI B"`` gives the same observations on the low / medium / high risk scale.
    ``target_level=3``: the same organization appraised against ML3 (the ML3 areas the model ships,
    GG 3 on every area; incidents analysis and process experiences are its weak spots).
    """
    if appraisal_type not in NAMES:
        raise ValueError(f"the sample is a {' or a '.join(NAMES)} appraisal, not {appraisal_type!r}")
    if target_level not in (2, 3):
        raise ValueError(f"the sample targets maturity level 2 or 3, not {target_level!r}")
    rnd = random.Random(seed)
    name = NAMES[appraisal_type] if target_level == 2 else NAMES[appraisal_type].replace("ML2", "ML3")
    appraisal = Appraisal.create(path, name=name, overwrite=overwrite,
                                 org_unit="Northwind IT Services (managed IT services division)",
                                 appraisal_type=appraisal_type, sponsor="Head of IT Services",
                                 lead_appraiser="Dana Whitfield", start_date="2026-11-02", end_date="2026-11-13",
                                 description="Benchmark appraisal of the managed-services division against "
                                             f"CMMI-SVC ML{target_level}.",
                                 target_level=None if target_level == 2 else target_level)
    model = appraisal.model
    with appraisal.transaction():
        for name, kind, subgroup, description in UNITS:
            pas = SUPPORT_PAS if kind == "support_function" else None
            appraisal.add_instance(name, kind, subgroup=subgroup, description=description, pas=pas)
        for name, role, pas in ASSESSORS:
            more = ML3_ASSESSOR_PAS.get(name, ()) if target_level == 3 else ()
            appraisal.set_assessor(name, role=role, pas=[*pas, *(p for p in more if p in model.process_areas)]
                                   if pas else model.pa_ids)
        if target_level == 3 and "SSD" in model.process_areas:
            appraisal.set_scope("SSD", "out_of_scope", SSD_REASON)
        skipped = {pa for pa, s in appraisal.scopes().items() if s.scope != "in_scope"}
        scale = RISK_VALUES if appraisal_type == "SCAMPI B" else None
        for inst in appraisal.instances():
            for pa_id in (pa for pa in inst.pas if pa not in skipped):
                for practice in model.pa(pa_id).practices:
                    _characterize(appraisal, rnd, inst.name, practice, scale)
        if scale is None:
            _decide_judgments(appraisal)
        else:
            _decide_overrides(appraisal)
        _plan_improvements(appraisal)
    return appraisal


def _characterize(appraisal: Appraisal, rnd: random.Random, unit: str, practice,
                  scale: dict[str, str | None] | None = None) -> None:
    weights = ML3_WEAK_GOALS.get((practice.pa, practice.goal)) or ML3_PROFILES.get(practice.pa) \
        or PROFILES.get(practice.pa, STRONG)
    if practice.id in WEAK_GPS:
        weights = (0.35, 0.45, 0.2, 0.0)
    if unit.startswith("Cloud") and practice.id in ("SP 1.7", "SP 3.3") and practice.pa in ("WMC", "SD"):
        value = "NY"  # the migration unit has not reached milestone reviews or system maintenance yet
    else:
        value = rnd.choices(("FI", "LI", "PI", "NI"), weights)[0]
    fields = {"unit": unit, "title": practice.title.lower()}
    weakness = rnd.choice(GAP_PHRASES).format(**fields) if value in ("LI", "PI", "NI") else ""
    strength = rnd.choice(STRENGTH_PHRASES).format(**fields) if value == "FI" and rnd.random() < 0.15 else ""
    appraisal.update_record(practice.pa, practice.id, unit, characterization=scale[value] if scale else value,
                            weaknesses=weakness, strengths=strength)
    if value in ("FI", "LI", "PI"):
        slug = unit.lower().replace(" ", "-")
        for product in rnd.sample(practice.work_products, k=1 if value == "PI" else 2):
            appraisal.add_evidence(practice.pa, practice.id, unit, "artifact", product,
                                   location=f"https://intranet.example/{slug}/{practice.pa.lower()}",
                                   who=f"{unit} lead", collected_on="2026-10-20")
    if value != "NY":
        appraisal.add_evidence(practice.pa, practice.id, unit, "affirmation",
                               f"Interview: {unit} staff on {practice.title.lower()}",
                               who=f"{unit} practitioners", collected_on="2026-11-05")


# the team's own findings and the improvement actions agreed at the out-brief (one is overdue)
MERGED_STATEMENT = ("Measurement data is collected and analysed ad hoc in every unit: no agreed procedure, "
                    "results depend on individuals.")
MANUAL_GAP = ("Progress reviews with the customer are held, but their decisions and actions are not recorded "
              "or followed up.")
MANUAL_STRENGTH = "Service Desk and Data Centre Operations share one request management tool with complete history."
ACTIONS = [  # (description, owner, due date, status)
    ("Agree a measurement procedure for all units and pilot it in the Service Desk", "Head of Service Quality",
     "2026-11-20", "open"),
    ("Train unit leads in analysing and reporting service measures", "Head of Service Quality", "2027-02-26",
     "in_progress"),
    ("Add decision and action logs to the progress review template", "Service Delivery Manager", "2027-01-15", "open"),
    ("Name an owner for the measurement repository", "Head of IT Services", "2026-11-13", "done"),
]


def _plan_improvements(appraisal: Appraisal) -> None:
    """Findings from the weaknesses, a merged and two hand-written findings, and their actions."""
    from cmmikit.method.findings import merge_findings, plan_action, sync_findings

    sync_findings(appraisal)
    gaps = [f for f in appraisal.findings() if f.kind == "weakness" and f.status == "open"]
    measurement = [f.id for f in gaps if (f.pa, f.goal) == ("MA", "SG 2")][:2]
    reviews = appraisal.add_finding("weakness", "WMC", "SG 1", MANUAL_GAP, practices=["SP 1.6", "SP 1.7"],
                                    instances=["Service Desk", "Data Centre Operations"], impact=4, effort=2)
    appraisal.add_finding("strength", "SD", "SG 2", MANUAL_STRENGTH, practices=["SP 2.3"],
                          instances=["Service Desk", "Data Centre Operations"])
    merged = reviews
    if len(measurement) == 2:  # always with the default seed
        merged = merge_findings(appraisal, measurement, MERGED_STATEMENT)
        appraisal.update_finding(merged, impact=5, effort=3)
    for finding_id, (description, owner, due, status) in zip((merged, merged, reviews, merged), ACTIONS):
        plan_action(appraisal, finding_id, description, owner=owner, due_date=due, status=status)


def _decide_judgments(appraisal: Appraisal) -> None:
    """Record the team's call where the aggregation table leaves a range (as a real team would)."""
    from cmmikit.method.rating import aggregate

    by_practice: dict[tuple[str, str], list[str | None]] = {}
    for rec in appraisal.records():
        by_practice.setdefault((rec.pa, rec.practice), []).append(rec.characterization)
    for (pa, practice), values in by_practice.items():
        agg = aggregate(values)
        if agg.options:
            implemented = sum(v in ("FI", "LI") for v in values)
            value = agg.options[0] if implemented > len(values) / 2 else agg.options[1]
            appraisal.set_practice_decision(
                pa, practice, value, decided_by="Appraisal team",
                rationale=f"{implemented} of {len(values)} instances implement the practice; weaknesses weighed by the team.")


def _decide_overrides(appraisal: Appraisal) -> None:
    """SCAMPI B: where a single unit carries the only high risk of a practice, the team weighs it as medium."""
    by_practice: dict[tuple[str, str], list[str | None]] = {}
    for rec in appraisal.records():
        by_practice.setdefault((rec.pa, rec.practice), []).append(rec.characterization)
    for (pa, practice), values in by_practice.items():
        if values.count("high") == 1 and values.count("low") >= 2:
            appraisal.set_practice_decision(
                pa, practice, "medium", decided_by="Appraisal team",
                rationale=f"Only one of {len(values)} units shows a high risk; the others' approach would carry it.")
