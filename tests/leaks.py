"""Searching what a run left for a secret: printed text and every file, zip members and PDF text included."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path


def file_texts(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` as text: zip members one by one, PDFs through pdftotext."""
    texts: dict[str, str] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = str(path.relative_to(folder))
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                for member in z.namelist():
                    texts[f"{name}!{member}"] = z.read(member).decode("utf-8", "replace")
        elif path.suffix == ".pdf":
            texts[name] = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                         check=True).stdout
        texts.setdefault(name, path.read_bytes().decode("utf-8", "replace"))
    return texts


def leaks(secret: str, folder: Path, *printed: str) -> list[str]:
    """Where ``secret`` appears: in the printed text or in a file under ``folder``."""
    found = [f"printed: {text[:200]!r}" for text in printed if secret in text]
    return found + [name for name, text in file_texts(folder).items() if secret in text]
