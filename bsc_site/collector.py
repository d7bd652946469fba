"""Keep the cyclic garbage collector's work in proportion to what is new.

A site build keeps most of what it makes to its end (MkDocs keeps every page and its
table of contents, the search index an entry per section; the page process its data-file
plan and a table of the thresholds it has checked), and Python's full collections walk
every tracked object that is not frozen, each time. A large organisation makes both the
heap and the number of full collections grow with its size, so their time grew with its
square: at 10,000 units ≈ 54 s of CPU in full collections (against ≈ 1.5 s at 1,000).

`settle()` collects once, then freezes what survived (`gc.freeze`): later collections
walk only what was made since. A `Settler` does so every so many steps (pages). Frozen
objects are still freed when their last reference goes; only reference cycles formed
among frozen objects wait for `gc.unfreeze` (the plugin thaws everything when a
`mkdocs serve` build ends). So settle only where the objects alive then are kept to the
end or let go without cycles: between pages, not halfway through one.
"""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def paused(keep: bool = False):
    """The collector off while the block runs (work that makes many objects and few reference
    cycles: loading, checking, evaluating); back on after, if it was on before.

    `keep`: what the block makes is kept to the caller's end, so it is frozen (with
    everything older) before the collector is back on. Otherwise the collector's first act
    would be to walk all of it as one young generation (1.6 s after loading 10,000 units).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if keep:
                gc.freeze()
            gc.enable()


def settle() -> None:
    """Collect the garbage made so far, then move what is left out of the collector's way."""
    gc.collect()
    gc.freeze()


class Settler:
    """`settle()` every `every` steps."""

    def __init__(self, every: int) -> None:
        self.every = every
        self.steps = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps % self.every == 0:
            settle()
