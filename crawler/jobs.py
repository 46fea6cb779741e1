"""Resumable crawls: JOBDIR per portal, with a dupefilter that is not persisted."""
from __future__ import annotations

import os
import re

from scrapy.dupefilters import RFPDupeFilter


class MemoryDupeFilter(RFPDupeFilter):
    """Request de-duplication within one run only (see DUPEFILTER_CLASS in settings)."""

    @classmethod
    def from_crawler(cls, crawler):
        return cls(path=None, debug=crawler.settings.getbool("DUPEFILTER_DEBUG"),
                   fingerprinter=crawler.request_fingerprinter)


def jobdir_for(db: str, portal: str) -> str:
    """archive.db + portal 'demo' → archive.jobs/demo."""
    base, _ext = os.path.splitext(os.path.abspath(db))
    return os.path.join(base + ".jobs", re.sub(r"[^\w.-]+", "_", portal)[:80])
