"""The export screen: a button writes the deliverables into exports/<appraisal>-<date>/ with links and charts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cmmikit.store import Appraisal
from cmmikit.ui import export
from cmmikit.ui.export import ExportView, export_folder, links_html

DAY = date(2026, 11, 20)


@pytest.fixture
def view(demo: Appraisal, tmp_path: Path) -> ExportView:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    screen = ExportView(demo, folder=folder, today=DAY)
    for key in screen.choices:  # the report runs a notebook (~20 s): covered by the browser test; the deck and
        screen.choices[key].value = key in ("workbook", "charts")  # PDF, where installed, have their own tests
    return screen


def test_nothing_is_written_until_the_button(view: ExportView) -> None:
    assert not (view.folder / "exports").exists()
    assert "exports/northwind-it-services-ml2-readiness-2026-11-20/" in view.target.value
    assert view.summary().startswith("Export: Northwind IT Services ML2 readiness -> exports/northwind")


def test_export_writes_workbook_and_charts_with_links(view: ExportView) -> None:
    view.export_button.click()
    target = export_folder(view.folder, view.appraisal, DAY)
    assert view.status.ok, view.status.text
    assert (target / "gap-analysis.xlsx").stat().st_size > 10_000
    pngs = sorted(p.name for p in (target / "charts").glob("*.png"))
    assert pngs == ["characterization_bars.png", "findings_priority.png", "goal_heatmap.png", "readiness_radar.png"]
    assert len(view.charts.children) == 4 and view.charts.children[0].children[1].value[:4] == b"\x89PNG"
    assert "findings: " in view.progress.value and "gap-analysis workbook (Excel): written" in view.progress.value
    [shown] = view.links.outputs
    html = shown["data"]["text/html"]
    rel = target.relative_to(view.folder).as_posix()
    assert f'<a href="{rel}/gap-analysis.xlsx" download="gap-analysis.xlsx">' in html
    assert f'{rel}/charts/goal_heatmap.svg' in html and "KB)" in html
    assert view.status.text == f"9 files written into {rel}/"
    before = (target / "gap-analysis.xlsx").stat().st_mtime_ns
    view.export_button.click()   # the same day again: the same folder, files replaced
    assert sorted(p.name for p in (view.folder / "exports").iterdir()) == [target.name]
    assert (target / "gap-analysis.xlsx").stat().st_mtime_ns >= before and "exists" in view.target.value


def test_a_failing_deliverable_is_reported_and_the_others_written(view: ExportView,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from cmmikit.errors import InvalidValue

    def broken(job: export.ExportJob) -> list[Path]:
        raise InvalidValue("chart engine unavailable")

    def crashing(job: export.ExportJob) -> list[Path]:
        raise KeyError("x")

    view.available[1] = export.Deliverable("charts", "charts (PNG and SVG)", broken)
    view.available[2] = export.Deliverable("report", "report (HTML)", crashing)
    view.choices["report"].value = True
    written = view.export()
    assert list(written) == ["workbook"] and not view.status.ok
    assert "charts (PNG and SVG): not written (chart engine unavailable)" in view.progress.value
    assert "report (HTML): not written (KeyError: &#x27;x&#x27;)" in view.progress.value
    assert "only 1 of 3 deliverables written" in view.status.text


def test_a_folder_elsewhere_is_written_and_listed_by_path(demo: Appraisal, tmp_path: Path) -> None:
    screen = ExportView(demo, folder=tmp_path / "notebooks", today=DAY, target=tmp_path / "out")
    screen.choices["report"].value = screen.choices["charts"].value = False
    screen.export()
    assert (tmp_path / "out" / "gap-analysis.xlsx").exists()
    html = screen.links.outputs[0]["data"]["text/html"]
    assert f"<code>{tmp_path / 'out' / 'gap-analysis.xlsx'}</code>" in html and "href" not in html


def test_nothing_chosen_is_refused(view: ExportView) -> None:
    for box in view.choices.values():
        box.value = False
    assert view.export() == {} and "tick at least one" in view.status.text


def test_links_are_escaped_relative_and_download(tmp_path: Path) -> None:
    odd = tmp_path / "exports" / "<b>x<&b>.xlsx"
    odd.parent.mkdir()
    odd.write_bytes(b"1234")
    html = links_html([odd], tmp_path)
    assert "<b>" not in html and 'href="exports/&lt;b&gt;x&lt;&amp;b&gt;.xlsx"' in html and "(4 bytes)" in html


def test_every_deliverable_is_offered_and_the_deck_is_written(view: ExportView) -> None:
    assert list(view.choices) == ["workbook", "charts", "report", "report_pdf", "deck"]
    for key, box in view.choices.items():
        box.value = key == "deck"
    view.export_button.click()
    assert view.status.ok, view.status.text
    deck = export_folder(view.folder, view.appraisal, DAY) / "final-findings.pptx"
    assert deck.stat().st_size > 50_000 and "final-findings.pptx" in view.links.outputs[0]["data"]["text/html"]


def test_links_under_voila_serving_a_folder_point_at_its_files() -> None:
    from cmmikit.ui.export import link_prefix

    assert link_prefix({}) == ""
    assert link_prefix({"SERVER_SOFTWARE": "voila/0.5.13", "SCRIPT_NAME": "/"}) == ""  # one notebook served
    assert link_prefix({"SERVER_SOFTWARE": "voila/0.5.13", "SCRIPT_NAME": "/voila/render/04_export.ipynb"}) == \
        "/voila/files/"
    assert link_prefix({"SERVER_SOFTWARE": "voila/0.5.13", "SCRIPT_NAME": "/hub/voila/render/team/04_export.ipynb"}) \
        == "/hub/voila/files/team/"


def test_a_scampi_b_exports_its_workbook_charts_and_deck_without_ratings(demo_b: Appraisal, tmp_path: Path) -> None:
    import zipfile

    from rating_words import rating_words

    folder = tmp_path / "notebooks"
    folder.mkdir()
    screen = ExportView(demo_b, folder=folder, today=DAY)
    for key, box in screen.choices.items():
        box.value = key in ("workbook", "charts", "deck")
    screen.export_button.click()
    assert screen.status.ok, screen.status.text
    target = export_folder(folder, demo_b, DAY)
    with zipfile.ZipFile(target / "gap-analysis.xlsx") as book:
        strings = book.read("xl/sharedStrings.xml").decode("utf-8")
    assert "medium risk" in strings and "findings, not ratings" in strings
    assert (target / "final-findings.pptx").stat().st_size > 50_000
    assert sorted(p.name for p in (target / "charts").glob("*.png"))
    assert rating_words(screen.progress.value) == []
