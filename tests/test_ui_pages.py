"""The journalist pages (report, agency, charts, archived original), the failed-checks facet and
the canned questions, over a real archive crawled from the demo portal and served by a real
`xxgk serve` process; plus the pure layout functions of `xxgk.ui` without a server.
"""
from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

from conftest import REPO
from servers import build_demo, running_server
from pipelines.model import INDICATOR_KEYS
from storage.versions import register as register_versions
from xxgk import ui
from xxgk.capture import find_capture
from xxgk.serve import datasette_metadata

HTTP_TIMEOUT = 20
QUZHOU_INDEX_NO = "12330800002618357U/2018-103701"
DB_NAME = "demo"


# -- a real archive and a real server -----------------------------------------------------------
@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo portal crawled into demo.db, with one report marked removed (as a crawl that
    no longer finds it in its column's lists would), so the removed-reports question has an
    answer."""
    path = tmp_path_factory.mktemp("ui") / f"{DB_NAME}.db"
    build_demo(path)
    with sqlite3.connect(path) as conn:
        conn.execute("update reports set removed_at = '2025-03-01T00:00:00Z' where id = "
                     "(select id from reports where agency = '江澜市统计局' order by report_year limit 1)")
    return path


class Server:
    def __init__(self, url: str, db: Path):
        self.url, self.db = url, db

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=HTTP_TIMEOUT) as response:
                return response.status, dict(response.headers.items()), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers.items()), exc.read()

    def html(self, path: str) -> str:
        status, _, body = self.get(path)
        assert status == 200, (path, status, body[:500])
        return body.decode("utf-8")

    def json(self, path: str) -> Any:
        status, _, body = self.get(path)
        assert status == 200, (path, status, body[:500])
        return json.loads(body)


@pytest.fixture(scope="module")
def server(demo_db: Path) -> Iterator[Server]:
    with running_server(demo_db) as url:
        yield Server(url, demo_db)


def db_rows(db: Path, sql: str, *params: Any) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as conn:
        register_versions(conn)  # as the reader plugin does: the report_versions view calls it
        return ui.rows(conn, sql, params)


def q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


# -- reading HTML tables back -----------------------------------------------------------------
class Tables(HTMLParser):
    """Every <table> of a page: its attributes and rows of (tag, text, attrs) cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict[str, Any]] = []
        self._stack: list[dict[str, Any]] = []
        self._cell: Optional[dict[str, Any]] = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        if tag == "table":
            table = {"attrs": dict(attrs), "rows": [], "head_rows": 0, "_in_head": False}
            self._stack.append(table)
            self.tables.append(table)
        elif not self._stack:
            return
        elif tag == "thead":
            self._stack[-1]["_in_head"] = True
        elif tag == "tr":
            self._stack[-1]["rows"].append([])
            if self._stack[-1]["_in_head"]:
                self._stack[-1]["head_rows"] += 1
        elif tag in ("td", "th"):
            self._cell = {"tag": tag, "text": "", "attrs": dict(attrs)}
            self._stack[-1]["rows"][-1].append(self._cell)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._stack:
            self._stack.pop()
        elif tag == "thead" and self._stack:
            self._stack[-1]["_in_head"] = False
        elif tag in ("td", "th"):
            if self._cell is not None:
                self._cell["text"] = self._cell["text"].strip()
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell["text"] += data


