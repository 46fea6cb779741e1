"""An ASP.NET WebForms portal, like Yunnan's 人社厅 (`InfoPublic.aspx?cid=1019&pid=971
&page=1&kw=`): every page is one big <form> with __VIEWSTATE / __EVENTVALIDATION hidden
fields, the pager shows plain links with page numbers next to `javascript:__doPostBack`
links, other columns differ only in `cid`; articles `InfoDetail.aspx?id=…`, the header
as `label：value` runs on one line, the body in a server control's <div>."""
from __future__ import annotations

import base64
import hashlib
from html import escape

from replicas.common import (
    HTML_UTF8, Entry, Replica, body_html, finish, newest_first, notice_entry, pages_of, report_entry,
    report_indices,
)

NAME = "aspnet"
LIST = "/InfoPublic.aspx"
DETAIL = "/InfoDetail.aspx"
CID, PID = 1019, 971
SITE = "江澜市人力资源和社会保障局"
COLUMN_NAME = "政府信息公开年报"
PER_PAGE = 4
N_REPORTS = 6
NOTICES = (7, 11, 14)
FIRST_REPORT = 60
INFO_ID0 = 58210


def list_url(p: int, cid: int = CID) -> str:
    return f"{LIST}?cid={cid}&pid={PID}&page={p}&kw="


def _viewstate(seed: str, size: int) -> str:
    """Opaque base64 noise of a realistic size (WebForms state is long and meaningless here)."""
    out, block = b"", seed.encode()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return "/wEPDwUK" + base64.b64encode(out[:size]).decode()


def _form_open(action: str, seed: str) -> str:
    return (f'<form name="aspnetForm" method="post" action="{escape(action)}" id="aspnetForm">\n<div>\n'
            '<input type="hidden" name="__EVENTTARGET" id="__EVENTTARGET" value="" />\n'
            '<input type="hidden" name="__EVENTARGUMENT" id="__EVENTARGUMENT" value="" />\n'
            f'<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{_viewstate(seed, 3000)}" />\n</div>\n'
            "<script type=\"text/javascript\">\n//<![CDATA[\nvar theForm = document.forms['aspnetForm'];\n"
            "function __doPostBack(eventTarget, eventArgument) {\n"
            "    if (!theForm.onsubmit || (theForm.onsubmit() != false)) {\n"
            "        theForm.__EVENTTARGET.value = eventTarget;\n        theForm.__EVENTARGUMENT.value = eventArgument;\n"
            "        theForm.submit();\n    }\n}\n//]]>\n</script>\n")


def _form_close(seed: str) -> str:
    return ('<div>\n<input type="hidden" name="__VIEWSTATEGENERATOR" id="__VIEWSTATEGENERATOR" value="4A3C1E2B" />\n'
            f'<input type="hidden" name="__EVENTVALIDATION" id="__EVENTVALIDATION" value="{_viewstate(seed + "ev", 300)}" />\n'
            "</div></form>\n")


def _head(title: str) -> str:
    return ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
            '<html xmlns="http://www.w3.org/1999/xhtml">\n<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8" />'
            f"<title>\n\t{escape(title)}\n</title></head>\n<body>\n")


def _nav() -> str:
    cols = ((1017, "政府信息公开指南"), (1018, "政府信息公开制度"), (CID, COLUMN_NAME), (1143, "行政事业性收费"))
    items = "".join(f'<li><a href="{escape(list_url(1, c))}">{name}</a></li>' for c, name in cols)
    return (f'<div class="top"><a href="/Default.aspx">{SITE}</a></div>\n'
            f'<div class="menu"><ul>{items}</ul>'
            "<a id=\"ctl00_lbtnSearch\" href=\"javascript:__doPostBack('ctl00$lbtnSearch','')\">搜索</a></div>\n")


_FOOT = ('<div class="bottom">主办单位：江澜市人力资源和社会保障局　技术支持：江澜市信息中心</div>\n')


