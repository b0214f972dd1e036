# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the verbs of the ``aurora`` command share: argument types, options, errors, and loading the job config."""

from __future__ import annotations

import argparse
import json
import math
import os
from typing import Any, NamedTuple

from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import (
    EXIT_INVALID_CONFIGURATION,
    AuroraApiError,
    AuroraConfigError,
    AuroraDiscoveryError,
    AuroraInvalidParameter,
    AuroraUpdateConfigError,
)
from ansible_collections.heron.aurora.plugins.module_utils._aurora.instances import parse_instances
from ansible_collections.heron.aurora.plugins.module_utils._aurora.jobs import WAIT_TARGETS, JobKey, make_job_key

JOB_UPDATING_HINT = ("Error: job is locked by an active update.\n"
                     "      Run 'aurora update abort' or wait for the active update to finish.")


class CommandError(Exception):
    """End the command with ``code``, after printing ``message`` (if any) on stderr."""

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def api_failure(code: int, headline: str, error: AuroraApiError) -> CommandError:
    """The stock client's report of a refused call: the headline, then the scheduler's messages indented."""
    lines = [headline, "\t" + (", ".join(error.details) or error.code)]
    if error.code == "JOB_UPDATING_ERROR":
        lines.append("\t" + JOB_UPDATING_HINT)
    return CommandError(code, "\n".join(lines))


class PartialJobKey(NamedTuple):
    """A job key whose parts may be shell patterns; missing trailing parts are '*'."""

    cluster: str
    role: str
    env: str
    name: str

    def __str__(self) -> str:
        return "/".join(self)

    @property
    def fully_bound(self) -> bool:
        return not any("*" in part for part in self)


# --- argument types (a bad value is an argparse error, exit 2, as with the stock client) -------------

def job_key(text: str) -> JobKey:
    parts = text.split("/")
    if len(parts) != 4:
        raise argparse.ArgumentTypeError(
            f"Invalid path '{text}'. path should be a string in the form CLUSTER/ROLE/ENV/NAME")
    try:
        return make_job_key(*parts)
    except AuroraInvalidParameter as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def instance_spec(text: str) -> tuple[JobKey, list[int] | None]:
    """CLUSTER/ROLE/ENV/NAME[/INSTANCES] -> (key, instance ids or None for all)."""
    parts = text.split("/")
    if len(parts) not in (4, 5):
        raise argparse.ArgumentTypeError("Instance specifier must be a CLUSTER/ROLE/ENV/JOB/INSTANCES tuple")
    key = job_key("/".join(parts[:4]))
    if len(parts) == 4 or parts[4] == "":
        return key, None
    try:
        return key, parse_instances(parts[4])
    except AuroraInvalidParameter as error:
        raise argparse.ArgumentTypeError(f"Invalid instance range: {error}") from None


def task_instance(text: str) -> tuple[JobKey, int]:
    """CLUSTER/ROLE/ENV/NAME/INSTANCE -> (key, instance id)."""
    parts = text.split("/")
    if len(parts) != 5:
        raise argparse.ArgumentTypeError(
            f"Task instance specifier {text} is not in the form CLUSTER/ROLE/ENV/NAME/INSTANCE")
    if not parts[4].isdigit():
        raise argparse.ArgumentTypeError(f"Instance must be an integer, but got {parts[4]}")
    return job_key("/".join(parts[:4])), int(parts[4])


def partial_job_key(text: str) -> PartialJobKey:
    parts = text.split("/")
    if len(parts) > 4:
        raise argparse.ArgumentTypeError("Job key must have no more than 4 segments")
    return PartialJobKey(*(parts + ["*"] * (4 - len(parts))))


