"""heron_topology through the whole chain: the module runs the heron CLI STAND-IN, which runs the sample topology's
main class (Heron's real API), uploads, writes Heron's znodes in the real ZooKeeper and creates the Aurora job with the
collection's aurora command against the stand-in scheduler, whose tasks run the executor STAND-IN."""

from __future__ import annotations

import pytest

from standins.heron.chain import CLUSTER, ENVIRONMENT, ROLE

NAME = "WordCount"
CLASS = "heron.aurora.sample.WordCount"


@pytest.fixture
def chain(heron_chain):
    return heron_chain


def topology(chain, jars, variant="v1", **options):
    args = {"name": NAME, "cluster": CLUSTER, "role": ROLE, "environment": ENVIRONMENT,
            "config_path": str(chain.config_path), "topology_file": str(jars[variant]), "topology_class": CLASS,
            "topology_args": [NAME], "package_store": (chain.root / "packages").as_uri()}
    args.update(options)
    check_mode = args.pop("_check_mode", False)
    return chain.run_module("heron_topology", args, check_mode=check_mode, diff=True, env=chain.env)


def test_submit_then_nothing_to_do(chain, heron_sample_jars):
    first = topology(chain, heron_sample_jars, wait=True)
    assert not first.get("failed"), first
    assert first["changed"] and first["actions"] == ["submit"] and first["state"] == "RUNNING", first
    second = topology(chain, heron_sample_jars, wait=True)
    assert not second.get("failed"), second
    assert not second["changed"] and second["commands"] == [], second
