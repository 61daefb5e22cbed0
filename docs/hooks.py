"""MkDocs hook: every page of ``docs/`` is in the navigation, even one that ``mkdocs.yml`` does not list yet.

A page that the nav of ``mkdocs.yml`` lists stays where it is listed.  Any other ``*.md`` page is
appended to the section named by the first rule of :data:`RULES` its path matches (the section is
created at the end of the nav when missing); its title is its first heading.  So a helper's new page
is in the site, and ``mkdocs build --strict`` (which refuses pages left out of the nav) passes,
before anyone edits ``mkdocs.yml``; to give it its place and title, list it there.
"""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path
from typing import Any

# (pattern of the page's path under docs/, nav section it joins when mkdocs.yml does not list it)
RULES: list[tuple[str, str]] = [
    ("deliverables-*.md", "Deliverables"),
    ("team-server*.md", "Working as a team"),
    ("planning.md", "Assessing"),
    ("ml3.md", "Models and scales"),
    ("*", "More"),
]


def listed_pages(nav: list[Any]) -> set[str]:
    """The page paths a MkDocs nav (as written in mkdocs.yml) names, at any depth."""
    found: set[str] = set()
    for entry in nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        if isinstance(value, list):
            found |= listed_pages(value)
        elif isinstance(value, str) and not value.startswith(("http://", "https://")):
            found.add(value)
    return found


def place_unlisted(nav: list[Any], pages: list[str]) -> list[Any]:
    """``nav`` with every page of ``pages`` it does not name appended to its section (see RULES)."""
    listed = listed_pages(nav)
    rule = {page: next(i for i, (pattern, _) in enumerate(RULES) if fnmatch(page, pattern)) for page in pages}
    for page in sorted((p for p in pages if p not in listed), key=lambda p: (rule[p], p)):  # "More" comes last
        section = RULES[rule[page]][1]
        entries = next((e[section] for e in nav if isinstance(e, dict) and isinstance(e.get(section), list)), None)
        if entries is None:
            entries = []
            nav.append({section: entries})
        entries.append(page)
    return nav


def on_config(config: Any) -> Any:
    """Complete the configured nav with the pages it leaves out (MkDocs calls this before reading files)."""
    if config["nav"] is None:  # no nav configured: MkDocs lists every page itself
        return config
    docs = Path(config["docs_dir"])
    pages = [path.relative_to(docs).as_posix() for path in docs.rglob("*.md")]
    config["nav"] = place_unlisted(config["nav"], pages)
    return config