def list_page(entries: list[Entry], p: int, count: int, n_records: int) -> str:
    rows = "\n".join(
        f'<tr><td class="title"><a href="{escape(e.key)}" target="_blank" title="{escape(e.title)}">{escape(e.title)}</a></td>'
        f'<td class="date">{e.published:%Y/%m/%d}</td></tr>' for e in entries)
    numbers = " ".join(f"<span class=\"current\">{n}</span>" if n == p else f'<a href="{escape(list_url(n))}">{n}</a>'
                       for n in range(1, count + 1))
    postback = ("<a href=\"javascript:__doPostBack('ctl00$ContentPlaceHolder1$AspNetPager1','{}')\">{}</a>")
    pager = (f'<div id="ctl00_ContentPlaceHolder1_AspNetPager1" class="pager">共{n_records}条记录 第{p}/{count}页 '
             + (postback.format(p - 1, "上一页") if p > 1 else "<span>上一页</span>") + " "
             + numbers + " "
             + (postback.format(p + 1, "下一页") if p < count else "<span>下一页</span>") + "</div>\n")
    action = list_url(p)[1:]
    return (_head(f"{COLUMN_NAME}-{SITE}") + _form_open("./" + action, f"list{p}") + _nav()
            + f'<div class="location">当前位置：<a href="/Default.aspx">首页</a> &gt; {COLUMN_NAME}</div>\n'
            + '<input name="ctl00$ContentPlaceHolder1$txtKeyword" type="text" id="ctl00_ContentPlaceHolder1_txtKeyword" />\n'
            + f'<table class="infolist" width="100%">\n{rows}\n</table>\n' + pager
            + _FOOT + _form_close(f"list{p}") + "</body>\n</html>\n")


def article_page(e: Entry) -> str:
    a = e.article
    meta = dict(a.metadata)
    written = e.report.written_date if e.report else a.published_date
    publisher = e.report.publisher if e.report else meta.get("发布机构", "")
    info = ("&nbsp;&nbsp;".join(f"<span>{label}：{escape(value)}</span>" for label, value in (
        ("索引号", meta.get("索引号", "")), ("发布机构", publisher), ("生成日期", written), ("公开方式", "主动公开"))))
    return (_head(f"{a.title}-{SITE}") + _form_open(e.key[1:], e.key) + _nav()
            + f'<div class="location">当前位置：<a href="/Default.aspx">首页</a> &gt; <a href="{escape(list_url(1))}">{COLUMN_NAME}</a> &gt; 正文</div>\n'
            + f'<div class="info_head">{info}</div>\n'
            + f'<h1 id="ctl00_ContentPlaceHolder1_lblTitle">{escape(a.title)}</h1>\n'
            + f'<div class="info_time">发布时间：{a.published_date}　浏览次数：<span id="ctl00_ContentPlaceHolder1_lblHits">{len(a.title) * 37}</span></div>\n'
            + '<div class="info_con" id="ctl00_ContentPlaceHolder1_lblContent">\n' + body_html(a, "word") + "</div>\n"
            + _FOOT + _form_close(e.key) + "</body>\n</html>\n")


def build() -> Replica:
    entries = [notice_entry(j, "") for j in NOTICES]
    entries += [report_entry(i, "") for i in report_indices(N_REPORTS, FIRST_REPORT)]
    entries = newest_first(entries)
    for n, e in enumerate(entries):
        e.rekey(f"{DETAIL}?id={INFO_ID0 + n}&cid={CID}")
    replica = Replica(NAME, "aspnet", __doc__.split("\n")[0], list_url(1))
    pages = pages_of(entries, PER_PAGE)
    for p, chunk in enumerate(pages, start=1):
        replica.list_paths.append(list_url(p))
        replica.add(list_url(p), list_page(chunk, p, len(pages), len(entries)).encode("utf-8"), HTML_UTF8)
    for e in entries:
        replica.add(e.key, article_page(e).encode("utf-8"), HTML_UTF8)
    return finish(replica, entries)
