"""Run the appraisal report: execute ``notebooks/report.ipynb`` with papermill, render HTML or PDF without code.

:func:`render_report` is a straight pipeline of small steps: check the inputs and the output
names, execute the parameterized notebook in a private work folder beside the output, strip the
volatile metadata from the executed copy (kept beside the report so a run can be audited),
export it through the ``templates/report`` nbconvert template (outputs only, no scripts, charts
inline), print it to PDF with WeasyPrint when the output ends in ``.pdf``, and move both files
into place.  Rerunning on unchanged data with the same ``report_date`` writes the same HTML.

Outputs are complete or absent: the kernel, its sockets and temporary copies live in the work
folder (see :mod:`cmmikit.staging`), so a killed run leaves nothing half-written, and the next
run removes what it left.  The report never writes over its inputs, the report template or a
file it did not write; an earlier report is replaced only with ``force=True``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmmikit import atomic, staging
from cmmikit.errors import CmmikitError
from cmmikit.outputs.report_data import check_parameters, default_title
from cmmikit.resources import report_notebook, require, root, templates_dir
from cmmikit.store.location import is_url, parse, password_for_children

if TYPE_CHECKING:
    import nbformat

ROOT = root()  # the source tree, or its copies inside an installed wheel
NOTEBOOK = report_notebook()
TEMPLATES = templates_dir()
TEMPLATE_NAME = "report"
KERNEL = "python3"
REMOVED_TAGS = {"parameters", "injected-parameters", "remove-cell"}
VOLATILE = ("start_time", "end_time", "duration")
FORMATS = {".html": "html", ".htm": "html", ".pdf": "pdf"}
PAPER_SIZES = {"a4": "A4", "letter": "letter"}
GENERATOR = "cmmikit report"        # stamped on every output, so a rerun knows which files are its own
MARKER_KEY = "cmmikit"


class ReportError(CmmikitError):
    """The report could not be produced; the message says where to look."""


@dataclass(frozen=True)
class ReportFiles:
    report: Path
    notebook: Path

    @property
    def html(self) -> Path:
        """The report file (named for the HTML-only versions; it is the PDF when one was asked for)."""
        return self.report


def render_report(appraisal_path: str | os.PathLike, output: str | os.PathLike, *,
                  baseline_path: str | os.PathLike | None = None, title: str | None = None,
                  report_date: str | date | None = None, paper: str = "a4", force: bool = False,
                  kernel_name: str = KERNEL, timeout: int = 600) -> ReportFiles:
    """Write the report of an appraisal to ``output`` (``.html`` or ``.pdf``) and the executed notebook beside it."""
    report_path = Path(output)
    fmt = output_format(report_path)
    if paper.lower() not in PAPER_SIZES:
        raise ReportError(f"paper size must be one of {', '.join(PAPER_SIZES)}, got {paper!r}")
    parameters = check_report_inputs(appraisal_path, baseline_path, title, report_date)
    notebook_path = executed_notebook_path(report_path)
    protected = [Path(p) for p in (parameters["appraisal_path"], parameters["baseline_path"]) if p and not is_url(p)]
    check_targets([report_path, notebook_path], protected + template_files(), force=force)
    with staging.work_folder(report_path.parent, "report") as work:
        staged_notebook, staged_report = work / notebook_path.name, work / report_path.name
        try:
            with password_for_children(appraisal_path, baseline_path):
                nb = execute_report_notebook(parameters, staged_notebook, kernel_name=kernel_name, timeout=timeout)
        except ReportError as exc:
            if not staged_notebook.exists():
                raise
            keep_executed_notebook(_read_notebook(staged_notebook), notebook_path, staged_notebook)
            raise ReportError(f"{exc} (executed notebook: {notebook_path})") from None
        keep_executed_notebook(nb, notebook_path, staged_notebook, move=False)
        page = export_html(nb, title=parameters["title"])
        if fmt == "pdf":
            write_pdf(page, staged_report, paper=paper)
        else:
            staged_report.write_text(page, encoding="utf-8", newline="\n")
        os.replace(staged_notebook, notebook_path)
        os.replace(staged_report, report_path)
    return ReportFiles(report=report_path, notebook=notebook_path)


def executed_notebook_path(report_path: Path) -> Path:
    """Where the executed notebook of a report goes: ``report.html`` -> ``report.html.ipynb`` (HTML and PDF apart)."""
    return report_path.with_name(report_path.name + ".ipynb")


def output_format(path: Path) -> str:
    """``html`` or ``pdf`` from the output's extension."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ReportError(f"{path}: name the report *.html or *.pdf (the format follows the extension)")
    if path.is_dir():
        raise ReportError(f"{path}: is a folder; give the report's file name")
    return fmt


