"""Legacy GBK sites (the generic family: no system a crawler knows), in three encodings
real portals get wrong:

* `gbk_nocharset`: an old ASP CMS (ShowClass.asp / ShowArticle.asp) whose GBK pages
  declare NO charset anywhere (no HTTP charset, no <meta>); list titles cut to 20
  characters with "..." and no title attribute; 下一页 / 尾页 links and 页次：1/3页.
* `gbk_gb2312`: a static site whose pages say gb2312 (HTTP header and <meta>) while
  using GBK-only characters (镕, 喆 in contacts' names); index.htm, index_2.htm …
* `gbk_utf8header`: a DedeCMS-style site whose server sends `charset=utf-8` for GBK
  bytes (no <meta>); list_5_2.html page links, 末页.

Every page is GBK; every report names a contact whose name is outside GB2312.
"""
from __future__ import annotations

from datetime import date
from html import escape
from typing import Callable

from xxgk.portal.facts import GBK
from replicas.common import (
    Entry, Replica, body_html, cn_date, encode, finish, newest_first, notice_entry, pages_of, report_entry,
    report_indices, truncate,
)

SITE = "江澜市白沙区人民政府"
N_REPORTS = 5
CONTACT_CHARS = "镕喆"


def _entries(first_report: int, notices: tuple[int, ...]) -> list[Entry]:
    entries = [notice_entry(j, "", GBK) for j in notices]
    entries += [report_entry(i, "", GBK) for i in report_indices(N_REPORTS, first_report, GBK, CONTACT_CHARS)]
    return newest_first(entries)


def _meta_table(e: Entry, label_style: Callable[[str], str]) -> str:
    """The 信息公开 header as old sites paste it: a bordered two-pairs-a-row table."""
    meta = dict(e.article.metadata)
    written = e.report.written_date if e.report else e.article.published_date
    publisher = e.report.publisher if e.report else meta.get("发布机构", "")
    pairs = [("索引号", meta.get("索引号", "")), ("发布机构", publisher), ("生成日期", written), ("公开方式", "主动公开")]
    rows = []
    for k in range(0, len(pairs), 2):
        rows.append("<TR>" + "".join(f"<TD width=90 bgColor=#f5f5f5>{label_style(l)}</TD><TD>{escape(v)}</TD>"
                                     for l, v in pairs[k:k + 2]) + "</TR>")
    return "<TABLE class=xxgk cellSpacing=0 cellPadding=3 width=\"100%\" border=1>\n" + "\n".join(rows) + "\n</TABLE>\n"


# --- an old ASP CMS, no charset anywhere ----------------------------------------------------

def _asp_list(entries: list[Entry], p: int, count: int, total: int) -> str:
    items = "\n".join(
        f'<TR><TD width=12><IMG src="../Images/arrow.gif"></TD><TD><A href="ShowArticle.asp?ArticleID={e.key.rsplit("=", 1)[1]}" '
        f'target=_blank>{escape(truncate(e.title, 20))}</A></TD><TD width=90><FONT color=#999999>[{e.published.year}-{e.published.month}-{e.published.day}]</FONT></TD></TR>'
        for e in entries)
    base = "ShowClass.asp?ClassID=12"
    nav = [f'<A href="{base}">首页</A>' if p > 1 else "首页",
           f'<A href="{base}&amp;page={p - 1}">上一页</A>' if p > 1 else "上一页",
           f'<A href="{base}&amp;page={p + 1}">下一页</A>' if p < count else "下一页",
           f'<A href="{base}&amp;page={count}">尾页</A>' if p < count else "尾页"]
    return ("<HTML><HEAD><TITLE>政府信息公开年报--" + SITE + "</TITLE>\n"
            '<LINK href="../Skin/DefaultSkin.css" type=text/css rel=stylesheet></HEAD>\n<BODY leftMargin=0 topMargin=0>\n'
            f'<TABLE width=778 align=center><TR><TD class=top>{SITE}</TD></TR>\n'
            '<TR><TD>您现在的位置：<A href="../Index.asp">首页</A> &gt;&gt; <A href="../Article/Index.asp">政务公开</A> &gt;&gt; 政府信息公开年报</TD></TR></TABLE>\n'
            f"<TABLE width=778 align=center>\n{items}\n</TABLE>\n"
            f'<TABLE width=778 align=center><TR><TD align=center>共 {total} 篇文章　{"　".join(nav)}　页次：{p}/{count}页　20篇文章/页</TD></TR></TABLE>\n'
            "<TABLE width=778 align=center><TR><TD class=bottom>江澜市白沙区人民政府办公室　版权所有</TD></TR></TABLE>\n</BODY></HTML>\n")


