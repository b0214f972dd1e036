"""The public surface as docs/architecture.md ("Public and private") declares it: module_utils and doc fragments are
private (a leading `_`), and every module documents its action group as meta/runtime.yml has it, and its support of
check mode, diff mode and idempotence.

Plain pytest on the files as text (no Ansible, no harness), so that it also runs under `ansible-test units`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ROOT / "plugins"
MODULES = sorted(path for path in (PLUGINS / "modules").glob("*.py") if path.name != "__init__.py")
COLLECTION = "heron.aurora"


def documentation(path: Path, name: str = "DOCUMENTATION") -> dict:
    """A documentation string of a module (top level) or a doc fragment (class ModuleDocFragment), as YAML."""
    tree = ast.parse(path.read_text(), str(path))
    bodies = [tree.body] + [node.body for node in tree.body if isinstance(node, ast.ClassDef)]
    for node in (node for body in bodies for node in body):
        if isinstance(node, ast.Assign) and [getattr(target, "id", None) for target in node.targets] == [name]:
            return yaml.safe_load(ast.literal_eval(node.value)) or {}
    raise AssertionError(f"{path.relative_to(ROOT)} has no {name}")


def attributes(module: Path) -> dict:
    """The module's attributes merged with those of the collection's fragments it extends, as ansible-doc shows them."""
    doc = documentation(module)
    merged: dict[str, dict] = {}
    for fragment in doc.get("extends_documentation_fragment", []):
        namespace, name, rest = fragment.split(".", 2)
        if f"{namespace}.{name}" != COLLECTION:
            continue
        file_name, _dot, variable = rest.partition(".")
        block = documentation(PLUGINS / "doc_fragments" / f"{file_name}.py", variable.upper() or "DOCUMENTATION")
        for key, value in (block.get("attributes") or {}).items():
            merged.setdefault(key, {}).update(value)
    for key, value in (doc.get("attributes") or {}).items():
        merged.setdefault(key, {}).update(value)
    return merged


def action_groups() -> dict[str, list[str]]:
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    return runtime.get("action_groups") or {}


def test_module_utils_and_doc_fragments_are_private():
    public = [str(path.relative_to(ROOT)) for folder in ("module_utils", "doc_fragments")
              for path in (PLUGINS / folder).iterdir()
              if path.name != "__init__.py" and path.name != "__pycache__" and not path.name.startswith("_")]
    assert public == [], "private by the decision in docs/architecture.md: name them with a leading _"


def test_the_action_groups_name_existing_modules():
    names = {path.stem for path in MODULES}
    for group, members in action_groups().items():
        assert set(members) <= names, f"meta/runtime.yml action group {group} names a module that does not exist"


@pytest.mark.parametrize("module", MODULES, ids=lambda path: path.stem)
def test_every_module_declares_its_action_group_and_support(module):
    declared = attributes(module)
    groups = sorted(f"{COLLECTION}.{group}" for group, members in action_groups().items() if module.stem in members)
    assert sorted(declared.get("action_group", {}).get("membership", [])) == groups, (
        f"{module.name}: attributes.action_group.membership must be {groups}, as in meta/runtime.yml")
    for attribute in ("action_group", "check_mode", "diff_mode", "idempotent"):
        assert declared.get(attribute, {}).get("support") in ("full", "partial", "none", "N/A"), (
            f"{module.name}: attributes.{attribute} needs a support level")
        assert declared[attribute].get("description"), f"{module.name}: attributes.{attribute} has no description"
    for attribute, value in declared.items():
        if value["support"] == "partial":
            assert value.get("details"), f"{module.name}: attributes.{attribute}: partial support must say where"
