"""The UI in a real browser: headless Debian Chromium driven by Playwright against a real
`xxgk serve` over the demo archive.

A journalist's path: search a two-character word, open a report and read its tables, apply
facets, download CSV, look at charts, open the archived original. Every page must work with
no internet: any request leaving 127.0.0.1 fails the test.

Screenshots of the main pages go to docs/screenshots/ with XXGK_SCREENSHOTS=1
(`make screenshots`). Skipped only when Chromium is not installed (`make system-deps`
installs Debian's chromium; XXGK_CHROMIUM points elsewhere).
"""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from conftest import REPO
from servers import build_demo, running_server

CHROMIUM: Optional[str] = next(
    (p for p in (os.environ.get("XXGK_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium")
     if p and os.path.exists(p)), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed: `make system-deps` installs Debian's chromium "
           "(apt-get install chromium), or set XXGK_CHROMIUM to a Chromium binary")

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = REPO / "docs" / "screenshots"
SCREENSHOT_MAX_BYTES = 300_000
DB_NAME = "demo"
AGENCY = "江澜市财政局"


def db_rows(db: Path, sql: str, *params: Any) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params).fetchall()]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    path = tmp_path_factory.mktemp("browser") / f"{DB_NAME}.db"
    build_demo(path)
    with running_server(path) as url:
        yield {"db": path, "url": url}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser, demo: dict[str, Any]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                  accept_downloads=True)
    context.set_default_timeout(20_000)
    outside: list[str] = []
    context.on("request", lambda request: None if request.url.startswith(demo["url"])
               or request.url.startswith(("data:", "blob:", "about:")) else outside.append(request.url))
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # every page is served with a Content-Security-Policy (xxgk/security_plugin.py): nothing
    # the UI needs may be refused by it
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    try:
        yield page
    finally:
        context.close()
    assert not outside, f"requests left the machine: {outside}"
    assert not errors, f"JavaScript errors: {errors}"


