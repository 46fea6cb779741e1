"""The memory of the crawl's long-running processes: Python's cycle collector and glibc's free pages.

Each full collection walks every object the process holds, and most of them (modules, classes,
Scrapy's and Twisted's machinery, lxml's and sqlite-utils' state) live as long as the process;
each young collection walks what was allocated since the last one, and a crawl allocates
without end. A 3,000-report crawl spent ~1.3 s of CPU in the collector across its three
processes (crawl_bench with a gc.callbacks timer), ~0.55 s once settled. `settle()` moves what
is alive once a process is set up out of the collector's reach (gc.freeze: such objects are
still freed by reference counting, only a cycle among them would stay) and collects the young
generation less often. What the hot paths allocate is freed by reference counting (see
pipelines/readers/html.py `_blocks`): the collector is there for the rare cycle.

glibc's malloc gives memory back to the system only from the top of its heaps. A crawl's
processes free nearly all they allocate (pages, items, rows), but the few blocks that live on
pin the pages around them, and the free pages between stay resident: over a 100,000-report
crawl the writer grew from ~100 to ~200 MB; over 40,000 pages its heap in use stayed at
32–46 MB while glibc's free chunks grew from 21 to 49 MB (mallinfo2). `handled()`, called once
per page or item, hands the free pages back (`release`: malloc_trim) every RELEASE_EVERY calls:
the writer then held 84–99 MB over the whole 100,000 (benchmarks/scale_bench.py, README "At
scale").
"""
from __future__ import annotations

import ctypes
import functools
import gc
import os
from typing import Callable, Optional

YOUNG_THRESHOLD = 10_000     # allocations between two young collections (Python's default: 700)
OLDER_THRESHOLDS = (20, 20)  # young collections per middle one, middle ones per full one (10, 10)
SETTLE_ENV = "XXGK_GC"       # "default": leave the collector as Python sets it (to compare)
RELEASE_EVERY = 1000         # pages or items a process handles between two releases (a release
                             # walks the allocator's free lists: ~ms, against ~s for 1,000 pages)

_settled = [False]


def settle() -> bool:
    """Once per process, after its set-up: freeze what is alive, collect less often. True when it
    did (not twice, not with XXGK_GC=default)."""
    if _settled[0] or os.environ.get(SETTLE_ENV, "").strip().lower() == "default":
        return False
    _settled[0] = True
    gc.collect()  # what set-up left as garbage is not frozen with the rest
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
    return True


_handled = [0]


@functools.cache
def _malloc_trim() -> Optional[Callable[[int], int]]:
    """glibc's malloc_trim in the C library the interpreter runs on; None without glibc."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # no such function, or no C library to ask
        return None


def release() -> bool:
    """Hand the free pages of the allocator's heaps back to the system (glibc malloc_trim(0):
    it also frees whole pages inside the heaps, not only at their top). False where there is
    no glibc (musl, macOS): nothing done."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


def handled() -> bool:
    """One more page or item handled by this process: every RELEASE_EVERY, `release()`.
    True when it released."""
    _handled[0] += 1
    if _handled[0] % RELEASE_EVERY:
        return False
    return release()
