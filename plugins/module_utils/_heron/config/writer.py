# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files of a directory compared with what they should hold, and replaced one by one with an atomic rename
(module_utils._common.atomic_file)."""

from __future__ import annotations

import difflib
import os
import stat
from dataclasses import dataclass
from typing import Callable

from ansible_collections.heron.aurora.plugins.module_utils._common import atomic_file
from ansible_collections.heron.aurora.plugins.module_utils._heron.config.errors import HeronConfigError

DIRECTORY_MODE = 0o755


def parse_mode(value, option: str = "mode") -> int:
    """An octal mode given as '0644', '644' or an int."""
    if isinstance(value, int) and not isinstance(value, bool):
        mode = value
    else:
        try:
            mode = int(str(value), 8)
        except ValueError:
            raise HeronConfigError(f"{option} {value!r} is not an octal mode such as '0644'", option=option) from None
    if not 0 <= mode <= 0o7777:
        raise HeronConfigError(f"{option} {value!r} is not a file mode", option=option)
    return mode


@dataclass
class FileChange:
    """One file of the directory: what it holds now (None if absent) and what it should hold."""

    name: str
    path: str
    after: bytes
    mode: int
    before: bytes | None = None
    mode_before: int | None = None
    # How the content is shown in a diff (secrets starred out); the content itself when None.
    display: Callable[[bytes], str] | None = None

    @classmethod
    def read(cls, directory: str, name: str, after: bytes, mode: int,
             display: Callable[[bytes], str] | None = None) -> "FileChange":
        path = os.path.join(directory, name)
        change = cls(name=name, path=path, after=after, mode=mode, display=display)
        try:
            with open(path, "rb") as handle:
                change.before = handle.read()
            change.mode_before = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            pass
        except IsADirectoryError:
            raise HeronConfigError(f"{path} is a directory; the conf dir needs a file there", file=name) from None
        return change

    @property
    def content_changed(self) -> bool:
        return self.before != self.after

    @property
    def changed(self) -> bool:
        return self.content_changed or self.mode_before != self.mode

    def _text(self, data: bytes | None) -> str:
        if data is None:
            return ""
        return self.display(data) if self.display else data.decode("utf-8", "replace")

    def diff(self) -> dict:
        """The change as Ansible's diff mode shows it: a unified diff of the content, and the mode."""
        before_header = self.path if self.before is not None else "/dev/null"
        lines = list(difflib.unified_diff(self._text(self.before).splitlines(keepends=True),
                                          self._text(self.after).splitlines(keepends=True),
                                          fromfile=before_header, tofile=self.path))
        if self.mode_before is not None and self.mode_before != self.mode:
            lines.append(f"mode {self.mode_before:04o} -> {self.mode:04o}\n")
        return {"before_header": before_header, "after_header": self.path,
                "prepared": "".join(line if line.endswith("\n") else line + "\n" for line in lines)}


def apply(directory: str, changes: list[FileChange]) -> list[str]:
    """Put every changed file in place; returns the paths written. A file whose mode alone differs is chmod-ed."""
    os.makedirs(directory, mode=DIRECTORY_MODE, exist_ok=True)
    written = []
    for change in changes:
        if change.content_changed:
            atomic_file.write_atomically(change.path, change.after, change.mode)
            written.append(change.path)
        elif change.changed:
            os.chmod(change.path, change.mode)
            written.append(change.path)
    return written
