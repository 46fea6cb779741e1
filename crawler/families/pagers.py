"""Pagination every family shares: 下一页 / 尾页 / page-number links, "共N页" counts, and
the JavaScript pagers of the big CMSs (TRS WCM's createPageHTML / countPage).

Pure functions: page text and URL in, URLs of the list's other pages out. When the
first and last page are both known (a 尾页 link, 共N页), every page between is asked
for at once instead of walking 下一页 one page after another.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional
from urllib.parse import urljoin, urlsplit

from .base import ListLink, PageRequest, anchors, unique_pages
from ..walk import MAX_PLAN_PAGES

NEXT_TEXTS = frozenset({"下一页", "下页", "后一页", "下一頁", "下一页>", "下一页>>", "下一页»", ">", ">>", "›", "»", "next", "next page"})
LAST_TEXTS = frozenset({"尾页", "末页", "最后一页", "最末页", "尾頁", "末頁", "last", "last page"})
FIRST_TEXTS = frozenset({"首页", "第一页", "上一页", "上页", "前一页", "<", "<<", "‹", "«", "first", "prev", "previous"})
# A list page names at most this many other pages (jcms, TRS and 共N页 counts are written by
# the portal); the crawl's own limit per column (XXGK_MAX_LIST_PAGES) is lower and recorded.
MAX_PAGES = MAX_PLAN_PAGES

_PAGE_NUMBER_RE = re.compile(r"^[\[【(（]?\s*(\d{1,4})\s*[\]】)）]?$")
_TOTAL_RES = (
    re.compile(r"共\s*(\d{1,5})\s*页"),
    re.compile(r"页次\s*[：:]?\s*\d{1,5}\s*/\s*(\d{1,5})"),
    re.compile(r"第\s*\d{1,5}\s*/\s*(\d{1,5})\s*页"),
    re.compile(r"\b\d{1,5}\s*/\s*(\d{1,5})\s*页"),
)
_TOKEN_RE = re.compile(r"\d+|\D+")
_PAGE_PARAM_HINT = re.compile(r"(?:page(?:no|num|index|_?id)?|pn|p|cp|curpage|currentpage|pageindex)=$|[_/-]$", re.I)

# TRS WCM: createPageHTML(countPage, currentPage, "index", "html") or, in newer templates,
# createPageHTML('page_div', countPage, currentPage, 'index', 'html', total).
_CREATE_PAGE_RE = re.compile(r"createPageHTML\s*\(([^)]*)\)")
_COUNT_PAGE_RE = re.compile(r"\bcountPage\s*=\s*(\d+)")


def _norm(text: str) -> str:
    return re.sub(r"[\s\u3000\u00a0]+", "", text or "").lower()


def is_next(link: ListLink) -> bool:
    return _norm(link.text) in NEXT_TEXTS or _norm(link.title) in NEXT_TEXTS


def is_last(link: ListLink) -> bool:
    return _norm(link.text) in LAST_TEXTS or _norm(link.title) in LAST_TEXTS


def is_pager_text(link: ListLink) -> bool:
    t = _norm(link.text)
    return (t in NEXT_TEXTS or t in LAST_TEXTS or t in FIRST_TEXTS
            or bool(_PAGE_NUMBER_RE.match(t)) or _norm(link.title) in NEXT_TEXTS | LAST_TEXTS)


def _directory(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.netloc.lower(), parts.path.rsplit("/", 1)[0]


def _near(candidate: str, current: str) -> bool:
    """Same host and same folder: where a list's own pages live."""
    return _directory(candidate) == _directory(current)


def total_pages(text: str) -> Optional[int]:
    """The page count a list prints (共5页, 页次：1/5, 第1/5页), if any."""
    for rx in _TOTAL_RES:
        m = rx.search(text)
        if m and int(m.group(1)) > 0:
            return int(m.group(1))
    return None


def _tokens(url: str) -> list[str]:
    return _TOKEN_RE.findall(url)


def _page_slot(urls: list[str]) -> Optional[tuple[list[str], int, set[int]]]:
    """The one digit run in which page URLs differ: (tokens, position, numbers seen)."""
    shaped: dict[tuple, list[list[str]]] = {}
    for url in urls:
        toks = _tokens(url)
        skeleton = tuple(t if not t.isdigit() else "#" for t in toks)
        shaped.setdefault(skeleton, []).append(toks)
    best = None
    for group in shaped.values():
        if len(group) < 2:
            continue
        differing = [i for i in range(len(group[0])) if group[0][i].isdigit()
                     and len({g[i] for g in group}) > 1]
        if len(differing) != 1:
            continue
        i = differing[0]
        if any(g[j] != group[0][j] for g in group for j in range(len(g)) if j != i):
            continue
        numbers = {int(g[i]) for g in group}
        if best is None or len(numbers) > len(best[2]):
            best = (group[0], i, numbers)
    return best


