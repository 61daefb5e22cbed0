"""The appraisal model (e.g. CMMI-SVC v1.3 ML2) loaded from a folder of YAML files.

A model folder holds ``model.yaml`` (id, name, target maturity level), one YAML
file per process area, and ``generic.yaml`` with the generic goals.  Every file
is validated with pydantic; errors name the file, the entry and the field.
Nothing about a particular model is hard-coded here.
"""

from __future__ import annotations

import os
import string
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, field_validator

from cmmikit import resources
from cmmikit.errors import ModelError

if TYPE_CHECKING:
    import pandas as pd

REPO_MODELS = resources.models_dir()  # questionnaires/ of the source tree, or its copy in the wheel
DEFAULT_MODEL_ID = "cmmi-svc-1.3"
QUESTION_FIELDS = {"pa_id", "pa_name"}

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
SpecificPracticeId = Annotated[str, StringConstraints(pattern=r"^SP \d+\.\d+$")]
GenericPracticeId = Annotated[str, StringConstraints(pattern=r"^GP \d+\.\d+$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PracticeSpec(_Strict):
    id: str
    title: Text
    intent: Text
    work_products: list[Text]
    questions: list[Text]

    @field_validator("work_products")
    @classmethod
    def _three_to_five(cls, v: list[str]) -> list[str]:
        if not 3 <= len(v) <= 5:
            raise ValueError(f"needs 3 to 5 example work products, found {len(v)}")
        return v

    @field_validator("questions")
    @classmethod
    def _two_to_four(cls, v: list[str]) -> list[str]:
        if not 2 <= len(v) <= 4:
            raise ValueError(f"needs 2 to 4 questions, found {len(v)}")
        for q in v:
            _check_placeholders(q)
        return v

    @field_validator("intent")
    @classmethod
    def _known_placeholders(cls, v: str) -> str:
        _check_placeholders(v)
        return v


def _check_placeholders(text: str) -> None:
    """Only {pa_id} and {pa_name} may be filled in per process area."""
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    except ValueError as exc:  # e.g. a lone "{"
        raise ValueError(f"malformed placeholder in {text!r}: {exc}") from None
    if names - QUESTION_FIELDS:
        raise ValueError(f"unknown placeholder(s) {sorted(names - QUESTION_FIELDS)} in {text!r}; "
                         f"allowed: {sorted(QUESTION_FIELDS)}")


class SpecificPracticeSpec(PracticeSpec):
    id: SpecificPracticeId


class GenericPracticeSpec(PracticeSpec):
    id: GenericPracticeId


class SpecificGoalSpec(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^SG \d+$")]
    title: Text
    practices: list[SpecificPracticeSpec]


class GenericGoalSpec(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^GG \d+$")]
    title: Text
    level: int
    practices: list[GenericPracticeSpec]


class ProcessAreaFile(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*$")]
    name: Text
    category: Text
    maturity_level: int
    purpose: Text
    goals: list[SpecificGoalSpec]


class GenericGoalsFile(_Strict):
    generic_goals: list[GenericGoalSpec]


class ModelFile(_Strict):
    id: Text
    name: Text
    version: Text
    target_maturity_level: int
    description: str = ""
    maturity_levels: dict[int, list[str]] = {}
    additions: list[str] = []


# ---------------------------------------------------------------- runtime objects


@dataclass(frozen=True)
class Practice:
    """One practice as it applies to one process area (GPs are repeated per PA)."""

    pa: str
    goal: str
    id: str
    title: str
    intent: str
    work_products: tuple[str, ...]
    questions: tuple[str, ...]
    generic: bool

    @property
    def key(self) -> str:
        return f"{self.pa} {self.id}"


@dataclass(frozen=True)
class Goal:
    pa: str
    id: str
    title: str
    generic: bool
    practices: tuple[Practice, ...]
    level: int = 0  # a generic goal: the maturity level from which it applies (GG 2: 2, GG 3: 3)

    @property
    def key(self) -> str:
        return f"{self.pa} {self.id}"


@dataclass(frozen=True)
class ProcessArea:
    id: str
    name: str
    category: str
    maturity_level: int
    purpose: str
    goals: tuple[Goal, ...]

    @property
    def practices(self) -> tuple[Practice, ...]:
        """Specific practices first, then generic practices, in model order."""
        return tuple(p for g in self.goals for p in g.practices)

    def practice(self, practice_id: str) -> Practice:
        for p in self.practices:
            if p.id == practice_id:
                return p
        raise KeyError(f"{self.id} has no practice {practice_id!r}")

    def goal(self, goal_id: str) -> Goal:
        for g in self.goals:
            if g.id == goal_id:
                return g
        raise KeyError(f"{self.id} has no goal {goal_id!r}")


@dataclass(frozen=True)
class Model:
    id: str
    name: str
    version: str
    target_maturity_level: int
    source: Path
    process_areas: dict[str, ProcessArea] = field(default_factory=dict)
    levels: tuple[int, ...] = (2,)
    pending: tuple[str, ...] = ()   # PAs listed up to the target level whose files are not shipped yet
    additions: tuple[str, ...] = ()  # PAs an organization may leave out of scope (SSD)
    listed: dict[str, int] = field(default_factory=dict)  # the staged list of model.yaml: PA -> level

    @property
    def pa_ids(self) -> list[str]:
        return list(self.process_areas)

    def pa(self, pa_id: str) -> ProcessArea:
        try:
            return self.process_areas[pa_id]
        except KeyError:
            raise KeyError(f"model {self.id} has no process area {pa_id!r}") from None

    def practice(self, pa_id: str, practice_id: str) -> Practice:
        return self.pa(pa_id).practice(practice_id)

    def practices(self) -> list[Practice]:
        return [p for pa in self.process_areas.values() for p in pa.practices]

    def practice_frame(self) -> "pd.DataFrame":
        """One row per (PA, goal, practice), in model order."""
        import pandas as pd

        rows = [
            {"pa": p.pa, "pa_name": self.process_areas[p.pa].name, "goal": p.goal,
             "practice": p.id, "title": p.title, "generic": p.generic, "order": i}
            for i, p in enumerate(self.practices())
        ]
        return pd.DataFrame(rows)


# ---------------------------------------------------------------- loading


def model_search_path() -> list[Path]:
    """Folders searched for model ids: $CMMIKIT_MODEL_PATH, then the models shipped with cmmikit."""
    extra = [Path(p) for p in os.environ.get("CMMIKIT_MODEL_PATH", "").split(os.pathsep) if p]
    return [*extra, REPO_MODELS]


def find_model_dir(model: str | os.PathLike | None = None) -> Path:
    """Resolve a model folder from a path or a model id (default: CMMI-SVC v1.3)."""
    model = model or DEFAULT_MODEL_ID
    as_path = Path(model)
    if (as_path / "model.yaml").is_file():
        return as_path.resolve()
    for base in model_search_path():
        if (base / str(model) / "model.yaml").is_file():
            return (base / str(model)).resolve()
        if base.is_dir():
            for candidate in sorted(base.glob("*/model.yaml")):
                if _read_yaml(candidate).get("id") == str(model):
                    return candidate.parent.resolve()
    raise ModelError(str(model), "", "", "no model folder with this path or id (a folder holding model.yaml)")


def load_model(model: str | os.PathLike | None = None, level: int | None = None) -> Model:
    """Load and validate a model folder (cached per folder and file modification times).

    ``level``: the appraisal's target maturity level (default: the model file's
    ``target_maturity_level``). The model then holds the process areas up to that level, and the
    generic goals up to that level apply to every one of them (GG 3 to the ML2 areas too).
    """
    folder = find_model_dir(model)
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.yaml")))
    return _load_cached(folder, stamp, level)


@lru_cache(maxsize=16)
def _load_cached(folder: Path, _stamp: tuple, level: int | None) -> Model:
    return _load(folder, level)


def _load(folder: Path, level: int | None = None) -> Model:
    head = _validate(ModelFile, folder / "model.yaml", _read_yaml(folder / "model.yaml"))
    generic_goals: list[GenericGoalSpec] = []
    generic_paths: dict[str, Path] = {}
    pa_files: list[tuple[Path, ProcessAreaFile]] = []
    for path in sorted(folder.glob("*.yaml")):
        if path.name == "model.yaml":
            continue
        raw = _read_yaml(path)
        if "generic_goals" in raw:
            spec = _validate(GenericGoalsFile, path, raw)
            _check_numbering(path, "", spec.generic_goals)
            generic_goals.extend(spec.generic_goals)
            generic_paths.update({g.id: path for g in spec.generic_goals})
        else:
            spec = _validate(ProcessAreaFile, path, raw)
            _check_numbering(path, spec.id, spec.goals)
            pa_files.append((path, spec))
    _check_unique(folder, [(generic_paths[g.id], g.id) for g in generic_goals], "generic goal")
    _check_unique(folder, [(p, s.id) for p, s in pa_files], "process area")
    if not pa_files:
        raise ModelError(str(folder), "", "", "the model has no process area files")
    levels = _check_levels(folder, head, pa_files)
    target = head.target_maturity_level if level is None else level
    if target not in levels:
        raise ModelError(str(folder / "model.yaml"), "", "target level",
                         f"maturity level {target!r} is not offered by model {head.id} "
                         f"(levels: {', '.join(map(str, levels))})")
    applied = [g for g in generic_goals if 2 <= g.level <= target]
    pa_files = sorted((ps for ps in pa_files if ps[1].maturity_level <= target),
                      key=lambda ps: (ps[1].maturity_level, ps[1].id))
    areas = {spec.id: _build_pa(spec, applied) for _, spec in pa_files}
    pending = tuple(pa for lvl, pas in sorted(head.maturity_levels.items()) if lvl <= target
                    for pa in pas if pa not in areas)
    return Model(id=head.id, name=head.name, version=head.version, target_maturity_level=target,
                 source=folder, process_areas=areas, levels=levels, pending=pending,
                 additions=tuple(head.additions),
                 listed={pa: lvl for lvl, pas in head.maturity_levels.items() for pa in pas})


def _check_levels(folder: Path, head: ModelFile, pa_files: list[tuple[Path, ProcessAreaFile]]) -> tuple[int, ...]:
    """Each PA file sits at the level model.yaml lists it under; returns the target levels offered.

    Without a ``maturity_levels`` list the model offers its ``target_maturity_level`` only (as before).
    """
    if not head.maturity_levels:
        return (head.target_maturity_level,)
    listed: dict[str, int] = {}
    for lvl, pas in head.maturity_levels.items():
        if lvl < 2:
            raise ModelError(str(folder / "model.yaml"), str(lvl), "maturity_levels",
                             "maturity levels with process areas start at 2")
        for pa in pas:
            if pa in listed:
                raise ModelError(str(folder / "model.yaml"), pa, "maturity_levels",
                                 f"listed under level {listed[pa]} and level {lvl}")
            listed[pa] = lvl
    for path, spec in pa_files:
        if spec.id not in listed:
            raise ModelError(str(path), spec.id, "maturity_level",
                             "process area is not listed under any level in model.yaml maturity_levels")
        if spec.maturity_level != listed[spec.id]:
            raise ModelError(str(path), spec.id, "maturity_level",
                             f"is {spec.maturity_level} here but model.yaml lists it under level {listed[spec.id]}")
    for pa in head.additions:
        if pa not in listed:
            raise ModelError(str(folder / "model.yaml"), pa, "additions", "not a process area of this model")
    shipped = {spec.maturity_level for _, spec in pa_files}
    levels = tuple(lvl for lvl in sorted(head.maturity_levels) if any(s <= lvl for s in shipped))
    if head.target_maturity_level not in levels:
        raise ModelError(str(folder / "model.yaml"), "", "target_maturity_level",
                         f"{head.target_maturity_level} is not one of the levels listed ({', '.join(map(str, levels))})")
    return levels


def _build_pa(spec: ProcessAreaFile, generic_goals: list[GenericGoalSpec]) -> ProcessArea:
    fields = {"pa_id": spec.id, "pa_name": spec.name}

    def goal(g: SpecificGoalSpec | GenericGoalSpec, generic: bool) -> Goal:
        practices = tuple(
            Practice(pa=spec.id, goal=g.id, id=p.id, title=p.title, intent=p.intent.format(**fields) if generic else p.intent,
                     work_products=tuple(p.work_products),
                     questions=tuple(q.format(**fields) if generic else q for q in p.questions), generic=generic)
            for p in g.practices
        )
        return Goal(pa=spec.id, id=g.id, title=g.title, generic=generic, practices=practices,
                    level=g.level if isinstance(g, GenericGoalSpec) else 0)

    goals = [goal(g, False) for g in spec.goals] + [goal(g, True) for g in generic_goals]
    return ProcessArea(id=spec.id, name=spec.name, category=spec.category, maturity_level=spec.maturity_level,
                       purpose=spec.purpose, goals=tuple(goals))


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelError(str(path), "", "", f"cannot read: {exc.strerror or exc}") from None
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ModelError(str(path), "", "", f"not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise ModelError(str(path), "", "", "expected a mapping at the top level")
    return data


def _validate(schema: type[_Strict], path: Path, raw: dict[str, Any]):
    try:
        return schema.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err["loc"]
        entry = _entry_name(raw, loc)
        field_name = next((str(part) for part in reversed(loc) if isinstance(part, str)), "")
        problem = err["msg"]
        if err["type"] == "extra_forbidden" and field_name == "practices":
            problem = "practices must be listed under a goal"
        elif err["type"] == "extra_forbidden":
            problem = "unknown field (typo?)"
        raise ModelError(str(path), entry, field_name, problem) from None


def _entry_name(raw: dict[str, Any], loc: tuple) -> str:
    """Turn a pydantic error location into a readable entry such as 'SD SP 3.1'."""
    pa = raw.get("id") if isinstance(raw.get("id"), str) else ""
    names: list[str] = [pa] if pa else []
    node: Any = raw
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(part, int):
            ident = node.get("id") if isinstance(node, dict) else None
            names.append(str(ident) if ident else f"#{part + 1}")
    if len(names) > 2 and names[-1].startswith(("SP", "GP")):
        names = [n for n in names if not n.startswith(("SG", "GG"))]
    return " ".join(names)


def _check_numbering(path: Path, pa: str, goals: list) -> None:
    """Goal and practice ids are unique, and practice N.x sits under goal N."""
    prefix = f"{pa} " if pa else ""
    _check_unique(path, [(path, f"{prefix}{g.id}") for g in goals], "goal")
    _check_unique(path, [(path, f"{prefix}{p.id}") for g in goals for p in g.practices], "practice")
    for g in goals:
        if not g.practices:
            raise ModelError(str(path), f"{prefix}{g.id}", "practices", "a goal needs at least one practice")
        goal_number = g.id.split()[1]
        for p in g.practices:
            if p.id.split()[1].split(".")[0] != goal_number:
                raise ModelError(str(path), f"{prefix}{p.id}", "id",
                                 f"practice is listed under {g.id} but its number belongs to goal {goal_number!r}")
    if not goals:
        raise ModelError(str(path), pa, "goals", "at least one goal is required")


def _check_unique(where: Path, items: list[tuple[Path, str]], what: str) -> None:
    seen: dict[str, Path] = {}
    for path, ident in items:
        if ident in seen:
            raise ModelError(str(path), ident, "id", f"duplicate {what} id (also in {seen[ident].name})")
        seen[ident] = path