def screenshot(page: Page, name: str, full_page: bool = False) -> None:
    """docs/screenshots/NAME.png when XXGK_SCREENSHOTS=1 (kept small for the repository)."""
    if os.environ.get("XXGK_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    assert path.stat().st_size <= SCREENSHOT_MAX_BYTES, f"{path} is {path.stat().st_size} bytes"


def rows_heading(page: Page) -> int:
    """The number the results list prints above the results ("24 份报告 reports")."""
    count = page.locator(".xxgk-count")
    text = count.inner_text()
    assert re.match(r"[\d,]+ 份报告", text.strip()), text
    return int(count.get_attribute("data-count"))


def scroll_to(page: Page, selector: str, above: int = 12) -> None:
    page.evaluate("([s, above]) => { const e = document.querySelector(s);"
                  " window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - above); }",
                  [selector, above])


def canvas_ink(page: Page, canvas_id: str) -> dict[str, int]:
    """How many pixels of the canvas the chart painted (alpha > 0)."""
    return page.evaluate("""id => {
        const c = document.getElementById(id);
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let ink = 0;
        for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) ink++; }
        return {ink: ink, pixels: d.length / 4};
    }""", canvas_id)


# -- search -------------------------------------------------------------------------------------
def test_search_two_character_word_from_the_search_box(page: Page, demo: dict[str, Any]) -> None:
    page.goto(f"{demo['url']}/{DB_NAME}/reports")
    page.fill("#_search", "复议")
    page.press("#_search", "Enter")
    page.wait_for_load_state()
    assert "_search=" in page.url
    expected = db_rows(demo["db"], "select count(*) as n from reports where instr(coalesce(title, '') || "
                       "coalesce(body_text, ''), '复议') > 0")[0]["n"]
    assert expected > 0 and rows_heading(page) == expected
    assert page.locator("li.xxgk-result").count() == min(expected, 50)
    assert page.input_value("#_search") == "复议"
    screenshot(page, "search-results")

    # a narrower word: only the one report carrying the facts of a Quzhou report
    page.fill("#_search", "衢州")
    page.press("#_search", "Enter")
    page.wait_for_load_state()
    assert rows_heading(page) == 1
    assert page.locator("a.xxgk-report-link").first.inner_text() == \
        "衢州市机关事务管理局2017年政府信息公开工作年度报告"


# -- report page --------------------------------------------------------------------------------
def test_open_a_report_and_read_its_tables(page: Page, demo: dict[str, Any]) -> None:
    page.goto(f"{demo['url']}/{DB_NAME}/reports?template=2021&_sort_desc=checks_count")
    link = page.locator("a.xxgk-report-link").first
    title = link.inner_text()
    link.click()
    page.wait_for_load_state()
    assert "/-/xxgk/report/" in page.url
    report_id = page.url.rsplit("/", 1)[1]
    (report,) = db_rows(demo["db"], "select * from reports where id = ?", report_id)
    assert report["title"] == title and report["checks_count"] > 0
    assert page.locator("h1").inner_text() == title

    shown: dict[str, list[str]] = page.evaluate("""() => Object.fromEntries(
        [...document.querySelectorAll('table.xxgk-stat')].map(t => [t.dataset.tableName,
            [...t.querySelectorAll('td.xxgk-num')].map(td => td.innerText.trim()).filter(x => x)]))""")
    stored: dict[str, Counter] = {}
    for c in db_rows(demo["db"], "select table_name, raw from cells where report_id = ?", report_id):
        if c["raw"]:
            stored.setdefault(c["table_name"], Counter())[c["raw"]] += 1
    assert set(shown) == set(stored) == {"二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                                         "四、政府信息公开行政复议、行政诉讼情况"}
    for name, texts in stored.items():
        assert Counter(shown[name]) == texts, name

    # a known cell in its row and column: table 三, 一、本年新收… × 总计
    (received,) = db_rows(demo["db"], "select raw from cells where report_id = ? and row_path = ? "
                          "and column_path = ?", report_id, '["一、本年新收政府信息公开申请数量"]',
                          '["申请人情况", "总计"]')
    row = page.locator("table.xxgk-stat[data-table-name^='三'] tr",
                       has=page.locator("th", has_text="一、本年新收政府信息公开申请数量"))
    assert row.locator("td").last.inner_text() == received["raw"]
    # the cell a failed check names is marked, and the checks are listed
    assert page.locator("td.xxgk-failed").count() >= 1
    assert page.locator("table.xxgk-checks tbody tr").count() == report["checks_count"]
    screenshot(page, "report")
    scroll_to(page, "#tables")
    screenshot(page, "report-tables")

    # the archived original, as the portal served it
    page.click("#original-link")
    page.wait_for_load_state()
    assert page.url.endswith(f"/-/xxgk/report/{report_id}/original")
    assert "存档副本" in page.locator(".xxgk-banner").inner_text()
    assert title in page.frame_locator("iframe.xxgk-original-frame").locator("body").inner_text()


def test_pre2019_report_reads_label_unit_count(page: Page, demo: dict[str, Any]) -> None:
    (report,) = db_rows(demo["db"], "select id from reports where agency = '衢州市机关事务管理局'")
    page.goto(f"{demo['url']}/-/xxgk/report/{report['id']}")
    table = page.locator("table.xxgk-stat")
    assert [t.strip() for t in table.locator("thead th").all_inner_texts()] == ["统计指标", "单位", "统计数"]
    row = table.locator("tr", has=page.locator("th", has_text="（一）主动公开政府信息数"))
    assert [t.strip() for t in row.locator("td").all_inner_texts()] == ["条", "67"]


# -- facets and CSV -----------------------------------------------------------------------------
def test_apply_facets(page: Page, demo: dict[str, Any]) -> None:
    page.goto(f"{demo['url']}/{DB_NAME}/reports")
    assert rows_heading(page) == db_rows(demo["db"], "select count(*) as n from reports")[0]["n"]
    page.locator(".facet-info[data-column='checks_count'] a", has_text="有 / yes").click()
    page.wait_for_load_state()
    failed = db_rows(demo["db"], "select title from reports where checks_count > 0")
    assert "checks_count__gt=0" in page.url and rows_heading(page) == len(failed) == 4
    assert sorted(page.locator("a.xxgk-report-link").all_inner_texts()) == sorted(r["title"] for r in failed)
    screenshot(page, "facets")

    page.locator(".facet-info[data-column='template'] a", has_text="2021").click()
    page.wait_for_load_state()
    both = db_rows(demo["db"], "select count(*) as n from reports where checks_count > 0 "
                               "and template = '2021'")[0]["n"]
    assert "template=2021" in page.url and rows_heading(page) == both == 2

    page.goto(f"{demo['url']}/{DB_NAME}/reports")
    page.locator(".facet-info[data-column='report_year'] a", has_text="2019").first.click()
    page.wait_for_load_state()
    assert rows_heading(page) == db_rows(demo["db"], "select count(*) as n from reports "
                                                     "where report_year = 2019")[0]["n"]


def test_download_csv(page: Page, demo: dict[str, Any]) -> None:
    page.goto(f"{demo['url']}/{DB_NAME}/reports?template=2019")
    expected = {r["id"]: r for r in db_rows(demo["db"], "select id, title, applications_received "
                                                        "from reports where template = '2019'")}
    # datasette's own CSV, every column as stored
    with page.expect_response(lambda r: ".csv" in r.url) as response_info:
        page.locator("a.xxgk-raw-csv").click()
    response = response_info.value
    assert response.status == 200
    rows = list(csv.DictReader(io.StringIO(response.text())))
    assert {r["id"] for r in rows} == set(expected) and len(rows) == 24

    # the project's CSV: a file, UTF-8 with BOM, Chinese + English headers, blanks as 未填报
    page.goto(f"{demo['url']}/{DB_NAME}/reports?template=2019")
    with page.expect_download() as download_info:
        page.click("a.xxgk-csv-excel")
    download = download_info.value
    assert download.suggested_filename.endswith(".csv") and "2019" in download.suggested_filename
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 24
    for row in rows:
        assert row["标题 title"] == expected[row["报告编号 id"]]["title"]
        figure = expected[row["报告编号 id"]]["applications_received"]
        assert row["本年新收政府信息公开申请数量 applications_received"] == \
            ("未填报" if figure is None else str(figure))

    # a report's cells, from its page
    report_id = rows[0]["报告编号 id"]
    (report,) = db_rows(demo["db"], "select cells_count from reports where id = ?", report_id)
    page.goto(f"{demo['url']}/-/xxgk/report/{report_id}")
    with page.expect_download() as download_info:
        page.click("a.xxgk-csv")
    cells = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text("utf-8-sig"))))
    assert len(cells) == report["cells_count"] and {c["报告编号 report_id"] for c in cells} == {report_id}


