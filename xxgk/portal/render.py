"""Markup of the demo portal, shaped like Hanweb jcms pages (column, dataproxy, article).

Pure functions from page models to text; the caller encodes (UTF-8 or GBK). Only the
layout lives here: what a page says was decided in facts.py.
"""
from __future__ import annotations

from html import escape
from urllib.parse import quote

from xxgk.portal.facts import (
    APPENDIX_LABEL, COLUMN_ID, COLUMN_PATH, GBK, PER_PAGE, SITE_NAME, UNIT_ID, WEB_ID, WEB_NAME,
    Article, ExpectedCell, ListEntry, Look, NationalTables, StatTable,
)
from pipelines.templates import PRE2019_COLUMNS, T2_ROW_HEADER, T3_COLUMNS, T3_CORNER, T4_RESULTS

PROXY_PATH = "/module/web/jpage/dataproxy.jsp"
HOME = "首页"
SECTION = "信息公开"
COLUMN_NAME = "政府信息公开年报"
CRUMB_LEAD = "当前位置："
CRUMB_TAIL = "正文"
PUBLISHED_LABEL = "发布日期："
FOOTER = "江澜市人民政府办公室 主办　｜　演示门户：城市、机构与数据均为虚构"
NOT_FOUND = "您访问的页面不存在或已被删除。"
TITLE_CHARS = 26                 # list titles longer than this are cut, as jcms does
ELLIPSIS = "…"
COLONS = ("：", ":")
LABEL_SPACES = ("", " ", "\u3000")
BLANKS = ("", "&nbsp;", " ")    # how an empty statistics cell is typed
CAPTION_YEAR = "（{year}年度）"


def _head(title: str, encoding: str) -> str:
    meta = ('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">' if encoding == GBK
            else '<meta charset="utf-8">')
    return (f"<!DOCTYPE html>\n<html>\n<head>\n{meta}\n<title>{escape(title)}</title>\n"
            '<style>body{font-family:sans-serif;margin:0 auto;max-width:1000px}'
            ".xxgk_table td,.xxgk_table th{border:1px solid #ccc;padding:4px}"
            "#zoom table{border-collapse:collapse}#zoom td{border:1px solid #999;padding:2px 6px}"
            ".list li span{float:right}</style>\n</head>\n<body>\n")


def _top(tail: str = "") -> str:
    crumb = (f'<a href="/">{HOME}</a> &gt; <a href="{COLUMN_PATH}">{SECTION}</a> &gt; '
             f'<a href="{COLUMN_PATH}">{COLUMN_NAME}</a>' + (f" &gt; {tail}" if tail else ""))
    return (f'<div class="header"><div class="logo">{escape(WEB_NAME)}</div>'
            f'<ul class="nav"><li><a href="/">{HOME}</a></li><li><a href="{COLUMN_PATH}">{SECTION}</a></li></ul></div>\n'
            f'<div class="crumb">{CRUMB_LEAD}{crumb}</div>\n')


_BOTTOM = f'<div class="footer"><p>{FOOTER}</p></div>\n</body>\n</html>\n'


# --- Lists ----------------------------------------------------------------------------

def list_record(entry: ListEntry) -> str:
    shown = entry.title if len(entry.title) <= TITLE_CHARS else entry.title[:TITLE_CHARS - 1] + ELLIPSIS
    return (f'<li><a href="{escape(entry.art_path)}" title="{escape(entry.title)}" target="_blank">'
            f"{escape(shown)}</a><span>{entry.published_date}</span></li>")


def _records(entries: list[ListEntry]) -> str:
    return "".join(f"<record><![CDATA[\n{list_record(e)}]]></record>\n" for e in entries)


def _proxy_params() -> str:
    return (f"webid={WEB_ID}&path=/&columnid={COLUMN_ID}&unitid={UNIT_ID}"
            f"&webname={quote(WEB_NAME)}&permissiontype=0")


