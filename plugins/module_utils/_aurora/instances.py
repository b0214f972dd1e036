# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Instance ids and their ranges, the one place they are parsed and grouped: the text form of job keys and
options ('0-2,5'), the scheduler's closed Range structs and the spans the command prints ('[0-2], [5]')."""

from __future__ import annotations

import re
from typing import Any, Iterable

from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import AuroraInvalidParameter

# Instance ids are below this: ranges are checked against it before they are expanded into ids.
MAX_INSTANCES = 10000
_SPAN = re.compile(r"(\d+)(?:-(\d+))?", re.ASCII)


def parse_instances(text: str) -> list[int]:
    """'0-2,5' -> [0, 1, 2, 5]; ids must be below MAX_INSTANCES."""
    instances: set[int] = set()
    for part in str(text).split(","):
        part = part.strip()
        match = _SPAN.fullmatch(part)
        if not match:
            raise AuroraInvalidParameter(f"instances {text!r}: {part!r} is not N or N-M")
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if last < first:
            raise AuroraInvalidParameter(f"instances {text!r}: range {part} runs backwards")
        if last >= MAX_INSTANCES:
            raise AuroraInvalidParameter(f"instances {text!r}: {part} goes past {MAX_INSTANCES - 1}, the highest "
                                         "instance id this client takes")
        instances.update(range(first, last + 1))
    return sorted(instances)


def spans(instances: Iterable[int]) -> list[tuple[int, int]]:
    """[0, 1, 2, 5] -> [(0, 2), (5, 5)]: the closed runs of consecutive ids, in order."""
    runs: list[tuple[int, int]] = []
    for instance in sorted(set(instances)):
        if runs and instance == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], instance)
        else:
            runs.append((instance, instance))
    return runs


def thrift_ranges(idl: Any, instances: Iterable[int]) -> set:
    """[0, 1, 2, 5] -> {Range(0, 2), Range(5, 5)}, as the API's set<Range> fields hold them."""
    return {idl.Range(first=first, last=last) for first, last in spans(instances)}


def ids_in_ranges(ranges: Iterable[Any] | None) -> set[int]:
    """The ids that Range structs cover."""
    return {i for span in ranges or () for i in range(span.first, span.last + 1)}