def binding(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals:
        raise argparse.ArgumentTypeError("Binding parameter must be formatted name=value")
    try:
        from pystachio import Ref
    except ImportError:  # the config loader reports the missing library by name
        return name, value
    try:
        Ref.from_address(name)
    except Ref.InvalidRefError as error:
        raise argparse.ArgumentTypeError(f"Could not parse binding parameter {text}: {error}") from None
    return name, value


def _int_at_least(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: '{text}'") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be at least {least}, got {value}")
    return value


def positive_int(text: str) -> int:
    return _int_at_least(text, 1)


def non_negative_int(text: str) -> int:
    return _int_at_least(text, 0)


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of seconds: '{text}'") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


# --- options ---------------------------------------------------------------------------------------

def add_config_options(parser: argparse.ArgumentParser) -> None:
    """--bind and --read-json, which every verb that reads a config takes."""
    parser.add_argument("--bind", dest="bindings", action="append", default=[], type=binding, metavar="var=value",
                        help="Bind a pystachio variable name to a value. May be given several times.")
    parser.add_argument("--read-json", dest="read_json", action="store_true", default=False,
                        help="Read the job configuration in JSON format")


def add_key_and_config_file(parser: argparse.ArgumentParser, with_instances: bool = False) -> None:
    """The positional arguments of the verbs that read a config: the job key (or instance key), then the file."""
    if with_instances:
        parser.add_argument("instance_spec", type=instance_spec, metavar="CLUSTER/ROLE/ENV/NAME[/INSTANCES]",
                            help="Fully specified job instance key; without INSTANCES every instance")
    else:
        parser.add_argument("jobspec", type=job_key, metavar="CLUSTER/ROLE/ENV/NAME",
                            help="Fully specified job key, in CLUSTER/ROLE/ENV/NAME format")
    parser.add_argument("config_file", metavar="pathname",
                        help="Pathname of the aurora configuration file containing the job specification")


def add_optional_config(parser: argparse.ArgumentParser) -> None:
    add_config_options(parser)
    parser.add_argument("--config", default=None, metavar="pathname",
                        help="Configuration file of the job (checked, as the stock client loads it for hooks)")


def add_open_browser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--open-browser", dest="open_browser", action="store_true", default=False,
                        help="Accepted for compatibility and ignored: hosts that run this have no browser")


def add_wait_until(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wait-until", choices=WAIT_TARGETS, default="PENDING",
                        help="Block the client until all the tasks have transitioned into the requested state. "
                             "Default: PENDING")
    add_wait_timeout(parser)


def add_wait_timeout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wait-timeout", type=seconds, default=None, metavar="SECONDS",
                        help="Give up waiting after this long (exit 9). Default: $AURORA_WAIT_TIMEOUT, else no limit")


def add_json_write(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--write-json", dest="write_json", action="store_true", default=False,
                        help="Generate command output in JSON format")


# --- configs ---------------------------------------------------------------------------------------

def _json_jobs(path: str) -> list:
    """The jobs of a JSON config: {"jobs": [job, ...]}, or a single job."""
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.loader import require_pystachio

    require_pystachio()
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.schema import job_from_plain

    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as error:
        raise AuroraConfigError(f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise AuroraConfigError(f"{path} is not valid JSON: {error}") from None
    entries = document["jobs"] if isinstance(document, dict) and "jobs" in document else [document]
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise AuroraConfigError(f"{path}: jobs must be a list of JSON objects")
    try:
        return [job_from_plain(entry) for entry in entries]
    except (TypeError, ValueError, AttributeError) as error:
        raise AuroraConfigError(f"{path}: {error}") from None


def load_config(ctx: Any, key: JobKey, path: str) -> Any:
    """The AuroraJobConfig of job ``key`` in the config at ``path``, with the --bind values applied."""
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.job import AuroraJobConfig
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.loader import load_job, select_job

    options = ctx.options
    bindings = dict(options.bindings)
    selectors = {"name": key.name, "cluster": key.cluster, "role": key.role, "environment": key.environment}
    try:
        if options.read_json:
            config = AuroraJobConfig(select_job(_json_jobs(path), bindings=bindings, **selectors))
        else:
            if not os.path.isfile(path):
                raise AuroraConfigError(f"no such config file: {path}")
            config = load_job(path=path, bindings=bindings, base_dir=os.path.dirname(os.path.abspath(path)),
                              time_limit=ctx.session.config_timeout, **selectors)
        config.bind_docker_images(lambda: docker_registry(ctx, config.cluster))
        config.validate()
    except AuroraConfigError as error:
        raise config_error(error) from None
    return config


def docker_registry(ctx: Any, cluster: str) -> Any:
    """The Docker registry of ``cluster`` (its clusters.json docker_registry), for {{docker.image[name][tag]}};
    an unreadable clusters.json is a config error here, as the stock client's config load reports it."""
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.config.docker_images import cluster_registry

    try:
        return cluster_registry(cluster, ctx.session.request_timeout, environ=ctx.session.environ)
    except AuroraDiscoveryError as error:
        raise AuroraConfigError(str(error)) from None


def apply_tiers(config: Any, jobs: Any) -> None:
    """The stock client's tier rule with the scheduler's tiers (tiers.py): before a config is sent, never for
    inspect. Not getting them fails as the stock client's config load does."""
    try:
        tiers = jobs.tier_configs()
    except AuroraApiError as error:
        raise api_failure(EXIT_INVALID_CONFIGURATION, "Error getting tier configurations.", error) from None
    try:
        config.apply_tiers(tiers)
    except AuroraConfigError as error:
        raise config_error(error) from None


def config_error(error: AuroraConfigError) -> CommandError:
    if isinstance(error, AuroraUpdateConfigError):  # the stock client died on these, without the headline
        return CommandError(error.exit_code, str(error))
    return CommandError(EXIT_INVALID_CONFIGURATION, f"Error loading configuration: {error}")
