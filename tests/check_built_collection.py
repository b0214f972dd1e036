"""Check a built collection: nothing for tests inside, and ansible-doc lists exactly the modules the source has.

Usage: check_built_collection.py TARBALL INSTALLED_DIR   (with ANSIBLE_COLLECTIONS_PATH set to the install root)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path

LEFT_OUT = ("tests/", "inventories/", "sandbox/", "bench/", "scripts/", ".ci/", ".venv/", ".cache/")
SOURCE_MODULES = Path(__file__).resolve().parents[1] / "plugins" / "modules"


def main(tarball: str, installed: str) -> int:
    problems = []
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    leaked = sorted(name for name in names if name.startswith(LEFT_OUT) or "standin" in name)
    if leaked:
        problems.append(f"the tarball holds files meant to stay out: {leaked[:10]}")

    listed = json.loads(subprocess.run(
        ["ansible-doc", "-t", "module", "-l", "heron.aurora", "--json"],
        capture_output=True, text=True, check=True,
    ).stdout)
    expected = {f"heron.aurora.{path.stem}" for path in SOURCE_MODULES.glob("*.py") if path.stem != "__init__"}
    if set(listed) != expected:
        problems.append(f"ansible-doc lists {sorted(listed)}, the source has {sorted(expected)}")
    if not (Path(installed) / "MANIFEST.json").exists():
        problems.append(f"{installed} has no MANIFEST.json: the install did not happen")

    for problem in problems:
        print(f"built collection: {problem}", file=sys.stderr)
    if not problems:
        print(f"built collection: {len(names)} files, modules listed by ansible-doc: {sorted(listed) or 'none yet'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
