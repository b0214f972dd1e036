# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fetch processes of heron.aurora: the command lines we generate, and those of any template, bound.

Thermos substitutes a binding into a cmdline as plain text and runs the result with ``bash -c``. No quoting put
around ``{{CORE_PACKAGE_URI}}`` survives every value (a quote in the value closes it), so the generated commands
read the URI from a quoted here-document, which bash takes literally whatever it holds, up to the end of its line:

    IFS= read -r uri <<'HERON_URI'
    {{CORE_PACKAGE_URI}}
    HERON_URI
    curl ... --url "$uri" && tar zxf heron-core.tar.gz

Only a newline in the value could end it early, and uris.scheme_of refuses control characters.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from ansible_collections.heron.aurora.plugins.module_utils._heron.config.errors import HeronConfigError

HEREDOC_END = "HERON_URI"
CORE_PROCESS = "fetch_heron_system"
TOPOLOGY_PROCESS = "fetch_user_package"
EXECUTOR_PROCESS = "launch_heron_executor"
PROFILER_PROCESS = "discover_profiler_port"

# How a fetch process gets its archive. 'aws_s3_url' turns the https URL that Heron's S3 uploader returns
# (path style: <endpoint>/<bucket>/<key>) back into s3://<bucket>/<key> for the AWS CLI.
TOOLS = ("curl", "hdfs", "aws_s3", "aws_s3_url", "cp")
TOOL_BY_SCHEME = {"http": "curl", "https": "curl", "hdfs": "hdfs", "s3": "aws_s3", "file": "cp"}
TOOL_DESCRIPTIONS = {"curl": "curl", "hdfs": "hdfs dfs -get", "aws_s3": "aws s3 cp",
                     "aws_s3_url": "aws s3 cp (from the S3 uploader's URL)", "cp": "cp"}


@dataclass(frozen=True)
class Package:
    """One package a container fetches: the process, the binding holding its URI, its archive and what it holds."""

    process: str
    binding: str
    archive: str
    expect: tuple[str, ...]


CORE_PACKAGE = Package(CORE_PROCESS, "CORE_PACKAGE_URI", "heron-core.tar.gz", ("heron-core/bin/heron-executor",))
TOPOLOGY_PACKAGE = Package(TOPOLOGY_PROCESS, "TOPOLOGY_PACKAGE_URI", "topology.tar.gz", ())
PACKAGES = (CORE_PACKAGE, TOPOLOGY_PACKAGE)


def package_uris(core_package_uri: str, topology_package_uri: str | None = None) -> dict[str, str]:
    """{binding name: URI} of the packages given."""
    uris = {CORE_PACKAGE.binding: core_package_uri}
    if topology_package_uri:
        uris[TOPOLOGY_PACKAGE.binding] = topology_package_uri
    return uris


@dataclass(frozen=True)
class FetchTools:
    """The agents' commands and their settings."""

    curl_retries: int = 5
    hdfs_command: str = "hdfs"
    aws_command: str = "aws"
    s3_endpoint_url: str | None = None
    s3_region: str | None = None


@dataclass
class FetchCommand:
    """A fetch process with its URI bound: what an agent runs, and what the archive must hold once unpacked."""

    process: str
    uri: str
    command: str
    archive: str
    expect: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"process": self.process, "uri": self.uri, "command": self.command, "archive": self.archive,
                "expect": list(self.expect)}


def _download_line(tool: str, archive: str, tools: FetchTools) -> list[str]:
    """The lines after the here-document, ending with the download into ``archive``; the URI is in $uri."""
    if tool == "curl":
        return [f"curl --fail --silent --show-error --location --retry {int(tools.curl_retries)} "
                f"-o {archive} --url \"$uri\""]
    if tool == "hdfs":
        return [f"{shlex.quote(tools.hdfs_command)} dfs -get \"$uri\" {archive}"]
    if tool == "cp":
        # file:///p and file:/p both name /p; %XX escapes are decoded (a literal backslash is kept as one).
        return ["path=${uri#file:}; path=${path#//}; path=${path//\\\\/\\\\\\\\}; "
                "printf -v path '%b' \"${path//%/\\\\x}\"",
                f"cp -- \"$path\" {archive}"]
    aws = [shlex.quote(tools.aws_command)]
    if tools.s3_endpoint_url:
        aws += ["--endpoint-url", shlex.quote(tools.s3_endpoint_url)]
    if tools.s3_region:
        aws += ["--region", shlex.quote(tools.s3_region)]
    aws_cp = " ".join(aws + ["s3", "cp", "--only-show-errors"])
    if tool == "aws_s3":
        return [f"{aws_cp} \"$uri\" {archive}"]
    if tool == "aws_s3_url":
        return ["key=${uri#*://*/}", f"{aws_cp} \"s3://$key\" {archive}"]
    raise HeronConfigError(f"unknown fetch tool {tool!r}: use one of {', '.join(TOOLS)}")


def fetch_cmdline(package: Package, tool: str, tools: FetchTools) -> str:
    """The cmdline of a fetch process, with Heron's binding left in for Heron to fill at submit time."""
    lines = [f"IFS= read -r uri <<'{HEREDOC_END}'", "{{" + package.binding + "}}", HEREDOC_END]
    download = _download_line(tool, package.archive, tools)
    download[-1] += f" && tar zxf {package.archive}"
    return "\n".join(lines + download)
