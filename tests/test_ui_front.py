"""The two front-end widgets: a click that carries the typed values, and keyboard shortcuts."""

from __future__ import annotations

import ipywidgets as w

from cmmikit.ui.front import KeyShortcuts, SubmitButton


def test_submit_button_takes_the_values_sent_with_the_click() -> None:
    description, location = w.Text(), w.Text(value="old")
    seen: list[tuple[str, str]] = []
    button = SubmitButton("add evidence", [description, location], icon="plus")
    button.on_click(lambda b: seen.append((description.value, location.value)))
    # the click arrives before the boxes' own updates: the values it carries are used
    button._received(button, {"event": "click", "values": ["Service level agreement", ""]}, [])
    assert seen == [("Service level agreement", "")]
    assert description.value == "Service level agreement" and location.value == ""
    assert description.continuous_update and location.continuous_update  # the front end holds what is typed
    button._received(button, {"event": "other"}, [])
    button.disabled = True
    button.click()
    assert len(seen) == 1
    state = button.get_state()
    assert state["fields"] == [f"IPY_MODEL_{description.model_id}", f"IPY_MODEL_{location.model_id}"]


def test_key_shortcuts_pass_the_key_and_the_panel() -> None:
    keys = KeyShortcuts(["ArrowRight", "f"], "cmmikit-walkthrough")
    pressed: list[tuple[str, int]] = []
    keys.on_key(lambda key, panel: pressed.append((key, panel)))
    keys._received(keys, {"event": "key", "key": "f", "panel": 2}, [])
    keys._received(keys, {"event": "key", "key": "x", "panel": 0}, [])  # not a shortcut
    keys.press("ArrowRight")
    assert pressed == [("f", 2), ("ArrowRight", -1)]
    assert keys.get_state()["scope"] == "cmmikit-walkthrough"