# Renders the embedded records for people using a browser and pages through dataproxy.jsp
# the way jcms's jpage plugin does. Crawlers read only the configuration object.
_PAGER_JS = r"""(function(o){
var box=document.getElementById(o.unitid),tag='rec'+'ord';
var re=new RegExp('<'+tag+'><!\\[CDATA\\[([\\s\\S]*?)\\]\\]></'+tag+'>','g');
var ul=document.createElement('ul'),bar=document.createElement('div');
ul.className='list';bar.className='pager';box.appendChild(ul);box.appendChild(bar);
function show(x){var m,h='';re.lastIndex=0;while((m=re.exec(x)))h+=m[1];ul.innerHTML=h;}
function pager(p){var n=Math.ceil(o.totalRecord/o.perPage),h='';
for(var i=1;i<=n;i++)h+=(i==p?'<b>'+i+'</b> ':'<a href="javascript:void(0)" data-p="'+i+'">'+i+'</a> ');
bar.innerHTML=o.totalRecord+' / '+h;}
function go(p){var s=(p-1)*o.perPage+1,e=Math.min(p*o.perPage,o.totalRecord),x=new XMLHttpRequest();
x.open('POST',o.proxyUrl+'?startrecord='+s+'&endrecord='+e+'&perpage='+o.perPage);
x.setRequestHeader('Content-Type','application/x-www-form-urlencoded');
x.onload=function(){show(x.responseText);pager(p);};
x.send('col=1&appid=1&webid='+o.webid+'&path=/&columnid='+o.columnid+'&sourceContentType=1&unitid='+o.unitid+
'&webname='+encodeURIComponent(o.webname)+'&permissiontype=0');}
bar.onclick=function(ev){var p=ev.target.getAttribute('data-p');if(p)go(+p);};
show(box.getElementsByTagName('script')[0].text);pager(o.page);
})"""


def column_page(entries: list[ListEntry], total: int, page: int = 1) -> str:
    """The annual-report column: chrome, then one page of records as jcms embeds them."""
    config = (f"{{proxyUrl:'{PROXY_PATH}',perPage:{PER_PAGE},totalRecord:{total},page:{page},"
              f"webid:'{WEB_ID}',columnid:'{COLUMN_ID}',unitid:'{UNIT_ID}',webname:'{WEB_NAME}'}}")
    return (_head(f"{COLUMN_NAME} - {SITE_NAME}", "utf-8") + _top()
            + f'<div class="list_box">\n<div class="list_title">{COLUMN_NAME}</div>\n'
            f'<div id="{UNIT_ID}"><script type="text/xml"><datastore>'
            f'<nextgroup><![CDATA[<a href="{PROXY_PATH}?page={page}&{_proxy_params()}"></a>]]></nextgroup>'
            f"<recordset>\n{_records(entries)}</recordset></datastore></script>"
            f'<script type="text/javascript">\n{_PAGER_JS}({config});\n</script></div>\n</div>\n' + _BOTTOM)


