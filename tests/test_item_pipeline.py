"""The Scrapy item pipeline (crawler/pipelines.py) on its own: PageItems in, archive rows out.
A report page whose body only links its report waits for the attachment, then gets its
tables from it; an attachment without tables leaves the page to stand on its own."""
from __future__ import annotations

import sqlite3

from conftest import GOLDEN
from crawler.items import ARTICLE, ATTACHMENT, PageItem
from crawler.pipelines import ArchivePipeline

SITE = "http://127.0.0.1:9/"
PAGE = SITE + "art/2022/3/1/art_1_1.html"
FILE = SITE + "files/report.html"
TITLE = "江澜市财政局2021年政府信息公开工作年度报告"
LINKING_PAGE = (f"<html><head><title>{TITLE}</title></head><body><div id='zoom'>"
                f"<p>{TITLE}</p><p>附件：<a href='/files/report.html'>{TITLE}</a></p></div></body></html>")
NO_TABLE = "<html><body><p>本文件无统计表。</p></body></html>"


def item(url: str, kind, body: str, **extra) -> PageItem:
    return PageItem(url=url, kind=kind, status=200, content_type="text/html; charset=utf-8",
                    body=body.encode("utf-8"), fetched_at="2025-01-02T03:04:05Z", **extra)


def crawl(db, attachment_body: str) -> ArchivePipeline:
    pipeline = ArchivePipeline(str(db), "test", progress=False)
    pipeline.open_spider()
    pipeline.process_item(item(PAGE, ARTICLE, LINKING_PAGE, attachments=(FILE,)))
    assert pipeline.waiting and not pipeline.stats["reports"]  # decided when the file is read
    pipeline.process_item(item(FILE, ATTACHMENT, attachment_body, parent_url=PAGE, filename="report.html"))
    pipeline.close_spider()
    return pipeline


def test_page_gets_its_report_from_the_attachment(tmp_path):
    pipeline = crawl(tmp_path / "a.db", (GOLDEN / "t2021_full_report.html").read_text("utf-8"))
    assert pipeline.stats["reports_new"] == 1 and pipeline.stats["errors"] == 0
    with sqlite3.connect(tmp_path / "a.db") as conn:
        url, template, cells = conn.execute("select url, template, cells_count from reports").fetchone()
        assert (url, template) == (PAGE, "2021") and cells > 100
        assert conn.execute("select used_for_report, parent_url from attachments").fetchall() == [(1, PAGE)]
        assert conn.execute("select status, pages from crawl_runs").fetchall() == [("finished", 2)]


def test_attachment_without_tables_leaves_the_page_on_its_own(tmp_path):
    pipeline = crawl(tmp_path / "b.db", NO_TABLE)
    assert not pipeline.waiting and pipeline.stats["reports"] == 0 and pipeline.stats["not_reports"] == 1
    with sqlite3.connect(tmp_path / "b.db") as conn:
        assert conn.execute("select count(*) from reports").fetchone()[0] == 0
        assert conn.execute("select used_for_report from attachments").fetchall() == [(0,)]
