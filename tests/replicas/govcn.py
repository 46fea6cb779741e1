"""A column in the style of www.gov.cn (国务院 and the ministries on its template):
lists `home.htm`, `home_1.htm` … paged by plain 首页 / 上一页 / 下一页 / 尾页 links,
articles `/zhengce/content/2019-01/25/content_5360003.htm` laid out in nested layout
tables, the header as `table.bd1` (索 引 号 / 主题分类 / 发文机关 / 成文日期 / 标　　题 /
发文字号 / 发布日期, labels in <b> with full-width spaces, dates as 2018年12月21日) and
the body in `td#UCAP-CONTENT`."""
from __future__ import annotations

from datetime import date
from html import escape

from replicas.common import (
    HTML_UTF8, Entry, Replica, body_html, cn_date, finish, newest_first, notice_entry, pages_of,
    report_entry, report_indices,
)

NAME = "govcn"
LIST_DIR = "/zhengce/xxgknb/"
SITE = "江澜市人民政府"
COLUMN_NAME = "政府信息公开工作年度报告"
PER_PAGE = 4
N_REPORTS = 7
NOTICES = (0, 2, 5)
FIRST_REPORT = 20
DOC_ID0 = 5360001
TOPIC = "综合政务\\政务公开"


def article_key(d: date, doc_id: int) -> str:
    return f"/zhengce/content/{d:%Y-%m}/{d:%d}/content_{doc_id}.htm"


def list_name(p: int) -> str:
    return "home.htm" if p == 0 else f"home_{p}.htm"


def _head(title: str) -> str:
    return ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n<html>\n<head>\n'
            '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n'
            f"<title>{escape(title)}</title>\n"
            '<meta name="keywords" content="政策,政府信息公开" />\n</head>\n<body>\n'
            '<div class="header"><a href="/">首页</a> | <a href="/zhengce/">政策</a> | <a href="/hudong/">互动</a></div>\n')


_FOOT = ('<div class="footer">版权所有：江澜市人民政府　网站标识码：3300000001<br />'
         '江澜市人民政府办公室主办　江澜市大数据中心运行维护</div>\n</body>\n</html>\n')


def list_page(entries: list[Entry], p: int, count: int) -> str:
    items = "\n".join(
        f'<li><h4><a href="{e.key}" target="_blank">{escape(e.title)}</a>'
        f'<span class="date">{e.published.isoformat()}</span></h4></li>' for e in entries)
    links = [f'<a href="{list_name(0)}">首页</a>']
    if p > 0:
        links.append(f'<a href="{list_name(p - 1)}">上一页</a>')
    links.append(f"<span>{p + 1}</span>")
    if p < count - 1:
        links.append(f'<a href="{list_name(p + 1)}">下一页</a>')
    links.append(f'<a href="{list_name(count - 1)}">尾页</a>')
    return (_head(f"{COLUMN_NAME}_{SITE}")
            + f'<div class="crumb"><a href="/">首页</a> &gt; <a href="/zhengce/">政策</a> &gt; {COLUMN_NAME}</div>\n'
            + '<div class="news_box"><div class="list list_1 list_2"><ul>\n' + items + "\n</ul></div>\n"
            + '<div class="pages">' + " ".join(links) + "</div></div>\n" + _FOOT)


def _bd1(e: Entry) -> str:
    a, f = e.article, e.report
    meta = dict(a.metadata)
    written = date.fromisoformat(f.written_date) if f else date.fromisoformat(a.published_date)
    agency = f.publisher if f else meta.get("发布机构", "")
    return (
        '<table width="100%" border="0" cellspacing="0" cellpadding="0"><tr><td>\n'
        '<table class="bd1" width="100%" border="0" cellspacing="1" cellpadding="0" bgcolor="#D2D2D2">\n'
        f'<tr><td width="70"><b>索 引 号：</b></td><td width="260">{escape(meta.get("索引号", ""))}</td>'
        f'<td width="70"><b>主题分类：</b></td><td width="260">{escape(TOPIC)}</td></tr>\n'
        f"<tr><td><b>发文机关：</b></td><td>{escape(agency)}</td>"
        f"<td><b>成文日期：</b></td><td>{cn_date(written, pad=True)}</td></tr>\n"
        f'<tr><td><b>标　　题：</b></td><td colspan="3">{escape(a.title)}</td></tr>\n'
        f"<tr><td><b>发文字号：</b></td><td></td>"
        f"<td><b>发布日期：</b></td><td>{cn_date(date.fromisoformat(a.published_date), pad=True)}</td></tr>\n"
        '<tr><td width="70" valign="top"><b>主 题 词：</b></td><td colspan="3"></td></tr>\n'
        "</table>\n</td></tr></table>\n")


def article_page(e: Entry) -> str:
    a = e.article
    return (_head(f"{a.title}_{COLUMN_NAME}_{SITE}")
            + '<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0"><tr><td>\n'
            + f'<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="{LIST_DIR}{list_name(0)}">{COLUMN_NAME}</a></div>\n'
            + _bd1(e)
            + '<table width="100%" border="0" cellspacing="0" cellpadding="0"><tr>\n'
            + '<td class="b12c" id="UCAP-CONTENT">\n'
            + body_html(a, "plain", para="<p>　　{}</p>", heading="<p>　　<strong>{}</strong></p>",
                        caption='<p align="center">{}</p>', right='<p align="right">{}</p>')
            + "</td></tr></table>\n"
            + '<div class="editor">【我要纠错】 责任编辑：王丽</div>\n'
            + "</td></tr></table>\n" + _FOOT)


def build() -> Replica:
    entries = [notice_entry(j, "") for j in NOTICES]
    for i in report_indices(N_REPORTS, FIRST_REPORT):
        probe = report_entry(i, "")
        # gov.cn prints the issuing body in full under 发文机关: that is what the page states.
        entries.append(report_entry(i, "", publisher=probe.report.agency))
    entries = newest_first(entries)
    for n, e in enumerate(entries):
        e.rekey(article_key(e.published, DOC_ID0 + n))
    replica = Replica(NAME, "govcn", __doc__.split("\n")[0], LIST_DIR + list_name(0))
    pages = pages_of(entries, PER_PAGE)
    for p, chunk in enumerate(pages):
        replica.list_paths.append(LIST_DIR + list_name(p))
        replica.add(LIST_DIR + list_name(p), list_page(chunk, p, len(pages)).encode("utf-8"), HTML_UTF8)
    for e in entries:
        replica.add(e.key, article_page(e).encode("utf-8"), HTML_UTF8)
    return finish(replica, entries)
