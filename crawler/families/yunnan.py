"""Yunnan-style information-disclosure platforms (Guangdong's gkmlpt article pages look
alike): articles named after their 索引号, `/xxgk/<org code>/info/2020-153077.html`
(Guangdong: `…/content/post_4437612.html`); on the article, label and value stand in
separate blocks and dates carry times (`2020-10-10 19:48:26`). Lists are paged by
page-number links."""
from __future__ import annotations

import re

from .by_path import PathFamily

NAME = "yunnan"

ARTICLE_PATH_RE = re.compile(r"/info/(?:19|20)\d{2}-\d+\.s?html?$|/post_\d+\.html?$", re.I)
_HREF_RE = re.compile(r"""href\s*=\s*["']?[^"'\s>]*(?:/info/(?:19|20)\d{2}-\d+|/post_\d+)\.s?html?""", re.I)

_FAMILY = PathFamily(NAME, ARTICLE_PATH_RE, _HREF_RE)
is_article_url = _FAMILY.is_article_url
detect = _FAMILY.detect
list_links = _FAMILY.list_links
next_pages = _FAMILY.next_pages