def _asp_article(e: Entry) -> str:
    a = e.article
    return ("<HTML><HEAD><TITLE>" + escape(a.title) + "</TITLE></HEAD>\n<BODY leftMargin=0 topMargin=0>\n"
            f"<TABLE width=778 align=center><TR><TD class=top>{SITE}</TD></TR>\n"
            '<TR><TD>您现在的位置：<A href="../Index.asp">首页</A> &gt;&gt; <A href="ShowClass.asp?ClassID=12">政府信息公开年报</A> &gt;&gt; 正文</TD></TR></TABLE>\n'
            "<TABLE width=778 align=center><TR><TD>\n" + _meta_table(e, lambda l: l + "：")
            + f"<P align=center><FONT size=4><B>{escape(a.title)}</B></FONT></P>\n"
            f"<P align=center>作者：佚名　来源：本站原创　点击数：{len(a.title) * 11}　更新时间：{a.published_date}</P>\n"
            + '<DIV id=fontzoom class="content">\n'
            + body_html(a, "legacy", para="<P>　　{}</P>", heading="<P>　　<B>{}</B></P>",
                        caption="<P align=center>{}</P>", right="<P align=right>{}</P>")
            + "</DIV>\n</TD></TR></TABLE>\n"
            "<TABLE width=778 align=center><TR><TD class=bottom>江澜市白沙区人民政府办公室　版权所有</TD></TR></TABLE>\n</BODY></HTML>\n")


def build_no_charset() -> Replica:
    entries = _entries(first_report=80, notices=(1, 3, 14, 16))
    for n, e in enumerate(entries):
        e.rekey(f"/Article/ShowArticle.asp?ArticleID={1520 - n * 3}")
    replica = Replica("gbk_nocharset", "generic", "an old ASP CMS: GBK pages declaring no charset at all",
                      "/Article/ShowClass.asp?ClassID=12", encoding=GBK)
    pages = pages_of(entries, 3)
    for p, chunk in enumerate(pages, start=1):
        html = encode(_asp_list(chunk, p, len(pages), len(entries)), GBK)
        key = "/Article/ShowClass.asp?ClassID=12" + (f"&page={p}" if p > 1 else "")
        replica.list_paths.append(key)
        replica.add(key, html, "text/html")
    for e in entries:
        replica.add(e.key, encode(_asp_article(e), GBK), "text/html")
    return finish(replica, entries)


# --- a static site that says gb2312 --------------------------------------------------------

_GB_HEAD = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">\n'


# Friendly links with report titles on other sites (and on another port of this host, as
# a second server on one machine would be): a crawl stays on its start URL's site.
OFFSITE_LINKS = ("http://www.lanjiang-province.example/xxgk/ndbg/2018.htm",
                 "http://127.0.0.1:9/xxgk/ndbg/2018_shi.htm")
_LINKS = ('<div id="links">友情链接：'
          f'<a href="{OFFSITE_LINKS[0]}" target="_blank">澜江省人民政府2018年政府信息公开工作年度报告</a> '
          f'<a href="{OFFSITE_LINKS[1]}" target="_blank">江澜市人民政府2018年政府信息公开工作年度报告</a></div>\n')


