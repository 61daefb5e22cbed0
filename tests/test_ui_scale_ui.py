"""Scale widgets: keys, buttons, colours and the scale shown, for SCAMPI A, B and a team's own scale."""

from __future__ import annotations

import ipywidgets as w

from cmmikit.model.scales import default_scale, load_scale, parse_scale
from cmmikit.ui.scale_ui import ScaleButtons, scale_badge, scale_keys, scale_table
from cmmikit.ui.type_picker import TypePicker
from conftest import DATA

TEAM = DATA / "scales" / "traffic-light-c.yaml"


def test_keys_are_unique_first_free_letters_then_digits() -> None:
    assert scale_keys(default_scale("SCAMPI A")) == {"0": "", "f": "FI", "l": "LI", "p": "PI", "n": "NI", "y": "NY"}
    assert scale_keys(default_scale("SCAMPI B")) == {"0": "", "l": "low", "m": "medium", "h": "high"}
    clash = parse_scale("id: x\nname: X\nvalues:\n"
                        "  - {value: a, label: a, colour: blue, on_track: true}\n"
                        "  - {value: aa, label: aa, colour: orange}\n")
    assert scale_keys(clash) == {"0": "", "a": "a", "1": "aa"}   # no free letter left: a digit


def test_buttons_show_labels_colours_and_values_not_on_the_scale() -> None:
    scale = load_scale(TEAM)
    buttons = ScaleButtons.of(scale)
    toggle = buttons.toggle()
    assert toggle._options_labels[:3] == ("blank", "approach embedded", "approach used")
    assert all(v.colour in buttons.css() for v in scale.values)
    buttons.apply(toggle, ["FI"])                       # recorded before a type switch: shown, never hidden
    assert toggle._options_values[-1] == "FI" and "not on the scale" in toggle._options_labels[-1]
    toggle.value = "FI"
    buttons.apply(toggle)
    assert "FI" not in toggle._options_values and toggle.value == ""
    decisions = ScaleButtons.decisions(scale)
    assert decisions.options == [(scale.label(v), v) for v in scale.decision_values]
    assert decisions.css_class != buttons.css_class       # their colours are numbered differently


def test_badges_and_table_always_carry_the_label() -> None:
    scale = default_scale("SCAMPI B")
    assert ">high risk<" in scale_badge(scale, "high") and scale.colours["high"] in scale_badge(scale, "high")
    assert ">blank<" in scale_badge(scale, None)
    table = scale_table(load_scale(TEAM))
    assert "approach drafted" in table and "orange" in table and "not yet (left out)" in table


def test_type_picker_offers_scale_files_only_for_scampi_c(tmp_path) -> None:
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "acme.yaml").write_bytes(TEAM.read_bytes())
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "acme-checkpoint.yaml").write_bytes(TEAM.read_bytes())
    picker = TypePicker(tmp_path)
    assert picker.scale_files._options_labels[1:] == ("team/acme.yaml",)
    assert picker.scale_files.layout.display == "none" and picker.scale_choice is None
    picker.type_dropdown.value = "SCAMPI C"
    picker.scale_files.value = str((tmp_path / "team" / "acme.yaml").resolve())
    assert picker.scale().id == "acme-c" and "approach embedded" in picker.preview.value
    picker.type_dropdown.value = "SCAMPI B"
    assert picker.scale_choice is None and "low risk" in picker.preview.value
    assert isinstance(picker.widget, w.VBox)
