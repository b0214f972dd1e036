# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Heron: the cluster conf dir (config/), Heron's state in ZooKeeper (state/) and the heron CLI (cli/).

A library: nothing in this package imports Ansible. The Ansible glue of the heron_* modules lives in
plugins/module_utils/_ansible/."""

from __future__ import annotations
