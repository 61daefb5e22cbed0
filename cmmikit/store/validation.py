"""Check a JSON export against the schema and the model before anything is written.

Every problem is named by its place in the document (``instances[3].name: ...``),
all of them at once; a document that passes can be inserted as it is.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, Optional

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
    create_model,
)
from sqlalchemy import Integer, Table

from cmmikit.errors import CmmikitError, ImportProblem
from cmmikit.model.scales import scale_for
from cmmikit.store import tables as t
from cmmikit.store.core import MAX_TEXT, is_day
from cmmikit.store.exchange import DUMP_FORMAT, DUMP_VERSION, dump_columns
from cmmikit.store.legacy_evidence import convert
from cmmikit.store.records import (
    ACTION_STATUSES,
    APPRAISAL_TYPES,
    ARTIFACT_KINDS,
    EVIDENCE_KINDS,
    FINDING_KINDS,
    FINDING_ORIGINS,
    FINDING_STATUSES,
    INSTANCE_KINDS,
    SCOPES,
)

READABLE_VERSIONS = (1, 2, 3, 4, 5, DUMP_VERSION)   # 5: before the planning tables
DATE_COLUMNS = frozenset({"due_date", "start_date", "end_date", "held_on"})   # a day YYYY-MM-DD, or blank
Text = Annotated[str, StringConstraints(strict=True, max_length=MAX_TEXT)]


def _day(text: str) -> str:
    if text and not is_day(text):
        raise ValueError("must be a date YYYY-MM-DD (or blank)")
    return text


Day = Annotated[Text, AfterValidator(_day)]
MAX_PROBLEMS = 200
REGISTER_TABLES = ("artifacts", "affirmations", "evidence_links")
REGISTER_SINCE = 4        # the first export schema with the evidence register (older ones hold evidence rows)


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class LegacyEvidenceRow(_Row):
    """An ``evidence`` row of an export of schema 1 to 3 (before the evidence register)."""

    id: StrictInt
    pa: StrictStr
    practice: StrictStr
    instance_id: StrictInt
    kind: StrictStr
    description: StrictStr
    location: StrictStr = ""
    who: StrictStr = ""
    collected_on: StrictStr = ""
    version: StrictInt = 1
    updated_by: StrictStr = ""
    updated_at: StrictStr = ""


def _sections(version: int) -> tuple[str, ...]:
    """The table sections a document of this schema version holds (older ones: evidence, not the register)."""
    if version >= REGISTER_SINCE:
        return t.DUMP_TABLES
    at = t.DUMP_TABLES.index(REGISTER_TABLES[0])
    return (*t.DUMP_TABLES[:at], "evidence", *t.DUMP_TABLES[at + len(REGISTER_TABLES):])


def _default(table: Table, column) -> Any:
    if column.server_default is None:
        return ...
    raw = str(column.server_default.arg.text if hasattr(column.server_default.arg, "text") else column.server_default.arg)
    return int(raw) if isinstance(column.type, Integer) else raw.strip("'")


@lru_cache(maxsize=None)
def row_model(name: str) -> type[BaseModel]:
    """A strict pydantic model of one table's rows, built from the table definition."""
    table = t.metadata.tables[name]
    fields: dict[str, Any] = {}
    for column_name in dump_columns(name):
        column = table.c[column_name]
        kind: Any = StrictInt if isinstance(column.type, Integer) else (Day if column_name in DATE_COLUMNS else Text)
        if column.nullable and not column.primary_key:
            fields[column_name] = (Optional[kind], None)
        else:
            fields[column_name] = (kind, _default(table, column))
    return create_model(f"{name}_row", __base__=_Row, **fields)


