# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``aurora job ...``: create, kill, killall, restart, add, status, diff, inspect, list."""

from __future__ import annotations

import argparse
import logging
from collections import Counter
from fnmatch import fnmatch
from typing import Any, Iterable

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.plugins.module_utils._aurora.cli import arguments, render
from ansible_collections.heron.aurora.plugins.module_utils._aurora.cli.arguments import CommandError, api_failure
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import (
    EXIT_API_ERROR,
    EXIT_COMMAND_FAILURE,
    EXIT_INVALID_CONFIGURATION,
    EXIT_INVALID_PARAMETER,
    EXIT_OK,
    EXIT_TIMEOUT,
    AuroraApiError,
    AuroraConfigError,
    AuroraInvalidParameter,
    AuroraTimeout,
)
from ansible_collections.heron.aurora.plugins.module_utils._aurora.jobs import JobKey, make_job_key

NOUN = "job"
HELP = "Work with an aurora job"
log = logging.getLogger(__name__)  # the stock client's INFO progress lines (docs/aurora-cli.md, "Progress on stderr")
# The stock client gives a batch of kills about four minutes (polls 2, 4, ... 128 s apart) to end.
KILL_WAIT_SECS = 254.0


def page_url(jobs: Any, key: JobKey) -> str:
    """The job's page in the scheduler UI."""
    return f"{jobs.client.base_url}/scheduler/{key.role}/{key.environment}/{key.name}"


def wait_until(ctx: Any, jobs: Any, key: JobKey, target: str, instances: Iterable[int]) -> None:
    """--wait-until: PENDING returns at once; RUNNING waits until each instance's task has started (or
    already ended); FINISHED until each has ended."""
    if target == "PENDING":
        return
    timeout = ctx.session.wait_timeout(ctx.options.wait_timeout)
    jobs.wait_for_tasks(key, target, timeout, list(instances), ended_counts=True)


def check_active(jobs: Any, key: JobKey, instances: Iterable[int]) -> set[int]:
    """The active instances, or exit 6 naming those asked for that are not active (--strict)."""
    active = set(jobs.active_instances(key))
    unknown = sorted(set(instances) - active)
    if unknown:
        raise CommandError(EXIT_INVALID_PARAMETER, f"Invalid instance parameter: {unknown}")
    return active


def drains_by_instances(jobs: Any, key: JobKey, template: int | None = None) -> bool:
    """Whether an active task of the job has a count or percentage SLA policy (the stock client then warns that
    adding or killing instances leaves the policy as it was). With ``template``, only when that instance is
    active: the stock client fails on an inactive one before it looks. A refused read exits 6, as there."""
    try:
        tasks = jobs.tasks(key, active=True)
    except AuroraApiError as error:
        raise api_failure(EXIT_INVALID_PARAMETER, "Command failure:", error) from None
    if template is not None and template not in {task.assignedTask.instanceId for task in tasks}:
        return False
    policies = [task.assignedTask.task.slaPolicy for task in tasks]
    return any(policy is not None and (policy.countSlaPolicy is not None or policy.percentageSlaPolicy is not None)
               for policy in policies)


def check_optional_config(ctx: Any, key: JobKey) -> None:
    """--config: the stock client loads it (for hooks), so a broken one fails the command the same way."""
    if ctx.options.config:
        arguments.load_config(ctx, key, ctx.options.config)


def batches(instances: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(instances), size):
        yield instances[start:start + size]


# --- create --------------------------------------------------------------------------------------------

def create_options(parser: argparse.ArgumentParser) -> None:
    arguments.add_config_options(parser)
    arguments.add_wait_until(parser)
    arguments.add_open_browser(parser)
    arguments.add_key_and_config_file(parser)


