"""The grid screen driven like an assessor would (keys on cells, filters, conflicts), without a browser."""

from __future__ import annotations

from datetime import date

import pytest

from cmmikit import palette
from cmmikit.store import Appraisal
from cmmikit.ui import GridView, Workbench
from cmmikit.ui.grid import ALL, grid_palette


@pytest.fixture
def view(tiny: Appraisal) -> GridView:
    return GridView(tiny, "AA")


def shown(view: GridView) -> list[str]:
    return [row.get("id") or row["label"] for row in view.grid.data["rows"]]


def cell(view: GridView, row: str, instance: str) -> list[str]:
    r = next(n for n, item in enumerate(view.grid.data["rows"]) if item.get("id") == row)
    c = [col["id"] for col in view.grid.data["columns"]].index(instance)
    return view.grid.data["rows"][r]["cells"][c]


def test_the_table_sent_to_the_browser(view: GridView) -> None:
    data = view.grid.data
    assert [c["id"] for c in data["columns"]] == ["U1", "U2"]
    assert data["columns"][0]["tip"] == "U1 (basic unit)"
    assert shown(view) == ["AA SG 1 Alpha Goal One", "AA SP 1.1", "AA SP 1.2", "AA SG 2 Alpha Goal Two", "AA SP 2.1",
                           "AA GG 2 Manage the Tiny Process", "AA GP 2.1"]
    tip = "AA SP 1.1 / U1: not characterized \u00b7 0 artifact(s), 0 affirmation(s)"
    assert cell(view, "AA SP 1.1", "U1") == ["", "", "\u2205", tip]
    assert view.counts.value == "<small>4 of 4 practices &times; 2 instances</small>"
    colours = grid_palette()
    assert colours["FI"] == [palette.BLUE, "#FFFFFF"] and colours["PI"] == [palette.ORANGE, "#000000"]
    assert colours["judgment"][0] == palette.YELLOW


def test_keys_on_one_cell_and_on_a_selection_save_at_once_and_patch_only_those_cells(view: GridView,
                                                                                     tiny: Appraisal) -> None:
    view.grid.press("f", [("AA SP 1.1", "U1")])
    assert tiny.record("AA", "SP 1.1", "U1").characterization == "FI"
    assert view.status.text == "AA SP 1.1 / U1: FI saved"
    patch = view.grid.last_patch
    assert [c[:2] for c in patch["cells"]] == [[1, 0]] and patch["cells"][0][2][:2] == ["FI", "FI"]
    assert patch["ous"] == [[1, ["", "", "", "AA SP 1.1 OU: not characterized"]]]
    assert cell(view, "AA SP 1.1", "U1")[0] == "FI"            # the kernel's copy follows (a page reload shows it)

    selection = [("AA SP 1.1", "U2"), ("AA SP 1.2", "U1"), ("AA SP 1.2", "U2")]
    view.grid.press("p", selection)
    assert view.status.text == "3 cells: PI saved"
    assert {tiny.record("AA", p, u).characterization for p, u in (("SP 1.1", "U2"), ("SP 1.2", "U1"),
                                                                 ("SP 1.2", "U2"))} == {"PI"}
    assert len(view.grid.last_patch["cells"]) == 3 and len(view.grid.last_patch["ous"]) == 2
    assert view.state.ou("AA SP 1.1").label == "LI or PI"
    assert cell(view, "AA SP 1.2", "U2")[:3] == ["PI", "PI", "\u2205\u26a0"]

    for key, expected in (("l", "LI"), ("n", "NI"), ("y", "NY"), ("Delete", None), ("p", "PI"), ("Backspace", None)):
        view.grid.press(key, [("AA SP 2.1", "U1")])
        assert tiny.record("AA", "SP 2.1", "U1").characterization == expected, key
    assert view.status.text == "AA SP 2.1 / U1: blank saved"
    view.grid.press("Delete", [("AA SP 2.1", "U1")])            # already blank: nothing written, the cell answered
    assert view.grid.last_patch["cells"] == [[4, 0, cell(view, "AA SP 2.1", "U1")]]
    view.grid.press("x", [("AA SP 2.1", "U1")])                 # not a grid key: nothing happens
    assert view.status.text == "AA SP 2.1 / U1: blank saved"


def test_a_conflict_shows_both_values_and_offers_keep_mine_or_take_theirs(view: GridView, tiny: Appraisal) -> None:
    with Appraisal.open(tiny.address, user="kim") as other:
        other.update_record("AA", "SP 1.1", "U1", characterization="NI", weaknesses="nothing in place")
        other.update_record("AA", "SP 1.2", "U1", characterization="LI", weaknesses="minor")
    view.grid.press("f", [("AA SP 1.1", "U1")])
    assert "kim saved NI" in view.status.text and "yours FI was not saved" in view.status.text
    assert not view.status.ok and view.status.conflict_open
    assert view.status.mine_button.layout.display is None and view.status.theirs_button.layout.display is None
    assert tiny.record("AA", "SP 1.1", "U1").characterization == "NI"      # never silently overwritten
    assert cell(view, "AA SP 1.1", "U1")[0] == "NI"                          # the grid shows theirs meanwhile
    view.status.mine_button.click()
    assert tiny.record("AA", "SP 1.1", "U1").characterization == "FI"
    assert view.status.text == "AA SP 1.1 / U1: FI saved" and cell(view, "AA SP 1.1", "U1")[0] == "FI"

    view.grid.press("p", [("AA SP 1.2", "U1"), ("AA SP 1.2", "U2")])
    assert view.status.text.startswith("1 cell saved as PI; AA SP 1.2 / U1: kim saved LI")
    view.status.theirs_button.click()
    assert view.status.text == "kept kim's value in 1 cell"
    assert tiny.record("AA", "SP 1.2", "U1").characterization == "LI" and cell(view, "AA SP 1.2", "U1")[0] == "LI"


