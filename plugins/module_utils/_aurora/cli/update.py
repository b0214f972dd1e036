# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``aurora update ...``: start, pause, resume, abort, rollback, list, info, wait (scheduler-driven updates)."""

from __future__ import annotations

import argparse
import logging
import uuid
from typing import Any, Callable, NamedTuple

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.plugins.module_utils._aurora.cli import arguments, render
from ansible_collections.heron.aurora.plugins.module_utils._aurora.cli.arguments import CommandError, api_failure
from ansible_collections.heron.aurora.plugins.module_utils._aurora.cli.job import (
    check_active,
    page_url,
    plan_update,
    populate,
    show_update_diff,
)
from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import (
    EXIT_API_ERROR,
    EXIT_COMMAND_FAILURE,
    EXIT_INVALID_PARAMETER,
    EXIT_OK,
    EXIT_UNKNOWN_ERROR,
    AuroraApiError,
    AuroraConfigError,
    AuroraInvalidParameter,
)
from ansible_collections.heron.aurora.plugins.module_utils._aurora.jobs import JobKey, make_job_key

NOUN = "update"
HELP = "Interact with the aurora update service."
# Metadata the stock client tags its updates with; kept so that both clients' updates look alike.
CLIENT_UPDATE_ID = "org.apache.aurora.client.update_id"
# Polls start at 1 s, for updates that end quickly, and slow down to the stock client's 5 s.
FIRST_POLL_SECS = 1.0
POLL_SECS = 5.0
ALL_STATUSES = ("ROLLING_FORWARD", "ROLLING_BACK", "ROLL_FORWARD_PAUSED", "ROLL_BACK_PAUSED", "ROLLED_FORWARD",
                "ROLLED_BACK", "ABORTED", "ERROR", "FAILED", "ROLL_FORWARD_AWAITING_PULSE", "ROLL_BACK_AWAITING_PULSE")
STATUS_GROUPS = {
    "active": set(api.ACTIVE_UPDATE_STATES),
    "all": set(ALL_STATUSES),
    "blocked": {"ROLL_FORWARD_AWAITING_PULSE", "ROLL_BACK_AWAITING_PULSE"},
    "failed": {"ERROR", "FAILED", "ROLLED_BACK"},
    "inactive": set(ALL_STATUSES) - set(api.ACTIVE_UPDATE_STATES),
    "paused": {"ROLL_FORWARD_PAUSED", "ROLL_BACK_PAUSED"},
    "succeeded": {"ROLLED_FORWARD"},
    **{status: {status} for status in ALL_STATUSES},
}


def forward_exit_code(status: str) -> int:
    return {"ROLLED_FORWARD": EXIT_OK, "ROLLED_BACK": EXIT_COMMAND_FAILURE}.get(status, EXIT_UNKNOWN_ERROR)


def rollback_exit_code(status: str) -> int:
    return {"ROLLED_BACK": EXIT_OK, "ROLLED_FORWARD": EXIT_COMMAND_FAILURE}.get(status, EXIT_UNKNOWN_ERROR)


def update_page(jobs: Any, key: JobKey, update_id: str) -> str:
    return f"{page_url(jobs, key)}/update/{update_id}"


def wait_for_update(ctx: Any, jobs: Any, key: JobKey, update_id: str, exit_code: Callable[[str], int]) -> int:
    """Print 'Current state X' at every change until the update ends; its end state gives the exit code."""
    current = None
    delay = FIRST_POLL_SECS
    while True:
        summaries = jobs.update_summaries(key, update_id=update_id)
        if not summaries:
            raise CommandError(EXIT_INVALID_PARAMETER, "Job update not found.")
        if len(summaries) > 1:
            raise CommandError(EXIT_API_ERROR, f"Scheduler returned multiple updates: {summaries}")
        status = api.enum_name(jobs.idl.JobUpdateStatus, summaries[0].state.status)
        if status != current:
            current = status
            ctx.out(f"Current state {status}")
            if status not in api.ACTIVE_UPDATE_STATES:
                return exit_code(status)
        ctx.session.sleep(delay)
        delay = min(delay * 2, POLL_SECS)


