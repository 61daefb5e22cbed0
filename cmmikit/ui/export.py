"""The export screen (04_export): the deliverables of an appraisal, on a button, into a folder beside the notebooks.

"Export" brings the findings in step with the weaknesses, then writes each chosen
deliverable into ``exports/<appraisal>-<date>/`` under the notebook folder (the
same folder again on the same day: files are replaced) and shows download links
and the charts.  Links are relative to the notebook folder and carry the
``download`` attribute: JupyterLab turns them into its ``files/`` URLs, Voila
serves them from its file allowlist (``notebooks/voila.json``).

Under Voila serving a folder (pages at ``voila/render/<notebook>``) the links point
at ``voila/files/<folder>/...`` instead, which is where Voila serves files from.

Deliverables are a list (:data:`DELIVERABLES`); :func:`deliverables` adds the
ones whose modules are present (the findings deck, the PDF report).
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import ipywidgets as w
from IPython.display import HTML

from cmmikit.method import findings as F
from cmmikit.errors import CmmikitError
from cmmikit.method.rating import Ratings
from cmmikit.method.risk import Assessment, evaluate
from cmmikit.store import Appraisal
from cmmikit.ui.common import StatusLine, View, button, esc
from cmmikit.ui.workbench import slug

EXPORTS = "exports"


@dataclass
class ExportJob:
    """What every deliverable writer gets: the appraisal, its results (SCAMPI A ratings, or a SCAMPI B/C
    assessment) and ranked findings, the target folder."""

    appraisal: Appraisal
    ratings: "Ratings | Assessment"
    findings: Any       # pandas DataFrame (findings_frame)
    folder: Path


@dataclass(frozen=True)
class Deliverable:
    key: str
    label: str
    write: Callable[[ExportJob], list[Path]]
    note: str = ""
    default: bool = True


def _workbook(job: ExportJob) -> list[Path]:
    from cmmikit.outputs.excel import write_gap_workbook

    return [write_gap_workbook(job.appraisal, job.folder / "gap-analysis.xlsx", ratings=job.ratings,
                               findings=job.findings)]


def _charts(job: ExportJob) -> list[Path]:
    from cmmikit.outputs.charts import render_all

    written = render_all(job.ratings, job.findings, job.folder / "charts")
    return [path for files in written.values() for path in files]


def _report(job: ExportJob, name: str = "report.html") -> list[Path]:
    from cmmikit.outputs.report import render_report

    report = render_report(job.appraisal.address, job.folder / name, force=True)  # same day: replace it
    return [report.report, report.notebook]


def _report_pdf(job: ExportJob) -> list[Path]:
    return _report(job, "report.pdf")


def _deck(job: ExportJob) -> list[Path]:
    from cmmikit.outputs.deck import write_findings_deck

    return [Path(write_findings_deck(job.appraisal, job.folder / "final-findings.pptx"))]


DELIVERABLES = [
    Deliverable("workbook", "gap-analysis workbook (Excel)", _workbook),
    Deliverable("charts", "charts (PNG and SVG)", _charts),
    Deliverable("report", "report (HTML, with the executed notebook)", _report, note="about 20 seconds"),
    Deliverable("report_pdf", "report (PDF, A4)", _report_pdf, note="about 30 seconds"),
    Deliverable("deck", "final-findings deck (PowerPoint)", _deck),
]


def deliverables() -> list[Deliverable]:
    """The deliverables the export screen offers."""
    return list(DELIVERABLES)


def export_folder(base: Path, appraisal: Appraisal, day: date | None = None) -> Path:
    """``<base>/exports/<appraisal name>-<date>``."""
    return Path(base) / EXPORTS / f"{slug(appraisal.info().name)}-{(day or date.today()).isoformat()}"


def size_text(n: int) -> str:
    for unit in ("bytes", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return ""  # pragma: no cover


def link_prefix(environ: dict[str, str] | None = None) -> str:
    """What goes before a path relative to the notebook folder in a link: nothing (JupyterLab resolves it to its
    files/ URL; Voila serving one notebook redirects it to its files), or under Voila serving a folder
    (the page is ``<base>voila/render/<path>``) ``<base>voila/files/<folder of the notebook>/``."""
    env = os.environ if environ is None else environ
    page = env.get("SCRIPT_NAME", "")
    if not env.get("SERVER_SOFTWARE", "").startswith("voila") or "/voila/render/" not in page:
        return ""
    base, notebook = page.split("/voila/render/", 1)
    folder = posixpath.dirname(notebook)
    return f"{base}/voila/files/" + (f"{folder}/" if folder else "")


def shown_path(path: Path, base: Path) -> str:
    """``path`` relative to the notebook folder, or in full when it lies elsewhere."""
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)


def links_html(files: list[Path], base: Path, prefix: str = "") -> str:
    """Download links to ``files`` by their path relative to the notebook folder ``base`` (after ``prefix``),
    escaped; ``download`` so a click saves the file.  Files outside the folder (no server can hand them
    out) are listed by their path."""
    items = []
    for path in files:
        rel = shown_path(path, base)
        size = f"<small>({size_text(path.stat().st_size)})</small>"
        if Path(rel).is_absolute():
            items.append(f"<li><code>{esc(rel)}</code> {size}</li>")
        else:
            items.append(f'<li><a href="{esc(prefix + rel)}" download="{esc(path.name)}">{esc(rel)}</a> {size}</li>')
    return "<ul style='margin:2px 0'>" + "".join(items) + "</ul>"


class ExportView(View):
    """Export the deliverables of an appraisal into a dated folder beside the notebooks, with links and charts."""

    def __init__(self, appraisal: Appraisal, *, folder: str | os.PathLike | None = None,
                 today: date | None = None, target: str | os.PathLike | None = None) -> None:
        self.appraisal = appraisal
        self.folder = Path(folder or os.getcwd())
        self.today = today
        self.fixed_target = Path(target) if target else None
        self.written: dict[str, list[Path]] = {}
        self.available = deliverables()
        self.choices = {d.key: w.Checkbox(value=d.default, indent=False,
                                          description=d.label + (f" ({d.note})" if d.note else ""),
                                          layout=w.Layout(width="auto"))
                        for d in self.available}
        self.target = w.HTML()
        self.export_button = button("Export", "download", style="primary",
                                    tooltip="sync the findings, then write the chosen files into the folder shown")
        self.status = StatusLine()
        self.progress = w.HTML()
        self.links = w.Output()
        self.charts = w.VBox()
        self.export_button.on_click(lambda _: self.export())
        self.widget = w.VBox([
            w.HTML("<b>Write</b>"), *self.choices.values(), self.target,
            w.HBox([self.export_button, self.status.widget], layout=w.Layout(align_items="center")),
            self.progress, self.links, self.charts,
        ])
        self._show_target()

    def target_folder(self) -> Path:
        """Where the files go: the folder given, else ``exports/<appraisal>-<date>/`` under the notebook folder."""
        return self.fixed_target or export_folder(self.folder, self.appraisal, self.today)

    def _show_target(self) -> None:
        target = self.target_folder()
        note = " (exists: its files are replaced)" if target.exists() else ""
        self.target.value = f"into <code>{esc(shown_path(target, self.folder))}/</code>{esc(note)}"

    def export(self) -> dict[str, list[Path]]:
        """Sync the findings and write every chosen deliverable; show links and charts; returns the files."""
        chosen = [d for d in self.available if self.choices[d.key].value]
        if not chosen:
            self.status.error("tick at least one thing to write")
            return {}
        target = self.target_folder()
        self.export_button.disabled = True
        self.written = {}
        done: list[str] = []
        try:
            self._progress(done, "bringing the findings in step with the weaknesses")
            report = F.sync_findings(self.appraisal)
            done.append(str(report))
            ratings = evaluate(self.appraisal)
            job = ExportJob(self.appraisal, ratings, F.findings_frame(self.appraisal, ratings), target)
            target.mkdir(parents=True, exist_ok=True)
            for item in chosen:
                self._progress(done, f"writing the {item.label}" + (f", {item.note}" if item.note else ""))
                try:
                    self.written[item.key] = item.write(job)
                except Exception as exc:  # noqa: BLE001 - one deliverable failing must not cost the others
                    reason = str(exc) if isinstance(exc, CmmikitError) else f"{type(exc).__name__}: {exc}"
                    done.append(f"{item.label}: not written ({reason})")
                    continue
                done.append(f"{item.label}: written")
        finally:
            self.export_button.disabled = False
        self._progress(done, "")
        self._show_results()
        files = sum(len(v) for v in self.written.values())
        if len(self.written) == len(chosen):
            self.status.saved(f"{files} files written into {shown_path(target, self.folder)}/")
        else:
            self.status.error(f"only {len(self.written)} of {len(chosen)} deliverables written; see below")
        self._show_target()
        return self.written

    def _progress(self, done: list[str], current: str) -> None:
        lines = "".join(f"<li>&#10003; {esc(t)}</li>" for t in done)
        now = f"<li><i>{esc(current)}&hellip;</i></li>" if current else ""
        self.progress.value = f"<ul style='margin:2px 0'>{lines}{now}</ul>"

    def _show_results(self) -> None:
        # the report's executed notebook is a step on the way to its HTML, not a deliverable: not offered
        files = [p for paths in self.written.values() for p in paths if p.suffix not in (".svg", ".ipynb")]
        svgs = [p for paths in self.written.values() for p in paths if p.suffix == ".svg"]
        # shown as an HTML output (not a widget value) so JupyterLab turns the relative links into files/ URLs
        self.links.outputs = ()
        prefix = link_prefix()
        self.links.append_display_data(HTML(
            "<b>Download</b>" + links_html(files, self.folder, prefix)
            + (f"<details><summary>the charts as SVG (for slides)</summary>{links_html(svgs, self.folder, prefix)}"
               "</details>" if svgs else "")))
        pngs = [p for p in self.written.get("charts", []) if p.suffix == ".png"]
        self.charts.children = tuple(
            w.VBox([w.HTML(f"<b>{esc(p.stem.replace('_', ' '))}</b>"),
                    w.Image(value=p.read_bytes(), format="png", layout=w.Layout(max_width="900px", height="auto"))])
            for p in pngs)

    def summary(self) -> str:
        target = shown_path(self.target_folder(), self.folder)
        lines = [f"Export: {self.appraisal.info().name} -> {target}/ "
                 f"({', '.join(d.key for d in self.available if self.choices[d.key].value)})"]
        for key, paths in self.written.items():
            lines.append(f"  {key}: " + ", ".join(shown_path(p, self.folder) for p in paths))
        return "\n".join(lines)
