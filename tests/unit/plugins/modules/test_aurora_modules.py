"""aurora_job and aurora_job_info: their documentation against their argument specs, and argument errors that
must fail before any scheduler is contacted."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.heron.aurora.plugins.module_utils._ansible.aurora import connection_argument_spec
from ansible_collections.heron.aurora.plugins.modules import aurora_job, aurora_job_info

FRAGMENT_OPTIONS = set(connection_argument_spec())


@pytest.mark.parametrize("module", [aurora_job, aurora_job_info])
def test_documentation_examples_and_return_are_yaml(module):
    for text in (module.DOCUMENTATION, module.EXAMPLES, module.RETURN):
        assert yaml.safe_load(text)


def return_fields(fields, path=""):
    for name, spec in fields.items():
        yield f"{path}{name}", spec
        yield from return_fields(spec.get("contains") or {}, f"{path}{name}.")


@pytest.mark.parametrize("module", [aurora_job, aurora_job_info])
def test_every_return_field_has_a_description_a_type_and_nothing_else(module):
    allowed = {"description", "type", "elements", "returned", "sample", "contains"}
    for path, spec in return_fields(yaml.safe_load(module.RETURN)):
        assert spec.get("description") and spec.get("type"), path
        assert set(spec) <= allowed, (path, set(spec) - allowed)


def test_aurora_job_documents_every_option_it_takes():
    documented = set(yaml.safe_load(aurora_job.DOCUMENTATION)["options"]) | FRAGMENT_OPTIONS
    assert documented == set(aurora_job.argument_spec())


def test_doc_fragment_documents_every_connection_option():
    from ansible_collections.heron.aurora.plugins.doc_fragments._aurora import ModuleDocFragment

    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert set(documented) == FRAGMENT_OPTIONS
    spec = connection_argument_spec()
    for name, doc in documented.items():
        assert doc["type"] == spec[name]["type"], name
        assert doc.get("default") == spec[name].get("default"), name
    assert spec["password"]["no_log"] is True


@pytest.mark.parametrize("args, message", [
    ({"job_key": "c/r/devel/n"}, "state is present but any of the following are missing: config, config_content"),
    ({"job_key": "c/r/devel/n", "config": "a", "config_content": "b"}, "mutually exclusive: config|config_content"),
    ({"job_key": "c/r/devel/n", "role": "r", "state": "absent"}, "mutually exclusive: job_key|role"),
    ({"job_key": "c/r/devel/n", "state": "absent", "wait_until": "DONE"}, "wait_until must be one of"),
    ({"job_key": "c/r/devel", "state": "absent", "scheduler_url": "http://127.0.0.1:9"},
     "job key 'c/r/devel' must be cluster/role/environment/name"),
    ({"role": "r", "state": "absent", "scheduler_url": "http://127.0.0.1:9"},
     "missing cluster, environment, name"),
    ({"job_key": "c/r/devel/n", "state": "absent", "instances": ["3-1"], "scheduler_url": "http://127.0.0.1:9"},
     "range 3-1 runs backwards"),
    ({"job_key": "c/r/de vel/n", "state": "absent", "scheduler_url": "http://127.0.0.1:9"},
     "environment 'de vel' must match"),
    ({"job_key": "c/r/devel/n", "state": "absent"}, "unknown Aurora cluster 'c'"),
    ({"job_key": "c/r/devel/n", "cluster": "other", "state": "absent", "scheduler_url": "http://127.0.0.1:9"},
     "job_key c/r/devel/n is in cluster c, but cluster is other"),
    ({"job_key": "c/r/devel/n/0", "state": "absent", "scheduler_url": "http://127.0.0.1:9"},
     "job_key takes no instances here"),
])
def test_bad_arguments_fail_without_a_scheduler(run_module, args, message, tmp_path):
    # An empty HOME and AURORA_CONFIG_ROOT: no clusters.json anywhere.
    result = run_module("aurora_job", args, env={"HOME": str(tmp_path), "AURORA_CONFIG_ROOT": str(tmp_path)})
    assert result.get("failed") is True, result
    assert message in result["msg"]


NO_SCHEDULER = "http://127.0.0.1:9"
ABSENT = {"job_key": "c/r/devel/n", "state": "absent", "scheduler_url": NO_SCHEDULER}
HELLO_CONFIG = """
task = Task(name='main', processes=[Process(name='main', cmdline='true')], resources=Resources(cpu=1, ram=MB, disk=MB))
jobs = [Service(cluster='c', role='r', environment='devel', name=%r, task=task)]
"""


@pytest.mark.parametrize("module, args, message", [
    # Job key parts are checked whole: a trailing newline is not a valid name.
    ("aurora_job", dict(ABSENT, job_key="c/r/devel/n\n"), "name 'n\\n' must match"),
    ("aurora_job", dict(ABSENT, job_key="c/r\n/devel/n"), "role 'r\\n' must match"),
    ("aurora_job", {"cluster": "c", "role": "r", "environment": "devel\n", "name": "n", "state": "absent",
                    "scheduler_url": NO_SCHEDULER}, "environment 'devel\\n' must match"),
    ("aurora_job", {"config_content": HELLO_CONFIG % "hello\n", "scheduler_url": NO_SCHEDULER},
     "invalid job name 'hello\\n'"),
    # Durations: negative (and a zero request timeout) are refused, naming the option.
    ("aurora_job", dict(ABSENT, wait_timeout=-1), "wait_timeout must be 0 or more seconds, not -1"),
    ("aurora_job", dict(ABSENT, watch_secs=-5), "watch_secs must be 0 or more seconds, not -5"),
    ("aurora_job", dict(ABSENT, retry_budget=-1), "retry_budget must be 0 or more seconds"),
    ("aurora_job", dict(ABSENT, request_timeout=0), "request_timeout must be a positive number of seconds"),
    ("aurora_job", dict(ABSENT, request_timeout=-3), "request_timeout must be a positive number of seconds"),
    ("aurora_job_info", {"role": "r", "scheduler_url": NO_SCHEDULER, "request_timeout": 0},
     "request_timeout must be a positive number of seconds"),
    # An empty or malformed role must not list the jobs of every role.
    ("aurora_job_info", {"role": "", "scheduler_url": NO_SCHEDULER}, "role '' must match"),
    ("aurora_job_info", {"role": "www-data\n", "scheduler_url": NO_SCHEDULER}, "role 'www-data\\n' must match"),
    ("aurora_job_info", {"job_key": "", "scheduler_url": NO_SCHEDULER}, "job key '' must be"),
])
def test_values_that_look_valid_but_are_not_fail_before_any_call(run_module, module, args, message):
    result = run_module(module, dict(args, retry_budget=args.get("retry_budget", 0)))
    assert result.get("failed") is True, result
    assert message in result["msg"]
    assert "Traceback" not in result["_stderr"]


def test_password_is_not_logged(run_module):
    result = run_module("aurora_job", {"job_key": "c/r/devel/n", "state": "absent", "scheduler_url": "http://127.0.0.1:9",
                                       "auth": "basic", "username": "u", "password": "hunter2", "retry_budget": 0})
    assert result["failed"] is True
    assert "hunter2" not in str(result)


def test_info_needs_a_role_or_a_job_key(run_module):
    result = run_module("aurora_job_info", {"scheduler_url": "http://127.0.0.1:9"})
    assert result["failed"] is True
    assert "one of the following is required: role, job_key" in result["msg"]
