"""Families recognised by the shape of their article addresses alone (gov.cn, Yunnan):
the same four functions, told apart only by two patterns."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from . import pagers
from .base import ListLink, PageRequest, anchors, unique


@dataclass(frozen=True)
class PathFamily:
    name: str
    article_path: re.Pattern      # matched against an article URL's path
    article_href: re.Pattern      # the same shape inside an href="…" of a list page

    def is_article_url(self, url: str) -> bool:
        return bool(self.article_path.search(urlsplit(url).path))

    def detect(self, text: str, url: str) -> bool:
        return bool(self.article_href.search(text))

    def list_links(self, text: str, url: str) -> list[ListLink]:
        return unique([link for link in anchors(text, url) if self.is_article_url(link.url)])

    def next_pages(self, text: str, url: str) -> list[PageRequest]:
        return pagers.all_pages(text, url)
