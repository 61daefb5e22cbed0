"""Register items as the screens show them, and what the walkthrough's new-evidence form does with them.

Shared by the walkthrough (one cell's evidence, the register items offered while the
assessor types) and the register screen (01c_register): the stale marker in words on the
palette's warning fill, one line per item (kind, id, title, owner or roles, date, reuse),
and :func:`add_to_cell`, which links the registered item of that title and location or
registers a new one, then links it, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cmmikit import palette
from cmmikit.errors import InvalidValue
from cmmikit.store import Affirmation, Appraisal, Artifact, Evidence
from cmmikit.store.records import REGISTER_KIND_LABELS
from cmmikit.ui.common import date_text, esc, plural, safe_link

Entry = Artifact | Affirmation
STALE_FILL = palette.VERMILLION


def stale_text(cutoff: date) -> str:
    """'stale: dated before 2024-11-01'."""
    return f"stale: dated before {cutoff.isoformat()}"


def stale_marker(cutoff: date) -> str:
    """The stale marker: its words on the palette's warning fill (the words carry it, the colour helps)."""
    return (f'<span style="background:{STALE_FILL};color:{palette.text_on(STALE_FILL)};padding:0 5px;'
            f'border-radius:3px;font-size:11px;white-space:nowrap">{esc(stale_text(cutoff))}</span>')


def kind_label(entry: Entry) -> str:
    """direct artifact, indirect artifact or affirmation."""
    return REGISTER_KIND_LABELS[entry.kind]


def who_text(entry: Entry) -> str:
    """'owner Kim' for an artifact; 'roles: CM lead; assessor Bo' for an affirmation ('' when blank)."""
    if isinstance(entry, Artifact):
        return f"owner {entry.owner}" if entry.owner.strip() else ""
    parts = [f"roles: {entry.roles}" if entry.roles.strip() else "",
             f"assessor {entry.assessor}" if entry.assessor.strip() else ""]
    return "; ".join(p for p in parts if p)


def reuse_text(entry: Entry) -> str:
    return f"used in {plural(entry.reuse, 'cell')}" if entry.reuse else "used nowhere"


def entry_text(entry: Entry, cutoff: date) -> str:
    """One register item as a line of text: id, kind, title, owner or roles, date, reuse, stale marker."""
    parts = [f"{entry.register_id} {kind_label(entry)} {entry.title!r}", who_text(entry), entry.date,
             reuse_text(entry), stale_text(cutoff) if entry.stale else ""]
    return " \u00b7 ".join(p for p in parts if p)


def entry_html(entry: Entry, cutoff: date) -> str:
    """One register item in a line of HTML (escaped; a web location is a link)."""
    parts = [f"<b>{esc(entry.register_id)}</b> <i>{esc(kind_label(entry))}</i> {esc(entry.title)}",
             safe_link(entry.location), esc(who_text(entry)), esc(entry.date), esc(reuse_text(entry)),
             stale_marker(cutoff) if entry.stale else ""]
    return " &middot; ".join(p for p in parts if p)


def evidence_html(items: list[Evidence], cutoff: date) -> str:
    """The evidence of one cell as a small table: kind and id, title, location, provenance, what it shows here,
    and the stale marker (text escaped, web locations as links)."""
    if not items:
        return "<small>no evidence recorded yet</small>"
    n_art = sum(e.kind == "artifact" for e in items)
    pad = "padding:0 8px 0 0;vertical-align:top"
    rows = "".join(
        f"<tr><td style='{pad};white-space:nowrap'><i>{esc(e.kind_label)}</i> <small>{esc(e.register_id)}</small></td>"
        f"<td style='{pad}'>{esc(e.description)}</td><td style='{pad}'>{safe_link(e.location)}</td>"
        f"<td style='{pad}'><small>{esc(provenance(e))}</small></td>"
        f"<td style='{pad}'><small>{esc(e.statement)}</small></td>"
        f"<td>{stale_marker(cutoff) if e.stale else ''}</td></tr>" for e in items)
    stale = sum(e.stale for e in items)
    return (f"<small>evidence: {n_art} artifact(s), {len(items) - n_art} affirmation(s)"
            f"{f', {stale} stale' if stale else ''}</small>"
            f"<table style='font-size:12px;line-height:1.3;border-collapse:collapse'>{rows}</table>")


def provenance(item: Evidence) -> str:
    """'from Kim, collected 2026-11-03' (owner or roles, and the item's date)."""
    parts = [f"from {item.who}" if item.who else "", f"collected {item.collected_on}" if item.collected_on else ""]
    return ", ".join(p for p in parts if p)


@dataclass
class Draft:
    """New-evidence fields typed but not added yet (kept when the assessor steps away).

    ``who`` is an artifact's owner or the roles interviewed; ``collected_on`` the effective date or the
    session's date; ``artifact_kind`` direct or indirect; ``assessor`` an affirmation's; ``statement`` what the
    item shows for this cell (the link's).
    """

    kind: str
    description: str
    location: str
    who: str
    collected_on: date | None
    artifact_kind: str = "direct"
    assessor: str = ""
    notes: str = ""
    statement: str = ""

    @property
    def empty(self) -> bool:
        return not any(text.strip() for text in (self.description, self.location, self.who, self.assessor,
                                                 self.notes, self.statement))

    @property
    def search_text(self) -> str:
        """What the register is searched for: the title typed, else the location, else the owner or roles."""
        return next((text.strip() for text in (self.description, self.location, self.who) if text.strip()), "")


@dataclass(frozen=True)
class Added:
    """What :func:`add_to_cell` did: the item linked, and whether it was registered already."""

    entry: Entry
    reused: bool


def add_to_cell(appraisal: Appraisal, pa: str, practice: str, instance: str, draft: Draft) -> Added:
    """Link the registered item with the draft's title and location to the cell, or register it and link it.

    One transaction: a refused link leaves no new item behind.
    """
    if not draft.description.strip():
        raise InvalidValue("evidence needs a description (the title of the artifact or session)")
    artifact = draft.kind == "artifact"
    when = date_text(draft.collected_on)
    statement = draft.statement.strip() or None
    with appraisal.transaction():
        found = (appraisal.find_artifact if artifact else appraisal.find_affirmation)(draft.description,
                                                                                      draft.location)
        if found is not None:
            item_id = found.id
        elif artifact:
            item_id = appraisal.add_artifact(draft.description, draft.artifact_kind, location=draft.location,
                                             owner=draft.who, effective_date=when, notes=draft.notes)
        else:
            item_id = appraisal.add_affirmation(draft.description, held_on=when, roles=draft.who,
                                                assessor=draft.assessor, location=draft.location, notes=draft.notes)
        link(appraisal, draft.kind, item_id, pa, practice, instance, statement)
        entry = appraisal.artifact(item_id) if artifact else appraisal.affirmation(item_id)
    return Added(entry, found is not None)


def link(appraisal: Appraisal, kind: str, item_id: int, pa: str, practice: str, instance: str,
         statement: str | None = None) -> int:
    """Link an artifact or affirmation (``kind``) to a cell; returns the link id."""
    linker = appraisal.link_artifact if kind == "artifact" else appraisal.link_affirmation
    return linker(item_id, pa, practice, instance, statement=statement)


def entry_of(appraisal: Appraisal, kind: str, item_id: int) -> Entry:
    """The register item ``item_id`` of ``kind`` (artifact or affirmation)."""
    return appraisal.artifact(item_id) if kind == "artifact" else appraisal.affirmation(item_id)
