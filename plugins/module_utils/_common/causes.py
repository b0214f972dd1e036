# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an exception wraps. Libraries bury the reason of a failure (a refused socket, a TLS verification error)
under their own exceptions: in ``__cause__`` and ``__context__``, in ``reason`` (urllib3), in ``args`` (requests
passes urllib3's error as its first argument) or in ``kwargs["error"]`` (botocore)."""

from __future__ import annotations

from typing import Iterator, TypeVar

E = TypeVar("E", bound=BaseException)


def causes(error: BaseException) -> Iterator[BaseException]:
    """``error``, then everything it wraps, nearest first, each once."""
    pending: list[object] = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop(0)
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        keywords = getattr(current, "kwargs", None)
        pending.extend([current.__cause__, current.__context__, getattr(current, "reason", None),
                        keywords.get("error") if isinstance(keywords, dict) else None, *current.args])


def first_cause(error: BaseException, kind: type[E]) -> E | None:
    """The first of ``causes(error)`` that is a ``kind``, or None."""
    return next((cause for cause in causes(error) if isinstance(cause, kind)), None)
