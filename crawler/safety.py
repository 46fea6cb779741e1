"""What a hostile portal must not be able to do to a crawl: lead it off the site through a
redirect, trap it in a redirect loop, or make it wait without bound.

- `origin_of` is what "the same site" means everywhere in the crawler: scheme, host and
  port (the default port of the scheme made explicit). Links, list pages, attachments and
  every redirect hop must stay on an origin of the start URLs, or one the registry allows.
- `SameSiteRedirectMiddleware` refuses a redirect that leaves those origins or comes back to
  an address already visited in the same chain; the request fails with the reason
  (BlockedRedirect), so the spider records it in `fetches`.
- `RetryDelayMiddleware` holds a retried request until the time a 429/503 asked for
  (Retry-After, capped by XXGK_MAX_RETRY_AFTER).
"""
from __future__ import annotations

import asyncio
import time
from email.utils import parsedate_to_datetime
from typing import Iterable, Optional
from urllib.parse import urljoin, urlsplit

from scrapy.exceptions import IgnoreRequest

_DEFAULT_PORTS = {"http": 80, "https": 443}
Origin = tuple[str, str, int]
REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))
DEFAULT_MAX_RETRY_AFTER = 60.0


def origin_of(url: str) -> Optional[Origin]:
    """(scheme, host, port) of an http(s) URL; None for anything else or a bad port."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def origins_of(urls: Iterable[str]) -> frozenset[Origin]:
    return frozenset(o for o in map(origin_of, urls) if o is not None)


def show_origin(origin: Origin) -> str:
    scheme, host, port = origin
    return f"{scheme}://{host}" + ("" if _DEFAULT_PORTS.get(scheme) == port else f":{port}")


class BlockedRedirect(IgnoreRequest):
    """A redirect the crawl refused to follow; `reason` goes to fetches.error, recorded for
    `source`, the on-site address that redirected."""

    def __init__(self, reason: str, response=None, source: Optional[str] = None):
        super().__init__(reason)
        self.reason = reason
        self.response = response
        self.source = source


class SameSiteRedirectMiddleware:
    """Downloader middleware, in two places: as SameSiteRedirectMiddleware between the
    downloader and RedirectMiddleware (priority above 600: it sees a 3xx answer before it
    is followed) and as RedirectedRequestCheck early in the request path (a request made by
    any redirect, meta refresh included, is checked before it is sent)."""

    @classmethod
    def from_crawler(cls, crawler):
        mw = cls()
        mw.crawler = crawler
        return mw

    @staticmethod
    def _allowed(spider) -> frozenset[Origin]:
        return getattr(spider, "origins", frozenset())

    def process_response(self, request, response, spider=None):
        spider = spider or getattr(getattr(self, "crawler", None), "spider", None)
        if response.status not in REDIRECT_STATUSES or request.meta.get("dont_redirect"):
            return response
        location = response.headers.get("Location")
        if not location:
            return response
        target = urljoin(request.url, location.decode("latin-1").strip())
        reason = self.refusal(request, target, self._allowed(spider))
        if reason:
            raise BlockedRedirect(f"HTTP {response.status}: {reason}", response)
        return response

    def process_request(self, request, spider=None):
        if type(self) is SameSiteRedirectMiddleware:
            return None   # the response-path half: RedirectedRequestCheck does this
        spider = spider or getattr(getattr(self, "crawler", None), "spider", None)
        if not request.meta.get("redirect_urls"):
            return None
        reason = self.refusal(request, request.url, self._allowed(spider), followed=True)
        if reason:
            raise BlockedRedirect(reason, source=request.meta["redirect_urls"][-1])
        return None

    @staticmethod
    def refusal(request, target: str, allowed: frozenset[Origin], followed: bool = False) -> Optional[str]:
        """Why a redirect to `target` must not be followed, or None."""
        origin = origin_of(target)
        if allowed and origin not in allowed:
            where = show_origin(origin) if origin else "a non-http address"
            return f"redirect off-site to {target[:300]} ({where} is not the start URL's site)"
        visited = list(request.meta.get("redirect_urls", ()))
        if not followed:
            visited.append(request.url)  # a hop about to be taken: the current page counts
        if target in visited:
            return f"redirect loop back to {target[:300]}"
        return None


class RedirectedRequestCheck(SameSiteRedirectMiddleware):
    """The request-path half (see SameSiteRedirectMiddleware)."""

    def process_response(self, request, response, spider=None):
        return response


def retry_after_seconds(value: Optional[bytes], now: Optional[float] = None) -> Optional[float]:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date); None if absent
    or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


class RetryDelayMiddleware:
    """Downloader middleware: a retried request waits until meta['xxgk_not_before']."""

    @classmethod
    def from_crawler(cls, crawler):
        return cls()

    async def process_request(self, request, spider=None):
        not_before = request.meta.get("xxgk_not_before")
        if not_before:
            wait = not_before - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        return None
