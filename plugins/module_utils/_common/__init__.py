# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the library packages (_storage, _heron, _aurora) and the glue share that belongs to none of the external
systems: replacing a local file atomically (atomic_file), checking a number of seconds (seconds), retrying within a
time budget (retry) and finding what an exception wraps (causes).

A library like them: nothing here imports Ansible or any other package of module_utils (the aurora_client role
copies it beside _aurora)."""

from __future__ import annotations
