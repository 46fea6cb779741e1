"""Incremental crawls: do not fetch again a report page archived recently.

List pages are always re-read. A report page (request meta `xxgk_kind == "article"`)
fetched within the refresh interval is answered here with a synthetic 304 and never
requested; after it, the request carries If-None-Match / If-Modified-Since when the
server gave validators. The pipeline treats either 304 as "seen, unchanged".
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import datetime, timedelta, timezone
from typing import Optional

from scrapy.http import Response

from pipelines.archive import alias_url

ARTICLE = "article"
DEFAULT_REFRESH_DAYS = 7.0


def parse_ts(value: Optional[str]) -> Optional[datetime]:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def load_state(db: str) -> dict[str, tuple[Optional[datetime], Optional[str], Optional[str]]]:
    """url → (last 200 fetch, ETag, Last-Modified) from the archive's fetches."""
    if not db or not os.path.exists(db):
        return {}
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)) as conn:
        cols = {r[1] for r in conn.execute("pragma table_info(fetches)")}
        if not cols:
            return {}
        etag = "etag" if "etag" in cols else "null"
        modified = "last_modified" if "last_modified" in cols else "null"
        rows = conn.execute(
            f"select url, max(coalesce(last_fetched_at, fetched_at)), {etag}, {modified} "
            "from fetches where status in (200, 304) and error is null group by url"
        ).fetchall()
    return {url: (parse_ts(ts), et, lm) for url, ts, et, lm in rows}


class IncrementalMiddleware:
    def __init__(self, db: str, refresh_days: float, alias=None):
        self.db = db
        self.alias = tuple(alias) if alias else None
        self.refresh = timedelta(days=refresh_days)
        self.state: dict[str, tuple[Optional[datetime], Optional[str], Optional[str]]] = {}
        self.skipped = 0
        self.conditional = 0

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals

        s = crawler.settings
        mw = cls(s.get("XXGK_DB"), s.getfloat("XXGK_REFRESH_DAYS", DEFAULT_REFRESH_DAYS),
                 s.getlist("XXGK_URL_ALIAS") or None)
        crawler.signals.connect(mw.open, signal=signals.spider_opened)
        mw.stats = crawler.stats
        return mw

    def open(self, spider=None):
        self.state = load_state(self.db)

    def process_request(self, request, spider=None):
        if request.meta.get("xxgk_kind") != ARTICLE:
            return None
        fetched, etag, modified = self.state.get(alias_url(request.url, self.alias), (None, None, None))
        now = datetime.now(timezone.utc)
        if fetched is not None and now - fetched < self.refresh:
            self.skipped += 1
            self.stats.inc_value("xxgk/incremental/skipped")
            request.meta["xxgk_cached"] = True
            return Response(request.url, status=304, request=request, flags=["xxgk-cached"])
        if etag:
            request.headers.setdefault("If-None-Match", etag)
        if modified:
            request.headers.setdefault("If-Modified-Since", modified)
        if etag or modified:
            self.conditional += 1
            self.stats.inc_value("xxgk/incremental/conditional")
        return None

    def process_response(self, request, response, spider=None):
        # Seen in this run: a second listing of the same page is not fetched again.
        if request.meta.get("xxgk_kind") == ARTICLE and response.status in (200, 304) \
                and not request.meta.get("xxgk_cached"):
            key = alias_url(request.url, self.alias)
            _, etag, modified = self.state.get(key, (None, None, None))
            self.state[key] = (
                datetime.now(timezone.utc),
                (response.headers.get("ETag") or b"").decode("latin-1") or etag,
                (response.headers.get("Last-Modified") or b"").decode("latin-1") or modified,
            )
        return response