def check_report_inputs(appraisal_path: Any, baseline_path: Any, title: Any, report_date: Any) -> dict[str, Any]:
    """Validate the parameters and open the files before starting a kernel, so errors are one clear line."""
    from cmmikit.method.compare import check_same_model
    from cmmikit.store import Appraisal

    params = check_parameters({"appraisal_path": appraisal_path, "baseline_path": baseline_path, "title": title,
                               "report_date": report_date})
    if params["appraisal_path"] is None:
        raise ReportError("give the appraisal file to report on")
    for needed in (NOTEBOOK, TEMPLATES / TEMPLATE_NAME / "index.html.j2"):
        require(needed)
    with Appraisal.open(params["appraisal_path"]) as current:
        if params["title"] is None:
            params["title"] = default_title(current.info().name)
        if params["baseline_path"] is not None:
            with Appraisal.open(params["baseline_path"]) as baseline:
                check_same_model(baseline, current)
    for key in ("appraisal_path", "baseline_path"):   # the kernel gets no password (password_for_children)
        if params[key] is not None:
            params[key] = kernel_address(params[key])
    params["report_date"] = (params["report_date"] or date.today()).isoformat()
    return params


def kernel_address(location: str | os.PathLike) -> str:
    """What the report notebook is given: an absolute file path, or the server URL without its password."""
    where = parse(location)
    return str(where.path.resolve()) if where.path is not None else where.shareable


# ------------------------------------------------------------------ which files may be written


def template_files() -> list[Path]:
    """The report's own sources: the notebook and every file of the nbconvert template."""
    return [NOTEBOOK, *(p for p in (TEMPLATES / TEMPLATE_NAME).rglob("*") if p.is_file())]


def check_targets(targets: list[Path], protected: list[Path], *, force: bool) -> None:
    """Refuse to write over an input or template, a file this command did not write, or (without force) a report."""
    for target in targets:
        atomic.check_writable(target)   # "read-only: ..." before a kernel starts
        if any(_same_file(target, p) for p in protected):
            role = "the report template" if any(_same_file(target, p) for p in template_files()) else "an input"
            raise ReportError(f"{target}: is {role}; the report never writes over it: choose another output name")
        if not target.exists():
            continue
        if not target.is_file() or not is_report_output(target):
            raise ReportError(f"{target}: exists and was not written by cmmikit report; move it away or choose "
                              "another output name")
        if not force:
            raise ReportError(f"{target}: exists (an earlier report); pass --force to replace it")


def is_report_output(path: Path) -> bool:
    """Whether ``path`` is a report or executed report notebook written by this command (it carries the stamp)."""
    try:
        if path.suffix.lower() == ".ipynb":
            meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
            return isinstance(meta, dict) and meta.get(MARKER_KEY, {}).get("generator") == GENERATOR
        data = path.read_bytes()
    except (OSError, ValueError, AttributeError):
        return False
    if path.suffix.lower() == ".pdf":
        return f"/ID [({GENERATOR} ".encode() in data[-8192:]
    stamp = f'content="{GENERATOR}"'.encode()
    return any(stamp in tag for tag in re.findall(rb"<meta [^>]*generator[^>]*>", data[:4096]))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


# ------------------------------------------------------------------ executing and exporting


