# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The heron.aurora job template, generated for the conf dir's choices.

The file is Python in Aurora's config language. Every value that comes from an option is written with repr(), so no
option can change the file's code; Heron's bindings ({{CORE_PACKAGE_URI}}, {{NUM_CONTAINERS}}, ...) are left in for
Heron to fill at submit time, and {{mesos.*}} / {{thermos.*}} for the executor.
"""

from __future__ import annotations

from ansible_collections.heron.aurora.plugins.module_utils._heron.config import fetch
from ansible_collections.heron.aurora.plugins.module_utils._heron.config.options import AuroraJob, ConfDirOptions
from ansible_collections.heron.aurora.plugins.module_utils._heron.config.uris import scheme_of

INDENT = "  "


def fetch_tools(options: ConfDirOptions) -> dict[str, str]:
    """The fetch tool of each package: the option when set, else what the URI's scheme calls for."""
    aurora = options.aurora.settings
    core = aurora["core_fetch"]
    if core == "auto":
        core = fetch.TOOL_BY_SCHEME[scheme_of(options.core_package_uri, "core_package_uri")]
    topology = aurora["topology_fetch"]
    if topology == "auto":
        topology = options.uploader.topology_fetch_tool
    return {fetch.CORE_PROCESS: core, fetch.TOPOLOGY_PROCESS: topology}


def module_variables() -> list[str]:
    """The module variables of Heron's stock heron.aurora, defined alike so the file keeps the stock one's names."""
    return [
        "heron_core_release_uri = '{{" + fetch.CORE_PACKAGE.binding + "}}'",
        "heron_topology_jar_uri = '{{" + fetch.TOPOLOGY_PACKAGE.binding + "}}'",
        f"core_release_file = {fetch.CORE_PACKAGE.archive!r}",
        f"topology_package_file = {fetch.TOPOLOGY_PACKAGE.archive!r}",
    ]


def executor_cmdline(options: ConfDirOptions) -> str:
    flags = ["--shard={{mesos.instance}}"]
    flags += [f"--{flag}={{{{thermos.ports[{port}]}}}}" for flag, port in options.version.executor_port_flags]
    return " ".join(["{{EXECUTOR_BINARY}}"] + flags + ["{{TOPOLOGY_ARGUMENTS}}"])


def _process(variable: str, name: str, cmdline: str, max_failures: int | None = None) -> list[str]:
    lines = [f"{variable} = Process(", f"{INDENT}name = {name!r},"]
    if "\n" in cmdline:
        lines.append(f"{INDENT}cmdline = '\\n'.join([")
        lines += [f"{INDENT * 2}{line!r}," for line in cmdline.split("\n")]
        lines.append(f"{INDENT}]),")
    else:
        lines.append(f"{INDENT}cmdline = {cmdline!r},")
    if max_failures is not None:
        lines.append(f"{INDENT}max_failures = {int(max_failures)!r},")
    return lines + [")", ""]


def _job_fields(options: ConfDirOptions, job: AuroraJob) -> list[str]:
    health = job.health_check
    fields = [
        "name = '{{TOPOLOGY_NAME}}'", "cluster = '{{CLUSTER}}'", "role = '{{ROLE}}'",
        "environment = '{{ENVIRON}}'", "service = True", "task = heron_task", "instances = '{{NUM_CONTAINERS}}'",
        f"announce = Announcer(primary_port = 'http', portmap = {job.announce_portmap!r})",
        "health_check_config = HealthCheckConfig(\n"
        f"{INDENT * 3}health_checker = HealthCheckerConfig(http = HttpHealthChecker("
        f"endpoint = {health['endpoint']!r}, expected_response = {health['expected_response']!r}, "
        f"expected_response_code = {int(health['expected_response_code'])!r})),\n"
        f"{INDENT * 3}initial_interval_secs = {health['initial_interval_secs']!r}, "
        f"interval_secs = {health['interval_secs']!r},\n"
        f"{INDENT * 3}max_consecutive_failures = {int(health['max_consecutive_failures'])!r}, "
        f"timeout_secs = {health['timeout_secs']!r})",
    ]
    if job.settings["production"]:
        fields.append("production = True")
    if job.settings["tier"]:
        fields.append(f"tier = {job.settings['tier']!r}")
    if job.constraints:
        fields.append(f"constraints = {job.constraints!r}")
    if job.metadata:
        items = ", ".join(f"Metadata(key = {str(item['key'])!r}, value = {str(item['value'])!r})"
                          for item in job.metadata)
        fields.append(f"metadata = [{items}]")
    return fields


def render(options: ConfDirOptions) -> bytes:
    job = options.aurora
    tools = fetch_tools(options)
    lines = [
        f"# Written by heron.aurora.heron_cluster_config for Heron {options.version.text}: the core package is "
        f"fetched with {fetch.TOOL_DESCRIPTIONS[tools[fetch.CORE_PROCESS]]}, the topology package with "
        f"{fetch.TOOL_DESCRIPTIONS[tools[fetch.TOPOLOGY_PROCESS]]}.",
        "# Edit the task's options, not this file: a change made here is overwritten on the next run.",
        "# Heron binds {{CORE_PACKAGE_URI}}, {{TOPOLOGY_PACKAGE_URI}}, ... at submit time (aurora job create --bind);",
        "# Thermos substitutes them as plain text and runs each cmdline with bash -c, so each fetch reads its URI",
        "# from a quoted here-document, which the shell takes literally.",
        "",
    ]
    lines += module_variables() + [""]
    for package in fetch.PACKAGES:
        cmdline = fetch.fetch_cmdline(package, tools[package.process], job.fetch_tools)
        lines += _process(package.process, package.process, cmdline)
    extra_names = []
    for index, process in enumerate(job.extra_processes):
        variable = f"extra_process_{index}"
        extra_names.append(variable)
        lines += _process(variable, process["name"], process["cmdline"], process.get("max_failures"))
    lines += _process(fetch.EXECUTOR_PROCESS, fetch.EXECUTOR_PROCESS, executor_cmdline(options), 1)
    lines += _process(fetch.PROFILER_PROCESS, fetch.PROFILER_PROCESS, "echo {{thermos.ports[yourkit]}} > yourkit.port")
    order = [fetch.CORE_PROCESS, fetch.TOPOLOGY_PROCESS, *extra_names, fetch.EXECUTOR_PROCESS,
             fetch.PROFILER_PROCESS]
    resources = job.resources
    lines += [
        "heron_task = SequentialTask(",
        f"{INDENT}name = 'setup_and_run',",
        f"{INDENT}processes = [{', '.join(order)}],",
        f"{INDENT}resources = Resources(cpu = {resources['cpu']!r}, ram = {resources['ram']!r}, "
        f"disk = {resources['disk']!r}),",
        ")",
        "",
        "jobs = [",
        f"{INDENT}Job(",
    ]
    lines += [f"{INDENT * 2}{field_text}," for field_text in _job_fields(options, job)]
    lines += [f"{INDENT})", "]", ""]
    return "\n".join(lines).encode("utf-8")
