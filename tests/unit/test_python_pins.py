"""requirements.txt is the one source of the Python pins. Everything else that names a version says the same:
the aurora_client and heron_cli roles (defaults, argument spec, the Kerberos extra) and the `requirements:` of every
module and doc fragment. An optional package is pinned in requirements.txt on a line `# optional: NAME>=VERSION`,
which pip skips.

Plain pytest on the files as text (no Ansible, no harness), so that it also runs under `ansible-test units`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# Each role that installs Python packages: the variable that lists them.
ROLE_PACKAGES = {"aurora_client": "aurora_client_python_packages", "heron_cli": "heron_cli_python_packages"}
# NAME, then an optional version specifier (>=1.2, ==1.2, >=1,<2, ...), then an optional remark in parentheses.
REQUIREMENT = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<specifier>[<>=!~][^()]*?)?\s*(?:\(.*\))?")
OPTIONAL = re.compile(r"#\s*optional:\s*(?P<requirement>.+)")


def canonical_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def split_requirement(text: str) -> tuple[str, str]:
    """('requests-kerberos', '>=0.14.0') from 'requests_kerberos >= 0.14.0 (only for ...)'; '' without a version."""
    match = REQUIREMENT.fullmatch(text.strip())
    assert match, f"{text!r} is not NAME[SPECIFIER] [(remark)]"
    return canonical_name(match["name"]), re.sub(r"\s+", "", match["specifier"] or "")


def pins(requirements: str) -> dict[str, str]:
    """Package name -> version specifier, of every requirement and every `# optional:` line."""
    found = {}
    for line in requirements.splitlines():
        optional = OPTIONAL.fullmatch(line.strip())
        if optional:
            line = optional["requirement"]
        elif line.lstrip().startswith("#") or not line.strip():
            continue
        name, specifier = split_requirement(line)
        assert specifier, f"requirements.txt: {line!r} has no version"
        assert name not in found, f"requirements.txt pins {name} twice"
        found[name] = specifier
    return found


PINS = pins((ROOT / "requirements.txt").read_text())


def documentation_blocks(path: Path) -> dict[str, dict]:
    """The YAML documentation strings of a module (DOCUMENTATION) or a doc fragment (every string of its class)."""
    tree = ast.parse(path.read_text(), str(path))
    bodies = [tree.body] + [node.body for node in tree.body if isinstance(node, ast.ClassDef)]
    blocks = {}
    for body in bodies:
        for node in body:
            if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id.isupper() and isinstance(node.value, ast.Constant)
                    and isinstance(node.value.value, str) and node.targets[0].id not in ("EXAMPLES", "RETURN")):
                blocks[node.targets[0].id] = yaml.safe_load(node.value.value) or {}
    return blocks


def documented_requirements() -> list[tuple[str, str]]:
    """(where, requirement) for every `requirements:` entry of the modules and doc fragments."""
    found = []
    for folder in ("modules", "doc_fragments"):
        for path in sorted((ROOT / "plugins" / folder).glob("*.py")):
            for block_name, block in documentation_blocks(path).items():
                for requirement in block.get("requirements") or []:
                    found.append((f"{path.relative_to(ROOT)} {block_name}", requirement))
    return found


def role_requirements() -> list[tuple[str, str]]:
    found = []
    for role, variable in ROLE_PACKAGES.items():
        folder = ROOT / "roles" / role
        defaults = yaml.safe_load((folder / "defaults" / "main.yml").read_text())
        specs = yaml.safe_load((folder / "meta" / "argument_specs.yml").read_text())
        spec_default = specs["argument_specs"]["main"]["options"][variable]["default"]
        found += [(f"roles/{role}/defaults/main.yml", entry) for entry in defaults[variable]]
        found += [(f"roles/{role}/meta/argument_specs.yml", entry) for entry in spec_default]
    role_vars = yaml.safe_load((ROOT / "roles" / "aurora_client" / "vars" / "main.yml").read_text())
    return found + [("roles/aurora_client/vars/main.yml", role_vars["aurora_client_kerberos_package"])]


def check(where: str, requirement: str, pinned: dict[str, str] | None = None) -> None:
    pinned = PINS if pinned is None else pinned
    name, specifier = split_requirement(requirement)
    assert name in pinned, (f"{where}: {requirement!r} names a package requirements.txt does not pin; pin it there "
                            "(a `# optional:` line for an optional one)")
    assert specifier == pinned[name], (f"{where}: {requirement!r} says {specifier or 'no version'}, requirements.txt "
                                       f"says {name}{pinned[name]}: write {name}{pinned[name]}")


@pytest.mark.parametrize(("where", "requirement"), documented_requirements())
def test_documented_requirements_carry_the_pins_of_requirements_txt(where, requirement):
    check(where, requirement)


@pytest.mark.parametrize(("where", "requirement"), role_requirements())
def test_the_roles_install_the_pins_of_requirements_txt(where, requirement):
    check(where, requirement)


@pytest.mark.parametrize("role", sorted(ROLE_PACKAGES))
def test_the_role_defaults_and_its_argument_spec_list_the_same_packages(role):
    by_file: dict[str, list[str]] = {}
    for where, requirement in role_requirements():
        by_file.setdefault(where, []).append(requirement)
    assert by_file[f"roles/{role}/defaults/main.yml"] == by_file[f"roles/{role}/meta/argument_specs.yml"]


def test_the_checks_find_what_they_check():
    """A parser that found nothing would pass every check above."""
    assert {"boto3", "kazoo", "thriftpy2", "requests-kerberos"} <= set(PINS)
    assert len(documented_requirements()) >= 6 and len(role_requirements()) >= 5
    files = {where for where, requirement in role_requirements()}
    spec_files = ("defaults/main.yml", "meta/argument_specs.yml")
    assert files >= {f"roles/{role}/{name}" for role in ROLE_PACKAGES for name in spec_files}


@pytest.mark.parametrize(("requirement", "fails"), [
    ("kazoo >= 2.9.0 (only to find the scheduler through ZooKeeper)", False),
    ("kazoo>=2.9.0", False),
    ("kazoo >= 2.8.0", True),
    ("kazoo", True),
    ("kazoo (only to find the scheduler through ZooKeeper)", True),
    ("zookeeper-client >= 1.0", True),
])
def test_a_drifted_pin_fails(requirement, fails):
    pinned = pins("kazoo>=2.9.0\n# optional: requests_Kerberos >= 0.14\n")
    assert pinned == {"kazoo": ">=2.9.0", "requests-kerberos": ">=0.14"}
    if fails:
        with pytest.raises(AssertionError):
            check("here", requirement, pinned)
    else:
        check("here", requirement, pinned)
