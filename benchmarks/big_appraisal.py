"""A large, realistic appraisal built in one bulk load (an export document restored), for the benchmarks.

``units`` basic units x every ML2 practice, each characterized with one artifact and one
affirmation, weaknesses on the PI/NI cells. Loading it through ``Appraisal.restore`` takes
seconds where thousands of single API calls would take minutes.
"""

from __future__ import annotations

import random
from pathlib import Path

CHARACTERIZATIONS = ("FI", "FI", "FI", "LI", "LI", "PI", "NI")
STAMP = "2026-11-02T09:00:00+00:00"


def big_appraisal_document(units: int, seed: int = 7) -> dict:
    from cmmikit.model import load_model
    from cmmikit.store.exchange import DUMP_FORMAT

    model = load_model()
    rnd = random.Random(seed)
    # evidence rows as exports of schema 2 held them: the import files them into the evidence register
    doc: dict = {"format": DUMP_FORMAT, "schema_version": 2,
                 "appraisal": [{"id": 1, "name": f"Benchmark: {units} basic units", "model_id": model.id,
                                "org_unit": "Benchmark OU", "start_date": "2026-11-02", "end_date": "2026-11-13"}]}
    doc.update({name: [] for name in ("instances", "instance_pas", "practice_records", "evidence")})
    evidence_id = 0
    for n in range(1, units + 1):
        unit = f"Unit {n:03d}"
        doc["instances"].append({"id": n, "name": unit, "kind": "basic_unit", "subgroup": f"Group {n % 4}",
                                 "position": n})
        doc["instance_pas"] += [{"instance_id": n, "pa": pa} for pa in model.pa_ids]
        for p in model.practices():
            value = rnd.choice(CHARACTERIZATIONS)
            weak = f"'{p.title}' is done informally; no records were shown." if value in ("PI", "NI") else ""
            doc["practice_records"].append({"pa": p.pa, "practice": p.id, "instance_id": n, "characterization": value,
                                            "weaknesses": weak, "updated_by": "bench", "updated_at": STAMP})
            for kind, text in (("artifact", f"{p.work_products[0]} ({unit})"), ("affirmation", f"Interview: {p.title}")):
                evidence_id += 1
                doc["evidence"].append({"id": evidence_id, "pa": p.pa, "practice": p.id, "instance_id": n,
                                        "kind": kind, "description": text,
                                        "location": f"https://intranet.example/{n}/{p.pa}" if kind == "artifact" else "",
                                        "who": "Process owner"})
    return doc


def build_big_appraisal(location: str | Path, units: int, *, overwrite: bool = True):
    """Create (or replace) the large appraisal at a file path or server URL and return it open."""
    from cmmikit.store import Appraisal

    return Appraisal.restore(location, big_appraisal_document(units), source="benchmark", overwrite=overwrite,
                             user="bench")
