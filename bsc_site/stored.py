"""Cache files written so that a reader never sees half of one."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import BinaryIO, Callable


def store(target: Path, text: str) -> None:
    """Write a cache file of text: written under a temporary name, then renamed, so a build
    killed midway never leaves half a file."""
    store_by(target, lambda fh: fh.write(text.encode("utf-8")))


def store_by(target: Path, write: Callable[[BinaryIO], object]) -> None:
    """`store`, the bytes written by `write(file)` (a large file need not be made in memory first).

    The temporary name is this thread's own (a random one costs a millisecond per file,
    and a cold build writes thousands). A failed `write` leaves no file behind.
    """
    temporary = target.with_name(f"{target.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        fh = open(temporary, "wb")
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        fh = open(temporary, "wb")
    try:
        with fh:
            write(fh)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, target)
