"""The heron_cli role on this machine, with ansible-playbook, against the stand-in Heron installer
(tests/standins/heron/installer: Heron's flags, layout and habit of deleting its directory before it installs).

Each test gives the role a HOME of its own. A --user install from a controller file and from an nginx URL, the second
run changing nothing; a new version reinstalls and keeps what the installer does not own in ~/.heron; a wrong sha256
fails and leaves the previous install working; --prefix= from a file:// URL; argument-spec failures at role start.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from harness.collection import play_recap, run_playbook
from standins.heron.installer import build_installer

PLAYBOOK = Path(__file__).parent / "playbooks" / "heron_cli.yml"
INSTALL_STEP = Path(__file__).resolve().parents[2] / "roles" / "heron_cli" / "files" / "heron_cli_install.py"
OLD, NEW = "0.20.5-incubating", "0.20.6-incubating"
CLUSTER = "sandbox"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def succeeded(result) -> dict[str, int]:
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return play_recap(result.stdout)


def role_vars(installer: Path, version: str, src: str | None = None, **more) -> dict:
    """The role on this machine without root: no package manager, the test's own Python, no aurora command."""
    return {
        "heron_cli_version": version,
        "heron_cli_installer_src": src or str(installer),
        "heron_cli_installer_sha256": sha(installer),
        "heron_cli_manage_packages": False,
        "heron_cli_install_python_packages": False,
        "heron_cli_virtualenv": "",
        "heron_cli_aurora_client": "none",
        "heron_cli_cluster_config": {
            "cluster": CLUSTER,
            "core_package_uri": "http://binary-host.example:8080/heron/heron-core.tar.gz",
            "statemgr": {"zookeeper": {"connection_string": "zk1:2181,zk2:2181,zk3:2181"}},
            "uploader": {"localfs": {}},
        },
        **more,
    }


def play(variables: dict, home: Path, check_mode: bool = False):
    return run_playbook(PLAYBOOK, variables, check_mode=check_mode, env={"HOME": str(home)})


def installed_version(home: Path) -> str:
    """What `heron version` of the installed client says, run through the link in ~/bin as a user would."""
    result = subprocess.run([str(home / "bin" / "heron"), "version"],  # noqa: S603 - argument list, no shell
                            capture_output=True, text=True, timeout=60, check=True)
    return re.search(r"heron\.build\.version : (\S+)", result.stdout)[1]


@pytest.fixture
def installers(tmp_path) -> dict[str, Path]:
    directory = tmp_path / "installers"
    directory.mkdir()
    return {version: build_installer(directory, version) for version in (OLD, NEW)}


