"""JupyterHub for an appraisal team working on one PostgreSQL server with cmmikit.

Every hub user gets a single-user JupyterLab whose kernels reach the team's PostgreSQL as the
database login of the same name (``PGUSER``), so the change log records who changed what and the
database enforces each member's role (``cmmikit grant``). Settings come from the environment of
the hub process, so one file serves every installation:

- ``CMMIKIT_SERVER`` (required): the team's server, e.g. ``postgresql+psycopg://db.example.org/cmmi``,
  never with a password in it. The chooser of every notebook lists that server's appraisals.
- ``CMMIKIT_PGSERVICEFILE`` (optional): a libpq service file handed to every user's server as
  ``PGSERVICEFILE`` (host, port, database, TLS settings; no passwords).
- Passwords: each member's own ``~/.pgpass`` (libpq reads it), or Kerberos/certificates as your
  PostgreSQL is set up; the hub never sees them.
- ``CMMIKIT_HUB_IP`` / ``CMMIKIT_HUB_PORT``: where the hub listens (default 127.0.0.1:8000; put TLS
  in front of it, or set ``c.JupyterHub.ssl_cert`` and ``ssl_key``).
- ``CMMIKIT_NOTEBOOKS``: the folder each user's server opens (default ``~/appraisal``). Run
  ``cmmikit notebooks ~/appraisal`` once per user, or let ``c.Spawner.pre_spawn_hook`` below do it.

The authenticator and spawner are the hub's defaults for system users (PAM and local processes
running as each user). A site with single sign-on swaps ``c.JupyterHub.authenticator_class``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

c = get_config()  # type: ignore[name-defined]  # noqa: F821 (JupyterHub provides it)

c.JupyterHub.ip = os.environ.get("CMMIKIT_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(os.environ.get("CMMIKIT_HUB_PORT", "8000"))

SERVER = os.environ.get("CMMIKIT_SERVER", "")
if not SERVER:
    raise SystemExit("jupyterhub_config.py: set CMMIKIT_SERVER to the team's PostgreSQL URL "
                     "(postgresql+psycopg://host/database, without a password)")
if urlsplit(SERVER).password:
    raise SystemExit("jupyterhub_config.py: CMMIKIT_SERVER must not hold a password; "
                     "each member keeps theirs in ~/.pgpass")

NOTEBOOKS = os.environ.get("CMMIKIT_NOTEBOOKS", "~/appraisal")


def user_environment(spawner) -> dict[str, str]:  # noqa: ANN001 (a JupyterHub Spawner)
    """What every user's server gets: the team's server and the database login of the hub user."""
    env = {"CMMIKIT_SERVER": SERVER, "PGUSER": spawner.user.name, "CMMIKIT_USER": spawner.user.name}
    if os.environ.get("CMMIKIT_PGSERVICEFILE"):
        env["PGSERVICEFILE"] = os.environ["CMMIKIT_PGSERVICEFILE"]
    return env


def copy_notebooks(spawner) -> None:  # noqa: ANN001
    """Give a user the workbench notebooks on first start (``cmmikit notebooks`` keeps their edits)."""
    home = Path(getattr(spawner, "home_dir", "") or os.path.expanduser(f"~{spawner.user.name}"))
    target = Path(NOTEBOOKS.replace("~", str(home), 1))
    cmmikit = shutil.which("cmmikit") or "cmmikit"
    try:  # a system user (PAM + LocalProcessSpawner): the files are theirs
        account = pwd.getpwnam(spawner.user.name).pw_name if os.geteuid() == 0 else None
    except KeyError:
        account = None
    subprocess.run([cmmikit, "notebooks", str(target)], check=True, capture_output=True, user=account)
    spawner.notebook_dir = str(target)


c.Spawner.environment = {name: (lambda spawner, name=name: user_environment(spawner)[name])
                         for name in ("CMMIKIT_SERVER", "PGUSER", "CMMIKIT_USER")}
if os.environ.get("CMMIKIT_PGSERVICEFILE"):
    c.Spawner.environment["PGSERVICEFILE"] = os.environ["CMMIKIT_PGSERVICEFILE"]
c.Spawner.pre_spawn_hook = copy_notebooks
c.Spawner.default_url = "/lab"
