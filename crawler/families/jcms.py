"""Hanweb jcms (大汉 jcms): column pages embed the first list page as XML in a
`<script type="text/xml">`; further pages come only from dataproxy.jsp (POST)."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from .base import ListLink, PageRequest
from ..walk import MAX_PLAN_PAGES

NAME = "jcms"
_DATASTORE_RE = re.compile(r"<datastore>.*?</datastore>", re.S)
_RECORD_RE = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
_HREF_RE = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*["']([^"']+)["'][^>]*>(.*?)</a>""", re.S | re.I)
_TITLE_ATTR_RE = re.compile(r"""\btitle\s*=\s*["']([^"']*)["']""", re.I)
_NEXTGROUP_RE = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.S)
_TAG_RE = re.compile(r"<[^>]+>")


def _js_value(name: str, text: str) -> Optional[str]:
    m = re.search(rf"""\b{name}\s*[:=]\s*['"]?([^'",\s}})]+)""", text)
    return m.group(1) if m else None


@dataclass
class JcmsPaging:
    proxy_url: str
    per_page: int
    total: Optional[int]
    params: dict[str, str] = field(default_factory=dict)

    def requests(self, base_url: str, first_page_count: int,
                 limit: int = MAX_PLAN_PAGES) -> list[tuple[str, dict[str, str]]]:
        """(url, form data) of every further page, one page per request, at most `limit`
        (a page may claim totalRecord 200000 with perPage 1: the crawl's list-page limit
        stops the walk and records it)."""
        if not self.total or self.per_page <= 0:
            return []
        out = []
        stop = min(self.total, first_page_count + limit * self.per_page)
        for start in range(first_page_count + 1, stop + 1, self.per_page):
            end = min(start + self.per_page - 1, self.total)
            query = urlencode({"startrecord": start, "endrecord": end, "perpage": self.per_page})
            out.append((urljoin(base_url, f"{self.proxy_url}?{query}"), dict(self.params)))
        return out


def is_jcms(text: str) -> bool:
    return "<datastore>" in text and ("dataproxy.jsp" in text or "<recordset>" in text)


def detect(text: str, url: str) -> bool:
    return is_jcms(text)


def list_links(text: str, url: str) -> list[ListLink]:
    return records(text, url)


def next_pages(text: str, url: str) -> list[PageRequest]:
    """dataproxy.jsp POSTs for every page after the embedded one (column page only:
    dataproxy answers carry no configuration, so they ask for nothing more)."""
    config = paging(text)
    if config is None:
        return []
    return [PageRequest(u, tuple(form.items())) for u, form in config.requests(url, len(records(text, url)))]


def records(text: str, base_url: str) -> list[ListLink]:
    """Links of the records in an embedded datastore or a dataproxy answer."""
    out: list[ListLink] = []
    for record in _RECORD_RE.findall(text):
        m = _HREF_RE.search(record)
        if not m:
            continue
        title_attr = _TITLE_ATTR_RE.search(m.group(0))
        title = title_attr.group(1) if title_attr else _TAG_RE.sub("", m.group(2))
        out.append(ListLink(urljoin(base_url, html.unescape(m.group(1).strip())), html.unescape(title).strip(),
                            html.unescape(_TAG_RE.sub("", m.group(2))).strip()))
    return out


def paging(text: str) -> Optional[JcmsPaging]:
    """The dataproxy parameters a column page configures in its scripts."""
    if "dataproxy.jsp" not in text:
        return None
    proxy = _js_value("proxyUrl", text) or "/module/web/jpage/dataproxy.jsp"
    per_page_text = _js_value("perPage", text) or "15"
    per_page = int(per_page_text) if per_page_text.isdigit() and int(per_page_text) > 0 else 15
    total_text = _js_value("totalRecord", text)
    total = int(total_text) if total_text and total_text.isdigit() else None
    params = {"col": "1", "appid": "1", "sourceContentType": "1", "permissiontype": "0", "path": "/"}
    nextgroup = _NEXTGROUP_RE.search(text)
    if nextgroup:
        href = _HREF_RE.search(nextgroup.group(1))
        if href:
            for key, value in parse_qsl(urlsplit(href.group(1).replace("&amp;", "&")).query):
                if key in ("webid", "path", "columnid", "unitid", "webname", "permissiontype"):
                    params[key] = value
    for key in ("webid", "columnid", "unitid"):
        if key not in params:
            value = _js_value(key, text)
            if value:
                params[key] = value
    return JcmsPaging(proxy, per_page, total, params)


def total_record(text: str) -> Optional[int]:
    m = re.search(r"<totalrecord>\s*(\d+)\s*</totalrecord>", text)
    return int(m.group(1)) if m else None
