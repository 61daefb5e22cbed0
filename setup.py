"""Build step: the wheel carries the top-level models, notebooks and templates as ``cmmikit/_resources/``.

The folders ``questionnaires/``, ``notebooks/`` and ``templates/`` stay the source of
truth; ``build_py`` copies them into the built package (``cmmikit.resources`` finds
them there, or in the source tree for an editable install).  Everything else is in
pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
RESOURCES = ("questionnaires", "notebooks", "templates")
SKIPPED = shutil.ignore_patterns(".*", "__pycache__", "*.py[co]")


class BuildWithResources(build_py):
    """build_py, then copy the resource folders into ``cmmikit/_resources`` of the build."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):  # an editable install reads the source folders
            return
        target = Path(self.build_lib) / "cmmikit" / "_resources"
        shutil.rmtree(target, ignore_errors=True)  # nothing stale from an earlier build
        for name in RESOURCES:
            source = HERE / name
            if not source.is_dir():
                raise SystemExit(f"setup.py: {source} is missing; build from a complete source tree or sdist")
            shutil.copytree(source, target / name, ignore=SKIPPED)


setup(cmdclass={"build_py": BuildWithResources})
