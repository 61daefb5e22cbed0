"""Two small front-end widgets (anywidget) where plain ipywidgets cannot be exact.

* :class:`SubmitButton`: a button whose click carries the current values of the text
  boxes it submits.  An ipywidgets click can reach the kernel before the value of a
  text box typed just before it (the box syncs on blur, or its update waits in the
  front end's throttle while the click message does not), so "add evidence" read an
  empty description now and then in JupyterLab.  This button reads the values from
  the front-end models at the moment of the click and sends them with it; the boxes
  it submits sync every key (``continuous_update``), so the front-end models hold
  what the user sees.  Every "type, then press" form of the screens uses it.
* :class:`KeyShortcuts`: keyboard shortcuts for a screen.  Keys pressed inside the
  screen (not while typing in a text box or list) are sent to the kernel with the
  index of the instance panel that has the focus, and kept from JupyterLab's own
  notebook shortcuts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anywidget
import ipywidgets as w
import traitlets as t

SUBMIT_JS = """
async function values(model) {
  // each box's value as shown, and whether its own update of it is still held back in the front end
  const out = [], held = [];
  for (const ref of model.get("fields")) {
    const other = await model.widget_manager.get_model(String(ref).replace("IPY_MODEL_", ""));
    out.push(other.get("value"));
    const buffer = other._msg_buffer;
    held.push(buffer === undefined || (buffer !== null && Object.prototype.hasOwnProperty.call(buffer, "value")));
  }
  return [out, held];
}
function render({ model, el }) {
  const button = document.createElement("button");
  button.className = "jupyter-widgets jupyter-button widget-button";
  button.style.width = "auto";
  button.style.minWidth = "max-content";
  const paint = () => {
    const icon = model.get("icon");
    const style = model.get("button_style");
    button.className = "jupyter-widgets jupyter-button widget-button" + (style ? " mod-" + style : "");
    button.innerHTML = "";
    if (icon) {
      const i = document.createElement("i");
      i.className = "fa fa-" + icon;
      i.setAttribute("aria-hidden", "true");  // the icon glyph is no part of the button's name
      button.appendChild(i);
      button.appendChild(document.createTextNode(" "));
    }
    button.appendChild(document.createTextNode(model.get("description")));
    button.title = model.get("tooltip") || model.get("description");
    button.disabled = model.get("disabled");
  };
  paint();
  model.on("change:description change:icon change:tooltip change:disabled change:button_style", paint);
  button.addEventListener("click", async () => {
    const [shown, held] = await values(model);
    model.send({ event: "click", values: shown, held: held });
  });
  el.appendChild(button);
}
export default { render };
"""

KEYS_JS = """
const TYPING = new Set(["INPUT", "TEXTAREA", "SELECT"]);
function render({ model, el }) {
  el.style.display = "none";
  let screen = null;
  const onKey = (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const keys = model.get("shortcuts");
    const key = event.key;
    if (!keys.includes(key)) return;
    const target = event.target;
    if (target && (TYPING.has(target.tagName) || target.isContentEditable)) return;
    const panel = target && target.closest ? target.closest("[class*='cmmikit-panel-']") : null;
    let index = -1;
    if (panel) {
      const match = [...panel.classList].find((c) => c.startsWith("cmmikit-panel-"));
      index = Number(match.slice("cmmikit-panel-".length));
    }
    event.preventDefault();
    event.stopPropagation();
    model.send({ event: "key", key: key, panel: index });
  };
  let tries = 0;
  const attach = () => {  // the element joins the page after render: wait for it (at most a minute)
    screen = el.closest("." + model.get("scope"));
    if (screen) {
      screen.addEventListener("keydown", onKey);
    } else if (tries++ < 300) {
      setTimeout(attach, 200);
    }
  };
  attach();
  return () => { if (screen) screen.removeEventListener("keydown", onKey); };
}
export default { render };
"""


class SubmitButton(anywidget.AnyWidget):
    """A button whose click sends the values of ``fields`` (text widgets) as the front end shows them."""

    _esm = SUBMIT_JS
    description = t.Unicode("").tag(sync=True)
    icon = t.Unicode("").tag(sync=True)
    tooltip = t.Unicode("").tag(sync=True)
    disabled = t.Bool(False).tag(sync=True)
    button_style = t.Unicode("").tag(sync=True)
    fields = t.List(t.Instance(w.Widget)).tag(sync=True, **w.widget_serialization)

    def __init__(self, description: str, fields: list[w.Widget], *, icon: str = "", tooltip: str = "",
                 button_style: str = "") -> None:
        super().__init__(description=description, fields=fields, icon=icon, tooltip=tooltip or description,
                         button_style=button_style)
        for field in fields:
            field.continuous_update = True
        self._handlers: list[Callable[[SubmitButton], None]] = []
        self.on_msg(self._received)

    def on_click(self, handler: Callable[["SubmitButton"], None]) -> None:
        """Call ``handler(button)`` on every click (like ``ipywidgets.Button.on_click``)."""
        self._handlers.append(handler)

    def _received(self, _: Any, content: dict[str, Any], buffers: Any) -> None:
        if content.get("event") != "click":
            return
        values = content.get("values") or []
        held = content.get("held") or [False] * len(values)
        for field, value in zip(self.fields, values):
            if isinstance(value, str) and field.value != value:
                field.value = value  # the box's own update may still be on its way: take what the user saw
        self.click()
        for field, value, late in zip(self.fields, values, held):
            if late and isinstance(value, str) and field.value != value and hasattr(field, "expect_stale"):
                field.expect_stale(value)  # cleared by the handler: its late update must not bring it back

    def click(self) -> None:
        """Run the handlers with the fields' current values (a click from the front end, or from code)."""
        if not self.disabled:
            for handler in self._handlers:
                handler(self)


class KeyShortcuts(anywidget.AnyWidget):
    """Keyboard shortcuts inside the element with CSS class ``scope``; ``on_key(handler(key, panel))``."""

    _esm = KEYS_JS
    shortcuts = t.List(t.Unicode()).tag(sync=True)
    scope = t.Unicode("").tag(sync=True)

    def __init__(self, keys: list[str], scope: str) -> None:
        super().__init__(shortcuts=keys, scope=scope)
        self._handlers: list[Callable[[str, int], None]] = []
        self.on_msg(self._received)

    def on_key(self, handler: Callable[[str, int], None]) -> None:
        self._handlers.append(handler)

    def _received(self, _: Any, content: dict[str, Any], buffers: Any) -> None:
        if content.get("event") == "key":
            self.press(str(content.get("key", "")), int(content.get("panel", -1)))

    def press(self, key: str, panel: int = -1) -> None:
        """Act on a key as if pressed in panel ``panel`` (-1: outside the instance panels)."""
        if key in self.shortcuts:
            for handler in self._handlers:
                handler(key, panel)
