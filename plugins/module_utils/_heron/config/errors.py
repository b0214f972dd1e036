# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors of the conf dir library."""

from __future__ import annotations

from ansible_collections.heron.aurora.plugins.module_utils._heron.errors import HeronError, HeronMissingLibrary


class HeronConfigError(HeronError):
    """Bad options or a conf dir Heron could not use; raised before any file is put in place.

    ``option`` names the module option to fix; ``file`` and ``key`` name the place in the conf dir, when known.
    """

    def __init__(self, message: str, option: str | None = None, file: str | None = None,
                 key: str | None = None) -> None:
        super().__init__(message, option=option)
        self.file = file
        self.key = key


class HeronConfigMissingLibrary(HeronMissingLibrary):
    """PyYAML or pystachio is not installed where the module runs."""
