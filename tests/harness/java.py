"""Java build steps shared by the HDFS harness (hdfs.py) and the sample topology stand-in
(standins/heron/topology/build.py): a pom's classpath resolved with Maven and sources compiled with javac, each cached
in a directory of the caller's and redone only when its inputs change. Hold cache_lock() around them: several test
processes share one cache.

A cached output has a stamp file beside it (``classpath.txt`` → ``classpath.stamp``, ``classes`` → ``classes.stamp``)
holding the fingerprint of the inputs it was built from.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator, Sequence

from .service import ServiceError

MAVEN_TIMEOUT = 900.0
JAVAC_TIMEOUT = 300.0


class JavaBuildError(ServiceError):
    """Maven or javac failed, or no JDK was found."""


@contextlib.contextmanager
def cache_lock(cache_dir: Path) -> Iterator[None]:
    """Hold the exclusive lock of ``cache_dir`` (created if missing) for the block."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def fingerprint(*parts: bytes) -> str:
    """sha256 of the parts, each length-prefixed so that moving bytes between parts changes it."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def stamp_matches(stamp: Path, wanted: str) -> bool:
    return stamp.exists() and stamp.read_text().strip() == wanted


def resolved_classpath(pom: Path, classpath_file: Path, timeout: float = MAVEN_TIMEOUT) -> str:
    """The classpath of ``pom``'s dependencies, kept in ``classpath_file``; Maven runs again when the pom changed or
    a jar of the kept classpath is gone, offline first (once ~/.m2 holds the jars, no network is needed)."""
    stamp = classpath_file.with_suffix(".stamp")
    wanted = fingerprint(pom.read_bytes())
    if classpath_file.exists() and stamp_matches(stamp, wanted):
        jars = classpath_file.read_text().strip()
        if jars and all(Path(jar).exists() for jar in jars.split(os.pathsep)):
            return jars
    partial = classpath_file.with_suffix(".partial")
    for offline in (True, False):
        command = ["mvn", "-B", "-q", *(["-o"] if offline else []), "-f", str(pom), "dependency:build-classpath",
                   f"-Dmdep.outputFile={partial}"]
        completed = _run(command, timeout)
        if completed.returncode == 0 and partial.exists():
            break
    else:
        raise JavaBuildError(f"Maven could not resolve the dependencies of {pom}:\n{completed.stdout[-4000:]}")
    jars = partial.read_text().strip()
    os.replace(partial, classpath_file)
    stamp.write_text(wanted + "\n")
    return jars


def compile_sources(sources: Sequence[Path], classpath: str, classes_dir: Path, options: Sequence[str] = (),
                    timeout: float = JAVAC_TIMEOUT) -> None:
    """Compile ``sources`` against ``classpath`` into a fresh ``classes_dir`` (``options`` go to javac), unless the
    classes there were built from the same sources, classpath and javac."""
    stamp = classes_dir.with_suffix(".stamp")
    javac = java_tool("javac")
    wanted = fingerprint(*(source.read_bytes() for source in sources), classpath.encode(), javac.encode())
    if any(classes_dir.rglob("*.class")) and stamp_matches(stamp, wanted):
        return
    shutil.rmtree(classes_dir, ignore_errors=True)
    classes_dir.mkdir(parents=True)
    completed = _run([javac, "-nowarn", *options, "-encoding", "UTF-8", "-cp", classpath, "-d", str(classes_dir),
                      *map(str, sources)], timeout)
    if completed.returncode != 0:
        raise JavaBuildError(f"javac could not compile {' '.join(map(str, sources))}:\n{completed.stdout[-4000:]}")
    stamp.write_text(wanted + "\n")


def java_tool(name: str) -> str:
    """The path of the JDK's ``name`` (java, javac, jar): $JAVA_HOME/bin first, then PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / name).exists():
        return str(Path(java_home) / "bin" / name)
    found = shutil.which(name)
    if found is None:
        raise JavaBuildError(f"{name} not found: install a JDK (11 or later) or set JAVA_HOME")
    return found


def _run(command: list[str], timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,  # noqa: S603 - argument list, no shell
                          text=True, timeout=timeout, check=False)
