"""Run the appraisal report: execute ``notebooks/report.ipynb`` with papermill, render HTML without code.

:func:`render_report` is a straight pipeline of small steps: check the inputs, execute the
parameterized notebook, strip the volatile metadata from the executed copy (kept beside the
HTML so a run can be audited), export it through the ``templates/report`` nbconvert template
(outputs only, no CDN scripts, charts inline) and write the HTML atomically.  Rerunning on
unchanged data with the same ``report_date`` writes the same bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmmikit import atomic
from cmmikit.errors import CmmikitError
from cmmikit.report_data import check_parameters, default_title
from cmmikit.resources import report_notebook, require, root, templates_dir

if TYPE_CHECKING:
    import nbformat

ROOT = root()  # the source tree, or its copies inside an installed wheel
NOTEBOOK = report_notebook()
TEMPLATES = templates_dir()
TEMPLATE_NAME = "report"
KERNEL = "python3"
REMOVED_TAGS = {"parameters", "injected-parameters", "remove-cell"}
VOLATILE = ("start_time", "end_time", "duration")


class ReportError(CmmikitError):
    """The report could not be produced; the message says where to look."""


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    notebook: Path


def render_report(appraisal_path: str | os.PathLike, output: str | os.PathLike, *,
                  baseline_path: str | os.PathLike | None = None, title: str | None = None,
                  report_date: str | date | None = None, kernel_name: str = KERNEL,
                  timeout: int = 600) -> ReportFiles:
    """Write the report of an appraisal to ``output`` (HTML) and the executed notebook beside it."""
    html_path = Path(output)
    if html_path.suffix.lower() not in (".html", ".htm"):
        raise ReportError(f"{html_path}: the report is written as HTML; name it *.html")
    parameters = check_report_inputs(appraisal_path, baseline_path, title, report_date)
    notebook_path = html_path.with_suffix(".ipynb")
    html_path.parent.mkdir(parents=True, exist_ok=True)
    nb = execute_report_notebook(parameters, notebook_path, kernel_name=kernel_name, timeout=timeout)
    strip_volatile_metadata(nb)
    atomic.write_text(notebook_path, _notebook_text(nb))
    atomic.write_text(html_path, export_html(nb, title=parameters["title"]))
    return ReportFiles(html=html_path, notebook=notebook_path)


def check_report_inputs(appraisal_path: Any, baseline_path: Any, title: Any, report_date: Any) -> dict[str, Any]:
    """Validate the parameters and open the files before starting a kernel, so errors are one clear line."""
    from cmmikit.compare import check_same_model
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
    params["appraisal_path"] = str(Path(params["appraisal_path"]).resolve())
    if params["baseline_path"] is not None:
        params["baseline_path"] = str(Path(params["baseline_path"]).resolve())
    params["report_date"] = (params["report_date"] or date.today()).isoformat()
    return params


def execute_report_notebook(parameters: dict[str, Any], output: Path, *, kernel_name: str = KERNEL,
                            timeout: int = 600) -> "nbformat.NotebookNode":
    """Execute the report notebook with papermill (no widget state, no timing records); returns it."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from traitlets.config import Config

    config = Config()
    if os.name == "posix":  # local sockets: nothing on TCP, and no "unencrypted TCP" warning from the kernel
        config.KernelManager.transport = "ipc"
    try:
        return papermill.execute_notebook(
            str(NOTEBOOK), str(output), parameters=parameters, kernel_name=kernel_name, progress_bar=False,
            log_output=False, request_save_on_cell_execute=False, cwd=str(output.parent),
            execution_timeout=timeout, store_widget_state=False, record_timing=False, config=config)
    except PapermillExecutionError as exc:
        raise ReportError(f"the report notebook failed in cell In [{exc.exec_count}]: {exc.ename}: {exc.evalue} "
                          f"(executed notebook: {output})") from None
    except nbformat.ValidationError as exc:  # pragma: no cover - the shipped notebook is valid
        raise ReportError(f"{NOTEBOOK}: not a valid notebook: {exc.message}") from None


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
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = REMOVED_TAGS
    exporter = HTMLExporter(config=config, template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATES)])
    exporter.register_preprocessor(DropStderr(), enabled=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


def _notebook_text(nb: "nbformat.NotebookNode") -> str:
    import nbformat

    return nbformat.writes(nb) + "\n"
