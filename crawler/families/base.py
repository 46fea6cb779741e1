"""What every family works with: the links of a list page and the requests for its
other pages. Pure functions over page text; no Scrapy, no network."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree

_PARSER = etree.HTMLParser(remove_comments=True, no_network=True)
_SPACES = re.compile(r"[\s\u3000\u00a0]+")
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "#", "about:", "vbscript:")
WEB_SCHEMES = ("http", "https")


@dataclass
class ListLink:
    """A link on a list page: absolute URL, the fullest title known (title attribute,
    else the text) and the visible text (pagers are recognised by it)."""
    url: str
    title: str
    text: str = ""


@dataclass(frozen=True)
class PageRequest:
    """Another page of a list: GET, or POST with form data (jcms dataproxy.jsp)."""
    url: str
    formdata: Optional[tuple[tuple[str, str], ...]] = None

    @property
    def form(self) -> Optional[dict[str, str]]:
        return dict(self.formdata) if self.formdata is not None else None


@dataclass
class ListPlan:
    """What to fetch from one list page, and which family decided it."""
    family: str
    links: list[ListLink] = field(default_factory=list)
    pages: list[PageRequest] = field(default_factory=list)


def squash(text: str) -> str:
    return _SPACES.sub(" ", text or "").strip()


def parse(text: str) -> Optional[etree._Element]:
    if not text or not text.strip():
        return None
    try:
        return etree.fromstring(text, _PARSER)
    except ValueError:  # str with an XML encoding declaration
        try:
            return etree.fromstring(text.encode("utf-8"), etree.HTMLParser(remove_comments=True, encoding="utf-8"))
        except (etree.ParserError, etree.XMLSyntaxError):
            return None
    except (etree.ParserError, etree.XMLSyntaxError):
        return None


def absolute(href: str, base_url: str) -> Optional[str]:
    """The http(s) URL an href points to, fragment dropped; None for javascript: and co."""
    href = (href or "").strip().replace("\\", "/")
    if not href or href.lower().startswith(_SKIP_SCHEMES):
        return None
    url = urljoin(base_url, href)
    parts = urlsplit(url)
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.netloc:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def anchors(text: str, url: str) -> list[ListLink]:
    """Every followable <a href> of a page, in page order (honours <base href>)."""
    root = parse(text)
    if root is None:
        return []
    base = url
    for el in root.iter("base"):
        if el.get("href"):
            base = urljoin(url, el.get("href").strip())
            break
    out: list[ListLink] = []
    for a in root.iter("a"):
        target = absolute(a.get("href", ""), base)
        if target is None:
            continue
        shown = squash("".join(a.itertext()))
        title = squash(a.get("title") or "") or shown
        out.append(ListLink(target, title, shown))
    return out


def unique(links: list[ListLink]) -> list[ListLink]:
    """First occurrence of each URL (a title and its "more" link point to one page)."""
    seen: dict[str, ListLink] = {}
    for link in links:
        known = seen.get(link.url)
        if known is None:
            seen[link.url] = link
        elif len(link.title) > len(known.title):
            known.title = link.title
    return list(seen.values())


def unique_pages(pages: list[PageRequest], current: str = "") -> list[PageRequest]:
    seen: set[PageRequest] = set()
    out = []
    for page in pages:
        if page in seen or (page.formdata is None and page.url == current):
            continue
        seen.add(page)
        out.append(page)
    return out
