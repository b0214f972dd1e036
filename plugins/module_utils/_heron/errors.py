# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base errors of the heron package; each subpackage raises subclasses of its own."""

from __future__ import annotations


class HeronError(Exception):
    """Something about Heron failed; ``option`` names the module option to fix, when one is to blame."""

    def __init__(self, message: str, option: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.option = option

    def __str__(self) -> str:
        return self.message


class HeronMissingLibrary(HeronError):
    """A Python library this part of the package needs is not installed where the module runs."""

    def __init__(self, library: str, message: str) -> None:
        super().__init__(message)
        self.library = library
