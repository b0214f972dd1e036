"""The STAND-IN heron-core release (tests only): a tarball holding the heron-executor stand-in as
heron-core/bin/heron-executor and a release.yaml, built once per change of the script and cached under .cache."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from ..packages import tar_gz

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "heron_executor.py"
CACHE_DIR = HERE.parents[3] / ".cache" / "harness" / "heron-core"
EXECUTOR_MEMBER = "heron-core/bin/heron-executor"
RELEASE_VERSION = "0.20.5-incubating"
RELEASE_YAML = (f"heron.build.version: {RELEASE_VERSION}\n"
                "heron.build.user: heron-aurora-tests\n"
                "# STAND-IN release of the heron.aurora tests: its heron-executor is a test stand-in, not Heron.\n")


def executor_file(python: str = sys.executable) -> bytes:
    """The script run by the interpreter of the tests (which has kazoo, protobuf and PyYAML)."""
    return f"#!{python}\n".encode() + SCRIPT.read_bytes()


def core_release(python: str = sys.executable) -> Path:
    """The path of heron-core.tar.gz, rebuilt when the script or the interpreter changes."""
    members = {EXECUTOR_MEMBER: executor_file(python), "heron-core/release.yaml": RELEASE_YAML.encode()}
    digest = hashlib.sha256(b"".join(members.values())).hexdigest()[:16]
    target = CACHE_DIR / f"heron-core-{digest}.tar.gz"
    if target.exists():
        return target
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.partial")
    partial.write_bytes(tar_gz(members, executable={EXECUTOR_MEMBER}))
    os.replace(partial, target)
    return target
