"""The evidence register on screen, without a browser: the walkthrough's search, link and register form, and the
register screen (filters, reuse, cells, edits with conflicts, removal, the stale age, the text form)."""

from __future__ import annotations

from datetime import date

import pytest

from cmmikit import palette
from cmmikit.store import Appraisal
from cmmikit.ui.register import RegisterView
from cmmikit.ui.walkthrough import WalkthroughView


@pytest.fixture
def sla(appraisal: Appraisal) -> int:
    """An artifact registered once and linked to SD SP 1.1 in Unit A."""
    item = appraisal.add_artifact("Service level agreement v3", location="https://intranet.example/sla",
                                  owner="Kim", effective_date="2026-09-01")
    appraisal.link_artifact(item, "SD", "SP 1.1", "Unit A", statement="section 4 names the services")
    return item


# ------------------------------------------------------------------ the walkthrough's evidence form


def test_typing_offers_the_registered_items_that_match(appraisal: Appraisal, sla: int) -> None:
    panel = WalkthroughView(appraisal, pa="SD", practice="SP 1.2").panel("Unit A")
    assert panel.matches_box.layout.display == "none"
    panel.new_description.value = "level agr"
    assert panel.matches_box.layout.display is None
    [row] = [r for r in panel.matches if r.widget in panel.matches_box.children]
    assert row.entry.id == sla and not row.link_button.disabled
    for shown in ("ART-1", "direct artifact", "Service level agreement v3", "owner Kim", "2026-09-01",
                  "used in 1 cell"):
        assert shown in row.text.value
    panel.new_description.value = "no such thing"
    assert panel.matches_box.layout.display == "none"
    panel.new_description.value = ""
    panel.new_who.value = "kim"                      # the owner is searched when no title is typed
    assert panel.matches_box.layout.display is None


def test_linking_a_match_reuses_the_item_with_this_cells_statement(appraisal: Appraisal, sla: int) -> None:
    view = WalkthroughView(appraisal, pa="SD", practice="SP 1.2")
    panel = view.panel("Unit B")
    panel.new_description.value = "service level"
    panel.new_statement.value = "the agreement is signed"
    panel.matches[0].link_button.click()
    assert panel.status.ok and panel.status.text == "linked ART-1 'Service level agreement v3' (used in 2 cells)"
    [entry] = appraisal.register()                                   # no duplicate
    assert entry.reuse == 2 and entry.links[1].statement == "the agreement is signed"
    assert panel.new_description.value == panel.new_statement.value == "" and panel.matches_box.layout.display == "none"
    assert "Service level agreement v3" in panel.evidence_list.value and "the agreement is signed" in \
        panel.evidence_list.value
    panel.new_description.value = "service level"                    # linked here now: offered, not linkable again
    assert panel.matches[0].link_button.disabled and "linked here" in panel.matches[0].text.value


def test_add_with_a_registered_title_and_location_links_that_item(appraisal: Appraisal, sla: int) -> None:
    panel = WalkthroughView(appraisal, pa="SD", practice="SP 2.1").panel("Unit A")
    panel.new_description.value = "service LEVEL agreement  v3"
    panel.new_location.value = "https://intranet.example/sla"
    panel.add_evidence_button.click()
    assert "artifact added: service LEVEL agreement  v3 (registered already as ART-1: linked, used in 2 cells)" \
        == panel.status.text
    assert len(appraisal.register()) == 1 and appraisal.artifact(sla).reuse == 2


