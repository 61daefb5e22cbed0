"""The appraisal's characterization scale on screen: button choices, keyboard keys, tooltips, colours, badges.

Every screen shows values through the scale of the open appraisal (:attr:`Appraisal.scale`):
SCAMPI A keeps its FI..NY buttons and the keys f l p n y; another scale gets one key per value
(the first free letter of its value or label, else a digit) and buttons showing each value's
label on its colour (the label is always there: colour is never the only cue).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import ipywidgets as w

from cmmikit import palette
from cmmikit.model.scales import Scale
from cmmikit.ui.common import esc

BLANK_KEY = "0"
BLANK_TIP = "not characterized yet"


def scale_keys(scale: Scale) -> dict[str, str]:
    """Key -> value: the first free letter of each value (then of its label), else a free digit; 0 = blank."""
    keys: dict[str, str] = {BLANK_KEY: ""}
    for v in scale.values:
        letters = [c for c in f"{v.value}{v.label}".lower() if c.isascii() and c.isalpha()]
        digits = [str(n) for n in range(1, 10)]
        key = next((c for c in [*letters, *digits] if c not in keys), None)
        if key is not None:
            keys[key] = v.value
    return keys


def button_text(scale: Scale, value: str) -> str:
    """What a characterization button shows: the value for SCAMPI A (FI..NY), the label for other scales."""
    return value if scale.rule == "scampi-a" else scale.label(value)


@dataclass(frozen=True)
class ScaleButtons:
    """What the characterization toggle buttons of a scale need: options, tooltips, keys, colours, help."""

    scale: Scale
    keys: dict[str, str]
    shown: tuple[str, ...]        # the values with a button, best first
    blank: bool = True            # a "blank" button first

    @classmethod
    def of(cls, scale: Scale) -> ScaleButtons:
        """Buttons for characterizing: blank and every value of the scale."""
        return cls(scale, scale_keys(scale), scale.all_values)

    @classmethod
    def decisions(cls, scale: Scale) -> ScaleButtons:
        """Buttons for a team decision: the values a decision may record (no blank, no not-yet value)."""
        return cls(scale, {}, scale.decision_values, blank=False)

    def key_of(self, value: str) -> str:
        return next((k for k, v in self.keys.items() if v == value), "")

    @property
    def options(self) -> list[tuple[str, str]]:
        """(button text, value) pairs: blank, then the scale's values best first."""
        return [*([("blank", "")] if self.blank else []), *((button_text(self.scale, v), v) for v in self.shown)]

    @property
    def tooltips(self) -> list[str]:
        tips = [f"{BLANK_TIP} (key {BLANK_KEY})"] if self.blank else []
        for v in map(self.scale.get, self.shown):
            key = self.key_of(v.value)
            tips.append(f"{v.label}" + (f": {v.meaning}" if v.meaning else "") + (f" (key {key})" if key else ""))
        return tips

    @property
    def button_width(self) -> str:
        longest = max(len(text) for text, _ in self.options)
        return f"{max(52, 8 * longest + 16)}px"

    @property
    def css_class(self) -> str:
        name = re.sub(r"[^a-z0-9]+", "-", self.scale.id.lower()).strip("-") or "own"
        return f"cmmikit-scale-{name}" + ("" if self.blank else "-decision")

    def css(self) -> str:
        """A style block colouring each value's button: a stripe in its colour, filled when chosen."""
        rules = []
        for n, v in enumerate(map(self.scale.get, self.shown), start=2 if self.blank else 1):
            sel = f".{self.css_class} button:nth-of-type({n})"
            rules.append(f"{sel} {{ border-left:6px solid {v.colour} !important; }}")
            rules.append(f"{sel}.mod-active {{ background:{v.colour} !important; color:{palette.text_on(v.colour)}"
                         " !important; }")
        return "<style>" + "\n".join(rules) + "</style>"

    def key_help(self) -> str:
        """"f l p n y = FI LI PI NI NY, 0 = blank"; another scale "l = low risk, m = medium risk, ..."."""
        pairs = [(k, button_text(self.scale, v)) for k, v in self.keys.items() if v]
        if self.scale.rule == "scampi-a":
            return f"{' '.join(k for k, _ in pairs)} = {' '.join(t for _, t in pairs)}, {BLANK_KEY} = blank"
        return ", ".join(f"{k} = {t}" for k, t in pairs) + f", {BLANK_KEY} = blank"

    def toggle(self) -> w.ToggleButtons:
        """Toggle buttons for the scale, coloured by :meth:`css`."""
        buttons = w.ToggleButtons(options=self.options, tooltips=self.tooltips,
                                  style={"button_width": self.button_width, "description_width": "0px"})
        buttons.add_class(self.css_class)
        return buttons

    def apply(self, buttons: w.ToggleButtons, extra: Iterable[str] = ()) -> None:
        """Give toggle buttons this scale's options; ``extra``: values in use that the scale lacks (shown as
        they are, so a value recorded before a type switch is never hidden). The value is kept if it exists."""
        for name in list(buttons._dom_classes):
            if name.startswith("cmmikit-scale-") and name != self.css_class:
                buttons.remove_class(name)
        buttons.add_class(self.css_class)
        extra = [v for v in dict.fromkeys(extra) if v and v not in self.scale]
        options = self.options + [(f"{v} (not on the scale)", v) for v in extra]
        if (tuple(buttons._options_labels), tuple(buttons._options_values)) != tuple(map(tuple, zip(*options))):
            values = [v for _, v in options]
            keep = buttons.value if buttons.value in values else values[0]
            buttons.options = options
            buttons.tooltips = self.tooltips + ["not a value of this appraisal's scale: convert it in 00_setup"] * len(
                extra)
            buttons.value = keep
        buttons.style.button_width = self.button_width


def scale_badge(scale: Scale, value: str | None, text: str | None = None) -> str:
    """A value's label (or ``text``) on the value's colour; a value the scale lacks on light grey."""
    fill = scale.colours.get(value or "", palette.LIGHT_GREY)
    shown = text if text is not None else (scale.label(value) or "blank")
    return (f'<span style="background:{fill};color:{palette.text_on(fill)};padding:1px 6px;border-radius:3px;'
            f'font-weight:600">{esc(shown)}</span>')


def scale_legend(scale: Scale) -> str:
    """The scale in HTML: its name, and each value (best first) as a badge with its meaning on hover."""
    items = " ".join(f"<span title='{esc(v.meaning)}'>{scale_badge(scale, v.value)}</span>"
                     + (" <small>(not yet)</small>" if v.not_yet else "") for v in scale.values)
    return f"<div><b>{esc(scale.name)}</b>: {items}</div>"


def scale_table(scale: Scale) -> str:
    """The scale as a small table for a preview: value, label on its colour, colour name, meaning."""
    rows = "".join(f"<tr><td><code>{esc(v.value)}</code></td><td>{scale_badge(scale, v.value)}</td>"
                   f"<td>{esc(v.colour_name)}</td><td>{'on track' if v.on_track else ''}"
                   f"{'not yet (left out)' if v.not_yet else ''}</td><td><small>{esc(v.meaning)}</small></td></tr>"
                   for v in scale.values)
    rule = {"worst": "worst value across the instances", "best": "best value across the instances",
            "scampi-a": "SCAMPI A aggregation table"}[scale.rule]
    return (f"<div><b>{esc(scale.name)}</b> <small>({esc(scale.id)}; organizational unit: {esc(rule)})</small>"
            f"<table style='font-size:12px;border-collapse:collapse'><tr><th>value</th><th>label</th><th>colour</th>"
            f"<th></th><th>meaning</th></tr>{rows}</table></div>")