def _static_list(entries: list[Entry], p: int, count: int) -> str:
    def name(n: int) -> str:
        return "index.htm" if n == 1 else f"index_{n}.htm"
    items = "\n".join(
        f'<li><span class="date">{e.published.isoformat()}</span><a href="{e.key.rsplit("/ndbg/", 1)[1]}" '
        f'title="{escape(e.title)}" target="_blank">{escape(truncate(e.title, 24, "…"))}</a></li>' for e in entries)
    nav = (f'<a href="{name(1)}">首页</a> '
           + (f'<a href="{name(p - 1)}">上一页</a> ' if p > 1 else "")
           + " ".join(f'<a href="{name(n)}">{n}</a>' if n != p else f"<b>{n}</b>" for n in range(1, count + 1))
           + (f' <a href="{name(p + 1)}">下一页</a>' if p < count else "")
           + f' <a href="{name(count)}">末页</a> 第{p}/{count}页')
    return ("<html>\n<head>\n" + _GB_HEAD + f"<title>年度报告 - {SITE}</title>\n</head>\n<body>\n"
            f'<div id="top"><img src="/images/banner.jpg" alt="{SITE}"></div>\n'
            '<div id="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/xxgk/">信息公开</a> &gt; 年度报告</div>\n'
            f'<div id="list"><ul>\n{items}\n</ul></div>\n<div id="pages">{nav}</div>\n'
            + _LINKS
            + f'<div id="foot">版权所有 {SITE} 建议使用1024×768分辨率浏览</div>\n</body>\n</html>\n')


def _static_article(e: Entry) -> str:
    a = e.article
    return ("<html>\n<head>\n" + _GB_HEAD + f"<title>{escape(a.title)}</title>\n</head>\n<body>\n"
            f'<div id="top"><img src="/images/banner.jpg" alt="{SITE}"></div>\n'
            '<div id="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/xxgk/ndbg/index.htm">年度报告</a> &gt; 正文</div>\n'
            + _meta_table(e, lambda l: (" ".join(l) if len(l) == 3 else l) + "：")
            + f'<h2 align="center">{escape(a.title)}</h2>\n'
            + f'<div class="time">发布日期：{cn_date(date.fromisoformat(a.published_date))}</div>\n'
            + '<div id="zoom">\n' + body_html(a, "plain") + "</div>\n"
            + '<div id="foot">版权所有 ' + SITE + "</div>\n</body>\n</html>\n")


def build_gb2312() -> Replica:
    entries = _entries(first_report=100, notices=(0, 4, 12, 15))
    for n, e in enumerate(entries):
        e.rekey(f"/xxgk/ndbg/{e.published:%Y%m}/{e.published:%Y%m%d}_{2200 + n}.htm")
    replica = Replica("gbk_gb2312", "generic", "a static site declaring gb2312 while using GBK-only characters",
                      "/xxgk/ndbg/index.htm", encoding=GBK)
    pages = pages_of(entries, 4)
    for p, chunk in enumerate(pages, start=1):
        key = "/xxgk/ndbg/" + ("index.htm" if p == 1 else f"index_{p}.htm")
        replica.list_paths.append(key)
        replica.add(key, encode(_static_list(chunk, p, len(pages)), GBK), "text/html; charset=gb2312")
    for e in entries:
        replica.add(e.key, encode(_static_article(e), GBK), "text/html; charset=gb2312")
    return finish(replica, entries)


# --- a DedeCMS-style site whose server says utf-8 --------------------------------------------