def validate_dump(data: Any, source: str) -> dict[str, list[dict[str, Any]]]:
    """The rows of every table, ready to insert, or :class:`ImportProblem` listing what is wrong."""
    problems: list[str] = []
    if not isinstance(data, dict) or data.get("format") != DUMP_FORMAT:
        raise ImportProblem(source, [f"not a cmmikit appraisal export (expected \"format\": {DUMP_FORMAT!r})"])
    version = data.get("schema_version")
    if type(version) is not int or version not in READABLE_VERSIONS:
        raise ImportProblem(source, [f"schema_version: {_show(version)} is not one this cmmikit reads "
                                     f"({', '.join(map(str, READABLE_VERSIONS))})"])
    sections = _sections(version)
    unknown = sorted(set(data) - set(sections) - {"format", "schema_version", "model"})
    if unknown:
        problems.append(f"unknown section(s) {', '.join(_show(u) for u in unknown[:5])}")
    rows: dict[str, list[dict[str, Any]]] = {}
    for name in sections:
        section = data.get(name, [])
        if not isinstance(section, list):
            problems.append(f"{name}: must be a list of rows, not {type(section).__name__}")
            rows[name] = []
            continue
        model = LegacyEvidenceRow if name == "evidence" else row_model(name)
        rows[name] = []
        for n, raw in enumerate(section):
            if not isinstance(raw, dict):
                problems.append(f"{name}[{n}]: must be an object, not {type(raw).__name__}")
                continue
            try:
                rows[name].append(model.model_validate(raw).model_dump())
            except ValidationError as exc:
                for error in exc.errors()[:3]:
                    where = ".".join(p if isinstance(p, str) and p.isidentifier() else _show(p)
                                     for p in error["loc"])
                    problems.append(f"{name}[{n}].{where}: {_message(error)}")
        if len(problems) > MAX_PROBLEMS:
            break
    if not problems:
        problems = _check_content(rows, data.get("model"))
    if problems:
        raise ImportProblem(source, problems)
    if "evidence" in rows:
        rows.update(zip(REGISTER_TABLES, convert(rows.pop("evidence"))))
    return rows


def _check_model_stamp(stamp: Any, model: Any, model_id: str) -> list[str]:
    """The export's model stamp (schema 5 on) names the model id and version its practices follow."""
    if stamp is None:
        return []
    if not isinstance(stamp, dict) or not all(isinstance(stamp.get(k), str) for k in ("id", "version")):
        return ["model: must be an object with the model's \"id\" and \"version\" as text"]
    if stamp["id"] != model_id:
        return [f"model.id: {_show(stamp['id'])} does not match appraisal[0].model_id {_show(model_id)}"]
    if stamp["version"] != model.version:
        return [f"model.version: the export follows {model.id} version {_show(stamp['version'])}, this cmmikit "
                f"has version {_show(model.version)}; its practices may not line up"]
    return []