def tables_of(html: str) -> list[dict[str, Any]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def stat_tables(html: str) -> dict[str, dict[str, Any]]:
    return {t["attrs"]["data-table-name"]: t for t in tables_of(html)
            if "xxgk-stat" in (t["attrs"].get("class") or "")}


def label_rows(table: dict[str, Any]) -> dict[str, list[str]]:
    """Row label → the texts of its value cells (td), for rows with a label."""
    out = {}
    for row in table["rows"]:
        labels = [c for c in row if c["tag"] == "th" and "xxgk-row-label" in (c["attrs"].get("class") or "")]
        if labels:
            out[labels[0]["text"]] = [c["text"] for c in row if c["tag"] == "td"
                                      and "xxgk-pad" not in (c["attrs"].get("class") or "")]
    return out


# -- pure functions (no server) -----------------------------------------------------------------
def cell(row: list[str], column: list[str], value: Any, unit: Optional[str] = None,
         raw: Optional[str] = None) -> dict[str, Any]:
    return {"row": row, "column": column, "value": value, "unit": unit,
            "raw": raw if raw is not None else ("" if value is None else str(value))}


def test_header_rows_span_as_printed() -> None:
    columns = [("申请人情况", "自然人"), ("申请人情况", "法人或其他组织", "商业企业"),
               ("申请人情况", "法人或其他组织", "科研机构"), ("申请人情况", "总计")]
    rows = ui.header_rows(columns)
    flat = [[(h["label"], h["colspan"], h["rowspan"]) for h in line] for line in rows]
    assert flat == [
        [("申请人情况", 4, 1)],
        [("自然人", 1, 2), ("法人或其他组织", 2, 1), ("总计", 1, 2)],
        [("商业企业", 1, 1), ("科研机构", 1, 1)],
    ]
    assert ui.header_rows([("统计数",)]) == [[{"label": "统计数", "colspan": 1, "rowspan": 1}]]


def test_build_table_rows_parents_units_and_failed_cells() -> None:
    table = "政府信息公开情况统计表"
    cells = [
        cell(["一、主动公开情况"], ["统计数"], None, "——", ""),
        cell(["一、主动公开情况", "（一）主动公开政府信息数"], ["统计数"], 67, "条"),
        cell(["三、依申请公开情况", "（一）收到申请数", "1.当面申请数"], ["统计数"], 2, "件"),
        cell(["三、依申请公开情况", "（一）收到申请数", "2.网络申请数"], ["统计数"], 1, "件"),
    ]
    checks = [{"check": "pre2019_parts", "expected": 3, "found": 4,
               "where": {"table": table, "row": ["三、依申请公开情况", "（一）收到申请数", "2.网络申请数"],
                         "column": ["统计数"]}}]
    built = ui.build_table(table, cells, checks)
    assert built["has_unit"] and built["label_header"] == "统计指标" and built["width"] == 3
    (segment,) = built["segments"]
    got = [(r["label"], r["depth"], r["heading"], r["unit"], [c["text"] for c in r["cells"]])
           for r in segment["rows"]]
    assert got == [
        ("一、主动公开情况", 0, False, "——", [""]),
        ("（一）主动公开政府信息数", 1, False, "条", ["67"]),
        ("三、依申请公开情况", 0, True, "", [""]),      # printed without figures: a heading row
        ("（一）收到申请数", 1, True, "", [""]),
        ("1.当面申请数", 2, False, "件", ["2"]),
        ("2.网络申请数", 2, False, "件", ["1"]),
    ]
    assert segment["rows"][-1]["cells"][0]["failed"] == [
        "统计表：合计 = 各分项之和：各分项之和 sum of the parts = 3，表中所填总计 total as printed = 4"]
    assert not segment["rows"][-2]["cells"][0]["failed"]


def test_build_table_segments_when_groups_use_other_columns() -> None:
    """Table 二: each 第二十条 block has its own columns, as printed."""
    cells = [
        cell(["第二十条第（一）项", "规章"], ["本年制发件数"], 0),
        cell(["第二十条第（一）项", "规章"], ["现行有效件数"], 5),
        cell(["第二十条第（五）项", "行政许可"], ["本年处理决定数量"], 133),
        cell(["第二十条第（八）项", "行政事业性收费"], ["本年收费金额（单位：万元）"], 1618.9, "万元"),
    ]
    built = ui.build_table("二、主动公开政府信息情况", cells)
    assert [s["heading"] for s in built["segments"]] == ["第二十条第（一）项", "第二十条第（五）项",
                                                         "第二十条第（八）项"]
    assert [s["columns"] for s in built["segments"]][0] == [["本年制发件数"], ["现行有效件数"]]
    assert built["value_columns"] == 2 and not built["has_unit"]
    first_rows = built["segments"][0]["rows"]
    assert [(r["label"], r["depth"], [c["text"] for c in r["cells"]]) for r in first_rows] == [
        ("规章", 0, ["0", "5"])]


def test_build_table_one_row_table_has_no_label_column() -> None:
    cells = [cell([], ["行政复议", "总计"], 3), cell([], ["行政诉讼", "未经复议直接起诉", "总计"], 1)]
    built = ui.build_table("四、政府信息公开行政复议、行政诉讼情况", cells)
    assert not built["has_labels"] and built["width"] == 2
    assert [h["label"] for h in built["segments"][0]["header_rows"][0]] == ["行政复议", "行政诉讼"]


def test_format_number() -> None:
    assert [ui.format_number(v) for v in (None, 67, 67.0, 1618.9, 113351700.0, 0)] == \
        ["", "67", "67", "1,618.9", "113,351,700", "0"]


def test_unknown_indicator_is_refused() -> None:
    with pytest.raises(ValueError):
        ui.check_indicator("title; drop table reports")


def test_report_page_data_of_quzhou(demo_db: Path) -> None:
    with sqlite3.connect(demo_db) as conn:
        register_versions(conn)  # as the reader plugin does
        (found,) = ui.rows(conn, "select id from reports where index_no = ?", [QUZHOU_INDEX_NO])
        page = ui.report_page(conn, found["id"])
        assert ui.report_page(conn, "0000000000000000") is None
    assert page is not None
    assert page["report"]["agency"] == "衢州市机关事务管理局"
    (table,) = page["tables"]
    assert table["has_unit"] and table["label_header"] == "统计指标"
    values = {r["label"]: (r["unit"], r["cells"][0]["text"]) for r in table["segments"][0]["rows"]}
    assert values["（一）主动公开政府信息数"] == ("条", "67")
    assert values["2.兼职人员数"] == ("人", "2")
    assert {i["key"]: i["value"] for i in page["indicators"]}["proactive_disclosed"] == 67
    assert [v["version"] for v in page["versions"]] == [1]


# -- the report page over HTTP ------------------------------------------------------------------
def test_report_page_rebuilds_every_table_with_the_archived_values(server: Server) -> None:
    """A 2021-template report: every stored cell's text is in its row of its table, in the
    printed column order, and the multi-level header of table 三 is there."""
    (report,) = db_rows(server.db, "select id, title, agency, index_no from reports "
                                   "where template = '2021' and checks_count = 0 "
                                   "order by report_year, agency limit 1")
    html = server.html(f"/-/xxgk/report/{report['id']}")
    assert report["title"] in html and report["index_no"] in html and report["agency"] in html
    tables = stat_tables(html)
    cells = db_rows(server.db, "select table_name, row_path, column_path, raw, value from cells "
                               "where report_id = ? order by seq", report["id"])
    assert set(tables) == {c["table_name"] for c in cells}
    expected: dict[str, dict[str, list[str]]] = {}
    for c in cells:
        row = json.loads(c["row_path"])
        if row:
            expected.setdefault(c["table_name"], {}).setdefault(row[-1], []).append(c["raw"] or "")
    for name, rows_ in expected.items():
        got = label_rows(tables[name])
        for label, texts in rows_.items():
            assert got[label] == texts, (name, label)
    # table 四 is one row of 15 figures without a label
    t4 = tables["四、政府信息公开行政复议、行政诉讼情况"]
    t4_values = [c["raw"] for c in cells if c["table_name"].startswith("四")]
    assert [[c["text"] for c in r if c["tag"] == "td"] for r in t4["rows"]][-1] == t4_values
    # multi-level header of table 三
    t3 = tables["三、收到和处理政府信息公开申请情况"]
    assert t3["head_rows"] == 3
    header = {c["text"]: c["attrs"] for r in t3["rows"][:3] for c in r}
    assert header["申请人情况"]["colspan"] == "7"
    assert header["法人或其他组织"]["colspan"] == "5"
    assert header["自然人"]["rowspan"] == "2"
    # parents printed without figures come back as heading rows
    assert "三、本年度办理结果" in label_rows(t3)


def test_report_page_pre2019_table_label_unit_count(server: Server) -> None:
    (report,) = db_rows(server.db, "select id from reports where index_no = ?", QUZHOU_INDEX_NO)
    html = server.html(f"/-/xxgk/report/{report['id']}")
    (table,) = stat_tables(html).values()
    assert [c["text"] for c in table["rows"][0]] == ["统计指标", "单位", "统计数"]
    rows_ = {r[0]["text"]: [c["text"] for c in r[1:]] for r in table["rows"][1:]}
    assert rows_["（一）主动公开政府信息数"] == ["条", "67"]
    assert rows_["（三）从事政府信息公开工作人员数"] == ["人", "2"]
    assert "衢州市机关事务管理局" in html and "市机关事务局" in html and "2018-02-28" in html


def test_report_page_shows_failed_checks_and_marks_the_cell(server: Server) -> None:
    (report,) = db_rows(server.db, "select r.id, r.checks_count from reports r where exists "
                                   "(select 1 from checks c where c.report_id = r.id and "
                                   "c.[check] = 't3_row_total')")
    checks = db_rows(server.db, "select [check], expected, found from checks where report_id = ?",
                     report["id"])
    html = server.html(f"/-/xxgk/report/{report['id']}")
    listed = [t for t in tables_of(html) if "xxgk-checks" in (t["attrs"].get("class") or "")]
    assert len(listed) == 1 and len(listed[0]["rows"]) == 1 + len(checks)
    for check in checks:
        assert check["check"] in html
    failed = [c for t in stat_tables(html).values() for r in t["rows"] for c in r
              if "xxgk-failed" in (c["attrs"].get("class") or "")]
    rules = {ui.CHECK_NAMES[c["check"]] for c in checks}
    assert failed and all(any(rule in c["attrs"]["title"] for rule in rules) for c in failed)
    assert f"{report['checks_count']} failed checks" in html


def test_report_page_indicators_versions_and_links(server: Server) -> None:
    (report,) = db_rows(server.db, "select * from reports where template = '2019' "
                                   "order by agency, report_year limit 1")
    html = server.html(f"/-/xxgk/report/{report['id']}")
    indicators = [t for t in tables_of(html) if "xxgk-indicators" in (t["attrs"].get("class") or "")][0]
    shown = {r[1]["text"]: r[2]["text"] for r in indicators["rows"][1:]}
    assert set(shown) == set(INDICATOR_KEYS)
    assert shown["applications_received"] == ui.format_number(report["applications_received"])
    versions = [t for t in tables_of(html) if "xxgk-versions" in (t["attrs"].get("class") or "")][0]
    assert versions["rows"][1][0]["text"].startswith("1")
    assert f'/-/xxgk/agency/{q(report["agency"])}' in html
    assert f'/-/xxgk/report/{report["id"]}/original' in html
    assert ui.local_time(report["captured_at"]) in html  # shown in Beijing time
    data = server.json(f"/-/xxgk/report/{report['id']}.json")
    assert data["report"]["id"] == report["id"] and len(data["tables"]) == 3


def test_unknown_report_is_404(server: Server) -> None:
    status, _, body = server.get("/-/xxgk/report/0000000000000000")
    assert status == 404 and "no report" in body.decode("utf-8")
    assert server.get("/-/xxgk/report/0000000000000000/original")[0] == 404


def test_archived_original_served_from_its_warc_record(server: Server) -> None:
    for report in db_rows(server.db, "select id, title, captured_at from reports "
                                     "where warc_file is not null order by id limit 3"):
        status, headers, body = server.get(f"/-/xxgk/report/{report['id']}/original/raw")
        capture = find_capture(str(server.db), report["id"])
        assert status == 200
        assert body == capture.body
        record_type = dict((k.lower(), v) for k, v in capture.headers)["content-type"]
        assert headers["content-type"] == record_type
        assert headers["Content-Security-Policy"].split(";")[0] == "sandbox"
        assert headers["X-Xxgk-Captured-At"] == capture.captured_at
        assert headers["Memento-Datetime"].endswith("GMT")
        try:  # as a browser would: the demo serves some pages as GBK declared only in a <meta>
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = body.decode("gb18030")
        assert report["title"] in text


# -- datasette's own pages: links and facets ----------------------------------------------------
def test_reports_table_links_titles_to_report_pages(server: Server) -> None:
    (report,) = db_rows(server.db, "select id, title, agency from reports order by id limit 1")
    html = server.html(f"/{DB_NAME}/reports?id={report['id']}")
    assert f'href="/-/xxgk/report/{report["id"]}"' in html
    cells_html = server.html(f"/{DB_NAME}/cells?report_id={report['id']}&_size=1")
    assert f'href="/-/xxgk/report/{report["id"]}"' in cells_html
    assert "/-/xxgk/static/xxgk.css" in html


def test_facets_region_level_and_failed_checks(server: Server) -> None:
    data = server.json(f"/{DB_NAME}/reports.json?_size=0")
    facets = data["facet_results"]
    assert {"agency", "report_year", "template", "portal", "province", "city", "level",
            "checks_count"} <= set(facets)
    total = db_rows(server.db, "select count(*) as n from reports")[0]["n"]
    assert {r["value"]: r["count"] for r in facets["province"]["results"]} == {"浙江省": total}
    assert {r["value"]: r["count"] for r in facets["level"]["results"]} == {"city": total}
    failed = facets["checks_count"]
    assert failed["type"] == "failed_checks"
    counts = {r["value"]: r["count"] for r in failed["results"]}
    n_failed = db_rows(server.db, "select count(*) as n from reports where checks_count > 0")[0]["n"]
    assert n_failed == 4 and counts == {1: n_failed, 0: total - n_failed}
    yes = next(r for r in failed["results"] if r["value"] == 1)
    assert "checks_count__gt=0" in yes["toggle_url"]
    path = urllib.parse.urlsplit(yes["toggle_url"])
    assert path.path == f"/{DB_NAME}/reports.json"
    args = dict(urllib.parse.parse_qsl(path.query), _shape="objects", _size="max")
    filtered = server.json(f"{path.path}?{urllib.parse.urlencode(args)}")
    assert filtered["filtered_table_rows_count"] == n_failed
    assert all(row["checks_count"] > 0 for row in filtered["rows"])
    chosen = next(r for r in filtered["facet_results"]["checks_count"]["results"] if r["value"] == 1)
    assert chosen["selected"]


# -- agency page and charts ---------------------------------------------------------------------
AGENCY = "江澜市财政局"


def test_agencies_and_agency_page(server: Server) -> None:
    html = server.html("/-/xxgk/agencies")
    agencies = db_rows(server.db, "select distinct agency from reports")
    for a in agencies:
        assert f'/-/xxgk/agency/{q(a["agency"])}' in html
    page = server.html(f"/-/xxgk/agency/{q(AGENCY)}")
    reports = db_rows(server.db, "select id, report_year, applications_received from reports "
                                 "where agency = ? order by report_year", AGENCY)
    table = [t for t in tables_of(page) if "xxgk-agency-table" in (t["attrs"].get("class") or "")][0]
    assert [r[0]["text"] for r in table["rows"][1:]] == [str(r["report_year"]) for r in reports]
    column = [c["text"] for c in table["rows"][0]].index("本年新收政府信息公开申请数量（件）")
    assert [r[column]["text"] for r in table["rows"][1:]] == \
        [ui.format_number(r["applications_received"]) for r in reports]
    series = json.loads(re.search(r'<script type="application/json" id="agency-series">(.*?)</script>',
                                  page, re.S).group(1))
    assert series["applications_received"]["values"] == [r["applications_received"] for r in reports]
    assert '<canvas id="agency-chart"' in page
    assert server.get(f"/-/xxgk/agency/{q('没有这个机关')}")[0] == 404


def test_chart_data_over_the_years(server: Server) -> None:
    data = server.json(f"/-/xxgk/chart.json?indicator=reconsideration_total&agency={q(AGENCY)}")
    reports = db_rows(server.db, "select id, report_year, reconsideration_total from reports "
                                 "where agency = ? order by report_year", AGENCY)
    assert data["kind"] == "line"
    assert data["labels"] == [r["report_year"] for r in reports]
    assert data["values"] == [r["reconsideration_total"] for r in reports]
    assert data["report_paths"] == [f"/-/xxgk/report/{r['id']}" for r in reports]


def test_chart_data_across_agencies(server: Server) -> None:
    data = server.json("/-/xxgk/chart.json?indicator=applications_received&year=2021")
    reports = db_rows(server.db, "select agency, applications_received as v from reports "
                                 "where report_year = 2021 and applications_received is not null")
    expected = sorted(reports, key=lambda r: (-r["v"], r["agency"]))
    assert data["kind"] == "bar" and data["year"] == 2021
    assert data["labels"] == [r["agency"] for r in expected]
    assert data["values"] == [r["v"] for r in expected]
    assert len(data["labels"]) == 12
    status, _, body = server.get("/-/xxgk/chart.json?indicator=nope&year=2021")
    assert status == 400 and "unknown indicator" in json.loads(body)["error"]


def test_chart_page_uses_only_the_packaged_library(server: Server) -> None:
    html = server.html(f"/-/xxgk/chart?indicator=applications_received&agency={q(AGENCY)}")
    assert '<canvas id="xxgk-chart"' in html
    sources = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert "/-/xxgk/static/chart.umd.min.js" in sources
    assert all(s.startswith("/") for s in sources), sources  # nothing from the internet
    status, headers, body = server.get("/-/xxgk/static/chart.umd.min.js")
    assert status == 200 and body.startswith(b"/*!\n * Chart.js v4.6.1")
    assert (REPO / "xxgk/static/chart.js.LICENSE.md").read_text().startswith("The MIT License")
    data = json.loads(re.search(r'<script type="application/json" id="chart-data">(.*?)</script>',
                                html, re.S).group(1))
    assert data["agency"] == AGENCY and data["kind"] == "line"


# -- canned questions ---------------------------------------------------------------------------
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3,}")


