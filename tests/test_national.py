"""Tables 二/三/四 of the 2019 and 2021 national templates: detection, paths, spans, indicators.

The golden cases (tests/golden/t2019_*, t2021_*) freeze whole pages; these tests pin
the rules one by one on small tables.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from pipelines import indicators
from pipelines.document import Table
from pipelines.readers.html import from_html
from pipelines.report import extract_path
from pipelines.templates import (T2_NAME, T3_COLUMNS, T3_NAME, T4_COLUMNS, T4_NAME, detect_template,
                                 extract_tables)
from pipelines.templates.national import Header, canonical_header, core_key, extract_national, fit, label_key

GOLDEN = Path(__file__).parent / "golden"


def cells_of(html: str, year_hint=None):
    doc = from_html(f"<html><body><div id='zoom'>{html}</div></body></html>")
    return extract_tables(doc.blocks, year_hint)


def by_path(cells):
    return {(c.table, tuple(c.row), tuple(c.column)): c for c in cells}


# --- normalisation ---------------------------------------------------------------

def test_label_key_normalises_traditional_fullwidth_and_pinyin():
    assert label_key("本年製發件數(shù)") == "本年制发件数"
    assert label_key("第二十條第（九）項") == "第二十条第(九)项"
    assert label_key("行政複議") == label_key("行政复议") == "行政复议"
    assert label_key("規　章 ") == "规章"
    assert label_key("政府資訊公開") == "政府信息公开"
    assert core_key("（三）不予公开") == "不予公开"
    assert core_key("1.属于国家秘密") == "属于国家秘密"


# --- detection ---------------------------------------------------------------------

T2_2019 = """<table>
<tr><td colspan=4>第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年新制作数量</td><td>本年新公开数量</td><td>对外公开总数量</td></tr>
<tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr></table>"""
T2_2021 = """<table>
<tr><td colspan=4>第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
<tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr></table>"""
T2_2021_TRAD = """<table>
<tr><td colspan=4>第二十條第（一）項</td></tr>
<tr><td>信息內容</td><td>本年製發件數</td><td>本年廢止件數</td><td>現行有效件數</td></tr>
<tr><td>規章</td><td>0</td><td>0</td><td>0</td></tr></table>"""
T4_BARE = "<p>四、政府信息公开行政复议、行政诉讼情况</p><table><tr>" + "<td>0</td>" * 15 + "</tr></table>"


def t3_rows(other_split: bool) -> str:
    head = ("<tr><td colspan=3 rowspan=3>（本列数据的勾稽关系为：…）</td><td colspan=7>申请人情况</td></tr>"
            "<tr><td rowspan=2>自然人</td><td colspan=5>法人或其他组织</td><td rowspan=2>总计</td></tr>"
            "<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>")
    zeros = "<td>0</td>" * 7
    if other_split:
        body = ("<tr><td rowspan=3>三、本年度办理结果</td><td rowspan=3>（六）其他处理</td><td>1.甲</td>" + zeros + "</tr>"
                "<tr><td>2.乙</td>" + zeros + "</tr><tr><td>3.其他</td>" + zeros + "</tr>")
    else:
        body = "<tr><td>三、本年度办理结果</td><td colspan=2>（六）其他处理</td>" + zeros + "</tr>"
    return "<table>" + head + body + "</table>"


@pytest.mark.parametrize("html,hint,expected", [
    (T2_2019, None, "2019"),
    (T2_2021, None, "2021"),
    (T2_2021_TRAD, None, "2021"),          # traditional characters, no year
    (T2_2021, 2019, "2021"),               # the tables win over the year
    (T2_2019, 2022, "2019"),
    (t3_rows(True), None, "2021"),         # （六）其他处理 split into three rows
    (t3_rows(False), None, "2019"),        # （六）其他处理 one row
    (T4_BARE, 2020, "2019"),               # table 四 is the same in both: the year decides
    (T4_BARE, 2023, "2021"),
    (T4_BARE, None, "unknown"),
    ("<p>no tables</p>", 2021, "unknown"),
])
def test_detect_template(html, hint, expected):
    doc = from_html(f"<html><body><div id='zoom'>{html}</div></body></html>")
    assert detect_template(doc.blocks, hint) == expected


def test_detect_pre2019_table():
    doc = from_html("<html><body><table><tr><td>统计指标</td><td>单位</td><td>统计数</td></tr>"
                    "<tr><td>（一）收到申请数</td><td>件</td><td>3</td></tr></table></body></html>")
    assert detect_template(doc.blocks, 2017) == "pre2019"
    assert detect_template(doc.blocks, 2021) == "pre2019"


def test_missing_block_nine_with_block_eight_is_a_2021_signal():
    html = ("<table><tr><td colspan=2>第二十条第（八）项</td></tr><tr><td>信息内容</td><td>金额</td></tr>"
            "<tr><td>行政事业性收费</td><td>1</td></tr></table>")
    assert cells_of(html)[0] == "2021"


# --- fitting values to the header ------------------------------------------------------

def header(*widths):
    runs, pos = [], 0
    for i, w in enumerate(widths):
        runs.append(((f"c{i}",), pos, pos + w))
        pos += w
    return Header(runs, 1, [None] * len(runs))


def test_fit_spanned_value_under_spanned_header():
    assert fit(["7", "7", "7"], header(3), True) == ["7"]


def test_fit_value_shifted_by_colspan():
    # header: A | B | C(colspan 2); row: 6(colspan 2) | 4 | 31
    assert fit(["6", "6", "4", "31"], header(1, 1, 2), True) == ["6", "4", "31"]


def test_fit_drops_extra_blank_trailing_cell_and_pads_short_rows():
    assert fit(["1", "2", "3", ""], header(1, 1, 1), True) == ["1", "2", "3"]
    assert fit(["5"], header(1, 1, 1), False) == ["5", "", ""]
    assert fit(["0", "", ""], header(3), True) == ["0"]


def test_fit_equal_neighbours_are_kept_when_the_count_matches():
    assert fit(["0", "0", "0"], header(1, 1, 1), True) == ["0", "0", "0"]


# --- table 二 --------------------------------------------------------------------------

def test_table2_block_title_as_left_column_and_header_unit():
    html = """<table>
