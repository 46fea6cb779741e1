"""gov.cn style (国务院 and ministries on its template): articles
`/zhengce/content/2018-12/29/content_5353025.htm`, lists paged by plain 下一页 / 尾页
links; the article header is the nested `table.bd1` and the body `#UCAP-CONTENT`
(read by the pipelines, not here)."""
from __future__ import annotations

import re

from .by_path import PathFamily

NAME = "govcn"

ARTICLE_PATH_RE = re.compile(r"/content_\d+\.s?html?$", re.I)
_HREF_RE = re.compile(r"""href\s*=\s*["']?[^"'\s>]*content_\d+\.s?html?""", re.I)

_FAMILY = PathFamily(NAME, ARTICLE_PATH_RE, _HREF_RE)
is_article_url = _FAMILY.is_article_url
detect = _FAMILY.detect
list_links = _FAMILY.list_links
next_pages = _FAMILY.next_pages
