"""A real JupyterHub on 127.0.0.1 for the team tests: the deployment's own config, test users, stopped at the end.

The hub runs ``deploy/jupyterhub/jupyterhub_config.py`` as a team would, through a small overlay
(``tests/data/hub_test_config.py``) that swaps only what a test machine lacks: system users (the
SimpleLocalProcessSpawner gives each hub user a home folder under the test's folder) and PAM (the
DummyAuthenticator with one shared test password). Its proxy is ``configurable-http-proxy`` from npm.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cmmikit.ui import browser

ROOT = Path(__file__).resolve().parents[1]
DEPLOY_CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
OVERLAY = Path(__file__).parent / "data" / "hub_test_config.py"
LOGIN_PASSWORD = "hub-login-Pw-7"


def proxy_command() -> str | None:
    """Where configurable-http-proxy is (PATH, or CMMIKIT_CHP)."""
    return os.environ.get("CMMIKIT_CHP") or shutil.which("configurable-http-proxy")


def missing() -> str | None:
    """Why a hub cannot run here, or None."""
    reason = browser.missing_tools()
    if reason:
        return reason
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        return "jupyterhub is not installed (pip install -e '.[browser]')"
    if proxy_command() is None:
        return "configurable-http-proxy is not on PATH (npm install -g configurable-http-proxy)"
    return None


@contextmanager
def jupyterhub(workdir: Path, *, server: str, users: list[str], env: dict[str, str]) -> Iterator[str]:
    """Start the hub in ``workdir`` for ``users`` with CMMIKIT_SERVER=``server``; yield its base URL."""
    port, api_port = browser.free_port(), browser.free_port()
    homes = workdir / "homes"
    homes.mkdir(parents=True, exist_ok=True)
    hub_env = {
        "CMMIKIT_SERVER": server, "CMMIKIT_HUB_IP": "127.0.0.1", "CMMIKIT_HUB_PORT": str(port),
        "CMMIKIT_DEPLOY_CONFIG": str(DEPLOY_CONFIG), "CMMIKIT_HUB_HOMES": str(homes),
        "CMMIKIT_HUB_USERS": ",".join(users), "CMMIKIT_HUB_PASSWORD": LOGIN_PASSWORD,
        "CMMIKIT_HUB_API_PORT": str(api_port), "CMMIKIT_CHP": proxy_command() or "",
        "CMMIKIT_HUB_PYTHON": sys.executable, **env,
    }
    command = [sys.executable, "-m", "jupyterhub", "-f", str(OVERLAY)]
    with browser._server("jupyterhub", command, hub_env, workdir, f"http://127.0.0.1:{port}/", 120,
                         probe="hub/api") as url:
        yield url


def log_in(page, hub_url: str, user: str, timeout: float = 180_000):  # noqa: ANN001 (a Playwright page)
    """Log ``user`` in on the hub's login page and wait until their JupyterLab is up."""
    page.goto(f"{hub_url}hub/login", timeout=timeout)
    page.locator("#username_input").fill(user)
    page.locator("#password_input").fill(LOGIN_PASSWORD)
    page.locator("#login_submit").click()
    page.wait_for_url(f"**/user/{user}/lab**", timeout=timeout)
    return f"{hub_url}user/{user}/"
