"""The command line as scripts call it (../shared/contracts/cli.md, extract.md)."""
from __future__ import annotations

import json

import pytest

from conftest import GOLDEN, xxgk

EXTRACT_KEYS = {
    "source", "is_report", "title", "index_no", "index_no_parts", "agency", "publisher",
    "written_date", "published_date", "signed_date", "report_year", "template", "metadata",
    "cells", "indicators", "checks", "errors",
}


@pytest.mark.parametrize("command", ["demo", "crawl", "extract", "serve", "export", "portals", "capture", "accuracy"])
def test_every_command_has_help(command):
    result = xxgk(command, "--help", timeout=60)
    assert result.returncode == 0
    assert "usage: xxgk " + command in result.stdout


def test_extract_prints_contract_object():
    result = xxgk("extract", str(GOLDEN / "text_pipes_pre2019.txt"), timeout=60)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert EXTRACT_KEYS <= set(data)
    assert data["is_report"] is True
    assert data["index_no"] == "11330900MB1234567X/2017-000123"
    assert data["indicators"]["proactive_disclosed"] == 42
    assert "body_text" not in data


def test_extract_url_sets_source():
    result = xxgk("extract", str(GOLDEN / "govcn_bd1_nested.html"), "--url", "http://example.invalid/a.html", timeout=60)
    assert json.loads(result.stdout)["source"] == "http://example.invalid/a.html"


def test_extract_jsonl_one_object_per_path():
    paths = [str(GOLDEN / "gbk_meta_gb2312.html"), str(GOLDEN / "notice_mentions_report.html")]
    result = xxgk("extract", *paths, "--jsonl", timeout=60)
    assert result.returncode == 0
    lines = result.stdout.strip().split("\n")
    assert [json.loads(l)["is_report"] for l in lines] == [True, False]


def test_extract_not_a_report_exits_0(tmp_path):
    page = tmp_path / "notice.html"
    page.write_text("<html><head><title>关于放假安排的通知</title></head><body><p>通知内容。</p></body></html>", encoding="utf-8")
    result = xxgk("extract", str(page), timeout=60)
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["is_report"] is False and data["errors"] == []


@pytest.mark.parametrize("content,why", [
    (None, "no such file"),
    (b"%PDF-1.4 broken", "PDF"),
    (b"", "empty file"),
])
def test_extract_unreadable_exits_2_with_json(tmp_path, content, why):
    path = tmp_path / "input.bin"
    if content is not None:
        path.write_bytes(content)
    result = xxgk("extract", str(path), timeout=60)
    assert result.returncode == 2
    data = json.loads(result.stdout)
    assert EXTRACT_KEYS <= set(data)
    assert data["is_report"] is False and why in data["errors"][0]
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_bad_usage_is_one_line_exit_2():
    result = xxgk("crawl", timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_unknown_portal_is_usage_error():
    result = xxgk("crawl", "no-such-portal", timeout=60)
    assert result.returncode == 2 and "unknown portal" in result.stderr


def test_bad_url_is_usage_error():
    result = xxgk("crawl", "--url", "ftp://example.invalid/x", timeout=60)
    assert result.returncode == 2 and "not an http" in result.stderr


def test_serve_missing_db_is_usage_error(tmp_path):
    result = xxgk("serve", "--db", str(tmp_path / "none.db"), timeout=60)
    assert result.returncode == 2 and "no archive" in result.stderr


def test_portals_lists_demo():
    result = xxgk("portals", timeout=60)
    assert result.returncode == 0
    assert result.stdout.split("\n")[0].startswith("demo\tjcms\t")


def test_serve_on_a_busy_port_is_one_line(tmp_path):
    import socket

    db = tmp_path / "a.db"
    from storage.archive import Archive

    Archive(db).close()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = xxgk("serve", "--db", str(db), "--port", str(busy.getsockname()[1]), timeout=60)
    assert result.returncode == 2 and "cannot serve on 127.0.0.1" in result.stderr
    assert result.stderr.count("\n") == 1