def canned(server: Server, name: str, **params: Any) -> list[dict[str, Any]]:
    query = urllib.parse.urlencode({**params, "_shape": "objects", "_size": "max"})
    return server.json(f"/{DB_NAME}/{name}.json?{query}")["rows"]


def test_every_canned_query_has_chinese_and_english_title_and_description() -> None:
    queries = datasette_metadata(DB_NAME)["databases"][DB_NAME]["queries"]
    assert {"applications_by_agency", "year_over_year_changes", "inconsistent_reports",
            "appeals_by_agency", "removed_reports", "search"} <= set(queries)
    for name, query in queries.items():
        for key in ("title", "description"):
            assert CJK.search(query[key]) and LATIN.search(query[key]), (name, key)


def test_canned_applications_by_agency(server: Server) -> None:
    rows_ = canned(server, "applications_by_agency", year=2021)
    expected = db_rows(server.db, "select agency, applications_received from reports "
                                  "where report_year = 2021")
    expected.sort(key=lambda r: (r["applications_received"] is None, -(r["applications_received"] or 0),
                                 r["agency"]))
    assert [(r["agency"], r["applications_received"]) for r in rows_] == \
        [(r["agency"], r["applications_received"]) for r in expected]
    latest = canned(server, "applications_by_agency", year="")
    assert {r["report_year"] for r in latest} == {2024}


