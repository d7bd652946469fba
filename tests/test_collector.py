"""What the build's handling of the cyclic garbage collector promises (bsc_site.collector):
garbage is still collected, kept objects are still freed when let go, and the collector is
left as it was found. (How much time it saves is the benchmarks' business.)"""

from __future__ import annotations

import gc
import weakref

import pytest

from bsc_site.collector import Settler, paused, settle


class Node:
    pass


def _garbage_cycle() -> weakref.ref:
    """Two objects referring to each other, referred to by nothing else: only the cyclic
    collector frees them."""
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def _tracked(obj) -> bool:
    """True if the collector would walk `obj` (frozen objects are in no generation)."""
    return any(o is obj for o in gc.get_objects())


@pytest.fixture
def thawed():
    """Whatever a test freezes is given back to the collector afterwards."""
    try:
        yield
    finally:
        gc.unfreeze()


def test_a_settler_collects_the_garbage_then_freezes_what_is_kept_every_so_many_steps(thawed):
    with paused():  # no automatic collection in between: only the settler's
        settler = Settler(3)
        garbage = _garbage_cycle()
        kept = Node()
        settler.step()
        settler.step()
        assert garbage() is not None and _tracked(kept)
        settler.step()
        assert garbage() is None, "the cycle made before was collected"
        assert not _tracked(kept), "what was kept is out of the collector's way"
        later = Node()
        settler.step()
        assert _tracked(later), "made after the settling: walked until the next one"


def test_a_frozen_object_is_still_freed_when_its_last_reference_goes(thawed):
    kept = Node()
    gone = weakref.ref(kept)
    settle()
    assert not _tracked(kept)
    del kept
    assert gone() is None


@pytest.mark.parametrize("enabled", [True, False])
def test_a_pause_leaves_the_collector_as_it_found_it_even_when_the_work_fails(enabled):
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        with pytest.raises(ValueError):
            with paused():
                assert not gc.isenabled()
                with paused():
                    pass
                assert not gc.isenabled(), "an inner pause does not end the outer one"
                raise ValueError("the work failed")
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
