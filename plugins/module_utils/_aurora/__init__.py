# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Aurora client library (docs/aurora.md); its command line is the cli subpackage."""

from __future__ import annotations

import logging

# Progress and retry warnings are logged under this package; the aurora command shows them on stderr
# (cli/command.py), and a module, which shows nothing, must not have Python's last-resort handler print them.
logging.getLogger(__name__).addHandler(logging.NullHandler())
