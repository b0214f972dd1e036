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
    """A Python library this part of the package needs is not installed where the module runs: ``library`` names
    it for missing_required_lib, ``purpose`` says what needs it ("to write a Heron conf dir") and ``import_error``
    is the traceback of the import that failed."""

    def __init__(self, library: str, import_error: str | None = None, purpose: str = "for this operation") -> None:
        super().__init__(f"the Python library {library} is required {purpose} and is not installed")
        self.library = library
        self.import_error = import_error
        self.purpose = purpose
