"""The ``cmmikit`` command line: a thin layer that parses options and prints results.

User mistakes end as one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Callable

from cmmikit import __version__, atomic
from cmmikit.errors import CmmikitError

EXIT_ERROR = 1
APPRAISAL_TYPES = ["SCAMPI A", "SCAMPI B", "SCAMPI C", "Self-appraisal"]


def _open(args: argparse.Namespace, location: str | None = None):
    """Open the appraisal named on the command line as the user given by --user (or the environment)."""
    from cmmikit.store import Appraisal

    return Appraisal.open(location or args.file, user=args.user)


def _create(args: argparse.Namespace):
    """The appraisal ``new`` makes: empty, or a follow-up of the baseline named by --from."""
    from cmmikit.store import Appraisal, follow_up

    mapping = _mapping(args)
    if args.baseline is None:
        if not args.name:
            raise CmmikitError("new: --name NAME is required (unless the appraisal is a follow-up: --from BASELINE)")
        if mapping is not None:
            raise CmmikitError("new: --map converts the characterizations of a follow-up (--from BASELINE); a new "
                               "appraisal has none")
        return Appraisal.create(args.file, name=args.name, model=args.model, overwrite=args.force, user=args.user,
                                org_unit=args.org_unit or "", appraisal_type=args.type or "SCAMPI A", scale=args.scale,
                                target_level=args.target_level)
    if args.model:
        raise CmmikitError("new: --model cannot be combined with --from (a follow-up uses its baseline's model)")
    with _open(args, args.baseline) as baseline:
        kind = args.type or baseline.info().appraisal_type
        if args.type or args.scale or mapping is not None:   # refused before the follow-up is written
            baseline.plan_type_change(kind, scale=args.scale, mapping=mapping)
        appraisal = follow_up(baseline, args.file, name=args.name, overwrite=args.force, user=args.user)
    if args.org_unit is not None:
        appraisal.update_info(org_unit=args.org_unit)
    if args.type or args.scale or mapping is not None:
        appraisal.set_type(kind, scale=args.scale, mapping=mapping)
    if args.target_level is not None:
        appraisal.set_target_level(args.target_level)
    return appraisal


def _mapping(args: argparse.Namespace) -> dict[str, str] | None:
    from cmmikit.model.scales import parse_mapping

    return None if args.map is None else parse_mapping(args.map)


def cmd_new(args: argparse.Namespace) -> None:
    with _create(args) as appraisal:
        for unit in args.unit:
            appraisal.add_instance(unit, "basic_unit")
        for spec in args.support:
            name, _, pas = spec.partition(":")
            appraisal.add_instance(name, "support_function", pas=[p for p in pas.split(",") if p] or None)
        print(f"created {appraisal.location.display}: {appraisal.info().name} ({appraisal.model.name} {appraisal.model.version}, "
              f"{len(appraisal.model.pa_ids)} process areas, {len(appraisal.instances())} instances, "
              f"target maturity level {appraisal.model.target_maturity_level}; "
              f"{appraisal.info().appraisal_type} on the scale {appraisal.scale.summary()})")
        if args.baseline is not None:
            records, register = appraisal.records(), appraisal.register()
            print(f"follow-up of {appraisal.info().follow_up_of}: {sum(r.inherited for r in records)} "
                  f"characterization(s) inherited (re-assess or confirm them), {len(register)} evidence register "
                  f"item(s) with {sum(item.reuse for item in register)} link(s) copied")


def cmd_set_level(args: argparse.Namespace) -> None:
    with _open(args) as appraisal:
        old = appraisal.model.target_maturity_level
        appraisal.set_target_level(args.level)
        model = appraisal.model
        print(f"{appraisal.location.display}: target maturity level {old} -> {model.target_maturity_level} "
              f"({len(model.pa_ids)} process areas in the model"
              + (f"; not shipped yet: {', '.join(model.pending)}" if model.pending else "") + ")")


def cmd_set_type(args: argparse.Namespace) -> None:
    with _open(args) as appraisal:
        change = appraisal.set_type(args.type, scale=args.scale, mapping=_mapping(args))
        print(f"{appraisal.location.display}: {change.summary()}")


def cmd_scale(args: argparse.Namespace) -> None:
    from cmmikit.model.scales import default_scale, load_scale

    given = [x for x in (args.file, args.type, args.check) if x]
    if len(given) != 1:
        raise CmmikitError("scale: give one of FILE (an appraisal), --type TYPE or --check SCALE.yaml")
    if args.check:
        print(f"{args.check}: a valid scale\n{load_scale(args.check).describe()}")
    elif args.type:
        print(default_scale(args.type).describe())
    else:
        with _open(args) as appraisal:
            print(f"{appraisal.info().appraisal_type} appraisal {appraisal.location.display}\n{appraisal.scale.describe()}")


def cmd_slice(args: argparse.Namespace) -> None:
    from cmmikit.store import slice_appraisal

    pas = [p.strip() for p in (args.pa or "").split(",") if p.strip()]
    with _open(args) as appraisal, slice_appraisal(appraisal, args.output, pas, assessor=args.assessor,
                                                   overwrite=args.force, user=args.user) as piece:
        info = piece.info()
        print(f"slice written to {piece.location.display}: {info.name}; {len(piece.instances())} instances, "
              f"{len(piece.records())} records, {len(piece.register())} register items with {len(piece.evidence())} "
              f"evidence links, {len(piece.findings())} "
              f"findings\nbring it back with: cmmikit merge {appraisal.location.shareable} {piece.location.shareable}")


def cmd_merge(args: argparse.Namespace) -> None:
    from cmmikit.store import merge_slice

    with _open(args) as appraisal, _open(args, args.slice) as piece:
        result = merge_slice(appraisal, piece, dry_run=args.dry_run, take=args.take)
    print(result.summary())


def cmd_demo(args: argparse.Namespace) -> None:
    from cmmikit.demo import build_demo
    from cmmikit.method.risk import evaluate

    path = Path(args.outdir) / "demo.cmmi"
    with build_demo(path, overwrite=args.force, appraisal_type=args.type, target_level=args.target_level) as appraisal:
        print(f"sample appraisal written to {path}\n")
        print(evaluate(appraisal).summary())


def cmd_rate(args: argparse.Namespace) -> None:
    from cmmikit.method.outlook import outlook
    from cmmikit.method.risk import evaluate, is_assessment

    with _open(args) as appraisal:
        ratings = evaluate(appraisal, reassessed_only=args.reassessed_only)
        model = appraisal.model
        freeze = appraisal.frozen()
    record = _freeze_json(freeze)
    if is_assessment(ratings):   # SCAMPI B/C: the risk summary and forecast, no ratings
        _print_assessment(ratings, model, args.json, record)
        _print_freeze(freeze, args.json)
        return
    cases = outlook(ratings)
    if args.json:
        print(json.dumps({"model": {"id": model.id, "name": model.name, "version": model.version},
                          "maturity": {"level": ratings.maturity.level, "verdict": ratings.maturity.verdict,
                                       "formal": ratings.maturity.formal, "reasons": list(ratings.maturity.reasons)},
                          **({"lower_levels": [{"level": v.level, "verdict": v.verdict, "reasons": list(v.reasons)}
                                               for v in ratings.lower]} if ratings.lower else {}),
                          "process_areas": ratings.pas[["pa", "rating", "capability_level"]].to_dict("records"),
                          "goals": ratings.goals[["pa", "goal", "rating", "reason"]].to_dict("records"),
                          **({"follow_up": {"of": ratings.follow_up_of, "reassessed_only": ratings.reassessed_only,
                                            **ratings.reassessment()}} if ratings.follow_up_of else {}),
                          **cases.to_json(), **record},
                         indent=2, sort_keys=True))
    else:
        print(ratings.summary())
        print(cases.summary())
    _print_freeze(freeze, args.json)


def _freeze_json(freeze) -> dict:
    """``{"frozen": {...}}`` for ``rate --json`` while the record is frozen, else nothing."""
    return {} if freeze is None else {"frozen": {"by": freeze.by, "at": freeze.at, "reason": freeze.reason,
                                                 "digest": freeze.digest}}


def _print_freeze(freeze, as_json: bool) -> None:
    """The appraisal record's freeze as text, after the results (nothing while the record is open)."""
    if freeze is not None and not as_json:
        print(f"\nappraisal record frozen by {freeze.by} on {freeze.at[:16].replace('T', ' ')} UTC "
              f"({freeze.reason}); content digest sha256:{freeze.digest}")


