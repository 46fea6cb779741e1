"""ASP.NET WebForms portals: lists `InfoPublic.aspx?cid=1019&pid=971&page=N` paged by
plain links carrying a page number (the postback pager's `javascript:__doPostBack` links
and the `__VIEWSTATE` / `__EVENTVALIDATION` fields are noise to a crawler); articles
`InfoDetail.aspx?id=…`, `GovOpenShow.aspx?id=20220125180019886`."""
from __future__ import annotations

from typing import Optional
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from . import pagers
from .base import ListLink, PageRequest, anchors, unique, unique_pages

NAME = "aspnet"

PAGE_PARAMS = frozenset({"page", "pageindex", "pageno", "pagenum", "p", "pn", "pg", "curpage",
                         "currentpage", "cpage"})
ID_PARAMS = frozenset({"id", "infoid", "articleid", "newsid", "docid", "contentid", "documentkeyid",
                       "itemid", "aid", "nid", "guid"})


def detect(text: str, url: str) -> bool:
    return "__VIEWSTATE" in text or urlsplit(url).path.lower().endswith(".aspx")


def _query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def _same_path(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return pa.netloc.lower() == pb.netloc.lower() and pa.path.lower() == pb.path.lower()


def page_of(link_url: str, current: str) -> Optional[tuple[str, int]]:
    """(page parameter, number) when link_url is current with another page number."""
    if not _same_path(link_url, current):
        return None
    link_q, cur_q = _query(link_url), _query(current)
    pages = [(k, v) for k, v in link_q if k.lower() in PAGE_PARAMS and v.isdigit()]
    if len(pages) != 1:
        return None
    rest = sorted((k.lower(), v) for k, v in link_q if k.lower() not in PAGE_PARAMS)
    cur_rest = sorted((k.lower(), v) for k, v in cur_q if k.lower() not in PAGE_PARAMS)
    if rest != cur_rest:
        return None
    return pages[0][0], int(pages[0][1])


def with_page(url: str, param: str, n: int) -> str:
    parts = urlsplit(url)
    query = _query(url)
    if any(k == param for k, _ in query):
        query = [(k, str(n) if k == param else v) for k, v in query]
    else:
        query.append((param, str(n)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def next_pages(text: str, url: str) -> list[PageRequest]:
    links = anchors(text, url)
    seen: dict[str, set[int]] = {}
    for link in links:
        found = page_of(link.url, url)
        if found:
            seen.setdefault(found[0], set()).add(found[1])
    pages: list[PageRequest] = []
    if seen:
        param = max(seen, key=lambda k: len(seen[k]))
        numbers = seen[param]
        current = dict((k, v) for k, v in _query(url) if k == param and v.isdigit())
        if current:
            numbers.add(int(current[param]))
        hi = max(numbers | {pagers.total_pages(text) or 0})
        lo = min(numbers | {1})
        if hi - lo < pagers.MAX_PAGES:
            pages = [PageRequest(with_page(url, param, n)) for n in range(lo, hi + 1)]
    pages += pagers.link_pages(links, url, text)
    return unique_pages(pages, url)


def is_article_link(link: ListLink, current: str) -> bool:
    if pagers.is_pager_text(link) or page_of(link.url, current):
        return False
    query = {k.lower(): v for k, v in _query(link.url)}
    return any(k in ID_PARAMS and v.strip() for k, v in query.items()) and not _same_path(link.url, current)


def list_links(text: str, url: str) -> list[ListLink]:
    return unique([l for l in anchors(text, url) if is_article_link(l, url)])
