"""The setup view: every edit reaches the store at once; mistakes are explained, not stored."""

from __future__ import annotations

import pytest

from cmmikit.errors import InvalidValue
from cmmikit.store import Appraisal
from cmmikit.ui.setup import SetupView


@pytest.fixture
def view(appraisal: Appraisal) -> SetupView:
    return SetupView(appraisal)


def test_shows_the_appraisal(view: SetupView) -> None:
    assert view.info_fields["name"].value == "Test appraisal"
    assert view.info_fields["org_unit"].value == "Test OU"
    assert [r.name for r in view.instance_rows] == ["Unit A", "Unit B", "QA Group"]
    assert view.sampling[("CM", "QA Group")].value and not view.sampling[("SD", "QA Group")].value
    assert view.scope_dropdowns["SAM"].value == "in_scope"


def test_appraisal_facts_are_saved(view: SetupView, appraisal: Appraisal) -> None:
    view.info_fields["org_unit"].value = "Managed services division"
    view.appraisal_type.value = "Self-appraisal"
    view.description.value = "First look"
    info = appraisal.info()
    assert (info.org_unit, info.appraisal_type, info.description) == ("Managed services division", "Self-appraisal",
                                                                      "First look")


def test_instances_can_be_added_renamed_changed_and_removed(view: SetupView, appraisal: Appraisal) -> None:
    view.new_instance_name.value = "Cloud Services"
    view.new_instance_subgroup.value = "Projects"
    view.add_instance_button.click()
    assert appraisal.instances()[-1].name == "Cloud Services" and appraisal.instances()[-1].subgroup == "Projects"
    assert view.sampling[("SD", "Cloud Services")].value  # a new basic unit is sampled for every PA

    view.new_instance_name.value = "CM Office"
    view.new_instance_kind.value = "support_function"
    view.add_instance_button.click()
    assert next(i for i in appraisal.instances() if i.name == "CM Office").pas == ()

    row = view.instance_rows[0]
    row.name_text.value = "Service Desk"
    assert [i.name for i in appraisal.instances()][0] == "Service Desk"
    assert view.instance_rows[0].name == "Service Desk"
    view.instance_rows[0].description.value = "first line"
    assert appraisal.instances()[0].description == "first line"

    remove = view.instance_rows[1].remove_button
    remove.click()
    assert "Unit B" in [i.name for i in appraisal.instances()]  # first click only asks
    assert "click 'remove' again" in view.status.text
    remove.click()
    assert "Unit B" not in [i.name for i in appraisal.instances()]
    assert ("SD", "Unit B") not in view.sampling


def test_duplicate_instance_name_is_refused_and_the_old_name_shown(view: SetupView, appraisal: Appraisal) -> None:
    view.instance_rows[0].name_text.value = "Unit B"
    assert not view.status.ok and "already exists" in view.status.text
    assert [i.name for i in appraisal.instances()] == ["Unit A", "Unit B", "QA Group"]
    assert view.instance_rows[0].name_text.value == "Unit A"
    view.new_instance_name.value = " "
    view.add_instance_button.click()
    assert "needs a name" in view.status.text and len(appraisal.instances()) == 3


def test_scope_not_applicable_needs_a_reason(view: SetupView, appraisal: Appraisal) -> None:
    view.scope_dropdowns["SAM"].value = "not_applicable"
    assert not view.status.ok and appraisal.scopes()["SAM"].scope == "in_scope"
    view.reason_texts["SAM"].value = "No suppliers are used"
    assert appraisal.scopes()["SAM"].scope == "not_applicable"
    assert appraisal.scopes()["SAM"].reason == "No suppliers are used"
    view.scope_dropdowns["MA"].value = "out_of_scope"
    assert appraisal.scopes()["MA"].scope == "out_of_scope"
    assert "SAM   not applicable (No suppliers are used)" in view.summary()


def test_sampling_grid_sets_which_instances_each_pa_is_sampled_in(view: SetupView, appraisal: Appraisal) -> None:
    view.sampling[("SD", "Unit B")].value = False
    view.sampling[("SD", "QA Group")].value = True
    pas = {i.name: i.pas for i in appraisal.instances()}
    assert "SD" not in pas["Unit B"] and pas["QA Group"] == ("CM", "PPQA", "SD")


