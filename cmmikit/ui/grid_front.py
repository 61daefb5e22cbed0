"""The grid's front end: an anywidget table with keyboard entry and multi-cell selection.

The kernel sends the whole table once (``data``: columns, goal headings and practice rows)
and afterwards only the cells that changed (a ``patch`` message), so an edit repaints a few
cells, not 3,600.  Selection and keys live in the browser: arrows move, shift+arrows or
shift+click stretch a rectangle, F/L/P/N/Y set FI/LI/PI/NI/NY and Delete/Backspace blank every
selected cell; Enter or a double click opens the cell in the walkthrough.  The browser sends
the chosen cells by their keys (practice, instance), never by position, so a table redrawn
meanwhile cannot receive an edit meant for another cell.  A typed value shows at once but marked
as saving (italic, dotted underline) until the kernel's patch paints what is stored: the value,
or the other session's one after a conflict.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anywidget
import traitlets as t

GRID_JS = r"""
const EDIT_KEYS = new Set(["f", "l", "p", "n", "y", "Delete", "Backspace"]);
const MOVES = {ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1]};

function initialize({ model }) {
  // applied once per model, before any view: a view drawn later shows the patched cells too
  model.on("msg:custom", (msg) => {
    if (msg.event !== "patch") return;
    const data = model.get("data");
    for (const [r, c, cell] of msg.cells) data.rows[r].cells[c] = cell;
    for (const [r, ou] of msg.ous) data.rows[r].ou = ou;
  });
}

