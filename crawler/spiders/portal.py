"""The one spider: start from a portal's report column, walk its lists, fetch articles.

It only decides where to go, and asks crawler.families how: which family a list page
belongs to, its article links and its other pages. Whether a fetched article is a
report, and what it says, is decided by the pipelines (pipelines/report.py), never here.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Iterable, Optional
from urllib.parse import urlsplit

import scrapy
from scrapy.http import FormRequest, Request, Response

from crawler import families
from crawler.families.attachments import attachment_links, is_attachment_url
from crawler.items import ARTICLE, ATTACHMENT, FAILED, LIST, META_KIND, PageItem
from pipelines.decode import decode_html

log = logging.getLogger(__name__)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def site_of(url: str) -> Optional[tuple[str, Optional[int]]]:
    """(host, explicit non-default port) of an http(s) URL: what "the same site" means."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    if port == _DEFAULT_PORTS.get(parts.scheme.lower()):
        port = None
    return parts.hostname.lower(), port


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
                 family: str | None = None, **kwargs):
        super().__init__(**kwargs)
        urls = list(start_urls) or ([start_url] if start_url else [])
        if not urls:
            raise ValueError("PortalSpider needs start_url or start_urls")
        self.start_urls = urls
        self.portal = portal or urlsplit(urls[0]).hostname or "unknown"
        self.family = family  # a registry's family: tried first, detection still decides
        # Stay on the start URLs' sites: OffsiteMiddleware reads allowed_domains (host
        # names), same_site() also holds the port (replicas share 127.0.0.1).
        self.allowed_domains = sorted({urlsplit(u).hostname for u in urls if urlsplit(u).hostname})
        self.sites = {s for s in map(site_of, urls) if s is not None}

    def same_site(self, url: str) -> bool:
        return site_of(url) in self.sites

    async def start(self):
        for url in self.start_urls:
            yield Request(url, callback=self.parse_list, errback=self.failed)

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
        )

    def parse_list(self, response: Response):
        yield self.page(response, LIST)
        text = page_text(response)
        if not text:
            return
        plan = families.plan(text, response.url, self.family)
        log.debug("%s: family %s, %d links, %d pages", response.url, plan.family, len(plan.links), len(plan.pages))
        for page in plan.pages:
            if not self.same_site(page.url):
                continue
            if page.formdata is not None:
                yield FormRequest(page.url, formdata=page.form, callback=self.parse_list, errback=self.failed)
            else:
                yield Request(page.url, callback=self.parse_list, errback=self.failed)
        for link in plan.links:
            if self.same_site(link.url):
                yield self.article_request(link.url)

    def article_request(self, url: str) -> Request:
        # The incremental middleware may answer a fresh page with 304 from the archive.
        return Request(url, callback=self.parse_article, errback=self.failed,
                       meta={META_KIND: ARTICLE, "handle_httpstatus_list": [304]})

    def parse_article(self, response: Response):
        item = self.page(response, ARTICLE)
        text = page_text(response) if response.status == 200 and not is_attachment_url(response.url) else None
        links = [link for link in attachment_links(text, response.url) if self.same_site(link.url)] if text else []
        item.attachments = tuple(link.url for link in links)
        yield item
        for link in links:
            yield Request(link.url, callback=self.parse_attachment, errback=self.failed,
                          meta={META_KIND: ATTACHMENT, "xxgk_parent": response.url, "xxgk_filename": link.title})

    def parse_attachment(self, response: Response):
        item = self.page(response, ATTACHMENT)
        item.parent_url = response.meta.get("xxgk_parent")
        item.filename = response.meta.get("xxgk_filename")
        yield item

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
            list_page=request.meta.get(META_KIND) not in (ARTICLE, ATTACHMENT),
            parent_url=request.meta.get("xxgk_parent"),
            status=response.status if response is not None else None,
            content_type=(response.headers.get("Content-Type", b"").decode("latin-1") or None) if response is not None else None,
            body=response.body if response is not None else None,
            fetched_at=now(),
            error=reason,
        )
