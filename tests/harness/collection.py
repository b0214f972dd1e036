"""Make this checkout importable as ``ansible_collections.heron.aurora`` and run its modules as Ansible does.

Ansible runs a module as a separate Python process that reads its arguments from a JSON file named on the
command line; run_module() does the same, so integration tests exercise the real AnsibleModule argument
handling, check mode, diff mode and no_log, without the cost of a playbook per test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS_ROOT = REPO_ROOT / ".cache" / "collections"
COLLECTION_LINK = COLLECTIONS_ROOT / "ansible_collections" / "heron" / "aurora"


def ensure_collection_path() -> Path:
    """Link the checkout into a collections tree and put that tree on sys.path; return the tree."""
    COLLECTION_LINK.parent.mkdir(parents=True, exist_ok=True)
    if not COLLECTION_LINK.is_symlink():
        COLLECTION_LINK.symlink_to(REPO_ROOT, target_is_directory=True)
    root = str(COLLECTIONS_ROOT)
    if root not in sys.path:
        sys.path.insert(0, root)
    return COLLECTIONS_ROOT


class ModuleFailed(AssertionError):
    pass


def run_module(name: str, args: dict, check_mode: bool = False, diff: bool = False,
               env: dict | None = None, timeout: float = 600) -> dict:
    """Run plugins/modules/<name>.py with ``args``; return its JSON result (``failed`` included)."""
    ensure_collection_path()
    module_args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": module_args}, handle)
        args_file = handle.name
    child_env = dict(os.environ)
    child_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(COLLECTIONS_ROOT), child_env.get("PYTHONPATH")]))
    child_env.update(env or {})
    try:
        proc = subprocess.run(  # noqa: S603 - argument list, no shell
            [sys.executable, "-m", f"ansible_collections.heron.aurora.plugins.modules.{name}", args_file],
            capture_output=True, text=True, env=child_env, timeout=timeout, check=False,
        )
    finally:
        os.unlink(args_file)
    try:
        result = json.loads(proc.stdout)
    except ValueError as exc:
        raise ModuleFailed(
            f"module {name} printed no JSON (exit {proc.returncode})\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        ) from exc
    result["_stderr"] = proc.stderr
    return result


def run_playbook(playbook: Path, extra_vars: dict, check_mode: bool = False, env: dict | None = None,
                 timeout: float = 600, inventory: Path | None = None) -> subprocess.CompletedProcess:
    """Run ansible-playbook with this checkout as the collection heron.aurora, on localhost or ``inventory``."""
    ensure_collection_path()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(extra_vars, handle)
        vars_file = handle.name
    child_env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_ROOT), ANSIBLE_NOCOLOR="1",
                     ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_LOCALHOST_WARNING="0",
                     ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    child_env.update(env or {})
    command = [str(Path(sys.executable).with_name("ansible-playbook")), str(playbook), "-e", f"@{vars_file}"]
    if inventory is not None:
        command += ["-i", str(inventory)]
    if check_mode:
        command.append("--check")
    try:
        return subprocess.run(command, capture_output=True, text=True, env=child_env,  # noqa: S603
                              timeout=timeout, check=False)
    finally:
        os.unlink(vars_file)


def play_recap(output: str, host: str = "localhost") -> dict[str, int]:
    """The counters of the last PLAY RECAP line for ``host``: {'ok': 5, 'changed': 2, 'failed': 0, ...}."""
    lines = [line for line in output.splitlines() if line.split(" ", 1)[0] == host and "ok=" in line]
    if not lines:
        raise ModuleFailed(f"no play recap in the output:\n{output}")
    return {key: int(value) for key, value in (item.split("=") for item in lines[-1].split(":", 1)[1].split())}