def _single_slot(url: str) -> Optional[tuple[list[str], int]]:
    """The page number's digit run in one page URL: after page=/_/-, else the last one."""
    toks = _tokens(url)
    digits = [i for i, t in enumerate(toks) if t.isdigit()]
    if not digits:
        return None
    for i in reversed(digits):
        if i > 0 and _PAGE_PARAM_HINT.search(toks[i - 1]):
            return toks, i
    return toks, digits[-1]


def _fill(toks: list[str], pos: int, numbers: Iterable[int]) -> list[str]:
    out = []
    width = len(toks[pos]) if toks[pos].startswith("0") else 0
    for n in numbers:
        t = list(toks)
        t[pos] = str(n).zfill(width)
        out.append("".join(t))
    return out


def expand(page_urls: list[str], last: Optional[int] = None) -> list[str]:
    """All pages between the smallest and largest page number known (capped)."""
    slot = _page_slot(page_urls)
    if slot is not None:
        toks, pos, numbers = slot
    elif page_urls and last:
        single = _single_slot(page_urls[0])
        if single is None:
            return []
        toks, pos = single
        numbers = {int(toks[pos])}
    else:
        return []
    hi = max(numbers | ({last} if last else set()))
    lo = min(numbers)
    if hi - lo + 1 > MAX_PAGES:
        return []
    return _fill(toks, pos, range(lo, hi + 1))


def link_pages(links: list[ListLink], url: str, text: str = "") -> list[PageRequest]:
    """Pages named by pager links: 下一页 / 尾页 anywhere on the site, page numbers in
    the list's own folder; all pages between when the last one is known."""
    nexts = [l.url for l in links if is_next(l)]
    lasts = [l.url for l in links if is_last(l)]
    numbered = [l.url for l in links if _PAGE_NUMBER_RE.match(_norm(l.text)) and _near(l.url, url)]
    found = list(dict.fromkeys(nexts + lasts + numbered))
    pages = list(found)
    if found:
        pages += expand(list(dict.fromkeys(found + [url])), total_pages(text))
    return unique_pages([PageRequest(u) for u in pages], url)


def trs_js_pages(text: str, url: str) -> list[PageRequest]:
    """TRS WCM pages: page 0 is index.html, page k is index_k.html, in the list's folder."""
    count = prefix = ext = None
    for m in _CREATE_PAGE_RE.finditer(text):   # the call, not an inline definition
        args = [a.strip() for a in m.group(1).split(",")]
        quoted = [i for i, a in enumerate(args) if a[:1] in "'\"" and a[-1:] in "'\""]
        bare = [i for i, a in enumerate(args) if i not in quoted]
        later = [i for i in quoted if bare and i > bare[0]]
        found = _resolve(args[bare[0]], text) if bare else None
        if found is None:
            continue
        count = found
        if len(later) >= 2:
            prefix, ext = args[later[0]][1:-1], args[later[1]][1:-1]
        break
    if count is None:
        c = _COUNT_PAGE_RE.search(text)
        count = int(c.group(1)) if c else None
    if not count or count < 2:
        return []
    if not prefix:
        prefix = "index"
    if not ext:
        last = urlsplit(url).path.rsplit("/", 1)[-1]
        ext = last.rsplit(".", 1)[-1] if "." in last else "html"
    count = min(count, MAX_PAGES)
    # Page 0 is the folder's default document: not asked again when the folder was read.
    first = [] if urlsplit(url).path.endswith("/") else [f"{prefix}.{ext}"]
    names = first + [f"{prefix}_{k}.{ext}" for k in range(1, count)]
    return unique_pages([PageRequest(urljoin(url, name)) for name in names], url)


def _resolve(arg: str, text: str) -> Optional[int]:
    if arg.isdigit():
        return int(arg)
    if re.fullmatch(r"[A-Za-z_$][\w$]*", arg):
        m = re.search(rf"\b{re.escape(arg)}\s*=\s*(\d+)", text)
        if m:
            return int(m.group(1))
    return None


def all_pages(text: str, url: str, links: Optional[list[ListLink]] = None) -> list[PageRequest]:
    """Link pagers and known JavaScript pagers together."""
    links = anchors(text, url) if links is None else links
    return unique_pages(link_pages(links, url, text) + trs_js_pages(text, url), url)
