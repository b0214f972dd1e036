# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running the heron CLI: argument lists, a process-group timeout, output kept for the error (runner)."""

from __future__ import annotations
