"""`xxgk portals --check`: is each registered column still where the registry says, and
still what it says? One polite look per start URL (robots.txt, then the page), no crawl:
reachable, the family the page shows against the registered one, the report links on the
first list page (on the start URL's site, as a crawl) and the years their titles name. Each look is a row of `portal_checks` in the
archive, so drift (a moved column, a new portal system) shows over time.

Limits: at most MAX_URLS start URLs of an entry are looked at; each request times out
after `timeout` seconds; at most MAX_BYTES of a page are read; urllib follows at most 10
redirects; requests to one host are DELAY seconds apart (not on loopback). Certificates are
not verified, as Scrapy's crawl does not verify them: a portal the crawl can read must not
look unreachable here.
"""
from __future__ import annotations

import re
import ssl
import time
import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional
from urllib.parse import urlsplit

from crawler import families
from crawler.registry import PortalEntry
from crawler.settings import USER_AGENT
from pipelines.decode import decode_html

MAX_URLS = 3
MAX_BYTES = 5 * 1024 * 1024
DELAY = 1.0
TIMEOUT = 20.0
YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")
# Stricter than the crawl's candidate filter (generic.is_report_link, which also lets
# 2019年政务公开工作要点 through for the article page to decide): the title names the report.
REPORT_TITLE_RE = re.compile(r"(?:信息公开|政务公开).*(?:年度报告|年报|工作报告)|信息公开年报|年度报告")
TABLE = "portal_checks"


@dataclass
class PortalCheck:
    """What one look at a portal's start URL(s) found."""
    portal: str
    url: str
    family_registered: str
    reachable: bool = False
    http_status: Optional[int] = None
    error: Optional[str] = None
    family_detected: Optional[str] = None
    report_links: int = 0
    links: int = 0
    years: list[int] = field(default_factory=list)
    checked_at: str = ""

    @property
    def family_matches(self) -> Optional[bool]:
        return None if self.family_detected is None else self.family_detected == self.family_registered

    @property
    def ok(self) -> bool:
        return self.reachable and bool(self.family_matches) and self.report_links > 0

    def line(self) -> str:
        """One line for the terminal."""
        if not self.reachable:
            return f"{self.portal}\tUNREACHABLE\t{self.url}\t{self.error or self.http_status}"
        family = (f"family {self.family_detected}" if self.family_matches
                  else f"FAMILY {self.family_detected} (registered {self.family_registered})")
        years = (f"{self.years[0]}–{self.years[-1]}" if len(self.years) > 1
                 else str(self.years[0]) if self.years else "no year")
        return (f"{self.portal}\treachable {self.http_status}\t{family}\t"
                f"{self.report_links} report links of {self.links}, {years}\t{self.url}")


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


class _Fetcher:
    """GET with the project's User-Agent, a timeout, a size limit, robots.txt obeyed and
    a delay between requests to one host."""

    def __init__(self, timeout: float, delay: float, sleep: Callable[[float], None] = time.sleep):
        self.timeout, self.delay, self.sleep = timeout, delay, sleep
        self.tls = ssl.create_default_context()
        self.tls.check_hostname = False
        self.tls.verify_mode = ssl.CERT_NONE
        self.last: dict[str, float] = {}
        self.robots: dict[str, Optional[urllib.robotparser.RobotFileParser]] = {}

    def _wait(self, url: str) -> None:
        host = urlsplit(url).netloc
        if not _is_loopback(url) and host in self.last:
            left = self.delay - (time.monotonic() - self.last[host])
            if left > 0:
                self.sleep(left)
        self.last[host] = time.monotonic()

    def _get(self, url: str) -> tuple[int, Optional[str], bytes]:
        self._wait(url)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self.tls) as response:
                return response.status, response.headers.get("Content-Type"), response.read(MAX_BYTES)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get("Content-Type") if exc.headers else None, b""

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self.robots:
            parser: Optional[urllib.robotparser.RobotFileParser] = None
            try:
                status, _, body = self._get(origin + "/robots.txt")
                if status == 200:
                    parser = urllib.robotparser.RobotFileParser()
                    parser.parse(body.decode("utf-8", "replace").splitlines())
            except (OSError, ValueError):
                parser = None   # no robots.txt to read: allowed, as Scrapy does
            self.robots[origin] = parser
        parser = self.robots[origin]
        return parser is None or parser.can_fetch(USER_AGENT, url)

    def page(self, url: str) -> tuple[int, Optional[str], bytes]:
        return self._get(url)


def is_report_title(title: str) -> bool:
    return bool(REPORT_TITLE_RE.search(title or ""))


def _years(titles: Iterable[str]) -> list[int]:
    return sorted({int(y) for t in titles for y in YEAR_RE.findall(t)})


def check_entry(entry: PortalEntry, fetcher: _Fetcher, urls: Optional[list[str]] = None) -> PortalCheck:
    """Look at an entry's start URLs (or `urls`, e.g. the bundled demo's served addresses)."""
    urls = list(urls or entry.start_urls)[:MAX_URLS]
    result = PortalCheck(entry.id, urls[0], entry.family, checked_at=_now())
    titles: list[str] = []
    detected: list[str] = []
    for url in urls:
        try:
            if not fetcher.allowed(url):
                result.error = "disallowed by robots.txt"
                continue
            status, content_type, body = fetcher.page(url)
        except (OSError, ValueError) as exc:   # refused, timed out, bad address, TLS …
            result.error = _one_line(exc)
            continue
        result.http_status = status
        if status != 200:
            result.error = f"HTTP {status}"
            continue
        result.reachable, result.error = True, None
        text, _encoding = decode_html(body, content_type)
        detected.append(families.detect(text, url).NAME)
        site = urlsplit(url).netloc
        links = [link for link in families.plan(text, url).links if urlsplit(link.url).netloc == site]
        reports = [link for link in links if is_report_title(link.title or link.text)]
        result.links += len(links)
        result.report_links += len(reports)
        titles += [link.title or link.text for link in reports]
    if detected:
        result.family_detected = max(set(detected), key=detected.count)
    result.years = _years(titles)
    return result


def _one_line(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return " ".join(f"{type(exc).__name__}: {reason}".split())[:200]


def _now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_entries(entries: list[tuple[PortalEntry, Optional[list[str]]]], timeout: float = TIMEOUT,
                  delay: float = DELAY) -> Iterable[PortalCheck]:
    fetcher = _Fetcher(timeout, delay)
    for entry, urls in entries:
        yield check_entry(entry, fetcher, urls)


def record(db: str, checks: list[PortalCheck]) -> None:
    """Append the checks to the archive's portal_checks table (storage/schema.py)."""
    from storage.archive import Archive

    archive = Archive(db)
    try:
        archive.db.table(TABLE).insert_all(
            {"portal": c.portal, "checked_at": c.checked_at, "url": c.url, "reachable": int(c.reachable),
             "http_status": c.http_status, "error": c.error, "family_registered": c.family_registered,
             "family_detected": c.family_detected,
             "family_matches": None if c.family_matches is None else int(c.family_matches),
             "report_links": c.report_links, "links": c.links, "years": ",".join(map(str, c.years)) or None,
             "first_year": c.years[0] if c.years else None, "last_year": c.years[-1] if c.years else None}
            for c in checks)
    finally:
        archive.close()
