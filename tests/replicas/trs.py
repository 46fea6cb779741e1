"""A TRS WCM (拓尔思) column, as Inner Mongolia's and many ministries' portals publish:
`…/zfxxgknb/index.html`, `index_1.html`, `index_2.html`, the page count only in
JavaScript (`var countPage = 3` … `createPageHTML(countPage, currentPage, "index",
"html")`), articles `./201902/t20190215_3147903.html` with ArticleTitle / PubDate /
ContentSource meta tags, the body in `div.TRS_Editor`, and the header block as a
label/value table on some pages and as `<li><span>label</span>value</li>` on others."""
from __future__ import annotations

from html import escape

from replicas.common import (
    HTML_UTF8, Entry, Replica, body_html, finish, metadata, newest_first, notice_entry, pages_of,
    report_entry, report_indices,
)

NAME = "trs"
COLUMN = "/zwgk/zfxxgkzl/zfxxgknb/"
SITE = "江澜市人民政府"
COLUMN_NAME = "政府信息公开年报"
PER_PAGE = 5
N_REPORTS = 8
NOTICES = (1, 3, 4, 8)
FIRST_REPORT = 1
DOC_ID0 = 3147901
OFFSITE_REPORT = "http://www.lanjiang-province.example/zwgk/zfxxgknb/201903/t20190315_99001.html"

# TRS templates carry the pager function inline on older sites; the call is what matters.
_PAGER_FUNCTION = r"""function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
	if(_nPageCount == null || _nPageCount<=1){ return; }
	var nCurrIndex = _nCurrIndex || 0;
	if(nCurrIndex == 0) document.write("<span>首页</span>&nbsp;");
	else document.write("<a href=\""+_sPageName+"."+_sPageExt+"\">首页</a>&nbsp;");
	for(var i=1; i<_nPageCount; i++){
		if(nCurrIndex == i) document.write("<span>"+(i+1)+"</span>&nbsp;");
		else document.write("<a href=\""+_sPageName+"_" + i + "."+_sPageExt+"\">"+(i+1)+"</a>&nbsp;");
	}
	if(nCurrIndex < _nPageCount-1) document.write("<a href=\""+_sPageName+"_" + (nCurrIndex+1) + "."+_sPageExt+"\">下一页</a>&nbsp;");
	document.write("<a href=\""+_sPageName+"_" + (_nPageCount-1) + "."+_sPageExt+"\">尾页</a>");
}"""


def article_key(entry_date, doc_id: int) -> str:
    return f"{COLUMN}{entry_date:%Y%m}/t{entry_date:%Y%m%d}_{doc_id}.html"


def _head(title: str, extra: str = "") -> str:
    return ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
            '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
            '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n'
            f'<meta name="SiteName" content="{SITE}" />\n<meta name="SiteDomain" content="www.jianglan.example" />\n'
            f'<meta name="ColumnName" content="{COLUMN_NAME}" />\n{extra}'
            f"<title>{escape(title)}</title>\n"
            '<script type="text/javascript" src="/images/common.js"></script>\n</head>\n<body>\n'
            f'<div class="top"><div class="logo">{SITE}</div><ul class="nav"><li><a href="/">首页</a></li>'
            '<li><a href="/zwgk/">政务公开</a></li><li><a href="/zwgk/zfxxgkzl/">政府信息公开专栏</a></li></ul></div>\n')


_FOOT = ('<div class="footer"><p>主办：江澜市人民政府办公室　承办：江澜市大数据中心</p>'
         '<p>网站标识码 3300000001　浙ICP备00000000号</p></div>\n</body>\n</html>\n')


