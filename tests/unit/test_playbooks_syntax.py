"""Every playbook of playbooks/ passes `ansible-playbook --syntax-check` against the sandbox inventory and the
example one (which another branch adds; checked when present), with this checkout as the collection heron.aurora."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .utils.collection import ensure_importable

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = sorted((ROOT / "playbooks").glob("*.yml"))
INVENTORIES = [path for path in (ROOT / "inventories" / "sandbox" / "hosts.yml",
                                 ROOT / "inventories" / "example" / "hosts.yml") if path.exists()]


def test_the_operator_playbooks_are_there():
    assert {"site.yml", "submit_topology.yml", "kill_topology.yml", "fetch_check.yml"} <= {p.name for p in PLAYBOOKS}


@pytest.mark.parametrize("inventory", INVENTORIES, ids=lambda path: path.parent.name)
@pytest.mark.parametrize("playbook", PLAYBOOKS, ids=lambda path: path.name)
def test_syntax(playbook, inventory):
    command = Path(sys.executable).with_name("ansible-playbook")
    program = str(command) if command.exists() else shutil.which("ansible-playbook")
    assert program, "ansible-playbook is not installed next to this Python nor on PATH"
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ensure_importable()), ANSIBLE_NOCOLOR="1")
    result = subprocess.run([program, "--syntax-check", "-i", str(inventory), str(playbook)],  # noqa: S603
                            capture_output=True, text=True, timeout=120, env=env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
