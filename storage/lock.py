"""One writer per archive: overlapping scheduled crawls must not interleave writes. The CLI
(xxgk/lock.py) and crawls Scrapy starts itself (Scrapyd: crawler/scrapyd.py) take the same lock."""
from __future__ import annotations

import contextlib
import fcntl
import os
from typing import Iterator


class ArchiveBusy(Exception):
    """Another process holds the archive's lock."""


@contextlib.contextmanager
def archive_lock(db: str, wait: bool = False) -> Iterator[None]:
    """An advisory lock on `<db>.lock`; the holder's pid is written in it."""
    path = os.path.abspath(db) + ".lock"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fh = open(path, "a+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            busy = ArchiveBusy(f"another crawl (pid {holder}) is writing {db}; try later or pass --wait")
            busy.holder = holder
            raise busy from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fh.close()
