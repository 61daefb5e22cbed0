"""Where an appraisal lives: an SQLite file path or a PostgreSQL URL naming one appraisal on a server,
and who is making the changes."""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cmmikit.errors import StoreError

URL_PREFIXES = ("postgresql://", "postgresql+psycopg://", "postgres://")
APPRAISAL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,50}$")
SCHEMA_PREFIX = "cmmikit_"
USER_ENVS = ("CMMIKIT_USER", "JUPYTERHUB_USER")


def is_url(location: str | os.PathLike) -> bool:
    return isinstance(location, str) and location.lower().startswith(URL_PREFIXES)


@dataclass(frozen=True)
class Location:
    """A parsed appraisal location; ``display`` is safe to print (never holds a password)."""

    path: Path | None = None          # SQLite file
    url: object | None = None         # sqlalchemy.engine.URL of the server (PostgreSQL), appraisal query removed
    appraisal: str = ""               # the appraisal's name on that server

    @property
    def is_file(self) -> bool:
        return self.path is not None

    @property
    def schema(self) -> str:
        return SCHEMA_PREFIX + self.appraisal

    @property
    def display(self) -> str:
        if self.path is not None:
            return str(self.path)
        return self._render(self.url, hide_password=True)

    @property
    def address(self) -> str:
        """The text that opens this appraisal again (a server URL keeps its password: never print it)."""
        if self.path is not None:
            return str(self.path)
        return self._render(self.url)

    @property
    def password(self) -> str | None:
        """The password written in the URL, if any (files and URLs without one: None)."""
        return None if self.url is None else self.url.password  # type: ignore[attr-defined]

    @property
    def shareable(self) -> str:
        """The address without its password: safe to print, store or hand to another process.

        It opens the appraisal again wherever the password comes from PGPASSWORD, ~/.pgpass or a
        service file (see :func:`password_for_children` for a process started from here).
        """
        if self.path is not None:
            return str(self.path)
        url = self.url
        return self._render(type(url).create(url.drivername, url.username, None, url.host, url.port,  # type: ignore
                                             url.database, url.query))  # type: ignore[attr-defined]

    def _render(self, url: object, *, hide_password: bool = False) -> str:
        """``url`` as text with the appraisal's name in its query (after the server's own parameters)."""
        if self.appraisal:
            url = url.update_query_dict({"appraisal": self.appraisal})  # type: ignore[attr-defined]
        return url.render_as_string(hide_password=hide_password)  # type: ignore[attr-defined]

    @property
    def label(self) -> str:
        """A short name for titles: the file name or the appraisal's name on its server."""
        return self.path.name if self.path is not None else self.appraisal

    def __str__(self) -> str:
        return self.display


def parse(location: "str | os.PathLike | Location", *, need_appraisal: bool = True) -> Location:
    """A file path, or ``postgresql+psycopg://user@host:5432/db?appraisal=NAME``."""
    if isinstance(location, Location):
        return location
    if not is_url(location):
        return Location(path=Path(location))
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(str(location))
    except ArgumentError:
        raise StoreError("not a valid server URL (expected postgresql+psycopg://user@host:5432/dbname"
                         "?appraisal=NAME)") from None
    query = dict(url.query)
    name = query.pop("appraisal", "")
    if isinstance(name, tuple):
        name = name[-1]
    url = url.set(drivername="postgresql+psycopg", query=query)
    safe = url.render_as_string(hide_password=True)
    if need_appraisal and not name:
        raise StoreError(f"{safe}: the URL names no appraisal (add ?appraisal=NAME; 'cmmikit list' shows them)")
    if name and not APPRAISAL_NAME.match(name):
        raise StoreError(f"{safe}: appraisal name {name!r} must be letters, digits, '.', '_' or '-' "
                         "(at most 51 characters)")
    return Location(url=url, appraisal=name)


@contextmanager
def password_for_children(*locations: "str | os.PathLike | Location | None") -> Iterator[None]:
    """Hand the password of server URLs to the processes started inside (a report's kernel) in PGPASSWORD.

    The children get the :attr:`Location.shareable` addresses, so no password is ever written on a
    command line, in a notebook or in a file. Two different passwords cannot share PGPASSWORD: that
    is refused, naming ~/.pgpass or a service file as the way to give both.
    """
    passwords = {loc.password for loc in (parse(x, need_appraisal=False) for x in locations if x is not None)
                 if loc.password}
    if len(passwords) > 1:
        raise StoreError("the appraisal and the baseline are on servers with different passwords: put them in "
                         "~/.pgpass or a PGSERVICEFILE service and leave them out of the URLs")
    if not passwords:
        yield
        return
    before = os.environ.get("PGPASSWORD")
    os.environ["PGPASSWORD"] = passwords.pop()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PGPASSWORD", None)
        else:
            os.environ["PGPASSWORD"] = before


def current_user(explicit: str | None = None) -> str:
    """Who is making changes: ``explicit`` (--user), else $CMMIKIT_USER, else $JUPYTERHUB_USER, else the OS login."""
    for candidate in (explicit, *(os.environ.get(name) for name in USER_ENVS)):
        if candidate and candidate.strip():
            return candidate.strip()
    return os_login()


def os_login() -> str:
    """The operating system's login of this process (what a change to a file is recorded under)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"
