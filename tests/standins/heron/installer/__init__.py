"""The STAND-IN Heron installer (tests only, never shipped): builds heron-install-<version>-<platform>.sh, a bash
header (header.sh) with a zip appended that holds heron.tar.gz, as Heron's self-extracting installer is made.

The release it installs has Heron's layout (facts section 5): release.yaml, bin/ (heron, which runs the heron CLI
stand-in of this checkout through tests/standins/bin/heron, and the four other tools, which only say they are not
there), conf/ (aurora and local cluster dirs, with stand-in heron_internals.yaml and metrics_sinks.yaml),
dist/heron-core.tar.gz (the executor stand-in's core release) and lib/ (one placeholder per release, named by its
version, so that a test can tell which release's files are present).
"""

from __future__ import annotations

import shlex
import sys
import zipfile
from pathlib import Path

from ..executor import core_release
from ..packages import tar_gz

HERE = Path(__file__).resolve().parent
CHECKOUT_LAUNCHER = HERE.parents[1] / "bin" / "heron"
OTHER_TOOLS = ("heron-explorer", "heron-tracker", "heron-ui", "heron-apiserver")
DEFAULT_PLATFORM = "ubuntu22.04"


def installer_name(version: str, platform: str = DEFAULT_PLATFORM) -> str:
    return f"heron-install-{version}-{platform}.sh"


def release_yaml(version: str) -> str:
    return (f"heron.build.version: {version}\n"
            "heron.build.user: heron-aurora-tests\n"
            "# STAND-IN release of the heron.aurora tests (tests/standins/heron/installer), not Heron.\n")


def release_members(version: str, python: str) -> tuple[dict[str, bytes], set[str]]:
    launcher = ((HERE / "launcher.sh").read_text()
                .replace("%python%", shlex.quote(python))
                .replace("%checkout_launcher%", shlex.quote(str(CHECKOUT_LAUNCHER))))
    members = {"release.yaml": release_yaml(version).encode(), "bin/heron": launcher.encode()}
    for tool in OTHER_TOOLS:
        members[f"bin/{tool}"] = (f"#!/bin/sh\necho '{tool}: not part of the heron.aurora tests'"
                                  " stand-in Heron release' >&2\nexit 1\n").encode()
    stand_in = "# STAND-IN file of the heron.aurora tests' Heron release, not Heron's.\n"
    for cluster in ("aurora", "local"):
        for name in ("heron_internals.yaml", "metrics_sinks.yaml"):
            members[f"conf/{cluster}/{name}"] = f"{stand_in}stand-in.release: {version}\n".encode()
    members["dist/heron-core.tar.gz"] = core_release(python).read_bytes()
    members[f"lib/scheduler/heron-scheduler-{version}.stand-in"] = stand_in.encode()
    return members, {f"bin/{tool}" for tool in ("heron", *OTHER_TOOLS)}


def build_installer(directory: Path, version: str, platform: str = DEFAULT_PLATFORM,
                    python: str = sys.executable) -> Path:
    """Write ``directory/heron-install-<version>-<platform>.sh`` (mode 0755) and return its path."""
    members, executable = release_members(version, python)
    target = Path(directory) / installer_name(version, platform)
    target.write_text((HERE / "header.sh").read_text().replace("%version%", version))
    # Appended to a file that is no zip, zipfile writes the archive after it with offsets from the file's start,
    # which is what `zip -A` makes of a self-extracting archive: unzip reads it without a warning.
    with zipfile.ZipFile(target, "a", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("heron.tar.gz", tar_gz(members, executable=executable))
    target.chmod(0o755)
    return target