def test_assessors_and_their_process_areas(view: SetupView, appraisal: Appraisal) -> None:
    view.new_assessor_name.value = "Ravi Menon"
    view.new_assessor_role.value = "Assessor"
    view.add_assessor_button.click()
    view.assessor_pas[("Ravi Menon", "SD")].value = True
    view.assessor_pas[("Ravi Menon", "WP")].value = True
    view.assessor_roles["Ravi Menon"].value = "Mini-team lead"
    [person] = appraisal.assessors()
    assert (person.name, person.role, person.pas) == ("Ravi Menon", "Mini-team lead", ("SD", "WP"))
    view.new_assessor_name.value = "Ravi Menon"
    view.add_assessor_button.click()
    assert "already on the team" in view.status.text and len(appraisal.assessors()) == 1
    view.assessor_remove_buttons["Ravi Menon"].click()
    assert appraisal.assessors() == []


def test_units_form_is_reset_after_add(view: SetupView, appraisal: Appraisal) -> None:
    view.new_instance_name.value = "Operations"
    view.new_instance_kind.value = "basic_unit"
    view.new_instance_subgroup.value = "Operations"
    view.new_instance_description.value = "second line"
    view.add_instance_button.click()
    assert view.status.text == "added basic unit Operations"
    assert (view.new_instance_name.value, view.new_instance_kind.value, view.new_instance_subgroup.value,
            view.new_instance_description.value) == ("", "basic_unit", "", "")
    view.new_instance_name.value = "Process Office"
    view.new_instance_kind.value = "support_function"
    view.add_instance_button.click()
    office = next(i for i in appraisal.instances() if i.name == "Process Office")
    assert (office.kind, office.subgroup, office.pas) == ("support_function", "", ())  # no stale subgroup
    assert view.new_instance_kind.value == "basic_unit"


def test_team_grid_puts_each_checkbox_under_its_header(view: SetupView) -> None:
    view.new_assessor_name.value = "Ravi Menon"
    view.add_assessor_button.click()
    [grid] = view.team_box.children
    n_columns = 2 + len(view.appraisal.model.pa_ids) + 1   # assessor, role, one per PA, remove
    assert f"repeat({len(view.appraisal.model.pa_ids)}, " in grid.layout.grid_template_columns
    header = [c.value for c in grid.children[:n_columns]]
    cells = list(grid.children[n_columns:])
    wp = view.appraisal.model.pa_ids.index("WP")
    assert ">WP<" in header[2 + wp] and cells[2 + wp] is view.assessor_pas[("Ravi Menon", "WP")]
    assert cells[2 + wp].description == "Ravi Menon assesses WP"
    cells[2 + wp].value = True
    assert view.appraisal.assessors()[0].pas == ("WP",)
    assert view.status.text == "Ravi Menon: WP"


def test_every_input_has_an_accessible_name(view: SetupView) -> None:
    from cmmikit.ui.common import unlabelled

    view.new_assessor_name.value = "Ravi Menon"
    view.add_assessor_button.click()
    assert unlabelled(view.widget) == []
    assert view.sampling[("SD", "Unit B")].description == "Unit B sampled for SD"
    assert view.instance_rows[0].subgroup.description == "subgroup of Unit A"


def test_dates_are_picked_and_stored_as_iso(view: SetupView, appraisal: Appraisal) -> None:
    from datetime import date

    view.date_fields["start_date"].value = date(2027, 3, 1)
    assert appraisal.info().start_date == "2027-03-01" and view.status.text == "Start date: '2027-03-01'"
    view.date_fields["start_date"].value = None
    assert appraisal.info().start_date == ""
    with pytest.raises(InvalidValue, match="end date must be a date"):
        appraisal.update_info(end_date="next week")
    from sqlalchemy import update

    from cmmikit.store import tables as t

    with appraisal.transaction():   # a file written before dates were checked
        appraisal._conn.execute(update(t.appraisal).values(end_date="next week"))
    again = SetupView(appraisal)
    assert again.date_fields["end_date"].value is None and "not a date" in again.date_notes["end_date"].value


def test_status_messages_are_readable(view: SetupView) -> None:
    view.info_fields["org_unit"].value = "Managed services"
    assert view.status.text == "Organizational unit: 'Managed services'"
    view.instance_rows[0].subgroup.value = "Operations"
    assert view.status.text == "Unit A: subgroup 'Operations'"
    view.instance_rows[0].kind.value = "support_function"
    assert view.status.text == "Unit A: kind 'support function'"


def test_text_form(view: SetupView) -> None:
    text = repr(view)
    assert text.startswith(f"Setup: Test appraisal ({view.appraisal.path.name}, SCAMPI A)") and "team: (none) [0 assessors]" in text
    assert "basic units: Unit A, Unit B" in text and "support functions: QA Group" in text
    assert "CM    in scope; sampled in: Unit A, Unit B, QA Group" in text
    assert "scale: SCAMPI A practice characterizations: FI fully implemented" in text


