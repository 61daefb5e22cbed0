"""Serve notebooks with Voila or JupyterLab and drive them in Debian's Chromium (browser tests, benchmark).

Needs the ``browser`` extra (voila, playwright) and ``/usr/bin/chromium``;
:func:`missing_tools` says what is absent so callers can skip with a reason.
:func:`voila` serves one notebook; :func:`jupyter_lab` starts a JupyterLab on a
folder (no token, localhost only, the app exposed as ``window.jupyterapp`` so a
test can run notebook commands such as "run all cells").
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cmmikit.errors import CmmikitError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Click the first "next" button; resolve with the milliseconds until a heading holding `title` is painted.
STEP_JS = """
(title) => new Promise((resolve) => {
  const shown = () => [...document.querySelectorAll('h3')].some((h) => h.textContent.includes(title));
  const button = [...document.querySelectorAll('button.widget-button')].find((b) => b.textContent.includes('next'));
  const start = performance.now();
  const observer = new MutationObserver(() => {
    if (shown()) {
      observer.disconnect();
      requestAnimationFrame(() => resolve(performance.now() - start));
    }
  });
  observer.observe(document.body, {subtree: true, childList: true, characterData: true});
  button.click();
})
"""


# JupyterLab: the notebook shown has a kernel and it is idle
LAB_IDLE_JS = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle';
}"""
SCREEN = ".cmmikit-screen"
LAB_SETTINGS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings":
                {"checkForUpdates": False, "fetchNews": "false"}}


class ServerFailed(CmmikitError):
    """The notebook server died or did not answer; the message carries its log."""


class ServerURL(str):
    """A served URL that also knows the server's process id (to find its kernels)."""

    pid: int


def missing_tools() -> str | None:
    """Why the browser tools cannot run here, or None when they can."""
    if not Path(CHROMIUM).exists():
        return f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    for module in ("voila", "playwright"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install -e '.[browser]')"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def voila(notebook: Path, *, env: dict[str, str], workdir: Path, timeout: float = 90,
          extra_args: tuple[str, ...] = ()) -> Iterator[str]:
    """Serve ``notebook`` with Voila on a free localhost port; yield its URL; stop it afterwards.

    Voila runs in ``workdir`` (so it reads a ``voila.json`` there) and serves the notebook's folder.
    """
    port = free_port()
    command = [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
               "--Voila.ip=127.0.0.1", *extra_args]
    with _server("voila", command, env, workdir, f"http://127.0.0.1:{port}/", timeout) as url:
        yield url


def lab_settings(folder: Path) -> Path:
    """A JupyterLab settings folder with no news or update pop-ups over the notebook (JUPYTERLAB_SETTINGS_DIR)."""
    for name, values in LAB_SETTINGS.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(values), encoding="utf-8")
    return folder


@contextmanager
def jupyter_lab(root: Path, *, env: dict[str, str], workdir: Path, timeout: float = 120) -> Iterator[str]:
    """Start JupyterLab on ``root`` (no token, localhost, no update checks; its log in ``workdir``); yield its
    base URL."""
    port = free_port()
    settings = lab_settings(workdir / "lab-settings")
    env = {**env, "JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTERLAB_WORKSPACES_DIR": str(workdir / "workspaces")}
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
               "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
               f"--ServerApp.root_dir={root}", "--LabApp.news_url=None", "--expose-app-in-browser",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:  # CI runs as root
        command.append("--allow-root")
    with _server("jupyter lab", command, env, workdir, f"http://127.0.0.1:{port}/", timeout,
                 probe="api/status") as url:
        yield url


@contextmanager
def _server(name: str, command: list[str], env: dict[str, str], workdir: Path, url: str, timeout: float,
            probe: str = "") -> Iterator[str]:
    log_path = workdir / f"{name.replace(' ', '-')}.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=workdir, start_new_session=True,
                                  env={**os.environ, **env, "PYTHONUNBUFFERED": "1"})
    try:
        _wait_until_answering(name, url + probe, server, log_path, timeout)
        served = ServerURL(url)
        served.pid = server.pid
        yield served
    finally:
        _stop(server)


def _stop(server: subprocess.Popen) -> None:
    """Stop the server and everything it started (its kernels): SIGTERM, then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, None)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            pass
        try:
            server.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _wait_until_answering(name: str, url: str, server: subprocess.Popen, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ServerFailed(f"{name} exited with {server.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise ServerFailed(f"{name} did not answer within {timeout:.0f}s:\n{log_path.read_text(errors='replace')}")


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless, with nothing phoning home."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def step_ms(page: Any, title: str) -> float:
    """Click 'next' and return the milliseconds until the practice heading ``title`` is painted."""
    return float(page.evaluate(STEP_JS, title))


# ------------------------------------------------------------------ driving a notebook


def open_in_lab(page: Any, url: str, notebook: str, timeout: float = 120_000) -> Any:
    """Open ``notebook`` in JupyterLab (a fresh workspace), run all its cells, return the screen's locator."""
    page.goto(f"{url}lab/tree/{notebook}?reset", timeout=timeout)
    page.wait_for_function(LAB_IDLE_JS, timeout=timeout)
    return lab_run_all(page, timeout)


def lab_run_all(page: Any, timeout: float = 120_000) -> Any:
    """Run all cells of the notebook shown in JupyterLab; the new screen once the kernel is idle again."""
    page.evaluate(f"document.querySelectorAll('{SCREEN}').forEach((e) => e.dataset.old = '1')")
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    fresh = page.locator(f"{SCREEN}:not([data-old])").last
    fresh.wait_for(state="attached", timeout=timeout)
    page.wait_for_function(LAB_IDLE_JS, timeout=timeout)
    fresh.scroll_into_view_if_needed()
    return fresh


def lab_restart_kernel(page: Any) -> None:
    """Restart the kernel of the notebook shown in JupyterLab (as Kernel > Restart Kernel does)."""
    page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart()")


def open_in_voila(page: Any, url: str, notebook: str, timeout: float = 120_000) -> Any:
    """Open ``notebook`` served by Voila (tree mode: ``voila/render/<notebook>``); the screen's locator."""
    page.goto(f"{url}voila/render/{notebook}", timeout=timeout)
    page.wait_for_selector(SCREEN, timeout=timeout)
    return page.locator(SCREEN).first


def kernel_pids(server_pid: int) -> list[int]:
    """The kernels a server started (its child processes running ipykernel)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == server_pid and b"ipykernel" in cmdline:
            found.append(int(entry.name))
    return found
