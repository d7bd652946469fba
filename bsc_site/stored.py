"""Cache files written so that a reader never sees half of one."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def store(target: Path, data: str | bytes) -> None:
    """Write a cache file: written under a temporary name, then renamed, so a build killed
    midway never leaves half a file.

    The temporary name is this thread's own (a random one costs a millisecond per file,
    and a cold build writes thousands).
    """
    temporary = target.with_name(f"{target.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    mode, encoding = ("wb", None) if isinstance(data, bytes) else ("w", "utf-8")
    try:
        fh = open(temporary, mode, encoding=encoding)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        fh = open(temporary, mode, encoding=encoding)
    with fh:
        fh.write(data)
    os.replace(temporary, target)
