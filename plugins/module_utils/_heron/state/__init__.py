# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Heron's state in ZooKeeper: the protobuf messages Heron stores (messages), one ZooKeeper session per module run
(session), the znodes of a topology read and decoded (reader), what a module reports about them (view), and the
collection's own fingerprint record (fingerprint). Imports nothing of Ansible."""

from __future__ import annotations