def jobspec_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("jobspec", type=arguments.job_key, metavar="CLUSTER/ROLE/ENV/NAME",
                        help="Fully specified job key, in CLUSTER/ROLE/ENV/NAME format")


def message_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--message", "-m", default=None, help="Message to include with the update state transition")


def id_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", nargs="?", default=None, metavar="ID",
                        help="Update identifier given by the scheduler when the update was started "
                             "(default: the job's active update)")


# --- start -------------------------------------------------------------------------------------------

def start_options(parser: argparse.ArgumentParser) -> None:
    arguments.add_config_options(parser)
    arguments.add_open_browser(parser)
    parser.add_argument("--healthcheck-interval-seconds", dest="healthcheck_interval_seconds",
                        type=arguments.positive_int, default=3,
                        help="Accepted for compatibility: the scheduler watches the update's instances")
    message_option(parser)
    parser.add_argument("--strict", action="store_true", default=False,
                        help="Fail when an instance given is not active in the job")
    arguments.add_key_and_config_file(parser, with_instances=True)
    parser.add_argument("--wait", action="store_true", default=False, help="Wait until the update completes")


def start(ctx: Any) -> int:
    options = ctx.options
    key, instances = options.instance_spec
    config = arguments.load_config(ctx, key, options.config_file)
    if config.raw.has_cron_schedule():
        raise CommandError(EXIT_COMMAND_FAILURE, 'Cron jobs may only be updated with "aurora cron schedule" command')
    jobs = ctx.jobs(key.cluster)
    if instances is not None and options.strict:
        check_active(jobs, key, instances)
    arguments.apply_tiers(config, jobs)
    try:
        configuration = config.job_configuration(jobs.idl)
        request = config.update_request(jobs.idl, instances=instances,
                                        update_metadata=[(CLIENT_UPDATE_ID, str(uuid.uuid4()))])
    except AuroraConfigError as error:
        raise arguments.config_error(error) from None
    # The plan job diff shows, started as shown: an instance it leaves alone is not replaced. A config the
    # scheduler refuses fails here as the stock client's getJobUpdateDiff, which checks it first, failed.
    local_task = populate(jobs, configuration, EXIT_COMMAND_FAILURE, "Error getting diff info from scheduler")
    plan = plan_update(jobs, request, local_task)
    show_update_diff(ctx, plan)
    if not plan.changed and plan.left_alone:  # the scheduler would replace them: it is not asked to
        ctx.out("Job is unchanged by proposed update.")
        return EXIT_OK
    logging.getLogger(__name__).info("Starting update for: %s", key.name)  # the stock client's progress line
    try:
        update_id = jobs.start_update(plan.request, message=options.message)
    except AuroraApiError as error:
        raise api_failure(EXIT_API_ERROR, "Failed to start update due to error:", error) from None
    if update_id is None:
        ctx.out("Job is unchanged by proposed update.")
        return EXIT_OK
    ctx.out(f"Job update has started. View your update progress at {update_page(jobs, key, update_id)}")
    if options.wait:
        return wait_for_update(ctx, jobs, key, update_id, forward_exit_code)
    return EXIT_OK


# --- pause, resume, abort, rollback --------------------------------------------------------------------

class Change(NamedTuple):
    action: str       # the API method is <action>JobUpdate
    done: str


CHANGES = {
    "pause": Change("pause", "Update has been paused."),
    "resume": Change("resume", "Update has been resumed."),
    "abort": Change("abort", "Update has been aborted."),
    "rollback": Change("rollback", "Update rollback has started."),
}


def change_options(parser: argparse.ArgumentParser) -> None:
    jobspec_argument(parser)
    message_option(parser)


def rollback_options(parser: argparse.ArgumentParser) -> None:
    change_options(parser)
    parser.add_argument("--wait", action="store_true", default=False, help="Wait until the update rolls back")


