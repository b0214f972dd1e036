"""The sample topology (stand-in, tests only): our WordCount compiled against Heron's real API, packed as a jar
per variant, and its topology definition written by Heron's own HeronSubmitter.

- prepare_classpath(): heron-api from Maven Central (pom.xml beside this file; cached in ~/.m2, the classpath in
  .cache/harness/heron-topology/), compiled classes cached there too, rebuilt only when an input changes;
- sample_jar(variant): the jar of variant "v1" or "v2" (variants/<v>/variant.properties: parallelism, words);
  built reproducibly (fixed timestamps), so the same variant always has the same sha256;
- run_main_class(...): runs a topology's main class as the heron CLI does (facts section 4):
  ``java -client -Xmx1g -cp <jar>:<heron-api> <class> <args>`` with HERON_OPTIONS, and returns the
  ``<tmpdir>/<name>.defn`` that HeronSubmitter wrote (used by the heron CLI stand-in too);
  write_definition(...) does it for the sample's class.
"""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path
from typing import Mapping, Sequence

from harness.java import (
    JavaBuildError,
    cache_lock,
    compile_sources,
    fingerprint,
    java_tool,
    resolved_classpath,
    stamp_matches,
)

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[3]
CACHE_DIR = REPO_ROOT / ".cache" / "harness" / "heron-topology"
POM = HERE / "pom.xml"
SOURCES = sorted((HERE / "src").rglob("*.java"))
VARIANTS = {path.name: path / "variant.properties" for path in sorted((HERE / "variants").iterdir())}
MAIN_CLASS = "heron.aurora.sample.WordCount"
CLASSPATH_FILE = CACHE_DIR / "classpath.txt"
CLASSES_DIR = CACHE_DIR / "classes"
JAR_TIMESTAMP = (2020, 1, 1, 0, 0, 0)
TOOL_TIMEOUT = 300.0


# Every failure of the sample's build, Maven's and javac's included.
BuildError = JavaBuildError


def prepare_classpath() -> str:
    """heron-api's classpath, after compiling the sample sources against it (both cached)."""
    with cache_lock(CACHE_DIR):
        jars = resolved_classpath(POM, CLASSPATH_FILE)
        # Java 8 bytecode: what Heron's containers run (heron.directory.sandbox.java.home is a Java 8 in upstream conf).
        compile_sources(SOURCES, jars, CLASSES_DIR, options=["-Xlint:-options", "--release", "8"])
    return jars


def sample_jar(variant: str = "v1") -> Path:
    """The topology jar of ``variant`` (v1 or v2), built once per change of its inputs."""
    if variant not in VARIANTS:
        raise BuildError(f"no variant {variant!r}; there are {sorted(VARIANTS)}")
    prepare_classpath()
    jar = CACHE_DIR / f"wordcount-{variant}.jar"
    with cache_lock(CACHE_DIR):
        stamp = jar.with_suffix(".stamp")
        wanted = fingerprint(*(path.read_bytes() for path in _class_files()), VARIANTS[variant].read_bytes())
        if jar.exists() and stamp_matches(stamp, wanted):
            return jar
        partial = jar.with_suffix(".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            _add(archive, "META-INF/MANIFEST.MF", f"Manifest-Version: 1.0\r\nMain-Class: {MAIN_CLASS}\r\n\r\n".encode())
            for path in _class_files():
                _add(archive, path.relative_to(CLASSES_DIR).as_posix(), path.read_bytes())
            _add(archive, "variant.properties", VARIANTS[variant].read_bytes())
        os.replace(partial, jar)
        stamp.write_text(wanted + "\n")
    return jar


def heron_options(tmpdir: Path, cluster: str, role: str, environment: str, topology_file: Path,
                  initial_state: str = "RUNNING", submit_user: str = "heron", main_class: str = MAIN_CLASS) -> str:
    """HERON_OPTIONS as the heron CLI sets it: comma-separated key=value, spaces written as %%%%."""
    options = {
        "cmdline.topologydefn.tmpdirectory": str(tmpdir),
        "cmdline.topology.initial.state": initial_state,
        "cmdline.topology.role": role,
        "cmdline.topology.environment": environment,
        "cmdline.topology.cluster": cluster,
        "cmdline.topology.file_name": str(topology_file),
        "cmdline.topology.class_name": main_class,
        "cmdline.topology.submit_user": submit_user,
    }
    return ",".join(f"{key}={value}".replace(" ", "%%%%") for key, value in options.items())


def run_main_class(jar: Path, main_class: str, args: list[str], tmpdir: Path, cluster: str, role: str,
                   environment: str, initial_state: str = "RUNNING", submit_user: str = "heron",
                   extra_env: Mapping[str, str] | None = None, jvm_properties: Sequence[str] = ()) -> Path:
    """Run a topology's main class as the heron CLI does (``jvm_properties``: its --topology-main-jvm-property
    values, each passed as -D<value>); return the one .defn HeronSubmitter wrote in tmpdir."""
    classpath = f"{jar}{os.pathsep}{prepare_classpath()}"
    tmpdir.mkdir(parents=True, exist_ok=True)
    options = heron_options(tmpdir, cluster, role, environment, jar, initial_state, submit_user, main_class)
    env = dict(os.environ, HERON_OPTIONS=options, **(extra_env or {}))
    command = [java_tool("java"), "-client", "-Xmx1g", *(f"-D{item}" for item in jvm_properties), "-cp", classpath,
               main_class, *args]
    completed = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                               timeout=TOOL_TIMEOUT, check=False)
    definitions = sorted(tmpdir.glob("*.defn"))
    if completed.returncode != 0 or len(definitions) != 1:
        raise BuildError(f"{' '.join(command)} exited {completed.returncode} and wrote {len(definitions)} "
                         f"topology definitions in {tmpdir}:\n{completed.stdout[-3000:]}{completed.stderr[-3000:]}")
    return definitions[0]


def write_definition(jar: Path, name: str, tmpdir: Path, cluster: str = "devcluster", role: str = "heron",
                     environment: str = "devel", initial_state: str = "RUNNING",
                     extra_env: Mapping[str, str] | None = None) -> Path:
    """Run the sample's main class as the heron CLI does; return the .defn HeronSubmitter wrote."""
    definition = run_main_class(jar, MAIN_CLASS, [name], tmpdir, cluster, role, environment, initial_state,
                                extra_env=extra_env)
    if definition.name != f"{name}.defn":
        raise BuildError(f"HeronSubmitter wrote {definition}, not {name}.defn")
    return definition


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, JAR_TIMESTAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def _class_files() -> list[Path]:
    return sorted(CLASSES_DIR.rglob("*.class"))
