# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the library packages (_storage, _heron, _aurora) and the glue share that belongs to none of the external
systems: replacing a local file atomically (atomic_file) and checking a number of seconds (seconds).

A library like them: nothing here imports Ansible or any other package of module_utils."""

from __future__ import annotations
