"""Take docs/images/walkthrough.png: the walkthrough of the demo appraisal in Voila + Chromium.

Run from the repository root: ``python docs/images/walkthrough.py`` (needs the ``browser`` extra and
``/usr/bin/chromium``).  It builds the sample appraisal in a temporary folder, serves a copy of
``notebooks/01_walkthrough.ipynb`` beside it with Voila, opens CM SP 1.2 and saves a PNG of the screen (the
notebook's text hidden), quantised to a small palette so the file stays small.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from cmmikit.demo import build_demo  # noqa: E402
from cmmikit.ui import browser  # noqa: E402

OUT = Path(__file__).with_suffix(".png")


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        shutil.copy(ROOT / "notebooks" / "01_walkthrough.ipynb", folder)
        path = folder / "northwind.cmmi"
        os.environ["CMMIKIT_USER"] = "dana"  # the sample's changes are the lead appraiser's, not this login's
        build_demo(path).close()
        env = {"CMMIKIT_APPRAISAL": str(path), "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
               "PYTHONPATH": str(ROOT), "CMMIKIT_USER": "dana"}
        notebook = folder / "01_walkthrough.ipynb"
        with browser.voila(notebook, env=env, workdir=folder) as url, sync_playwright() as p:
            chromium = browser.launch_chromium(p)
            try:
                page = chromium.new_page(viewport={"width": 1280, "height": 1150})
                page.goto(url, timeout=120_000)
                page.wait_for_selector(".widget-dropdown select", timeout=120_000)
                page.set_default_timeout(30_000)
                page.get_by_role("combobox", name="Process area").select_option(label="CM Configuration Management")
                expect(page.get_by_text("CM SP 1.1 Identify Configuration Items")).to_be_visible()
                browser.step_ms(page, "CM SP 1.2 Establish a Configuration Management System")
                page.wait_for_timeout(1500)
                page.add_style_tag(content=".jp-MarkdownCell { display: none !important; }")  # the screen only
                page.wait_for_timeout(500)
                png = page.screenshot()
            finally:
                chromium.close()
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    image.save(OUT, optimize=True)
    print(f"{OUT.relative_to(ROOT)}: {OUT.stat().st_size // 1024} KB")


if __name__ == "__main__":
    os.environ.setdefault("MPLBACKEND", "Agg")
    main()
