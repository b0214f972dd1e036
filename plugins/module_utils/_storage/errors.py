# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors raised by the storage backends; a module turns each into one fail_json message."""

from __future__ import annotations


class StorageError(Exception):
    """An operation on a store failed; ``option`` names the module option to fix, when one is to blame."""

    def __init__(self, message: str, option: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.option = option

    def __str__(self) -> str:
        return self.message


class InvalidInput(StorageError):
    """The arguments cannot work; raised before anything is changed."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message, option=option)


class RetriesExhausted(StorageError):
    """A transient failure went on until the time budget (option ``timeout``) ran out."""


class MissingLibrary(StorageError):
    """A Python library the chosen backend needs is not installed on the managed host."""

    def __init__(self, library: str, message: str, option: str | None = None) -> None:
        super().__init__(message, option=option)
        self.library = library
