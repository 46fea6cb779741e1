"""The demo portal as a request handler, and a loopback HTTP server around it.

Portal.handle is pure (request in, status/headers/bytes out) so tests and benchmarks
can call it without sockets; serve_portal puts it behind a ThreadingHTTPServer.
Pages are rendered per request: a 100 000-report portal holds only its list order.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import re
import threading
import time
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator, Mapping, Optional, Union, overload
from urllib.parse import parse_qsl, unquote, urlsplit

from xxgk.portal import facts, layout, quzhou, render
from xxgk.portal.facts import (
    COLUMN_ID, COLUMN_PATH, FIRST_GENERATED, GBK, NOTICE_ID0, NOTICES, PER_PAGE, REPORT_ID0,
    SITE_NAME, STANDARD_REPORTS, Article, ListEntry, NoticeFacts, ReportFacts,
)

Response = tuple[int, dict[str, str], bytes]

MATERIALIZE_MAX = 2_000          # up to this many reports, portal.reports is a plain list
_ART_RE = re.compile(rf"^/art/(\d{{4}})/(\d{{1,2}})/(\d{{1,2}})/art_{COLUMN_ID}_(\d+)\.html$")
_COLUMN_PATHS = {COLUMN_PATH, f"/col/col{COLUMN_ID}/", f"/col/col{COLUMN_ID}"}
_PROXY_PATHS = {render.PROXY_PATH, "/module/jpage/dataproxy.jsp"}   # the older path answers too
_CHINA = timezone(timedelta(hours=8))
HTML_UTF8 = "text/html; charset=utf-8"
HTML_LEGACY = "text/html"        # GBK pages: no charset in the header, as old servers send them
XML_UTF8 = "text/xml; charset=utf-8"


class ReportSequence(Sequence):
    """portal.reports of a huge portal: each ReportFacts is generated when indexed."""

    def __init__(self, seed: int, n: int):
        self.seed, self.n = seed, n

    def __len__(self) -> int:
        return self.n

    @overload
    def __getitem__(self, i: int) -> ReportFacts: ...
    @overload
    def __getitem__(self, i: slice) -> list[ReportFacts]: ...

    def __getitem__(self, i: Union[int, slice]) -> Union[ReportFacts, list[ReportFacts]]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self.n))]
        if i < 0:
            i += self.n
        if not 0 <= i < self.n:
            raise IndexError(i)
        return quzhou.FACTS if i == quzhou.INDEX else layout.facts_at(self.seed, i)


# The "earlier" edition of the demo portal (what it served before): one more report, which the
# current edition no longer lists (a removal), and one report whose text was revised since (a
# change). `xxgk demo` crawls it first, then the current edition, so the archive has history.
EARLIER_EXTRA_REPORTS = 1
EARLIER_REVISED_INDEX = 119      # 江澜市农业局2019年度… in the standard demo
EARLIER_REVISED_TEXT = "本报告为初稿，正式版本以本网站后续发布为准。"


class Portal:
    """A Zhejiang-style jcms portal with one annual-report column (see module doc)."""

    def __init__(self, seed: int, n_reports: int, earlier: bool = False):
        self.earlier = earlier
        if earlier:
            n_reports += EARLIER_EXTRA_REPORTS
        self.seed = seed
        self.name = SITE_NAME
        self.start_paths = [COLUMN_PATH]
        lazy = ReportSequence(seed, n_reports)
        self.reports: Sequence[ReportFacts] = list(lazy) if n_reports <= MATERIALIZE_MAX else lazy
        self.notices: list[NoticeFacts] = [facts.notice_facts(j) for j in range(len(NOTICES))]
        removed = facts.removed_entry()
        self.missing_paths = [removed.art_path]
        self._n_reports = n_reports
        self._removed = removed
        self._order = self._list_order()

    # --- the list -----------------------------------------------------------------

    def _list_order(self) -> list[int]:
        """Article ids, newest first (ties: higher id first)."""
        keys = [(date.fromisoformat(n.published_date).toordinal(), n.art_id) for n in self.notices]
        keys.append((date.fromisoformat(self._removed.published_date).toordinal(), facts.REMOVED_NOTICE_ID))
        if self._n_reports > quzhou.INDEX:
            keys.append((quzhou.PUBLISHED.toordinal(), quzhou.ART_ID))
        keys += [(layout.plan_at(self.seed, i).published.toordinal(), REPORT_ID0 + i)
                 for i in range(FIRST_GENERATED, self._n_reports)]
        keys.sort(reverse=True)
        return [art_id for _day, art_id in keys]

    @property
    def total_records(self) -> int:
        return len(self._order)

    def entry(self, art_id: int) -> ListEntry:
        if art_id == facts.REMOVED_NOTICE_ID:
            return self._removed
        if art_id < REPORT_ID0:
            n = self.notices[art_id - NOTICE_ID0]
            return ListEntry(n.art_path, n.title, n.published_date)
        if art_id == quzhou.ART_ID:
            f = quzhou.FACTS
            return ListEntry(f.art_path, f.title, f.published_date)
        return layout.plan_at(self.seed, art_id - REPORT_ID0).entry

    def entries(self, start: int, stop: int) -> list[ListEntry]:
        """List entries start..stop-1 (0-based), newest first."""
        return [self.entry(art_id) for art_id in self._order[max(start, 0):max(stop, 0)]]

    # --- articles -----------------------------------------------------------------

    def article(self, path: str) -> Optional[Article]:
        m = _ART_RE.match(path)
        if not m:
            return None
        art_id = int(m.group(4))
        if NOTICE_ID0 <= art_id < NOTICE_ID0 + len(NOTICES):
            a = facts.notice_article(self.seed, art_id - NOTICE_ID0)
        elif art_id == quzhou.ART_ID and self._n_reports > quzhou.INDEX:
            a = quzhou.ARTICLE
        elif REPORT_ID0 + FIRST_GENERATED <= art_id < REPORT_ID0 + self._n_reports:
            a = layout.article_at(self.seed, art_id - REPORT_ID0)
        else:
            return None
        if self.earlier and art_id == REPORT_ID0 + EARLIER_REVISED_INDEX:
            a = dataclasses.replace(a, intro=a.intro + (EARLIER_REVISED_TEXT,))
        return a if a.art_path == path else None     # a wrong date in the path is a 404

    # --- requests -----------------------------------------------------------------

    def handle(self, method: str, path: str, query: str = "", body: bytes = b"",
               headers: Optional[Mapping[str, str]] = None) -> Response:
        """Answer one request. headers (optional) enables conditional GET (304)."""
        method = method.upper()
        if path in _PROXY_PATHS and method in ("GET", "HEAD", "POST"):
            return self._dataproxy(query, body)
        if method not in ("GET", "HEAD"):
            return 405, {"Allow": "GET, HEAD", "Content-Type": HTML_UTF8, "Content-Length": "0"}, b""
        if path in _COLUMN_PATHS:
            return self._column(query)
        if path in ("/", "/index.html"):
            return _ok(render.home_page().encode(), HTML_UTF8)
        if path == "/robots.txt":
            return _ok(render.ROBOTS_TXT.encode(), "text/plain; charset=utf-8")
        article = self.article(path)
        if article is None:
            page = render.not_found_page().encode()
            return 404, {"Content-Type": HTML_UTF8, "Content-Length": str(len(page))}, page
        return self._article(article, _lower(headers or {}))

    def _column(self, query: str) -> Response:
        params = dict(parse_qsl(query))
        pages = max(1, -(-self.total_records // PER_PAGE))
        page = min(max(_int(params.get("pageNum"), 1), 1), pages)    # jcms's static paging parameter
        start = (page - 1) * PER_PAGE
        html = render.column_page(self.entries(start, start + PER_PAGE), self.total_records, page)
        return _ok(html.encode(), HTML_UTF8)

    def _dataproxy(self, query: str, body: bytes) -> Response:
        """Records startrecord..endrecord (1-based, inclusive, clipped) or page N.

        Parameters come from the query string and the form body (body wins). A missing
        columnid answers 400; an unknown columnid answers 200 with an empty recordset and
        totalrecord 0, as a real jcms does for a column it does not have.
        """
        params = dict(parse_qsl(query))
        params.update(parse_qsl(body.decode("utf-8", "replace")))
        per_page = _int(params.get("perpage"), PER_PAGE)
        start, end = _int(params.get("startrecord"), 0), _int(params.get("endrecord"), 0)
        if "columnid" not in params or None in (per_page, start, end) or per_page <= 0:
            return _bad_request()
        if params["columnid"] != str(COLUMN_ID):
            return _ok(render.dataproxy_xml([], 0, per_page).encode(), XML_UTF8)
        if not start:
            page = _int(params.get("page"), 1)
            if page is None:
                return _bad_request()
            start, end = (page - 1) * per_page + 1, page * per_page
        entries = self.entries(start - 1, min(end, self.total_records)) if end >= start >= 1 else []
        return _ok(render.dataproxy_xml(entries, self.total_records, per_page).encode(), XML_UTF8)

    def _article(self, article: Article, headers: Mapping[str, str]) -> Response:
        page = render.article_page(article).encode(article.encoding)
        published = date.fromisoformat(article.published_date)
        modified = datetime(published.year, published.month, published.day, 9, 30, tzinfo=_CHINA)
        meta = {
            "Content-Type": HTML_LEGACY if article.encoding == GBK else HTML_UTF8,
            "Last-Modified": format_datetime(modified.astimezone(timezone.utc), usegmt=True),
            "ETag": '"' + hashlib.blake2b(page, digest_size=10).hexdigest() + '"',
        }
        if _not_modified(headers, meta["ETag"], modified):
            return 304, meta, b""
        meta["Content-Length"] = str(len(page))
        return 200, meta, page


def _int(text: Optional[str], default: int) -> Optional[int]:
    """int of a parameter; default when absent, None when malformed."""
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        return None


def _ok(data: bytes, content_type: str) -> Response:
    return 200, {"Content-Type": content_type, "Content-Length": str(len(data))}, data


def _bad_request() -> Response:
    data = b"bad request: dataproxy.jsp needs columnid and numeric startrecord/endrecord/perpage"
    return 400, {"Content-Type": "text/plain; charset=utf-8", "Content-Length": str(len(data))}, data


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _not_modified(headers: Mapping[str, str], etag: str, modified: datetime) -> bool:
    """RFC 9110: If-None-Match decides when present; else If-Modified-Since."""
    inm = headers.get("if-none-match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or etag in tags
    ims = headers.get("if-modified-since")
    if ims:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=timezone.utc)
        return modified <= since
    return False


def build_demo_portal(seed: int = 2018, n_reports: Optional[int] = None,
                      earlier: bool = False) -> Portal:
    """The standard demo (None: STANDARD_REPORTS reports, the reference report first) or a
    portal of exactly n_reports reports. Notices and the removed entry are always there.
    `earlier`: the edition served before (see EARLIER_EXTRA_REPORTS)."""
    n = STANDARD_REPORTS if n_reports is None else n_reports
    if n < 0:
        raise ValueError("n_reports must be ≥ 0")
    return Portal(seed, n, earlier=earlier)


def _handler_for(portal: Portal, delay: float = 0.0) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"       # keep-alive: every answer has a Content-Length
        server_version = "jcms-demo"

        def _answer(self, send_body: bool) -> None:
            if delay:
                time.sleep(delay)
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, headers, data = portal.handle(self.command, unquote(url.path), url.query, body,
                                                  dict(self.headers.items()))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if send_body and status != 304:
                self.wfile.write(data)

        def do_GET(self) -> None:
            self._answer(True)

        def do_POST(self) -> None:
            self._answer(True)

        def do_HEAD(self) -> None:
            self._answer(False)

        def log_message(self, format: str, *args: object) -> None:  # quiet: tests and crawls
            pass

    return Handler


@contextlib.contextmanager
def serve_handler(handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1", port: int = 0,
                  name: str = "xxgk-portal", tls=None) -> Iterator[str]:
    """Serve a request handler in a daemon thread; yields the base URL ("http://127.0.0.1:PORT",
    or https with `tls`, a server-side ssl.SSLContext: a portal that moved to https)."""
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls is not None else 'http'}://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def serve_portal(portal: Portal, host: str = "127.0.0.1", port: int = 0,
                 delay: float = 0.0, tls=None) -> Iterator[str]:
    """Serve portal in a daemon thread; yields the base URL ("http://127.0.0.1:PORT"; https
    with `tls`, see serve_handler). `delay`: seconds every answer waits (a slow portal, for
    tests of concurrent crawls)."""
    with serve_handler(_handler_for(portal, delay), host, port, "xxgk-demo-portal", tls) as url:
        yield url
