"""The walkthrough view driven like an assessor would: set values, click buttons, check the store."""

from __future__ import annotations

import pytest

from cmmikit.errors import UnknownEntry
from cmmikit.store import Appraisal
from cmmikit.ui.walkthrough import WalkthroughView


@pytest.fixture
def view(appraisal: Appraisal) -> WalkthroughView:
    return WalkthroughView(appraisal, pa="SD")


def test_opens_on_the_first_practice_with_one_panel_per_sampled_instance(view: WalkthroughView) -> None:
    assert view.practice.id == "SP 1.1"
    assert [p.instance.name for p in view.panels[:len(view.sampled)]] == ["Unit A", "Unit B"]
    assert view.instances_box.children == tuple(p.widget for p in view.panels[:2])
    assert view.progress.value == "SD: 0 of 18 practices characterized"
    assert "Analyze Existing Agreements and Service Data" in view.practice_info.value
    assert "Ticket volume and trend report" in view.practice_info.value  # an example work product
    assert view.previous_button.disabled and not view.next_button.disabled


def test_next_and_previous_walk_specific_then_generic_practices(view: WalkthroughView) -> None:
    seen = [view.practice.id]
    while not view.next_button.disabled:
        view.next_button.click()
        seen.append(view.practice.id)
    assert seen[:8] == ["SP 1.1", "SP 1.2", "SP 2.1", "SP 2.2", "SP 2.3", "SP 3.1", "SP 3.2", "SP 3.3"]
    assert seen[8:] == [f"GP 2.{n}" for n in range(1, 11)]
    assert view.practice_dropdown.value == "GP 2.10"
    assert view.bottom_next_button.disabled and not view.bottom_previous_button.disabled
    view.previous_button.click()
    assert view.practice.id == "GP 2.9"
    view.bottom_previous_button.click()
    view.bottom_next_button.click()
    view.bottom_next_button.click()
    assert view.practice.id == "GP 2.10"
    view.practice_dropdown.value = "SP 2.2"
    assert view.practice.id == "SP 2.2" and "Prepare for Service System Operations" in view.practice_info.value


def test_characterization_is_saved_at_once_and_counted(view: WalkthroughView, appraisal: Appraisal) -> None:
    view.panel("Unit A").characterization.value = "FI"
    assert appraisal.record("SD", "SP 1.1", "Unit A").characterization == "FI"
    assert view.progress.value == "SD: 0 of 18 practices characterized"  # Unit B still blank
    view.panel("Unit B").characterization.value = "NY"
    assert view.progress.value == "SD: 1 of 18 practices characterized"
    assert view.progress_bar.value == 1 and view.progress_bar.max == 18
    view.panel("Unit B").characterization.value = ""
    assert appraisal.record("SD", "SP 1.1", "Unit B").characterization is None
    assert view.progress_text == "SD: 0 of 18 practices characterized"


def test_texts_and_evidence_are_saved_and_shown_again_after_reopening(view: WalkthroughView,
                                                                      appraisal: Appraisal) -> None:
    view.next_button.click()
    panel = view.panel("Unit B")
    panel.weaknesses.value = "The SLA is not signed by the customer."
    panel.strengths.value = "Catalogue kept current."
    panel.notes.value = "ask the account manager"
    panel.new_kind.value = "artifact"
    panel.new_description.value = "Service level agreement v3"
    panel.new_location.value = "https://intranet.example/sla"
    panel.add_evidence_button.click()
    panel.new_kind.value = "affirmation"
    panel.new_description.value = "Interview with the service manager"
    panel.add_evidence_button.click()
    panel.characterization.value = "LI"
    assert panel.status.ok and panel.new_description.value == "" and panel.status.text == "LI saved"

    path = appraisal.address
    appraisal.close()
    with Appraisal.open(path) as reopened:
        record = reopened.record("SD", "SP 1.2", "Unit B")
        assert (record.characterization, record.weaknesses, record.strengths, record.notes) == (
            "LI", "The SLA is not signed by the customer.", "Catalogue kept current.", "ask the account manager")
        assert [(e.kind, e.description, e.location) for e in reopened.evidence(pa="SD", practice="SP 1.2")] == [
            ("artifact", "Service level agreement v3", "https://intranet.example/sla"),
            ("affirmation", "Interview with the service manager", "")]
        again = WalkthroughView(reopened, pa="SD", practice="SP 1.2")
        shown = again.panel("Unit B")
        assert shown.characterization.value == "LI"
        assert shown.weaknesses.value == "The SLA is not signed by the customer."
        assert "Service level agreement v3" in shown.evidence_list.value
        assert 'href="https://intranet.example/sla"' in shown.evidence_list.value
        assert shown.evidence_box.layout.display == "none"  # editable rows only on request
        shown.edit_evidence.value = True
        assert [r.description.value for r in shown.rows[:len(shown.items)]] == [
            "Service level agreement v3", "Interview with the service manager"]
        assert 'href="https://intranet.example/sla"' in shown.rows[0].link.value
        assert shown.warnings == []
        assert again.panel("Unit A").characterization.value == ""


