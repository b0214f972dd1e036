"""The INFO progress of the `aurora` command on stderr, as the stock client logged it by default (level in five
columns, `] `, the message), at the same points of each verb, run as a program against the stand-in scheduler.
stdout stays the results alone, and the `--verbose` line Heron parses (`Querying instance statuses: [...]`) stays
as it is."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from aurora_command import Aurora

KEY = "devcluster/www-data/devel/hello"
HELLO = """
task = Task(name='main', processes=[Process(name='main', cmdline='sleep 600')],
            resources=Resources(cpu=0.1, ram=32*MB, disk=16*MB))
jobs = [Service(cluster='devcluster', role='www-data', environment='devel', name='hello', task=task,
                instances='{{count}}', update_config=UpdateConfig(watch_secs=0, batch_size=3))]
"""


class ProgressAurora(Aurora):
    """The command with a clusters.json naming the stand-in scheduler directly, and a job of batches of three."""

    def __init__(self, root: Path, scheduler) -> None:
        super().__init__(root, scheduler)
        self.clusters({"name": "devcluster", "scheduler_uri": scheduler.url})
        self.hello.write_text(HELLO)

    def create(self, count: int) -> subprocess.CompletedProcess:
        return self.ok("job", "create", "--wait-until", "RUNNING", "--bind", f"count={count}", KEY, str(self.hello))


@pytest.fixture
def aurora(tmp_path, make_aurora_scheduler):
    return ProgressAurora(tmp_path, make_aurora_scheduler())


def info(*messages: str) -> list[str]:
    return [f" INFO] {message}" for message in messages]


def test_create_logs_the_job_and_the_status_check_and_prints_only_its_result_on_stdout(aurora):
    created = aurora.create(2)
    assert created.stderr.splitlines() == info("Creating job hello", f"Checking status of {KEY}")
    assert created.stdout.startswith("Job create succeeded: job url=") and "INFO]" not in created.stdout


def test_killall_logs_each_batch(aurora):
    aurora.create(3)
    killed = aurora.ok("job", "killall", "--batch-size", "2", KEY)
    assert killed.stderr.splitlines() == info(f"Killing tasks for job: {KEY}", "Instances to be killed: [0, 1]",
                                              f"Killing tasks for job: {KEY}", "Instances to be killed: [2]")
    assert killed.stdout.splitlines() == ["Successfully killed instances [0, 1]", "Successfully killed instances [2]",
                                          "Job killall succeeded"]


def test_kill_without_batching_names_the_instances_and_killall_without_batching_does_not(aurora):
    aurora.create(3)
    one = aurora.ok("job", "kill", "--no-batching", f"{KEY}/2")
    assert one.stderr.splitlines() == info(f"Killing tasks for job: {KEY}", "Instances to be killed: [2]")
    rest = aurora.ok("job", "killall", "--no-batching", KEY)
    assert rest.stderr.splitlines() == info(f"Killing tasks for job: {KEY}")
    assert rest.stdout.splitlines() == ["Job killall succeeded"]


def test_add_logs_its_progress_and_keeps_herons_line_as_it_was(aurora):
    aurora.create(2)
    added = aurora.ok("job", "add", "--wait-until", "RUNNING", f"{KEY}/0", "2", "--verbose")
    lines = added.stderr.splitlines()
    assert info(f"Adding 2 instances to {KEY} using the task config of instance 0")[0] in lines
    assert "Querying instance statuses: [2, 3]" in lines  # Heron's AuroraCLIController reads this line
    assert lines.index("Querying instance statuses: [2, 3]") > lines.index(
        info(f"Adding 2 instances to {KEY} using the task config of instance 0")[0])
    assert added.stdout == ""


def test_restart_logs_the_rolling_restart_batch_by_batch(aurora):
    aurora.create(3)
    restarted = aurora.ok("job", "restart", "--batch-size", "2", "--watch-secs", "1", KEY)
    lines = restarted.stderr.splitlines()
    watch = [line for line in lines if "instance" in line.lower() and "instances" not in line]
    assert [line for line in lines if line not in watch] == info(
        f"Performing rolling restart of job {KEY} (instances: [0, 1, 2])",
        "Restarting instances: [0, 1]", "Watching instances: [0, 1]",
        "Restarting instances: [2]", "Watching instances: [2]",
        "All instances were restarted successfully")
    # The watch's lines of each instance, between the Watching and the next Restarting line of its batch, in the
    # order of the polls (the two instances of a batch may be seen in the same poll or one after the other).
    first, second = (lines.index(info(f"Watching instances: {batch}")[0]) for batch in ("[0, 1]", "[2]"))
    for instance, batch_start in ((0, first), (1, first), (2, second)):
        detected = lines.index(info(f"Detected RUNNING instance {instance}")[0])
        healthy = lines.index(info(f"Instance {instance} has been up and healthy for at least 1 seconds")[0])
        assert batch_start < detected < healthy
    assert max(lines.index(line) for line in watch if "instance 1" in line or "Instance 1" in line) < \
        lines.index(info("Restarting instances: [2]")[0])
    assert restarted.stdout.splitlines() == [f"Job {KEY} restarted successfully"]


def test_each_retry_of_a_scheduler_call_is_warned_as_the_stock_client_warns(aurora):
    aurora.create(1)
    aurora.scheduler.control(transient=1, unavailable=1)
    status = aurora.ok("job", "status", KEY)
    warnings = [line for line in status.stderr.splitlines() if line.startswith(" WARN] ")]
    assert len(warnings) == 2, status.stderr
    assert any(line.startswith(" WARN] Transport error communicating with scheduler: ") and
               line.endswith("answered HTTP 503, retrying...") for line in warnings), warnings
    assert any(line.startswith(" WARN] Connection error with scheduler: ERROR_TRANSIENT: ") and
               line.endswith(", reconnecting...") for line in warnings), warnings


def test_restart_of_a_job_without_instances_says_there_is_nothing_to_do(aurora):
    nothing = aurora.ok("job", "restart", KEY)
    assert nothing.stderr.splitlines() == info(
        f"No instances specified, and no active instances found in job {KEY}", "Nothing to do.")
    assert nothing.stdout.splitlines() == [f"Job {KEY} restarted successfully"]


def test_status_and_list_log_their_queries_and_a_returned_error_code(aurora):
    aurora.create(1)
    status = aurora.ok("job", "status", KEY, "--write-json")
    assert status.stderr.splitlines() == info(f"Checking status of {KEY}")
    json.loads(status.stdout)  # stdout is the JSON document alone
    listed = aurora.ok("job", "list", "devcluster/www-data")
    assert listed.stderr.splitlines() == info("Retrieving jobs for role www-data")
    assert listed.stdout.splitlines() == [KEY]
    missing = aurora("job", "status", "devcluster/www-data/devel/absent")
    assert missing.returncode == 6
    assert missing.stderr.splitlines() == [
        *info("Checking status of devcluster/www-data/devel/absent",
              "No tasks were found for jobkey devcluster/www-data/devel/absent"),
        "Found no jobs matching devcluster/www-data/devel/absent",
        *info("Command terminated with error code 6")]


def test_update_start_logs_the_start(aurora):
    aurora.create(2)
    started = aurora.ok("update", "start", "--bind", "count=3", KEY, str(aurora.hello))
    assert info("Starting update for: hello")[0] in started.stderr.splitlines()
    assert "INFO]" not in started.stdout
    assert started.stdout.splitlines()[-1].startswith("Job update has started.")


def test_an_error_raised_by_a_verb_is_printed_without_the_return_code_line(aurora):
    aurora.create(1)
    again = aurora("job", "create", "--bind", "count=1", KEY, str(aurora.hello))
    assert again.returncode == 4
    lines = again.stderr.splitlines()
    assert lines[0] == info("Creating job hello")[0] and "Job creation failed due to error:" in lines[1:]
    assert not any("Command terminated" in line for line in lines)