def _check_content(rows: dict[str, list[dict[str, Any]]], stamp: Any = None) -> list[str]:
    """Keys, references, allowed values and the model: what the row types alone cannot tell."""
    from cmmikit.model import load_model

    problems: list[str] = []
    if len(rows["appraisal"]) != 1:
        return [f"appraisal: must hold exactly one row, found {len(rows['appraisal'])}"]
    info = rows["appraisal"][0]
    level = stamp.get("target_level") if isinstance(stamp, dict) else None
    if level is not None and type(level) is not int:
        return [f"model.target_level: must be a whole number such as 2 or 3, not {_show(level)}"]
    try:
        model = load_model(info["model_ref"] or info["model_id"], level)
    except CmmikitError:
        if info["model_ref"]:
            return [f"appraisal[0].model_ref: {_show(info['model_ref'])} is not a model folder on this machine; "
                    f"leave it blank to use the model {_show(info['model_id'])} cmmikit has"]
        try:
            model = load_model(info["model_id"], level)
        except CmmikitError as exc:
            if level is not None and getattr(exc, "field", "") == "target level":
                return [f"model.target_level: {exc.problem}"]  # type: ignore[attr-defined]
            return [f"appraisal[0].model_id: unknown model {_show(info['model_id'])}"]
    problems += _check_model_stamp(stamp, model, info["model_id"])
    if model.id != info["model_id"]:
        problems.append(f"appraisal[0].model_id: {_show(info['model_id'])} does not match the model found "
                        f"({model.id})")
    if info["appraisal_type"] not in APPRAISAL_TYPES:
        return problems + [f"appraisal[0].appraisal_type: {_show(info['appraisal_type'])} is not one of "
                           f"{', '.join(APPRAISAL_TYPES)}"]
    try:
        scale = scale_for(info["appraisal_type"], info["scale"], "appraisal[0].scale")
    except CmmikitError as exc:
        return problems + [str(exc)]

    def allowed(table: str, n: int, column: str, value: Any, values) -> None:
        if value is not None and value not in values:
            problems.append(f"{table}[{n}].{column}: {_show(value)} is not one of {', '.join(map(str, values))}")

    def unique(table: str, columns: tuple[str, ...]) -> set:
        seen: set = set()
        for n, row in enumerate(rows[table]):
            key = tuple(row[c] for c in columns)
            if key in seen:
                problems.append(f"{table}[{n}]: duplicate {'/'.join(columns)} {_show(key[0] if len(key) == 1 else key)}")
            seen.add(key)
        return {k[0] for k in seen} if len(columns) == 1 else seen

    def refers(table: str, column: str, targets: set, what: str) -> None:
        for n, row in enumerate(rows[table]):
            if row[column] is not None and row[column] not in targets:
                problems.append(f"{table}[{n}].{column}: no {what} with id {row[column]}")

    def pa_practice(table: str, pa_col: str = "pa", practice_col: str | None = "practice",
                    goal_col: str | None = None) -> None:
        for n, row in enumerate(rows[table]):
            pa = row[pa_col]
            if pa not in model.process_areas:
                problems.append(f"{table}[{n}].{pa_col}: process area {_show(pa)} is not in {model.id}")
                continue
            if practice_col and row[practice_col] not in {p.id for p in model.pa(pa).practices}:
                problems.append(f"{table}[{n}].{practice_col}: {pa} has no practice {_show(row[practice_col])}")
            if goal_col and row[goal_col] not in {g.id for g in model.pa(pa).goals}:
                problems.append(f"{table}[{n}].{goal_col}: {pa} has no goal {_show(row[goal_col])}")

    instance_ids = unique("instances", ("id",))
    unique("instances", ("name",))
    for n, row in enumerate(rows["instances"]):
        allowed("instances", n, "kind", row["kind"], INSTANCE_KINDS)
        if not row["name"].strip():
            problems.append(f"instances[{n}].name: must not be blank")
    refers("instance_pas", "instance_id", instance_ids, "instance")
    unique("instance_pas", ("instance_id", "pa"))
    pa_practice("instance_pas", practice_col=None)
    unique("pa_scope", ("pa",))
    pa_practice("pa_scope", practice_col=None)
    for n, row in enumerate(rows["pa_scope"]):
        allowed("pa_scope", n, "scope", row["scope"], SCOPES)
    assessor_ids = unique("assessors", ("id",))
    unique("assessors", ("name",))
    refers("assessor_pas", "assessor_id", assessor_ids, "assessor")
    pa_practice("assessor_pas", practice_col=None)
    unique("practice_records", ("pa", "practice", "instance_id"))
    refers("practice_records", "instance_id", instance_ids, "instance")
    pa_practice("practice_records")
    for n, row in enumerate(rows["practice_records"]):
        allowed("practice_records", n, "characterization", row["characterization"], scale.all_values)
    if "evidence" in rows:
        unique("evidence", ("id",))
        refers("evidence", "instance_id", instance_ids, "instance")
        pa_practice("evidence")
        for n, row in enumerate(rows["evidence"]):
            allowed("evidence", n, "kind", row["kind"], EVIDENCE_KINDS)
    else:
        artifact_ids = unique("artifacts", ("id",))
        affirmation_ids = unique("affirmations", ("id",))
        for table in ("artifacts", "affirmations"):
            for n, row in enumerate(rows[table]):
                if not row["title"].strip():
                    problems.append(f"{table}[{n}].title: must not be blank")
        for n, row in enumerate(rows["artifacts"]):
            allowed("artifacts", n, "kind", row["kind"], ARTIFACT_KINDS)
        unique("evidence_links", ("id",))
        refers("evidence_links", "instance_id", instance_ids, "instance")
        refers("evidence_links", "artifact_id", artifact_ids, "artifact")
        refers("evidence_links", "affirmation_id", affirmation_ids, "affirmation")
        pa_practice("evidence_links")
        for n, row in enumerate(rows["evidence_links"]):
            if (row["artifact_id"] is None) == (row["affirmation_id"] is None):
                problems.append(f"evidence_links[{n}]: needs exactly one of artifact_id and affirmation_id")
        for column in ("artifact_id", "affirmation_id"):
            seen: set = set()
            for n, row in enumerate(rows["evidence_links"]):
                key = (row[column], row["pa"], row["practice"], row["instance_id"])
                if row[column] is not None and key in seen:
                    problems.append(f"evidence_links[{n}]: {column} {row[column]} is linked to this cell twice")
                seen.add(key)
    unique("practice_decisions", ("pa", "practice"))
    pa_practice("practice_decisions")
    for n, row in enumerate(rows["practice_decisions"]):
        allowed("practice_decisions", n, "value", row["value"], scale.decision_values)
    unique("goal_decisions", ("pa", "goal"))
    pa_practice("goal_decisions", practice_col=None, goal_col="goal")
    for n, row in enumerate(rows["goal_decisions"]):
        allowed("goal_decisions", n, "rating", row["rating"], ("Unsatisfied",))
    finding_ids = unique("findings", ("id",))
    for n, row in enumerate(rows["findings"]):
        if row["merged_into"] is not None and row["merged_into"] == row["id"]:
            problems.append(f"findings[{n}].merged_into: finding {row['id']} cannot be merged into itself")
    pa_practice("findings", practice_col=None, goal_col="goal")
    refers("findings", "merged_into", finding_ids, "finding")
    for n, row in enumerate(rows["findings"]):
        allowed("findings", n, "kind", row["kind"], FINDING_KINDS)
        allowed("findings", n, "origin", row["origin"], FINDING_ORIGINS)
        allowed("findings", n, "status", row["status"], FINDING_STATUSES)
        for level in ("effort", "impact"):
            allowed("findings", n, level, row[level], range(1, 6))
    refers("finding_practices", "finding_id", finding_ids, "finding")
    refers("finding_instances", "finding_id", finding_ids, "finding")
    refers("finding_instances", "instance_id", instance_ids, "instance")
    finding_pa = {row["id"]: row["pa"] for row in rows["findings"]}
    for n, row in enumerate(rows["finding_practices"]):
        pa = finding_pa.get(row["finding_id"])
        if pa in model.process_areas and row["practice"] not in {p.id for p in model.pa(pa).practices}:
            problems.append(f"finding_practices[{n}].practice: {pa} has no practice {_show(row['practice'])}")
    unique("actions", ("id",))
    refers("actions", "finding_id", finding_ids, "finding")
    for n, row in enumerate(rows["actions"]):
        allowed("actions", n, "status", row["status"], ACTION_STATUSES)
    unique("responses", ("instance_id", "pa", "practice", "question"))
    refers("responses", "instance_id", instance_ids, "instance")
    pa_practice("responses")
    if "artifacts" in rows:   # the planning tables (schema 0007) came after the register
        problems += _check_planning(rows, instance_ids, artifact_ids, finding_ids, unique, refers, allowed,
                                    pa_practice)
    return problems


