"""This checkout as the collection ``heron.aurora``, and its modules run as Ansible runs them; for the unit tests and
the integration harness (tests/harness/collection.py) alike.

ansible-test runs the unit tests inside ``.../ansible_collections/heron/aurora``, where the collection is importable
already. A plain checkout (``python -m pytest tests/unit``) is linked into ``.cache/collections`` first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

COLLECTION_DIR = Path(__file__).resolve().parents[3]
IN_COLLECTIONS_TREE = COLLECTION_DIR.parts[-3:] == ("ansible_collections", "heron", "aurora")
# The directory that holds ansible_collections/heron/aurora: where ansible-test put us, or our own link in .cache.
COLLECTIONS_ROOT = COLLECTION_DIR.parents[2] if IN_COLLECTIONS_TREE else COLLECTION_DIR / ".cache" / "collections"


def ensure_importable() -> Path:
    """Make ``import ansible_collections.heron.aurora...`` load this collection, here and in child processes that
    put COLLECTIONS_ROOT on their path; return COLLECTIONS_ROOT."""
    if not IN_COLLECTIONS_TREE:
        link = COLLECTIONS_ROOT / "ansible_collections" / "heron" / "aurora"
        link.parent.mkdir(parents=True, exist_ok=True)
        try:
            link.symlink_to(COLLECTION_DIR, target_is_directory=True)
        except FileExistsError:
            pass  # linked by an earlier run, or by a parallel worker
    if str(COLLECTIONS_ROOT) not in sys.path:
        sys.path.insert(0, str(COLLECTIONS_ROOT))
    return COLLECTIONS_ROOT


def run_module(name: str, args: dict, check_mode: bool = False, diff: bool = False,
               env: dict | None = None, timeout: float = 600) -> dict:
    """Run plugins/modules/<name>.py in a child Python as Ansible does, its arguments in a JSON file named on the
    command line; return its JSON result (``failed`` included) with its standard error under ``_stderr``."""
    module_args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": module_args}, handle)
        args_file = handle.name
    child_env = dict(os.environ)
    child_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ensure_importable()), child_env.get("PYTHONPATH")]))
    child_env.update(env or {})
    try:
        proc = subprocess.run(
            [sys.executable, "-m", f"ansible_collections.heron.aurora.plugins.modules.{name}", args_file],
            capture_output=True, text=True, env=child_env, timeout=timeout, check=False,
        )
    finally:
        os.unlink(args_file)
    try:
        result = json.loads(proc.stdout)
    except ValueError as exc:
        raise AssertionError(
            f"module {name} printed no JSON (exit {proc.returncode})\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        ) from exc
    result["_stderr"] = proc.stderr
    return result
