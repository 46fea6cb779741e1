"""A Yunnan-style information-disclosure platform: articles named after their 索引号
(`/xxgk/<org code>/info/2019-10033.html`), the header as label and value in separate
blocks (索引号 / 发文机构 / 公开目录 / 主题分类 / 文 号 / 发文日期, the date with its time:
`2019-01-20 10:48:26`), the body in `div#content`; the list is paged only by
page-number links (`?page=2`) and a 共N页 note, with times in the list dates."""
from __future__ import annotations

from html import escape

from xxgk.portal import facts as demo_facts
from replicas.common import (
    HTML_UTF8, Entry, Replica, body_html, finish, newest_first, notice_entry, pages_of, report_entry,
    report_indices,
)

NAME = "yunnan"
LIST_PATH = "/zfxxgk/zfxxgknb.html"
SITE = "江澜市人民政府信息公开门户"
COLUMN_NAME = "政府信息公开年报"
PER_PAGE = 5
N_REPORTS = 7
NOTICES = (6, 9, 10, 13)
FIRST_REPORT = 40


def clock(n: int) -> str:
    """A plausible publishing time of day, fixed per entry."""
    return f"{9 + n % 8:02d}:{(n * 17) % 60:02d}:{(n * 31 + 7) % 60:02d}"


def _org_and_serial(index_no: str) -> tuple[str, str]:
    org, _, rest = index_no.partition("/")
    return org, rest


def _head(title: str) -> str:
    return ('<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n"
            '<link rel="stylesheet" href="/static/css/xxgk.css">\n</head>\n<body>\n'
            f'<div class="header"><div class="site">{SITE}</div></div>\n')


_FOOT = ('<div class="footer"><p>江澜市人民政府办公室主办</p><p>网站标识码：3300000001</p></div>\n'
         '<script src="/static/js/jquery.min.js"></script>\n</body>\n</html>\n')


def list_page(entries: list[Entry], p: int, count: int, times: dict[str, str]) -> str:
    items = "\n".join(
        f'<li><a href="{e.key}" target="_blank" title="{escape(e.title)}">{escape(e.title)}</a>'
        f'<span class="date">{e.published.isoformat()} {times[e.key]}</span></li>' for e in entries)
    numbers = "".join(f'<a class="on" href="?page={n}">{n}</a>' if n == p + 1 else f'<a href="?page={n}">{n}</a>'
                      for n in range(1, count + 1))
    total = sum(1 for _ in entries)
    return (_head(f"{COLUMN_NAME}-{SITE}")
            + f'<div class="position">您现在的位置：<a href="/">首页</a> &gt; <a href="/zfxxgk/">政府信息公开</a> &gt; {COLUMN_NAME}</div>\n'
            + f'<div class="list-box"><div class="list-title">{COLUMN_NAME}</div>\n<ul class="info-list">\n{items}\n</ul>\n'
            + f'<div class="pagination">{numbers}<span class="total">共{count}页，本页{total}条</span></div></div>\n'
            + _FOOT)


def _blocks(pairs: list[tuple[str, str]]) -> str:
    rows = "\n".join(f'<div class="info-item"><div class="info-label">{escape(label)}</div>'
                     f'<div class="info-value">{escape(value)}</div></div>' for label, value in pairs)
    return f'<div class="info-box">\n{rows}\n</div>\n'


def article_page(e: Entry, when: str) -> str:
    a = e.article
    meta = dict(a.metadata)
    written = e.report.written_date if e.report else a.published_date
    publisher = e.report.publisher if e.report else meta.get("发布机构", "")
    pairs = [("索引号", meta.get("索引号", "")), ("发文机构", publisher), ("公开目录", COLUMN_NAME),
             ("主题分类", "综合政务"), ("文 号", ""), ("发文日期", f"{written} {when}")]
    return (_head(f"{a.title}-{SITE}")
            + f'<div class="position">您现在的位置：<a href="/">首页</a> &gt; <a href="{LIST_PATH}">{COLUMN_NAME}</a> &gt; 正文</div>\n'
            + '<div class="detail">\n' + _blocks(pairs)
            + f'<div class="detail-title"><h2>{escape(a.title)}</h2></div>\n'
            + '<div class="detail-content" id="content">\n' + body_html(a, "plain") + "</div>\n</div>\n" + _FOOT)


def build() -> Replica:
    entries = [notice_entry(j, "") for j in NOTICES]
    entries += [report_entry(i, "") for i in report_indices(N_REPORTS, FIRST_REPORT)]
    entries = newest_first(entries)
    times: dict[str, str] = {}
    for n, e in enumerate(entries):
        index_no = dict(e.article.metadata).get("索引号") or f"{demo_facts.OFFICE_CODE}/{e.published.year}-{n:05d}"
        org, serial = _org_and_serial(index_no)
        e.rekey(f"/xxgk/{org}/info/{serial}.html")
        times[e.key] = clock(n)
    replica = Replica(NAME, "yunnan", __doc__.split("\n")[0], LIST_PATH)
    pages = pages_of(entries, PER_PAGE)
    for p, chunk in enumerate(pages):
        html = list_page(chunk, p, len(pages), times).encode("utf-8")
        key = f"{LIST_PATH}?page={p + 1}"
        replica.add(key, html, HTML_UTF8)
        if p == 0:                              # the bare address is page 1
            replica.add(LIST_PATH, html, HTML_UTF8)
        replica.list_paths.append(LIST_PATH if p == 0 else key)
    for e in entries:
        replica.add(e.key, article_page(e, times[e.key]).encode("utf-8"), HTML_UTF8)
    return finish(replica, entries)
