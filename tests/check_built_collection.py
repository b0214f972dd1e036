"""Check a built collection: nothing for tests inside, ansible-doc lists exactly the modules the source has, and
ansible-builder finds our Python and system dependencies (as AWX does when it builds an execution environment).

Usage: check_built_collection.py TARBALL INSTALLED_DIR   (with ANSIBLE_COLLECTIONS_PATH set to the install root)
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

LEFT_OUT = ("tests/", "inventories/", "bench/", "scripts/", ".ci/", ".venv/", ".cache/", "ruff.toml")
ROOT = Path(__file__).resolve().parents[1]
SOURCE_MODULES = ROOT / "plugins" / "modules"
ALREADY_IN_EVERY_EE = {"pyyaml"}
EE_DEFINITION = """\
version: 3
images:
  base_image:
    name: quay.io/ansible/awx-ee:latest
dependencies:
  galaxy:
    collections:
      - name: {tarball}
        type: file
"""


def run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603 - argument list, no shell


def execution_environment_problems(tarball: str, installed: str) -> list[str]:
    problems = []
    introspected = run("ansible-builder", "introspect", "--sanitize", str(Path(installed).parents[2]))
    wanted = [re.split(r"[<>=\[ ]", line, maxsplit=1)[0]
              for line in (ROOT / "requirements.txt").read_text().splitlines() if line and not line.startswith("#")]
    # ansible-builder leaves out what every execution environment already has (its EXCLUDE_REQUIREMENTS).
    missing = [name for name in wanted if f"'{name}" not in introspected and name.lower() not in ALREADY_IN_EVERY_EE]
    if missing:
        problems.append(f"ansible-builder introspect does not see {missing} in meta/execution-environment.yml")
    with tempfile.TemporaryDirectory() as context:
        definition = Path(context) / "execution-environment.yml"
        definition.write_text(EE_DEFINITION.format(tarball=Path(tarball).resolve()))
        run("ansible-builder", "create", "-f", str(definition), "-c", str(Path(context) / "build"))
        galaxy_requirements = Path(context) / "build" / "_build" / "requirements.yml"
        if not galaxy_requirements.exists():
            problems.append("ansible-builder create wrote no build context")
        elif Path(tarball).name not in galaxy_requirements.read_text():
            problems.append("ansible-builder create left the collection out of the build context")
    return problems


def main(tarball: str, installed: str) -> int:
    problems = []
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    leaked = sorted(name for name in names
                    if name.startswith(LEFT_OUT) or "standin" in name or "stand-in" in name or "sandbox" in name)
    if leaked:
        problems.append(f"the tarball holds files meant to stay out: {leaked[:10]}")

    listed = json.loads(run("ansible-doc", "-t", "module", "-l", "heron.aurora", "--json"))
    expected = {f"heron.aurora.{path.stem}" for path in SOURCE_MODULES.glob("*.py") if path.stem != "__init__"}
    if set(listed) != expected:
        problems.append(f"ansible-doc lists {sorted(listed)}, the source has {sorted(expected)}")
    if not (Path(installed) / "MANIFEST.json").exists():
        problems.append(f"{installed} has no MANIFEST.json: the install did not happen")
    problems += execution_environment_problems(tarball, installed)

    for problem in problems:
        print(f"built collection: {problem}", file=sys.stderr)
    if not problems:
        print(f"built collection: {len(names)} files, modules listed by ansible-doc: {sorted(listed) or 'none yet'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
