"""Heron's own protobuf descriptors, from the heronpy wheel on PyPI (pinned with its sha256 in
heronpy-requirements.txt), to check the collection's message definitions against.

heronpy 0.20.5 pins protobuf==3.16.0, so it cannot be installed next to the collection's protobuf. Its *_pb2.py
modules are protoc's output: each passes the serialized FileDescriptorProto of its .proto file as the bytes literal
``serialized_pb=...``. We download the wheel once (cached in .cache/harness/heronpy/), read those literals with
``ast`` without running the modules, and add them to a descriptor pool of their own.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from harness.java import cache_lock

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "heronpy-requirements.txt"
CACHE_DIR = HERE.parents[2] / ".cache" / "harness" / "heronpy"
WHEEL_NAME = "heronpy-0.20.5-py3-none-any.whl"
PROTO_PACKAGE = "heronpy/proto/"
PIP_TIMEOUT = 300


class HeronpyUnavailable(RuntimeError):
    pass


def wheel_path() -> Path:
    """The heronpy wheel, downloaded with pip (hash-checked) on first use, under the cache's lock: the test
    processes (pytest-xdist workers) share the cache."""
    wheel = CACHE_DIR / WHEEL_NAME
    with cache_lock(CACHE_DIR):
        if wheel.exists():
            return wheel
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--dest",
                   str(CACHE_DIR), "-r", str(REQUIREMENTS)]
        completed = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                   timeout=PIP_TIMEOUT, check=False)
        if completed.returncode != 0 or not wheel.exists():
            raise HeronpyUnavailable(f"could not download heronpy with {' '.join(command)}:\n"
                                     f"{completed.stdout[-2000:]}{completed.stderr[-2000:]}")
    return wheel


def file_descriptors() -> dict[str, descriptor_pb2.FileDescriptorProto]:
    """Heron's FileDescriptorProtos by file name (topology.proto, physical_plan.proto, ...)."""
    found = {}
    with zipfile.ZipFile(wheel_path()) as wheel:
        for member in wheel.namelist():
            if member.startswith(PROTO_PACKAGE) and member.endswith("_pb2.py"):
                file_proto = _serialized_descriptor(wheel.read(member).decode("utf-8"), member)
                found[file_proto.name] = file_proto
    if not found:
        raise HeronpyUnavailable(f"{wheel_path()} holds no {PROTO_PACKAGE}*_pb2.py module")
    return found


def _serialized_descriptor(source: str, member: str) -> descriptor_pb2.FileDescriptorProto:
    for node in ast.walk(ast.parse(source, member)):
        if isinstance(node, ast.keyword) and node.arg == "serialized_pb":
            return descriptor_pb2.FileDescriptorProto.FromString(ast.literal_eval(node.value))
    raise HeronpyUnavailable(f"{member} has no serialized_pb=... descriptor")


def descriptor_pool_of_heron() -> descriptor_pool.DescriptorPool:
    """A pool with every file of heronpy.proto, dependencies first."""
    files = file_descriptors()
    pool = descriptor_pool.DescriptorPool()
    added: set[str] = set()

    def add(name: str) -> None:
        if name in added:
            return
        for dependency in files[name].dependency:
            add(dependency)
        pool.Add(files[name])
        added.add(name)

    for name in sorted(files):
        add(name)
    return pool


def message_class(pool: descriptor_pool.DescriptorPool, full_name: str) -> type:
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(full_name))
