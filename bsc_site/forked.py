"""Work handed to a forked process, its result sent back pickled.

Forking shares everything loaded so far with the child for free (copy-on-write), so a
child can take half of a large job at no start-up cost. Only where the platform forks
safely (Linux), and only from a process with no other threads running (a fork copies
just the forking thread, and a lock another thread holds stays locked in the child).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import traceback
from typing import Any, Callable


def can_fork() -> bool:
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


class ForkError(RuntimeError):
    """The child failed: its exception, formatted, or that it ended without an answer."""


class Forked:
    """`work(*args)` running in a forked child; `result()` waits for its return value."""

    def __init__(self, work: Callable[..., Any], *args: Any) -> None:
        ctx = multiprocessing.get_context("fork")
        self._receive, send = ctx.Pipe(duplex=False)
        self._process = ctx.Process(target=_run, args=(work, args, send), name="bsc-helper", daemon=True)
        self._process.start()
        send.close()

    def result(self) -> Any:
        try:
            ok, value = self._receive.recv()
        except EOFError:
            raise ForkError("a helper process of bsc ended without an answer") from None
        finally:
            self._receive.close()
            self._process.join()
        if not ok:
            raise ForkError(value)
        return value


def _run(work: Callable[..., Any], args: tuple, conn) -> None:
    try:
        try:
            answer = (True, work(*args))
        except BaseException as exc:  # a bug, not bad input (that is collected as problems)
            answer = (False, "".join(traceback.format_exception(exc)))
        conn.send(answer)
        conn.close()
    finally:
        os._exit(0)  # the parent's exit handlers and buffered files are not the child's to run
