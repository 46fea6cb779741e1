"""Yunnan-style information-disclosure platforms (Guangdong's gkmlpt article pages look
alike): articles named after their 索引号, `/xxgk/<org code>/info/2020-153077.html`
(Guangdong: `…/content/post_4437612.html`); on the article, label and value stand in
separate blocks and dates carry times (`2020-10-10 19:48:26`). Lists are paged by
page-number links."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from . import pagers
from .base import ListLink, PageRequest, anchors, unique

NAME = "yunnan"

ARTICLE_PATH_RE = re.compile(r"/info/(?:19|20)\d{2}-\d+\.s?html?$|/post_\d+\.html?$", re.I)
_HREF_RE = re.compile(r"""href\s*=\s*["']?[^"'\s>]*(?:/info/(?:19|20)\d{2}-\d+|/post_\d+)\.s?html?""", re.I)


def is_article_url(url: str) -> bool:
    return bool(ARTICLE_PATH_RE.search(urlsplit(url).path))


def detect(text: str, url: str) -> bool:
    return bool(_HREF_RE.search(text))


def list_links(text: str, url: str) -> list[ListLink]:
    return unique([l for l in anchors(text, url) if is_article_url(l.url)])


def next_pages(text: str, url: str) -> list[PageRequest]:
    return pagers.all_pages(text, url)