def create(ctx: Any) -> int:
    options = ctx.options
    key = options.jobspec
    config = arguments.load_config(ctx, key, options.config_file)
    if config.raw.has_cron_schedule():
        raise CommandError(EXIT_COMMAND_FAILURE,
                           'Cron jobs may only be scheduled with "aurora cron schedule" command')
    jobs = ctx.jobs(key.cluster)
    arguments.apply_tiers(config, jobs)
    try:
        configuration = config.job_configuration(jobs.idl)
    except AuroraConfigError as error:
        raise arguments.config_error(error) from None
    log.info("Creating job %s", key.name)
    try:
        jobs.create(configuration)
    except AuroraApiError as error:
        raise api_failure(EXIT_COMMAND_FAILURE, "Job creation failed due to error:", error) from None
    wait_until(ctx, jobs, key, options.wait_until, range(configuration.instanceCount))
    log.info("Checking status of %s", key)
    if not jobs.tasks(key):
        ctx.err(f"Error occurred while creating job {key}")
        return EXIT_COMMAND_FAILURE
    ctx.out(f"Job create succeeded: job url={page_url(jobs, key)}")
    return EXIT_OK


# --- kill and killall ----------------------------------------------------------------------------------

def kill_common_options(parser: argparse.ArgumentParser) -> None:
    arguments.add_open_browser(parser)
    arguments.add_optional_config(parser)
    parser.add_argument("--batch-size", type=arguments.positive_int, default=1,
                        help="Number of instances to be operate on in one iteration")
    parser.add_argument("--max-total-failures", type=int, default=0,
                        help="Maximum number of instance failures to be tolerated in total before aborting.")
    parser.add_argument("--no-batching", action="store_true", default=False,
                        help="Run the command on all instances at once, instead of running in batches")
    parser.add_argument("--message", "-m", default=None, help="Message to include with the kill state transition")


def kill_options(parser: argparse.ArgumentParser) -> None:
    kill_common_options(parser)
    parser.add_argument("instance_spec", type=arguments.instance_spec, metavar="CLUSTER/ROLE/ENV/NAME[/INSTANCES]",
                        help="Fully specified job instance key; the instances are required for kill")
    parser.add_argument("--strict", action="store_true", default=False,
                        help="Fail when an instance given is not active in the job")


def killall_options(parser: argparse.ArgumentParser) -> None:
    kill_common_options(parser)
    parser.add_argument("jobspec", type=arguments.job_key, metavar="CLUSTER/ROLE/ENV/NAME",
                        help="Fully specified job key, in CLUSTER/ROLE/ENV/NAME format")


def log_kill(key: JobKey, instances: list[int] | None) -> None:
    log.info("Killing tasks for job: %s", key)
    if instances is not None:
        log.info("Instances to be killed: %s", instances)


def kill_all_at_once(ctx: Any, jobs: Any, key: JobKey, instances: list[int] | None) -> int:
    log_kill(key, instances)
    try:
        jobs.kill(key, instances, message=ctx.options.message)
    except AuroraApiError as error:
        raise api_failure(EXIT_API_ERROR, "Command failure:", error) from None
    try:
        jobs.wait_for_kill(key, KILL_WAIT_SECS, instances)
    except AuroraTimeout:
        ctx.err(f"Instances {instances} were not killed in time")
        return EXIT_TIMEOUT
    return EXIT_OK


def kill_in_batches(ctx: Any, jobs: Any, key: JobKey, instances: list[int] | None) -> None:
    """Kill the active instances (all, or those asked for) batch by batch, each batch waited for. A job with
    nothing active is only reported: the stock client then still ends with success."""
    options = ctx.options
    try:
        active = sorted(jobs.active_instances(key))
    except AuroraApiError as error:
        raise api_failure(EXIT_INVALID_PARAMETER, "Command failure:", error) from None
    if not active:
        ctx.err(f"No tasks to kill found for job {key}")
        return
    targets = [i for i in active if instances is None or i in instances]
    errors = 0
    for batch in batches(targets, options.batch_size):
        log_kill(key, batch)
        try:
            jobs.kill(key, batch, message=options.message)
        except AuroraApiError as error:
            raise api_failure(EXIT_API_ERROR, f"Kill of instances {batch} failed with error:", error) from None
        try:
            jobs.wait_for_kill(key, KILL_WAIT_SECS, batch)
        except AuroraTimeout:
            ctx.err(f"Instances {batch} were not killed in time")
            errors += 1
            if errors > options.max_total_failures:
                raise CommandError(EXIT_COMMAND_FAILURE,
                                   "Exceeded maximum number of errors while killing instances") from None
        else:
            ctx.out(f"Successfully killed instances {batch}")
    if errors:
        raise CommandError(EXIT_COMMAND_FAILURE, "Errors occurred while killing instances")