def test_registering_a_new_artifact_and_a_new_affirmation(appraisal: Appraisal) -> None:
    panel = WalkthroughView(appraisal, pa="SD").panel("Unit A")
    assert panel.new_artifact_kind.layout.display is None and panel.new_assessor.layout.display == "none"
    panel.new_artifact_kind.value = "indirect"
    panel.new_description.value = "Monthly service review minutes"
    panel.new_location.value = "\\\\share\\reviews"
    panel.new_who.value = "Service manager"
    panel.new_collected_on.value = date(2026, 10, 2)
    panel.new_notes.value = "October and November"
    panel.new_statement.value = "reviews compare delivery with the agreement"
    panel.add_evidence_button.click()
    assert panel.status.text == "artifact added: Monthly service review minutes (registered as ART-1)"
    art = appraisal.artifact(1)
    assert (art.kind, art.location, art.owner, art.effective_date, art.notes) == (
        "indirect", "\\\\share\\reviews", "Service manager", "2026-10-02", "October and November")
    assert art.links[0].statement == "reviews compare delivery with the agreement"
    assert panel.new_artifact_kind.value == "direct" and panel.new_notes.value == ""     # the form is reset

    panel.new_kind.value = "affirmation"
    assert panel.new_assessor.layout.display is None and panel.new_artifact_kind.layout.display == "none"
    assert panel.new_who.placeholder == "roles interviewed"
    panel.new_description.value = "Interview with the service desk"
    panel.new_who.value = "desk lead, two agents"
    panel.new_assessor.value = "Ravi"
    panel.new_collected_on.value = date(2026, 11, 3)
    panel.add_evidence_button.click()
    aff = appraisal.affirmation(1)
    assert (aff.title, aff.held_on, aff.roles, aff.assessor, aff.reuse) == (
        "Interview with the service desk", "2026-11-03", "desk lead, two agents", "Ravi", 1)
    assert "<i>indirect artifact</i> <small>ART-1</small>" in panel.evidence_list.value
    assert "<i>affirmation</i> <small>AFF-1</small>" in panel.evidence_list.value


def test_a_refused_link_registers_nothing(appraisal: Appraisal) -> None:
    panel = WalkthroughView(appraisal, pa="SD").panel("Unit A")
    appraisal.remove_instance("Unit A")            # removed by another session: the link is refused
    panel.new_description.value = "Ticket report"
    panel.add_evidence_button.click()
    assert not panel.status.ok and appraisal.register() == []


def test_stale_evidence_is_marked_in_words_on_the_palette_colour(appraisal: Appraisal) -> None:
    appraisal.update_info(start_date="2026-11-01", evidence_max_age_months=12)
    old = appraisal.add_artifact("Old process description", effective_date="2025-06-30")
    appraisal.link_artifact(old, "SD", "SP 1.1", "Unit A")
    appraisal.add_evidence("SD", "SP 1.1", "Unit A", "artifact", "Fresh report", collected_on="2026-10-01")
    view = WalkthroughView(appraisal, pa="SD")
    panel = view.panel("Unit A")
    assert panel.evidence_list.value.count("stale: dated before 2025-11-01") == 1
    assert palette.VERMILLION in panel.evidence_list.value and "1 stale" in panel.evidence_list.value
    assert "Unit A: blank (2 artifact(s), 0 affirmation(s), 1 stale)" in repr(view)
    panel.edit_evidence.value = True
    assert "stale: dated before 2025-11-01" in panel.rows[0].info.value
    assert "stale" not in panel.rows[1].info.value
    view.panel("Unit B").new_description.value = "old process"
    assert "stale: dated before 2025-11-01" in view.panel("Unit B").matches[0].text.value


def test_statement_edits_and_unlink_with_undo(appraisal: Appraisal, sla: int) -> None:
    panel = WalkthroughView(appraisal, pa="SD").panel("Unit A")
    panel.edit_evidence.value = True
    row = panel.rows[0]
    assert row.statement.value == "section 4 names the services"
    row.statement.value = "section 4 and annex B"
    assert panel.status.text == "evidence statement saved"
    assert appraisal.artifact(sla).links[0].statement == "section 4 and annex B"
    row.unlink_button.click()
    assert appraisal.artifact(sla).reuse == 0 and "kept in the register as ART-1" in panel.status.text
    panel.status.undo_button.click()
    [link] = appraisal.artifact(sla).links
    assert link.statement == "section 4 and annex B" and len(appraisal.register()) == 1


def test_a_statement_changed_meanwhile_is_offered(appraisal: Appraisal, sla: int) -> None:
    address = appraisal.address
    with Appraisal.open(address, user="ann") as ann, Appraisal.open(address, user="ravi") as ravi:
        panel = WalkthroughView(ann, pa="SD").panel("Unit A")
        panel.edit_evidence.value = True
        row = panel.rows[0]
        link = ravi.artifact(sla).links[0]
        ravi.update_link(link.id, statement="annex B (ravi)", base_version=link.version)
        row.statement.value = "section 4 (ann)"
        assert panel.status.conflict_open and "ravi changed the evidence statement" in panel.status.text
        assert "theirs 'annex B (ravi)'" in panel.status.text and "yours 'section 4 (ann)'" in panel.status.text
        assert ann.artifact(sla).links[0].statement == "annex B (ravi)"          # nothing overwritten
        panel.status.mine_button.click()
        assert panel.status.ok and ann.artifact(sla).links[0].statement == "section 4 (ann)"