def list_page(entries: list[Entry], page: int, count: int) -> str:
    items = "\n".join(
        f'<li><a href="./{e.key[len(COLUMN):]}" target="_blank" title="{escape(e.title)}">{escape(e.title)}</a>'
        f"<span>{e.published.isoformat()}</span></li>" for e in entries)
    side = ('<div class="left"><h3>政府信息公开</h3><ul>'
            '<li><a href="../zfxxgkzn/">政府信息公开指南</a></li><li><a href="../zfxxgkzd/">政府信息公开制度</a></li>'
            f'<li class="on"><a href="./">{COLUMN_NAME}</a></li><li><a href="../fdzdgknr/">法定主动公开内容</a></li></ul>'
            # the province's report, on another site: never to be fetched
            f'<h3>上级年报</h3><ul><li><a href="{OFFSITE_REPORT}" target="_blank">澜江省人民政府2018年政府信息公开工作年度报告</a></li></ul></div>\n')
    pager = ('<div class="page"><script type="text/javascript">\n' + _PAGER_FUNCTION + "\n"
             f"var currentPage = {page};//所在页从0开始\nvar prevPage = currentPage-1//上一页\n"
             f"var nextPage = currentPage+1//下一页\nvar countPage = {count}//共多少页\n"
             'createPageHTML(countPage, currentPage, "index", "html");\n</script></div>\n')
    return (_head(f"{COLUMN_NAME}_{SITE}") + side
            + f'<div class="right"><div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="../">政府信息公开专栏</a> &gt; {COLUMN_NAME}</div>\n'
            + f'<ul class="list_con">\n{items}\n</ul>\n{pager}</div>\n' + _FOOT)


def _header_block(meta: dict[str, str], as_table: bool) -> str:
    pairs = list(meta.items())
    if as_table:
        rows = []
        for k in range(0, len(pairs), 2):
            cells = "".join(f'<td class="td_lable">{escape(label)}：</td><td class="td_value">{escape(value)}</td>'
                            for label, value in pairs[k:k + 2])
            rows.append(f"<tr>{cells}</tr>")
        return '<table class="xxgk_table" width="100%" border="0" cellspacing="0" cellpadding="0">\n' + "\n".join(rows) + "\n</table>\n"
    items = "".join(f"<li><span>{escape(label)}：</span>{escape(value)}</li>" for label, value in pairs)
    return f'<ul class="xxgk_info">{items}</ul>\n'


def article_page(e: Entry, k: int) -> str:
    a = e.article
    meta = metadata(a)
    source = e.report.publisher if e.report else meta.get("发布机构", "")
    tags = (f'<meta name="ArticleTitle" content="{escape(a.title)}" />\n'
            f'<meta name="PubDate" content="{a.published_date} 09:30" />\n'
            f'<meta name="ContentSource" content="{escape(source)}" />\n'
            f'<meta name="Keywords" content="{COLUMN_NAME}" />\n')
    body = body_html(a, "word", para='<p style="text-indent:2em"><span style="font-family:仿宋_GB2312;font-size:16px">{}</span></p>')
    return (_head(f"{a.title}_{COLUMN_NAME}_{SITE}", tags)
            + f'<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="{COLUMN}">{COLUMN_NAME}</a> &gt; 正文</div>\n'
            + '<div class="article">\n' + _header_block(meta, as_table=k % 2 == 0)
            + f'<h1 class="article_title">{escape(a.title)}</h1>\n'
            + f'<div class="article_info">发布时间：{a.published_date} 09:30:00　作者：　来源：{escape(source)}</div>\n'
            + '<div class="TRS_Editor"><style type="text/css">.TRS_Editor P{line-height:2;font-size:12pt;}</style>\n'
            + '<div class="Custom_UnionStyle">\n' + body + "</div></div>\n"
            + '<div class="article_tools"><a href="javascript:window.print()">打印本页</a> <a href="javascript:window.close()">关闭窗口</a></div>\n'
            + "</div>\n" + _FOOT)


def build() -> Replica:
    entries = [notice_entry(j, "") for j in NOTICES]
    entries += [report_entry(i, "") for i in report_indices(N_REPORTS, FIRST_REPORT)]
    entries = newest_first(entries)
    for n, e in enumerate(entries):            # TRS names articles by month, date and document id
        e.rekey(article_key(e.published, DOC_ID0 + n))
    replica = Replica(NAME, "trs", __doc__.split("\n")[0], COLUMN)
    pages = pages_of(entries, PER_PAGE)
    for p, chunk in enumerate(pages):
        name = "index.html" if p == 0 else f"index_{p}.html"
        html = list_page(chunk, p, len(pages)).encode("utf-8")
        replica.add(COLUMN + name, html, HTML_UTF8)
        if p == 0:                              # the folder and index.html are one page
            replica.add(COLUMN, html, HTML_UTF8)
        replica.list_paths.append(COLUMN if p == 0 else COLUMN + name)
    for k, e in enumerate(entries):
        replica.add(e.key, article_page(e, k).encode("utf-8"), HTML_UTF8)
    return finish(replica, entries)