def _check_planning(rows, instance_ids, artifact_ids, finding_ids, unique, refers, allowed, pa_practice) -> list[str]:
    """References and allowed values of the planning tables (the sample, requests, interviews, readiness)."""
    from cmmikit.store.collection import REQUEST_STATUSES
    from cmmikit.store.readiness import DECISIONS, VALIDATION_OUTCOMES

    problems: list[str] = []
    factor_ids = unique("plan_factors", ("id",))
    unique("plan_factors", ("name",))
    unit_ids = unique("plan_units", ("id",))
    unique("plan_units", ("name",))
    for n, row in enumerate(rows["plan_units"]):
        allowed("plan_units", n, "kind", row["kind"], INSTANCE_KINDS)
    unique("plan_unit_values", ("unit_id", "factor_id"))
    refers("plan_unit_values", "unit_id", unit_ids, "unit")
    refers("plan_unit_values", "factor_id", factor_ids, "sampling factor")
    unique("evidence_requests", ("id",))
    refers("evidence_requests", "instance_id", instance_ids, "instance")
    refers("evidence_requests", "artifact_id", artifact_ids, "artifact")
    pa_practice("evidence_requests")
    for n, row in enumerate(rows["evidence_requests"]):
        allowed("evidence_requests", n, "status", row["status"], REQUEST_STATUSES)
    interview_ids = unique("interviews", ("id",))
    for table in ("interview_pas", "interview_instances"):
        refers(table, "interview_id", interview_ids, "interview")
    pa_practice("interview_pas", practice_col=None)
    refers("interview_instances", "instance_id", instance_ids, "instance")
    review_ids = unique("readiness_reviews", ("id",))
    for n, row in enumerate(rows["readiness_reviews"]):
        allowed("readiness_reviews", n, "decision", row["decision"], ("", *DECISIONS))
    unique("readiness_checks", ("review_id", "criterion"))
    refers("readiness_checks", "review_id", review_ids, "readiness review")
    unique("finding_validations", ("finding_id",))
    refers("finding_validations", "finding_id", finding_ids, "finding")
    for n, row in enumerate(rows["finding_validations"]):
        allowed("finding_validations", n, "outcome", row["outcome"], VALIDATION_OUTCOMES)
    return problems


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "string_too_long":
        return f"{error['ctx']['max_length']:,} characters at most (what a spreadsheet cell holds)"
    return str(error["msg"]).lower()


def _show(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"
