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


class ObjectMissing(StorageError):
    """The object to read does not exist in the store."""

    def __init__(self, uri: str) -> None:
        super().__init__(f"{uri} does not exist")
        self.uri = uri


class DigestMismatch(StorageError):
    """What was read from an object is not what its recorded sha256 vouches for (``recorded`` is None when the
    store has no sha256 recorded for it, so the content cannot be verified)."""

    def __init__(self, uri: str, recorded: str | None, actual: str | None) -> None:
        if recorded is None:
            message = (f"{uri} has no sha256 recorded with it, so its content cannot be verified: upload it again "
                       "with heron_upload, which records one")
        else:
            message = (f"{uri} does not match the sha256 recorded with it (recorded {recorded}, read {actual}): "
                       "the object was altered or damaged after it was written; upload it again")
        super().__init__(message)
        self.uri = uri
        self.recorded = recorded
        self.actual = actual


class RetriesExhausted(StorageError):
    """A transient failure went on until the time budget (option ``timeout``) ran out."""


class MissingLibrary(StorageError):
    """A Python library the chosen backend needs is not installed on the managed host."""

    def __init__(self, library: str, message: str, option: str | None = None) -> None:
        super().__init__(message, option=option)
        self.library = library
