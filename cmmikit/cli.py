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


def cmd_new(args: argparse.Namespace) -> None:
    from cmmikit.store import Appraisal

    with Appraisal.create(args.file, name=args.name, model=args.model, overwrite=args.force,
                          org_unit=args.org_unit, appraisal_type=args.type) as appraisal:
        for unit in args.unit:
            appraisal.add_instance(unit, "basic_unit")
        for spec in args.support:
            name, _, pas = spec.partition(":")
            appraisal.add_instance(name, "support_function", pas=[p for p in pas.split(",") if p] or None)
        print(f"created {args.file}: {appraisal.info().name} ({appraisal.model.name} {appraisal.model.version}, "
              f"{len(appraisal.model.pa_ids)} process areas, {len(appraisal.instances())} instances)")


def cmd_demo(args: argparse.Namespace) -> None:
    from cmmikit.demo import build_demo
    from cmmikit.rating import rate

    path = Path(args.outdir) / "demo.cmmi"
    with build_demo(path, overwrite=args.force) as appraisal:
        print(f"sample appraisal written to {path}\n")
        print(rate(appraisal).summary())


def cmd_rate(args: argparse.Namespace) -> None:
    from cmmikit.rating import rate
    from cmmikit.store import Appraisal

    with Appraisal.open(args.file) as appraisal:
        ratings = rate(appraisal)
    if args.json:
        print(json.dumps({"maturity": {"level": ratings.maturity.level, "verdict": ratings.maturity.verdict,
                                       "formal": ratings.maturity.formal, "reasons": list(ratings.maturity.reasons)},
                          "process_areas": ratings.pas[["pa", "rating", "capability_level"]].to_dict("records"),
                          "goals": ratings.goals[["pa", "goal", "rating", "reason"]].to_dict("records")},
                         indent=2, sort_keys=True))
    else:
        print(ratings.summary())


def cmd_export_xlsx(args: argparse.Namespace) -> None:
    from cmmikit.excel import write_gap_workbook
    from cmmikit.store import Appraisal

    with Appraisal.open(args.file) as appraisal:
        path = write_gap_workbook(appraisal, args.output)
    print(f"gap-analysis workbook written to {path}")


def cmd_charts(args: argparse.Namespace) -> None:
    from cmmikit.charts import render_all
    from cmmikit.excel import findings_frames
    from cmmikit.rating import rate
    from cmmikit.store import Appraisal

    with Appraisal.open(args.file) as appraisal:
        ratings = rate(appraisal)
        findings, _ = findings_frames(appraisal, ratings)
    written = render_all(ratings, findings, args.output, formats=args.format or ("png", "svg"))
    for paths in written.values():
        print("\n".join(str(p) for p in paths))


def cmd_questionnaire(args: argparse.Namespace) -> None:
    from cmmikit.questionnaire import write_questionnaire
    from cmmikit.store import Appraisal

    with Appraisal.open(args.file) as appraisal:
        path = write_questionnaire(appraisal, args.instance, args.output)
    print(f"questionnaire for {args.instance} written to {path}")


def cmd_import_questionnaire(args: argparse.Namespace) -> None:
    from cmmikit.errors import ImportProblem
    from cmmikit.questionnaire import import_questionnaire, suggested_characterizations
    from cmmikit.store import Appraisal

    with Appraisal.open(args.file) as appraisal:
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


