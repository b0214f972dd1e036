"""inventories/example stays usable: ansible-inventory parses it into the groups the playbooks target, its ZooKeeper
ids are unique, and every variable it sets (group_vars, host_vars and the hosts' own in hosts.yml) is an option of
one of the collection's roles, with keys its argument spec knows and a value of its type, or one of Ansible's
connection variables. A role variable renamed or removed therefore fails here instead of being silently ignored by
the example."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
INVENTORY = ROOT / "inventories" / "example"
GROUPS = {"all", "ungrouped", "zookeeper", "binary_host", "heron_clients", "aurora", "aurora_schedulers",
          "aurora_agents"}
# Ansible's own variables the example may set.
CONNECTION_VARIABLES = {"ansible_host", "ansible_port", "ansible_user", "ansible_connection",
                        "ansible_python_interpreter", "ansible_become", "ansible_become_user"}


def ansible_inventory(*args: str) -> str:
    command = Path(sys.executable).with_name("ansible-inventory")
    program = str(command) if command.exists() else shutil.which("ansible-inventory")
    assert program, "ansible-inventory is not installed next to this Python nor on PATH"
    result = subprocess.run([program, "-i", str(INVENTORY), *args],  # noqa: S603 - argument list, no shell
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0 and "WARNING" not in result.stderr, result.stderr
    return result.stdout


def role_options() -> dict[str, dict]:
    """Every option of every entry point of every role, by name."""
    options = {}
    for spec in sorted((ROOT / "roles").glob("*/meta/argument_specs.yml")):
        for entry_point in yaml.safe_load(spec.read_text())["argument_specs"].values():
            options.update(entry_point.get("options") or {})
    return options


def inline_host_variables(group: dict) -> dict[str, dict]:
    found = {}
    for host, variables in (group.get("hosts") or {}).items():
        found[f"hosts.yml {host}"] = variables or {}
    for name, child in (group.get("children") or {}).items():
        found.update(inline_host_variables(child or {}))
        if (child or {}).get("vars"):
            found[f"hosts.yml {name} vars"] = child["vars"]
    return found


def variable_sources() -> dict[str, dict]:
    sources = {str(path.relative_to(INVENTORY)): yaml.safe_load(path.read_text()) or {}
               for folder in ("group_vars", "host_vars") for path in sorted((INVENTORY / folder).glob("*.yml"))}
    sources.update(inline_host_variables(yaml.safe_load((INVENTORY / "hosts.yml").read_text())["all"]))
    return sources


# Python types of literal values for each argument spec type; a Jinja2 expression is left to Ansible.
SPEC_TYPES = {"str": (str,), "path": (str,), "int": (int,), "bool": (bool,), "list": (list,), "dict": (dict,),
              "float": (int, float), "raw": (object,)}


def wrong_types(value, option: dict, where: str) -> list[str]:
    """Literal values whose type is not the option's, recursively through suboptions and list elements."""
    if isinstance(value, str) and "{{" in value:
        return []
    expected = SPEC_TYPES[option.get("type", "str")]
    if not isinstance(value, expected) or (isinstance(value, bool) and bool not in expected and object not in expected):
        return [f"{where}={value!r} (not {option.get('type', 'str')})"]
    found = []
    if isinstance(value, list) and option.get("elements"):
        element = {"type": option["elements"], "options": option.get("options")}
        for index, item in enumerate(value):
            found += wrong_types(item, element, f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in (option.get("options") or {}):
                found += wrong_types(item, option["options"][key], f"{where}.{key}")
    return found


def unknown_keys(value, option: dict, where: str) -> list[str]:
    """Keys of a dict value that the option's suboptions do not name, recursively."""
    suboptions = option.get("options")
    if not suboptions or not isinstance(value, dict):
        return []
    found = []
    for key, item in value.items():
        if key not in suboptions:
            found.append(f"{where}.{key}")
        else:
            found += unknown_keys(item, suboptions[key], f"{where}.{key}")
    return found


def test_ansible_inventory_shows_the_groups_and_hosts():
    graph = ansible_inventory("--graph")
    groups = {line.strip(" |-").rstrip(":")[1:] for line in graph.splitlines() if "@" in line}
    assert groups == GROUPS
    listed = json.loads(ansible_inventory("--list"))
    assert len(listed["zookeeper"]["hosts"]) == 3
    assert listed["binary_host"]["hosts"] and len(listed["heron_clients"]["hosts"]) >= 2
    ids = [listed["_meta"]["hostvars"][host]["zookeeper_id"] for host in listed["zookeeper"]["hosts"]]
    assert sorted(ids) == sorted(set(ids)) and all(isinstance(number, int) for number in ids)


def test_the_checks_find_what_they_check():
    sources = variable_sources()
    assert {"group_vars/all.yml", "group_vars/zookeeper.yml", "group_vars/binary_host.yml",
            "group_vars/heron_clients.yml"} <= set(sources)
    assert any(where.startswith("host_vars/") for where in sources)
    assert {"zookeeper_id", "heron_cli_version", "binary_host_core_src", "aurora_client_clusters"} <= set(
        name for variables in sources.values() for name in variables)
    assert unknown_keys({"cluster": "x", "bogus": 1}, role_options()["heron_cli_cluster_config"], "v") == ["v.bogus"]
    assert wrong_types(0, role_options()["heron_cli_installer_sha256"], "s") == ["s=0 (not str)"]
    assert wrong_types(True, role_options()["zookeeper_id"], "z") == ["z=True (not int)"]
    assert wrong_types({"cluster": 1}, role_options()["heron_cli_cluster_config"], "c") == ["c.cluster=1 (not str)"]
    assert wrong_types(["a", 1], role_options()["heron_cli_packages"], "p") == ["p[1]=1 (not str)"]


@pytest.mark.parametrize("where", sorted(variable_sources()))
def test_every_variable_is_a_role_option(where):
    options = role_options()
    variables = variable_sources()[where]
    unknown = sorted(set(variables) - set(options) - CONNECTION_VARIABLES)
    assert not unknown, f"inventories/example/{where} sets {unknown}, which no role's argument spec declares"
    bad_keys = [key for name, value in variables.items() if name in options
                for key in unknown_keys(value, options[name], name)]
    assert not bad_keys, f"inventories/example/{where}: {bad_keys} are not in the roles' argument specs"
    bad_values = [problem for name, value in variables.items() if name in options
                  for problem in wrong_types(value, options[name], name)]
    assert not bad_values, f"inventories/example/{where}: {bad_values}"
