# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What differs between Heron releases in a conf dir: the Java package of the classes and the executor's flags."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ansible_collections.heron.aurora.plugins.module_utils._heron.config.errors import HeronConfigError

# Classes moved from com.twitter.heron to org.apache.heron in 0.17.6; the TMaster became the TManager in 0.20.3.
APACHE_PACKAGE_SINCE = (0, 17, 6)
TMANAGER_SINCE = (0, 20, 3)
# The oldest release whose executor takes the named flags below (older ones took positional arguments).
OLDEST_SUPPORTED = (0, 17, 0)

_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:[-.+][0-9A-Za-z.+-]*)?$")

# (executor flag, the Aurora port name it is given) in the order the stock template passes them.
TMANAGER_PORT_FLAGS = (
    ("server-port", "port1"),
    ("tmanager-controller-port", "port2"),
    ("tmanager-stats-port", "port3"),
    ("shell-port", "http"),
    ("metrics-manager-port", "port4"),
    ("scheduler-port", "scheduler"),
    ("metricscache-manager-server-port", "metricscachemgr_serverport"),
    ("metricscache-manager-stats-port", "metricscachemgr_statsport"),
    ("checkpoint-manager-port", "ckptmgr_port"),
)
TMASTER_PORT_FLAGS = (
    ("master-port", "port1"),
    ("tmaster-controller-port", "port2"),
    ("tmaster-stats-port", "port3"),
    ("shell-port", "http"),
    ("metrics-manager-port", "port4"),
    ("scheduler-port", "scheduler"),
    ("metricscache-manager-master-port", "metricscachemgr_masterport"),
    ("metricscache-manager-stats-port", "metricscachemgr_statsport"),
    ("checkpoint-manager-port", "ckptmgr_port"),
)


@dataclass(frozen=True)
class HeronVersion:
    text: str
    number: tuple[int, int, int]

    @classmethod
    def parse(cls, text: str, option: str = "heron_version") -> "HeronVersion":
        match = _VERSION.match(str(text).strip())
        if not match:
            raise HeronConfigError(
                f"{option} {text!r} is not a Heron release number such as 0.20.5-incubating or 0.17.8",
                option=option)
        number = (int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if number < OLDEST_SUPPORTED:
            raise HeronConfigError(
                f"{option} {text!r}: releases before {'.'.join(map(str, OLDEST_SUPPORTED))} are not supported "
                "(their executor takes positional arguments)", option=option)
        return cls(str(text).strip(), number)

    @property
    def java_package(self) -> str:
        return "org.apache.heron" if self.number >= APACHE_PACKAGE_SINCE else "com.twitter.heron"

    def java_class(self, name: str) -> str:
        """A class of Heron's, given without its package root: 'scheduler.aurora.AuroraScheduler'."""
        return f"{self.java_package}.{name}"

    @property
    def has_tmanager(self) -> bool:
        return self.number >= TMANAGER_SINCE

    @property
    def executor_port_flags(self) -> tuple[tuple[str, str], ...]:
        return TMANAGER_PORT_FLAGS if self.has_tmanager else TMASTER_PORT_FLAGS

    @property
    def other_generation_flags(self) -> tuple[str, ...]:
        """Port flags of the other naming generation, which this release's executor rejects."""
        mine = {flag for flag, _port in self.executor_port_flags}
        other = TMASTER_PORT_FLAGS if self.has_tmanager else TMANAGER_PORT_FLAGS
        return tuple(flag for flag, _port in other if flag not in mine)