def execute_report_notebook(parameters: dict[str, Any], output: Path, *, kernel_name: str = KERNEL,
                            timeout: int = 600) -> "nbformat.NotebookNode":
    """Execute the report notebook with papermill in ``output``'s folder (sockets and temp files stay there)."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from traitlets.config import Config

    config = Config()
    if os.name == "posix":  # local sockets: nothing on TCP, and no "unencrypted TCP" warning from the kernel
        config.KernelManager.transport = "ipc"
    try:
        with _kernel_temp_dir(output.parent):
            return papermill.execute_notebook(
                str(NOTEBOOK), str(output), parameters=parameters, kernel_name=kernel_name, progress_bar=False,
                log_output=False, request_save_on_cell_execute=False, cwd=str(output.parent),
                execution_timeout=timeout, store_widget_state=False, record_timing=False, config=config)
    except PapermillExecutionError as exc:
        raise ReportError(f"the report notebook failed in cell In [{exc.exec_count}]: {exc.ename}: {exc.evalue}") \
            from None
    except nbformat.ValidationError as exc:  # pragma: no cover - the shipped notebook is valid
        raise ReportError(f"{NOTEBOOK}: not a valid notebook: {exc.message}") from None


@contextmanager
def _kernel_temp_dir(folder: Path) -> Iterator[None]:
    """Start the kernel with TMPDIR in the work folder, so its temporary copies go when the folder goes.

    papermill already changes the process's working directory for the run; the environment is
    restored the same way afterwards.
    """
    tempfile.gettempdir()  # fixes this process's own temp folder first (Python caches it on first use)
    old = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(folder)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = old


def keep_executed_notebook(nb: "nbformat.NotebookNode", final: Path, staged: Path, *, move: bool = True) -> None:
    """Strip volatile metadata, stamp the notebook as a report output and write it (moved onto ``final``)."""
    strip_volatile_metadata(nb)
    record = nb.metadata.setdefault("papermill", {})
    record["input_path"], record["output_path"] = str(NOTEBOOK), str(final.resolve())
    nb.metadata[MARKER_KEY] = {"generator": GENERATOR}
    staged.write_text(_notebook_text(nb), encoding="utf-8", newline="\n")
    if move:
        os.replace(staged, final)


def strip_volatile_metadata(nb: "nbformat.NotebookNode") -> None:
    """Drop run times and random ids papermill adds, so reruns on the same data give the same files."""
    for holder in [nb.metadata, *(cell.metadata for cell in nb.cells)]:
        record = holder.get("papermill", {})
        for key in VOLATILE:
            record.pop(key, None)
        holder.pop("execution", None)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"


def export_html(nb: "nbformat.NotebookNode", *, title: str) -> str:
    """The executed notebook as HTML: outputs only, stderr dropped, through ``templates/report``."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import Preprocessor
    from traitlets.config import Config

    class DropStderr(Preprocessor):
        """Warnings printed by libraries belong in the executed notebook, not in the report."""

        def preprocess_cell(self, cell, resources, index):  # type: ignore[no-untyped-def]
            if cell.cell_type == "code":
                cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
            return cell, resources

    config = Config()
    config.TemplateExporter.exclude_input = True
    config.TemplateExporter.exclude_input_prompt = True
    config.TemplateExporter.exclude_output_prompt = True
    config.HTMLExporter.exclude_anchor_links = True
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = REMOVED_TAGS
    exporter = HTMLExporter(config=config, template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATES)])
    exporter.register_preprocessor(DropStderr(), enabled=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}, "generator": GENERATOR})
    return body


def write_pdf(page: str, path: Path, *, paper: str = "a4") -> Path:
    """Print the report's HTML to PDF with WeasyPrint on A4 or Letter paper."""
    try:
        from weasyprint import CSS, HTML
    except (ImportError, OSError) as exc:
        raise ReportError("PDF output needs WeasyPrint and Pango: pip install 'cmmikit[pdf]' and, on Debian, "
                          f"apt-get install libpango-1.0-0 libpangoft2-1.0-0 ({exc})") from None
    size = CSS(string=f"@page {{ size: {PAPER_SIZES[paper.lower()]}; }}")
    # the file identifier names the generator (the metadata is compressed; this stays readable) and the content
    identifier = f"{GENERATOR} {hashlib.sha256(page.encode()).hexdigest()[:32]}".encode()
    HTML(string=page, base_url=str(path.parent)).write_pdf(path, stylesheets=[size], pdf_identifier=identifier)
    return path


def _read_notebook(path: Path) -> "nbformat.NotebookNode":
    import nbformat

    return nbformat.read(path, as_version=4)


def _notebook_text(nb: "nbformat.NotebookNode") -> str:
    import nbformat

    return nbformat.writes(nb) + "\n"
