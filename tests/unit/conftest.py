"""The unit tests need no service, no stand-in and no harness: only this collection, importable by its name."""

from __future__ import annotations

from .utils.collection import ensure_importable

ensure_importable()