<tr><td rowspan=3>第二十条第（八）项</td><td>信息内容</td><td colspan=3>本年收费金额（单位：万元）</td></tr>
<tr><td>行政事业性收费</td><td colspan=3>0.35</td></tr></table>"""
    template, cells = cells_of(html, 2021)
    assert template == "2021"
    (cell,) = cells
    assert (cell.table, cell.row, cell.column) == (T2_NAME, ["第二十条第（八）项", "行政事业性收费"],
                                                  ["本年收费金额（单位：万元）"])
    assert (cell.value, cell.unit, cell.raw) == (0.35, "万元", "0.35")
    # administrative fees, not disclosure fees: kept as a cell, not as fees_collected
    assert indicators.compute(template, cells)["fees_collected"] is None


def test_table2_blank_stays_null_and_signed_values():
    html = """<table><tr><td colspan=4>第二十条第（五）项</td></tr>
<tr><td>信息内容</td><td>上一年项目数量</td><td>本年增/减</td><td>处理决定数量</td></tr>
<tr><td>行政许可</td><td>&nbsp;</td><td>-1</td><td>＋２</td></tr></table>"""
    _t, cells = cells_of(html)
    assert [(c.raw, c.value) for c in cells] == [("", None), ("-1", -1), ("＋２", 2)]


# --- table 三 ---------------------------------------------------------------------------

def test_table3_flat_rows_get_their_parents_from_the_numbering():
    """No rowspans: each label in its own row, parents printed once."""
    rows = [
        "<tr><td>（本列数据的勾稽关系为：…）</td><td>自然人</td><td>商业企业</td><td>科研机构</td><td>社会公益组织</td>"
        "<td>法律服务机构</td><td>其他</td><td>总计</td></tr>",
        "<tr><td>三、本年度办理结果</td>" + "<td></td>" * 7 + "</tr>",
        "<tr><td>（三）不予公开</td>" + "<td></td>" * 7 + "</tr>",
        "<tr><td>1.属于国家秘密</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>",
        "<tr><td>（七）总计</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>",
    ]
    _t, cells = cells_of("<table>" + "".join(rows) + "</table>", 2020)
    paths = {tuple(c.row) for c in cells}
    assert ("三、本年度办理结果", "（三）不予公开", "1.属于国家秘密") in paths
    assert ("三、本年度办理结果", "（七）总计") in paths
    assert ("三、本年度办理结果", "（三）不予公开") in paths  # printed with blank cells: null cells
    # the header had no 申请人情况/法人或其他组织 levels: canonical paths are used
    assert {tuple(c.column) for c in cells} == set(T3_COLUMNS)


def test_table3_header_in_one_table_rows_in_the_next():
    html = (t3_rows(False).split("<tr><td>三、")[0] + "</table>"
            + "<table><tr><td colspan=3>一、本年新收政府信息公开申请数量</td>"
            + "".join(f"<td>{v}</td>" for v in (1, 2, 0, 0, 0, 0, 3)) + "</tr></table>")
    _t, cells = cells_of(html, 2021)
    got = by_path(cells)
    assert got[(T3_NAME, ("一、本年新收政府信息公开申请数量",), ("申请人情况", "法人或其他组织", "商业企业"))].value == 2
    assert got[(T3_NAME, ("一、本年新收政府信息公开申请数量",), ("申请人情况", "总计"))].value == 3


# --- table 四 ---------------------------------------------------------------------------

def test_table4_without_header_gets_canonical_columns():
    _t, cells = cells_of(T4_BARE.replace("<td>0</td>", "<td>1</td>", 1), 2020)
    assert [tuple(c.column) for c in cells] == list(T4_COLUMNS)
    assert all(c.table == T4_NAME and c.row == [] for c in cells)
    assert cells[0].value == 1


def test_table4_header_with_blank_data_row_gives_fifteen_null_cells():
    head = ("<tr><td colspan=5>行政复议</td><td colspan=10>行政诉讼</td></tr>"
            "<tr><td rowspan=2>结果维持</td><td rowspan=2>结果纠正</td><td rowspan=2>其他结果</td>"
            "<td rowspan=2>尚未审结</td><td rowspan=2>总计</td><td colspan=5>未经复议直接起诉</td>"
            "<td colspan=5>复议后起诉</td></tr>"
            "<tr>" + "<td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>" * 2 + "</tr>")
    _t, cells = cells_of("<table>" + head + "<tr>" + "<td>&nbsp;</td>" * 15 + "</tr></table>", 2021)
    assert len(cells) == 15 and all(c.value is None and c.raw == "" for c in cells)
    assert cells[5].column == ["行政诉讼", "未经复议直接起诉", "结果维持"]


def test_canonical_header_shape():
    h = canonical_header(T4_COLUMNS)
    assert len(h.runs) == 15 and h.offset is None


# --- whole pages ------------------------------------------------------------------------

def test_full_2019_page():
    r = extract_path(str(GOLDEN / "t2019_full_report.html"))
    assert r.template == "2019" and r.checks == []
    got = by_path(r.cells)
    assert len([c for c in r.cells if c.table == T3_NAME]) == 23 * 7
    assert len([c for c in r.cells if c.table == T4_NAME]) == 15
    assert got[(T2_NAME, ("第二十条第（九）项", "政府集中采购"), ("采购总金额",))].value == 1865000
    assert got[(T3_NAME, ("三、本年度办理结果", "（三）不予公开", "4.保护第三方合法权益"),
                ("申请人情况", "总计"))].value == 3
    assert got[(T4_NAME, (), ("行政诉讼", "复议后起诉", "其他结果"))].value == 1
    assert r.indicators == {
        "proactive_disclosed": None, "applications_received": 50, "applications_carried_over": 4,
        "applications_completed": 52, "carried_to_next_year": 2, "reconsideration_total": 4,
        "litigation_total": 3, "fees_collected": None, "staff_count": None,
    }


def test_full_2021_page():
    r = extract_path(str(GOLDEN / "t2021_full_report.html"))
    assert r.template == "2021" and r.checks == []
    got = by_path(r.cells)
    assert len([c for c in r.cells if c.table == T3_NAME]) == 25 * 7
    other = ("三、本年度办理结果", "（六）其他处理", "3.其他")
    assert got[(T3_NAME, other, ("申请人情况", "法人或其他组织", "其他"))].value == 1
    # 第二十条第（八）项 本年收费金额 (12.35 万元) is administrative fees, not disclosure fees
    assert r.indicators["fees_collected"] is None
    assert r.indicators["applications_completed"] == 147


def test_indicator_falls_back_to_the_sum_of_parts_when_a_total_is_blank():
    r = extract_path(str(GOLDEN / "t2021_inconsistent_checks.html"))
    # 复议后起诉 总计 is blank; its parts give 1
    assert r.indicators["litigation_total"] == 4 + 1


def test_national_parser_ignores_pre2019_tables():
    table = Table([["统计指标", "单位", "统计数"], ["（一）收到申请数", "件", "3"]])
    assert extract_national([table], skip=[0]).cells == []