@pytest.fixture
def home(tmp_path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


def test_user_install_from_a_controller_file_with_libraries_and_aurora_command(tmp_path, home, installers):
    variables = role_vars(installers[OLD], OLD, heron_cli_install_python_packages=True,
                          heron_cli_virtualenv="~/venv", heron_cli_python=sys.executable,
                          heron_cli_aurora_client="collection",
                          aurora_client_prefix=str(tmp_path / "opt"), aurora_client_bin_dir=str(home / "bin"),
                          aurora_client_config_root=str(tmp_path / "etc"), aurora_client_python=sys.executable,
                          aurora_client_virtualenv=sys.prefix, aurora_client_install_dependencies=False)
    checked = play(variables, home, check_mode=True)
    assert play_recap(checked.stdout)["changed"] > 0, checked.stdout[-4000:]
    assert not (home / ".heron").exists() and not (home / "bin" / "heron").exists()

    assert succeeded(play(variables, home))["changed"] > 0
    assert succeeded(play(variables, home))["changed"] == 0
    assert succeeded(play(variables, home, check_mode=True))["changed"] == 0

    assert (home / "bin" / "heron").resolve() == home / ".heron" / "bin" / "heron"
    assert installed_version(home) == OLD
    conf = home / ".heron" / "conf" / CLUSTER
    assert {"heron.aurora", "scheduler.yaml", "statemgr.yaml", "uploader.yaml"} <= {p.name for p in conf.iterdir()}
    assert "zk1:2181,zk2:2181,zk3:2181" in (conf / "statemgr.yaml").read_text()
    # heron_internals.yaml comes from the installed release's conf/aurora, by default.
    assert f"stand-in.release: {OLD}" in (conf / "heron_internals.yaml").read_text()
    libraries = subprocess.run([str(home / "venv" / "bin" / "python"), "-c",  # noqa: S603 - argument list
                                "import kazoo, google.protobuf, yaml"], capture_output=True, text=True, check=False)
    assert libraries.returncode == 0, libraries.stderr
    assert (home / "bin" / "aurora").exists(), "heron_cli_aurora_client=collection installs the aurora command"


def test_url_install_then_a_new_version_keeps_what_the_installer_does_not_own(home, installers, http_server):
    served = http_server.root / f"heron-cli-{uuid.uuid4().hex}"
    served.mkdir()
    for installer in installers.values():
        (served / installer.name).write_bytes(installer.read_bytes())
    url = f"{http_server.base_url}/{served.name}"
    old = role_vars(installers[OLD], OLD, src=f"{url}/{installers[OLD].name}")
    assert succeeded(play(old, home))["changed"] > 0
    assert succeeded(play(old, home))["changed"] == 0

    heron = home / ".heron"
    mine = {heron / "conf" / "other" / "client.yaml": "heron.config.is.role.required: False\n",
            heron / "conf" / "aurora" / "site-notes.txt": "ours\n",
            heron / "notes.txt": "a note\n"}
    for path, text in mine.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    new = role_vars(installers[NEW], NEW, src=f"{url}/{installers[NEW].name}")
    assert succeeded(play(new, home))["changed"] > 0
    assert installed_version(home) == NEW
    assert {path: path.read_text() for path in mine} == mine
    assert not (heron / "lib" / "scheduler" / f"heron-scheduler-{OLD}.stand-in").exists(), "the old release's files go"
    assert (heron / "lib" / "scheduler" / f"heron-scheduler-{NEW}.stand-in").exists()
    assert (heron / "conf" / CLUSTER / "heron.aurora").exists()
    assert sorted(path.name for path in home.iterdir() if "heron" in path.name) == [".heron"], "nothing left aside"
    assert succeeded(play(new, home))["changed"] == 0


@pytest.mark.parametrize("source", ["controller file", "file URL"])
def test_a_wrong_sha256_fails_and_leaves_the_previous_install_working(home, installers, source):
    assert succeeded(play(role_vars(installers[OLD], OLD), home))["changed"] > 0

    src = str(installers[NEW]) if source == "controller file" else installers[NEW].as_uri()
    wrong = role_vars(installers[NEW], NEW, src=src, heron_cli_installer_sha256=sha(installers[OLD]))
    result = play(wrong, home)
    assert result.returncode != 0, result.stdout[-3000:]
    if source == "controller file":
        assert f"has sha256 {sha(installers[NEW])}, not heron_cli_installer_sha256" in result.stdout
    else:
        assert "checksum" in result.stdout.lower(), result.stdout[-3000:]
    assert installed_version(home) == OLD
    assert not (home / ".cache" / "heron-aurora" / installers[NEW].name).exists()


def test_prefix_install_from_a_file_url_and_the_installer_refuses_other_flags(tmp_path, home, installers):
    prefix = tmp_path / "prefix"
    for flags in (["--prefix", str(prefix)], ["--bogus"], ["--user", "extra"]):
        refused = subprocess.run([str(installers[OLD]), *flags],  # noqa: S603 - argument list, no shell
                                 capture_output=True, text=True, timeout=60, env={"HOME": str(home),
                                                                                  "PATH": "/usr/bin:/bin"},
                                 check=False)
        assert refused.returncode == 1 and "Usage:" in refused.stderr, (flags, refused.stderr)
    assert not prefix.exists() and not (home / ".heron").exists()

    variables = role_vars(installers[OLD], OLD, src=installers[OLD].as_uri(), heron_cli_install_mode="prefix",
                          heron_cli_prefix=str(prefix))
    result = play(variables, home)
    assert succeeded(result)["changed"] > 0
    assert (prefix / "bin" / "heron").resolve() == prefix / "heron" / "bin" / "heron"
    assert (prefix / "heron" / "conf" / CLUSTER / "heron.aurora").exists()
    assert not (home / ".heron").exists()
    facts = json.loads(re.search(r'"heron_cli facts: (\{.*\})"', result.stdout)[1].replace('\\"', '"'))
    assert facts["command"] == str(prefix / "heron" / "bin" / "heron")
    assert facts["config_path"] == str(prefix / "heron" / "conf")
    assert succeeded(play(variables, home))["changed"] == 0


@pytest.mark.parametrize(("change", "message"), [
    ({"heron_cli_version": None}, "missing required arguments: heron_cli_version"),
    ({"heron_cli_install_python_packages": "sometimes"}, "heron_cli_install_python_packages"),
    ({"heron_cli_install_mode": "system"}, "heron_cli_install_mode"),
    ({"heron_cli_cluster_config": {"cluster": CLUSTER, "statemgr": "zk1:2181"}}, "statemgr"),
])
def test_a_wrong_or_missing_variable_fails_at_role_start(home, installers, change, message):
    variables = role_vars(installers[OLD], OLD)
    variables.update(change)
    variables = {key: value for key, value in variables.items() if value is not None}
    result = play(variables, home)
    assert result.returncode != 0
    assert "Validation of arguments failed" in result.stdout, result.stdout[-3000:]
    assert message in result.stdout, result.stdout[-3000:]
    assert play_recap(result.stdout)["ok"] == 0, "it fails at the first task"
    assert not (home / ".heron").exists() and not (home / "bin").exists() and not (home / ".cache").exists()


def run_install_step(home: Path, installer: Path, version: str, **env) -> subprocess.CompletedProcess:
    """The role's install step as the role runs it, without Ansible."""
    return subprocess.run([sys.executable, str(INSTALL_STEP), f"--installer={installer}",  # noqa: S603 - no shell
                           "--flag=--user", f"--version={version}"], capture_output=True, text=True, timeout=120,
                          env={"HOME": str(home), "PATH": "/usr/bin:/bin", **env}, check=False)


def test_the_install_step_puts_the_previous_install_back_and_recovers_an_interrupted_run(home, installers):
    assert run_install_step(home, installers[OLD], OLD).returncode == 0
    note = home / ".heron" / "conf" / "mine" / "notes.txt"
    note.parent.mkdir(parents=True)
    note.write_text("mine\n")

    for env, version, problem in (({"JAVA_HOME": str(home / "no-java")}, NEW, "exited with 1"),
                                  ({}, "0.20.7-incubating", f"installed version {NEW}")):
        failed = run_install_step(home, installers[NEW], version, **env)
        assert failed.returncode == 1 and problem in failed.stderr, failed.stderr
        assert "the previous install is back in place" in failed.stderr
        assert installed_version(home) == OLD and note.read_text() == "mine\n"

    # A run cut short after the rename leaves the previous tree aside: the next run renames it back first.
    previous = home / ".heron.heron-aurora-previous"
    (home / ".heron").rename(previous)
    assert run_install_step(home, installers[NEW], NEW).returncode == 0
    assert installed_version(home) == NEW and note.read_text() == "mine\n" and not previous.exists()

    # Both trees there: the step cannot tell which one holds what, so it stops and names both.
    previous.mkdir()
    refused = run_install_step(home, installers[OLD], OLD)
    assert refused.returncode == 1 and str(previous) in refused.stderr and str(home / ".heron") in refused.stderr
    assert installed_version(home) == NEW and previous.exists()
