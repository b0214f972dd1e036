"""Benchmark heron_upload against the raw library calls, on the harness's real S3 API (moto) and HDFS.

For each store, in the same run and on the same file:
  raw        boto3 ``upload_file`` with the module's part size and default concurrency (S3);
             HdfsCLI ``Client.upload`` (HDFS)
  module     heron_upload run as Ansible runs it (a fresh Python process), content that the store does not have
  rerun      heron_upload again, unchanged content: it must cost no more than hashing the file locally + 1 s
  hash       sha256 of the file in this process, 1 MiB chunks (what the rerun cannot avoid)
Each store is warmed up with a 64 MiB upload, then raw and module uploads run --repeat times each, in
alternating order (raw module module raw ...), and the medians are shown. The module's time is the whole
process, interpreter start and imports included; its peak RSS is read from the kernel (ru_maxrss of the
waited child). Not a test: numbers depend on the machine and its load.

    .venv/bin/python bench/upload_bench.py --size 1GiB [--part-size 8MiB] [--stores s3,hdfs]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from harness.collection import COLLECTIONS_ROOT, ensure_collection_path  # noqa: E402

MIB = 1024 * 1024
MODULE = "ansible_collections.heron.aurora.plugins.modules.heron_upload"


def parse_size(text: str) -> int:
    units = {"KIB": 1024, "MIB": MIB, "GIB": 1024 * MIB, "K": 1024, "M": MIB, "G": 1024 * MIB}
    upper = text.strip().upper()
    for unit, factor in sorted(units.items(), key=lambda item: -len(item[0])):
        if upper.endswith(unit):
            return int(float(upper[: -len(unit)]) * factor)
    return int(upper)


def make_file(path: Path, size: int, seed: bytes) -> None:
    """Incompressible content, different per seed, written without holding it in memory."""
    block = b"".join(hashlib.sha256(seed + i.to_bytes(4, "big")).digest() for i in range(MIB // 32))
    with open(path, "wb") as out:
        written = 0
        while written < size:
            chunk = block[: min(MIB, size - written)]
            out.write(chunk)
            written += len(chunk)


def hash_seconds(path: Path) -> float:
    started = time.perf_counter()
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(MIB):
            digest.update(chunk)
    return time.perf_counter() - started


def run_module_measured(args: dict) -> tuple[dict, float, int]:
    """Run heron_upload as Ansible does, from a wrapper whose only child is the module process; returns
    (result, wall seconds of the module process, its peak RSS in bytes)."""
    code = (
        "import json, resource, subprocess, sys, time\n"
        "started = time.perf_counter()\n"
        "proc = subprocess.run([sys.executable, '-m', sys.argv[1], sys.argv[2]], capture_output=True)\n"
        "seconds = time.perf_counter() - started\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024\n"
        "print(json.dumps({'stdout': proc.stdout.decode(), 'stderr': proc.stderr.decode()[-2000:],"
        " 'seconds': seconds, 'peak': peak}))\n"
    )
    ensure_collection_path()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": args}, handle)
    env = dict(os.environ, PYTHONPATH=str(COLLECTIONS_ROOT))
    try:
        wrapper = subprocess.run([sys.executable, "-c", code, MODULE, handle.name], capture_output=True,  # noqa: S603
                                 env=env, check=True, text=True)
    finally:
        os.unlink(handle.name)
    report = json.loads(wrapper.stdout)
    result = json.loads(report["stdout"])
    if result.get("failed"):
        raise SystemExit(f"module failed: {result.get('msg')}\n{report['stderr']}")
    return result, report["seconds"], report["peak"]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def compare(raw_upload, remove_raw, module_args: dict, remove_module, warm_up, size: int, repeat: int) -> dict:
    """Warm the server up, then run raw and module uploads ``repeat`` times each, in the order raw, module,
    module, raw, raw, ... so that neither always follows the other's cleanup; medians of each."""
    warm_up()
    raws, modules, peaks = [], [], []

    def raw() -> None:
        started = time.perf_counter()
        raw_upload()
        raws.append(time.perf_counter() - started)
        remove_raw()

    def module() -> None:
        result, seconds, peak = run_module_measured(module_args)
        assert result["changed"] and result["transferred_bytes"] == size, result
        modules.append(seconds)
        peaks.append(peak)
        remove_module()

    for index in range(repeat):
        for step in ((raw, module) if index % 2 == 0 else (module, raw)):
            step()
    run_module_measured(module_args)
    rerun_result, rerun, dummy = run_module_measured(module_args)
    assert not rerun_result["changed"] and rerun_result["transferred_bytes"] == 0, rerun_result
    return {"raw": median(raws), "module": median(modules), "peak": max(peaks), "rerun": rerun,
            "raws": raws, "modules": modules}