def kill_instances(ctx: Any, jobs: Any, key: JobKey, instances: list[int] | None) -> int:
    """Kill the instances (all when None): at once with --no-batching, else batch by batch."""
    if ctx.options.no_batching:
        return kill_all_at_once(ctx, jobs, key, instances)
    kill_in_batches(ctx, jobs, key, instances)
    return EXIT_OK


def kill(ctx: Any) -> int:
    options = ctx.options
    key, instances = options.instance_spec
    if instances is None:
        raise CommandError(EXIT_INVALID_PARAMETER, "The instances list cannot be omitted in a kill command!; "
                                                   "use killall to kill all instances")
    jobs = ctx.jobs(key.cluster)
    if drains_by_instances(jobs, key):
        ctx.out("WARNING: Killing instances without updating SlaPolicy.")
    check_optional_config(ctx, key)
    if options.strict:
        check_active(jobs, key, instances)
    result = kill_instances(ctx, jobs, key, instances)
    if result == EXIT_OK:
        ctx.out("Job kill succeeded")
    return result


def killall(ctx: Any) -> int:
    key = ctx.options.jobspec
    check_optional_config(ctx, key)
    jobs = ctx.jobs(key.cluster)
    result = kill_instances(ctx, jobs, key, None)
    if result == EXIT_OK:
        ctx.out("Job killall succeeded")
    return result


# --- restart -------------------------------------------------------------------------------------------

def restart_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch-size", type=arguments.positive_int, default=1,
                        help="Number of instances to be operate on in one iteration")
    arguments.add_open_browser(parser)
    arguments.add_optional_config(parser)
    parser.add_argument("--force", action="store_true", default=False,
                        help="Accepted for compatibility (the restart asks no questions)")
    parser.add_argument("--healthcheck-interval-seconds", dest="healthcheck_interval_seconds",
                        type=arguments.positive_int, default=3,
                        help="Number of seconds between checks of the restarted instances")
    parser.add_argument("instance_spec", type=arguments.instance_spec, metavar="CLUSTER/ROLE/ENV/NAME[/INSTANCES]",
                        help="Fully specified job instance key; without INSTANCES every active instance")
    parser.add_argument("--max-total-failures", type=int, default=0,
                        help="Maximum number of instance failures to be tolerated in total before aborting.")
    parser.add_argument("--strict", action="store_true", default=False,
                        help="Fail when an instance given is not active in the job")
    parser.add_argument("--watch-secs", type=arguments.non_negative_int, default=None,
                        help="Minimum number of seconds a instance must remain in RUNNING state before considered "
                             "a success. Default: $AURORA_WATCH_SECS, else 30")
    parser.add_argument("--max-per-instance-failures", type=arguments.non_negative_int, default=0,
                        help="Maximum number of restarts per instance during restart. Increments total failure "
                             "count when this limit is exceeded.")
    arguments.add_wait_timeout(parser)


