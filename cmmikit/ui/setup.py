"""The setup screen (00_setup): the organizational unit, instances, scope and sampling, and the team.

Every widget writes to the store as soon as it changes, through one small method
per kind of edit (``save_info``, ``change_instance``, ``save_scope``,
``set_sampled``, ``save_assessor``...).  The tables are grids, so each column of
checkboxes sits under its header; every input has an accessible name.  Sections
that depend on the instance list are rebuilt when instances change; the screen is
small, so rebuilding is simpler than patching.  The file itself is chosen above
the screen (:class:`cmmikit.ui.workbench.AppraisalChooser`).

The appraisal type picks the characterization scale (a SCAMPI C may use the team's own scale
file).  A switch whose scale lacks values in use is refused with the store's one-line message,
and the conversion is offered with a suggested mapping the user may edit; it is applied only
when *convert and switch* is clicked, and says how many characterizations it converted.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w

from cmmikit.errors import CmmikitError
from cmmikit.model.scales import Scale, mapping_text, parse_mapping, suggest_mapping
from cmmikit.store import Appraisal
from cmmikit.store.conversion import ScaleMismatch
from cmmikit.ui.common import (
    StatusLine,
    View,
    button,
    date_text,
    esc,
    labelled,
    parse_date,
    plural,
    show_if,
    submit_button,
    text_field,
)
from cmmikit.ui.scale_ui import scale_table
from cmmikit.ui.type_picker import TypePicker, scale_of

TEXT_INFO = (("name", "Appraisal name"), ("org_unit", "Organizational unit"), ("sponsor", "Sponsor"),
             ("lead_appraiser", "Lead appraiser"))
DATE_INFO = (("start_date", "Start date"), ("end_date", "End date"))
INFO_LABELS = dict(TEXT_INFO + DATE_INFO + (("appraisal_type", "Appraisal type"), ("description", "Description")))
KIND_LABELS = [("basic unit", "basic_unit"), ("support function", "support_function")]
SCOPE_LABELS = [("in scope", "in_scope"), ("not applicable", "not_applicable"), ("out of scope", "out_of_scope")]
INSTANCE_FIELDS = {"kind": "kind", "subgroup": "subgroup", "description": "description"}
UNIT_COLUMNS = "240px 160px 150px 300px max-content"
PA_CELL = "48px"        # one checkbox column per PA (team)
INSTANCE_CELL = "120px"  # one checkbox column per instance (sampling)


def header(text: str) -> w.HTML:
    """A column header of a grid (bold, wraps)."""
    return w.HTML(f"<div style='font-weight:600;font-size:12px;line-height:1.2;overflow-wrap:anywhere'>"
                  f"{esc(text)}</div>", layout=w.Layout(width="auto"))


def cell_text(text: str) -> w.HTML:
    return w.HTML(f"<div style='font-size:13px;line-height:1.3'>{esc(text)}</div>", layout=w.Layout(width="auto"))


def checkbox(value: bool, label: str) -> w.Checkbox:
    """A checkbox in a grid cell; ``label`` is its accessible name (the column header says it visually)."""
    box = w.Checkbox(value=value, indent=False, layout=w.Layout(width="auto"))
    return labelled(box, label)


def grid(columns: str, cells: list[w.Widget]) -> w.GridBox:
    return w.GridBox(cells, layout=w.Layout(grid_template_columns=columns, grid_gap="2px 8px", align_items="center"))


class InstanceRow:
    """One basic unit or support function: rename, kind, subgroup, description, remove (asks twice)."""

    def __init__(self, view: "SetupView", name: str, kind: str, subgroup: str, description: str) -> None:
        self.view, self.name = view, name
        self.name_text = text_field("", name, width="auto", label=f"name of {name}")
        self.kind = labelled(w.Dropdown(options=KIND_LABELS, value=kind, layout=w.Layout(width="auto")),
                             f"kind of {name}")
        self.subgroup = text_field("", subgroup, placeholder="subgroup", width="auto", label=f"subgroup of {name}")
        self.description = text_field("", description, placeholder="description", width="auto",
                                      label=f"description of {name}")
        self.remove_button = button("remove", "trash", tooltip=f"remove {name} with everything recorded for it")
        self.name_text.observe(lambda c: view.rename_instance(self, c["new"]), names="value")
        self.kind.observe(lambda c: view.change_instance(self, kind=c["new"]), names="value")
        self.subgroup.observe(lambda c: view.change_instance(self, subgroup=c["new"]), names="value")
        self.description.observe(lambda c: view.change_instance(self, description=c["new"]), names="value")
        self.remove_button.on_click(lambda _: self.remove())
        self.cells = [self.name_text, self.kind, self.subgroup, self.description, self.remove_button]

    def remove(self) -> None:
        """First click arms the button; the second removes the instance."""
        if self.remove_button.button_style != "danger":
            self.remove_button.button_style = "danger"
            self.remove_button.description = "click again to remove"
            self.view.status.saved(f"{self.name}: click 'remove' again to delete it and all its records")
            return
        self.view.remove_instance(self)


class SetupView(View):
    """The organizational unit and appraisal facts, instances, PA scope and sampling, assessors."""

    def __init__(self, appraisal: Appraisal, folder: str | os.PathLike | None = None) -> None:
        self.appraisal = appraisal
        self.status = StatusLine()
        self._loading = False
        self.pending: tuple[str, str | Scale | None] | None = None   # a refused type switch waiting for its conversion

        self.info_fields: dict[str, w.Text] = {key: text_field(label, width="520px") for key, label in TEXT_INFO}
        self.date_fields: dict[str, w.DatePicker] = {
            key: w.DatePicker(description=label, style={"description_width": "initial"}) for key, label in DATE_INFO}
        self.date_notes: dict[str, w.HTML] = {key: w.HTML() for key, _ in DATE_INFO}
        self.type_picker = TypePicker(Path(folder or os.getcwd()), appraisal.info().appraisal_type)
        self.appraisal_type = self.type_picker.type_dropdown
        self.type_picker.observe(self._type_changed)
        self.conversion_note = w.HTML()
        self.mapping = text_field("Mapping", width="640px", label="mapping from the current values to the new "
                                  "scale (OLD=NEW, a blank NEW clears the value)")
        self.convert_button = submit_button("convert and switch", [self.mapping], "exchange",
                                            tooltip="convert every characterization and team decision with this "
                                                    "mapping, then switch the type")
        self.cancel_conversion_button = button("keep the current type", "times")
        self.convert_button.on_click(lambda _: self.convert())
        self.cancel_conversion_button.on_click(lambda _: self._offer_conversion(None))
        self.conversion_box = w.VBox([self.conversion_note, self.mapping,
                                      w.HBox([self.convert_button, self.cancel_conversion_button])],
                                     layout=w.Layout(border="1px solid #d0d7de", padding="4px 8px"))
        show_if(self.conversion_box, False)
        levels = appraisal.model.levels
        self.target_level = labelled(w.Dropdown(options=[(f"maturity level {n}", n) for n in levels],
                                                value=appraisal.model.target_maturity_level,
                                                description="Target", style={"description_width": "initial"},
                                                disabled=len(levels) < 2, layout=w.Layout(width="260px")),
                                     "target maturity level")
        self.target_level.observe(lambda c: None if self._loading else self.change_target_level(c["new"]),
                                  names="value")
        self.target_note = w.HTML()
        self.description = text_field("Description", area=True, width="520px")
        for key, widget in [*self.info_fields.items(), ("description", self.description)]:
            widget.observe(self._info_changed(key), names="value")
        for key, picker in self.date_fields.items():
            picker.observe(self._date_changed(key), names="value")

        self.instance_rows: list[InstanceRow] = []
        self.instances_box = w.VBox()
        self.new_instance_name = text_field("", placeholder="new basic unit or support function", width="240px")
        self.new_instance_kind = labelled(w.Dropdown(options=KIND_LABELS, layout=w.Layout(width="160px")),
                                          "kind of the new unit")
        self.new_instance_subgroup = text_field("", placeholder="subgroup", width="150px",
                                                label="subgroup of the new unit")
        self.new_instance_description = text_field("", placeholder="description", width="300px",
                                                   label="description of the new unit")
        self.add_instance_button = submit_button("add", [self.new_instance_name, self.new_instance_subgroup,
                                                         self.new_instance_description], "plus",
                                                 tooltip="add this basic unit or support function")
        self.add_instance_button.on_click(lambda _: self.add_instance())

        self.scope_dropdowns: dict[str, w.Dropdown] = {}
        self.reason_texts: dict[str, w.Text] = {}
        self.sampling: dict[tuple[str, str], w.Checkbox] = {}
        self.scope_box = w.VBox()

        self.assessor_pas: dict[tuple[str, str], w.Checkbox] = {}
        self.assessor_roles: dict[str, w.Text] = {}
        self.assessor_remove_buttons: dict[str, w.Button] = {}
        self.team_box = w.VBox()
        self.new_assessor_name = text_field("", placeholder="assessor name", width="200px")
        self.new_assessor_role = text_field("", placeholder="role", width="160px", label="role of the new assessor")
        self.add_assessor_button = submit_button("add assessor", [self.new_assessor_name, self.new_assessor_role],
                                                 "plus")
        self.add_assessor_button.on_click(lambda _: self.add_assessor())

        dates = [w.HBox([picker, self.date_notes[key]]) for key, picker in self.date_fields.items()]
        self.tabs = w.Tab(children=[
            w.VBox([*self.info_fields.values(), *dates, self.type_picker.widget, self.conversion_box,
                    w.HBox([self.target_level, self.target_note]), self.description]),
            w.VBox([self.instances_box,
                    w.HTML("<b>Add a basic unit or support function</b> <small>(a support function starts "
                           "with no process areas: tick them under 'Scope, sampling')</small>"),
                    w.HBox([self.new_instance_name, self.new_instance_kind, self.new_instance_subgroup,
                            self.new_instance_description, self.add_instance_button])]),
            self.scope_box,
            w.VBox([self.team_box, w.HBox([self.new_assessor_name, self.new_assessor_role,
                                           self.add_assessor_button])]),
        ])
        for i, title in enumerate(("Appraisal", "Units", "Scope, sampling", "Team")):
            self.tabs.set_title(i, title)
        self.widget = w.VBox([self.tabs, self.status.widget])
        self.load()

    def load(self) -> None:
        """Show the current appraisal in every section."""
        info = self.appraisal.info()
        self._loading = True
        try:
            for key, widget in self.info_fields.items():
                widget.value = getattr(info, key)
            for key, picker in self.date_fields.items():
                stored = getattr(info, key)
                picker.value = parse_date(stored)
                self.date_notes[key].value = (
                    f"<small>stored as '{esc(stored)}', not a date: pick one</small>"
                    if stored and picker.value is None else "")
            self._show_type()
            self._show_target_level()
            self.description.value = info.description
        finally:
            self._loading = False
        self._build_instances()
        self._build_team()

    # -- appraisal facts

    def _info_changed(self, key: str) -> Callable[[dict[str, Any]], None]:
        def handler(change: dict[str, Any]) -> None:
            if not self._loading:
                self.save_info(key, change["new"])
        return handler

    def _date_changed(self, key: str) -> Callable[[dict[str, Any]], None]:
        def handler(change: dict[str, Any]) -> None:
            if not self._loading:
                self.save_info(key, date_text(change["new"]))
                self.date_notes[key].value = ""
        return handler

    def save_info(self, key: str, value: str) -> None:
        """Save one appraisal fact."""
        shown = f"'{value}'" if value else "cleared"
        self.status.run(lambda: self.appraisal.update_info(**{key: value}),
                        done=f"{INFO_LABELS[key]}: {shown}" if key != "description" else "description saved")

    # -- the appraisal type and its scale

    def _show_type(self) -> None:
        """Show the stored type and scale (its own scale file's text is in the appraisal, not a file)."""
        loading, self._loading = self._loading, True
        try:
            scale = self.appraisal.scale
            self.type_picker.choose(self.appraisal.info().appraisal_type, scale)
            self.type_picker.preview.value = scale_table(scale)
        finally:
            self._loading = loading

    def _type_changed(self) -> None:
        if not self._loading:
            self.change_type(self.type_picker.kind, self.type_picker.scale_choice)

    def change_type(self, kind: str, scale: str | Scale | None = None) -> None:
        """Switch the type (and SCAMPI C scale). Refused when values in use do not fit: the type shown stays the
        one asked for (its scale above) with the conversion offered, until converted or kept."""
        self._offer_conversion(None)
        done: list[Any] = []
        try:
            done.append(self.appraisal.set_type(kind, scale=scale))
        except ScaleMismatch as exc:
            self.status.error(str(exc))
            self._offer_conversion((kind, scale))
            return
        except CmmikitError as exc:
            self.status.error(str(exc))
        if done:
            self.status.saved(f"Appraisal type: {done[0].summary()}")
        self._show_type()

    def _offer_conversion(self, pending: tuple[str, str | Scale | None] | None) -> None:
        """Show (or hide) the conversion of a refused switch, with the suggested mapping to edit."""
        was, self.pending = self.pending, pending
        show_if(self.conversion_box, pending is not None)
        if pending is None:
            if was is not None:
                self._show_type()
            return
        kind, scale = pending
        current = self.appraisal.scale
        records, decisions, goals = self.appraisal.values_in_use()
        order = {v: n for n, v in enumerate(current.all_values)}
        in_use = sorted({*records, *decisions}, key=lambda v: (order.get(v, len(order)), v))
        self.mapping.value = mapping_text(suggest_mapping(current, scale_of(kind, scale), in_use))
        lost = f"; its {plural(goals, 'goal decision')} would be removed" if goals else ""
        stored = self.appraisal.info().appraisal_type
        self.conversion_note.value = (
            f"<b>Not switched: this is still a {esc(stored)} appraisal.</b> To make it a {esc(kind)} (scale shown "
            f"above), every characterization and team decision is converted with the mapping below: edit it if "
            f"needed (OLD=NEW; a blank NEW clears the value){esc(lost)}.")

    def convert(self) -> None:
        """Apply the mapping shown and switch the type (one transaction; the change log keeps the mapping)."""
        if self.pending is None:
            self.status.error("no type switch is waiting for a conversion")
            return
        kind, scale = self.pending
        done: list[Any] = []
        if self.status.run(lambda: done.append(self.appraisal.set_type(kind, scale=scale,
                                                                       mapping=parse_mapping(self.mapping.value)))):
            self._offer_conversion(None)
            self.status.saved(f"Appraisal type: {done[0].summary()}")

    # -- the target maturity level

    def _show_target_level(self) -> None:
        """Show the stored target level and the process areas it brings into the appraisal."""
        loading, self._loading = self._loading, True
        try:
            model = self.appraisal.model
            self.target_level.value = model.target_maturity_level
            pending = f"; not in the model yet: {', '.join(model.pending)}" if model.pending else ""
            self.target_note.value = (f"<small>{len(model.pa_ids)} process areas up to level "
                                      f"{model.target_maturity_level}{esc(pending)}</small>")
        finally:
            self._loading = loading

    def change_target_level(self, level: int) -> None:
        """Raise or lower the target level; the scope, sampling and team sections follow its process areas.

        Lowering is refused while the higher areas hold data: the stored level stays shown.
        """
        if self.status.run(lambda: self.appraisal.set_target_level(level),
                           done=f"Target: maturity level {level}"):
            self._build_instances()
            self._build_team()
        self._show_target_level()

    # -- instances

    def _build_instances(self) -> None:
        instances = self.appraisal.instances()
        self.instance_rows = [InstanceRow(self, i.name, i.kind, i.subgroup, i.description) for i in instances]
        cells: list[w.Widget] = [header("name"), header("kind"), header("subgroup"), header("description"),
                                 header("")]
        for row in self.instance_rows:
            cells += row.cells
        self.instances_box.children = (grid(UNIT_COLUMNS, cells),) if instances else (
            w.HTML("<i>No basic unit or support function yet: add them below.</i>"),)
        self._build_scope()

    def add_instance(self) -> None:
        name = self.new_instance_name.value.strip()
        kind = self.new_instance_kind.value
        label = dict((v, k) for k, v in KIND_LABELS)[kind]

        def action() -> None:
            # a support function starts with no PAs: the team ticks the ones it performs
            pas = [] if kind == "support_function" else None
            self.appraisal.add_instance(name, kind, subgroup=self.new_instance_subgroup.value,
                                        description=self.new_instance_description.value, pas=pas)
        if self.status.run(action):  # the form is reset before the message, so the next entry starts clean
            self.new_instance_name.value = self.new_instance_subgroup.value = ""
            self.new_instance_description.value = ""
            self.new_instance_kind.value = "basic_unit"
            self._build_instances()
            self.status.saved(f"added {label} {name}")

    def rename_instance(self, row: InstanceRow, new_name: str) -> None:
        if new_name.strip() == row.name:
            return
        if self.status.run(lambda: self.appraisal.update_instance(row.name, new_name=new_name),
                           done=f"renamed {row.name} to {new_name.strip()}"):
            self._build_instances()
        else:
            row.name_text.value = row.name

    def change_instance(self, row: InstanceRow, **changes: str) -> None:
        """Save a unit's kind, subgroup or description."""
        field, value = next(iter(changes.items()))
        shown = dict((v, k) for k, v in KIND_LABELS).get(value, value) if field == "kind" else value
        self.status.run(lambda: self.appraisal.update_instance(row.name, **changes),
                        done=f"{row.name}: {INSTANCE_FIELDS[field]} " + (f"'{shown}'" if shown else "cleared"))
        if field == "kind":
            self._build_scope()

    def remove_instance(self, row: InstanceRow) -> None:
        if self.status.run(lambda: self.appraisal.remove_instance(row.name), done=f"removed {row.name}"):
            self._build_instances()

    # -- scope and sampling

    def _build_scope(self) -> None:
        model, scopes, instances = self.appraisal.model, self.appraisal.scopes(), self.appraisal.instances()
        self.scope_dropdowns, self.reason_texts, self.sampling = {}, {}, {}
        columns = f"250px 150px 230px repeat({len(instances)}, {INSTANCE_CELL})" if instances else "250px 150px 230px"
        cells: list[w.Widget] = [header("process area"), header("scope"), header("reason"),
                                 *(header(f"sampled in {i.name}") for i in instances)]
        for pa in model.process_areas.values():
            scope = scopes[pa.id]
            dropdown = labelled(w.Dropdown(options=SCOPE_LABELS, value=scope.scope, layout=w.Layout(width="auto")),
                                f"scope of {pa.id}")
            reason = text_field("", scope.reason, placeholder="reason (required if not applicable)", width="auto",
                                label=f"reason for the scope of {pa.id}")
            dropdown.observe(lambda c, pa=pa.id: self.save_scope(pa), names="value")
            reason.observe(lambda c, pa=pa.id: self.save_scope(pa), names="value")
            self.scope_dropdowns[pa.id], self.reason_texts[pa.id] = dropdown, reason
            cells += [cell_text(f"{pa.id} {pa.name}"), dropdown, reason]
            for inst in instances:
                box = checkbox(pa.id in inst.pas, f"{inst.name} sampled for {pa.id}")
                box.observe(lambda c, pa=pa.id, name=inst.name: self.set_sampled(pa, name, c["new"]), names="value")
                self.sampling[(pa.id, inst.name)] = box
                cells.append(box)
        self.scope_box.children = (grid(columns, cells),)

    def save_scope(self, pa: str) -> None:
        scope, reason = self.scope_dropdowns[pa].value, self.reason_texts[pa].value
        if scope == "not_applicable" and not reason.strip():
            self.status.error(f"{pa}: type the reason it is not applicable; until then it keeps its stored scope")
            return
        label = dict((v, k) for k, v in SCOPE_LABELS)[scope]
        self.status.run(lambda: self.appraisal.set_scope(pa, scope, reason),
                        done=f"{pa}: {label}" + (f" ({reason.strip()})" if reason.strip() else ""))

    def set_sampled(self, pa: str, instance: str, sampled: bool) -> None:
        current = next(i for i in self.appraisal.instances() if i.name == instance)
        pas = [p for p in current.pas if p != pa] + ([pa] if sampled else [])
        self.status.run(lambda: self.appraisal.update_instance(instance, pas=pas),
                        done=f"{instance} {'sampled' if sampled else 'not sampled'} for {pa}")

    # -- the team

    def _build_team(self) -> None:
        pa_ids = self.appraisal.model.pa_ids
        self.assessor_pas, self.assessor_roles, self.assessor_remove_buttons = {}, {}, {}
        people = self.appraisal.assessors()
        columns = f"200px 160px repeat({len(pa_ids)}, {PA_CELL}) max-content"
        cells: list[w.Widget] = [header("assessor"), header("role"), *(header(pa) for pa in pa_ids), header("")]
        for person in people:
            role = text_field("", person.role, width="auto", label=f"role of {person.name}")
            role.observe(lambda c, name=person.name: self.save_assessor(name), names="value")
            cells += [cell_text(person.name), role]
            for pa in pa_ids:
                box = checkbox(pa in person.pas, f"{person.name} assesses {pa}")
                box.observe(lambda c, name=person.name: self.save_assessor(name), names="value")
                self.assessor_pas[(person.name, pa)] = box
                cells.append(box)
            remove = button("remove", "trash", tooltip=f"remove {person.name} from the team")
            remove.on_click(lambda _, name=person.name: self.remove_assessor(name))
            self.assessor_roles[person.name], self.assessor_remove_buttons[person.name] = role, remove
            cells.append(remove)
        self.team_box.children = (grid(columns, cells),) if people else (
            w.HTML("<i>No assessor yet: add the team below, then tick the process areas each one covers.</i>"),)

    def save_assessor(self, name: str) -> None:
        pas = [pa for pa in self.appraisal.model.pa_ids if self.assessor_pas[(name, pa)].value]
        self.status.run(lambda: self.appraisal.set_assessor(name, role=self.assessor_roles[name].value, pas=pas),
                        done=f"{name}: {', '.join(pas) or 'no process areas'}"
                             + (f" ({self.assessor_roles[name].value})" if self.assessor_roles[name].value else ""))

    def add_assessor(self) -> None:
        name = self.new_assessor_name.value.strip()
        if name in {a.name for a in self.appraisal.assessors()}:
            self.status.error(f"{name} is already on the team")
            return
        if self.status.run(lambda: self.appraisal.set_assessor(name, role=self.new_assessor_role.value)):
            self.new_assessor_name.value = self.new_assessor_role.value = ""
            self._build_team()
            self.status.saved(f"added {name}: tick the process areas they cover")

    def remove_assessor(self, name: str) -> None:
        if self.status.run(lambda: self.appraisal.remove_assessor(name), done=f"removed {name} from the team"):
            self._build_team()

    # -- text form

    def summary(self) -> str:
        info, instances = self.appraisal.info(), self.appraisal.instances()
        scopes = self.appraisal.scopes()
        lines = [f"Setup: {info.name} ({self.appraisal.path.name}, {info.appraisal_type})",
                 f"  scale: {self.appraisal.scale.summary()}",
                 f"  organizational unit: {info.org_unit or '(not set)'}",
                 f"  dates: {info.start_date or '?'} to {info.end_date or '?'}"]
        for kind, label in (("basic_unit", "basic units"), ("support_function", "support functions")):
            names = [f"{i.name} [{i.subgroup}]" if i.subgroup else i.name for i in instances if i.kind == kind]
            lines.append(f"  {label}: {', '.join(names) or '(none)'}")
        for pa, scope in scopes.items():
            sampled = [i.name for i in instances if pa in i.pas]
            where = "not applicable" if scope.scope == "not_applicable" else scope.scope.replace("_", " ")
            reason = f" ({scope.reason})" if scope.reason else ""
            lines.append(f"  {pa:<5} {where}{reason}; sampled in: {', '.join(sampled) or '(none)'}")
        team = [f"{a.name} ({', '.join(a.pas) or 'no PAs'})" for a in self.appraisal.assessors()]
        lines.append(f"  team: {'; '.join(team) or '(none)'} [{plural(len(team), 'assessor')}]")
        return "\n".join(lines)

