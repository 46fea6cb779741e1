"""Attachment links on an article page: reports published as PDF/DOC/XLS files."""
from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote, urljoin, urlsplit

from .base import ListLink

EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".et")
_A_RE = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*["']([^"'#]+)["'][^>]*>(.*?)</a>""", re.S | re.I)
_TAG_RE = re.compile(r"<[^>]+>")
# An attachment's address holds its extension in ASCII in any page encoding but UTF-16/32
# (which hold NUL bytes): a page without one has no attachment link to look for.
_EXTENSION_BYTES_RE = re.compile(rb"\.(?:" + b"|".join(re.escape(e[1:].encode()) for e in EXTENSIONS) + rb")",
                                 re.I)


def may_link_attachments(body: bytes) -> bool:
    """False when the page cannot link an attachment: the crawl then neither decodes it nor
    reads its links (a quarter of a millisecond a page on the reactor thread)."""
    return b"\x00" in body or _EXTENSION_BYTES_RE.search(body) is not None


def is_attachment_url(url: str) -> bool:
    return posixpath.splitext(urlsplit(url).path.lower())[1] in EXTENSIONS


def attachment_links(html: str, base_url: str) -> list[ListLink]:
    """(url, file name as shown) of every attachment link, in page order, once each."""
    seen: set[str] = set()
    out: list[ListLink] = []
    for href, label in _A_RE.findall(html):
        url = urljoin(base_url, href.strip())
        if not is_attachment_url(url) or url in seen:
            continue
        seen.add(url)
        name = _TAG_RE.sub("", label).strip() or posixpath.basename(unquote(urlsplit(url).path))
        out.append(ListLink(url, name))
    return out
