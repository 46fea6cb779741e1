"""What every replica shares: report and notice content taken from the demo portal's
facts (xxgk.portal.facts), a static page store answering requests, and the markup of
the statistics table in the styles real portals print it.

A replica holds every page it serves, rendered up front (they are small): `pages`
maps a request key (path, plus the sorted query) to (content type, bytes).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from html import escape
from typing import Mapping, Optional
from urllib.parse import parse_qsl, urlencode, urlsplit

from pipelines.templates import PRE2019_COLUMNS
from xxgk.portal import facts as demo_facts
from xxgk.portal.facts import GBK, UTF8, Article, NoticeFacts, ReportFacts, StatTable

Response = tuple[int, dict[str, str], bytes]
SEED = 2018
ROBOTS_TXT = b"User-agent: *\nAllow: /\n"
HTML_UTF8 = "text/html; charset=utf-8"
NOT_FOUND = "<html><head><title>404</title></head><body><p>您访问的页面不存在。</p></body></html>"


def key_of(path: str, query: str = "") -> str:
    """Request key: the path, then the query's non-blank parameters sorted."""
    params = sorted(parse_qsl(query))
    return path + ("?" + urlencode(params) if params else "")


def key_of_url(url: str) -> str:
    parts = urlsplit(url)
    return key_of(parts.path or "/", parts.query)


@dataclass
class Entry:
    """One list entry of a replica: its page key, title, date and content."""
    key: str
    title: str
    published: date
    article: Article
    report: Optional[ReportFacts] = None     # None: a notice
    notice: Optional[NoticeFacts] = None

    @property
    def is_report(self) -> bool:
        return self.report is not None

    def rekey(self, key: str) -> "Entry":
        """Serve this entry at `key` (the facts' art_path follows)."""
        self.key = key
        if self.report is not None:
            self.report = dataclasses.replace(self.report, art_path=key)
        if self.notice is not None:
            self.notice = dataclasses.replace(self.notice, art_path=key)
        return self


@dataclass
class Replica:
    """A portal of one family on loopback: pages up front, facts to check a crawl against."""
    name: str
    family: str
    description: str
    start_path: str                                # path (and query) of the first list page
    reports: list[ReportFacts] = field(default_factory=list)
    notices: list[NoticeFacts] = field(default_factory=list)
    list_paths: list[str] = field(default_factory=list)
    pages: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    encoding: str = UTF8
    prose: dict[str, tuple[str, ...]] = field(default_factory=dict)   # report key → its paragraphs

    @property
    def start_paths(self) -> list[str]:     # what xxgk.portal.serve_portal callers use
        return [self.start_path]

    def add(self, key: str, body: bytes, content_type: str) -> None:
        """Serve body at key ("/path" or "/path?query"; parameter order does not matter)."""
        self.pages[key_of_url(key)] = (content_type, body)

    def handle(self, method: str, path: str, query: str = "", body: bytes = b"",
               headers: Optional[Mapping[str, str]] = None) -> Response:
        if method.upper() not in ("GET", "HEAD", "POST"):
            return 405, {"Allow": "GET, HEAD, POST", "Content-Length": "0"}, b""
        if path == "/robots.txt":
            return _answer(200, "text/plain", ROBOTS_TXT)
        found = self.pages.get(key_of(path, query))
        if found is None:
            return _answer(404, HTML_UTF8, NOT_FOUND.encode())
        content_type, data = found
        return _answer(200, content_type, data)


def _answer(status: int, content_type: str, data: bytes) -> Response:
    return status, {"Content-Type": content_type, "Content-Length": str(len(data))}, data


# --- content from the demo portal's facts -----------------------------------------------

def report_indices(count: int, start: int, encoding: Optional[str] = None,
                   contact_chars: str = "") -> list[int]:
    """Indices of generated demo reports (≥ start), pre-2019 template (the one statistics
    table these replicas print): with encoding GBK, only those whose prose names a contact
    outside GB2312, cycling through contact_chars (镕, 喆)."""
    out: list[int] = []
    i = max(start, demo_facts.FIRST_GENERATED)
    while len(out) < count:
        if demo_facts.report_facts(SEED, i).template != demo_facts.TEMPLATE:
            pass
        elif encoding is None or demo_facts.encoding_for(demo_facts.REPORT_ID0 + i) == encoding:
            if not contact_chars:
                out.append(i)
            else:
                want = contact_chars[len(out) % len(contact_chars)]
                if want in demo_facts.report_article(SEED, i).intro[0]:
                    out.append(i)
        i += 1
    return out


def report_entry(index: int, key: str, encoding: str = UTF8, **changes) -> Entry:
    """Demo report `index` served at `key` (facts adjusted by `changes`, e.g. what the
    page prints as 发布机构)."""
    f = dataclasses.replace(demo_facts.report_facts(SEED, index), art_path=key, encoding=encoding, **changes)
    article = demo_facts.report_article(SEED, index)
    return Entry(key, f.title, date.fromisoformat(f.published_date), article, report=f)


