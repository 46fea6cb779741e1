"""A journalist's first hour, in a real browser (issue 14): headless Debian Chromium driven by
Playwright against a real `xxgk serve` over the demo archive, at desktop size and on a phone
(390×844).

One test per point of the issue: the results list, CSVs that open in Excel, the home page,
blanks never shown as 0, question forms, the archived original, the phone layout, inconsistent
reports, Chinese chrome, empty states and the demo's history. Screenshots go to
docs/screenshots/ with XXGK_SCREENSHOTS=1 (`make screenshots`).
"""
from __future__ import annotations

import csv
import io
import re
import shutil
import sqlite3
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest
from playwright.sync_api import Browser, Page

from servers import running_server
from test_browser import CHROMIUM, CHROMIUM_ARGS, browser, db_rows, demo, screenshot  # noqa: F401 (fixtures)
from xxgk.capture import find_capture

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make system-deps)")

DB_NAME = "demo"
AGENCY = "江澜市财政局"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


def open_page(browser: Browser, demo: dict[str, Any], viewport: dict[str, int]):
    context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True,
                                  is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
    context.set_default_timeout(20_000)
    outside: list[str] = []
    context.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1:", "data:", "blob:",
                                                              "about:")) else outside.append(r.url))
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, outside, errors


@pytest.fixture(params=list(VIEWPORTS))
def page(request: pytest.FixtureRequest, browser: Browser, demo: dict[str, Any]) -> Iterator[Page]:
    context, page, outside, errors = open_page(browser, demo, VIEWPORTS[request.param])
    page.viewport_name = request.param  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()
    assert not outside, f"requests left the machine: {outside}"
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def desktop(browser: Browser, demo: dict[str, Any]) -> Iterator[Page]:
    context, page, outside, errors = open_page(browser, demo, DESKTOP)
    try:
        yield page
    finally:
        context.close()
    assert not outside and not errors, (outside, errors)


def phone(page: Page) -> bool:
    return getattr(page, "viewport_name", "desktop") == "phone"


def q(text: str) -> str:
    return urllib.parse.quote(text)


def no_sideways_scroll(page: Page) -> None:
    width = page.viewport_size["width"]
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll} px wide on a {width} px screen"


def top_of(page: Page, selector: str) -> float:
    return page.evaluate("s => document.querySelector(s).getBoundingClientRect().top + window.scrollY",
                         selector)


