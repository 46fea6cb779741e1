"""TRS WCM (拓尔思): static lists `index.html`, `index_1.html`, `index_2.html` … whose page
count exists only in JavaScript (`var countPage = 5`, `createPageHTML(countPage,
currentPage, "index", "html")`); articles `./202201/t20220125_3147941.html` (also .htm,
.shtml) under the column's folder."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from . import pagers
from .base import ListLink, PageRequest, anchors, unique

NAME = "trs"

ARTICLE_PATH_RE = re.compile(r"/(?:\d{6}|\d{4}-\d{2}|\d{8})/t\d{8}_\d+\.s?html?$", re.I)
_HREF_RE = re.compile(r"""href\s*=\s*["']?[^"'\s>]*/t\d{8}_\d+\.s?html?""", re.I)
_JS_PAGER_RE = re.compile(r"createPageHTML\s*\(|\bcountPage\s*=")


def is_article_url(url: str) -> bool:
    return bool(ARTICLE_PATH_RE.search(urlsplit(url).path))


def detect(text: str, url: str) -> bool:
    return bool(_JS_PAGER_RE.search(text) or _HREF_RE.search(text))


def list_links(text: str, url: str) -> list[ListLink]:
    return unique([l for l in anchors(text, url) if is_article_url(l.url)])


def next_pages(text: str, url: str) -> list[PageRequest]:
    return pagers.all_pages(text, url)
