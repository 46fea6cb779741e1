"""The pure parts of the journalist's pages (issue 14), without a server: Excel CSV bytes and
file names, years as typed, local times, the rows an equation names, short diffs, disabled
links in an archived page, error messages without paths, sums that keep blanks apart from 0."""
from __future__ import annotations

import csv
import io
import sqlite3
import urllib.parse

import pytest

from xxgk import excel, labels, questions, ui
from xxgk.reader_plugin import capture_error, disable_links


def test_csv_text_has_a_bom_crlf_and_blanks_as_empty() -> None:
    text = excel.csv_text(["标题 title", "数值 value"], [["江澜市财政局", 1], ["a,b", None]])
    data = text.encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == \
        [["标题 title", "数值 value"], ["江澜市财政局", "1"], ["a,b", ""]]


def test_figures_keep_blanks_apart_from_zero() -> None:
    assert [excel.figure(v) for v in (0, None, "", 3.0, 2.5)] == [0, "未填报", "未填报", 3, 2.5]
    assert ui.figure_text(None) == "未填报" and ui.figure_text(0) == "0" and ui.figure_text(3534) == "3,534"


def test_file_name_and_content_disposition() -> None:
    assert excel.file_name("江澜市财政局", "indicators") == "江澜市财政局-indicators.csv"
    assert excel.file_name("报告", "a/b:c", None, "") == "报告-a_b_c.csv"
    assert excel.file_name() == "xxgk.csv"
    header = excel.content_disposition("江澜市财政局-indicators.csv")
    assert header.startswith('attachment; filename="') and header.isascii()
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert urllib.parse.unquote(encoded) == "江澜市财政局-indicators.csv"


def test_headers_are_chinese_then_the_column_name() -> None:
    assert excel.headers_for(["report_year", "applications_received", "not_reported", "mystery"]) == \
        ["报告年度 report_year", "本年新收政府信息公开申请数量 applications_received",
         "未填报的报告数 not_reported", "mystery"]
    assert excel.headers_for(["report_id"], "cells") == ["报告编号 report_id"]


@pytest.mark.parametrize("typed, year", [("2022", 2022), (" 2022年 ", 2022), ("2022年度", 2022),
                                         ("２０２２", 2022), ("", None), (None, None)])
def test_years_as_typed(typed: str, year: int) -> None:
    assert labels.parse_year(typed) == year


def test_a_year_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValueError):
        labels.parse_year("去年")


def test_year_parameter_in_sql_reads_years_as_typed() -> None:
    conn = sqlite3.connect(":memory:")
    for typed, year in (("2022", 2022), ("2022年", 2022), (" 2022年度 ", 2022), ("", None)):
        assert conn.execute(f"select {questions.YEAR_PARAM}", {"year": typed}).fetchone()[0] == year


def test_appeals_sums_stay_blank_when_nothing_was_reported() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("create table reports (agency, report_year, reconsideration_total, "
                 "litigation_total, is_report)")
    conn.executemany("insert into reports values (?, ?, ?, ?, 1)", [
        ("财政局", 2022, 4, None), ("审计局", 2022, None, None), ("教育局", 2022, 3, 5)])
    rows = {r[0]: r[4:] for r in conn.execute(questions.APPEALS_BY_AGENCY_SQL, {"year": "2022年"})}
    assert rows == {"财政局": (4, None, None, 1), "审计局": (None, None, None, 1), "教育局": (3, 5, 8, 0)}


def test_local_time_is_beijing_time() -> None:
    assert labels.local_time("2026-12-04T15:21:06Z") == "2026-12-04 23:21"
    assert labels.local_time("2026-12-04T20:00:00Z", seconds=True) == "2026-12-05 04:00:00"
    assert labels.local_time("2024-01-30") == "2024-01-30" and labels.local_time(None) == ""


def test_an_equation_names_its_rows() -> None:
    rows = [("一、本年新收政府信息公开申请数量",), ("二、上年结转政府信息公开申请数量",),
            ("三、本年度办理结果", "（一）予以公开"), ("三、本年度办理结果", "（七）总计"),
            ("四、结转下年度继续办理",)]
    assert ui.rule_rows("一+二=（七）+四", rows) == [rows[0], rows[1], rows[3], rows[4]]
    assert ui.rule_rows(None, rows) == []


def test_identity_failure_marks_every_cell_of_the_equation() -> None:
    table = "三、收到和处理政府信息公开申请情况"
    rows = [["一、本年新收"], ["二、上年结转"], ["三、本年度办理结果", "（七）总计"], ["四、结转下年度继续办理"]]
    cells = [{"row": r, "column": ["总计"], "value": 1, "raw": "1"} for r in rows]
    check = {"check": "t3_identity", "expected": 250, "found": 251,
             "where": {"table": table, "column": ["总计"], "rule": "一+二=（七）+四"}}
    built = ui.build_table(table, cells, [check])
    marked = [r["label"] for r in built["segments"][0]["rows"] if r["cells"][0]["failed"]]
    assert marked == ["一、本年新收", "二、上年结转", "（七）总计", "四、结转下年度继续办理"]
    assert ui.check_message(check) == "表三：一 + 二 = （七）总计 + 四：一 + 二 = 250，（七）总计 + 四 = 251"


def test_change_text_is_short() -> None:
    assert ui.change_text("3", "4") == "3 → 4"
    assert ui.change_text(None, "x") == "∅ → x"
    diff = ui.change_text("第一行\n本报告为初稿。\n第三行", "第一行\n第三行")
    assert diff == "− 本报告为初稿。"
    assert len(ui.change_text("a\n" * 500, "b\n" * 500)) == ui.CHANGE_TEXT_MAX


def test_archived_links_are_disabled_and_marked() -> None:
    page = b'<html><head><title>t</title></head><body><a class="x" href="/art/1.html">1</a>' \
           b'<A HREF="http://x">2</A><link href="s.css"></body></html>'
    out = disable_links(page)
    assert b'<a class="x" data-xxgk-href="/art/1.html">' in out and b'<A data-xxgk-href="http://x">' in out
    assert b'<link href="s.css">' in out  # not a link a reader clicks (and CSP blocks it)
    assert out.index(b"a[data-xxgk-href]") < out.index(b"</head>")


@pytest.mark.parametrize("message", ["WARC file missing: /srv/data/archive.warc/x.warc.gz",
                                     "no WARC record at /srv/a.warc.gz:12",
                                     "report abc has no WARC capture (archived before captures were kept)",
                                     "no report 'abc' in /srv/archive.db"])
def test_capture_errors_never_show_a_path(message: str) -> None:
    text = capture_error(LookupError(message))
    assert "/srv" not in text and ".warc" not in text and text
