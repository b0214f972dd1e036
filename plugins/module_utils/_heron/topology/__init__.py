# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A topology's lifecycle for heron_topology: the request checked (request), what ZooKeeper and Aurora say about it
(observed), the decision (decide), the kept topology files for rollbacks (packages), waiting until it runs
(readiness) and carrying it all out through the heron CLI (lifecycle). Imports nothing of Ansible."""

from __future__ import annotations