def _dede_list(entries: list[Entry], p: int, count: int) -> str:
    def name(n: int) -> str:
        return "list_5_1.html" if n == 1 else f"list_5_{n}.html"
    items = "\n".join(
        f'<li><a href="{e.key}" class="title">{escape(e.title)}</a><span class="info"><small>日期：</small>'
        f"{e.published.isoformat()}</span></li>" for e in entries)
    pager = (f"<li><a href='{name(1)}'>首页</a></li>"
             + (f"<li><a href='{name(p - 1)}'>上一页</a></li>" if p > 1 else "")
             + "".join(f"<li class=\"thisclass\">{n}</li>" if n == p else f"<li><a href='{name(n)}'>{n}</a></li>"
                       for n in range(1, count + 1))
             + (f"<li><a href='{name(p + 1)}'>下一页</a></li>" if p < count else "")
             + f"<li><a href='{name(count)}'>末页</a></li>"
             + f'<li><span class="pageinfo">共 <strong>{count}</strong>页<strong>{len(entries)}</strong>条</span></li>')
    return ("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
            f"<html>\n<head>\n<title>年度报告_{SITE}</title>\n"
            '<link href="/templets/default/style/dedecms.css" rel="stylesheet" media="screen" type="text/css" />\n</head>\n<body>\n'
            f'<div class="header">{SITE}</div>\n'
            '<div class="place"><strong>当前位置:</strong> <a href="/">主页</a> &gt; <a href="/a/xxgk/">信息公开</a> &gt; <a href="/a/xxgk/ndbg/">年度报告</a> &gt;</div>\n'
            f'<div class="listbox"><ul class="e2">\n{items}\n</ul></div>\n'
            f'<div class="dede_pages"><ul class="pagelist">{pager}</ul></div>\n'
            f'<div class="footer">Copyright &copy; {SITE} 版权所有</div>\n</body>\n</html>\n')


def _dede_article(e: Entry) -> str:
    a = e.article
    source = e.report.publisher if e.report else "本站"
    return ("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
            f"<html>\n<head>\n<title>{escape(a.title)}_{SITE}</title>\n"
            f'<meta name="keywords" content="年度报告" />\n<meta name="description" content="{escape(a.title)}" />\n'
            "</head>\n<body>\n"
            f'<div class="header">{SITE}</div>\n'
            '<div class="place"><strong>当前位置:</strong> <a href="/">主页</a> &gt; <a href="/a/xxgk/ndbg/">年度报告</a> &gt;</div>\n'
            f'<div class="viewbox"><div class="title"><h2>{escape(a.title)}</h2></div>\n'
            f'<div class="info"><small>时间:</small>{a.published_date} 09:12<small>来源:</small>{escape(source)} '
            '<small>作者:</small>admin <small>点击:</small><script src="/plus/count.php?view=yes&amp;aid=1&amp;mid=1" type="text/javascript"></script>次</div>\n'
            '<div class="content"><table width="100%"><tr><td>\n' + _meta_table(e, lambda l: l + "：")
            + body_html(a, "word") + "</td></tr></table></div>\n</div>\n"
            + f'<div class="footer">Copyright &copy; {SITE} 版权所有</div>\n</body>\n</html>\n')


def build_utf8_header() -> Replica:
    entries = _entries(first_report=120, notices=(2, 5, 10, 17))
    for n, e in enumerate(entries):
        e.rekey(f"/a/xxgk/ndbg/{e.published:%Y%m%d}/{310 - n * 7}.html")
    replica = Replica("gbk_utf8header", "generic", "a DedeCMS-style site whose server says utf-8 for GBK bytes",
                      "/a/xxgk/ndbg/", encoding=GBK)
    pages = pages_of(entries, 4)
    for p, chunk in enumerate(pages, start=1):
        html = encode(_dede_list(chunk, p, len(pages)), GBK)
        key = f"/a/xxgk/ndbg/list_5_{p}.html"
        replica.add(key, html, "text/html; charset=utf-8")
        if p == 1:                              # the folder and list_5_1.html are one page
            replica.add("/a/xxgk/ndbg/", html, "text/html; charset=utf-8")
        replica.list_paths.append("/a/xxgk/ndbg/" if p == 1 else key)
    for e in entries:
        replica.add(e.key, encode(_dede_article(e), GBK), "text/html; charset=utf-8")
    return finish(replica, entries)
