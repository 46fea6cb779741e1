"""An archive journalists can cite: WARC captures, versions, removals, incremental and
resumable crawls, the archive lock. Every test crawls a real portal over loopback HTTP
with the real `xxgk crawl` command."""
from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import pytest

from conftest import REPO, xxgk
from conftest import rows as q
from crawler.warc import warc_dir_for
from xxgk.capture import read_record
from xxgk.lock import archive_lock
from xxgk.portal import build_demo_portal, serve_portal


class Tap:
    """A portal seen through a proxy that counts requests and can edit or hide pages."""

    def __init__(self, portal):
        self.portal = portal
        self.requests: Counter[str] = Counter()
        self.edits: dict[str, tuple[bytes, bytes]] = {}
        self.hidden: set[str] = set()
        self.lock = threading.Lock()

    def handle(self, method, path, query="", body=b"", headers=None):
        with self.lock:
            self.requests[path] += 1
        if path in self.edits:
            headers = {k: v for k, v in (headers or {}).items() if not k.lower().startswith("if-")}
        status, out_headers, data = self.portal.handle(method, path, query, body, headers)
        if path in self.edits:
            old, new = self.edits[path]
            data = data.replace(old, new)
            out_headers = dict(out_headers, ETag='"edited"', **{"Content-Length": str(len(data))})
        for hidden in self.hidden:
            record = re.compile(rb"<record>(?:(?!</record>).)*?" + re.escape(hidden.encode()) + rb".*?</record>", re.S)
            if path != hidden and record.search(data):
                data = record.sub(b"", data)
                out_headers = dict(out_headers, **{"Content-Length": str(len(data))})
        return status, out_headers, data


def article_paths(tap: Tap) -> set[str]:
    return {p for p in tap.requests if p.startswith("/art/")}


@pytest.fixture(scope="module")
def demo():
    return build_demo_portal()


def crawl(base_url, portal, db, *extra):
    result = xxgk("crawl", "--url", base_url + portal.start_paths[0], "--db", str(db), *extra)
    assert result.returncode == 0, result.stderr
    return result


def test_warc_captures_every_exchange(demo, tmp_path):
    db = tmp_path / "a.db"
    with serve_portal(demo) as base:
        crawl(base, demo, db)
    files = sorted(Path(warc_dir_for(str(db))).glob("*.warc.gz"))
    assert files
    warcio = Path(sys.executable).with_name("warcio")
    for f in files:
        check = subprocess.run([str(warcio), "check", "-v", str(f)], capture_output=True, text=True, timeout=120)
        assert check.returncode == 0, check.stdout + check.stderr
    fetches = q(db, "select url, status, sha256, warc_file, warc_offset from fetches")
    assert fetches and all(f["warc_file"] for f in fetches)
    for f in fetches:
        uri, date, status, _headers, body = read_record(os.path.join(warc_dir_for(str(db)), f["warc_file"]), f["warc_offset"])
        assert uri == f["url"] and status.startswith(str(f["status"]))
        assert hashlib.sha256(body).hexdigest() == f["sha256"]