# -- the appraisal type and its scale


def test_a_refused_type_switch_shows_the_stores_message_then_converts_on_click(demo_b: Appraisal) -> None:
    view = SetupView(demo_b)
    before = demo_b.values_in_use()[0]
    view.appraisal_type.value = "SCAMPI A"
    assert not view.status.ok and view.status.text.startswith(f"{demo_b.location.label}: cannot switch to SCAMPI A")
    assert "\n" not in view.status.text
    assert demo_b.info().appraisal_type == "SCAMPI B" and demo_b.values_in_use()[0] == before  # nothing changed
    assert view.conversion_box.layout.display != "none"
    assert view.mapping.value == "low=FI,medium=PI,high=NI"                   # suggested, in the scale's order
    assert "still a SCAMPI B appraisal" in view.conversion_note.value
    assert "FI fully implemented" in view.type_picker.preview.value            # the scale asked for is shown

    view.mapping.value = "low=LI,medium=PI,high=NI"                           # edited by the user
    view.convert_button.click()
    assert view.status.ok, view.status.text
    n = sum(before.values())
    assert f"{n} characterization(s) converted" in view.status.text
    assert demo_b.info().appraisal_type == "SCAMPI A" and set(demo_b.values_in_use()[0]) <= {"LI", "PI", "NI"}
    assert view.conversion_box.layout.display == "none" and view.appraisal_type.value == "SCAMPI A"


def test_keeping_the_type_hides_the_conversion_and_shows_the_stored_type(demo_b: Appraisal) -> None:
    view = SetupView(demo_b)
    view.appraisal_type.value = "Self-appraisal"
    assert view.conversion_box.layout.display != "none"
    view.cancel_conversion_button.click()
    assert view.conversion_box.layout.display == "none" and view.appraisal_type.value == "SCAMPI B"
    assert "low risk" in view.type_picker.preview.value and demo_b.info().appraisal_type == "SCAMPI B"


def test_a_bad_mapping_is_refused_in_one_line_and_nothing_changes(demo_b: Appraisal) -> None:
    view = SetupView(demo_b)
    view.appraisal_type.value = "SCAMPI A"
    view.mapping.value = "low=FI,medium=XX,high=NI"
    view.convert_button.click()
    assert not view.status.ok and "medium=XX" in view.status.text and "\n" not in view.status.text
    assert demo_b.info().appraisal_type == "SCAMPI B"


def test_a_fitting_switch_to_a_team_scale_file(appraisal: Appraisal, tmp_path) -> None:
    from conftest import DATA

    (tmp_path / "scales").mkdir()
    (tmp_path / "scales" / "acme.yaml").write_bytes((DATA / "scales" / "traffic-light-c.yaml").read_bytes())
    view = SetupView(appraisal, folder=tmp_path)
    assert view.type_picker.scale_files.layout.display == "none"             # only a SCAMPI C has a file choice
    view.appraisal_type.value = "SCAMPI C"                                     # nothing characterized: it fits
    assert view.status.ok and appraisal.info().appraisal_type == "SCAMPI C"
    assert view.type_picker.scale_files.layout.display != "none"
    view.type_picker.scale_files.value = str((tmp_path / "scales" / "acme.yaml").resolve())
    assert view.status.ok, view.status.text
    assert appraisal.scale.id == "acme-c" and "approach embedded" in view.type_picker.preview.value
    assert view.type_picker.scale_files.value == "<own>"                       # the scale is now the appraisal's
    assert "ACME approach maturity" in view.type_picker.scale_files.label


def test_the_target_level_can_be_raised_and_the_sections_follow(view: SetupView, appraisal: Appraisal) -> None:
    assert view.target_level.options == (("maturity level 2", 2), ("maturity level 3", 3))
    assert view.target_level.value == 2 and "8 process areas up to level 2" in view.target_note.value
    view.target_level.value = 3
    assert appraisal.target_level == 3 and "Target: maturity level 3" in view.status.text
    assert "CAM" in view.scope_dropdowns and view.sampling[("CAM", "Unit A")].value
    assert "not in the model yet: OPF, STSM" in view.target_note.value


def test_lowering_the_target_over_ml3_data_is_refused_and_shown(view: SetupView, appraisal: Appraisal) -> None:
    view.target_level.value = 3
    appraisal.update_record("CAM", "SP 1.1", "Unit A", characterization="FI")
    view.target_level.value = 2
    assert appraisal.target_level == 3 and view.target_level.value == 3
    assert "cannot lower the target to level 2: CAM already hold" in view.status.text
    assert "CAM" in view.scope_dropdowns
