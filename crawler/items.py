"""What spiders hand to the item pipeline (crawler/pipelines.py): fetched pages, never parsed
results. The kinds and fields are declared here once; the spider, the middlewares and the
pipeline import them, so a renamed kind or field fails at import, not silently mid-crawl."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Optional


class Kind(str, Enum):
    """A page's role in the crawl (a str, so it also travels in request meta and job dirs)."""

    LIST = "list"              # a column / list page or a paging response
    ARTICLE = "article"        # a page that may be a report (the pipeline decides)
    FAILED = "failed"          # no usable response: HTTP error status, timeout, DNS…
    ATTACHMENT = "attachment"  # a file an article page links (PDF, DOC, XLS …)


LIST, ARTICLE, FAILED, ATTACHMENT = Kind.LIST, Kind.ARTICLE, Kind.FAILED, Kind.ATTACHMENT

# Request meta key holding the Kind a request will produce (read by the incremental middlewares).
META_KIND = "xxgk_kind"
# Request meta key holding the column (start URL) whose lists led to a request: a report
# belongs to the column that lists it, and each column's health is judged on its own.
META_COLUMN = "xxgk_column"


@dataclass
class PageItem:
    url: str
    kind: Kind
    status: Optional[int]
    content_type: Optional[str]
    body: Optional[bytes]
    fetched_at: str
    error: Optional[str] = None
    referer: Optional[str] = None
    warc: Optional[dict] = None           # {"file", "offset"} of its WARC response record
    etag: Optional[str] = None
    last_modified: Optional[str] = None
    cached: bool = False                  # fresh in the archive: no request made for seen_urls
    seen_urls: tuple[str, ...] = ()       # with cached: the listed report pages not fetched again
    attachments: tuple[str, ...] = ()     # an article: the attachment URLs it links (requested next)
    parent_url: Optional[str] = None      # an attachment: the article page that links it
    filename: Optional[str] = None        # an attachment: its name as the page shows it
    list_page: bool = False               # a FAILED list page: the lists were not fully read
    retrying: bool = False                # a FAILED attempt that is asked again: recorded, not an error
    column: Optional[str] = None          # the start URL of the column whose lists led to it