def change(verb: str) -> Callable[[Any], int]:
    def run(ctx: Any) -> int:
        key = ctx.options.jobspec
        jobs = ctx.jobs(key.cluster)
        update_id = jobs.active_update_id(key)
        if update_id is None:
            ctx.err("No active update found for this job.")
            return EXIT_INVALID_PARAMETER
        try:
            jobs.change_update(key, update_id, CHANGES[verb].action, ctx.options.message)
        except AuroraApiError as error:
            raise api_failure(EXIT_API_ERROR, f"Failed to {verb} update due to error:", error) from None
        ctx.out(CHANGES[verb].done)
        if getattr(ctx.options, "wait", False):
            return wait_for_update(ctx, jobs, key, update_id, rollback_exit_code)
        return EXIT_OK

    return run


# --- wait, info, list ----------------------------------------------------------------------------------

def wait_options(parser: argparse.ArgumentParser) -> None:
    jobspec_argument(parser)
    id_argument(parser)


def update_id_or_active(ctx: Any, jobs: Any, key: JobKey) -> str:
    if ctx.options.id:
        return ctx.options.id
    update_id = jobs.active_update_id(key)
    if update_id is None:
        raise CommandError(EXIT_INVALID_PARAMETER, "There is no active update for this job.")
    return update_id


def wait(ctx: Any) -> int:
    key = ctx.options.jobspec
    jobs = ctx.jobs(key.cluster)
    return wait_for_update(ctx, jobs, key, update_id_or_active(ctx, jobs, key), forward_exit_code)


def info_options(parser: argparse.ArgumentParser) -> None:
    arguments.add_json_write(parser)
    jobspec_argument(parser)
    id_argument(parser)


def info(ctx: Any) -> int:
    key = ctx.options.jobspec
    jobs = ctx.jobs(key.cluster)
    update_id = update_id_or_active(ctx, jobs, key)
    details = jobs.update_details(key, update_id)
    if details is None:
        ctx.err(f"There is no update for key: {update_id}")
        return EXIT_INVALID_PARAMETER
    idl = jobs.idl
    summary = details.update.summary
    status = api.enum_name(idl.JobUpdateStatus, summary.state.status)
    metadata = sorted(summary.metadata or [], key=lambda m: (m.key, m.value))
    if ctx.options.write_json:
        result: dict[str, Any] = {
            "updateId": summary.key.id, "job": str(key), "started": summary.state.createdTimestampMs,
            "last_modified": render.timestamp(summary.state.lastModifiedTimestampMs), "status": status,
            "update_events": [], "instance_update_events": []}
        if summary.metadata is not None:
            result["metadata"] = [{item.key: item.value} for item in metadata]
        for event in details.updateEvents or []:
            entry = {"status": api.enum_name(idl.JobUpdateStatus, event.status), "timestampMs": event.timestampMs}
            if event.message:
                entry["message"] = event.message
            result["update_events"].append(entry)
        for event in details.instanceEvents or []:
            result["instance_update_events"].append({
                "instance": event.instanceId, "timestamp": event.timestampMs,
                "action": api.enum_name(idl.JobUpdateAction, event.action)})
        ctx.out(render.pretty_json(result))
        return EXIT_OK
    ctx.out(f"Job: {key}, UpdateID: {summary.key.id}")
    ctx.out(f"Started {render.timestamp(summary.state.createdTimestampMs)}, "
            f"last activity: {render.timestamp(summary.state.lastModifiedTimestampMs)}")
    ctx.out(f"Current status: {status}")
    if details.updateEvents:
        ctx.out("Update events:")
        for event in details.updateEvents:
            ctx.out(f"  Status: {api.enum_name(idl.JobUpdateStatus, event.status)} at "
                    f"{render.timestamp(event.timestampMs)}")
            if event.message:
                ctx.out(f"      message: {event.message}")
    if details.instanceEvents:
        ctx.out("Instance events:")
        for event in details.instanceEvents:
            ctx.out(f"  Instance {event.instanceId} at {render.timestamp(event.timestampMs)}: "
                    f"{api.enum_name(idl.JobUpdateAction, event.action)}")
    if summary.metadata is not None:
        ctx.out("Metadata:")
        for item in metadata:
            ctx.out(f"  {item.key}: {item.value}")
    return EXIT_OK


