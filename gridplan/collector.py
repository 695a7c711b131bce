"""Python's garbage collector, kept out of the way while a model is built and handed to HiGHS.

Building an 8760 h model makes over 100,000 pyomo variable elements. The
collector passes over every new object once in its youngest generation and
once more in the middle one before they settle in the oldest: about 26 and
18 ms for Dongguan 2030, paid in the middle of the compile and of the
readback. The model's objects are all alive, so those passes find nothing
to free. Solving from a :func:`paused` block, the collector is off while the
model is built, compiled and handed over, and :func:`catch_up` makes both
passes at once as soon as HiGHS runs in a worker thread with a core to
spare, where they cost no wall time.

The passes are made, only later: a dropped model is still collected as
before (moving objects straight into the oldest generation with
``gc.freeze`` kept dead models alive; bench/README.md).
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

_lock = threading.Lock()
_paused = False  # a paused() block turned the collector off and it has not caught up yet


@contextmanager
def paused():
    """Turn the collector off for the block, until :func:`catch_up` or the block's end.

    Does nothing when the collector is already off (the caller's choice) or
    another block holds it.
    """
    global _paused
    with _lock:
        mine = gc.isenabled() and not _paused
        if mine:
            gc.disable()
            _paused = True
    try:
        yield
    finally:
        if mine:
            with _lock:
                if _paused:
                    _paused = False
                    gc.enable()


def catch_up() -> None:
    """Turn the collector back on and pass over the objects made while it was off, if a block paused it.

    Call it from the thread that waits for HiGHS, once HiGHS runs in
    another thread and a core is free.
    """
    global _paused
    with _lock:
        if not _paused:
            return
        _paused = False
        gc.enable()
    gc.collect(1)  # the young and middle generations: the new objects reach the oldest, as they would in time