def _print_assessment(assessment, model, as_json: bool, record: dict) -> None:
    if not as_json:
        print(assessment.summary())
        return
    follow = ({"follow_up": {"of": assessment.follow_up_of, "reassessed_only": assessment.reassessed_only,
                             **assessment.reassessment()}} if assessment.follow_up_of else {})
    print(json.dumps({"model": {"id": model.id, "name": model.name, "version": model.version},
                      **assessment.to_json(), **follow, **record}, indent=2, sort_keys=True))


def cmd_export_xlsx(args: argparse.Namespace) -> None:
    from cmmikit.outputs.excel import export_workbook

    with _open(args) as appraisal:
        path = export_workbook(appraisal, args.output)  # findings refreshed on a copy; the appraisal is only read
    print(f"gap-analysis workbook written to {path}")


def cmd_charts(args: argparse.Namespace) -> None:
    from cmmikit.outputs.charts import render_all
    from cmmikit.outputs.excel import findings_frames
    from cmmikit.method.risk import evaluate

    with _open(args) as appraisal, appraisal.snapshot():
        ratings = evaluate(appraisal)
        findings, _ = findings_frames(appraisal, ratings)
    written = render_all(ratings, findings, args.output, formats=args.format or ("png", "svg"), profile=True)
    for paths in written.values():
        print("\n".join(str(p) for p in paths))


def cmd_questionnaire(args: argparse.Namespace) -> None:
    from cmmikit.imports.questionnaire import write_questionnaire

    with _open(args) as appraisal, appraisal.snapshot():
        path = write_questionnaire(appraisal, args.instance, args.output)
    print(f"questionnaire for {args.instance} written to {path}")


def cmd_import_questionnaire(args: argparse.Namespace) -> None:
    from cmmikit.errors import ImportProblem
    from cmmikit.imports.questionnaire import import_questionnaire, suggested_characterizations

    with _open(args) as appraisal:
        try:
            answers = import_questionnaire(appraisal, args.workbook, instance=args.instance)
        except ImportProblem as exc:
            if len(exc.problems) > 1:  # the error line shows the first few; list them all
                print("\n".join(f"  {problem}" for problem in exc.problems), file=sys.stderr)
            raise
        suggestions = suggested_characterizations(appraisal)
    mine = suggestions[suggestions["instance"] == answers.instance]
    differ = mine[mine["agrees"] == False]  # noqa: E712 (None means nothing to compare)
    by = f" from {answers.respondent}" if answers.respondent else ""
    print(f"imported {len(answers.responses)} answers{by} for {answers.instance} "
          f"({answers.n_questions} questions in the workbook)")
    print(f"suggested characterizations: {int(mine['suggestion'].notna().sum())} practices, "
          f"{len(differ)} differ from the assessors' (which are unchanged)")


def cmd_import_piid(args: argparse.Namespace) -> None:
    from cmmikit.errors import ImportProblem
    from cmmikit.imports.piid import import_piid

    with _open(args) as appraisal:
        try:
            plan = import_piid(appraisal, args.workbook, mapping=args.mapping, sheet=args.sheet,
                               add_units=args.add_units, dry_run=args.dry_run)
        except ImportProblem as exc:
            if len(exc.problems) > 1:  # the error line shows the first few; list them all
                print("\n".join(f"  {problem}" for problem in exc.problems), file=sys.stderr)
            raise
    print(plan.summary(done=not args.dry_run))
    if args.dry_run:
        print("dry run: nothing was changed")


