"""The bundled demo portal, exercised over real HTTP on a loopback port (urllib only)."""
from __future__ import annotations

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

from pipelines.templates import PRE2019_ROWS
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
    paths = [portal.start_paths[0], portal.reports[5].art_path, gbk_report.art_path, portal.notices[3].art_path]
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
    assert len({r.agency for r in generated}) >= 9
    assert {r.report_year for r in generated} == set(range(2008, 2019))
    assert len({r.art_path for r in portal.reports}) == len(portal.reports)
    assert len({r.index_no for r in portal.reports}) == len(portal.reports)


# --- report pages ---------------------------------------------------------------------

def test_every_report_page_shows_its_facts(portal, base):
    for report in portal.reports:
        status, headers, body = fetch(base + report.art_path)
        assert status == 200, report.art_path
        text = decoded(report, body)
        assert report.index_no in text and report.title in text and report.publisher in text
        assert report.signed_date_text in text and "政府信息公开情况统计表" in text
        assert f"（{report.report_year}年度）" in text
        assert headers["ETag"] and headers["Last-Modified"]
        table = text[text.index('class="tjb"'):]
        for cell in report.cells:
            assert cell.row[-1] in table
            if cell.raw:
                assert re.search(rf">{re.escape(cell.raw)}</(td|span)>", table), (report.art_path, cell)


def test_report_facts_are_complete_and_consistent(portal):
    labels = [label for _depth, label, _unit in PRE2019_ROWS]
    for report in portal.reports:
        assert isinstance(report, ReportFacts) and report.template == "pre2019"
        assert [c.row[-1] for c in report.cells] == labels
        assert all(isinstance(c, ExpectedCell) and c.column == ("统计数",) for c in report.cells)
        assert [c.unit for c in report.cells] == [unit for _d, _l, unit in PRE2019_ROWS]
        for cell in report.cells:
            assert (cell.raw == "") == (cell.value is None)
            if cell.unit == "——":
                assert cell.raw == ""
            if cell.raw:
                assert cell.value == (float(cell.raw) if "." in cell.raw else int(cell.raw))
        written, signed = date.fromisoformat(report.written_date), date.fromisoformat(report.signed_date)
        published = date.fromisoformat(report.published_date)
        assert written.year == report.report_year + 1 and written.month <= 3
        assert 0 <= (written - signed).days <= 2 and 0 <= (published - written).days <= 5
        assert f"/art/{published.year}/{published.month}/{published.day}/" in report.art_path
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
    for report in portal.reports[1:]:
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
    money = [c.raw for r in portal.reports for c in r.cells if c.unit == "万元" and c.raw]
    assert any("." in raw for raw in money)
    small = min(portal.reports[1:], key=lambda r: sum(1 for c in r.cells if c.raw))
    assert sum(1 for c in small.cells if not c.raw) > len(small.cells) / 2


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
