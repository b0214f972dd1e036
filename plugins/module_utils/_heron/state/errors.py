# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors of reading and writing Heron's state in ZooKeeper."""

from __future__ import annotations

from ansible_collections.heron.aurora.plugins.module_utils._heron.errors import HeronError


class StateError(HeronError):
    """Base of the errors of the state package."""


class StateConfigError(StateError):
    """The options or the cluster's statemgr.yaml do not say how to reach Heron's ZooKeeper."""


class ZooKeeperUnavailable(StateError):
    """No ZooKeeper session within the timeout, or the session was lost during a read or write."""


class ZooKeeperAuthFailed(StateError):
    """ZooKeeper refused the credentials or the TLS handshake."""
