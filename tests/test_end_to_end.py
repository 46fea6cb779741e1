"""The whole path: demo portal (real HTTP) → real Scrapy crawl (a subprocess running
`xxgk crawl --url`) → real SQLite archive → real datasette process answering HTTP."""
from __future__ import annotations

import json
import sqlite3
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import rows, xxgk
from servers import running_server
from xxgk.portal import build_demo_portal, serve_portal

QUZHOU_INDEX_NO = "12330800002618357U/2018-103701"


def table_counts(db: str) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        # Real tables only (FTS shadow tables included); virtual tables may not support scans.
        names = [r[0] for r in conn.execute(
            "select name from sqlite_master where type='table' and sql not like 'CREATE VIRTUAL TABLE%'")]
        return {n: conn.execute(f"select count(*) from [{n}]").fetchone()[0] for n in names}


@pytest.fixture(scope="module")
def portal():
    return build_demo_portal()


@pytest.fixture(scope="module")
def crawled(portal, tmp_path_factory):
    """Crawl the demo portal twice into one archive; keep the counts after each crawl."""
    db = str(tmp_path_factory.mktemp("e2e") / "archive.db")
    with serve_portal(portal, host="127.0.0.1", port=0) as base_url:
        start = base_url + portal.start_paths[0]
        first = xxgk("crawl", "--url", start, "--db", db)
        assert first.returncode == 0, first.stderr
        counts_1 = table_counts(db)
        second = xxgk("crawl", "--url", start, "--db", db)
        assert second.returncode == 0, second.stderr
        counts_2 = table_counts(db)
    return dict(db=db, first=first, counts_1=counts_1, counts_2=counts_2, base_url=base_url)


def test_every_report_archived_and_no_notice(portal, crawled):
    db = crawled["db"]
    titles = {r["title"] for r in rows(db, "select title from reports")}
    assert titles == {r.title for r in portal.reports}
    assert not titles & {n.title for n in portal.notices}


def test_every_cell_stored_with_its_value(portal, crawled):
    db = crawled["db"]
    stored = {}
    for r in rows(db, "select r.url, c.row_path, c.column_path, c.unit, c.value, c.raw from cells c join reports r on r.id = c.report_id"):
        stored[(urllib.parse.urlsplit(r["url"]).path, tuple(json.loads(r["row_path"])), tuple(json.loads(r["column_path"])))] = (r["unit"], r["value"], r["raw"])
    expected = {}
    for report in portal.reports:
        for cell in report.cells:
            expected[(report.art_path, tuple(cell.row), tuple(cell.column))] = (cell.unit, cell.value, cell.raw)
    assert len(stored) == len(expected)
    assert stored == expected


def test_header_fields_of_every_report(portal, crawled):
    got = {urllib.parse.urlsplit(r["url"]).path: r for r in rows(crawled["db"], "select * from reports")}
    for report in portal.reports:
        row = got[report.art_path]
        assert (row["index_no"], row["written_date"], row["signed_date"], row["report_year"], row["agency"], row["publisher"]) == (
            report.index_no, report.written_date, report.signed_date, report.report_year, report.agency, report.publisher
        ), report.art_path
        assert row["template"] == report.template, report.art_path


def test_planted_inconsistencies_land_in_checks(portal, crawled):
    """The reports printed with a deliberate error have exactly the checks they must fail
    in the archive's `checks` table (and `checks_count`); every other report has none."""
    db = crawled["db"]
    found: dict[str, set[str]] = {}
    for r in rows(db, "select r.url, c.[check] from checks c join reports r on r.id = c.report_id"):
        found.setdefault(urllib.parse.urlsplit(r["url"]).path, set()).add(r["check"])
    expected = {r.art_path: set(r.expected_checks) for r in portal.reports if r.expected_checks}
    assert len(expected) >= 3 and {"t3_identity", "t4_total", "pre2019_parts"} <= set().union(*expected.values())
    assert found == expected
    counts = {urllib.parse.urlsplit(r["url"]).path: r["checks_count"] for r in rows(db, "select url, checks_count from reports")}
    assert {path for path, n in counts.items() if n} == set(expected)