def test_a_draft_keeps_the_register_fields_when_stepping(appraisal: Appraisal) -> None:
    view = WalkthroughView(appraisal, pa="SD")
    panel = view.panel("Unit A")
    panel.new_kind.value = "affirmation"
    panel.new_description.value = "Interview, half typed"
    panel.new_assessor.value = "Bo"
    panel.new_statement.value = "they review monthly"
    view.next_button.click()
    assert panel.new_assessor.value == panel.new_statement.value == ""
    view.previous_button.click()
    assert (panel.new_assessor.value, panel.new_statement.value) == ("Bo", "they review monthly")
    panel.add_evidence_button.click()
    [aff] = appraisal.register()
    assert aff.assessor == "Bo" and aff.links[0].statement == "they review monthly"


# ------------------------------------------------------------------ the register screen


@pytest.fixture
def filled(appraisal: Appraisal, sla: int) -> Appraisal:
    appraisal.update_info(start_date="2026-11-01", evidence_max_age_months=12)
    appraisal.link_artifact(sla, "CM", "SP 1.1", "QA Group", statement="baselines listed")
    appraisal.add_artifact("Old <b>policy</b>", "indirect", owner="QA", effective_date="2024-01-15")
    talk = appraisal.add_affirmation("CM interview", held_on="2026-10-10", roles="CM lead", assessor="Bo")
    appraisal.link_affirmation(talk, "CM", "SP 1.2", "Unit A")
    return appraisal


def test_the_table_shows_every_item_with_reuse_cells_and_stale_marker(filled: Appraisal) -> None:
    view = RegisterView(filled)
    assert "<b>3</b> register items (2 artifacts, 1 affirmations): <b>1</b> stale, <b>1</b> unused" in \
        view.headline.value
    table = view.table.value
    assert "<summary>2 cells</summary>" in table and "SD SP 1.1 / Unit A: section 4 names the services" in table
    assert "CM SP 1.1 / QA Group: baselines listed" in table
    assert "Old &lt;b&gt;policy&lt;/b&gt;" in table and "<b>policy" not in table        # text, not markup
    assert table.count("stale: dated before 2025-11-01") == 1 and palette.VERMILLION in table
    assert 'href="https://intranet.example/sla"' in table
    assert "12 months: stale: dated before 2025-11-01 (the appraisal period starts 2026-11-01)" in \
        view.age_note.value


@pytest.mark.parametrize(("control", "value", "titles"), [
    ("search", "kim", ["Service level agreement v3"]),
    ("kind", "indirect", ["Old <b>policy</b>"]),
    ("kind", "affirmation", ["CM interview"]),
    ("kind", "artifact", ["Old <b>policy</b>", "Service level agreement v3"]),
    ("pa", "CM", ["Service level agreement v3", "CM interview"]),
    ("stale_only", True, ["Old <b>policy</b>"]),
    ("unused_only", True, ["Old <b>policy</b>"]),
])
def test_filters(filled: Appraisal, control: str, value, titles: list[str]) -> None:
    view = RegisterView(filled)
    assert len(view.entries) == 3
    getattr(view, control).value = value
    assert [e.title for e in view.entries] == titles
    assert len(view.picker.options) == len(titles)