def test_filters_redraw_the_rows(view: GridView, tiny: Appraisal) -> None:
    view.grid.press("p", [("AA SP 2.1", "U1")])
    view.grid.press("f", [("AA SP 2.1", "U2")])
    view.filter_boxes["weak"].value = True
    assert shown(view) == ["AA SG 2 Alpha Goal Two", "AA SP 2.1"]
    view.filter_boxes["judgment"].value = True
    assert shown(view) == ["AA SG 2 Alpha Goal Two", "AA SP 2.1"]
    assert "(filters: PI/NI, judgment open)" in view.summary()
    view.filter_boxes["weak"].value = view.filter_boxes["judgment"].value = False
    view.filter_boxes["uncharacterized"].value = True
    assert "AA SP 2.1" not in shown(view) and len(shown(view)) == 5
    view.filter_boxes["uncharacterized"].value = False
    view.filter_boxes["warnings"].value = True
    assert shown(view) == ["AA SG 2 Alpha Goal Two", "AA SP 2.1"]   # PI without a weakness; FI without evidence
    view.filter_boxes["warnings"].value = False

    view.filter_boxes["changed"].value = True                        # needs a date first
    assert not view.filter_boxes["changed"].value and view.status.text == "pick the date first (changed since ...)"
    view.since_picker.value = date.today()
    view.filter_boxes["changed"].value = True
    assert shown(view) == ["AA SG 2 Alpha Goal Two", "AA SP 2.1"]
    assert cell(view, "AA SP 2.1", "U1")[2].endswith("\u0394")
    view.since_picker.value = None                                   # no date: the filter goes off with it
    assert not view.filter_boxes["changed"].value and len(shown(view)) == 7


def test_my_pas_follow_who_i_am(tiny: Appraisal) -> None:
    tiny.set_assessor("Ravi Menon", pas=["BB"])
    view = GridView(tiny, None)
    assert view.pa_dropdown.value == ALL and view.me_dropdown.value == ""
    view.me_dropdown.value = "Ravi Menon"
    view.filter_boxes["mine"].value = True
    assert {row["id"].split()[0] for row in view.grid.data["rows"] if row.get("id")} == {"BB"}
    assert [v for _, v in view.pa_dropdown.options] == ["BB", ALL]
    view.me_dropdown.value = ""
    assert view.grid.data["rows"] == []
    view.filter_boxes["mine"].value = False
    view.filter_boxes["mine"].value = True
    assert view.status.text.startswith("no process area is assigned to you: choose who you are")
    view.filter_boxes["mine"].value = False
    view.pa_dropdown.value = "AA"
    assert view.state.pa == "AA" and shown(view)[1] == "AA SP 1.1"
    view.me_dropdown.value = "Ravi Menon"
    view.filter_boxes["mine"].value = True            # AA is not Ravi's: the grid shows all of his PAs instead
    assert view.pa_dropdown.value == ALL and view.state.pa is None
    assert {row["id"].split()[0] for row in view.grid.data["rows"] if row.get("id")} == {"BB"}


def test_the_first_process_area_of_the_model_by_default(tiny: Appraisal) -> None:
    view = GridView(tiny)
    assert view.state.pa == "AA" == view.pa_dropdown.value
    view.show_pa("XX")
    assert view.status.text.startswith("process area 'XX' is not in model tiny-1.0") and view.state.pa == "AA"


def test_opening_a_cell_shows_that_practice_and_unit_first_in_the_walkthrough(view: GridView, tiny: Appraisal) -> None:
    view.grid.open_cell(("AA SP 1.2", "U2"))
    walk = view.walkthrough
    assert view.tabs.selected_index == 1 and walk.practice.id == "SP 1.2"
    assert walk.instances_box.children[0] is walk.panel("U2").widget
    walk.panel("U2").characterization.value = "LI"                  # an edit in the walkthrough ...
    view.tabs.selected_index = 0
    assert cell(view, "AA SP 1.2", "U2")[0] == "LI"                 # ... shows in the grid on coming back
    view.grid.open_cell(("BB SP 1.1", "U1"))                        # not on show: nothing happens
    view.show_pa("BB")
    view.grid.open_cell(("BB SP 1.1", "U1"))
    assert walk.pa.id == "BB" and walk.instances_box.children[0] is walk.panel("U1").widget


def test_text_form_and_workbench(demo: Appraisal) -> None:
    page = Workbench(GridView, demo.address, pa="CM")
    text = repr(page.view)
    assert text.startswith("Grid CM Configuration Management: 17 of 17 practices x 4 instance(s)")
    assert "Quality and Configuration Office" in text.splitlines()[1]
    assert page.view._repr_mimebundle_()["text/plain"] == text
    page.view.grid.press("y", [("CM SP 1.1", "Service Desk")])
    assert repr(page.view).endswith("CM SP 1.1 / Service Desk: NY saved")
    page.close()


def test_a_scampi_b_appraisal_is_sent_to_the_walkthrough_not_given_fi_keys(demo_b: Appraisal) -> None:
    view = GridView(demo_b)
    text = repr(view)
    assert text.startswith(f"Grid: {demo_b.info().name} is a SCAMPI B appraisal characterized on ")
    assert demo_b.scale.summary() in text and "Use the walkthrough (01_walkthrough)" in text
    assert not hasattr(view, "grid")       # no keyboard grid that would store FI..NY on a risk scale
