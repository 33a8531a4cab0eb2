"""The garbage collector's settings for a long batch job (`ewtp simulate`, the demo day).

A batch allocates millions of short-lived objects (rows, model instances, SQL parameters), and
CPython's collector then runs a young-generation pass every 700 net allocations and re-scans the
long-lived objects (Django, the demo world) on each older pass. Measured on `ewtp simulate
--orders 2000`: 13% of the run's CPU time. For the job: what exists at its start is frozen
(never scanned again) and the young generation collected every 50,000 allocations; memory stays
bounded (the job works in chunks), at about 150 MiB more at its peak."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

BATCH_THRESHOLDS = (50_000, 50, 100)


@contextmanager
def batch_job() -> Iterator[None]:
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*BATCH_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


@contextmanager
def paused() -> Iterator[None]:
    """The cycle collector paused for a block (as it was again after). A customs sync keeps hundreds
    of thousands of objects alive until it ends — its book, and the audit entries waiting to be
    chained at the end of the caller's block — and each full pass of the collector walked all of
    them, several times per batch: a sixth of the batches' time. Reference counting still frees
    what the block drops; its few reference cycles wait for the collector's next pass after it."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
