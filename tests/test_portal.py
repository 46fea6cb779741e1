"""The bundled demo portal, exercised over real HTTP on a loopback port (urllib only)."""
from __future__ import annotations

import random
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from pipelines.report import extract_bytes
from pipelines.templates import (
    PRE2019_ROWS, PRE2019_TABLE_NAME, T2_BLOCKS_2019, T2_BLOCKS_2021, T2_NAME, T3_COLUMNS, T3_NAME, T4_COLUMNS,
    T4_NAME,
)
from oracle import indicators_of
from xxgk.portal import ExpectedCell, ReportFacts, build_demo_portal, serve_portal

COLUMN_ID = "1229000001"
PROXY = "/module/web/jpage/dataproxy.jsp"
QUZHOU_TITLE = "衢州市机关事务管理局2017年政府信息公开工作年度报告"
QUZHOU_INDEX_NO = "12330800002618357U/2018-103701"
RECORD_RE = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
LINK_RE = re.compile(r'<li><a href="([^"]+)" title="([^"]*)"[^>]*>.*?</a><span>([\d-]+)</span></li>', re.S)
TIMEOUT = 10
REPO = Path(__file__).resolve().parent.parent


def fetch(url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            return resp.status, dict(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers.items()), err.read()


def form(**extra: str) -> bytes:
    params = {"col": "1", "appid": "1", "webid": "1", "path": "/", "columnid": COLUMN_ID,
              "sourceContentType": "1", "unitid": "5001", "webname": "江澜市人民政府", "permissiontype": "0"}
    params.update(extra)
    return urllib.parse.urlencode(params).encode()


def proxy_url(base: str, start: int, end: int, per_page: int = 15) -> str:
    return f"{base}{PROXY}?startrecord={start}&endrecord={end}&perpage={per_page}"


def decoded(item, body: bytes) -> str:
    return body.decode("gb18030" if item.encoding == "gbk" else "utf-8")


def links(text: str) -> list[tuple[str, str, str]]:
    return [LINK_RE.search(r).groups() for r in RECORD_RE.findall(text)]


def pre2019(reports) -> list[ReportFacts]:
    return [r for r in reports if r.template == "pre2019"]


def national(reports) -> list[ReportFacts]:
    return [r for r in reports if r.template in ("2019", "2021")]


CHECK_NAMES = {"t3_identity", "t3_row_total", "t3_results_total", "t3_subtotal", "t4_total", "pre2019_parts"}


@pytest.fixture(scope="module")
def portal():
    return build_demo_portal(seed=2018)


@pytest.fixture(scope="module")
def base(portal):
    with serve_portal(portal, host="127.0.0.1", port=0) as url:
        yield url


# --- determinism ----------------------------------------------------------------------

def test_two_builds_serve_identical_bytes(portal, base):
    other = build_demo_portal(seed=2018)
    gbk_report = next(r for r in portal.reports if r.encoding == "gbk")
    gbk_national = next(r for r in national(portal.reports) if r.encoding == "gbk")
    inconsistent = next(r for r in national(portal.reports) if r.expected_checks)
    paths = [portal.start_paths[0], portal.reports[5].art_path, gbk_report.art_path, portal.notices[3].art_path,
             portal.reports[60].art_path, gbk_national.art_path, inconsistent.art_path]
    with serve_portal(other, host="127.0.0.1", port=0) as base2:
        for path in paths:
            first, second = fetch(base + path), fetch(base2 + path)
            assert first[0] == second[0] == 200
            assert first[2] == second[2], path
        a = fetch(proxy_url(base, 16, 30), form())
        b = fetch(proxy_url(base2, 16, 30), form())
        assert a[0] == 200 and a[2] == b[2] and a[2].count(b"<record>") == 15


def test_another_seed_changes_the_numbers_not_the_shape(portal):
    other = build_demo_portal(seed=7)
    assert len(other.reports) == len(portal.reports)
    assert [r.agency for r in other.reports] == [r.agency for r in portal.reports]
    assert [r.cells for r in other.reports[1:]] != [r.cells for r in portal.reports[1:]]
    assert other.reports[0] == portal.reports[0]        # the reference report is fixed


# --- the list and its paging ----------------------------------------------------------

def test_column_page_embeds_first_page_and_paging_config(portal, base):
    status, headers, body = fetch(base + portal.start_paths[0])
    text = body.decode("utf-8")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<div id="5001"><script type="text/xml"><datastore><nextgroup><![CDATA[' in text
    assert f"proxyUrl:'{PROXY}'" in text and "perPage:15" in text
    assert f"totalRecord:{portal.total_records}" in text
    for key in ("webid", "columnid", "unitid"):
        assert re.search(rf"\b{key}\s*:", text), key
    assert "首页" in text and "政府信息公开年报" in text
    assert len(links(text)) == 15


def test_paging_visits_every_entry_once_newest_first(portal, base):
    text = fetch(base + portal.start_paths[0])[2].decode()
    total = int(re.search(r"totalRecord:(\d+)", text).group(1))
    seen = links(text)
    start = len(seen) + 1
    while start <= total:
        status, headers, body = fetch(proxy_url(base, start, start + 14), form())
        xml = body.decode("utf-8")
        assert status == 200 and headers["Content-Type"].startswith("text/xml")
        assert xml.startswith('<?xml version="1.0" encoding="utf-8"?>')
        assert f"<totalrecord>{total}</totalrecord>" in xml
        assert f"<totalpage>{-(-total // 15)}</totalpage>" in xml
        page = links(xml)
        assert page, start
        seen += page
        start += len(page)
    paths = [p for p, _title, _day in seen]
    expected = ({r.art_path for r in portal.reports} | {n.art_path for n in portal.notices}
                | set(portal.missing_paths))
    assert len(paths) == len(set(paths)) == total == len(expected) == portal.total_records
    assert set(paths) == expected
    days = [day for _p, _t, day in seen]
    assert days == sorted(days, reverse=True)
    by_path = {r.art_path: r for r in portal.reports}
    for path, title, day in seen:
        if path in by_path:
            assert (title, day) == (by_path[path].title, by_path[path].published_date)


def test_dataproxy_clips_and_rejects(portal, base):
    total = portal.total_records
    xml = fetch(proxy_url(base, total - 2, total + 40), form())[2].decode()
    assert len(links(xml)) == 3
    assert len(links(fetch(proxy_url(base, total + 1, total + 15), form())[2].decode())) == 0
    status, _h, body = fetch(proxy_url(base, 1, 15), form(columnid="999"))
    assert status == 200 and b"<totalrecord>0</totalrecord>" in body and b"<record>" not in body
    no_column = urllib.parse.urlencode({"webid": "1", "unitid": "5001"}).encode()
    assert fetch(proxy_url(base, 1, 15), no_column)[0] == 400
    # GET with everything in the query, and the page=N form of the nextgroup link
    status, _h, body = fetch(f"{base}{PROXY}?startrecord=1&endrecord=15&perpage=15&columnid={COLUMN_ID}")
    assert status == 200 and len(links(body.decode())) == 15
    body = fetch(f"{base}{PROXY}?page=2&perpage=15&columnid={COLUMN_ID}")[2].decode()
    assert links(body) == links(fetch(proxy_url(base, 16, 30), form())[2].decode())


def test_standard_demo_sizes(portal):
    assert len(portal.reports) >= 44 and len(portal.notices) >= 15 and len(portal.missing_paths) == 1
    assert portal.total_records >= 60 and -(-portal.total_records // 15) >= 4
    generated = [r for r in portal.reports if r.agency.startswith("江澜市")]
    agencies = {r.agency for r in generated}
    assert len(agencies) >= 9
    assert {r.report_year for r in generated} == set(range(2008, 2025))
    assert len({r.art_path for r in portal.reports}) == len(portal.reports)
    assert len({r.index_no for r in portal.reports}) == len(portal.reports)
    # the pre-2019 reports of before, then every agency's 2019–2024 reports: one series per agency
    assert len(pre2019(portal.reports)) >= 48
    assert len(portal.reports) == len(pre2019(portal.reports)) + len(agencies) * 6
    for agency in agencies:
        years = {r.report_year: r.template for r in generated if r.agency == agency}
        assert {y: t for y, t in years.items() if y >= 2019} == {2019: "2019", 2020: "2019", 2021: "2021",
                                                               2022: "2021", 2023: "2021", 2024: "2021"}, agency
        assert any(y <= 2018 for y in years), agency
    assert len({(r.agency, r.report_year) for r in generated}) == len(generated)


# --- report pages ---------------------------------------------------------------------

def test_every_report_page_shows_its_facts(portal, base):
    for report in portal.reports:
        status, headers, body = fetch(base + report.art_path)
        assert status == 200, report.art_path
        text = decoded(report, body)
        assert report.index_no in text and report.title in text and report.publisher in text
        assert report.signed_date_text in text
        assert headers["ETag"] and headers["Last-Modified"]
        if report.template != "pre2019":
            continue
        assert "政府信息公开情况统计表" in text and f"（{report.report_year}年度）" in text
        table = text[text.index('class="tjb"'):]
        for cell in report.cells:
            assert cell.row[-1] in table
            if cell.raw:
                assert re.search(rf">{re.escape(cell.raw)}</(td|span)>", table), (report.art_path, cell)


def test_report_facts_are_complete_and_consistent(portal):
    labels = [label for _depth, label, _unit in PRE2019_ROWS]
    for report in portal.reports:
        assert isinstance(report, ReportFacts)
        assert report.template == ("pre2019" if report.report_year <= 2018 else "2019" if report.report_year <= 2020 else "2021")
        assert set(report.expected_checks) <= CHECK_NAMES
        written, signed = date.fromisoformat(report.written_date), date.fromisoformat(report.signed_date)
        published = date.fromisoformat(report.published_date)
        assert written.year == report.report_year + 1 and written.month <= 3
        assert 0 <= (written - signed).days <= 2 and 0 <= (published - written).days <= 5
        assert f"/art/{published.year}/{published.month}/{published.day}/" in report.art_path
        for cell in report.cells:
            assert isinstance(cell, ExpectedCell) and (cell.raw == "") == (cell.value is None)
    for report in pre2019(portal.reports):
        assert [c.row[-1] for c in report.cells] == labels
        assert all(c.column == ("统计数",) and c.table == PRE2019_TABLE_NAME for c in report.cells)
        assert [c.unit for c in report.cells] == [unit for _d, _l, unit in PRE2019_ROWS]
        for cell in report.cells:
            assert (cell.raw == "") == (cell.value is None)
            if cell.unit == "——":
                assert cell.raw == ""
            if cell.raw:
                assert cell.value == (float(cell.raw) if "." in cell.raw else int(cell.raw))
    cell = portal.reports[1].cells[labels.index("涉及商业秘密")]
    assert cell.row == ("三、依申请公开情况", "（三）申请答复数", "4.不同意公开答复数", "涉及商业秘密")
    assert portal.reports[1].cells[2].row == ("一、主动公开情况", "（一）主动公开政府信息数", "其中：主动公开规范性文件数")


def _values(report: ReportFacts) -> dict[tuple[str, ...], float]:
    return {c.row: (c.value or 0) for c in report.cells}


def test_generated_numbers_add_up(portal):
    sums = {  # parent row → child rows that sum to it
        ("三、依申请公开情况", "（一）收到申请数"): ["1.当面申请数", "2.传真申请数", "3.网络申请数", "4.信函申请数"],
        ("三、依申请公开情况", "（二）申请办结数"): ["1.按时办结数", "2.延期办结数"],
        ("八、机构建设和保障经费情况", "（三）从事政府信息公开工作人员数"): ["1.专职人员数（不包括政府公报及政府网站工作人员数）", "2.兼职人员数"],
        ("四、行政复议数量",): ["（一）维持具体行政行为数", "（二）被依法纠错数", "（三）其他情形数"],
    }
    nonblank = Counter()
    generated = [r for r in pre2019(portal.reports[1:]) if not r.expected_checks]
    for report in generated:
        v = _values(report)
        for parent, children in sums.items():
            assert v[parent] == sum(v[parent + (c,)] for c in children), (report.title, parent)
        replies = ("三、依申请公开情况", "（三）申请答复数")
        assert v[replies] == sum(val for row, val in v.items() if row[:2] == replies and len(row) == 3)
        received = v[("三、依申请公开情况", "（一）收到申请数")]
        types = ("三、依申请公开情况", "（四）申请类型数")
        assert v[types] == received == sum(val for row, val in v.items() if row[:2] == types and len(row) == 3)
        proactive = v[("一、主动公开情况", "（一）主动公开政府信息数")]
        assert proactive > 0
        assert all(val <= proactive for row, val in v.items() if row[:2] == ("一、主动公开情况", "（二）通过不同渠道和方式公开政府信息的情况"))
        nonblank.update(c.unit for c in report.cells if c.raw)
    assert {"条", "件", "次", "人", "人次", "万元"} <= set(nonblank)
    money = [c.raw for r in pre2019(portal.reports) for c in r.cells if c.unit == "万元" and c.raw]
    assert any("." in raw for raw in money)
    small = min(generated, key=lambda r: sum(1 for c in r.cells if c.raw))
    assert sum(1 for c in small.cells if not c.raw) > len(small.cells) / 2


# --- reports of the national templates (2019–2024) -----------------------------------

T3_LEAVES = {"2019": 23, "2021": 25}     # value rows of table 三 (（六） split in three from 2021)
NATIONAL_HEADINGS = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                     "四、政府信息公开行政复议、行政诉讼情况", "五、", "六、其他需要报告的事项")


def grid(report: ReportFacts) -> dict[tuple[str, tuple[str, ...], tuple[str, ...]], float]:
    """(table, row, column) → value, blanks as 0."""
    return {(c.table, c.row, c.column): (c.value or 0) for c in report.cells}


def t3_rows(report: ReportFacts) -> list[tuple[str, ...]]:
    return list(dict.fromkeys(c.row for c in report.cells if c.table == T3_NAME))


def test_national_reports_have_the_tables_of_their_template(portal):
    reports = national(portal.reports)
    assert {r.template for r in reports} == {"2019", "2021"}
    for report in reports:
        blocks = T2_BLOCKS_2019 if report.template == "2019" else T2_BLOCKS_2021
        t2 = [c for c in report.cells if c.table == T2_NAME]
        assert [(c.row, c.column) for c in t2] == [((title, item), (head,)) for title, heads, items in blocks
                                                   for item in items for head in heads]
        t3 = [c for c in report.cells if c.table == T3_NAME]
        rows = t3_rows(report)
        assert len(rows) == T3_LEAVES[report.template] and len(t3) == len(rows) * len(T3_COLUMNS)
        assert [c.column for c in t3] == list(T3_COLUMNS) * len(rows)
        assert rows[0] == ("一、本年新收政府信息公开申请数量",) and rows[-1] == ("四、结转下年度继续办理",)
        assert rows[-2] == ("三、本年度办理结果", "（七）总计")
        assert ("三、本年度办理结果", "（三）不予公开", "3.危及“三安全一稳定”") in rows
        split = [r for r in rows if len(r) == 3 and r[1] == "（六）其他处理"]
        assert len(split) == (3 if report.template == "2021" else 0)
        t4 = [c for c in report.cells if c.table == T4_NAME]
        assert [(c.row, c.column) for c in t4] == [((), k) for k in T4_COLUMNS]
        assert [c.table for c in report.cells] == sorted((c.table for c in report.cells), key=[T2_NAME, T3_NAME, T4_NAME].index)
        for cell in report.cells:
            expected_unit = "万元" if "（单位：万元）" in cell.column[-1] else None
            if cell.column == ("采购总金额",) and cell.raw:
                expected_unit = "万元" if cell.raw.endswith("万元") else "元" if cell.raw.endswith("元") else None
            assert cell.unit == expected_unit, (report.title, cell)


def _national_violations(report: ReportFacts) -> set[str]:
    """Which of the form's sums fail, computed from the facts (blanks as 0)."""
    v, rows, bad = grid(report), t3_rows(report), set()
    people, total = T3_COLUMNS[:-1], T3_COLUMNS[-1]
    new, before, done, after = rows[0], rows[1], rows[-2], rows[-1]
    results = [r for r in rows if len(r) >= 2 and r != done]
    for col in T3_COLUMNS:
        if v[(T3_NAME, new, col)] + v[(T3_NAME, before, col)] != v[(T3_NAME, done, col)] + v[(T3_NAME, after, col)]:
            bad.add("t3_identity")
        if sum(v[(T3_NAME, r, col)] for r in results) != v[(T3_NAME, done, col)]:
            bad.add("t3_results_total")
    for row in rows:
        if sum(v[(T3_NAME, row, k)] for k in people) != v[(T3_NAME, row, total)]:
            bad.add("t3_row_total")
    for g in range(0, 15, 5):
        if sum(v[(T4_NAME, (), k)] for k in T4_COLUMNS[g:g + 4]) != v[(T4_NAME, (), T4_COLUMNS[g + 4])]:
            bad.add("t4_total")
    return bad


def test_national_figures_add_up_except_where_an_error_is_planted(portal):
    planted = 0
    for report in national(portal.reports):
        assert _national_violations(report) == set(report.expected_checks), report.title
        planted += bool(report.expected_checks)
        v = grid(report)
        rows = t3_rows(report)
        assert all(val >= 0 for (t, _r, _c), val in v.items() if t != T2_NAME)
        assert v[(T3_NAME, rows[0], T3_COLUMNS[0])] >= v[(T3_NAME, rows[0], T3_COLUMNS[1])]   # mostly citizens ask
    assert planted == 3


def test_carried_over_requests_continue_the_series(portal):
    """二、上年结转 of year Y is 四、结转下年度 of Y-1 for the same agency, every column."""
    by_agency_year = {(r.agency, r.report_year): r for r in national(portal.reports)}
    pairs = 0
    for (agency, year), report in by_agency_year.items():
        previous = by_agency_year.get((agency, year - 1))
        if previous is None or previous.expected_checks:
            continue
        before = [c.value or 0 for c in report.cells if c.table == T3_NAME and c.row == t3_rows(report)[1]]
        after = [c.value or 0 for c in previous.cells if c.table == T3_NAME and c.row == t3_rows(previous)[-1]]
        assert before == after, (agency, year)
        pairs += 1
    assert pairs >= 50
    assert any(c.value for r in by_agency_year.values() for c in r.cells
               if c.table == T3_NAME and c.row == ("二、上年结转政府信息公开申请数量",))


def test_planted_errors(portal):
    """Three or four reports carry one error each, covering every template."""
    planted = {r.title: (r.template, set(r.expected_checks)) for r in portal.reports if r.expected_checks}
    assert 3 <= len(planted) <= 4
    assert {t for t, _c in planted.values()} == {"pre2019", "2019", "2021"}
    assert set().union(*(c for _t, c in planted.values())) == {
        "t3_identity", "t3_row_total", "t3_results_total", "t4_total", "pre2019_parts"}
    (pre,) = [r for r in portal.reports if r.expected_checks and r.template == "pre2019"]
    v = _values(pre)
    received = ("三、依申请公开情况", "（一）收到申请数")
    parts = [v[received + (c,)] for c in ("1.当面申请数", "2.传真申请数", "3.网络申请数", "4.信函申请数")]
    assert v[received] == sum(parts) + 1
    assert all(c.raw for c in pre.cells if c.row[:2] == received)


def _extracted(portal, report: ReportFacts):
    status, headers, body = portal.handle("GET", report.art_path)
    assert status == 200
    return extract_bytes(body, report.art_path, headers["Content-Type"])


def assert_extracts_as_stated(portal, report: ReportFacts) -> None:
    """The real extractor gives exactly the facts: every cell, the template, the README
    indicators and the checks (none, or exactly the planted ones)."""
    got = _extracted(portal, report)
    where = (report.art_path, report.title)
    assert got.is_report and got.template == report.template, where
    assert [(c.table, tuple(c.row), tuple(c.column), c.unit, c.raw, c.value) for c in got.cells] == [
        (c.table, c.row, c.column, c.unit, c.raw, c.value) for c in report.cells], where
    assert got.indicators == indicators_of(report), where
    assert {c.check for c in got.checks} == set(report.expected_checks), (where, got.checks)
    assert (got.title, got.agency, got.publisher, got.index_no, got.written_date, got.signed_date, got.report_year) == (
        report.title, report.agency, report.publisher, report.index_no, report.written_date, report.signed_date,
        report.report_year), where


def test_every_demo_report_extracts_as_stated(portal):
    for report in portal.reports:
        assert_extracts_as_stated(portal, report)


def test_indicators_follow_the_readme_mapping(portal):
    """Spot checks of the mapping on the facts themselves."""
    r2021 = next(r for r in national(portal.reports) if r.template == "2021" and not r.expected_checks
                 and any(c.raw for c in r.cells if c.row == ("第二十条第（八）项", "行政事业性收费")))
    v = grid(r2021)
    ind = indicators_of(r2021)
    assert ind["fees_collected"] is None  # 行政事业性收费 are not disclosure fees
    assert ind["applications_received"] == v[(T3_NAME, ("一、本年新收政府信息公开申请数量",), T3_COLUMNS[-1])]
    assert ind["applications_completed"] == v[(T3_NAME, ("三、本年度办理结果", "（七）总计"), T3_COLUMNS[-1])]
    assert ind["litigation_total"] == v[(T4_NAME, (), T4_COLUMNS[9])] + v[(T4_NAME, (), T4_COLUMNS[14])]
    assert ind["proactive_disclosed"] is None and ind["staff_count"] is None
    r2019 = next(r for r in national(portal.reports) if r.template == "2019")
    assert indicators_of(r2019)["fees_collected"] is None
    series = sorted((r.report_year, indicators_of(r)["applications_received"]) for r in portal.reports
                    if r.agency == "江澜市财政局")
    assert [y for y, _v in series] == sorted(set(y for y, _v in series)) and series[-1][0] == 2024
    assert sum(1 for _y, val in series if val) >= 8


def test_national_pages_look_like_the_forms(portal, base):
    pages = {}
    for report in national(portal.reports):
        text = decoded(report, fetch(base + report.art_path)[2])
        pages[report.art_path] = text
        zoom = text[text.index('<div id="zoom">'):]
        plain = re.sub(r"</?(?:p|span)\b[^>]*>", "", zoom)        # Word-pasted cells unwrapped
        positions = [plain.index(h) for h in NATIONAL_HEADINGS]
        assert positions == sorted(positions), report.title
        assert plain.count("<table") == 3 and "政府信息公开情况统计表" not in plain
        assert ("国办公开办函〔2019〕60号" in plain or "国办公开办函〔2021〕30号" in plain
                or "第五十条" in plain)
        results = T3_LEAVES[report.template] - 3     # all rows but 一, 二 and 四: 20 / 22 as printed
        assert f'<td rowspan="{results}">三、本年度办理结果</td>' in plain
        assert '<td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan="7">申请人情况</td>' in plain
        assert '<td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td>' in plain
        assert '<td rowspan="8">（三）不予公开</td>' in plain and '<td rowspan="5">（五）不予处理</td>' in plain
        assert ('<td rowspan="3">（六）其他处理</td>' in plain) == (report.template == "2021")
        assert '<td colspan="5">行政复议</td><td colspan="10">行政诉讼</td>' in plain
        assert re.search(r'<td colspan="5">未经复议(?:<br />)?直接起诉</td><td colspan="5">复议后起诉</td>', plain)
        assert '<td colspan="4">第二十条第（一）项</td>' in plain
        assert ('第二十条第（九）项' in plain) == (report.template == "2019")
        for cell in report.cells:
            if cell.raw:
                assert re.search(rf">{re.escape(cell.raw)}</(td|span)>", zoom), (report.title, cell)
        if report.template == "2021":
            assert "（一）主动公开" in plain and "（五）监督保障" in plain and "信息处理费" in plain
    joined = "".join(pages.values())
    assert "<td>&nbsp;</td>" in joined and "MsoNormal" in joined and "<br />" in joined
    raws = [c.raw for r in national(portal.reports) for c in r.cells if c.raw]
    assert any(raw.startswith("+") for raw in raws) and any(raw.startswith("-") for raw in raws)
    assert any(raw.endswith("元") for raw in raws) and any("." in raw for raw in raws)
    gbk = [r for r in national(portal.reports) if r.encoding == "gbk"]
    assert gbk and all("镕" in pages[r.art_path] or "喆" in pages[r.art_path] for r in gbk)


def test_signature_dates_vary(portal):
    texts = [r.signed_date_text for r in portal.reports]
    assert any("〇" in t for t in texts) and any("○" in t for t in texts)
    assert any(re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", t) for t in texts)


def test_blank_cells_and_header_labels_vary(portal, base):
    pages = [decoded(r, fetch(base + r.art_path)[2]) for r in portal.reports[:12]]
    joined = "".join(pages)
    for blank in ("<td></td>", "<td>&nbsp;</td>", "<td> </td>"):
        assert blank in joined
    assert "索 引 号" in joined or "索\u3000引\u3000号" in joined
    assert "索引号：" in joined and ("索引号:" in joined or "索 引 号:" in joined or "索\u3000引\u3000号:" in joined)
    assert any('<td colspan="3"' in p for p in pages) and any('<p style="text-align:center"><strong>政府信息公开情况统计表' in p for p in pages)
    assert all('<p style="text-align:right">' in p and '<div id="zoom">' in p for p in pages)


# --- encodings ------------------------------------------------------------------------

def test_gbk_pages(portal, base):
    gbk = [r.art_path for r in portal.reports if r.encoding == "gbk"] + [n.art_path for n in portal.notices if n.encoding == "gbk"]
    articles = len(portal.reports) + len(portal.notices)
    assert articles / 8 <= len(gbk) <= articles / 4
    outside_gb2312 = 0
    for path in gbk:
        status, headers, body = fetch(base + path)
        assert status == 200 and headers["Content-Type"] == "text/html"
        text = body.decode("gb18030")
        assert 'content="text/html; charset=gb2312"' in text
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        try:
            body.decode("gb2312")
        except UnicodeDecodeError:
            outside_gb2312 += 1
        assert "镕" in text or "喆" in text
    assert outside_gb2312 == len(gbk)
    utf8 = next(r for r in portal.reports if r.encoding == "utf-8")
    status, headers, body = fetch(base + utf8.art_path)
    assert headers["Content-Type"] == "text/html; charset=utf-8" and b'<meta charset="utf-8">' in body
    body.decode("utf-8")


# --- notices, missing pages, odds and ends --------------------------------------------

def test_notices_are_not_reports(portal, base):
    titles = [n.title for n in portal.notices]
    assert sum("政府信息公开" in t for t in titles) >= 5
    assert sum("年度报告" in t for t in titles) >= 2
    assert not set(titles) & {r.title for r in portal.reports}
    for notice in portal.notices:
        status, _h, body = fetch(base + notice.art_path)
        text = decoded(notice, body)
        assert status == 200 and notice.title in text and "xxgk_table" in text
        zoom = text[text.index('<div id="zoom">'):]
        assert "<table" not in zoom and "政府信息公开情况统计表" not in zoom
        assert len(re.sub(r"<[^>]+>", "", zoom)) > 150


def test_missing_and_unknown_paths(portal, base):
    (missing,) = portal.missing_paths
    assert fetch(base + missing)[0] == 404
    assert fetch(base + "/no/such/page.html")[0] == 404
    moved = re.sub(r"/art/\d{4}/", "/art/2001/", portal.reports[3].art_path)   # right id, wrong date
    assert fetch(base + moved)[0] == 404
    status, headers, body = fetch(base + "/robots.txt")
    assert status == 200 and b"Allow: /" in body and b"Disallow: /" not in body


def test_conditional_get(portal, base):
    path = portal.reports[2].art_path
    status, headers, body = fetch(base + path)
    assert status == 200 and body
    assert fetch(base + path, headers={"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(base + path, headers={"If-None-Match": '"other"'})[0] == 200
    assert fetch(base + path, headers={"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert fetch(base + path, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200
    again = fetch(base + path)
    assert (again[1]["ETag"], again[1]["Last-Modified"]) == (headers["ETag"], headers["Last-Modified"])


def test_handle_is_pure_and_head_works(portal, base):
    path = portal.reports[7].art_path
    status, headers, body = portal.handle("GET", path, "", b"")
    assert status == 200 and body == fetch(base + path)[2]
    req = urllib.request.Request(base + path, method="HEAD")
    with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
        assert resp.status == 200 and resp.read() == b"" and int(resp.headers["Content-Length"]) == len(body)
    assert portal.handle("DELETE", path, "", b"")[0] == 405


# --- the reference report -------------------------------------------------------------

def test_quzhou_report(portal, base):
    (report,) = [r for r in portal.reports if r.title == QUZHOU_TITLE]
    assert (report.index_no, report.agency, report.publisher) == (QUZHOU_INDEX_NO, "衢州市机关事务管理局", "市机关事务局")
    assert (report.written_date, report.signed_date, report.report_year) == ("2018-02-28", "2018-02-27", 2017)
    assert report.signed_date_text == "2018年2月27日" and report.encoding == "utf-8"
    assert {c.row[-1]: c.value for c in report.cells if c.raw} == {
        "（一）主动公开政府信息数": 67, "2.政府网站公开政府信息数": 67,
        "（三）从事政府信息公开工作人员数": 2, "2.兼职人员数": 2,
        "（一）召开政府信息公开工作会议或专题会议数": 1,
    }
    text = fetch(base + report.art_path)[2].decode("utf-8")
    for fact in ("2018-02-28", "主动公开", "2017年度", "1276", "衢州市机关事务管理局"):
        assert fact in text


# --- huge portals ---------------------------------------------------------------------

def test_hundred_thousand_reports_are_cheap():
    big = build_demo_portal(seed=2018, n_reports=100_000)
    assert len(big.reports) == 100_000 and big.total_records == 100_000 + len(big.notices) + 1
    last = big.reports[99_999]
    assert last.art_path.endswith("_110000.html")
    status, headers, body = big.handle("GET", last.art_path, "", b"")
    text = decoded(last, body)
    assert status == 200 and last.index_no in text and last.title in text
    status, _h, body = big.handle("POST", PROXY, "startrecord=99991&endrecord=100030&perpage=15", form())
    assert status == 200 and len(links(body.decode())) == 100_019 - 99_990


def test_big_portals_hold_all_three_templates_in_proportion():
    """Report years 2008–2018 : 2019–2020 : 2021–2024 = 11 : 2 : 4, and every portal is a
    prefix of a bigger one (the standard demo included)."""
    standard = build_demo_portal()
    big = build_demo_portal(seed=2018, n_reports=100_000)
    assert list(big.reports[:len(standard.reports)]) == list(standard.reports)
    sample = [big.reports[i] for i in range(1, 100_000, 53)]
    counts = Counter(r.template for r in sample)
    share = {t: n / len(sample) for t, n in counts.items()}
    assert abs(share["pre2019"] - 11 / 17) < 0.03 and abs(share["2019"] - 2 / 17) < 0.02
    assert abs(share["2021"] - 4 / 17) < 0.03
    mid = build_demo_portal(n_reports=1_000)
    assert set(Counter(r.template for r in mid.reports)) == {"pre2019", "2019", "2021"}
    assert min(Counter(r.template for r in mid.reports).values()) >= 100
    for i in random.Random(3).sample(range(1, 100_000), 120):
        assert_extracts_as_stated(big, big.reports[i])


def test_thousand_reports_portal_lists_exactly_its_reports():
    mid = build_demo_portal(n_reports=1_000)
    assert len(mid.reports) == 1_000 and len({r.art_path for r in mid.reports}) == 1_000
    paths = {e.art_path for e in mid.entries(0, mid.total_records)}
    assert {r.art_path for r in mid.reports} <= paths


def test_module_entry_point_serves_until_stopped():
    proc = subprocess.Popen([sys.executable, "-m", "xxgk.portal", "--port", "0", "--seed", "5"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/col/col1229000001/index\.html", line).group(0)
        assert fetch(url)[0] == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
