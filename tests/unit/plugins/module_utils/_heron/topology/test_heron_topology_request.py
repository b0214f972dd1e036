"""The checks of a heron_topology request, made before anything is contacted."""

from __future__ import annotations

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.errors import TopologyInvalid
from ansible_collections.heron.aurora.plugins.module_utils._heron.topology.request import TopologyRequest

BASE = {"name": "WordCount", "cluster": "devcluster", "role": "heron", "environment": "devel",
        "topology_file": "/srv/wc.jar", "topology_class": "com.example.WordCount"}


def test_a_good_request_passes():
    request = TopologyRequest(**BASE, component_parallelism={"count": 2}, config_properties={"heron.x": "1"})
    request.validate()
    assert request.job_key == "devcluster/heron/devel/WordCount" and request.target_state == "RUNNING"


@pytest.mark.parametrize(("changes", "option"), [
    ({"name": "Word.Count"}, "name"),
    ({"name": "word/count"}, "name"),
    ({"name": ""}, "name"),
    ({"name": "wörd"}, "name"),
    ({"role": "he ron"}, "role"),
    ({"environment": ""}, "environment"),
    ({"topology_file": None}, "topology_file"),
    ({"topology_class": ""}, "topology_class"),
    ({"topology_file": "/srv/wc.zip"}, "topology_file"),
    ({"config_properties": {"a=b": "c"}}, "config_properties"),
    ({"component_parallelism": {"count": 0}}, "component_parallelism"),
    ({"component_parallelism": {"count": "2"}}, "component_parallelism"),
    ({"component_parallelism": {"a:b": 2}}, "component_parallelism"),
    ({"container": 1}, "container"),
    ({"state": "restarted", "container": -2}, "container"),
    ({"wait_timeout": 0}, "wait_timeout"),
    ({"redeploy": "sometimes"}, "redeploy"),
])
def test_bad_requests_name_the_option(changes, option):
    with pytest.raises(TopologyInvalid) as raised:
        TopologyRequest(**{**BASE, **changes}).validate()
    assert raised.value.option == option


@pytest.mark.parametrize("state", ["absent", "restarted"])
def test_states_that_do_not_deploy_need_no_file(state):
    TopologyRequest(**{**BASE, "state": state, "topology_file": None, "topology_class": None}).validate()