# -- charts -------------------------------------------------------------------------------------
def test_chart_of_an_indicator_over_the_years(page: Page, demo: dict[str, Any]) -> None:
    page.goto(f"{demo['url']}/-/xxgk/chart?indicator=applications_received&agency={AGENCY}")
    page.wait_for_selector("canvas#xxgk-chart[data-drawn='applications_received']")
    chart = page.evaluate("""() => { const c = window.xxgkCharts['xxgk-chart'];
        return {type: c.config.type, labels: c.data.labels, data: c.data.datasets[0].data,
                points: c.getDatasetMeta(0).data.length}; }""")
    reports = db_rows(demo["db"], "select report_year, applications_received from reports "
                                  "where agency = ? order by report_year", AGENCY)
    assert chart["type"] == "line"
    # every year from the first to the last report; years without a report are gaps
    years = list(range(reports[0]["report_year"], reports[-1]["report_year"] + 1))
    assert chart["labels"] == [str(y) for y in years]
    by_year = {r["report_year"]: r["applications_received"] for r in reports}
    assert chart["data"] == [by_year.get(y) for y in years]
    ink = canvas_ink(page, "xxgk-chart")
    assert ink["ink"] > ink["pixels"] * 0.01, ink
    screenshot(page, "chart-agency-years")


def test_chart_of_an_indicator_across_agencies_from_the_form(page: Page, demo: dict[str, Any]) -> None:
    page.goto(f"{demo['url']}/-/xxgk/chart")
    page.select_option("select[name='indicator']", "reconsideration_total")
    page.select_option("select[name='year']", "2022")
    page.click("form.xxgk-chart-form button[type='submit']")
    page.wait_for_selector("canvas#xxgk-chart[data-drawn='reconsideration_total']")
    chart = page.evaluate("""() => { const c = window.xxgkCharts['xxgk-chart'];
        return {type: c.config.type, labels: c.data.labels, data: c.data.datasets[0].data,
                bars: c.getDatasetMeta(0).data.length}; }""")
    reports = db_rows(demo["db"], "select agency, reconsideration_total as v from reports "
                                  "where report_year = 2022 and reconsideration_total is not null")
    reports.sort(key=lambda r: (-r["v"], r["agency"]))
    assert chart["type"] == "bar" and chart["bars"] == len(reports) and len(reports) >= 5
    assert chart["labels"] == [r["agency"] for r in reports]
    assert chart["data"] == [r["v"] for r in reports]
    ink = canvas_ink(page, "xxgk-chart")
    assert ink["ink"] > ink["pixels"] * 0.01, ink
    screenshot(page, "chart-across-agencies")


def test_agency_page_switches_indicator(page: Page, demo: dict[str, Any]) -> None:
    page.goto(f"{demo['url']}/-/xxgk/agencies")
    page.click(f"a:text-is('{AGENCY}')")
    page.wait_for_selector("canvas#agency-chart[data-drawn='applications_received']")
    assert page.locator("h1").inner_text() == AGENCY
    reports = db_rows(demo["db"], "select report_year, litigation_total from reports "
                                  "where agency = ? order by report_year", AGENCY)
    assert page.locator("table.xxgk-agency-table tbody tr").count() == len(reports)
    screenshot(page, "agency")
    page.select_option("select[data-xxgk-series-select='agency-chart']", "litigation_total")
    page.wait_for_selector("canvas#agency-chart[data-drawn='litigation_total']")
    data = page.evaluate("() => window.xxgkCharts['agency-chart'].data.datasets[0].data")
    by_year = {r["report_year"]: r["litigation_total"] for r in reports}
    assert [v for v in data if v is not None] == [by_year[y] for y in sorted(by_year)
                                                  if by_year[y] is not None]
    assert "indicator=litigation_total" in page.url
    assert canvas_ink(page, "agency-chart")["ink"] > 0
