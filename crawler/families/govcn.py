"""gov.cn style (国务院 and ministries on its template): articles
`/zhengce/content/2018-12/29/content_5353025.htm`, lists paged by plain 下一页 / 尾页
links; the article header is the nested `table.bd1` and the body `#UCAP-CONTENT`
(read by the pipelines, not here)."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from . import pagers
from .base import ListLink, PageRequest, anchors, unique

NAME = "govcn"

ARTICLE_PATH_RE = re.compile(r"/content_\d+\.s?html?$", re.I)
_HREF_RE = re.compile(r"""href\s*=\s*["']?[^"'\s>]*content_\d+\.s?html?""", re.I)


def is_article_url(url: str) -> bool:
    return bool(ARTICLE_PATH_RE.search(urlsplit(url).path))


def detect(text: str, url: str) -> bool:
    return bool(_HREF_RE.search(text))


def list_links(text: str, url: str) -> list[ListLink]:
    return unique([l for l in anchors(text, url) if is_article_url(l.url)])


def next_pages(text: str, url: str) -> list[PageRequest]:
    return pagers.all_pages(text, url)
