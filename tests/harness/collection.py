"""This checkout as the collection ``heron.aurora`` for the integration tests: importable by its name, its modules
run as Ansible runs them (both shared with the unit tests, from tests/unit/utils/collection.py), and its playbooks run
with ansible-playbook.

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

from unit.utils.collection import COLLECTION_DIR as REPO_ROOT
from unit.utils.collection import COLLECTIONS_ROOT, run_module
from unit.utils.collection import ensure_importable as ensure_collection_path

__all__ = ["COLLECTIONS_ROOT", "REPO_ROOT", "ModuleFailed", "ensure_collection_path", "play_recap", "run_module",
           "run_playbook"]


class ModuleFailed(AssertionError):
    pass


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
