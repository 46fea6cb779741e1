"""The one spider: start from a portal's report column, walk its lists, fetch articles.

It only decides where to go. Whether a fetched article is a report, and what it
says, is decided by the pipelines (pipelines/report.py), never here.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable, Optional
from urllib.parse import urlsplit

import scrapy
from scrapy.http import FormRequest, Request, Response

from crawler.families import generic, jcms
from crawler.items import ARTICLE, FAILED, LIST, PageItem


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, start_url: str | None = None, portal: str | None = None, start_urls: Iterable[str] = (), **kwargs):
        super().__init__(**kwargs)
        urls = list(start_urls) or ([start_url] if start_url else [])
        if not urls:
            raise ValueError("PortalSpider needs start_url or start_urls")
        self.start_urls = urls
        self.portal = portal or urlsplit(urls[0]).hostname or "unknown"
        # Stay on the start URLs' sites (OffsiteMiddleware reads this).
        self.allowed_domains = sorted({urlsplit(u).hostname for u in urls if urlsplit(u).hostname})

    async def start(self):
        for url in self.start_urls:
            yield Request(url, callback=self.parse_list, errback=self.failed, cb_kwargs={"first": True})

    def page(self, response: Response, kind: str) -> PageItem:
        header = lambda name: (response.headers.get(name) or b"").decode("latin-1") or None
        return PageItem(
            warc=response.meta.get("warc"),
            etag=header("ETag"),
            last_modified=header("Last-Modified"),
            cached=bool(response.meta.get("xxgk_cached")),
            url=response.url,
            kind=kind,
            status=response.status,
            content_type=response.headers.get("Content-Type", b"").decode("latin-1") or None,
            body=response.body,
            fetched_at=now(),
            referer=(response.request.headers.get("Referer") or b"").decode("latin-1") or None,
        )

    def parse_list(self, response: Response, first: bool = False):
        yield self.page(response, LIST)
        text = response.text if hasattr(response, "text") else ""
        if jcms.is_jcms(text):
            links = jcms.records(text, response.url)
            if first:
                paging = jcms.paging(text)
                if paging is not None:
                    for url, form in paging.requests(response.url, len(links)):
                        yield FormRequest(url, formdata=form, callback=self.parse_list, errback=self.failed)
        else:
            links = [jcms.ListLink(response.urljoin(a.attrib.get("href", "")), (a.attrib.get("title") or " ".join(a.css("::text").getall())).strip())
                     for a in response.css("a[href]")]
            for url in generic.next_page_links(links):
                yield Request(url, callback=self.parse_list, errback=self.failed)
            links = generic.report_links(links)
        for link in links:
            yield self.article_request(link.url)

    def article_request(self, url: str) -> Request:
        # The incremental middleware may answer a fresh page with 304 from the archive.
        return Request(url, callback=self.parse_article, errback=self.failed,
                       meta={"xxgk_kind": "article", "handle_httpstatus_list": [304]})

    def parse_article(self, response: Response):
        yield self.page(response, ARTICLE)

    def failed(self, failure):
        request = failure.request
        response: Optional[Response] = getattr(failure.value, "response", None)
        reason = failure.getErrorMessage() or failure.type.__name__
        if response is not None:
            reason = f"HTTP {response.status}"
        yield PageItem(
            url=request.url,
            kind=FAILED,
            warc=request.meta.get("warc"),
            list_page=request.meta.get("xxgk_kind") != "article",
            status=response.status if response is not None else None,
            content_type=(response.headers.get("Content-Type", b"").decode("latin-1") or None) if response is not None else None,
            body=response.body if response is not None else None,
            fetched_at=now(),
            error=reason,
        )