def test_evidence_can_be_edited_and_unlinked(view: WalkthroughView, appraisal: Appraisal) -> None:
    panel = view.panel("Unit A")
    panel.new_description.value = "Ticket report"
    panel.add_evidence_button.click()
    panel.edit_evidence.value = True
    assert panel.evidence_box.layout.display is None
    row = panel.rows[0]
    row.description.value = "Ticket report, October"
    row.kind.value = "affirmation"
    item = appraisal.evidence(pa="SD", practice="SP 1.1", instance="Unit A")[0]
    assert (item.kind, item.description) == ("affirmation", "Ticket report, October")
    row.unlink_button.click()
    assert appraisal.evidence(pa="SD") == []
    [kept] = appraisal.register()          # off the cell, still in the register
    assert (kept.title, kept.reuse) == ("Ticket report, October", 0)
    assert "unlinked: Ticket report, October (kept in the register as AFF-1, used nowhere)" in panel.status.text
    assert panel.evidence_box.children == ()
    assert "no evidence" in panel.evidence_list.value
    view.next_button.click()
    assert not panel.edit_evidence.value and panel.evidence_box.layout.display == "none"


def test_refused_input_is_explained_and_nothing_is_stored(view: WalkthroughView, appraisal: Appraisal) -> None:
    panel = view.panel("Unit A")
    panel.new_description.value = "   "
    panel.add_evidence_button.click()
    assert not panel.status.ok and "evidence needs a description" in panel.status.html.value
    assert appraisal.evidence() == []
    panel.new_description.value = "Ticket report"
    panel.add_evidence_button.click()
    panel.edit_evidence.value = True
    panel.rows[0].description.value = ""
    assert not panel.status.ok
    assert panel.rows[0].description.value == "Ticket report"  # the stored value is shown again


@pytest.mark.parametrize(("value", "weakness", "evidence", "expected"), [
    ("FI", "missing records", ("artifact", "affirmation"), "FI but weaknesses are written"),
    ("LI", "", ("artifact", "affirmation"), "LI needs at least one weakness written"),
    ("FI", "", (), "FI rests on no evidence"),
    ("LI", "gap", ("artifact",), "LI with one-sided evidence"),
])
def test_a_contradicting_characterization_is_warned_about(view: WalkthroughView, value: str, weakness: str,
                                                          evidence: tuple[str, ...], expected: str) -> None:
    panel = view.panel("Unit A")
    for kind in evidence:
        panel.new_kind.value = kind
        panel.new_description.value = f"{kind} item"
        panel.add_evidence_button.click()
    panel.weaknesses.value = weakness
    panel.characterization.value = value
    assert any(expected in text for text in panel.warnings)
    assert expected in panel.warning.value.replace("&#x27;", "'")
    assert expected in view.summary()


def test_consistent_characterization_has_no_warning_and_warnings_follow_edits(view: WalkthroughView) -> None:
    panel = view.panel("Unit A")
    for kind in ("artifact", "affirmation"):
        panel.new_kind.value = kind
        panel.new_description.value = kind
        panel.add_evidence_button.click()
    panel.characterization.value = "FI"
    assert panel.warnings == [] and panel.warning.value == ""
    panel.weaknesses.value = "one gap"
    assert panel.warnings and "FI but weaknesses" in panel.warnings[0]


def test_stepping_shows_each_practice_own_values_and_never_writes(view: WalkthroughView,
                                                                  appraisal: Appraisal) -> None:
    view.panel("Unit A").characterization.value = "PI"
    view.panel("Unit A").weaknesses.value = "only partly"
    view.next_button.click()
    assert view.panel("Unit A").characterization.value == "" and view.panel("Unit A").weaknesses.value == ""
    view.previous_button.click()
    assert view.panel("Unit A").characterization.value == "PI"
    assert [r.practice for r in appraisal.records()] == ["SP 1.1"]


