"""Any portal: report links by their text, pagination by 下一页 / page numbers."""
from __future__ import annotations

import re

from .jcms import ListLink

REPORT_LINK_RE = re.compile(r"(?:政府信息公开|政务公开|信息公开).{0,12}?(?:年度报告|年报)|年度报告|年报")
NEXT_PAGE_TEXTS = ("下一页", "下页", "后一页", ">", "›", "»")


def report_links(links: list[ListLink]) -> list[ListLink]:
    return [link for link in links if REPORT_LINK_RE.search(link.title)]


def next_page_links(links: list[ListLink]) -> list[str]:
    return [link.url for link in links if link.title.strip() in NEXT_PAGE_TEXTS]
