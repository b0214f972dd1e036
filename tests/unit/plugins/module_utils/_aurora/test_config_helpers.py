"""The thermos helpers of the config language, used from a config as Aurora's configs use them: the task they
build, and that it passes the checks of the stock client and converts."""

from __future__ import annotations

import json

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.loader import load_job
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import AuroraConfigError

TASKS = """
fetch = Task(name='fetch', processes=[Process(name='fetch', cmdline='curl -O pkg')],
             resources=Resources(cpu=0.5, ram=64*MB, disk=1*GB), finalization_wait=10)
serve = Task(name='serve', processes=[Process(name='a', cmdline='run a'), Process(name='b', cmdline='run b')],
             constraints=order('a', 'b'), resources=Resources(cpu=2, ram=32*MB, disk=2*GB, gpu=1),
             finalization_wait=20)
task = %s
jobs = [Job(cluster='c', role='www', environment='e', name='n', task=task)]
"""


def task_of(expression: str) -> dict:
    job = load_job(content=TASKS % expression)
    configuration = job.job_configuration(api.load_api(), owner="me")
    return json.loads(configuration.taskConfig.executorConfig.data)["task"]


def process_names(task: dict) -> list:
    return [process["name"] for process in task["processes"]]


def test_combine_tasks_runs_the_processes_side_by_side():
    task = task_of("combine_tasks(fetch, serve)")
    assert process_names(task) == ["fetch", "a", "b"]
    assert task["resources"] == {"cpu": 2.5, "ram": 96 * 1024 ** 2, "disk": 3 * 1024 ** 3, "gpu": 1}
    assert task["constraints"] == [{"order": ["a", "b"]}]
    assert task["finalization_wait"] == 20
    assert task["name"] == "serve"  # the last task's fields, as Aurora's helper keeps them


def test_concat_tasks_runs_each_task_after_the_one_before():
    task = task_of("concat_tasks(fetch, serve, name='pipeline')")
    assert process_names(task) == ["fetch", "a", "b"]
    assert task["resources"] == {"cpu": 2.0, "ram": 64 * 1024 ** 2, "disk": 2 * 1024 ** 3, "gpu": 1}
    assert task["constraints"] == [{"order": ["a", "b"]}, {"order": ["fetch", "a"]}, {"order": ["fetch", "b"]}]
    assert task["finalization_wait"] == 30
    assert task["name"] == "pipeline"


def test_the_same_process_in_two_tasks_is_run_once():
    task = task_of("combine_tasks(serve, serve)")
    assert process_names(task) == ["a", "b"]
    assert task["constraints"] == [{"order": ["a", "b"]}]


def test_the_class_forms_are_the_same_helpers():
    assert task_of("Tasks.concat(fetch, serve)") == task_of("concat_tasks(fetch, serve)")
    assert task_of("Tasks.combine(fetch, serve)") == task_of("combine_tasks(fetch, serve)")
    merged = task_of("serve(resources=Units.resources_sum(fetch.resources(), serve.resources()))")
    assert merged["resources"]["cpu"] == 2.5
    ordered = task_of("serve(constraints=Processes.order('a', 'b'))")
    assert ordered["constraints"] == [{"order": ["a", "b"]}]


def test_sequential_task_refuses_a_task_with_constraints():
    assert task_of("SequentialTask(processes=serve.processes(), resources=serve.resources())")["constraints"] == [
        {"order": ["a", "b"]}]
    with pytest.raises(AuroraConfigError, match="Cannot turn a Task with existing constraints into a SequentialTask!"):
        task_of("SequentialTask(processes=serve.processes(), constraints=order('a', 'b'))")


@pytest.mark.parametrize(("expression", "cmdline"), [
    ("java_options('server', {'Xmx': '1g'}, Dfoo='bar')", "-server -Xmx 1g -Dfoo bar"),
    ("python_options('v', 'verbose', {'p': 80}, port=8080)", "-v --verbose -p 80 --port 8080"),
    ("python_options(quiet=0)", "--quiet"),  # a false value gives the bare option, as in Aurora's helper
    ("Options.java('a', b=23)", "-a -b 23"),
])
def test_options_render_command_lines(expression, cmdline):
    task = task_of("Task(name='t', processes=[Process(name='t', cmdline='run ' + %s)], "
                   "resources=Resources(cpu=1, ram=1*MB, disk=1*MB))" % expression)
    assert task["processes"][0]["cmdline"] == "run " + cmdline


def test_options_refuse_what_is_not_a_name_or_a_dictionary():
    with pytest.raises(AuroraConfigError, match="ValueError: Got an unexpected argument to render_options: 3"):
        task_of("Task(name='t', processes=[Process(name='t', cmdline=java_options(3))])")


def test_simple_task_has_the_stock_resources():
    task = task_of("SimpleTask('hello', 'echo hello')")
    assert task["resources"] == {"cpu": 1.0, "ram": 1024 ** 3, "disk": 1024 ** 3, "gpu": 0}
    assert process_names(task) == ["hello"]