def restart(ctx: Any) -> int:
    """A rolling restart run from here, batch by batch: restart the batch, then watch that each of its
    instances runs again and keeps running for --watch-secs. An instance that does not is restarted again,
    until more instances than --max-total-failures went over --max-per-instance-failures."""
    options = ctx.options
    if options.max_total_failures < 0:
        ctx.err(f"max_total_failures option must be >0, but you specified {options.max_total_failures}")
        return EXIT_INVALID_PARAMETER
    key, instances = options.instance_spec
    jobs = ctx.jobs(key.cluster)
    if instances is not None and options.strict:
        check_active(jobs, key, instances)
    check_optional_config(ctx, key)
    queue = list(instances) if instances else sorted(jobs.active_instances(key))
    if not queue:
        log.info("No instances specified, and no active instances found in job %s", key)
        log.info("Nothing to do.")
        ctx.out(f"Job {key} restarted successfully")
        return EXIT_OK
    log.info("Performing rolling restart of job %s (instances: %s)", key, queue)
    timeout = ctx.session.wait_timeout(options.wait_timeout)
    watch_secs = options.watch_secs if options.watch_secs is not None else ctx.session.default_watch_secs
    interval = max(options.healthcheck_interval_seconds, 1)
    failures: Counter = Counter()

    def over_limit() -> list[int]:
        return sorted(i for i, count in failures.items() if count > options.max_per_instance_failures)

    while queue and len(over_limit()) <= options.max_total_failures:
        batch, queue = queue[:options.batch_size], queue[options.batch_size:]
        log.info("Restarting instances: %s", batch)
        try:
            existing = jobs.task_ids(key)
            jobs.restart(key, batch)
        except AuroraApiError as error:
            raise api_failure(EXIT_API_ERROR, f"Error restarting job {key}:", error) from None
        log.info("Watching instances: %s", batch)
        failed = jobs.watch_running(key, batch, watch_secs, timeout, interval, existing=existing)
        failures.update(failed)
        queue += [i for i in failed if i not in over_limit()]
    if len(over_limit()) > options.max_total_failures:
        raise CommandError(EXIT_COMMAND_FAILURE,
                           f"{len(over_limit())} failed instances observed ({over_limit()}), maximum allowed is "
                           f"{options.max_total_failures}. Restart failures threshold reached. Aborting")
    log.info("All instances were restarted successfully")
    ctx.out(f"Job {key} restarted successfully")
    return EXIT_OK


# --- add -----------------------------------------------------------------------------------------------

def add_options(parser: argparse.ArgumentParser) -> None:
    arguments.add_open_browser(parser)
    arguments.add_optional_config(parser)
    arguments.add_wait_until(parser)
    parser.add_argument("task_instance", type=arguments.task_instance, metavar="CLUSTER/ROLE/ENV/NAME/INSTANCE",
                        help="The instance whose task config the new instances copy")
    parser.add_argument("instance_count", type=arguments.positive_int, help="Number of instances to add.")


def add(ctx: Any) -> int:
    """Add instances copying an active one. With --verbose the new instance ids are printed on stderr as
    'Querying instance statuses: [a, b, c]', the line Heron reads them from."""
    options = ctx.options
    key, template = options.task_instance
    check_optional_config(ctx, key)
    jobs = ctx.jobs(key.cluster)
    if drains_by_instances(jobs, key, template):
        ctx.out("WARNING: Adding instances without updating SlaPolicy.")
    log.info("Adding %s instances to %s using the task config of instance %s", options.instance_count, key, template)
    try:
        added = jobs.add_instances(key, template, options.instance_count)
    except AuroraApiError as error:
        raise api_failure(EXIT_API_ERROR, "Command failure:", error) from None
    ctx.debug(f"Querying instance statuses: {added}")
    wait_until(ctx, jobs, key, options.wait_until, added)
    return EXIT_OK


# --- status and list -----------------------------------------------------------------------------------

def status_options(parser: argparse.ArgumentParser) -> None:
    arguments.add_json_write(parser)
    parser.add_argument("jobspec", type=arguments.partial_job_key, metavar="cluster[/role[/env[/name]]]",
                        help="A jobkey, optionally containing wildcards")


def list_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("jobspec", type=arguments.partial_job_key, metavar="cluster[/role[/env[/name]]]",
                        help="A jobkey, optionally containing wildcards")


