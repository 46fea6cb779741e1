"""What spiders hand to the pipelines: fetched pages, never parsed results."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

LIST = "list"        # a column / list page or a paging response
ARTICLE = "article"  # a page that may be a report (the pipeline decides)
FAILED = "failed"    # no usable response: HTTP error status, timeout, DNS…
ATTACHMENT = "attachment"  # a file an article page links (PDF, DOC, XLS …)


@dataclass
class PageItem:
    url: str
    kind: str
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
