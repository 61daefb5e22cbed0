"""The setup screen (00_setup): the appraisal file, its organizational unit, instances, scope and team.

Every widget writes to the store as soon as it changes.  Sections that depend
on the instance list (sampling grid) are rebuilt when instances change; the
screen is small, so rebuilding is simpler than patching.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w

from cmmikit.store import APPRAISAL_TYPES, Appraisal
from cmmikit.ui.common import StatusLine, View, esc, open_appraisal, text_field

INFO_FIELDS = (("name", "Appraisal name"), ("org_unit", "Organizational unit"), ("sponsor", "Sponsor"),
               ("lead_appraiser", "Lead appraiser"), ("start_date", "Start date"), ("end_date", "End date"))
KIND_LABELS = [("basic unit", "basic_unit"), ("support function", "support_function")]
SCOPE_LABELS = [("in scope", "in_scope"), ("not applicable", "not_applicable"), ("out of scope", "out_of_scope")]
CELL_WIDTH = "110px"  # one checkbox column per instance
PA_WIDTH = "64px"     # one checkbox column per PA


def _label(text: str, width: str = CELL_WIDTH, bold: bool = False) -> w.HTML:
    inner = f"<b>{esc(text)}</b>" if bold else esc(text)
    return w.HTML(f"<div style='line-height:1.25;font-size:12px;overflow-wrap:anywhere' title='{esc(text)}'>"
                  f"{inner}</div>", layout=w.Layout(width=width))


def _cell(value: bool, tooltip: str, width: str = CELL_WIDTH) -> w.Checkbox:
    return w.Checkbox(value=value, indent=False, tooltip=tooltip, layout=w.Layout(width=width))


class InstanceRow:
    """One basic unit or support function: rename, kind, subgroup, description, remove (asks twice)."""

    def __init__(self, view: "SetupView", name: str, kind: str, subgroup: str, description: str) -> None:
        self.view, self.name = view, name
        self.name_text = text_field("", name, width="230px")
        self.kind = w.Dropdown(options=KIND_LABELS, value=kind, layout=w.Layout(width="150px"))
        self.subgroup = text_field("", subgroup, placeholder="subgroup", width="140px")
        self.description = text_field("", description, placeholder="description", width="300px")
        self.remove_button = w.Button(description="remove", icon="trash", layout=w.Layout(width="200px"),
                                      tooltip="removes the instance with everything recorded for it")
        self.name_text.observe(lambda c: view.rename_instance(self, c["new"]), names="value")
        self.kind.observe(lambda c: view.change_instance(self, kind=c["new"]), names="value")
        self.subgroup.observe(lambda c: view.change_instance(self, subgroup=c["new"]), names="value")
        self.description.observe(lambda c: view.change_instance(self, description=c["new"]), names="value")
        self.remove_button.on_click(lambda _: self.remove())
        self.widget = w.HBox([self.name_text, self.kind, self.subgroup, self.description, self.remove_button])

    def remove(self) -> None:
        """First click arms the button; the second removes the instance."""
        if self.remove_button.button_style != "danger":
            self.remove_button.button_style = "danger"
            self.remove_button.description = "click again to remove"
            self.view.status.saved(f"{self.name}: click 'remove' again to delete it and all its records")
            return
        self.view.remove_instance(self)


class SetupView(View):
    """Create or open an appraisal; organizational unit, instances, PA scope and sampling, assessors."""

    def __init__(self, appraisal: Appraisal) -> None:
        self.appraisal = appraisal
        self.status = StatusLine()
        self._loading = False
        self.path_text = text_field("Appraisal file", str(appraisal.path), width="520px")
        self.new_name = text_field("Name (for a new file)", placeholder="e.g. Northwind ML2 2027", width="360px")
        self.open_button = w.Button(description="open", icon="folder-open")
        self.create_button = w.Button(description="create new", icon="file")
        self.open_button.on_click(lambda _: self.open_file())
        self.create_button.on_click(lambda _: self.create_file())

        self.info_fields: dict[str, w.Text] = {key: text_field(label, width="520px") for key, label in INFO_FIELDS}
        self.appraisal_type = w.Dropdown(description="Appraisal type", options=list(APPRAISAL_TYPES),
                                         style={"description_width": "initial"})
        self.description = text_field("Description", area=True, width="520px")
        for key, widget in [*self.info_fields.items(), ("appraisal_type", self.appraisal_type),
                            ("description", self.description)]:
            widget.observe(self._info_changed(key), names="value")

        self.instance_rows: list[InstanceRow] = []
        self.instances_box = w.VBox()
        self.new_instance_name = text_field("", placeholder="new basic unit or support function", width="230px")
        self.new_instance_kind = w.Dropdown(options=KIND_LABELS, layout=w.Layout(width="150px"))
        self.new_instance_subgroup = text_field("", placeholder="subgroup", width="140px")
        self.add_instance_button = w.Button(description="add", icon="plus")
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
        self.new_assessor_role = text_field("", placeholder="role", width="160px")
        self.add_assessor_button = w.Button(description="add assessor", icon="plus")
        self.add_assessor_button.on_click(lambda _: self.add_assessor())

        self.tabs = w.Tab(children=[
            w.VBox([*self.info_fields.values(), self.appraisal_type, self.description]),
            w.VBox([self.instances_box, w.HBox([self.new_instance_name, self.new_instance_kind,
                                                self.new_instance_subgroup, self.add_instance_button])]),
            self.scope_box,
            w.VBox([self.team_box, w.HBox([self.new_assessor_name, self.new_assessor_role,
                                           self.add_assessor_button])]),
        ])
        for i, title in enumerate(("Appraisal", "Units", "Scope, sampling", "Team")):
            self.tabs.set_title(i, title)
        self.widget = w.VBox([w.HBox([self.path_text, self.open_button]),
                              w.HBox([self.new_name, self.create_button]), self.tabs, self.status.widget])
        self.load()

    # -- the file

    def open_file(self) -> None:
        """Open the file named in the path box (and show it)."""
        self._switch(lambda: open_appraisal(self.path_text.value.strip()), "opened")

    def create_file(self) -> None:
        """Create a new appraisal at the path with the given name."""
        name = self.new_name.value.strip()
        if not name:
            self.status.error("give the new appraisal a name first")
            return
        self._switch(lambda: Appraisal.create(self.path_text.value.strip(), name=name), "created")

    def _switch(self, opener: Callable[[], Appraisal], verb: str) -> None:
        opened: list[Appraisal] = []
        if not self.status.run(lambda: opened.append(opener())):
            return
        self.appraisal.close()
        self.appraisal = opened[0]
        self.load()
        self.status.saved(f"{verb} {self.appraisal.location.display}")

    def load(self) -> None:
        """Show the current appraisal in every section."""
        info = self.appraisal.info()
        self._loading = True
        try:
            self.path_text.value = self.appraisal.location.display
            for key, widget in self.info_fields.items():
                widget.value = getattr(info, key)
            self.appraisal_type.value = info.appraisal_type
            self.description.value = info.description
        finally:
            self._loading = False
        self._build_instances()
        self._build_team()

    # -- appraisal facts

    def _info_changed(self, key: str) -> Callable[[dict[str, Any]], None]:
        def handler(change: dict[str, Any]) -> None:
            if not self._loading:
                self.status.run(lambda: self.appraisal.update_info(**{key: change["new"]}), done=f"saved {key}")
        return handler

    # -- instances

    def _build_instances(self) -> None:
        instances = self.appraisal.instances()
        self.instance_rows = [InstanceRow(self, i.name, i.kind, i.subgroup, i.description) for i in instances]
        header = w.HBox([_label("name", "230px", True), _label("kind", "150px", True),
                         _label("subgroup", "140px", True), _label("description", "300px", True)])
        self.instances_box.children = (header, *(r.widget for r in self.instance_rows))
        self._build_scope()

    def add_instance(self) -> None:
        name = self.new_instance_name.value

        def action() -> None:
            kind = self.new_instance_kind.value
            # a support function starts with no PAs: the team ticks the ones it performs
            pas = [] if kind == "support_function" else None
            self.appraisal.add_instance(name, kind, subgroup=self.new_instance_subgroup.value, pas=pas)
        if self.status.run(action, done=f"added {name.strip()}"):
            self.new_instance_name.value = ""
            self._build_instances()

    def rename_instance(self, row: InstanceRow, new_name: str) -> None:
        if new_name.strip() == row.name:
            return
        if self.status.run(lambda: self.appraisal.update_instance(row.name, new_name=new_name),
                           done=f"renamed {row.name} to {new_name.strip()}"):
            self._build_instances()
        else:
            row.name_text.value = row.name

    def change_instance(self, row: InstanceRow, **changes: str) -> None:
        field = next(iter(changes))
        self.status.run(lambda: self.appraisal.update_instance(row.name, **changes), done=f"{row.name}: saved {field}")
        if field == "kind":
            self._build_scope()

    def remove_instance(self, row: InstanceRow) -> None:
        if self.status.run(lambda: self.appraisal.remove_instance(row.name), done=f"removed {row.name}"):
            self._build_instances()

    # -- scope and sampling

    def _build_scope(self) -> None:
        model, scopes, instances = self.appraisal.model, self.appraisal.scopes(), self.appraisal.instances()
        self.scope_dropdowns, self.reason_texts, self.sampling = {}, {}, {}
        header = w.HBox([_label("process area", "260px", True), _label("scope", "150px", True),
                         _label("reason", "220px", True),
                         *(_label(f"sampled in {i.name}", bold=True) for i in instances)])
        rows = [header]
        for pa in model.process_areas.values():
            scope = scopes[pa.id]
            dropdown = w.Dropdown(options=SCOPE_LABELS, value=scope.scope, layout=w.Layout(width="150px"))
            reason = text_field("", scope.reason, placeholder="reason (required if not applicable)", width="220px")
            dropdown.observe(lambda c, pa=pa.id: self.save_scope(pa), names="value")
            reason.observe(lambda c, pa=pa.id: self.save_scope(pa), names="value")
            self.scope_dropdowns[pa.id], self.reason_texts[pa.id] = dropdown, reason
            boxes = []
            for inst in instances:
                box = _cell(pa.id in inst.pas, f"{inst.name} sampled for {pa.id}")
                box.observe(lambda c, pa=pa.id, name=inst.name: self.set_sampled(pa, name, c["new"]), names="value")
                self.sampling[(pa.id, inst.name)] = box
                boxes.append(box)
            rows.append(w.HBox([_label(f"{pa.id} {pa.name}", "260px"), dropdown, reason, *boxes]))
        self.scope_box.children = tuple(rows)

    def save_scope(self, pa: str) -> None:
        scope, reason = self.scope_dropdowns[pa].value, self.reason_texts[pa].value
        if scope == "not_applicable" and not reason.strip():
            self.status.error(f"{pa}: type the reason it is not applicable; until then it keeps its stored scope")
            return
        label = dict((v, k) for k, v in SCOPE_LABELS)[scope]
        self.status.run(lambda: self.appraisal.set_scope(pa, scope, reason), done=f"{pa}: {label}")

    def set_sampled(self, pa: str, instance: str, sampled: bool) -> None:
        current = next(i for i in self.appraisal.instances() if i.name == instance)
        pas = [p for p in current.pas if p != pa] + ([pa] if sampled else [])
        self.status.run(lambda: self.appraisal.update_instance(instance, pas=pas),
                        done=f"{instance} {'sampled' if sampled else 'not sampled'} for {pa}")

    # -- the team

    def _build_team(self) -> None:
        pa_ids = self.appraisal.model.pa_ids
        self.assessor_pas, self.assessor_roles, self.assessor_remove_buttons = {}, {}, {}
        rows = [w.HBox([_label("assessor", "200px", True), _label("role", "160px", True),
                        *(_label(pa, PA_WIDTH, bold=True) for pa in pa_ids)])]
        for person in self.appraisal.assessors():
            role = text_field("", person.role, width="160px")
            role.observe(lambda c, name=person.name: self.save_assessor(name), names="value")
            boxes = []
            for pa in pa_ids:
                box = _cell(pa in person.pas, f"{person.name} assesses {pa}", PA_WIDTH)
                box.observe(lambda c, name=person.name: self.save_assessor(name), names="value")
                self.assessor_pas[(person.name, pa)] = box
                boxes.append(box)
            remove = w.Button(description="remove", icon="trash", layout=w.Layout(width="100px"))
            remove.on_click(lambda _, name=person.name: self.remove_assessor(name))
            self.assessor_roles[person.name], self.assessor_remove_buttons[person.name] = role, remove
            rows.append(w.HBox([_label(person.name, "200px"), role, *boxes, remove]))
        self.team_box.children = tuple(rows)

    def save_assessor(self, name: str) -> None:
        pas = [pa for pa in self.appraisal.model.pa_ids if self.assessor_pas[(name, pa)].value]
        self.status.run(lambda: self.appraisal.set_assessor(name, role=self.assessor_roles[name].value, pas=pas),
                        done=f"{name}: saved")

    def add_assessor(self) -> None:
        name = self.new_assessor_name.value.strip()
        if name in {a.name for a in self.appraisal.assessors()}:
            self.status.error(f"{name} is already on the team")
            return
        if self.status.run(lambda: self.appraisal.set_assessor(name, role=self.new_assessor_role.value),
                           done=f"added {name}: tick the process areas they cover"):
            self.new_assessor_name.value = self.new_assessor_role.value = ""
            self._build_team()

    def remove_assessor(self, name: str) -> None:
        if self.status.run(lambda: self.appraisal.remove_assessor(name), done=f"removed {name}"):
            self._build_team()

    # -- text form

    def summary(self) -> str:
        info, instances = self.appraisal.info(), self.appraisal.instances()
        scopes = self.appraisal.scopes()
        lines = [f"Setup: {info.name} ({self.appraisal.path.name}, {info.appraisal_type})",
                 f"  organizational unit: {info.org_unit or '(not set)'}"]
        for kind, label in (("basic_unit", "basic units"), ("support_function", "support functions")):
            names = [f"{i.name} [{i.subgroup}]" if i.subgroup else i.name for i in instances if i.kind == kind]
            lines.append(f"  {label}: {', '.join(names) or '(none)'}")
        for pa, scope in scopes.items():
            sampled = [i.name for i in instances if pa in i.pas]
            where = "not applicable" if scope.scope == "not_applicable" else scope.scope.replace("_", " ")
            reason = f" ({scope.reason})" if scope.reason else ""
            lines.append(f"  {pa:<5} {where}{reason}; sampled in: {', '.join(sampled) or '(none)'}")
        team = [f"{a.name} ({', '.join(a.pas) or 'no PAs'})" for a in self.appraisal.assessors()]
        lines.append(f"  team: {'; '.join(team) or '(none)'}")
        return "\n".join(lines)

