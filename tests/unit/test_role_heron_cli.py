"""The heron_cli role passes heron_cli_cluster_config through to heron_cluster_config whole: its argument spec names
every option of the module, with the module's type, and its task hands each one over. Plain pytest on the files as
text, so it also runs under `ansible-test units`."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLE = ROOT / "roles" / "heron_cli"
MODULE = ROOT / "plugins" / "modules" / "heron_cluster_config.py"
# The role takes these as str: a `path` in a role's spec would be expanded on the controller, not on the host.
PATH_AS_STR = {"path", "heron_aurora_template", "release_conf_dir"}


def module_options() -> dict[str, dict]:
    tree = ast.parse(MODULE.read_text())
    documentation = next(node.value.value for node in tree.body if isinstance(node, ast.Assign)
                         and getattr(node.targets[0], "id", "") == "DOCUMENTATION")
    return yaml.safe_load(documentation)["options"]


def role_options() -> dict[str, dict]:
    specs = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())
    return specs["argument_specs"]["main"]["options"]["heron_cli_cluster_config"]["options"]


def conf_dir_task() -> dict:
    tasks = yaml.safe_load((ROLE / "tasks" / "main.yml").read_text())
    return next(task for task in tasks if "heron.aurora.heron_cluster_config" in task)


def test_the_spec_names_every_module_option_with_its_type():
    module, role = module_options(), role_options()
    assert len(module) >= 15, "the module's options were not found"
    assert sorted(role) == sorted(module)
    for name, option in module.items():
        expected = "str" if name in PATH_AS_STR else option.get("type", "str")
        assert role[name]["type"] == expected, name


def test_the_task_passes_every_option_through():
    arguments = conf_dir_task()["heron.aurora.heron_cluster_config"]
    assert sorted(arguments) == sorted(module_options())
    for name, value in arguments.items():
        assert f"heron_cli_conf_options.{name}" in value, name
