"""The library packages of module_utils (_common, _storage, _aurora, _heron) import nothing of Ansible, as
docs/architecture.md says: every one of their modules imports in a Python where `ansible` cannot be imported.

The Ansible glue lives in plugins/module_utils/_ansible/. For _aurora this is also what keeps the `aurora` command
(_aurora/cli/) runnable where the aurora_client role installs it: the packages the role copies (_aurora and _common),
without Ansible and without the rest of the collection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
MODULE_UTILS = ROOT / "plugins" / "module_utils"
PREFIX = "ansible_collections.heron.aurora.plugins.module_utils."
LIBRARIES = ("_common", "_storage", "_aurora", "_heron")

# Runs in a child Python: refuse every import of `ansible` and of the module_utils packages named in argv[1] (a
# JSON list), then import each module named after it.
IMPORT_WITHOUT_ANSIBLE = """
import importlib, importlib.abc, json, sys

refused = tuple(json.loads(sys.argv[1]))

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "ansible" or name.startswith("ansible."):
            raise ImportError(f"{name} imported: Ansible is not available here")
        if name in refused or name.startswith(tuple(package + "." for package in refused)):
            raise ImportError(f"{name} imported: the aurora_client role does not install it")
        return None

sys.meta_path.insert(0, Refuse())
failures = {}
for name in sys.argv[2:]:
    try:
        importlib.import_module(name)
    except ImportError as exc:
        failures[name] = str(exc)
print(json.dumps(failures))
"""


def library_modules(packages: tuple[str, ...] = LIBRARIES) -> list[str]:
    names = []
    for package in packages:
        for path in sorted((MODULE_UTILS / package).rglob("*.py")):
            relative = path.relative_to(MODULE_UTILS).with_suffix("")
            names.append(PREFIX + ".".join(part for part in relative.parts if part != "__init__"))
    return names


def import_failures(modules: list[str], refused: list[str]) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
    proc = subprocess.run([sys.executable, "-c", IMPORT_WITHOUT_ANSIBLE, json.dumps(refused), *modules],  # noqa: S603
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_every_library_module_imports_without_ansible():
    modules = library_modules()
    assert len(modules) > 30, "the module list is suspiciously short"
    assert import_failures(modules, refused=[]) == {}


def test_the_packages_the_aurora_client_role_copies_import_nothing_else_of_the_collection():
    role_vars = yaml.safe_load((ROOT / "roles" / "aurora_client" / "vars" / "main.yml").read_text())
    copied = tuple(role_vars["aurora_client_source_packages"])
    assert "_aurora" in copied
    others = sorted(path.name for path in MODULE_UTILS.iterdir() if path.is_dir() and path.name not in copied
                    and path.name != "__pycache__")
    assert "_ansible" in others and "_storage" in others
    assert import_failures(library_modules(copied), refused=[PREFIX + name for name in others]) == {}