def test_editing_an_item_changes_it_everywhere_and_a_newer_edit_is_offered(filled: Appraisal) -> None:
    address = filled.address
    with Appraisal.open(address, user="ann") as ann, Appraisal.open(address, user="ravi") as ravi:
        view = RegisterView(ann, search="service level")
        assert view.picker.value == ("artifact", 1) and view.title.value == "Service level agreement v3"
        assert view.remove_button.disabled                              # used in two cells
        view.who.value = "Kim Lee"
        view.save_button.click()
        assert view.edit_status.text == "ART-1 saved (owner)" and ann.artifact(1).owner == "Kim Lee"
        assert [e.who for e in ann.evidence(pa="SD")] == ["Kim Lee"]

        ravi.update_artifact(1, title="SLA v4 (ravi)")
        view.title.value = "SLA v3, signed (ann)"
        view.save_button.click()
        assert view.edit_status.conflict_open and "ravi changed the ART-1" in view.edit_status.text
        assert "theirs \"title 'SLA v4 (ravi)'\"" in view.edit_status.text
        assert ann.artifact(1).title == "SLA v4 (ravi)"                 # nothing overwritten
        view.edit_status.theirs_button.click()
        assert view.edit_status.ok and view.title.value == "SLA v4 (ravi)"
        view.title.value = "SLA v3, signed (ann)"
        view.save_button.click()
        ravi.update_artifact(1, notes="(ravi)")
        view.title.value = "SLA v5 (ann)"
        view.save_button.click()
        view.edit_status.mine_button.click()
        assert ann.artifact(1).title == "SLA v5 (ann)" and ann.artifact(1).notes == "(ravi)"


def test_an_affirmation_is_edited_with_its_own_fields(filled: Appraisal) -> None:
    view = RegisterView(filled, search="cm interview")
    assert view.who.description == "Roles interviewed" and view.assessor.layout.display is None
    assert view.artifact_kind.layout.display == "none" and view.when.value == date(2026, 10, 10)
    view.assessor.value = "Bo, Ann"
    view.when.value = date(2026, 10, 11)
    view.save_button.click()
    aff = filled.affirmation(1)
    assert (aff.assessor, aff.held_on) == ("Bo, Ann", "2026-10-11") and view.edit_status.ok


def test_only_an_unused_item_is_removed_and_removal_can_be_undone(filled: Appraisal) -> None:
    view = RegisterView(filled)
    view.unused_only.value = True
    assert not view.remove_button.disabled and "it can be removed" in view.detail.value
    view.remove_button.click()
    assert [e.title for e in filled.register()] == ["Service level agreement v3", "CM interview"]
    assert "ART-2 'Old <b>policy</b>' removed from the register" in view.edit_status.text
    assert view.entries == [] and "no register item matches" in view.table.value
    view.edit_status.undo_button.click()
    again = filled.find_artifact("Old <b>policy</b>")
    assert (again.kind, again.owner, again.effective_date) == ("indirect", "QA", "2024-01-15")
    view.unused_only.value = False
    view.search.value = "service level"
    view.remove()
    assert "supports 2 cells: unlink it there first" in view.edit_status.text and len(filled.register()) == 3


def test_the_stale_age_is_set_and_a_newer_setting_is_offered(filled: Appraisal) -> None:
    view = RegisterView(filled)
    view.max_age.value = 36
    view.max_age_button.click()
    assert filled.info().evidence_max_age_months == 36 and filled.stale_before() == date(2023, 11, 1)
    assert view.age_status.text == "stale age set to 36 months: stale: dated before 2023-11-01"
    assert "<b>0</b> stale" in view.headline.value
    address = filled.address
    with Appraisal.open(address, user="ravi") as ravi:
        ravi.update_info(evidence_max_age_months=6)
        view.max_age.value = 18
        view.max_age_button.click()
        assert view.age_status.conflict_open and "theirs '6 months', yours '18 months'" in view.age_status.text
        view.age_status.mine_button.click()
        assert filled.info().evidence_max_age_months == 18 and view.age_status.ok


def test_text_form_without_a_front_end(filled: Appraisal) -> None:
    view = RegisterView(filled, pa="CM")
    text = repr(view)
    assert text.splitlines()[0] == ("Evidence register: 3 items (1 stale, i.e. dated before 2025-11-01; 1 unused); "
                                    "2 shown")
    assert ("  ART-1 direct artifact 'Service level agreement v3' \u00b7 owner Kim \u00b7 2026-09-01 \u00b7 "
            "used in 2 cells") in text
    assert "AFF-1 affirmation 'CM interview' \u00b7 roles: CM lead; assessor Bo" in text
    bundle = view._repr_mimebundle_()
    assert bundle["text/plain"] == text and "application/vnd.jupyter.widget-view+json" in bundle
