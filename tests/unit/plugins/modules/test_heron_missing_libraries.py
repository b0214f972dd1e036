"""Every heron_* module reports a library missing on the managed host in one shape, as the aurora modules do:
missing_required_lib's message (the library, what needs it, where to get it), the traceback of the failed import as
``exception``, and nothing changed. The library is hidden from the module's Python by a package of the same name
that fails to import, first on its path."""

from __future__ import annotations

import os

import pytest
from ansible.module_utils.ansible_release import __version__ as ansible_version

from ...utils.collection import ensure_importable, run_module

CLUSTER = "devcluster"
HIDDEN = "hidden from the module by the test"
# ansible-core 2.19 puts a traceback into a result only when asked; 2.17 always does.
ASK_FOR_TRACEBACKS = {"_ansible_tracebacks_for": ["error"]} if tuple(map(int, ansible_version.split(".")[:2])) >= (
    2, 19) else {}


def without(tmp_path, package: str) -> dict:
    """The environment of a module run whose Python cannot import ``package``."""
    blocker = tmp_path / "blocked-imports"
    (blocker / package).mkdir(parents=True)
    (blocker / package / "__init__.py").write_text(f"raise ImportError({package + ' is ' + HIDDEN!r})\n")
    # Keep the path the test runs with (ansible-test units finds ansible-core through it).
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(blocker), str(ensure_importable()),
                                                        os.environ.get("PYTHONPATH")]))}


def assert_missing(result: dict, library: str, purpose: str, url: str) -> None:
    assert result.get("failed"), result
    assert result["msg"].startswith(f"Failed to import the required Python library ({library})"), result["msg"]
    assert f"This is required {purpose}." in result["msg"]
    assert f"See {url} for more info." in result["msg"]
    assert "Traceback" in result["exception"] and HIDDEN in result["exception"], result.get("exception")
    assert "error_type" not in result and "option" not in result


def conf_dir_args(tmp_path) -> dict:
    return {"path": str(tmp_path / CLUSTER), "cluster": CLUSTER, "heron_version": "0.20.5-incubating",
            "core_package_uri": "hdfs:///heron/dist/heron-core.tar.gz",
            "statemgr": {"zookeeper": {"connection_string": "zk1:2181"}},
            "uploader": {"hdfs": {"config_directory": "/etc/hadoop/conf",
                                  "topologies_directory_uri": "hdfs:///heron/topologies"}},
            **ASK_FOR_TRACEBACKS}


@pytest.mark.parametrize("package, library, purpose", [
    ("yaml", "PyYAML", "to write a Heron conf dir"),
    ("pystachio", "pystachio", "to validate heron.aurora"),
])
def test_heron_cluster_config(tmp_path, package, library, purpose):
    result = run_module("heron_cluster_config", conf_dir_args(tmp_path), env=without(tmp_path, package))
    assert_missing(result, library, purpose, f"https://pypi.org/project/{library}/")
    assert not (tmp_path / CLUSTER).exists()


def test_heron_aurora_fetch_commands(tmp_path):
    template = tmp_path / CLUSTER / "heron.aurora"
    template.parent.mkdir()
    template.write_text("jobs = []\n")
    result = run_module("heron_aurora_fetch_commands", {
        "path": str(template), "core_package_uri": "hdfs:///heron/dist/heron-core.tar.gz", **ASK_FOR_TRACEBACKS},
        env=without(tmp_path, "pystachio"))
    assert_missing(result, "pystachio", "to validate heron.aurora", "https://pypi.org/project/pystachio/")


@pytest.mark.parametrize("package, library, purpose", [
    ("kazoo", "kazoo", "to reach ZooKeeper"),
    ("google", "protobuf", "to decode Heron's state"),
])
def test_heron_topology_info(tmp_path, package, library, purpose):
    # Nothing listens on the port: the library is reported before any connection is tried.
    result = run_module("heron_topology_info", {"zk_hosts": "127.0.0.1:9", **ASK_FOR_TRACEBACKS},
                        env=without(tmp_path, package))
    assert_missing(result, library, purpose, f"https://pypi.org/project/{library}/")


def test_heron_topology_info_reading_statemgr_yaml(tmp_path):
    (tmp_path / "conf" / CLUSTER).mkdir(parents=True)
    (tmp_path / "conf" / CLUSTER / "statemgr.yaml").write_text("heron.statemgr.connection.string: zk1:2181\n")
    result = run_module("heron_topology_info", {"cluster": CLUSTER, "config_path": str(tmp_path / "conf"),
                                                **ASK_FOR_TRACEBACKS}, env=without(tmp_path, "yaml"))
    statemgr = tmp_path / "conf" / CLUSTER / "statemgr.yaml"
    assert_missing(result, "PyYAML", f"to read {statemgr}", "https://pypi.org/project/PyYAML/")