function esc(text) {
  return String(text).replace(/[&<>"']/g, (ch) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[ch]));
}

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "cmmikit-grid";
  root.tabIndex = 0;
  root.setAttribute("role", "grid");
  el.appendChild(root);
  let data = null, tds = [], rowIds = [], practiceRows = [];
  let anchor = null, focus = null, painted = [], pending = [];

  const look = (cell) => {
    const [label, key, glyphs, tip] = cell;
    const colours = model.get("palette")[key] || model.get("palette")[""];
    const text = esc(label || (key === "na" ? "" : "\u2013")) + (glyphs ? `<span class="mk">${esc(glyphs)}</span>` : "");
    return {colours, tip, text};
  };
  const cellHtml = (cell, attrs) => {
    const {colours, tip, text} = look(cell);
    return `<td ${attrs} style="background:${colours[0]};color:${colours[1]}" title="${esc(tip)}" aria-label="${esc(tip)}">${text}</td>`;
  };
  const paintCell = (td, cell) => {
    const {colours, tip, text} = look(cell);
    td.style.background = colours[0];
    td.style.color = colours[1];
    td.title = tip;
    td.setAttribute("aria-label", tip);
    td.innerHTML = text;
    td.classList.remove("saving");
  };

  const draw = () => {
    data = model.get("data");
    const cols = data.columns;
    const head = cols.map((c) => `<th class="col" title="${esc(c.tip)}">${esc(c.label)}</th>`).join("");
    const body = data.rows.map((row, r) => {
      if (row.kind === "group") return `<tr class="group"><th colspan="${cols.length + 2}">${esc(row.label)}</th></tr>`;
      const cells = row.cells.map((cell, c) => cellHtml(cell, `data-r="${r}" data-c="${c}" role="gridcell"`)).join("");
      return `<tr><th class="row" title="${esc(row.title)}">${esc(row.label)}</th>${cells}${cellHtml(row.ou, 'class="ou"')}</tr>`;
    }).join("");
    root.setAttribute("aria-label", data.label);
    // one string, one parse: thousands of cells appear in one layout
    // fixed widths (from the labels): repainting a cell then lays out that cell, not the whole table
    const width = (chars, least) => Math.max(least, Math.ceil(chars * 7.5) + 12);
    const longest = data.rows.reduce((m, row) => Math.max(m, row.kind === "group" ? 0 : row.label.length), 8);
    const widths = [width(longest, 64), ...cols.map((c) => width(c.label.length, 44)), width(8, 64)];
    const colgroup = widths.map((px) => `<col style="width:${px}px">`).join("");
    const total = widths.reduce((a, b) => a + b, 0);
    root.innerHTML = `<table style="table-layout:fixed;width:${total}px"><colgroup>${colgroup}</colgroup><thead><tr><th class="corner">${esc(data.corner)}</th>${head}<th class="col ou-head">OU</th></tr></thead><tbody>${body}</tbody></table>`;
    tds = []; rowIds = []; practiceRows = []; painted = [];
    const trs = root.querySelector("tbody").children;
    data.rows.forEach((row, r) => {
      rowIds.push(row.id || null);
      if (row.kind === "group") { tds.push(null); return; }
      practiceRows.push(r);
      const cells = [...trs[r].children].slice(1);
      cells.ou = cells.pop();
      tds.push(cells);
    });
    if (!practiceRows.length || !cols.length) { anchor = focus = null; }
    else if (!focus || !tds[focus[0]] || focus[1] >= cols.length) { anchor = focus = [practiceRows[0], 0]; }
    paintSelection();
  };

  const rect = () => {
    if (!focus) return [];
    const [r0, r1] = [Math.min(anchor[0], focus[0]), Math.max(anchor[0], focus[0])];
    const [c0, c1] = [Math.min(anchor[1], focus[1]), Math.max(anchor[1], focus[1])];
    const out = [];
    for (const r of practiceRows) if (r >= r0 && r <= r1) for (let c = c0; c <= c1; c++) out.push([r, c]);
    return out;
  };

  const paintSelection = (scroll = false) => {
    for (const td of painted) td.classList.remove("sel", "focus");
    painted = [];
    for (const [r, c] of rect()) { const td = tds[r][c]; td.classList.add("sel"); painted.push(td); }
    if (focus) {
      const td = tds[focus[0]][focus[1]];
      td.classList.add("focus");
      painted.push(td);
      if (scroll) td.scrollIntoView({block: "nearest", inline: "nearest"});
    }
  };

  const move = (dr, dc, stretch) => {
    if (!focus) return;
    let r = focus[0];
    if (dr) {
      const i = practiceRows.indexOf(r) + dr;
      r = practiceRows[Math.min(Math.max(i, 0), practiceRows.length - 1)];
    }
    const c = Math.min(Math.max(focus[1] + dc, 0), data.columns.length - 1);
    focus = [r, c];
    if (!stretch) anchor = focus;
    paintSelection(true);
  };

  const keysOf = (cells) => cells.map(([r, c]) => [rowIds[r], data.columns[c].id]);

  root.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (MOVES[key]) {
      move(...MOVES[key], event.shiftKey);
    } else if (EDIT_KEYS.has(key) && focus) {
      const cells = rect();
      const value = {f: "FI", l: "LI", p: "PI", n: "NI", y: "NY"}[key] || "";
      for (const [r, c] of cells) {
        const cell = data.rows[r].cells[c];
        if (cell[1] === "na") continue;
        const td = tds[r][c];
        paintCell(td, [value, value, "", `${cell[3]} (saving ${value || "blank"}...)`]);   // typed, not stored yet
        td.classList.add("saving");
        pending.push([td, cell]);
      }
      model.send({ event: "key", key: key, cells: keysOf(cells) });
    } else if (key === "Enter" && focus) {
      model.send({ event: "open", cell: keysOf([focus])[0] });
    } else if (key === "Escape") {
      anchor = focus;
      paintSelection();
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();   // keep JupyterLab's notebook shortcuts out of the grid
  });
  const at = (event) => {
    const td = event.target.closest("td[data-c]");
    return td ? [Number(td.dataset.r), Number(td.dataset.c)] : null;
  };
  root.addEventListener("mousedown", (event) => {
    const cell = at(event);
    if (!cell) return;
    focus = cell;
    if (!event.shiftKey) anchor = cell;
    paintSelection();
    root.focus({preventScroll: true});
    event.preventDefault();
  });
  root.addEventListener("dblclick", (event) => {
    const cell = at(event);
    if (cell) model.send({ event: "open", cell: keysOf([cell])[0] });
  });
  const onPatch = (msg) => {
    if (msg.event !== "patch" || !data) return;
    for (const [r, c] of msg.cells) if (tds[r]) paintCell(tds[r][c], data.rows[r].cells[c]);
    for (const [r] of msg.ous) if (tds[r]) paintCell(tds[r].ou, data.rows[r].ou);
    for (const [td, cell] of pending) if (td.classList.contains("saving")) paintCell(td, cell);   // not answered: as stored
    pending = [];
    paintSelection();
  };
  model.on("msg:custom", onPatch);
  // the bare kernel round trip, for benchmarks/grid.py: the floor under an edit's time
  root.ping = () => new Promise((resolve) => {
    const start = performance.now();
    const pong = (msg) => { if (msg.event === "pong") { model.off("msg:custom", pong); resolve(performance.now() - start); } };
    model.on("msg:custom", pong);
    model.send({ event: "ping" });
  });
  model.on("change:data", draw);
  draw();
  return () => { model.off("msg:custom", onPatch); model.off("change:data", draw); };
}
export default { initialize, render };
"""

GRID_CSS = """
.cmmikit-grid { max-height: 70vh; overflow: auto; outline: none; border: 1px solid #d0d7de; font-size: 12px;
  contain: content; }
