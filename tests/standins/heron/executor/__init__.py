"""The STAND-IN heron-core release (tests only): a tarball holding the heron-executor stand-in as
heron-core/bin/heron-executor and a release.yaml, built once per change of the script and cached under .cache."""

from __future__ import annotations

import hashlib
import io
import os
import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "heron_executor.py"
CACHE_DIR = HERE.parents[3] / ".cache" / "harness" / "heron-core"
RELEASE_VERSION = "0.20.5-incubating"
RELEASE_YAML = (f"heron.build.version: {RELEASE_VERSION}\n"
                "heron.build.user: heron-aurora-tests\n"
                "# STAND-IN release of the heron.aurora tests: its heron-executor is a test stand-in, not Heron.\n")


def executor_file(python: str = sys.executable) -> bytes:
    """The script run by the interpreter of the tests (which has kazoo, protobuf and PyYAML)."""
    return f"#!{python}\n".encode() + SCRIPT.read_bytes()


def core_release(python: str = sys.executable) -> Path:
    """The path of heron-core.tar.gz, rebuilt when the script or the interpreter changes."""
    members = {"heron-core/bin/heron-executor": (executor_file(python), 0o755),
               "heron-core/release.yaml": (RELEASE_YAML.encode(), 0o644)}
    digest = hashlib.sha256(b"".join(data for data, _mode in members.values())).hexdigest()[:16]
    target = CACHE_DIR / f"heron-core-{digest}.tar.gz"
    if target.exists():
        return target
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, (data, mode) in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, 1577836800
            tar.addfile(info, io.BytesIO(data))
    partial = target.with_suffix(f".{os.getpid()}.partial")
    partial.write_bytes(buffer.getvalue())
    os.replace(partial, target)
    return target