def bench_s3(workdir: Path, path: Path, size: int, part_size: int, repeat: int) -> dict:
    from boto3.s3.transfer import TransferConfig

    from harness.s3 import S3Server

    server = S3Server(workdir / "s3").start()
    try:
        client = server.client(read_timeout=120)
        client.create_bucket(Bucket="bench-raw")
        client.create_bucket(Bucket="bench-module")
        config = TransferConfig(multipart_threshold=part_size, multipart_chunksize=part_size)
        warm = workdir / "warm-up.bin"
        make_file(warm, 64 * MIB, b"warm")
        args = {"src": str(path), "dest": "s3://bench-module/heron-core.tar.gz", "endpoint_url": server.endpoint_url,
                "access_key": server.access_key, "secret_key": server.secret_key, "region": server.region,
                "part_size": part_size, "timeout": 1800}
        row = compare(
            raw_upload=lambda: client.upload_file(str(path), "bench-raw", "heron-core.tar.gz", Config=config),
            remove_raw=lambda: client.delete_object(Bucket="bench-raw", Key="heron-core.tar.gz"),
            module_args=args,
            remove_module=lambda: client.delete_object(Bucket="bench-module", Key="heron-core.tar.gz"),
            warm_up=lambda: client.upload_file(str(warm), "bench-raw", "warm-up.bin", Config=config),
            size=size, repeat=repeat,
        )
        return dict(row, store="s3")
    finally:
        server.stop()


def bench_hdfs(workdir: Path, path: Path, size: int, part_size: int, repeat: int) -> dict:
    from hdfs import InsecureClient

    from harness.hdfs import HdfsCluster

    cluster = HdfsCluster(workdir / "hdfs").start()
    try:
        client = InsecureClient(cluster.namenode_url, user=cluster.superuser, timeout=(10, 120))
        warm = workdir / "warm-up.bin"
        make_file(warm, 64 * MIB, b"warm")
        args = {"src": str(path), "dest": f"{cluster.fs_uri}/bench/module/heron-core.tar.gz",
                "namenode_url": [cluster.namenode_url], "hdfs_user": cluster.superuser, "timeout": 1800}
        row = compare(
            raw_upload=lambda: client.upload("/bench/raw/heron-core.tar.gz", str(path), overwrite=True),
            remove_raw=lambda: client.delete("/bench/raw/heron-core.tar.gz"),
            module_args=args,
            remove_module=lambda: client.delete("/bench/module/heron-core.tar.gz"),
            warm_up=lambda: client.upload("/bench/warm-up.bin", str(warm), overwrite=True),
            size=size, repeat=repeat,
        )
        return dict(row, store="hdfs")
    finally:
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="1GiB", help="file size, e.g. 1GiB, 256MiB (default 1GiB)")
    parser.add_argument("--part-size", default="8MiB", help="S3 part size for both the raw call and the module")
    parser.add_argument("--stores", default="s3,hdfs", help="comma-separated: s3, hdfs")
    parser.add_argument("--repeat", type=int, default=4, help="raw/module pairs per store; medians are shown")
    parser.add_argument("--workdir", default=None, help="where the file and the services live (default: a tmp dir)")
    options = parser.parse_args()
    size, part_size = parse_size(options.size), parse_size(options.part_size)

    with tempfile.TemporaryDirectory(prefix="upload-bench-", dir=options.workdir) as tmp:
        workdir = Path(tmp)
        path = workdir / "heron-core.tar.gz"
        make_file(path, size, b"bench")
        hashing = min(hash_seconds(path), hash_seconds(path))
        rows = []
        for store in options.stores.split(","):
            bench = {"s3": bench_s3, "hdfs": bench_hdfs}[store.strip()]
            rows.append(bench(workdir, path, size, part_size, options.repeat))
        print_table(rows, size, part_size, hashing)
        for row in rows:
            print(f"{row['store']}: raw runs {', '.join(f'{t:.2f}' for t in row['raws'])} s; "
                  f"module runs {', '.join(f'{t:.2f}' for t in row['modules'])} s")


def print_table(rows: list[dict], size: int, part_size: int, hashing: float) -> None:
    mib = size / MIB
    print(f"file {mib:.0f} MiB, S3 part size {part_size // MIB} MiB, local sha256 {hashing:.2f} s "
          f"({mib / hashing:.0f} MiB/s), {os.cpu_count()} CPUs")
    header = ("store", "raw MiB/s", "module MiB/s", "ratio", "peak RSS MiB", "rerun s", "hash+1 s", "rerun ok")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        raw_rate, module_rate = mib / row["raw"], mib / row["module"]
        print("| " + " | ".join([
            row["store"], f"{raw_rate:.1f}", f"{module_rate:.1f}", f"{module_rate / raw_rate:.2f}",
            f"{row['peak'] / MIB:.0f}", f"{row['rerun']:.2f}", f"{hashing + 1:.2f}",
            "yes" if row["rerun"] <= hashing + 1 else "no",
        ]) + " |")


if __name__ == "__main__":
    main()
