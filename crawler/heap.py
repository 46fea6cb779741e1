"""Python's cycle collector set for the crawl's long-running processes.

Each full collection walks every object the process holds, and most of them (modules, classes,
Scrapy's and Twisted's machinery, lxml's and sqlite-utils' state) live as long as the process;
each young collection walks what was allocated since the last one, and a crawl allocates
without end. A 3,000-report crawl spent ~1.3 s of CPU in the collector across its three
processes (crawl_bench with a gc.callbacks timer), ~0.55 s once settled. `settle()` moves what
is alive once a process is set up out of the collector's reach (gc.freeze: such objects are
still freed by reference counting, only a cycle among them would stay) and collects the young
generation less often. What the hot paths allocate is freed by reference counting (see
pipelines/readers/html.py `_blocks`): the collector is there for the rare cycle.
"""
from __future__ import annotations

import gc
import os

YOUNG_THRESHOLD = 10_000     # allocations between two young collections (Python's default: 700)
OLDER_THRESHOLDS = (20, 20)  # young collections per middle one, middle ones per full one (10, 10)
SETTLE_ENV = "XXGK_GC"       # "default": leave the collector as Python sets it (to compare)

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
