"""Incremental crawls: do not fetch again a report page archived recently.

List pages are always re-read. A report page (request meta `xxgk_kind == "article"`)
fetched within the refresh interval is never requested: the spider middleware turns its
request into a "seen" item straight away (no scheduling, no download). After the
interval, the downloader middleware makes the request conditional (If-None-Match /
If-Modified-Since) where the server gave validators. The pipeline treats both a fresh
page and a 304 as "seen, unchanged".
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import datetime, timedelta, timezone
from typing import Optional
from urllib.parse import urlsplit

from scrapy.http import Request

from crawler.items import ARTICLE, META_COLUMN, META_KIND, PageItem
from storage.archive import alias_url
from storage.queries import fetch_state

DEFAULT_REFRESH_DAYS = 7.0


def parse_ts(value: Optional[str]) -> Optional[datetime]:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def crawl_origins(spider, alias=None) -> Optional[list[str]]:
    """The origins ("scheme://host[:port]", as stored) a crawl fetches from: its start URLs'
    and the registry's allowed ones; None when unknown (then the whole archive's state)."""
    urls = list(getattr(spider, "start_urls", None) or []) + list(getattr(spider, "allowed_origins", None) or [])
    origins = set()
    for url in urls:
        parts = urlsplit(alias_url(str(url), alias))
        if not (parts.scheme and parts.netloc):
            return None
        origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins) or None


def load_state(db: str, origins: Optional[list[str]] = None
               ) -> dict[str, tuple[Optional[datetime], Optional[str], Optional[str]]]:
    """url → (last 200 fetch, ETag, Last-Modified) from the archive's fetches (`origins`: of
    the URLs on these only: with many portals in one archive, a crawl holds its own site's)."""
    if not db or not os.path.exists(db):
        return {}
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)) as conn:
        rows = fetch_state(conn, origins=origins)
    return {url: (parse_ts(ts), et, lm) for url, ts, et, lm in rows}


class FreshPagesMiddleware:
    """Spider middleware: a request for a fresh report page becomes a cached PageItem."""

    def __init__(self, db: str, refresh_days: float, alias=None):
        self.db, self.alias = db, (tuple(alias) if alias else None)
        self.refresh = timedelta(days=refresh_days)
        self.fresh: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals

        s = crawler.settings
        mw = cls(s.get("XXGK_DB"), s.getfloat("XXGK_REFRESH_DAYS", DEFAULT_REFRESH_DAYS),
                 s.getlist("XXGK_URL_ALIAS") or None)
        mw.stats = crawler.stats
        crawler.signals.connect(mw.open, signal=signals.spider_opened)
        return mw

    def open(self, spider=None):
        now = datetime.now(timezone.utc)
        self.fresh = {url for url, (fetched, _e, _m) in load_state(self.db, crawl_origins(spider, self.alias)).items()
                      if fetched is not None and now - fetched < self.refresh}

    def _is_fresh(self, result) -> bool:
        if isinstance(result, Request) and result.meta.get(META_KIND) == ARTICLE:
            key = alias_url(result.url, self.alias)
            if key in self.fresh:
                self.fresh.discard(key)  # once per run
                return True
        return False

    def _seen_item(self, response, urls: list[str]):
        self.stats.inc_value("xxgk/incremental/skipped", len(urls))
        # One item for all the fresh pages a list names: per-item overhead dominated re-crawls.
        return PageItem(url=response.url, kind=ARTICLE, status=None, content_type=None, body=None,
                        fetched_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        cached=True, seen_urls=tuple(urls), column=response.meta.get(META_COLUMN))

    def process_spider_output(self, response, result, spider=None):
        fresh: list[str] = []
        for r in result:
            if self._is_fresh(r):
                fresh.append(r.url)
            else:
                yield r
        if fresh:
            yield self._seen_item(response, fresh)

    async def process_spider_output_async(self, response, result, spider=None):
        fresh: list[str] = []
        async for r in result:
            if self._is_fresh(r):
                fresh.append(r.url)
            else:
                yield r
        if fresh:
            yield self._seen_item(response, fresh)

    def process_start_requests(self, start_requests, spider=None):
        return start_requests


class IncrementalMiddleware:
    """Downloader middleware: conditional requests for report pages past the interval."""

    def __init__(self, db: str, alias=None):
        self.db = db
        self.alias = tuple(alias) if alias else None
        self.state: dict[str, tuple[Optional[datetime], Optional[str], Optional[str]]] = {}

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals

        s = crawler.settings
        mw = cls(s.get("XXGK_DB"), s.getlist("XXGK_URL_ALIAS") or None)
        crawler.signals.connect(mw.open, signal=signals.spider_opened)
        mw.stats = crawler.stats
        return mw

    def open(self, spider=None):
        self.state = load_state(self.db, crawl_origins(spider, self.alias))

    def process_request(self, request, spider=None):
        if request.meta.get(META_KIND) != ARTICLE:
            return None
        _fetched, etag, modified = self.state.get(alias_url(request.url, self.alias), (None, None, None))
        if etag:
            request.headers.setdefault("If-None-Match", etag)
        if modified:
            request.headers.setdefault("If-Modified-Since", modified)
        if etag or modified:
            self.stats.inc_value("xxgk/incremental/conditional")
        return None
