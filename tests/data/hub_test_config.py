"""The team's JupyterHub config (deploy/jupyterhub) with what a test machine lacks swapped in.

System users and PAM become the SimpleLocalProcessSpawner (a home per hub user under the test's
folder) and the DummyAuthenticator (one test password); everything else is the deployment's own.
"""

import os

c = get_config()  # noqa: F821
load_subconfig(os.environ["CMMIKIT_DEPLOY_CONFIG"])  # noqa: F821

workdir = os.getcwd()
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = os.environ["CMMIKIT_HUB_PASSWORD"]
c.Authenticator.allowed_users = set(os.environ["CMMIKIT_HUB_USERS"].split(","))
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = os.environ["CMMIKIT_HUB_HOMES"] + "/{username}"
c.JupyterHub.hub_port = int(os.environ["CMMIKIT_HUB_API_PORT"])
c.JupyterHub.db_url = f"sqlite:///{workdir}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{workdir}/jupyterhub_cookie_secret"
c.ConfigurableHTTPProxy.command = [os.environ["CMMIKIT_CHP"]]
c.Spawner.cmd = [os.environ["CMMIKIT_HUB_PYTHON"], "-m", "jupyterhub.singleuser"]
c.Spawner.args = ["--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
                  "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
if os.geteuid() == 0:
    c.Spawner.args.append("--allow-root")
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
# what the test's kernels need beside the deployment's variables (the tree under test, a private pgpass)
for name in ("PYTHONPATH", "PGPASSFILE", "JUPYTERLAB_SETTINGS_DIR", "CMMIKIT_APPRAISAL"):
    if os.environ.get(name):
        c.Spawner.environment[name] = os.environ[name]