def matching_jobs(ctx: Any, pattern: arguments.PartialJobKey) -> list[JobKey]:
    """The jobs a key with wildcards names: a key without any names just that job, as with the stock client;
    otherwise the scheduler's jobs of the cluster(s), filtered by shell patterns."""
    if pattern.fully_bound:
        try:
            return [make_job_key(*pattern)]
        except AuroraInvalidParameter as error:  # report as the parameter error it is
            raise CommandError(EXIT_INVALID_PARAMETER, str(error)) from None
    clusters = ctx.session.cluster_names() if pattern.cluster == "*" else [pattern.cluster]
    found = []
    for cluster in clusters:
        jobs = ctx.jobs(cluster)
        role = None if "*" in pattern.role else pattern.role
        log.info("Retrieving jobs for role %s", role)
        try:
            configurations = jobs.job_configurations(role)
        except AuroraApiError as error:
            raise api_failure(EXIT_COMMAND_FAILURE, "Command failure:", error) from None
        for configuration in configurations:
            job = configuration.key
            if (fnmatch(job.role, pattern.role) and fnmatch(job.environment, pattern.env)
                    and fnmatch(job.name, pattern.name)):
                found.append(JobKey.from_thrift(job, cluster))
    return sorted(set(found), key=str)


def status(ctx: Any) -> int:
    options = ctx.options
    rendered = []
    for key in matching_jobs(ctx, options.jobspec):
        jobs = ctx.jobs(key.cluster)
        log.info("Checking status of %s", key)
        try:
            tasks = jobs.tasks(key)
        except AuroraApiError as error:
            raise api_failure(EXIT_INVALID_PARAMETER, "Command failure:", error) from None
        if not tasks:
            log.info("No tasks were found for jobkey %s", key)
            continue
        active, inactive = [], []
        for task in sorted(tasks, key=lambda task: task.assignedTask.instanceId):
            is_active = api.enum_name(jobs.idl.ScheduleStatus, task.status) in api.ACTIVE_STATES
            (active if is_active else inactive).append(task)
        if options.write_json:
            rendered.append(render.job_status_json(jobs.idl, key, active, inactive))
        else:
            rendered.append(render.job_status_text(jobs.idl, active, inactive))
    if not rendered:
        if options.write_json:
            ctx.out(render.compact_json({"jobspec": str(options.jobspec), "error": "No matching jobs found"}))
            return EXIT_OK  # a script that asked for JSON got a valid answer
        ctx.err(f"Found no jobs matching {options.jobspec}")
        return EXIT_INVALID_PARAMETER
    ctx.out(render.pretty_json(rendered) if options.write_json else "".join(rendered))
    return EXIT_OK


def list_jobs(ctx: Any) -> int:
    for key in matching_jobs(ctx, ctx.options.jobspec):
        ctx.out(str(key))
    return EXIT_OK


# --- diff and inspect ----------------------------------------------------------------------------------

def diff_options(parser: argparse.ArgumentParser) -> None:
    arguments.add_config_options(parser)
    parser.add_argument("--from", dest="rename_from", type=arguments.job_key, default=None,
                        metavar="cluster/role/env/name", help="If specified, the job key to diff against.")
    arguments.add_key_and_config_file(parser, with_instances=True)


def plan_update(jobs: Any, request: Any, local_task: Any) -> Any:
    """jobs.plan_update, its failure as the stock client's diff reports it."""
    try:
        return jobs.plan_update(request, local_task)
    except AuroraApiError as error:
        raise api_failure(EXIT_COMMAND_FAILURE, "Error getting diff info from scheduler", error) from None


def populate(jobs: Any, configuration: Any, exit_code: int = EXIT_INVALID_CONFIGURATION,
             message: str = "Error loading configuration") -> Any:
    """The TaskConfig the scheduler makes of ``configuration`` (populateJobConfig); a refusal fails the command
    with ``exit_code`` and ``message``, as the stock client's call that made the same check did."""
    try:
        return jobs.populate(configuration)
    except AuroraApiError as error:
        raise api_failure(exit_code, message, error) from None