def notice_entry(j: int, key: str, encoding: str = UTF8) -> Entry:
    n = dataclasses.replace(demo_facts.notice_facts(j), art_path=key, encoding=encoding)
    return Entry(key, n.title, date.fromisoformat(n.published_date), demo_facts.notice_article(SEED, j), notice=n)


def newest_first(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.published, e.key), reverse=True)


def pages_of(entries: list[Entry], per_page: int) -> list[list[Entry]]:
    return [entries[k:k + per_page] for k in range(0, len(entries), per_page)] or [[]]


def finish(replica: Replica, entries: list[Entry]) -> Replica:
    replica.reports = [e.report for e in entries if e.report is not None]
    replica.notices = [e.notice for e in entries if e.notice is not None]
    replica.prose = {e.key: paragraphs(e.article) for e in entries if e.report is not None}
    return replica


def paragraphs(article: Article) -> tuple[str, ...]:
    out = list(article.intro)
    for heading, paras in article.sections:
        if heading:
            out.append(heading)
        out += list(paras)
    return tuple(out)


def metadata(article: Article) -> dict[str, str]:
    return dict(article.metadata)


def cn_date(d: date, pad: bool = False) -> str:
    return f"{d.year}年{d.month:02d}月{d.day:02d}日" if pad else f"{d.year}年{d.month}月{d.day}日"


def truncate(title: str, n: int, ellipsis: str = "...") -> str:
    return title if len(title) <= n else title[:n] + ellipsis


def encode(text: str, encoding: str) -> bytes:
    return text.encode(GBK if encoding == GBK else encoding)


# --- the statistics table ----------------------------------------------------------------

def caption_lines(table: StatTable) -> tuple[str, str]:
    return table.name, f"（{table.year}年度）"


def stat_table(table: StatTable, style: str) -> str:
    """The pre-2019 统计表 as one of: "plain" (a CMS editor's table), "word" (pasted from
    Word: MsoNormal paragraphs and spans in every cell), "legacy" (upper-case tags,
    attributes without quotes, &nbsp; for blanks and indents)."""
    head = list(PRE2019_COLUMNS)
    rows: list[str] = []
    if style == "word":
        def cell(text: str, width: int, align: str = "left") -> str:
            inner = f'<span style="font-size:10.5pt;font-family:宋体">{text}</span>' if text else "&nbsp;"
            return (f'<td width="{width}" valign="center" style="border:solid windowtext 1.0pt">'
                    f'<p class="MsoNormal" align="{align}" style="text-align:{align}">{inner}</p></td>')
        rows.append("<tr>" + "".join(cell(f"<b>{h}</b>", w, "center") for h, w in zip(head, (420, 80, 100))) + "</tr>")
        for c in table.cells:
            rows.append("<tr>" + cell(escape(c.row[-1]), 420) + cell(escape(c.unit), 80, "center")
                        + cell(escape(c.raw), 100, "center") + "</tr>")
        return ('<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" '
                'style="border-collapse:collapse;border:none">\n<tbody>\n' + "\n".join(rows) + "\n</tbody>\n</table>\n")
    if style == "legacy":
        rows.append("<TR>" + "".join(f"<TD align=middle><STRONG>{h}</STRONG></TD>" for h in head) + "</TR>")
        for c in table.cells:
            indent = "&nbsp;&nbsp;" * (len(c.row) - 1)
            rows.append(f"<TR><TD>{indent}{escape(c.row[-1])}</TD><TD align=middle>{escape(c.unit)}</TD>"
                        f"<TD align=middle>{escape(c.raw) or '&nbsp;'}</TD></TR>")
        return ("<TABLE cellSpacing=0 cellPadding=2 width=\"100%\" border=1>\n<TBODY>\n"
                + "\n".join(rows) + "\n</TBODY></TABLE>\n")
    rows.append("<tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>")
    for k, c in enumerate(table.cells):
        blank = ("", "&nbsp;", "　")[k % 3]
        rows.append(f"<tr><td>{escape(c.row[-1])}</td><td>{escape(c.unit)}</td><td>{escape(c.raw) or blank}</td></tr>")
    return '<table border="1" cellspacing="0" cellpadding="4" width="100%">\n' + "\n".join(rows) + "\n</table>\n"


def body_html(article: Article, style: str, para: str = '<p style="text-indent:2em">{}</p>',
              heading: str = '<p style="text-indent:2em"><strong>{}</strong></p>',
              caption: str = '<p style="text-align:center"><strong>{}</strong></p>',
              right: str = '<p style="text-align:right">{}</p>') -> str:
    """Prose, 附表 and table, then the signature: the body every family wraps."""
    out = [para.format(escape(p)) for p in article.intro]
    for head, paras in article.sections:
        if head:
            out.append(heading.format(escape(head)))
        out += [para.format(escape(p)) for p in paras]
    if article.table is not None:
        out.append(para.format(escape(demo_facts.APPENDIX_LABEL)))
        out += [caption.format(escape(c)) for c in caption_lines(article.table)]
        out.append(stat_table(article.table, style))
    out += [right.format(escape(line)) for line in article.signature]
    return "\n".join(out) + "\n"