def test_ou_characterization_flags_team_judgment(view: WalkthroughView) -> None:
    view.panel("Unit A").characterization.value = "FI"
    view.panel("Unit B").characterization.value = "PI"
    assert "LI or PI" in view.aggregate.value and "team judgment" in view.aggregate.value
    view.panel("Unit B").characterization.value = "FI"
    assert ">FI<" in view.aggregate.value


def test_switching_process_area_reuses_panels(view: WalkthroughView, appraisal: Appraisal) -> None:
    first = view.panels[0]
    view.pa_dropdown.value = "CM"
    assert view.pa.id == "CM" and view.practice.id == "SP 1.1"
    assert [p.instance.name for p in view.panels[:len(view.sampled)]] == ["Unit A", "Unit B", "QA Group"]
    assert view.panels[0] is first
    view.panel("QA Group").characterization.value = "LI"
    assert appraisal.record("CM", "SP 1.1", "QA Group").characterization == "LI"
    view.pa_dropdown.value = "SD"
    with pytest.raises(KeyError):
        view.panel("QA Group")


def test_scope_and_assessors_are_shown(appraisal: Appraisal) -> None:
    appraisal.set_scope("SAM", "not_applicable", "no <suppliers>")
    appraisal.set_assessor("Ravi", pas=["SAM"])
    view = WalkthroughView(appraisal, pa="SAM")
    assert ("SAM Supplier Agreement Management (not applicable)", "SAM") in view.pa_dropdown.options
    assert "not applicable: no &lt;suppliers&gt;" in view.pa_note.value and "Ravi" in view.pa_note.value


def test_pa_without_sampled_instances_says_so(appraisal: Appraisal) -> None:
    for name in ("Unit A", "Unit B"):
        appraisal.update_instance(name, pas=["CM"])
    view = WalkthroughView(appraisal, pa="SD")
    assert view.instances_box.children == ()
    assert "no basic unit or support function is sampled" in view.pa_note.value
    assert "no instance sampled" in repr(view)


def test_unknown_process_area_or_practice_is_refused(appraisal: Appraisal) -> None:
    with pytest.raises(UnknownEntry, match="XYZ"):
        WalkthroughView(appraisal, pa="XYZ")
    with pytest.raises(UnknownEntry, match="SD has no practice 'SP 9.9'"):
        WalkthroughView(appraisal, pa="SD", practice="SP 9.9")


def test_reload_picks_up_changes_made_elsewhere(view: WalkthroughView, appraisal: Appraisal) -> None:
    view.practice_dropdown.value = "SP 2.1"
    appraisal.add_instance("Unit C", pas=["SD"])
    appraisal.update_record("SD", "SP 2.1", "Unit C", characterization="NY")
    appraisal.set_scope("SD", "out_of_scope")
    view.reload_button.click()
    assert view.practice.id == "SP 2.1" and view.panel("Unit C").characterization.value == "NY"
    assert ("SD Service Delivery (out of scope)", "SD") in view.pa_dropdown.options
    assert view.pa_dropdown.value == "SD"


def test_text_form_names_practice_progress_and_instances(view: WalkthroughView) -> None:
    view.panel("Unit A").characterization.value = "NY"
    text = repr(view)
    assert text.splitlines()[0] == ("Walkthrough SD Service Delivery: "
                                    "SP 1.1 Analyze Existing Agreements and Service Data (1 of 18)")
    assert "SD: 0 of 18 practices characterized" in text
    assert "Unit A: NY (0 artifact(s), 0 affirmation(s))" in text
    bundle = view._repr_mimebundle_()
    assert bundle["text/plain"] == text and "application/vnd.jupyter.widget-view+json" in bundle