def show_update_diff(ctx: Any, plan: Any, local_task: Any = None) -> None:
    """'This job update will:' and the instances the plan adds, removes, updates (each group with the textual
    difference of its config when ``local_task`` is given) or leaves alone."""
    ctx.out("This job update will:")
    for kind, header in (("add", "add instances:"), ("remove", "remove instances:")):
        if plan.groups[kind]:
            ctx.out(f"{header} {render.instance_ranges(plan.instances(kind))}")
    if local_task is not None:
        for ids, remote in plan.groups["update"]:
            ctx.out(f"update instances: {render.instance_ranges(ids)}")
            ctx.out("with diff:\n")
            ctx.out(render.task_diff(remote, local_task))
            ctx.out("")
    elif plan.groups["update"]:
        ctx.out(f"update instances: {render.instance_ranges(plan.instances('update'))}")
    if plan.groups["unchanged"]:
        ctx.out(f"not change instances: {render.instance_ranges(plan.instances('unchanged'))}")


def diff(ctx: Any) -> int:
    options = ctx.options
    key, instances = options.instance_spec
    config = arguments.load_config(ctx, key, options.config_file)
    target = options.rename_from or key
    jobs = ctx.jobs(target.cluster)
    arguments.apply_tiers(config, jobs)
    try:
        configuration = config.job_configuration(jobs.idl)
        request = config.update_request(jobs.idl, instances=instances)
    except AuroraConfigError as error:
        raise arguments.config_error(error) from None
    request.taskConfig.job = target.thrift(jobs.idl)
    local_task = populate(jobs, configuration)
    local_task.job = request.taskConfig.job
    show_update_diff(ctx, plan_update(jobs, request, local_task), local_task)
    return EXIT_OK


def inspect_options(parser: argparse.ArgumentParser) -> None:
    arguments.add_config_options(parser)
    arguments.add_json_write(parser)
    parser.add_argument("--raw", action="store_true", default=False,
                        help="Show the job as the scheduler receives it (JobConfiguration, as JSON)")
    arguments.add_key_and_config_file(parser)


def inspect(ctx: Any) -> int:
    """Load the config and show the job; the scheduler is not asked."""
    options = ctx.options
    config = arguments.load_config(ctx, options.jobspec, options.config_file)
    if options.write_json:
        ctx.out(config.raw.json_dumps())
        return EXIT_OK
    try:
        configuration = config.job_configuration(api.load_api())
    except AuroraConfigError as error:
        raise arguments.config_error(error) from None
    if options.raw:
        ctx.out(render.pretty_json(api.to_plain(configuration)))
        return EXIT_OK
    ctx.out(render.inspect_text(config.raw.interpolate()[0].get(), configuration.taskConfig.isService))
    return EXIT_OK


VERBS = {
    "create": ("Create a service or ad hoc job using aurora", create_options, create),
    "diff": ("Compare a job configuration against a running job.", diff_options, diff),
    "inspect": ("Verify that a job can be parsed from a configuration file, and display the parsed "
                "configuration.", inspect_options, inspect),
    "kill": ("Kill instances in a scheduled job", kill_options, kill),
    "killall": ("Kill all instances of a scheduled job", killall_options, killall),
    "list": ("List jobs that match a jobkey or jobkey pattern.", list_options, list_jobs),
    "restart": ("Perform a rolling restart of instances within a job.\n"
                "Restarts are run from the client, so stopping it halts the restart.", restart_options, restart),
    "status": ("Get status information about a scheduled job or group of jobs.\n"
               "The jobspec parameter can omit parts of the jobkey, or use shell-style globs.",
               status_options, status),
    "add": ("Add instances to a scheduled job. The task config to replicate is specified by the /INSTANCE value "
            "of the task_instance argument.", add_options, add),
}
