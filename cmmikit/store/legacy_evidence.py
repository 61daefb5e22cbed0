"""How the evidence rows of older appraisals (one row per item per cell) become evidence register rows.

Used by migration 0004 and by the import of JSON exports of schema 1 to 3, so both give the same
register: rows with the same kind, description and location become one artifact or affirmation (its
owner or roles and its date taken from the earliest row), linked to every cell those rows were in.
Each link keeps the id of its evidence row, so ids shown before the upgrade still name the same
evidence. Nothing is lost: where a row's ``who`` or date differs from its item's, or a cell held the
same item twice, the difference is kept in the link's statement. Earlier releases did not tell direct
from indirect artifacts; their artifacts become direct ones (the team can re-mark them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Rows = list[dict[str, Any]]


def convert(evidence: Iterable[Mapping[str, Any]]) -> tuple[Rows, Rows, Rows]:
    """(artifacts, affirmations, evidence_links) rows for the given evidence rows."""
    artifacts: Rows = []
    affirmations: Rows = []
    items: dict[tuple[str, str, str], dict[str, Any]] = {}
    links: dict[tuple, dict[str, Any]] = {}
    for row in sorted(evidence, key=lambda r: r["id"]):
        kind, who, date = row["kind"], row.get("who") or "", row.get("collected_on") or ""
        location = row.get("location") or ""
        key = (kind, row["description"], location)
        stamp = {"version": 1, "updated_by": row.get("updated_by") or "", "updated_at": row.get("updated_at") or ""}
        item = items.get(key)
        if item is None:
            if kind == "artifact":
                item = {"id": len(artifacts) + 1, "title": row["description"], "kind": "direct",
                        "location": location, "owner": who, "effective_date": date, "notes": "", **stamp}
                artifacts.append(item)
            else:
                item = {"id": len(affirmations) + 1, "title": row["description"], "held_on": date, "roles": who,
                        "assessor": "", "location": location, "notes": "", **stamp}
                affirmations.append(item)
            items[key] = item
        item_who, item_date = (item["owner"], item["effective_date"]) if kind == "artifact" else (
            item["roles"], item["held_on"])
        note = difference(who, date, item_who, item_date)
        cell = (key, row["pa"], row["practice"], row["instance_id"])
        link = links.get(cell)
        if link is None:
            links[cell] = {"id": row["id"], "pa": row["pa"], "practice": row["practice"],
                           "instance_id": row["instance_id"],
                           "artifact_id": item["id"] if kind == "artifact" else None,
                           "affirmation_id": item["id"] if kind != "artifact" else None,
                           "statement": note, "version": row.get("version") or 1,
                           "updated_by": stamp["updated_by"], "updated_at": stamp["updated_at"]}
        elif note and note not in link["statement"]:
            link["statement"] = "; ".join(part for part in (link["statement"], note) if part)
    return artifacts, affirmations, sorted(links.values(), key=lambda r: r["id"])


def difference(who: str, date: str, item_who: str, item_date: str) -> str:
    """What a row says beyond its register item ('' when its who and date are the item's)."""
    return "; ".join(part for part in (f"who: {who}" if who and who != item_who else "",
                                       f"collected on: {date}" if date and date != item_date else "") if part)