def test_capture_command_gives_the_page_as_served(demo, tmp_path):
    db = tmp_path / "a.db"
    with serve_portal(demo) as base:
        crawl(base, demo, db)
    report = demo.reports[0]
    (row,) = q(db, "select id, url from reports where index_no = ?", report.index_no)
    out = tmp_path / "page.html"
    result = xxgk("capture", row["id"], "--db", str(db), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == demo.handle("GET", report.art_path)[2]
    assert "captured" in result.stderr
    missing = xxgk("capture", "nope", "--db", str(db))
    assert missing.returncode == 2 and "no report" in missing.stderr


def test_recrawl_makes_no_report_page_requests(demo, tmp_path):
    db = tmp_path / "a.db"
    tap = Tap(demo)
    with serve_portal(tap) as base:
        crawl(base, demo, db)
        first = article_paths(tap)
        tap.requests.clear()
        crawl(base, demo, db)
    assert len(first) == len(demo.reports) + len(demo.notices) + len(demo.missing_paths)
    report_paths = {r.art_path for r in demo.reports}
    assert not (article_paths(tap) & report_paths)
    assert article_paths(tap) == set(demo.missing_paths)  # only the page that failed is asked again
    assert tap.requests[demo.start_paths[0]] == 1  # list pages are always re-read


def test_conditional_requests_after_refresh_interval(demo, tmp_path):
    db = tmp_path / "a.db"
    with serve_portal(demo) as base:
        crawl(base, demo, db)
        crawl(base, demo, db, "--refresh-days", "0")
    not_modified = q(db, "select count(*) n from fetches where status = 304")[0]["n"]
    assert not_modified == len(demo.reports) + len(demo.notices)  # every page with validators
    assert q(db, "select max(version) v from reports")[0]["v"] == 1


def test_changed_report_gets_a_version_and_changes(demo, tmp_path):
    db = tmp_path / "a.db"
    tap = Tap(demo)
    target = demo.reports[0]
    with serve_portal(tap) as base:
        crawl(base, demo, db)
        (before,) = q(db, "select id, version from reports where index_no = ?", target.index_no)
        tap.edits[target.art_path] = (b">67<", b">68<")
        crawl(base, demo, db, "--refresh-days", "0")
    (after,) = q(db, "select id, version, proactive_disclosed from reports where index_no = ?", target.index_no)
    assert after["id"] == before["id"] and (before["version"], after["version"]) == (1, 2)
    assert after["proactive_disclosed"] == 68
    versions = q(db, "select version, data_json from report_versions where report_id = ? order by version", after["id"])
    assert [json.loads(v["data_json"])["indicators"]["proactive_disclosed"] for v in versions] == [67, 68]
    changes = {(c["kind"], c["name"], c["old"], c["new"]) for c in q(db, "select * from report_changes where report_id = ?", after["id"])}
    assert ("field", "indicators.proactive_disclosed", "67", "68") in changes
    assert sum(1 for c in changes if c[0] == "cell") == 2  # two cells printed 67
    assert q(db, "select count(*) n from reports")[0]["n"] == len(demo.reports)


def test_report_missing_from_lists_is_marked_removed_not_deleted(demo, tmp_path):
    db = tmp_path / "a.db"
    tap = Tap(demo)
    gone = demo.reports[5]
    with serve_portal(tap) as base:
        crawl(base, demo, db)
        tap.hidden.add(gone.art_path)
        crawl(base, demo, db)
        (row,) = q(db, "select removed_at from reports where title = ?", gone.title)
        assert row["removed_at"] is not None
        assert q(db, "select count(*) n from reports where removed_at is not null")[0]["n"] == 1
        tap.hidden.clear()
        crawl(base, demo, db)
    assert q(db, "select count(*) n from reports where removed_at is not null")[0]["n"] == 0


def test_second_crawl_on_a_locked_archive_exits_with_a_clear_message(tmp_path):
    db = tmp_path / "a.db"
    with archive_lock(str(db)):
        result = xxgk("crawl", "demo", "--db", str(db))
    assert result.returncode == 75
    assert "another crawl" in result.stderr and result.stderr.count("\n") == 1


def snapshot(db):
    reports = {(r["id"], r["content_sha256"], r["version"]) for r in q(db, "select id, content_sha256, version from reports")}
    cells = {tuple(r) for r in q(db, "select report_id, table_name, row_path, column_path, value, raw from cells")}
    return reports, cells


def test_sigkill_mid_crawl_then_resume_equals_uninterrupted(tmp_path):
    portal = build_demo_portal(n_reports=1500)
    full_db, killed_db = tmp_path / "full.db", tmp_path / "killed.db"
    with serve_portal(portal) as base:
        start = base + portal.start_paths[0]
        crawl(base, portal, full_db)
        proc = subprocess.Popen([sys.executable, "-m", "xxgk", "crawl", "--url", start, "--db", str(killed_db), "-q"],
                                cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        stored = 0
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            try:
                stored = q(killed_db, "select count(*) n from reports")[0]["n"]
            except sqlite3.Error:
                continue
            if stored >= 300:
                break
        assert proc.poll() is None, "the crawl finished before it could be killed: use a larger portal"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert 0 < stored < len(portal.reports)
        crawl(base, portal, killed_db)
    assert snapshot(killed_db) == snapshot(full_db)
    assert q(killed_db, "select count(*) n from reports")[0]["n"] == len(portal.reports)


class Redirecting(Tap):
    """Lists link one report through a redirect (301) to its real address."""

    def __init__(self, portal, target):
        super().__init__(portal)
        self.target = target

    def handle(self, method, path, query="", body=b"", headers=None):
        if path == "/go/moved.html":
            return 301, {"Location": self.target, "Content-Length": "0"}, b""
        status, out, data = super().handle(method, path, query, body, headers)
        if self.target.encode() in data and path != self.target:
            data = data.replace(self.target.encode(), b"/go/moved.html")
            out = dict(out, **{"Content-Length": str(len(data))})
        return status, out, data


def test_each_redirect_hop_is_captured(demo, tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    db = tmp_path / "a.db"
    target = demo.reports[3].art_path
    with serve_portal(Redirecting(demo, target)) as base:
        crawl(base, demo, db)
        hops = {}
        for f in Path(warc_dir_for(str(db))).glob("*.warc.gz"):
            with open(f, "rb") as fh:
                for record in ArchiveIterator(fh):
                    if record.rec_type == "response":
                        hops[urllib.parse.urlsplit(record.rec_headers.get_header("WARC-Target-URI")).path] = \
                            record.http_headers.get_statuscode()
    assert hops["/go/moved.html"] == "301" and hops[target] == "200"
    (row,) = q(db, "select url from reports where title = ?", demo.reports[3].title)
    assert urllib.parse.urlsplit(row["url"]).path == target
