# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``python3 -m ansible_collections.heron.aurora.plugins.module_utils._aurora.cli ARGS``: the ``aurora`` command."""

from __future__ import annotations

from ansible_collections.heron.aurora.plugins.module_utils._aurora.cli.command import main

if __name__ == "__main__":  # ansible-test imports every module_utils file
    raise SystemExit(main())
