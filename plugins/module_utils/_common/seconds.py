# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The check of an option that is a number of seconds (a timeout, a grace period)."""

from __future__ import annotations

import math
from typing import Any


def seconds_error(option: str, value: Any, allow_zero: bool = False) -> str | None:
    """Why ``value`` cannot be the seconds of ``option``, for the caller to raise as its own error; None when it
    can. It must be a finite number, above 0 (or 0 too with ``allow_zero``)."""
    wanted = "0 or more seconds" if allow_zero else "a positive number of seconds"
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return f"{option} must be {wanted}, not {value!r}"
    if isinstance(value, bool) or not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not allow_zero):
        return f"{option} must be {wanted}, not {value!r}"
    return None