def test_canned_year_over_year_changes(server: Server) -> None:
    rows_ = canned(server, "year_over_year_changes")
    by_agency: dict[str, dict[int, int]] = {}
    for r in db_rows(server.db, "select agency, report_year, applications_received as v from reports "
                                "where applications_received is not null"):
        by_agency.setdefault(r["agency"], {})[r["report_year"]] = r["v"]
    expected = sorted(((a, y, years[y - 1], years[y], years[y] - years[y - 1])
                       for a, years in by_agency.items() for y in years if y - 1 in years),
                      key=lambda t: (-abs(t[4]), t[0], t[1]))
    assert [(r["agency"], r["report_year"], r["previous_value"], r["applications_received"],
             r["change"]) for r in rows_] == expected[:100]
    top = rows_[0]
    assert top["previous_year"] == top["report_year"] - 1
    assert top["change_percent"] == round(100 * top["change"] / top["previous_value"], 1)


def test_canned_inconsistent_reports(server: Server) -> None:
    rows_ = canned(server, "inconsistent_reports")
    checks = db_rows(server.db, "select report_id, [check], expected, found from checks")
    assert len(checks) == 7
    # one row per failed rule per report, the rule in Chinese, both sides named with values
    assert sorted((r["report_id"], r["check"]) for r in rows_) == \
        sorted(set((c["report_id"], c["check"]) for c in checks))
    assert {r["check"] for r in rows_} >= {"t3_identity", "t4_total", "pre2019_parts"}
    for row in rows_:
        assert row["rule"] == ui.CHECK_NAMES[row["check"]]
        mine = [c for c in checks if (c["report_id"], c["check"]) == (row["report_id"], row["check"])]
        assert row["places_count"] == len(mine)
        for c in mine:
            assert f"= {c['expected']}" in row["expected_side"] and f"= {c['found']}" in row["found_side"]
    identity = next(r for r in rows_ if r["check"] == "t3_identity" and r["places_count"] == 2)
    assert identity["expected_side"].startswith("一 + 二 = ")
    html = server.html(f"/{DB_NAME}/inconsistent_reports")
    assert f'href="/-/xxgk/report/{rows_[0]["report_id"]}"' in html  # linked to the report page


