"""Heron's packages as the stand-ins and the tests pack them (tests only): gzipped tarballs built in memory."""

from __future__ import annotations

import io
import tarfile
from typing import Collection, Mapping

MEMBER_MTIME = 1577836800  # 2020-01-01: the same members always get the same tar headers


def tar_gz(members: Mapping[str, bytes], executable: Collection[str] = ()) -> bytes:
    """A .tar.gz of ``members`` (name → data, in order); the names in ``executable`` get mode 0755, the rest 0644."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), MEMBER_MTIME
            info.mode = 0o755 if name in executable else 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