.cmmikit-grid:focus { border-color: #0072B2; box-shadow: 0 0 0 1px #0072B2; }
.cmmikit-grid table { border-collapse: separate; border-spacing: 0; }
.cmmikit-grid th, .cmmikit-grid td { border-right: 1px solid #fff; border-bottom: 1px solid #fff; padding: 2px 4px;
  white-space: nowrap; }
.cmmikit-grid thead th { position: sticky; top: 0; background: #f3f4f6; z-index: 2; font-weight: 600;
  overflow: hidden; text-overflow: ellipsis; }
.cmmikit-grid th.row, .cmmikit-grid th.corner { position: sticky; left: 0; background: #f3f4f6; z-index: 1;
  text-align: left; }
.cmmikit-grid thead th.corner { z-index: 3; }
.cmmikit-grid tr.group th { background: #e5e7eb; text-align: left; font-weight: 600; position: sticky; left: 0; }
.cmmikit-grid td { text-align: center; cursor: cell; font-weight: 600; overflow: hidden; text-overflow: ellipsis; }
.cmmikit-grid td.ou { border-left: 3px solid #555; cursor: default; }
.cmmikit-grid td .mk { font-size: 10px; font-weight: 400; margin-left: 2px; }
.cmmikit-grid td.sel { box-shadow: inset 0 0 0 2px #000; }
.cmmikit-grid td.focus { box-shadow: inset 0 0 0 3px #000, inset 0 0 0 5px #fff; }
.cmmikit-grid td.saving { font-style: italic; text-decoration: underline dotted; }
"""


class GridWidget(anywidget.AnyWidget):
    """The table: ``show(data)`` draws it, ``patch(cells, ous)`` repaints some cells; the handlers get
    ``on_key(key, cells)`` and ``on_open(cell)`` with cells as (row key, instance) pairs."""

    _esm = GRID_JS
    _css = GRID_CSS
    data = t.Dict().tag(sync=True)
    palette = t.Dict().tag(sync=True)

    def __init__(self, palette: dict[str, list[str]]) -> None:
        super().__init__(data={"columns": [], "rows": [], "label": "", "corner": ""}, palette=palette)
        self._rows: dict[str, int] = {}
        self._cols: dict[str, int] = {}
        self._key_handlers: list[Callable[[str, list[tuple[str, str]]], None]] = []
        self._open_handlers: list[Callable[[tuple[str, str]], None]] = []
        self.last_patch: dict[str, Any] = {}
        self.on_msg(self._received)

    def show(self, data: dict[str, Any]) -> None:
        """Draw a whole table (columns have an ``id``; practice rows an ``id``, ``cells`` and ``ou``)."""
        self._rows = {row["id"]: n for n, row in enumerate(data["rows"]) if row.get("id")}
        self._cols = {col["id"]: n for n, col in enumerate(data["columns"])}
        self.data = data

    def patch(self, cells: dict[tuple[str, str], list[Any]], ous: dict[str, list[Any]]) -> dict[str, Any]:
        """Send only the changed cells (those on show); the kernel's copy of the table follows, so a view
        drawn later (a page reload) shows them too.  Returns the message sent."""
        rows = self.data["rows"]
        msg: dict[str, Any] = {"event": "patch", "cells": [], "ous": []}
        for (row, col), cell in cells.items():
            if row in self._rows and col in self._cols:
                r, c = self._rows[row], self._cols[col]
                rows[r]["cells"][c] = cell
                msg["cells"].append([r, c, cell])
        for row, ou in ous.items():
            if row in self._rows:
                rows[self._rows[row]]["ou"] = ou
                msg["ous"].append([self._rows[row], ou])
        if msg["cells"] or msg["ous"]:
            self.send(msg)
        self.last_patch = msg
        return msg

    def on_key(self, handler: Callable[[str, list[tuple[str, str]]], None]) -> None:
        self._key_handlers.append(handler)

    def on_open(self, handler: Callable[[tuple[str, str]], None]) -> None:
        self._open_handlers.append(handler)

    def press(self, key: str, cells: list[tuple[str, str]]) -> None:
        """Act on a key pressed with ``cells`` selected (as the browser does)."""
        for handler in self._key_handlers:
            handler(key, cells)

    def open_cell(self, cell: tuple[str, str]) -> None:
        """Open a cell (Enter or double click in the browser)."""
        for handler in self._open_handlers:
            handler(cell)

    def _received(self, _: Any, content: dict[str, Any], buffers: Any) -> None:
        event = content.get("event")
        if event == "key":
            self.press(str(content.get("key", "")), [(str(r), str(c)) for r, c in content.get("cells") or []])
        elif event == "ping":
            self.send({"event": "pong"})
        elif event == "open" and content.get("cell"):
            row, col = content["cell"]
            self.open_cell((str(row), str(col)))
