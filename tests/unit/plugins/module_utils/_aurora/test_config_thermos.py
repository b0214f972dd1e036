"""The stock client's checks of a job's thermos task before any call (its ThermosTaskValidator, and the executor
references it leaves unbound): process names, order() constraints, the daemon, ephemeral and final rules, and
references that only the executor may fill. Each case is a config the stock client refuses, or one it accepts."""

from __future__ import annotations

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.loader import load_job
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import AuroraConfigError

TASK = """
a = Process(name='a', cmdline='echo a')
b = Process(name='b', cmdline='echo b')
c = Process(name='c', cmdline='echo c')
task = Task(name='t', processes=[%(processes)s], constraints=%(constraints)s,
            resources=Resources(cpu=1, ram=64*MB, disk=64*MB))
jobs = [Job(cluster='c', role='www', environment='e', name='n', task=task)]
"""


def job(processes="a, b, c", constraints="[]"):
    return load_job(content=TASK % {"processes": processes, "constraints": constraints})


def refused(message, **parts):
    with pytest.raises(AuroraConfigError) as info:
        job(**parts).validate()
    assert info.value.exit_code == 3
    assert message in str(info.value)
    return str(info.value)


# --- process names ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [".hidden", "/abs", "a/b", ""])
def test_a_process_name_must_be_usable_as_a_directory_name(name):
    refused(f"Task is invalid: Task has invalid process: Invalid process name: {name} (",
            processes="a, Process(name=%r, cmdline='x')" % name)


@pytest.mark.parametrize("name", ["with space", "dots.inside", "ünïcode", "-dash"])
def test_other_process_names_pass(name):
    job(processes="a, Process(name=%r, cmdline='x')" % name).validate()


# --- order() ------------------------------------------------------------------------------------

def test_orders_that_make_a_plan_pass():
    job(constraints="order(a, b) + order(a, c)").validate()
    job(constraints="order(a, b, c)").validate()


@pytest.mark.parametrize("constraints", ["order(a, b) + order(b, a)", "order(a, b) + order(b, c) + order(c, a)",
                                         "order(a, a)"])
def test_orders_that_form_a_cycle_are_refused(constraints):
    message = refused("Task is invalid: Task has invalid plan: Cycles detected in the task schedule!",
                      constraints=constraints)
    assert "leave no first process among a" in message


def test_an_order_naming_an_unknown_process_among_known_ones_is_refused():
    message = refused("Task is invalid: Task has invalid plan: Invalid process dependencies!",
                      constraints="order(a, 'typo', c)")
    assert "typo is not a process of the task" in message


def test_an_empty_order_is_refused():
    refused("Invalid process dependencies! (an order() names no process)", constraints="[Constraint(order=[])]")


def test_an_order_naming_no_process_of_the_task_is_ignored_as_by_the_stock_client():
    # The executor plans final and other processes apart, and skips an order() that names none of a plan's.
    job(constraints="order('x', 'y')").validate()


# --- daemon, ephemeral, final -------------------------------------------------------------------

def test_nothing_may_be_ordered_after_a_daemon():
    refused("Task has invalid plan: Process b may not depend upon daemon process a",
            processes="a(daemon=True), b", constraints="order(a, b)")
    job(processes="a, b(daemon=True)", constraints="order(a, b)").validate()


def test_a_non_ephemeral_process_may_not_follow_an_ephemeral_one():
    refused("Task has invalid plan: Non-ephemeral process b may not depend upon ephemeral process a",
            processes="a(ephemeral=True), b", constraints="order(a, b)")
    job(processes="a, b(ephemeral=True)", constraints="order(a, b)").validate()
    job(processes="a(ephemeral=True), b(ephemeral=True)", constraints="order(a, b)").validate()


def test_final_processes_are_ordered_among_themselves_only():
    job(processes="a, b(final=True), c(final=True)", constraints="order(b, c)").validate()
    refused("Invalid process dependencies! (order('a', 'b'): b is not a process of the task, or not final",
            processes="a, b(final=True), c", constraints="order(a, b)")


def test_final_processes_have_their_own_cycles():
    refused("Cycles detected in the task schedule!",
            processes="a, b(final=True), c(final=True)", constraints="order(b, c) + order(c, b)")


# --- references the executor fills ------------------------------------------------------------

def test_the_executor_fills_instance_hostname_task_id_and_ports():
    cmdline = "x {{mesos.instance}} {{mesos.hostname}} {{thermos.task_id}} {{thermos.ports[http]}} {{thermos.user}}"
    validated = job(processes="a, Process(name='d', cmdline=%r)" % cmdline)
    validated.validate()
    assert validated.named_ports() == ["http"]


@pytest.mark.parametrize("ref", ["mesos.cluster_name", "mesos.role_name", "thermos.foo", "thermos.ports", "mesos"])
def test_other_mesos_and_thermos_references_are_unbound(ref):
    message = refused("Config contains unbound variables: {{%s}}" % ref,
                      processes="a, Process(name='d', cmdline='x {{%s}}')" % ref)
    assert message.endswith("(bind them with the bindings option)")


def test_a_port_reference_must_be_by_name():
    refused('Bad port specification "thermos.ports.http" (should be of form "thermos.ports[name]")',
            processes="a, Process(name='d', cmdline='x {{thermos.ports.http}}')")


def test_a_reference_nested_in_another_that_no_value_satisfies_is_refused():
    # Bound to the placeholder instance id of the check, the inner reference leaves an index the list lacks.
    nested = ("a, Process(name='d', cmdline='x {{shards[{{mesos.instance}}]}}')"
              ".bind(shards=List(String)(['zero', 'one']))")
    refused("Task is invalid: Unexpected unbound refs: {{shards[31337]}}. Make sure you are not nesting template "
            "variables.", processes=nested)


def test_the_task_checks_run_on_every_path_that_sends_a_job(idl):
    broken = job(processes="a(daemon=True), b", constraints="order(a, b)")
    with pytest.raises(AuroraConfigError, match="may not depend upon daemon process a"):
        broken.job_configuration(idl, owner="me")
    with pytest.raises(AuroraConfigError, match="may not depend upon daemon process a"):
        broken.update_request(idl, owner="me")


@pytest.fixture(scope="module")
def idl():
    from ansible_collections.heron.aurora.plugins.module_utils._aurora import api

    return api.load_api()
