"""The library packages of module_utils (_common, _storage, _aurora, _heron) import nothing of Ansible, as
docs/architecture.md says: every one of their modules imports in a Python where `ansible` cannot be imported.

The Ansible glue lives in plugins/module_utils/_ansible/. The two glue modules still inside _aurora move out with the
package's library/glue split (issue 13); until then they are the only ones allowed to need Ansible."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

MODULE_UTILS = Path(__file__).resolve().parents[2] / "plugins" / "module_utils"
LIBRARIES = ("_common", "_storage", "_aurora", "_heron")
GLUE_STILL_IN_AURORA = {"_aurora.module", "_aurora.job_state"}

# Runs in a child Python: refuse every import of `ansible`, then import each module named on the command line.
IMPORT_WITHOUT_ANSIBLE = """
import importlib, importlib.abc, json, sys

class NoAnsible(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "ansible" or name.startswith("ansible."):
            raise ImportError(f"{name} imported: Ansible is not available here")
        return None

sys.meta_path.insert(0, NoAnsible())
failures = {}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except ImportError as exc:
        failures[name] = str(exc)
print(json.dumps(failures))
"""


def library_modules() -> list[str]:
    names = []
    for package in LIBRARIES:
        for path in sorted((MODULE_UTILS / package).rglob("*.py")):
            relative = path.relative_to(MODULE_UTILS).with_suffix("")
            dotted = ".".join(part for part in relative.parts if part != "__init__")
            if dotted not in GLUE_STILL_IN_AURORA:
                names.append(dotted)
    return names


def test_every_library_module_imports_without_ansible():
    prefix = "ansible_collections.heron.aurora.plugins.module_utils."
    modules = [prefix + name for name in library_modules()]
    assert len(modules) > 30, "the module list is suspiciously short"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
    proc = subprocess.run([sys.executable, "-c", IMPORT_WITHOUT_ANSIBLE, *modules],  # noqa: S603 - fixed argv
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {}


@pytest.mark.parametrize("name", sorted(GLUE_STILL_IN_AURORA))
def test_the_glue_still_in_aurora_exists(name):
    # When issue 13 moves them to _ansible/, this test fails: then drop GLUE_STILL_IN_AURORA.
    assert (MODULE_UTILS / (name.replace(".", "/") + ".py")).is_file()