def cmd_import_xlsx(args: argparse.Namespace) -> None:
    from cmmikit.errors import ImportProblem
    from cmmikit.imports.xlsx_import import import_xlsx

    with _open(args) as appraisal:
        try:
            plan = import_xlsx(appraisal, args.workbook, dry_run=args.dry_run)
        except ImportProblem as exc:
            print("\n".join(f"  {problem}" for problem in exc.problems), file=sys.stderr)
            raise
        print(plan.summary(done=not args.dry_run, user=appraisal.user))
    if args.dry_run:
        print("dry run: nothing was changed")
    if plan.conflicts:
        raise CmmikitError(f"{len(plan.conflicts)} cell(s) not imported: changed in the appraisal since the export "
                           f"(listed above){'' if args.dry_run or not plan.edits else '; the other changes were saved'}")


def cmd_export_json(args: argparse.Namespace) -> None:
    with _open(args) as appraisal:
        if args.output in (None, "-"):
            for piece in appraisal.dump_json():
                sys.stdout.write(piece)
            return
        atomic.check_output(args.output, ".json", "the export")
        with atomic.replacing(args.output) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as out:
            for piece in appraisal.dump_json():
                out.write(piece)
        print(f"exported {appraisal.location.display} to {args.output}")


MAX_JSON_BYTES = 512 * 1024 * 1024


