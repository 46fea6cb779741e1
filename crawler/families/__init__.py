"""Portal families: how each portal system lists its articles and pages its lists.

Each module holds pure functions (page text and URL in, links and page requests out),
so the spider stays thin and the rules are testable without a crawl:

    NAME                       the family's name (as in crawler/portals.yaml)
    detect(text, url) -> bool  is this list page one of ours?
    list_links(text, url)      the article links of the list (ListLink)
    next_pages(text, url)      the list's other pages (PageRequest: GET, or POST form)

DETECTION_ORDER below is the one place that decides which family reads a page: the
most specific signs first, generic discovery last (it accepts every page).
"""
from __future__ import annotations

import logging
from types import ModuleType
from typing import Optional

from . import aspnet, generic, govcn, jcms, trs, yunnan
from .base import ListLink, ListPlan, PageRequest, anchors

log = logging.getLogger(__name__)

# jcms: an embedded <datastore> is unmistakable; aspnet: __VIEWSTATE / .aspx; trs: the
# createPageHTML pager or t20220125_N links; govcn: content_N.htm links; yunnan:
# /info/2020-N.html links; generic: anything else.
DETECTION_ORDER: tuple[ModuleType, ...] = (jcms, aspnet, trs, govcn, yunnan, generic)
FAMILIES: dict[str, ModuleType] = {f.NAME: f for f in DETECTION_ORDER}
NAMES = tuple(FAMILIES)

__all__ = ["DETECTION_ORDER", "FAMILIES", "NAMES", "ListLink", "ListPlan", "PageRequest", "anchors",
           "detect", "plan"]


def detect(text: str, url: str, hint: Optional[str] = None) -> ModuleType:
    """The family that reads this list page (hint: a registry's family, tried first)."""
    order = list(DETECTION_ORDER)
    if hint in FAMILIES and hint != generic.NAME:
        order.insert(0, FAMILIES[hint])
    for family in order:
        try:
            if family.detect(text, url):
                return family
        except Exception:  # a family's bug must not stop discovery
            log.exception("family %s failed to detect %s", family.NAME, url)
    return generic


def plan(text: str, url: str, hint: Optional[str] = None) -> ListPlan:
    """Links and further pages of one list page. Never raises: a family that fails or
    finds no link hands the page to generic discovery."""
    family = detect(text, url, hint)
    result = ListPlan(family.NAME)
    failed = False
    try:
        result.links = family.list_links(text, url)
        result.pages = family.next_pages(text, url)
    except Exception:
        log.exception("family %s failed on %s; falling back to generic discovery", family.NAME, url)
        result, failed = ListPlan(generic.NAME), True
    if not result.links and (failed or family is not generic):
        try:
            result.links = generic.list_links(text, url)
            result.pages = result.pages or generic.next_pages(text, url)
        except Exception:
            log.exception("generic discovery failed on %s", url)
    return result