def test_canned_appeals_by_agency(server: Server) -> None:
    rows_ = canned(server, "appeals_by_agency", year="")
    sums: dict[str, list[Any]] = {}
    for r in db_rows(server.db, "select agency, reconsideration_total as a, litigation_total as b "
                                "from reports"):
        s = sums.setdefault(r["agency"], [None, None, 0])
        for i, v in ((0, r["a"]), (1, r["b"])):
            if v is not None:
                s[i] = (s[i] or 0) + v
        s[2] += r["a"] is None or r["b"] is None
    got = {r["agency"]: [r["reconsiderations"], r["lawsuits"], r["not_reported"]] for r in rows_}
    assert got == sums  # a blank is never added as 0: all blank → null, and counted
    for r in rows_:
        both = None if None in (r["reconsiderations"], r["lawsuits"]) else r["reconsiderations"] + r["lawsuits"]
        assert r["total"] == both
    one_year = canned(server, "appeals_by_agency", year=2021)
    assert {(r["first_year"], r["last_year"]) for r in one_year} == {(2021, 2021)}
    assert canned(server, "appeals_by_agency", year="2021年") == one_year  # years as typed
    assert canned(server, "applications_by_agency", year="2021年度") == \
        canned(server, "applications_by_agency", year="2021")


def test_canned_removed_reports(server: Server) -> None:
    rows_ = canned(server, "removed_reports")
    removed = db_rows(server.db, "select id from reports where removed_at is not null "
                                 "order by removed_at desc, agency, report_year")
    # the demo's own removal (its earlier edition listed one more report) and the one marked here
    assert [r["report_id"] for r in rows_] == [r["id"] for r in removed] and len(rows_) == 2
    assert "2025-03-01T00:00:00Z" in {r["removed_at"] for r in rows_}


def test_canned_search_is_kept(server: Server) -> None:
    rows_ = canned(server, "search", q="复议")
    assert rows_ and all("复议" in (r["snippet"] or "") or "复议" in r["title"] for r in rows_)


def test_cells_csv_link_of_a_report(server: Server) -> None:
    (report,) = db_rows(server.db, "select id, cells_count from reports where template = '2019' limit 1")
    html = server.html(f"/-/xxgk/report/{report['id']}")
    link = re.search(r'href="([^"]+)" class="xxgk-csv"', html).group(1).replace("&amp;", "&")
    status, headers, body = server.get(link)
    assert status == 200 and "attachment" in headers.get("content-disposition", "")
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the Chinese
    rows_ = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows_) == report["cells_count"] and {r["报告编号 report_id"] for r in rows_} == {report["id"]}


def test_report_page_shows_the_confidence(server: Server) -> None:
    (report,) = db_rows(server.db, "select id, confidence from reports where is_report = 1 "
                                   "and confidence is not null order by confidence limit 1")
    html = server.html(f"/-/xxgk/report/{report['id']}")
    assert f"confidence {report['confidence']:.2f}" in html