def read_json_document(source: Path) -> object:
    """A JSON file as data, or one line saying why not (size, encoding, syntax, nesting)."""
    try:
        size = source.stat().st_size
        if size > MAX_JSON_BYTES:
            raise CmmikitError(f"{source}: {size / 2**20:.0f} MB is more than an appraisal export can be "
                               f"({MAX_JSON_BYTES // 2**20} MB)")
        raw = source.read_bytes()
    except OSError as exc:
        raise CmmikitError(f"{source}: cannot read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CmmikitError(f"{source}: not UTF-8 text (byte {exc.start}); cmmikit exports are UTF-8 JSON") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CmmikitError(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise CmmikitError(f"{source}: nested too deeply to be an appraisal export") from None


def cmd_import_json(args: argparse.Namespace) -> None:
    from cmmikit.errors import ImportProblem
    from cmmikit.store import Appraisal

    source = Path(args.json_file)
    data = read_json_document(source)
    try:
        appraisal = Appraisal.restore(args.output, data, source=str(source), overwrite=args.force, user=args.user)
    except ImportProblem as exc:
        if len(exc.problems) > 1:  # the error line shows the first few; list them all
            print("\n".join(f"  {problem}" for problem in exc.problems[:200]), file=sys.stderr)
        raise
    with appraisal:
        print(f"imported {source} into {appraisal.location.display}: {appraisal.info().name}")


def cmd_list(args: argparse.Namespace) -> None:
    from cmmikit.store import list_appraisals

    found = list_appraisals(args.url)
    if args.json:
        print(json.dumps(found, indent=2, sort_keys=True))
        return
    if not found:
        print("no appraisals on this server yet (create one with: cmmikit new URL?appraisal=NAME --name ...)")
    for row in found:
        print(f"{row['appraisal']:<24} {row['name']}  ({row['model_id']}, {row['appraisal_type']}, "
              f"last change {row['last_change'] or '-'}; you: {row.get('role') or 'no role'})")


def cmd_history(args: argparse.Namespace) -> None:
    from dataclasses import asdict

    with _open(args) as appraisal:
        changes = appraisal.history(pa=args.pa, practice=args.practice, instance=args.instance, user=args.who,
                                    since=args.since)
    if args.json:
        print(json.dumps([asdict(c) for c in changes], indent=2, ensure_ascii=False))
        return
    for c in changes:
        where = c.key
        change = "created" if c.field == "created" else (
            f"removed ({_clip(c.old)})" if c.field == "removed" else f"{c.field}: {_clip(c.old)} -> {_clip(c.new)}")
        who = c.user if not c.login or c.login == c.user else f"{c.user} (login {c.login})"
        print(f"{c.at.replace('T', ' ')[:16]}  {who:<14} {where}: {change}")
    if not changes:
        print("no changes match")


def _clip(value: str | None, limit: int = 60) -> str:
    if value is None or value == "":
        return "(blank)"
    text = value.replace("\n", " ")
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def cmd_model(args: argparse.Namespace) -> None:
    from cmmikit.model import load_model

    model = load_model(args.model, args.target_level)
    print(f"{model.name} {model.version} ({model.id}) from {model.source}")
    if len(model.levels) > 1:
        print(f"  target maturity level {model.target_maturity_level} (levels offered: "
              f"{', '.join(map(str, model.levels))})")
    for pa in model.process_areas.values():
        sps = sum(not p.generic for p in pa.practices)
        print(f"  {pa.id:<5} {pa.name:<40} {len(pa.goals)} goals, {sps} specific + "
              f"{len(pa.practices) - sps} generic practices")
    if model.pending:
        print(f"  not shipped yet (titles not checked in two renderings): {', '.join(model.pending)}")


def cmd_notebooks(args: argparse.Namespace) -> None:
    import shlex

    from cmmikit.workbench import write_notebooks

    for copied in write_notebooks(args.folder, force=args.force):
        print(f"{copied.status:<9} {copied.path}")
    folder = shlex.quote(str(args.folder))
    print(f"\nopen them with:  jupyter lab {folder}\n"
          f"or, as plain screens:  cd {folder} && voila   (started there, Voila reads voila.json, so the "
          "exported files download)\n"
          "they open the sample appraisal: choose your .cmmi file in the appraisal chooser at the top of any "
          "notebook (or set the CMMIKIT_APPRAISAL environment variable)")


def cmd_freeze(args: argparse.Namespace) -> None:
    with _open(args) as appraisal:
        done = appraisal.freeze(args.reason)
    print(f"{appraisal.location.display}: frozen by {done.by} ({done.reason}); every change is refused from now on\n"
          f"content digest sha256:{done.digest}")


def cmd_unfreeze(args: argparse.Namespace) -> None:
    with _open(args) as appraisal:
        lifted = appraisal.unfreeze(args.reason or "")
    print(f"{appraisal.location.display}: reopened (it was frozen by {lifted.by} on {lifted.at[:10]}: "
          f"{lifted.reason}); the change log keeps this")


def cmd_grant(args: argparse.Namespace) -> None:
    pas = None if args.pa is None else [p for p in args.pa.split(",") if p.strip()]
    with _open(args) as appraisal:
        done = appraisal.grant(args.login, args.role, pas)
        print(f"{appraisal.location.display}: {done.describe()}; {_enforcement(appraisal)}")


def cmd_revoke(args: argparse.Namespace) -> None:
    with _open(args) as appraisal:
        done = appraisal.revoke(args.login)
        print(f"{appraisal.location.display}: the role of {done.login} was revoked; {_enforcement(appraisal)}")


def cmd_roles(args: argparse.Namespace) -> None:
    with _open(args) as appraisal:
        team, me = appraisal.team_roles(), appraisal.access
        print(f"{appraisal.location.display}: you are {me.describe()}; {_enforcement(appraisal)}")
    for member in team:
        print(f"  {member.describe():<40} by {member.changed_by or '-'} {member.changed_at[:16].replace('T', ' ')}")
    if not team:
        print("  no roles recorded (cmmikit grant FILE --login NAME --role lead|assessor|reader)")


def _enforcement(appraisal) -> str:
    if appraisal.access.enforced:
        return "the database enforces the roles"
    return "recorded only: on a file its permissions are the boundary"


def cmd_report(args: argparse.Namespace) -> None:
    from cmmikit.outputs.report import render_report

    files = render_report(args.file, args.output, baseline_path=args.baseline, title=args.title,
                          report_date=args.date, paper=args.paper, force=args.force)
    print(f"report written to {files.report} (executed notebook: {files.notebook})")


def cmd_findings_deck(args: argparse.Namespace) -> None:
    from cmmikit.outputs.deck import build_findings_deck

    with _open(args) as appraisal:
        deck = build_findings_deck(appraisal, args.output, template=args.template, report_date=args.date)
    print(f"final findings deck written to {deck.path} ({deck.slides} slides)")


def cmd_disclosure(args: argparse.Namespace) -> None:
    from cmmikit.outputs.disclosure import check_usage, output_suffix, write_disclosure

    output_suffix(args.output)
    check_usage(args.usage)
    with _open(args) as appraisal:
        path = write_disclosure(appraisal, args.output, usage=args.usage, issued=args.date, paper=args.paper)
    print(f"appraisal disclosure statement written to {path}")


def cmd_sample(args: argparse.Namespace) -> None:
    from cmmikit.method.planning import check_sample, plan_sample, sample_lines, suggest_sample

    with _open(args) as appraisal:
        plan = plan_sample(appraisal.factors(), appraisal.units())
        if args.suggest:
            appraisal.set_sample(suggest_sample(plan, args.seed))
            plan = plan_sample(appraisal.factors(), appraisal.units())
        problems = check_sample(plan, [i.name for i in appraisal.instances()])
        if args.json:
            print(json.dumps({**plan.as_dict(), "problems": problems}, indent=2, ensure_ascii=False))
            return
        print("\n".join(sample_lines(plan, problems)))


def cmd_factor(args: argparse.Namespace) -> None:
    with _open(args) as appraisal:
        if args.remove:
            appraisal.remove_factor(args.name)
            print(f"removed sampling factor {args.name}")
            return
        appraisal.set_factor(args.name, relevant=args.not_relevant is None, justification=args.not_relevant or "")
        print(f"sampling factor {args.name}: " + ("relevant" if args.not_relevant is None else "not relevant"))


def cmd_unit(args: argparse.Namespace) -> None:
    with _open(args) as appraisal:
        if args.remove:
            appraisal.remove_unit(args.name)
            print(f"removed unit {args.name}")
            return
        values = {}
        for spec in args.value:
            factor, sep, value = spec.partition("=")
            if not sep:
                raise CmmikitError(f"unit: --value {spec!r} must be FACTOR=VALUE")
            values[factor.strip()] = value
        appraisal.set_unit(args.name, kind=args.kind, people=args.people, sampled=args.sampled,
                           description=args.description, values=values)
        print(f"unit {args.name}: saved")


def cmd_request(args: argparse.Namespace) -> None:
    with _open(args) as appraisal:
        if args.id is None:
            missing = [o for o in ("pa", "practice", "instance", "asked") if getattr(args, o) is None]
            if missing:
                raise CmmikitError(f"request: a new request needs {', '.join('--' + m for m in missing)} "
                                   "(or --id N to change one)")
            ident = appraisal.add_request(args.pa, args.practice, args.instance, args.asked, owner=args.owner or "",
                                          due_date=args.due or "")
            print(f"request #{ident} added")
            return
        changes = {k: v for k, v in (("asked", args.asked), ("owner", args.owner), ("due_date", args.due),
                                     ("status", args.status), ("reason", args.reason)) if v is not None}
        if args.artifact is not None:
            changes["artifact_id"] = args.artifact or None
        appraisal.update_request(args.id, **changes)
        print(f"request #{args.id} saved")


def cmd_requests(args: argparse.Namespace) -> None:
    from datetime import date

    from cmmikit.method.collection import request_lines

    with _open(args) as appraisal:
        requests = appraisal.requests(owner=args.owner)
        if args.output:
            from cmmikit.outputs.collection import write_collection_plan

            write_collection_plan(args.output, requests, appraisal.interviews())
            print(f"wrote {args.output}: {len(requests)} request(s), {len(appraisal.interviews())} interview(s)")
            return
        print("\n".join(request_lines(requests, date.today().isoformat())))


def cmd_interview(args: argparse.Namespace) -> None:
    with _open(args) as appraisal:
        pas = [p for p in (args.pa or "").split(",") if p]
        units = [u for u in (args.instance or "").split(",") if u]
        ident = appraisal.add_interview(args.date, starts_at=args.time or "", roles=args.roles or "",
                                        team=args.team or "", pas=pas, instances=units)
        print(f"interview #{ident} scheduled")


def cmd_interviews(args: argparse.Namespace) -> None:
    from cmmikit.method.collection import interview_gaps, interview_lines

    with _open(args) as appraisal:
        scope = [pa for pa, s in appraisal.scopes().items() if s.scope == "in_scope"]
        sessions = appraisal.interviews()
        print("\n".join(interview_lines(sessions, interview_gaps(appraisal.instances(), scope, sessions))))


def cmd_readiness(args: argparse.Namespace) -> None:
    from cmmikit.method.readiness import load_criteria, review_lines

    criteria = load_criteria(args.criteria)
    with _open(args) as appraisal:
        if args.new:
            appraisal.add_review(args.new, [c.id for c in criteria])
        reviews = appraisal.reviews()
        if not reviews:
            print("no readiness review yet (start one with --new YYYY-MM-DD)")
            return
        latest = reviews[-1]
        if args.check is not None:
            if args.met is None:
                raise CmmikitError("readiness: --check CRITERION needs --met or --not-met")
            appraisal.set_check(latest.id, args.check, met=args.met, note=args.note or "")
        elif args.met is not None or args.note is not None:
            raise CmmikitError("readiness: --met, --not-met and --note go with --check CRITERION")
        if args.decide is not None:
            appraisal.decide(latest.id, args.decide, args.rationale or "")
        elif args.rationale is not None:
            raise CmmikitError("readiness: --rationale goes with --decide DECISION")
        print("\n".join(review_lines(appraisal.reviews()[-1], criteria)))


def cmd_validate(args: argparse.Namespace) -> None:
    from cmmikit.method.readiness import validation_lines

    with _open(args) as appraisal:
        if args.finding is not None:
            if args.outcome is None:
                raise CmmikitError("validate: say --validated or --revised (with --comment)")
            appraisal.validate_finding(args.finding, args.outcome, comment=args.comment or "", by=args.by)
        elif args.outcome is not None:
            raise CmmikitError("validate: name the finding (validate FILE FINDING_ID --validated)")
        findings = [f for f in appraisal.findings() if f.status == "open"]
        print("\n".join(validation_lines(findings, appraisal.validations())))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cmmikit", description="CMMI-SVC ML2 appraisal workbench. FILE is an "
                                     "appraisal file or a PostgreSQL URL such as postgresql+psycopg://user@host:5432/"
                                     "db?appraisal=NAME.")
    parser.add_argument("--user", default=None, help="who is making the changes (default: $CMMIKIT_USER, "
                        "$JUPYTERHUB_USER, else your login)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parser.add_argument("--version", action="version", version=f"cmmikit {__version__}")

    def command(name: str, func: Callable[[argparse.Namespace], None], help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func)
        return p

    p = command("new", cmd_new, "Create an empty appraisal (a file, or an appraisal on a PostgreSQL server).")
    p.add_argument("file", help="appraisal file or server URL to create (e.g. acme.cmmi, "
                   "postgresql+psycopg://me@db/appraisals?appraisal=acme-2027)")
    p.add_argument("--name", default=None, help="appraisal name (required unless --from; then default: the "
                   "baseline's name + ' follow-up')")
    p.add_argument("--from", dest="baseline", default=None, metavar="BASELINE",
                   help="make a follow-up of this appraisal: its setup, scope, team, evidence and characterizations "
                   "are copied, every characterization marked inherited until re-assessed")
    p.add_argument("--model", default=None, help="model id or folder (default: cmmi-svc-1.3)")
    p.add_argument("--target-level", "--level", dest="target_level", type=int, default=None, metavar="N",
                   help="target maturity level, 2 or 3 (default: 2; with --from: the baseline's); the process "
                   "areas up to it are in the model, and at 3 GG 3 applies to every one of them")
    p.add_argument("--org-unit", default=None, help="organizational unit appraised")
    p.add_argument("--type", default=None, choices=APPRAISAL_TYPES,
                   help="appraisal type (default: SCAMPI A, or the baseline's); its scale follows: FI..NI for SCAMPI A "
                   "and self-appraisals, low/medium/high risk for SCAMPI B, the default or --scale for SCAMPI C")
    p.add_argument("--scale", default=None, metavar="SCALE.yaml",
                   help="SCAMPI C: the team's own characterization scale (see 'cmmikit scale --type \"SCAMPI C\"')")
    p.add_argument("--map", default=None, metavar="OLD=NEW,...",
                   help="with --from and another scale: convert the inherited characterizations, e.g. "
                   "FI=low,LI=low,PI=medium,NI=high,NY= (a blank target clears a value)")
    p.add_argument("--unit", action="append", default=[], metavar="NAME", help="add a basic unit (repeatable)")
    p.add_argument("--support", action="append", default=[], metavar="NAME:PA,PA",
                   help="add a support function and the PAs it performs (repeatable)")
    p.add_argument("--force", action="store_true", help="replace an existing appraisal")

    p = command("set-level", cmd_set_level, "Set the target maturity level (2 or 3); raising it adds the new process "
                "areas to instances sampled for all PAs, lowering it is refused while those PAs hold data.")
    p.add_argument("file")
    p.add_argument("level", type=int, help="the new target maturity level")

    p = command("set-type", cmd_set_type, "Switch the appraisal type (and so the characterization scale); refused "
                "while characterizations use values the new scale lacks, unless --map converts them.")
    p.add_argument("file")
    p.add_argument("--type", required=True, choices=APPRAISAL_TYPES, help="the new appraisal type")
    p.add_argument("--scale", default=None, metavar="SCALE.yaml", help="SCAMPI C: the team's own scale")
    p.add_argument("--map", default=None, metavar="OLD=NEW,...",
                   help="convert every characterization and team decision, e.g. FI=low,LI=low,PI=medium,NI=high "
                   "(NY= clears a value); recorded in the change log")

    p = command("scale", cmd_scale, "Show a characterization scale: an appraisal's, an appraisal type's, or check a "
                "scale file.")
    p.add_argument("file", nargs="?", default=None, help="appraisal file or server URL")
    p.add_argument("--type", default=None, choices=APPRAISAL_TYPES, help="the scale this appraisal type uses")
    p.add_argument("--check", default=None, metavar="SCALE.yaml", help="check a scale file and show it")

    p = command("demo", cmd_demo, "Build the sample appraisal in OUTDIR and print its ratings.")
    p.add_argument("outdir")
    p.add_argument("--force", action="store_true", help="replace an existing OUTDIR/demo.cmmi")
    p.add_argument("--type", default="SCAMPI A", choices=["SCAMPI A", "SCAMPI B"],
                   help="the sample as a SCAMPI A (default) or as a SCAMPI B readiness dry run (risk scale)")
    p.add_argument("--target-level", "--level", dest="target_level", type=int, default=2, choices=[2, 3],
                   help="the sample against maturity level 2 (default) or 3 (the ML3 areas shipped, GG 3 on every area)")

    p = command("rate", cmd_rate, "Print PA and goal ratings and the maturity level verdict (SCAMPI B/C: the risk "
                "summary per goal and the readiness forecast; they give findings, not ratings).")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--reassessed-only", action="store_true",
                   help="a follow-up: count characterizations inherited from the baseline as not characterized")

    p = command("export-xlsx", cmd_export_xlsx, "Write the gap-analysis Excel workbook (summary, charts, PA sheets, "
                "findings, action plan, evidence).")
    p.add_argument("file")
    p.add_argument("-o", "--output", required=True, metavar="OUT.xlsx", help="workbook to write (replaced atomically)")

    p = command("charts", cmd_charts, "Draw the charts (goal heatmap, readiness radar, characterizations, findings "
                "by priority and, for SCAMPI A, the capability profile against the target) as PNG and SVG files.")
    p.add_argument("file")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for the chart files")
    p.add_argument("--format", action="append", choices=["png", "svg"], help="file format (repeatable; default both)")

    p = command("questionnaire", cmd_questionnaire, "Write a blank offline questionnaire workbook for one basic unit "
                "or support function.")
    p.add_argument("file")
    p.add_argument("--instance", required=True, metavar="NAME", help="basic unit or support function")
    p.add_argument("-o", "--output", required=True, metavar="Q.xlsx", help="workbook to write")

    p = command("notebooks", cmd_notebooks, "Write the workbench notebooks into FOLDER, to open with Jupyter.")
    p.add_argument("folder", metavar="FOLDER")
    p.add_argument("--force", action="store_true", help="replace notebooks that differ from this cmmikit's copies "
                   "(your edits to them are lost)")

    p = command("import-questionnaire", cmd_import_questionnaire, "Check a filled questionnaire and store its answers "
                "(all or nothing; every problem is listed by sheet, row and column).")
    p.add_argument("file")
    p.add_argument("workbook", metavar="Q.xlsx")
    p.add_argument("--instance", default=None, metavar="NAME",
                   help="import into this basic unit or support function (default: the one it was made for)")

    p = command("import-piid", cmd_import_piid, "Import a PIID workbook (one row per practice per instance: "
                "artifacts, affirmations, characterization, strengths, weaknesses, notes) into the evidence register "
                "and the practice records, all or nothing; every problem is listed by cell.")
    p.add_argument("file")
    p.add_argument("workbook", metavar="PIID.xlsx")
    p.add_argument("--mapping", default=None, metavar="MAPPING.yaml",
                   help="rename the column headers (columns: {Practice: Practice ID, ...})")
    p.add_argument("--sheet", default=None, metavar="NAME", help="read only this sheet (default: every sheet "
                   "with a header row)")
    p.add_argument("--add-units", action="store_true", help="create basic units the appraisal does not have yet")
    p.add_argument("--dry-run", action="store_true", help="check and print what would change; change nothing")

    p = command("import-xlsx", cmd_import_xlsx, "Bring back a gap workbook (export-xlsx) edited in Excel or "
                "LibreOffice: characterizations, strengths, weaknesses and notes on the PA sheets. Lists the changes "
                "cell by cell; cells changed in the appraisal since the export are refused as conflicts; the rest is "
                "saved in one transaction; a bad value refuses it all.")
    p.add_argument("file")
    p.add_argument("workbook", metavar="GAP.xlsx")
    p.add_argument("--dry-run", action="store_true", help="check and print what would change; change nothing")

    p = command("export-json", cmd_export_json, "Export a whole appraisal as JSON (stable key order).")
    p.add_argument("file")
    p.add_argument("-o", "--output", default=None, help="output file (default: standard output)")

    p = command("import-json", cmd_import_json, "Create an appraisal file from a JSON export.")
    p.add_argument("json_file")
    p.add_argument("-o", "--output", required=True, help="appraisal file to create")
    p.add_argument("--force", action="store_true", help="replace an existing file")

    p = command("list", cmd_list, "List the appraisals on a PostgreSQL server.")
    p.add_argument("url", help="postgresql+psycopg://user@host:5432/dbname")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")

    p = command("history", cmd_history, "Print the change log: who changed what, when, from what to what.")
    p.add_argument("file")
    p.add_argument("--pa", default=None, help="only this process area")
    p.add_argument("--practice", default=None, metavar="ID", help="only this practice (e.g. 'SP 1.1')")
    p.add_argument("--instance", default=None, metavar="NAME", help="only this basic unit or support function")
    p.add_argument("--user", dest="who", default=None, metavar="U", help="only changes made by this user")
    p.add_argument("--since", default=None, metavar="DATE", help="only changes on or after this date (YYYY-MM-DD)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")

    p = command("report", cmd_report, "Run the report notebook and write the report as one HTML or PDF file.")
    p.add_argument("file", help="appraisal file")
    p.add_argument("-o", "--output", required=True, metavar="OUT.html|OUT.pdf",
                   help="report to write; the format follows the extension (the executed notebook goes beside it "
                        "as OUT.html.ipynb or OUT.pdf.ipynb)")
    p.add_argument("--paper", default="a4", type=str.lower, choices=["a4", "letter"], help="PDF paper size (default a4)")
    p.add_argument("--force", action="store_true", help="replace the report and notebook of an earlier run")
    p.add_argument("--baseline", default=None, metavar="OLD", help="an earlier appraisal of the same model to compare with")
    p.add_argument("--title", default=None, help="report title (default: the appraisal name)")
    p.add_argument("--date", default=None, metavar="YYYY-MM-DD", help="report date (default: today)")

    p = command("findings-deck", cmd_findings_deck, "Write the final findings presentation (PowerPoint): overview, "
                "team, scope, definitions, each process area's ratings and findings, the verdict, next steps, sign-off.")
    p.add_argument("file", help="appraisal file")
    p.add_argument("-o", "--output", required=True, metavar="OUT.pptx", help="deck to write (replaced atomically)")
    p.add_argument("--template", default=None, metavar="CORP.pptx",
                   help="corporate template (.pptx or .potx); layouts are taken by name")
    p.add_argument("--date", default=None, metavar="YYYY-MM-DD", help="presentation date (default: today)")

    p = command("disclosure", cmd_disclosure, "Write the Appraisal Disclosure Statement of a SCAMPI A (PDF or HTML): "
                "the organizational unit and its sample, the scope, the ratings, the team, the affirmations to sign.")
    p.add_argument("file", help="appraisal file or server URL")
    p.add_argument("-o", "--output", required=True, metavar="ADS.pdf|ADS.html",
                   help="statement to write; the format follows the extension (replaced atomically)")
    p.add_argument("--usage", default=None, metavar="MODE", help="the appraisal's usage mode: 'internal process "
                   "improvement', 'supplier selection' or 'process monitoring' (default: not stated)")
    p.add_argument("--date", default=None, metavar="YYYY-MM-DD", help="date of issue (default: today)")
    p.add_argument("--paper", default="a4", type=str.lower, choices=["a4", "letter"], help="PDF paper size "
                   "(default a4)")

    p = command("slice", cmd_slice, "Write a file with just some process areas for an assessor working offline "
                "(bring it back with 'merge').")
    p.add_argument("file", help="appraisal file or server URL")
    p.add_argument("--pa", default=None, metavar="PA,PA", help="process areas to slice (default: the assessor's)")
    p.add_argument("--assessor", default=None, metavar="NAME", help="the team member the slice is for")
    p.add_argument("-o", "--output", required=True, metavar="SLICE.cmmi", help="slice file to write (always a file)")
    p.add_argument("--force", action="store_true", help="replace an existing slice file")

    p = command("merge", cmd_merge, "Bring a slice back: changes made on one side only are applied, rows changed on "
                "both sides are listed as conflicts (mine = FILE, theirs = the slice).")
    p.add_argument("file", help="the appraisal the slice was taken from (file or server URL)")
    p.add_argument("slice", metavar="SLICE.cmmi", help="the slice file")
    p.add_argument("--dry-run", action="store_true", help="only show what would change; write nothing")
    p.add_argument("--take", default=None, choices=["mine", "theirs"],
                   help="resolve every conflict: keep FILE's value (mine) or take the slice's (theirs); "
                   "without it conflicts are listed and not applied")

    p = command("freeze", cmd_freeze, "Freeze the appraisal record (e.g. once the final findings are presented): "
                "the database refuses every change from then on; rate, report, workbook and deck show its digest.")
    p.add_argument("file", help="appraisal file or server URL")
    p.add_argument("--reason", required=True, help="why it is frozen (kept with the freeze and in the change log)")

    p = command("unfreeze", cmd_unfreeze, "Reopen a frozen appraisal record (recorded in the change log).")
    p.add_argument("file", help="appraisal file or server URL")
    p.add_argument("--reason", default=None, help="why it is reopened (kept in the change log)")

    p = command("sample", cmd_sample, "Show the sampling factors, the subgroups with their minimum and chosen sample, "
                "and what the sample still lacks.")
    p.add_argument("file", help="appraisal file or server URL")
    p.add_argument("--json", action="store_true", help="print the sampling as JSON")
    p.add_argument("--suggest", action="store_true", help="top every subgroup up to its minimum at random "
                   "(the units already chosen stay) and save that sample")
    p.add_argument("--seed", type=int, default=0, help="with --suggest: the random seed (the same seed, the same "
                   "sample)")

    p = command("factor", cmd_factor, "Add or change a sampling factor (relevant, or not relevant with a reason).")
    p.add_argument("file", help="appraisal file or server URL")
    p.add_argument("name", help="factor name, e.g. location, customer, size, organizational structure, type of work")
    p.add_argument("--not-relevant", default=None, metavar="JUSTIFICATION", help="mark it not relevant, saying why")
    p.add_argument("--remove", action="store_true", help="remove the factor and every unit's value of it")

    p = command("unit", cmd_unit, "Add or change a basic unit or support function of the organizational unit "
                "(its factor values, size and whether it is sampled).")
    p.add_argument("file", help="appraisal file or server URL")
    p.add_argument("name", help="unit name (a sampled unit is expected to be an instance of the same name)")
    p.add_argument("--kind", default=None, choices=["basic_unit", "support_function"], help="default: basic_unit")
    p.add_argument("--people", type=int, default=None, help="number of people in the unit")
    p.add_argument("--value", action="append", default=[], metavar="FACTOR=VALUE",
                   help="the unit's value of a factor (repeatable; FACTOR= clears it)")
    p.add_argument("--sampled", action=argparse.BooleanOptionalAction, default=None,
                   help="put the unit in the sample (or --no-sampled to take it out)")
    p.add_argument("--description", default=None, help="what the unit does")
    p.add_argument("--remove", action="store_true", help="remove the unit from the organizational unit")

    p = command("request", cmd_request, "Add an evidence request for a practice in an instance, or change one "
                "(--id N: its status, owner, due date, answer).")
    p.add_argument("file", help="appraisal file or server URL")
    p.add_argument("--id", type=int, default=None, help="the request to change (default: add a new one)")
    p.add_argument("--pa", default=None, help="process area, e.g. CM")
    p.add_argument("--practice", default=None, help="practice, e.g. 'SP 1.1'")
    p.add_argument("--instance", default=None, help="basic unit or support function")
    p.add_argument("--asked", default=None, help="what is asked of the organization")
    p.add_argument("--owner", default=None, help="who in the organization answers it")
    p.add_argument("--due", default=None, metavar="YYYY-MM-DD", help="by when")
    p.add_argument("--status", default=None, choices=["requested", "received", "reviewed", "rejected"],
                   help="where the request stands (rejected needs --reason)")
    p.add_argument("--reason", default=None, help="why a request was rejected")
    p.add_argument("--artifact", type=int, default=None, metavar="N", help="the register item ART-N that answers it "
                   "(0 clears it)")

    p = command("requests", cmd_requests, "List the evidence requests with counts per PA and the overdue ones, or "
                "write the data collection plan (requests and interviews) to a workbook.")
    p.add_argument("file", help="appraisal file or server URL")
    p.add_argument("--owner", default=None, help="only this owner's requests")
    p.add_argument("-o", "--output", default=None, metavar="PLAN.xlsx", help="write a workbook instead of printing")

    p = command("interview", cmd_interview, "Schedule an interview session: roles interviewed (never names), the "
                "PAs and instances it covers.")
    p.add_argument("file", help="appraisal file or server URL")
    p.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="day of the session")
    p.add_argument("--time", default=None, metavar="HH:MM", help="start time")
    p.add_argument("--roles", default=None, help="roles interviewed, e.g. 'service desk agents'")
    p.add_argument("--pa", required=True, metavar="PA,PA", help="process areas covered")
    p.add_argument("--instance", default=None, metavar="NAME,NAME", help="instances covered")
    p.add_argument("--team", default=None, help="team members present")

    p = command("interviews", cmd_interviews, "List the interview schedule and the sampled PA / instance pairs no "
                "session covers yet.")
    p.add_argument("file", help="appraisal file or server URL")

    p = command("readiness", cmd_readiness, "Show the latest readiness review (each criterion met or not, the "
                "decision: go or no-go); start one, judge a criterion or record the decision.")
    p.add_argument("file", help="appraisal file or server URL")
    p.add_argument("--new", default=None, metavar="YYYY-MM-DD", help="start a review on this date")
    p.add_argument("--check", default=None, metavar="CRITERION", help="the criterion id to judge")
    p.add_argument("--met", action=argparse.BooleanOptionalAction, default=None,
                   help="with --check: met (or --no-met for not met)")
    p.add_argument("--not-met", dest="met", action="store_false", help="with --check: not met")
    p.add_argument("--note", default=None, help="with --check: what the team saw")
    p.add_argument("--decide", default=None, choices=["continue", "replan", "reschedule", "cancel"],
                   help="record the decision (needs --rationale)")
    p.add_argument("--rationale", default=None, help="why the team decided so")
    p.add_argument("--criteria", default=None, metavar="CRITERIA.yaml", help="the team's own criteria (default: "
                   "cmmikit/data/readiness.yaml)")

    p = command("validate", cmd_validate, "List the open findings with their preliminary findings validation, or "
                "record one: validated, or revised with a comment.")
    p.add_argument("file", help="appraisal file or server URL")
    p.add_argument("finding", nargs="?", type=int, default=None, help="the finding's id")
    p.add_argument("--validated", dest="outcome", action="store_const", const="validated", default=None,
                   help="the participants confirmed it")
    p.add_argument("--revised", dest="outcome", action="store_const", const="revised",
                   help="the team revised it after the session (needs --comment)")
    p.add_argument("--comment", default=None, help="what changed, or what the participants said")
    p.add_argument("--by", default=None, help="who validated it, e.g. a session (default: --user)")

    p = command("grant", cmd_grant, "Give a login a role on the appraisal (lead only): lead, assessor of some process "
                "areas, or reader. On PostgreSQL the database enforces it (GRANTs and row-level security); on a "
                "file it is recorded and shown.")
    p.add_argument("file", help="appraisal file or server URL")
    p.add_argument("--login", required=True, help="the database login (on a file: the person's login name)")
    p.add_argument("--role", required=True, choices=["lead", "assessor", "reader"], help="what the login may do")
    p.add_argument("--pa", default=None, metavar="PA,PA", help="an assessor's process areas (default: those "
                   "assigned to the team member of that name)")

    p = command("revoke", cmd_revoke, "Take a login's role away (lead only); recorded in the change log.")
    p.add_argument("file", help="appraisal file or server URL")
    p.add_argument("--login", required=True, help="the login whose role is revoked")

    p = command("roles", cmd_roles, "Show the team's roles on the appraisal and your own.")
    p.add_argument("file", help="appraisal file or server URL")

    p = command("model", cmd_model, "Validate a model folder and list its process areas.")
    p.add_argument("model", nargs="?", default=None, help="model id or folder (default: cmmi-svc-1.3)")
    p.add_argument("--target-level", "--level", dest="target_level", type=int, default=None, metavar="N",
                   help="list the model at this target maturity level (e.g. 3: the ML3 areas and GG 3 too)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except CmmikitError as exc:
        print(f"cmmikit: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # the reader stopped early (e.g. `| head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except OSError as exc:
        print(f"cmmikit: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
