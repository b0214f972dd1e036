# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Ansible glue shared by several modules: argument specs built from the libraries' options, and their
errors turned into fail_json results. The libraries (_storage, _aurora, _heron) import nothing from here."""

from __future__ import annotations