class UpdateFilter(NamedTuple):
    cluster: str
    role: str | None
    env: str | None
    job: str | None


def update_filter(text: str) -> UpdateFilter:
    parts = text.split("/") if text else []
    if not parts or len(parts) > 4:
        raise argparse.ArgumentTypeError("Update filter must be a path of the form CLUSTER/ROLE/ENV/JOB.")
    return UpdateFilter(*(parts + [None] * (4 - len(parts))))


def list_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("filter", type=update_filter, metavar="CLUSTER[/ROLE[/ENV[/JOB]]]",
                        help="A path-like specifier for the scope of updates to list.")
    parser.add_argument("--status", choices=sorted(STATUS_GROUPS), default=[], action="append",
                        help="Update state to filter by; may be given several times.")
    parser.add_argument("--user", default=None, metavar="username",
                        help="The name of the user who initiated the update")
    arguments.add_json_write(parser)


COLUMNS = (("JOB", 47), ("UPDATE ID", 36), ("STATUS", 15), ("CREATED BY", 11), ("STARTED", 19),
           ("LAST MODIFIED", 19))


def _row(values: tuple) -> str:
    return " ".join(f"{str(value):{width}}" for value, (_name, width) in zip(values, COLUMNS))


def list_updates(ctx: Any) -> int:
    options = ctx.options
    scope = options.filter
    jobs = ctx.jobs(scope.cluster)
    key = None
    if scope.role and scope.env and scope.job:
        try:
            key = make_job_key(scope.cluster, scope.role, scope.env, scope.job)
        except AuroraInvalidParameter as error:
            raise CommandError(EXIT_INVALID_PARAMETER, str(error)) from None
    statuses = set().union(*(STATUS_GROUPS[name] for name in options.status)) if options.status else None
    summaries = jobs.update_summaries(key, role=scope.role if key is None else None, statuses=statuses,
                                      user=options.user)
    if key is None and scope.env is not None:
        summaries = [s for s in summaries if s.key.job.environment == scope.env]
    rows = []
    for summary in summaries:
        job = summary.key.job
        rows.append({"job": f"{scope.cluster}/{job.role}/{job.environment}/{job.name}", "id": summary.key.id,
                     "user": summary.user, "started": render.timestamp(summary.state.createdTimestampMs),
                     "last_modified": render.timestamp(summary.state.lastModifiedTimestampMs),
                     "status": api.enum_name(jobs.idl.JobUpdateStatus, summary.state.status)})
    if options.write_json:
        ctx.out(render.pretty_json(rows))
        return EXIT_OK
    if rows:
        ctx.out(_row(tuple(name for name, _width in COLUMNS)))
    for row in rows:
        ctx.out(_row((row["job"], row["id"], row["status"], row["user"], row["started"], row["last_modified"])))
    return EXIT_OK


VERBS = {
    "start": ("Start a rolling update of a running job, using the update configuration within the config file "
              "as a control for update velocity and failure tolerance.", start_options, start),
    "pause": ("Pause an update.", change_options, change("pause")),
    "resume": ("Resume an update.", change_options, change("resume")),
    "abort": ("Abort an in-progress update.", change_options, change("abort")),
    "rollback": ("Rollback an in-progress update.", rollback_options, change("rollback")),
    "list": ("List summaries of job updates.", list_options, list_updates),
    "info": ("Display detailed status information about a scheduler-driven in-progress update.\n"
             "If no update ID is provided, information will be displayed about the active update for the job.",
             info_options, info),
    "wait": ("Block until an update has entered a terminal state.", wait_options, wait),
}