def dataproxy_xml(entries: list[ListEntry], total: int, per_page: int) -> str:
    pages = -(-total // per_page) if per_page > 0 else 0
    return ('<?xml version="1.0" encoding="utf-8"?>\n<datastore>\n'
            f"<totalrecord>{total}</totalrecord>\n<totalpage>{pages}</totalpage>\n"
            f"<recordset>\n{_records(entries)}</recordset>\n</datastore>\n")


# --- Articles -------------------------------------------------------------------------

def _label(label: str, look: Look) -> str:
    spaced = LABEL_SPACES[look.label_spacing].join(label) if len(label) == 3 else label
    return spaced + COLONS[look.ascii_colon]


def _label_cell(text: str, look: Look) -> str:
    if look.label_tag == 1:
        return f'<th class="xxgk_label">{text}</th>'
    if look.label_tag == 2:
        return f'<td class="xxgk_label"><b>{text}</b></td>'
    return f'<td class="xxgk_label">{text}</td>'


def _meta_table(metadata: tuple[tuple[str, str], ...], look: Look) -> str:
    """Header block: label cell then value cell, two pairs a row."""
    rows = []
    for k in range(0, len(metadata), 2):
        cells = []
        for label, value in metadata[k:k + 2]:
            cells.append(_label_cell(escape(_label(label, look)), look) + f'<td class="xxgk_value">{escape(value)}</td>')
        if len(cells) == 1:
            cells.append(_label_cell("", look) + '<td class="xxgk_value"></td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return '<table class="xxgk_table" width="100%" cellspacing="0" cellpadding="0">\n' + "\n".join(rows) + "\n</table>\n"


def _cell(text: str, look: Look, attrs: str = "") -> str:
    if look.word_cells:
        text = f'<p class="MsoNormal"><span style="font-size:10.5pt">{text}</span></p>'
    return f"<td{attrs}>{text}</td>"


def _stat_table(table: StatTable, look: Look, art_id: int) -> str:
    caption = (table.name, CAPTION_YEAR.format(year=table.year))
    before = "".join(f'<p style="text-align:center"><strong>{c}</strong></p>\n' for c in caption)
    rows = []
    if look.caption_in_table:
        before = ""
        rows += [f'<tr><td colspan="3" style="text-align:center"><strong>{c}</strong></td></tr>' for c in caption]
    head = list(PRE2019_COLUMNS)
    if look.spaced_header:
        head[0] = " ".join(head[0])
    rows.append("<tr>" + "".join(_cell(f"<strong>{h}</strong>", look) for h in head) + "</tr>")
    for k, cell in enumerate(table.cells):
        indent = f' style="padding-left:{len(cell.row) - 1}em"' if len(cell.row) > 1 else ""
        value = (f"<td>{BLANKS[(k + art_id + look.blank_offset) % 3]}</td>" if not cell.raw
                 else _cell(escape(cell.raw), look))
        rows.append("<tr>" + _cell(escape(cell.row[-1]), look, indent) + _cell(escape(cell.unit), look) + value + "</tr>")
    return (before + '<table class="tjb" border="1" cellspacing="0" cellpadding="0" width="100%">\n<tbody>\n'
            + "\n".join(rows) + "\n</tbody>\n</table>\n")


# --- Tables 二, 三 and 四 of the national templates -------------------------------------
# Laid out as the official forms print them (report-formats.md §1–§2): table 二 one
# 4-column table of blocks, a block title row spanning it; table 三 with its three
# header rows, the corner note, 三、本年度办理结果 and its categories as row spans;
# table 四 with three header rows over one data row. Blank cells are &nbsp;.

NATIONAL_TABLE_ATTRS = ' border="1" cellspacing="0" cellpadding="0" width="100%" style="border-collapse:collapse"'
T2_VALUE_COLUMNS = 3
NBSP = "&nbsp;"


def _head_text(label: str, look: Look) -> str:
    """A header label; pages pasted from Word break long ones with <br />."""
    text = escape(label)
    if not look.spaced_header or len(label) < 6:
        return text
    cut = label.index("（") if "（" in label else len(label) // 2
    return escape(label[:cut]) + "<br />" + escape(label[cut:])


def _value_cell(cell: ExpectedCell, look: Look, attrs: str = "") -> str:
    return _cell(escape(cell.raw) if cell.raw else NBSP, look, attrs)


def _span(name: str, n: int) -> str:
    return f' {name}="{n}"' if n > 1 else ""


def _table(rows: list[str]) -> str:
    return f"<table{NATIONAL_TABLE_ATTRS}>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>\n"


def _table2(t: NationalTables, look: Look) -> str:
    rows = []
    for title, heads, cell_rows in t.t2:
        spans = [1] * (len(heads) - 1) + [T2_VALUE_COLUMNS - len(heads) + 1]
        rows.append("<tr>" + _cell(escape(title), look, f' colspan="{T2_VALUE_COLUMNS + 1}"') + "</tr>")
        rows.append("<tr>" + _cell(T2_ROW_HEADER, look) + "".join(
            _cell(_head_text(h, look), look, _span("colspan", n)) for h, n in zip(heads, spans)) + "</tr>")
        for cells in cell_rows:
            rows.append("<tr>" + _cell(escape(cells[0].row[-1]), look) + "".join(
                _value_cell(c, look, _span("colspan", n)) for c, n in zip(cells, spans)) + "</tr>")
    return _table(rows)


def _table3(t: NationalTables, look: Look) -> str:
    people, legal = T3_COLUMNS[0][-1], T3_COLUMNS[1][1]
    rows = [
        "<tr>" + _cell(escape(T3_CORNER), look, ' colspan="3" rowspan="3"')
        + _cell(escape(T3_COLUMNS[0][0]), look, f' colspan="{len(T3_COLUMNS)}"') + "</tr>",
        "<tr>" + _cell(escape(people), look, ' rowspan="2"')
        + _cell(escape(legal), look, f' colspan="{len(T3_COLUMNS) - 2}"')
        + _cell(escape(T3_COLUMNS[-1][-1]), look, ' rowspan="2"') + "</tr>",
        "<tr>" + "".join(_cell(escape(c[-1]), look) for c in T3_COLUMNS[1:-1]) + "</tr>",
    ]
    paths = [cells[0].row for cells in t.t3]
    for k, (path, cells) in enumerate(zip(paths, t.t3)):
        labels = ""
        if len(path) == 1:
            labels = _cell(escape(path[0]), look, ' colspan="3"')
        else:
            if k == 0 or paths[k - 1][0] != path[0]:
                n = sum(1 for p in paths if p[0] == path[0])
                labels += _cell(escape(path[0]), look, _span("rowspan", n))
            if len(path) == 2:
                labels += _cell(escape(path[1]), look, ' colspan="2"')
            else:
                if paths[k - 1][:2] != path[:2]:
                    n = sum(1 for p in paths if p[:2] == path[:2])
                    labels += _cell(escape(path[1]), look, _span("rowspan", n))
                labels += _cell(escape(path[2]), look)
        rows.append("<tr>" + labels + "".join(_value_cell(c, look) for c in cells) + "</tr>")
    return _table(rows)


def _table4(t: NationalTables, look: Look) -> str:
    recon, suits = t.t4[0].column[0], t.t4[5].column[0]
    direct, after = t.t4[5].column[1], t.t4[10].column[1]
    n = len(T4_RESULTS)
    rows = [
        "<tr>" + _cell(escape(recon), look, f' colspan="{n}"') + _cell(escape(suits), look, f' colspan="{2 * n}"') + "</tr>",
        "<tr>" + "".join(_cell(escape(r), look, ' rowspan="2"') for r in T4_RESULTS)
        + _cell(_head_text(direct, look), look, f' colspan="{n}"') + _cell(escape(after), look, f' colspan="{n}"') + "</tr>",
        "<tr>" + "".join(_cell(escape(r), look) for r in T4_RESULTS * 2) + "</tr>",
        "<tr>" + "".join(_value_cell(c, look) for c in t.t4) + "</tr>",
    ]
    return _table(rows)


NATIONAL_TABLES = {1: _table2, 2: _table3, 3: _table4}    # section index → its table


def _para(text: str) -> str:
    return f'<p style="text-indent:2em">{escape(text)}</p>\n'


def article_page(a: Article) -> str:
    """Chrome, header block, title, then #zoom: prose, 附表 and table, signature."""
    body = [_para(p) for p in a.intro]
    for k, (heading, paragraphs) in enumerate(a.sections):
        if heading:
            body.append(f'<p style="text-indent:2em"><strong>{escape(heading)}</strong></p>\n')
        body += [_para(p) for p in paragraphs]
        if a.national is not None and k in NATIONAL_TABLES:
            body.append(NATIONAL_TABLES[k](a.national, a.look))
    if a.table is not None:
        body.append(f"<p>{APPENDIX_LABEL}</p>\n" + _stat_table(a.table, a.look, a.art_id))
    body += [f'<p style="text-align:right">{escape(line)}</p>\n' for line in a.signature]
    return (_head(a.title, a.encoding) + _top(CRUMB_TAIL) + '<div class="main">\n'
            + _meta_table(a.metadata, a.look)
            + f'<div class="art_title"><h1>{escape(a.title)}</h1></div>\n'
            + f'<div class="art_info">{PUBLISHED_LABEL}{a.published_date}</div>\n'
            + '<div id="zoom">\n' + "".join(body) + "</div>\n</div>\n" + _BOTTOM)


# --- Odds and ends --------------------------------------------------------------------

def home_page() -> str:
    return (_head(SITE_NAME, "utf-8") + _top()
            + f'<div class="main"><p><a href="{COLUMN_PATH}">{COLUMN_NAME}</a></p></div>\n' + _BOTTOM)


def not_found_page() -> str:
    return _head("404", "utf-8") + f"<p>{NOT_FOUND}</p>\n</body>\n</html>\n"


ROBOTS_TXT = "User-agent: *\nAllow: /\n"
