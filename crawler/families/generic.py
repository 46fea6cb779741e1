"""Any portal: report links by the words of their titles, pagination by 下一页 / 尾页 /
page-number links and the known JavaScript pagers. The fallback for layouts no other
family recognises; it never fails on a page, it only finds less."""
from __future__ import annotations

import re

from . import pagers
from .base import ListLink, PageRequest, anchors, unique

NAME = "generic"

# A report's title says so (政府信息公开工作年度报告, 政务公开年报, 2018年度政府信息公开工作报告).
REPORT_LINK_RE = re.compile(
    r"(?:政府信息公开|政务公开|信息公开).{0,12}?(?:年度报告|年报|工作报告)|年度报告|年报"
    r"|(?:19|20)\d{2}\s*年度?\s*(?:政府信息公开|政务公开)"
)
# Lists cut long titles ("…2016年政府信息公开工…"): a cut title with these words may be one.
REPORT_PREFIX_RE = re.compile(r"信息公开|政务公开|年度|年报|(?:19|20)\d{2}")
TRUNCATED_RE = re.compile(r"(?:…|\.\.\.?|。。。)\s*$")


def detect(text: str, url: str) -> bool:
    return True


def is_report_link(link: ListLink) -> bool:
    if pagers.is_pager_text(link):
        return False
    for words in (link.title, link.text):
        if words and REPORT_LINK_RE.search(words):
            return True
    shown = link.text or link.title
    return bool(TRUNCATED_RE.search(shown) and REPORT_PREFIX_RE.search(shown))


def report_links(links: list[ListLink]) -> list[ListLink]:
    return unique([link for link in links if is_report_link(link)])


def list_links(text: str, url: str) -> list[ListLink]:
    return [l for l in report_links(anchors(text, url)) if l.url != url]


def next_pages(text: str, url: str) -> list[PageRequest]:
    return pagers.all_pages(text, url)