def excel_reads(data: bytes) -> str:
    """What Chinese Excel does with a CSV it opens by double-click: UTF-8 when the file starts
    with a BOM, else the system code page (GBK / cp936)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    return data.decode("gbk", errors="replace")


def download(page: Page, selector: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.click(selector)
    d = info.value
    return d.suggested_filename, Path(d.path()).read_bytes()


# -- 1. the reports table is a results list -------------------------------------------------------
def test_reports_table_is_a_readable_results_list(page: Page, demo: dict[str, Any]) -> None:
    page.goto(f"{demo['url']}/{DB_NAME}/reports?_search={q('复议')}")
    # the search box comes first, above every result; the glossary is folded
    assert top_of(page, "#_search") < top_of(page, ".xxgk-result")
    assert page.input_value("#_search") == "复议"
    assert page.locator("details.xxgk-glossary").count() == 1
    assert page.evaluate("() => document.querySelector('details.xxgk-glossary').open") is False
    assert not page.locator("dl.column-descriptions").is_visible()

    expected = db_rows(demo["db"], "select count(*) as n from reports where instr(coalesce(title, '') "
                                   "|| coalesce(body_text, ''), '复议') > 0")[0]["n"]
    assert int(page.locator(".xxgk-count").get_attribute("data-count")) == expected
    results = page.locator("li.xxgk-result")
    assert results.count() == min(expected, 50)
    first = results.first
    report_id = first.get_attribute("data-report-id")
    (report,) = db_rows(demo["db"], "select * from reports where id = ?", report_id)
    link = first.locator("a.xxgk-report-link")
    assert link.get_attribute("href") == f"/-/xxgk/report/{report_id}"
    assert link.inner_text() == report["title"]
    assert first.locator("a.xxgk-agency-link").inner_text() == report["agency"]
    assert str(report["report_year"]) in first.locator(".xxgk-year").inner_text()
    assert report["template"] in first.locator(".xxgk-template").inner_text()
    figure = first.locator("[data-indicator='applications_received']").inner_text()
    value = report["applications_received"]
    assert (f"{value:,}" if value is not None else "未填报") in figure
    snippet = first.locator(".xxgk-snippet mark").first.inner_text()
    assert snippet == "复议"
    # rows a person can read: no row taller than a few lines, the page no wider than the screen
    tallest = page.evaluate("() => Math.max(...[...document.querySelectorAll('li.xxgk-result')]"
                            ".map(li => li.getBoundingClientRect().height))")
    assert tallest < (320 if phone(page) else 200), tallest
    no_sideways_scroll(page)
    if phone(page):
        assert top_of(page, "#_search") < 300
        screenshot(page, "results-phone")
    else:
        screenshot(page, "results")

    # every column is still one click away; its id opens the rebuilt report page
    page.click("a.xxgk-all-columns")
    page.wait_for_load_state()
    headers = page.locator("table.xxgk-all thead th").evaluate_all("ths => ths.map(t => t.dataset.column)")
    columns = [r["name"] for r in db_rows(demo["db"], "select name from pragma_table_info('reports')")]
    assert set(columns) <= set(headers)
    assert page.locator("table.xxgk-all tbody th.col-id a").first.get_attribute("href").startswith("/-/xxgk/report/")
    no_sideways_scroll(page)


# -- 2. CSVs that open in Excel ---------------------------------------------------------------------
def test_csv_downloads_open_in_excel(page: Page, demo: dict[str, Any]) -> None:
    # the results' CSV: what the list shows, as a file, UTF-8 with BOM, Chinese + English headers
    page.goto(f"{demo['url']}/{DB_NAME}/reports?_search={q(AGENCY)}")
    name, data = download(page, "a.xxgk-csv-excel")
    assert data.startswith(b"\xef\xbb\xbf"), data[:20]
    assert name.endswith(".csv") and AGENCY in name
    text = excel_reads(data)
    rows = list(csv.reader(io.StringIO(text)))
    assert "标题 title" in rows[0] and "报告机关 agency" in rows[0] and "正文 body_text" not in rows[0]
    agency_col = rows[0].index("报告机关 agency")
    listed = int(page.locator(".xxgk-count").get_attribute("data-count"))
    assert len(rows) - 1 == listed and {r[agency_col] for r in rows[1:]} == {AGENCY}
    # read without the BOM (what Excel did before): mojibake, so the BOM is what makes it work
    assert AGENCY not in data[3:].decode("gbk", errors="replace")

    # the agency page: years × indicators, named after the agency
    page.goto(f"{demo['url']}/-/xxgk/agency/{q(AGENCY)}")
    link = page.locator("#agency-csv")
    assert link.is_visible()
    box = link.bounding_box()
    assert box and box["x"] + box["width"] <= page.viewport_size["width"]
    name, data = download(page, "#agency-csv")
    assert name == f"{AGENCY}-indicators.csv" and data.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(excel_reads(data))))
    reports = db_rows(demo["db"], "select report_year, litigation_total from reports where agency = ? "
                                  "order by report_year", AGENCY)
    assert [int(r["报告年度 report_year"]) for r in table] == [r["report_year"] for r in reports]
    assert [r["行政诉讼总计 litigation_total"] for r in table] == \
        ["未填报" if r["litigation_total"] is None else str(r["litigation_total"]) for r in reports]
    if phone(page):
        screenshot(page, "agency-phone")
    else:
        screenshot(page, "agency")

    # the chart page: agencies × value for the year, the blanks listed as 未填报
    page.goto(f"{demo['url']}/-/xxgk/chart?indicator=reconsideration_total&year=2022")
    name, data = download(page, "#chart-csv")
    assert data.startswith(b"\xef\xbb\xbf") and "2022" in name and name.endswith(".csv")
    table = list(csv.DictReader(io.StringIO(excel_reads(data))))
    stored = {r["agency"]: r["v"] for r in db_rows(
        demo["db"], "select agency, reconsideration_total as v from reports where report_year = 2022")}
    assert {r["报告机关 agency"]: r["行政复议总计 reconsideration_total"] for r in table} == \
        {a: "未填报" if v is None else str(v) for a, v in stored.items()}


# -- 3. the home page -------------------------------------------------------------------------------
def test_home_page_searches_and_shows_the_sections(page: Page, demo: dict[str, Any]) -> None:
    page.goto(demo["url"] + "/")
    assert "存档" in page.locator("h1").inner_text()
    for section in ("reports", "agencies", "charts", "questions"):
        assert page.locator(f"a.xxgk-card[data-section='{section}']").count() == 1
    assert [t.split()[0] for t in page.locator("a.xxgk-card strong").all_inner_texts()] == \
        ["报告", "机关", "图表", "常用查询"]
    names = set(page.locator("ul.xxgk-questions li").evaluate_all("lis => lis.map(l => l.dataset.query)"))
    assert {"applications_by_agency", "inconsistent_reports", "removed_reports", "search"} <= names
    (counts,) = db_rows(demo["db"], "select count(*) as reports, count(distinct agency) as agencies, "
                                    "count(distinct report_year) as years from reports")
    stats = {k: page.locator(f"[data-stat='{k}'] strong").inner_text() for k in ("reports", "agencies", "years")}
    assert stats == {k: str(v) for k, v in counts.items()}
    assert page.locator("[data-stat='last-crawl']").count() == 1
    no_sideways_scroll(page)
    screenshot(page, "home-phone" if phone(page) else "home")
    assert top_of(page, "#_search") < 400
    page.fill("#_search", "预算")
    page.press("#_search", "Enter")
    page.wait_for_load_state()
    assert f"/{DB_NAME}/reports?_search=" in page.url and page.input_value("#_search") == "预算"


# -- 4. blanks are 未填报, never 0 --------------------------------------------------------------------
def test_blanks_are_not_reported_never_zero(page: Page, demo: dict[str, Any]) -> None:
    # a question: 财政局 printed no lawsuit count for 2022; 审计局 printed neither figure
    page.goto(f"{demo['url']}/{DB_NAME}/appeals_by_agency?year=2022")
    rows = {tr.locator("th").inner_text(): tr for tr in page.locator("table.xxgk-answer tbody tr").all()}
    cells = lambda agency: dict(zip(  # noqa: E731
        page.locator("table.xxgk-answer thead th").evaluate_all("ths => ths.map(t => t.dataset.column)")[1:],
        rows[agency].locator("td").all_inner_texts()))
    assert cells(AGENCY)["reconsiderations"] == "4"
    assert cells(AGENCY)["lawsuits"] == "未填报" and cells(AGENCY)["total"] == "未填报"
    assert cells(AGENCY)["not_reported"] == "1"
    assert cells("江澜市审计局")["reconsiderations"] == "未填报"

    # the agency page's table
    page.goto(f"{demo['url']}/-/xxgk/agency/{q('江澜市审计局')}")
    blanks = db_rows(demo["db"], "select count(*) as n from reports where agency = '江澜市审计局' "
                                 "and reconsideration_total is null")[0]["n"]
    shown = page.locator("td[data-indicator='reconsideration_total']").all_inner_texts()
    assert shown.count("未填报") == blanks > 0

    # the bar chart says how many agencies did not report the figure (a year as typed: 2022年)
    page.goto(f"{demo['url']}/-/xxgk/chart?indicator=reconsideration_total&year={q('2022年')}")
    page.wait_for_selector("canvas#xxgk-chart[data-drawn='reconsideration_total']")
    missing = db_rows(demo["db"], "select count(*) as n from reports where report_year = 2022 "
                                  "and reconsideration_total is null")[0]["n"]
    gaps = page.locator(".xxgk-gaps")
    assert int(gaps.get_attribute("data-missing")) == missing == 3
    assert f"{missing} 个未填报" in gaps.inner_text()
    assert page.locator("table.xxgk-chart-table tr.xxgk-missing").count() == missing

    # the line chart breaks at the missing years instead of drawing across them
    page.goto(f"{demo['url']}/-/xxgk/chart?indicator=applications_received&agency={q(AGENCY)}")
    page.wait_for_selector("canvas#xxgk-chart[data-drawn='applications_received']")
    chart = page.evaluate("""() => { const c = window.xxgkCharts['xxgk-chart'];
        return {span: c.data.datasets[0].spanGaps, labels: c.data.labels, data: c.data.datasets[0].data}; }""")
    assert chart["span"] is False
    by_year = dict(zip(chart["labels"], chart["data"]))
    assert by_year["2010"] is None and by_year["2009"] is not None and by_year["2011"] is not None
    assert int(page.locator(".xxgk-gaps").get_attribute("data-missing")) == \
        sum(1 for v in chart["data"] if v is None) > 0
    no_sideways_scroll(page)


# -- 5. questions lead with a form --------------------------------------------------------------------
def test_questions_lead_with_a_form_and_read_years_as_typed(page: Page, demo: dict[str, Any]) -> None:
    page.goto(f"{demo['url']}/{DB_NAME}/applications_by_agency")
    form = page.locator("form.xxgk-question-form")
    assert "年度" in form.locator("label[for='qp-year']").inner_text()
    assert top_of(page, "form.xxgk-question-form") < top_of(page, "details.xxgk-sql")
    assert not page.locator("#sql-query").is_visible()  # the SQL is folded away
    assert "Run SQL" not in page.content()
    page.fill("#qp-year", "2022年")
    page.click("form.xxgk-question-form button[type='submit']")
    page.wait_for_load_state()
    in_2022 = db_rows(demo["db"], "select count(*) as n from reports where report_year = 2022")[0]["n"]
    assert int(page.locator(".xxgk-count").get_attribute("data-count")) == in_2022 > 0
    no_sideways_scroll(page)

    # the ranked search: 搜索词, and short words get real scores, not all 0
    page.goto(f"{demo['url']}/{DB_NAME}/search")
    assert "搜索词" in page.locator("label[for='qp-q']").inner_text()
    page.fill("#qp-q", "复议")
    page.click("form.xxgk-question-form button[type='submit']")
    page.wait_for_load_state()
    scores = [float(s) for s in page.locator("table.xxgk-answer td.col-score").all_inner_texts()]
    assert len(scores) > 10 and len(set(scores)) > 5 and all(s < 0 for s in scores)
    assert scores == sorted(scores)


# -- 6. the archived original ---------------------------------------------------------------------------
def test_archived_original_has_a_banner_and_dead_links_are_marked(page: Page, demo: dict[str, Any]) -> None:
    (report,) = db_rows(demo["db"], "select id, title, url, captured_at, warc_file from reports "
                                    "where agency = ? and report_year = 2023", "江澜市教育局")
    page.goto(f"{demo['url']}/-/xxgk/report/{report['id']}")
    page.click("#original-link")
    page.wait_for_load_state()
    banner = page.locator(".xxgk-banner")
    assert "存档副本" in banner.inner_text() and "archived copy" in banner.inner_text()
    assert page.locator(".xxgk-original-url a").inner_text() == report["url"]
    capture = find_capture(str(demo["db"]), report["id"])  # the WARC record's own date
    assert page.locator("time.xxgk-captured").get_attribute("datetime") == capture.captured_at
    frame = page.frame_locator("iframe.xxgk-original-frame")
    assert report["title"] in frame.locator("body").inner_text()
    assert frame.locator("a[href]").count() == 0 and frame.locator("a[data-xxgk-href]").count() > 0
    no_sideways_scroll(page)
    screenshot(page, "original-phone" if phone(page) else "original")
    page.click("a.xxgk-back")
    page.wait_for_load_state()
    assert page.url.endswith(f"/-/xxgk/report/{report['id']}")

    # a missing capture file: an error in the page's design, no server path
    warc = Path(str(demo["db"]).removesuffix(".db") + ".warc") / report["warc_file"]
    hidden = warc.with_name(warc.name + ".away")
    warc.rename(hidden)
    try:
        response = page.goto(f"{demo['url']}/-/xxgk/report/{report['id']}/original")
        assert response.status == 404
        text = page.locator("section.content").inner_text()
        assert "无法显示存档原件" in text and str(demo["db"].parent) not in page.content()
        assert ".warc" not in text and page.locator("nav.xxgk-nav").count() == 1
    finally:
        hidden.rename(warc)


# -- 7. phones --------------------------------------------------------------------------------------------
def test_phone_pages_fit_the_screen(browser: Browser, demo: dict[str, Any]) -> None:
    context, page, outside, errors = open_page(browser, demo, PHONE)
    try:
        (report,) = db_rows(demo["db"], "select id from reports where agency = ? and report_year = 2023",
                            "江澜市教育局")
        paths = ["/", f"/{DB_NAME}/reports", f"/{DB_NAME}/reports?_search={q('复议')}",
                 f"/-/xxgk/report/{report['id']}", f"/-/xxgk/agency/{q(AGENCY)}", "/-/xxgk/agencies",
                 "/-/xxgk/chart", f"/{DB_NAME}/inconsistent_reports", f"/{DB_NAME}/appeals_by_agency",
                 f"/{DB_NAME}/reports?_xxgk_view=table"]
        for path in paths:
            page.goto(demo["url"] + path)
            no_sideways_scroll(page)
        page.goto(f"{demo['url']}/{DB_NAME}/reports")
        assert top_of(page, "#_search") < 300
        page.goto(f"{demo['url']}/-/xxgk/report/{report['id']}")
        # statistics tables scroll inside their box, the labels stay in view
        table = page.locator("table.xxgk-stat").nth(1)
        box = page.locator(".xxgk-scroll.xxgk-sticky").nth(1)
        assert table.evaluate("t => t.scrollWidth") > box.evaluate("b => b.clientWidth")
        label = table.locator("tbody th.xxgk-row-label").first
        assert label.evaluate("e => getComputedStyle(e).position") == "sticky"
        width = label.evaluate("e => e.getBoundingClientRect().width")
        assert width >= 100, width  # not one character per line
        box.evaluate("b => b.scrollLeft = 2000")
        assert label.evaluate("e => e.getBoundingClientRect().left") >= 0
        box.evaluate("b => { b.scrollLeft = 260; window.scrollTo(0, b.getBoundingClientRect().top"
                     " + window.scrollY - 60); }")
        screenshot(page, "report-phone")
    finally:
        context.close()
    assert not outside and not errors, (outside, errors)


# -- 8. inconsistent reports ------------------------------------------------------------------------------
def test_inconsistent_reports_one_row_per_rule_in_chinese(page: Page, demo: dict[str, Any]) -> None:
    page.goto(f"{demo['url']}/{DB_NAME}/inconsistent_reports")
    expected = db_rows(demo["db"], "select count(*) as n from (select distinct report_id, [check] "
                                   "from checks)")[0]["n"]
    assert int(page.locator(".xxgk-count").get_attribute("data-count")) == expected == 6
    rules = page.locator("td.col-rule").all_inner_texts()
    assert all(re.match(r"^(表三|表四|统计表)：", r) for r in rules), rules
    identity = page.locator("table.xxgk-answer tbody tr", has=page.locator("td.col-rule", has_text="（七）总计 + 四")) \
        .filter(has_text="江澜市教育局")
    assert identity.count() == 1  # two columns of one report failed it: one row
    text = identity.inner_text()
    assert "一 + 二 = 250" in text and "（七）总计 + 四 = 251" in text
    no_sideways_scroll(page)

    # the report page marks every cell of the equation, and says which side is which
    identity.locator("a[href^='/-/xxgk/report/']").first.click()
    page.wait_for_load_state()
    table = page.locator("table.xxgk-stat[data-table-name^='三']")
    marked = table.locator("td.xxgk-failed")
    assert marked.count() >= 4
    rows = set(marked.evaluate_all("tds => tds.map(td => td.parentElement.querySelector('th').innerText.trim())"))
    assert {"一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "（七）总计",
            "四、结转下年度继续办理"} <= rows
    assert "一 + 二 = 250" in marked.first.get_attribute("title")
    check_row = page.locator("table.xxgk-checks tr[data-check='t3_identity']").first
    assert "一 + 二" in check_row.inner_text() and "（七）总计 + 四" in check_row.inner_text()


# -- 9. Chinese chrome, year order, local dates, separators ----------------------------------------------
def test_datasette_chrome_is_chinese_and_readable(page: Page, demo: dict[str, Any]) -> None:
    page.goto(f"{demo['url']}/{DB_NAME}/reports")
    content = page.locator("section.content").inner_text()
    assert "Search:" not in content and "Apply" not in content and "rows where" not in content
    years_facet = page.locator(".facet-info[data-column='report_year']")
    assert "年度" in years_facet.locator(".facet-info-name").inner_text()
    years = [int(a) for a in years_facet.locator("li a").all_inner_texts() if a.strip().isdigit()]
    assert years == sorted(years, reverse=True) and len(years) > 10
    # a facet still filters
    page.locator(".facet-info[data-column='checks_count'] a", has_text="有 / yes").click()
    page.wait_for_load_state()
    assert int(page.locator(".xxgk-count").get_attribute("data-count")) == 4

    # every-column view: thousands separators, local times, the id opens the report page
    page.goto(f"{demo['url']}/{DB_NAME}/reports?_xxgk_view=table&_sort_desc=proactive_disclosed")
    (top,) = db_rows(demo["db"], "select id, proactive_disclosed, first_seen from reports "
                                 "order by proactive_disclosed desc limit 1")
    assert top["proactive_disclosed"] >= 1000
    first_row = page.locator("table.xxgk-all tbody tr").first
    assert first_row.locator("td.col-proactive_disclosed").inner_text() == f"{top['proactive_disclosed']:,}"
    local = first_row.locator("td.col-first_seen time")
    assert local.get_attribute("datetime") == top["first_seen"] and "Z" not in local.inner_text()
    utc = time.strptime(top["first_seen"], "%Y-%m-%dT%H:%M:%SZ")
    shanghai = time.strftime("%Y-%m-%d %H:%M", time.gmtime(time.mktime(utc) - time.timezone + 8 * 3600))
    assert local.inner_text() == shanghai
    first_row.locator("th.col-id a").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/-/xxgk/report/{top['id']}")
    crumbs = page.locator("p.crumbs").inner_text()
    assert top["id"] not in crumbs and "报告" in crumbs


# -- 10. empty states and the demo's history --------------------------------------------------------------
def test_removed_and_changed_reports_and_their_empty_states(page: Page, demo: dict[str, Any],
                                                            tmp_path: Path) -> None:
    removed = db_rows(demo["db"], "select id, title from reports where removed_at is not null")
    changed = db_rows(demo["db"], "select distinct report_id from report_changes")
    assert len(removed) >= 1 and len(changed) >= 1  # the demo's second crawl made history
    page.goto(f"{demo['url']}/{DB_NAME}/removed_reports")
    assert int(page.locator(".xxgk-count").get_attribute("data-count")) == len(removed)
    assert removed[0]["title"] in page.locator("table.xxgk-answer").inner_text()
    assert page.locator("#how-checked table.xxgk-walks tbody tr").count() >= 1
    page.goto(f"{demo['url']}/{DB_NAME}/changed_reports")
    assert page.locator("table.xxgk-answer tbody tr").count() >= 1
    assert "本报告为初稿" in page.locator("td.col-change").first.inner_text()

    # an archive where nothing was removed or changed says what was checked and when
    quiet = tmp_path / "quiet.db"
    shutil.copy(demo["db"], quiet)
    with sqlite3.connect(quiet) as conn:
        conn.execute("update reports set removed_at = null")
        conn.execute("delete from report_changes")
        (walked,) = conn.execute("select last_complete_walk_at from column_walks").fetchone()
    with running_server(quiet) as url:
        page.goto(f"{url}/quiet/removed_reports")
        state = page.locator(".xxgk-empty-state").inner_text()
        assert "没有报告从门户删除" in state
        how = page.locator("#how-checked")
        assert how.locator("time").get_attribute("datetime") == walked
        assert "完整遍历" in how.inner_text()
        page.goto(f"{url}/quiet/changed_reports")
        assert "没有报告的内容发生变化" in page.locator(".xxgk-empty-state").inner_text()
        assert "比较" in page.locator("#how-checked").inner_text()
        no_sideways_scroll(page)
