"""The one spider: start from a portal's report column, walk its lists, fetch articles.

It only decides where to go, and asks crawler.families how: which family a list page
belongs to, its article links and its other pages. Whether a fetched article is a
report, and what it says, is decided by the pipelines (pipelines/report.py), never here.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Iterable, Optional
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest

import scrapy
from scrapy.http import FormRequest, Request, Response

from crawler import families
from crawler.families.attachments import attachment_links, is_attachment_url, may_link_attachments
from crawler.items import ARTICLE, ATTACHMENT, FAILED, LIST, META_COLUMN, META_KIND, PageItem
from crawler.scrapyd import registry_arguments, resuming, scrapyd_settings
from crawler.safety import (DEFAULT_MAX_RETRY_AFTER, BlockedRedirect, origin_of, origins_of,
                            retry_after_seconds)
from crawler.walk import DEFAULT_MAX_LIST_PAGES, ListWalk
from pipelines.decode import decode_html

log = logging.getLogger(__name__)
# Reports before further list pages, an attachment before the next report: the scheduler's
# queue then holds about one list page's links, not every report of a portal whose lists are
# announced all at once (jcms). List pages keep priority 0.
REPORT_PRIORITY = 1
ATTACHMENT_PRIORITY = 2
# Client errors that asking again will not change (429 and 408 are retried).
_FINAL_STATUSES = frozenset(range(400, 500)) - {408, 429}


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def site_of(url: str):
    """What "the same site" means: (scheme, host, port); see crawler.safety."""
    return origin_of(url)


def page_text(response: Response) -> Optional[str]:
    """A list page as text, decoded the way the pipelines decode articles (charset
    header and meta checked against the bytes, GBK without a declaration, …)."""
    body = response.body or b""
    if not body:
        return None
    content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
    try:
        return decode_html(body, content_type)[0]
    except Exception:  # undecodable: try Scrapy's own guess, else give up on the page
        return getattr(response, "text", None)


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, start_url: str | None = None, portal: str | None = None, start_urls: Iterable[str] = (),
                 family: str | None = None, allowed_origins: Iterable[str] = (), **kwargs):
        super().__init__(**kwargs)
        urls = list(start_urls) or ([start_url] if start_url else [])
        if not urls:
            raise ValueError("PortalSpider needs start_url or start_urls")
        self.start_urls = urls
        self.portal = portal or urlsplit(urls[0]).hostname or "unknown"
        self.family = family  # a registry's family: tried first, detection still decides
        # Stay on the start URLs' origins (scheme, host, port) and those the registry
        # allows: links, list pages, attachments and redirect hops alike.
        self.origins = origins_of([*urls, *allowed_origins])
        self.allowed_domains = sorted({host for _scheme, host, _port in self.origins})
        self.walk = ListWalk(DEFAULT_MAX_LIST_PAGES)
        self.max_retry_after = DEFAULT_MAX_RETRY_AFTER
        self._limit_recorded: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        # Scheduled with only portal=ID (Scrapyd, `scrapy crawl portal -a portal=ID`): its
        # registry entry, as `xxgk crawl ID` would use it (crawler/scrapyd.py).
        if kwargs.get("portal") and not (kwargs.get("start_url") or kwargs.get("start_urls")):
            kwargs.update(registry_arguments(crawler.settings, kwargs["portal"]))
        scrapyd_settings(crawler.settings, kwargs.get("portal") or "crawl", kwargs.get("_job"))
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.resumed = resuming(crawler.settings)  # its walk cannot be complete: no removal
        spider.walk = ListWalk(crawler.settings.getint("XXGK_MAX_LIST_PAGES", DEFAULT_MAX_LIST_PAGES))
        spider.max_retry_after = crawler.settings.getfloat("XXGK_MAX_RETRY_AFTER", DEFAULT_MAX_RETRY_AFTER)
        return spider

    def same_site(self, url: str) -> bool:
        return origin_of(url) in self.origins

    async def start(self):
        for url in self.start_urls:
            for out in self.list_request(url, None, url):
                yield out

    def list_request(self, url: str, formdata, column: str):
        """A list page of `column`, at most once per run and at most XXGK_MAX_LIST_PAGES per
        column; past the limit one FAILED item says so and the walk counts as incomplete."""
        key = (url, formdata)
        asked = self.walk.ask(column, key)
        if asked is None:
            return
        if asked is False:
            if column not in self._limit_recorded:
                self._limit_recorded.add(column)
                yield PageItem(url=url, kind=FAILED, list_page=True, status=None, content_type=None, body=None,
                               column=column, fetched_at=now(), error=f"list page limit reached: {self.walk.max_pages} list pages "
                               f"of {column} walked (XXGK_MAX_LIST_PAGES); further pages not followed")
            return
        meta = {META_KIND: LIST, "xxgk_list_key": key, META_COLUMN: column}
        # De-duplicated by the walk itself: the scheduler must not drop a list page silently.
        if formdata is not None:
            yield FormRequest(url, formdata=dict(formdata), callback=self.parse_list, errback=self.failed,
                              meta=meta, dont_filter=True)
        else:
            yield Request(url, callback=self.parse_list, errback=self.failed, meta=meta, dont_filter=True)

    def page(self, response: Response, kind: str) -> PageItem:
        header = lambda name: (response.headers.get(name) or b"").decode("latin-1") or None
        return PageItem(
            warc=response.meta.get("warc"),
            etag=header("ETag"),
            last_modified=header("Last-Modified"),
            url=response.url,
            kind=kind,
            status=response.status,
            content_type=response.headers.get("Content-Type", b"").decode("latin-1") or None,
            body=response.body,
            fetched_at=now(),
            referer=(response.request.headers.get("Referer") or b"").decode("latin-1") or None,
            column=response.meta.get(META_COLUMN),
        )

    def parse_list(self, response: Response):
        yield self.page(response, LIST)
        yield from self._list_output(response)
        # Answered only once all its links were handed on: a page whose reading broke off
        # leaves the walk incomplete (no removal is marked).
        self.walk.answered(response.meta.get("xxgk_list_key"))

    def _list_output(self, response: Response):
        text = page_text(response)
        plan = families.plan(text, response.url, self.family) if text else None
        if plan is None or not (plan.links or plan.pages):
            self.walk.nothing_listed(response.meta.get("xxgk_list_key"))
            return
        log.debug("%s: family %s, %d links, %d pages", response.url, plan.family, len(plan.links), len(plan.pages))
        column = response.meta.get(META_COLUMN) or self.start_urls[0]
        for page in plan.pages:
            if self.same_site(page.url):
                yield from self.list_request(page.url, page.formdata, column)
        for link in plan.links:
            if self.same_site(link.url):
                yield self.article_request(link.url, column)

    def article_request(self, url: str, column: Optional[str] = None) -> Request:
        # The incremental middleware may answer a fresh page with 304 from the archive.
        return Request(url, callback=self.parse_article, errback=self.failed, priority=REPORT_PRIORITY,
                       meta={META_KIND: ARTICLE, "handle_httpstatus_list": [304], META_COLUMN: column})

    def parse_article(self, response: Response):
        item = self.page(response, ARTICLE)
        text = page_text(response) if (response.status == 200 and not is_attachment_url(response.url)
                                       and may_link_attachments(response.body or b"")) else None
        links = [link for link in attachment_links(text, response.url) if self.same_site(link.url)] if text else []
        item.attachments = tuple(link.url for link in links)
        yield item
        for link in links:
            yield Request(link.url, callback=self.parse_attachment, errback=self.failed, priority=ATTACHMENT_PRIORITY,
                          meta={META_KIND: ATTACHMENT, "xxgk_parent": response.url, "xxgk_filename": link.title,
                                META_COLUMN: response.meta.get(META_COLUMN)})

    def parse_attachment(self, response: Response):
        item = self.page(response, ATTACHMENT)
        item.parent_url = response.meta.get("xxgk_parent")
        item.filename = response.meta.get("xxgk_filename")
        yield item

    def failed(self, failure):
        """Every failed attempt leaves a fetches row with its reason; transient ones are
        asked again (RETRY_TIMES, after the Retry-After a 429/503 gives, up to
        XXGK_MAX_RETRY_AFTER), the last one counts as the page's error."""
        request = failure.request
        exc = failure.value
        response: Optional[Response] = getattr(exc, "response", None)
        if isinstance(exc, BlockedRedirect):
            reason = exc.reason
        else:
            reason = str(failure.getErrorMessage() or failure.type.__name__)
        retry, wait = self._retryable(exc, response)
        if response is not None and not isinstance(exc, BlockedRedirect):
            reason = f"HTTP {response.status}"
            if wait is not None:
                reason += f", Retry-After {wait:g} s"
                if wait > self.max_retry_after:
                    reason += f" is over the {self.max_retry_after:g} s limit (XXGK_MAX_RETRY_AFTER)"
        kind = f"HTTP {response.status}" if response is not None and not isinstance(exc, BlockedRedirect) \
            else type(exc).__name__   # a short stats key (retry/reason_count/…), not the URL
        again = get_retry_request(request, spider=self, reason=kind) if retry else None
        item = PageItem(
            url=(exc.source if isinstance(exc, BlockedRedirect) and exc.source else request.url),
            kind=FAILED,
            warc=request.meta.get("warc"),
            list_page=request.meta.get(META_KIND) not in (ARTICLE, ATTACHMENT),
            parent_url=request.meta.get("xxgk_parent"),
            status=response.status if response is not None else None,
            content_type=(response.headers.get("Content-Type", b"").decode("latin-1") or None) if response is not None else None,
            body=response.body if response is not None else None,
            fetched_at=now(),
            error=reason[:1000],
            retrying=again is not None,
            column=request.meta.get(META_COLUMN),
        )
        yield item
        if again is not None:
            if wait:
                again.meta["xxgk_not_before"] = time.monotonic() + wait
            yield again
        else:
            self.walk.answered(request.meta.get("xxgk_list_key"))

    def _retryable(self, exc, response: Optional[Response]) -> tuple[bool, Optional[float]]:
        """(ask again?, seconds the server asked to wait)."""
        if isinstance(exc, BlockedRedirect):
            return True, None   # bounded, and a page that redirected wrongly once may not again
        if response is not None:
            wait = retry_after_seconds(response.headers.get("Retry-After")) if response.status in (429, 503) else None
            if wait is not None and wait > self.max_retry_after:
                return False, wait
            return response.status not in _FINAL_STATUSES, wait
        if isinstance(exc, IgnoreRequest):
            # Scrapy's own refusals: robots.txt is final; too big a body may be a glitch.
            return "max size" in str(exc).lower() or "maxsize" in str(exc).lower(), None
        return True, None   # timeouts, resets, truncated bodies, DNS