def test_quzhou_report_values(crawled):
    (row,) = rows(crawled["db"], "select * from reports where index_no = ?", QUZHOU_INDEX_NO)
    assert row["title"] == "衢州市机关事务管理局2017年政府信息公开工作年度报告"
    assert (row["agency"], row["publisher"]) == ("衢州市机关事务管理局", "市机关事务局")
    assert (row["written_date"], row["signed_date"], row["report_year"]) == ("2018-02-28", "2018-02-27", 2017)
    assert row["proactive_disclosed"] == 67 and row["applications_received"] is None
    values = {tuple(json.loads(c["row_path"]))[-1]: c["value"] for c in rows(
        crawled["db"], "select row_path, value from cells where report_id = ? and value is not null", row["id"])}
    assert values == {
        "（一）主动公开政府信息数": 67,
        "2.政府网站公开政府信息数": 67,
        "（三）从事政府信息公开工作人员数": 2,
        "2.兼职人员数": 2,
        "（一）召开政府信息公开工作会议或专题会议数": 1,
    }


def test_broken_link_recorded_and_crawl_went_on(portal, crawled):
    db = crawled["db"]
    missing = rows(db, "select url, status, error from fetches where status = 404")
    assert {urllib.parse.urlsplit(r["url"]).path for r in missing} == set(portal.missing_paths)
    assert all(r["error"] for r in missing)
    (run,) = rows(db, "select * from crawl_runs order by id limit 1")
    assert run["status"] == "finished"
    assert run["errors"] == len(portal.missing_paths)
    assert run["reports_new"] == len(portal.reports)


def test_progress_line_printed(crawled):
    assert "pages" in crawled["first"].stderr and "reports" in crawled["first"].stderr


def test_second_crawl_doubles_nothing(crawled):
    before, after = dict(crawled["counts_1"]), dict(crawled["counts_2"])
    assert after.pop("crawl_runs") == before.pop("crawl_runs") + 1
    assert after.pop("crawl_columns") == before.pop("crawl_columns") + 1   # the demo's one column
    assert after == before
    runs = rows(crawled["db"], "select reports_new, reports_changed from crawl_runs order by id")
    assert (runs[1]["reports_new"], runs[1]["reports_changed"]) == (0, 0)


def test_gbk_pages_stored_without_mojibake(portal, crawled):
    gbk = [r for r in portal.reports if r.encoding == "gbk"]
    assert gbk, "the demo portal serves some GBK pages"
    stored = {urllib.parse.urlsplit(r["url"]).path: r for r in rows(crawled["db"], "select url, title, agency from reports")}
    for report in gbk:
        assert (stored[report.art_path]["title"], stored[report.art_path]["agency"]) == (report.title, report.agency)


def test_datasette_serves_and_searches(crawled):
    with running_server(Path(crawled["db"])) as base:
        query = urllib.parse.quote("机关事务管理局")
        with urllib.request.urlopen(f"{base}/archive/reports.json?_search={query}&_shape=array", timeout=30) as resp:
            found = json.load(resp)
        assert [r["index_no"] for r in found] == [QUZHOU_INDEX_NO]
        with urllib.request.urlopen(f"{base}/archive/reports.json?_facet=report_year&_size=0", timeout=30) as resp:
            facets = json.load(resp)["facet_results"]
        assert "report_year" in facets


def test_demo_no_serve_builds_archive(tmp_path):
    db = tmp_path / "demo.db"
    result = xxgk("demo", "--no-serve", "--db", str(db))
    assert result.returncode == 0, result.stderr
    counts = table_counts(str(db))
    assert counts["reports"] >= 40
    (reports_with_cells,) = rows(str(db), "select count(distinct report_id) from cells")[0]
    assert reports_with_cells == counts["reports"]