def test_step_benchmark_runs_and_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    """The speed target itself is shown by benchmarks/step_render.py, not asserted in seconds here."""
    import importlib.util
    from pathlib import Path

    script = Path(__file__).parent.parent / "benchmarks" / "step_render.py"
    spec = importlib.util.spec_from_file_location("step_render", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    import comm

    original = comm.create_comm
    try:
        module.main(["--instances", "20", "--steps", "10"])
    finally:
        comm.create_comm = original
    out = capsys.readouterr().out
    assert "20 instances" in out and "ratio step / baseline" in out
    assert "budget 100 ms for the p95 (Python side, no browser):" in out


def test_evidence_text_is_shown_as_text_not_markup(view: WalkthroughView) -> None:
    panel = view.panel("Unit A")
    panel.new_description.value = "<script>alert(1)</script>"
    panel.new_location.value = "javascript:alert(1)"
    panel.add_evidence_button.click()
    assert "<script>" not in panel.evidence_list.value and "&lt;script&gt;" in panel.evidence_list.value
    assert "href" not in panel.evidence_list.value


def test_new_evidence_kind_resets_after_add_and_on_the_next_practice(view: WalkthroughView,
                                                                    appraisal: Appraisal) -> None:
    panel = view.panel("Unit A")
    assert panel.new_kind.value == "artifact"
    panel.new_kind.value = "affirmation"
    panel.new_description.value = "Interview with the desk lead"
    panel.add_evidence_button.click()
    assert panel.new_kind.value == "artifact" and panel.new_description.value == ""
    panel.new_kind.value = "affirmation"
    view.next_button.click()
    assert panel.new_kind.value == "artifact"
    assert [e.kind for e in appraisal.evidence()] == ["affirmation"]


def test_an_unsaved_evidence_draft_is_kept_when_stepping(view: WalkthroughView, appraisal: Appraisal) -> None:
    panel = view.panel("Unit B")
    panel.new_kind.value = "affirmation"
    panel.new_description.value = "Interview, half typed"
    panel.new_who.value = "Kim"
    view.next_button.click()
    assert panel.new_description.value == "" and appraisal.evidence() == []
    assert "kept as a draft (Unit B at SD SP 1.1)" in view.status.text
    assert "SD SP 1.1 (Unit B)" in view.drafts_note.value
    view.previous_button.click()
    assert (panel.new_kind.value, panel.new_description.value, panel.new_who.value) == (
        "affirmation", "Interview, half typed", "Kim")
    assert view.drafts == {} and view.drafts_note.value == ""
    panel.add_evidence_button.click()
    [item] = appraisal.evidence()
    assert (item.kind, item.description, item.who) == ("affirmation", "Interview, half typed", "Kim")


def test_evidence_who_and_collected_on(view: WalkthroughView, appraisal: Appraisal) -> None:
    from datetime import date

    panel = view.panel("Unit A")
    panel.new_description.value = "Ticket report"
    panel.new_who.value = "Service desk lead"
    panel.new_collected_on.value = date(2026, 11, 3)
    panel.add_evidence_button.click()
    [item] = appraisal.evidence()
    assert (item.who, item.collected_on) == ("Service desk lead", "2026-11-03")
    assert "from Service desk lead, collected 2026-11-03" in panel.evidence_list.value
    assert panel.new_collected_on.value is None and panel.new_who.value == ""
    panel.edit_evidence.value = True
    row = panel.rows[0]
    assert row.collected_on.value == date(2026, 11, 3)
    row.who.value = "Kim"
    row.collected_on.value = date(2026, 11, 4)
    assert appraisal.evidence()[0].who == "Kim" and appraisal.evidence()[0].collected_on == "2026-11-04"
    assert panel.status.text == "evidence collected on saved"


def test_edit_evidence_lists_each_item_once_and_removal_can_be_undone(view: WalkthroughView,
                                                                      appraisal: Appraisal) -> None:
    panel = view.panel("Unit A")
    panel.new_description.value = "Ticket report"
    panel.new_location.value = "https://intranet.example/tickets"
    panel.add_evidence_button.click()
    panel.edit_evidence.value = True
    assert panel.evidence_list.value == "" and len(panel.evidence_box.children) == 1  # the rows replace the list
    panel.rows[0].unlink_button.click()
    assert appraisal.evidence() == [] and "unlinked: Ticket report" in panel.status.text
    assert panel.status.undo_button.layout.display is None
    panel.status.undo_button.click()
    [item] = appraisal.evidence()
    assert (item.description, item.location) == ("Ticket report", "https://intranet.example/tickets")
    assert "restored" in panel.status.text and len(panel.items) == 1
    panel.edit_evidence.value = False
    assert "Ticket report" in panel.evidence_list.value


def test_add_evidence_uses_the_values_sent_with_the_click(view: WalkthroughView, appraisal: Appraisal) -> None:
    panel = view.panel("Unit A")
    # the browser's click carries what the boxes show, even if their own updates have not arrived yet
    panel.add_evidence_button._received(panel.add_evidence_button,
                                        {"event": "click", "values": ["SLA v3", "https://x.example/sla", ""]}, [])
    [item] = appraisal.evidence()
    assert (item.description, item.location) == ("SLA v3", "https://x.example/sla") and panel.status.ok
    assert panel.new_description.continuous_update and panel.new_location.continuous_update


def test_keyboard_steps_and_characterizes_the_focused_panel(view: WalkthroughView, appraisal: Appraisal) -> None:
    view.keys.press("l", 1)
    assert appraisal.record("SD", "SP 1.1", "Unit B").characterization == "LI"
    view.keys.press("F", 0)
    view.keys.press("ArrowRight")
    assert view.practice.id == "SP 1.2"
    view.keys.press("ArrowLeft")
    assert view.practice.id == "SP 1.1" and view.panel("Unit A").characterization.value == "FI"
    view.keys.press("0", 1)
    assert appraisal.record("SD", "SP 1.1", "Unit B").characterization is None
    view.keys.press("p", -1)
    assert not view.status.ok and "click a button of an instance panel first" in view.status.text


def test_texts_grow_and_every_input_is_named(view: WalkthroughView) -> None:
    from cmmikit.ui.common import unlabelled

    panel = view.panel("Unit A")
    panel.weaknesses.value = "\n".join(["The SLA is not signed."] * 6)
    assert panel.weaknesses.rows == 7
    panel.edit_evidence.value = True
    assert unlabelled(view.widget) == []
    assert panel.characterization.description == "characterization of Unit A"
    assert "cmmikit-panel-0" in panel.widget._dom_classes
    assert "cmmikit-panel-1" in view.panel("Unit B").widget._dom_classes


def test_a_refused_characterization_is_not_shown_as_set(view: WalkthroughView, appraisal: Appraisal) -> None:
    panel = view.panel("Unit A")
    appraisal.remove_instance("Unit A")  # removed elsewhere: the save fails
    panel.characterization.value = "FI"
    assert not panel.status.ok and panel.characterization.value == ""


def test_closing_releases_every_panel(appraisal: Appraisal) -> None:
    view = WalkthroughView(appraisal, pa="CM")   # three panels
    view.pa_dropdown.value = "SD"                 # two shown, one spare
    spare = view.panels[2]
    view.close()
    assert spare.characterization.comm is None and view.next_button.comm is None


def test_a_follow_up_marks_inherited_characterizations_until_confirmed_or_edited(appraisal: Appraisal, tmp_path) -> None:
    from cmmikit.store import follow_up

    appraisal.update_record("SD", "SP 1.1", "Unit A", characterization="LI")
    appraisal.update_record("SD", "SP 1.1", "Unit B", characterization="PI")
    with follow_up(appraisal, str(tmp_path / "follow.cmmi")) as later:
        view = WalkthroughView(later, pa="SD")
        first, second = view.panels[0], view.panels[1]
        assert "inherited from the baseline" in first.inherited.value and first.confirm_button.layout.display is None
        first.confirm_button.click()
        assert first.status.ok and first.inherited.value == "" and not later.record("SD", "SP 1.1", "Unit A").inherited
        second.characterization.value = "LI"          # an edit re-assesses too
        assert second.inherited.value == "" and not later.record("SD", "SP 1.1", "Unit B").inherited


# -- SCAMPI B and C: the buttons, keys and OU value follow the appraisal's scale


def widget_text(widget) -> str:
    """Every string a widget tree shows (values, descriptions, options, tooltips), for word checks."""
    import ipywidgets as w

    parts: list[str] = []
    for name in ("value", "description", "tooltip", "placeholder"):
        value = getattr(widget, name, None)
        if isinstance(value, str):
            parts.append(value)
    if isinstance(widget, (w.ToggleButtons, w.Dropdown)):
        parts += [str(label) for label in widget._options_labels]
        parts += [str(t) for t in getattr(widget, "tooltips", None) or ()]
    for child in getattr(widget, "children", ()):
        parts.append(widget_text(child))
    return "\n".join(parts)


def test_scampi_a_keeps_fi_to_ny_buttons_and_keys(view: WalkthroughView) -> None:
    buttons = view.panel("Unit A").characterization
    assert buttons._options_labels == ("blank", "FI", "LI", "PI", "NI", "NY")
    assert view.buttons.keys == {"0": "", "f": "FI", "l": "LI", "p": "PI", "n": "NI", "y": "NY"}
    assert "(key f)" in buttons.tooltips[1] and "f l p n y = FI LI PI NI NY" in view.key_help.value


def test_scampi_b_buttons_colours_keys_and_ou_value_come_from_the_scale(demo_b: Appraisal) -> None:
    from rating_words import rating_words

    view = WalkthroughView(demo_b, pa="CM", practice="SP 1.1")
    scale = demo_b.scale
    panel = view.panels[0]
    assert panel.characterization._options_labels == ("blank", "low risk", "medium risk", "high risk")
    assert panel.characterization._options_values == ("", "low", "medium", "high")
    assert view.buttons.keys == {"0": "", "l": "low", "m": "medium", "h": "high"}
    assert [t.rsplit("(key ", 1)[1] for t in panel.characterization.tooltips] == ["0)", "l)", "m)", "h)"]
    assert scale.get("medium").meaning in panel.characterization.tooltips[2]
    for value in ("low", "medium", "high"):          # every value's button has its colour
        assert scale.colours[value] in view.scale_style.value
    assert "l = low risk, m = medium risk, h = high risk, 0 = blank" in view.key_help.value

    view.keys.press("h", 0)                           # a key sets the panel's value, stored at once
    name = panel.instance.name
    assert demo_b.record("CM", "SP 1.1", name).characterization == "high"
    assert panel.status.text == "high risk saved"
    panel.characterization.value = "medium"           # a click too
    assert demo_b.record("CM", "SP 1.1", name).characterization == "medium"
    view.keys.press("F", 0)                           # an SCAMPI A key does nothing here
    assert demo_b.record("CM", "SP 1.1", name).characterization == "medium"
    for other in view.panels[1:len(view.sampled)]:
        other.characterization.value = "low"
    assert "OU value" in view.aggregate.value and "medium risk" in view.aggregate.value
    assert "FI" not in panel.characterization._options_labels
    assert rating_words(widget_text(view.widget) + view.summary()) == []


def test_scampi_b_warnings_use_the_scale(demo_b: Appraisal) -> None:
    view = WalkthroughView(demo_b, pa="CM", practice="SP 1.1")
    panel = view.panels[0]
    panel.weaknesses.value = ""
    panel.characterization.value = "high"
    assert "high risk needs at least one weakness written" in panel.warnings


def test_scampi_c_team_scale_gives_its_own_buttons_and_keys(tmp_path) -> None:
    from conftest import DATA
    from rating_words import rating_words

    with Appraisal.create(tmp_path / "c.cmmi", name="C", appraisal_type="SCAMPI C",
                          scale=DATA / "scales" / "traffic-light-c.yaml") as c:
        c.add_instance("U1")
        c.add_instance("U2")
        view = WalkthroughView(c, pa="CM")
        panel = view.panel("U1")
        assert panel.characterization._options_values == ("", "embedded", "used", "drafted", "missing", "later")
        assert view.buttons.keys == {"0": "", "e": "embedded", "u": "used", "d": "drafted", "m": "missing",
                                     "l": "later"}
        view.keys.press("d", 0)
        view.keys.press("e", 1)
        assert c.record("CM", "SP 1.1", "U1").characterization == "drafted"
        assert "approach embedded" in view.aggregate.value          # the best across instances
        assert rating_words(widget_text(view.widget) + view.summary()) == []


def test_the_buttons_follow_a_type_switch_on_reload(appraisal: Appraisal) -> None:
    view = WalkthroughView(appraisal, pa="SD")
    view.panel("Unit A").characterization.value = "LI"
    appraisal.set_type("SCAMPI B", mapping={"LI": "low"})
    view.reload()
    assert view.panel("Unit A").characterization._options_values == ("", "low", "medium", "high")
    assert view.panel("Unit A").characterization.value == "low"
    assert "h" in view.keys.shortcuts and "f" not in view.keys.shortcuts


def test_a_value_refused_after_a_switch_elsewhere_brings_the_new_buttons(appraisal: Appraisal) -> None:
    view = WalkthroughView(appraisal, pa="SD")
    appraisal.set_type("SCAMPI B")                    # another session (nothing characterized: it fits)
    view.panel("Unit A").characterization.value = "FI"
    assert appraisal.record("SD", "SP 1.1", "Unit A").characterization is None
    assert view.panel("Unit A").characterization._options_values == ("", "low", "medium", "high")
    assert "FI was not saved" in view.status.text and "low risk" in view.status.text