def cmd_export_json(args: argparse.Namespace) -> None:
    from cmmikit.store import Appraisal

    with Appraisal.open(args.file) as appraisal:
        text = json.dumps(appraisal.dump(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        atomic.write_text(args.output, text)
        print(f"exported {args.file} to {args.output}")


def cmd_import_json(args: argparse.Namespace) -> None:
    from cmmikit.store import Appraisal

    source = Path(args.json_file)
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CmmikitError(f"{source}: cannot read ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise CmmikitError(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    with Appraisal.restore(args.output, data, source=str(source), overwrite=args.force) as appraisal:
        print(f"imported {source} into {args.output}: {appraisal.info().name}")


def cmd_model(args: argparse.Namespace) -> None:
    from cmmikit.model import load_model

    model = load_model(args.model)
    print(f"{model.name} {model.version} ({model.id}) from {model.source}")
    for pa in model.process_areas.values():
        sps = sum(not p.generic for p in pa.practices)
        print(f"  {pa.id:<5} {pa.name:<40} {len(pa.goals)} goals, {sps} specific + "
              f"{len(pa.practices) - sps} generic practices")


def cmd_notebooks(args: argparse.Namespace) -> None:
    import shlex

    from cmmikit.workbench import write_notebooks

    for copied in write_notebooks(args.folder, force=args.force):
        print(f"{copied.status:<9} {copied.path}")
    print(f"\nopen them with:  jupyter lab {shlex.quote(str(args.folder))}\n"
          "they show the sample appraisal until you set appraisal_path in a notebook's first cell "
          "(or the CMMIKIT_APPRAISAL environment variable) to your .cmmi file")


def cmd_report(args: argparse.Namespace) -> None:
    from cmmikit.report import render_report

    files = render_report(args.file, args.output, baseline_path=args.baseline, title=args.title,
                          report_date=args.date)
    print(f"report written to {files.html} (executed notebook: {files.notebook})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cmmikit", description="CMMI-SVC ML2 appraisal workbench.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parser.add_argument("--version", action="version", version=f"cmmikit {__version__}")

    def command(name: str, func: Callable[[argparse.Namespace], None], help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func)
        return p

    p = command("new", cmd_new, "Create an empty appraisal file.")
    p.add_argument("file", help="appraisal file to create (e.g. acme.cmmi)")
    p.add_argument("--name", required=True, help="appraisal name")
    p.add_argument("--model", default=None, help="model id or folder (default: cmmi-svc-1.3)")
    p.add_argument("--org-unit", default="", help="organizational unit appraised")
    p.add_argument("--type", default="SCAMPI A", choices=["SCAMPI A", "SCAMPI B", "SCAMPI C", "Self-appraisal"])
    p.add_argument("--unit", action="append", default=[], metavar="NAME", help="add a basic unit (repeatable)")
    p.add_argument("--support", action="append", default=[], metavar="NAME:PA,PA",
                   help="add a support function and the PAs it performs (repeatable)")
    p.add_argument("--force", action="store_true", help="replace an existing file")

    p = command("demo", cmd_demo, "Build the sample appraisal in OUTDIR and print its ratings.")
    p.add_argument("outdir")
    p.add_argument("--force", action="store_true", help="replace an existing OUTDIR/demo.cmmi")

    p = command("rate", cmd_rate, "Print PA and goal ratings and the maturity level verdict.")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")

    p = command("export-xlsx", cmd_export_xlsx, "Write the gap-analysis Excel workbook (summary, charts, PA sheets, "
                "findings, action plan, evidence).")
    p.add_argument("file")
    p.add_argument("-o", "--output", required=True, metavar="OUT.xlsx", help="workbook to write (replaced atomically)")

    p = command("charts", cmd_charts, "Draw the charts (goal heatmap, readiness radar, characterizations, findings "
                "by priority) as PNG and SVG files.")
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

    p = command("export-json", cmd_export_json, "Export a whole appraisal as JSON (stable key order).")
    p.add_argument("file")
    p.add_argument("-o", "--output", default=None, help="output file (default: standard output)")

    p = command("import-json", cmd_import_json, "Create an appraisal file from a JSON export.")
    p.add_argument("json_file")
    p.add_argument("-o", "--output", required=True, help="appraisal file to create")
    p.add_argument("--force", action="store_true", help="replace an existing file")

    p = command("report", cmd_report, "Run the report notebook and write the report as one HTML file.")
    p.add_argument("file", help="appraisal file")
    p.add_argument("-o", "--output", required=True, help="HTML file to write (the executed notebook goes beside it)")
    p.add_argument("--baseline", default=None, metavar="OLD", help="an earlier appraisal of the same model to compare with")
    p.add_argument("--title", default=None, help="report title (default: the appraisal name)")
    p.add_argument("--date", default=None, metavar="YYYY-MM-DD", help="report date (default: today)")

    p = command("model", cmd_model, "Validate a model folder and list its process areas.")
    p.add_argument("model", nargs="?", default=None, help="model id or folder (default: cmmi-svc-1.3)")
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
