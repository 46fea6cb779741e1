"""Hostile portals: pagination without end, redirects that leave the site or loop. Each is
a real loopback portal crawled by the real `xxgk crawl`; each limit hit is recorded in
`fetches`, the crawl goes on, and no live report is marked removed."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from urllib.parse import urlsplit

from chaos import Chaos, RemovedWatch, count, crawl_args, serve_chaos
from conftest import REPO
from conftest import rows as q
from crawler import settings as crawl_settings
from crawler.families import jcms, plan
from crawler.walk import MAX_PLAN_PAGES
from xxgk.portal import build_demo_portal, serve_portal

LIMIT = 30


def crawl(start, db, *extra, timeout=120):
    return subprocess.run(crawl_args(start, db, *extra), cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


class Edited:
    """A portal with some answers replaced: path → handler(method, query, body) or bytes edits."""

    def __init__(self, portal):
        self.portal = portal
        self.reports = portal.reports
        self.routes = {}
        self.edits = {}

    def handle(self, method, path, query="", body=b"", headers=None):
        if path in self.routes:
            return self.routes[path](method, query, body)
        if path in self.edits:  # an edited page is new: no 304 from the old validators
            headers = {k: v for k, v in (headers or {}).items() if not k.lower().startswith("if-")}
        status, out, data = self.portal.handle(method, path, query, body, headers)
        for old, new in self.edits.get(path, ()):
            data = re.sub(old, new, data)
        if path in self.edits:
            out = {k: v for k, v in out.items() if k.lower() not in ("etag", "last-modified")}
            out["Content-Length"] = str(len(data))
        return status, out, data


def redirect(location, status=302):
    return lambda method, query, body: (status, {"Location": location, "Content-Length": "0"}, b"")


# --- finding 5: pagination limits ---------------------------------------------------------

def test_default_list_page_limit_is_in_the_hundreds():
    assert crawl_settings.XXGK_MAX_LIST_PAGES == 500
    assert crawl_settings.XXGK_MAX_LIST_PAGES < MAX_PLAN_PAGES


def test_jcms_page_count_claimed_by_the_portal_is_bounded():
    page = ("<script>var o={proxyUrl:'/module/web/jpage/dataproxy.jsp',perPage:1,totalRecord:200000};</script>"
            "<datastore><nextgroup><![CDATA[<a href='/module/web/jpage/dataproxy.jsp?columnid=1'></a>]]>"
            "</nextgroup><recordset><record><![CDATA[<a href='/art/1.html'>x</a>]]></record></recordset></datastore>")
    started = time.monotonic()
    pages = jcms.next_pages(page, "http://127.0.0.1/col/col1/index.html")
    assert len(pages) == MAX_PLAN_PAGES and time.monotonic() - started < 5
    assert plan(page, "http://127.0.0.1/col/col1/index.html").family == "jcms"


def test_jcms_claiming_200000_records_one_per_page_stops_at_the_limit(tmp_path):
    portal = build_demo_portal(n_reports=60)
    edited = Edited(portal)
    db = tmp_path / "a.db"
    with serve_portal(edited) as base:
        start = base + portal.start_paths[0]
        first = crawl(start, db)
        assert first.returncode == 0, first.stderr
        edited.edits[portal.start_paths[0]] = [(rb"perPage:\d+", b"perPage:1"), (rb"totalRecord:\d+", b"totalRecord:200000")]
        with RemovedWatch(db) as watch:
            started = time.monotonic()
            limited = crawl(start, db, "--set", f"XXGK_MAX_LIST_PAGES={LIMIT}")
            took = time.monotonic() - started
    assert limited.returncode == 0, limited.stderr
    assert took < 90
    proxy = count(db, "select count(*) from fetches where url like '%dataproxy.jsp%&perpage=1' and status = 200")
    assert 0 < proxy < LIMIT  # the column page itself is the first of the column's list pages
    (hit,) = q(db, "select url, error from fetches where error like 'list page limit reached%'")
    assert f"{LIMIT} list pages" in hit["error"] and "dataproxy.jsp" in hit["url"]
    (run,) = q(db, "select status, errors from crawl_runs order by id desc limit 1")
    assert run["status"] == "finished" and run["errors"] >= 1
    assert watch.most == 0, "a cut walk must not mark removals"


def test_endless_next_page_chain_stops_at_the_limit_and_the_crawl_goes_on(tmp_path):
    portal = build_demo_portal(n_reports=60)
    db = tmp_path / "a.db"
    chaos = Chaos(portal, endless=True)
    with serve_chaos(chaos) as base:
        done = crawl(base + "/chaos/endless/0", db, "--set", f"XXGK_MAX_LIST_PAGES={LIMIT}")
    assert done.returncode == 0, done.stderr
    lists = count(db, "select count(*) from fetches where url like '%/chaos/endless/%' and status = 200")
    assert lists == LIMIT
    assert count(db, "select count(*) from fetches where error like 'list page limit reached%'") == 1
    # the pages walked were read: their reports are archived
    assert count(db, "select count(*) from reports") == LIMIT


# --- finding 6: redirects stay on the site ------------------------------------------------

def test_redirects_to_another_port_are_recorded_not_followed(tmp_path):
    portal = build_demo_portal(n_reports=40)
    edited = Edited(portal)
    db = tmp_path / "a.db"
    first_page = {e.art_path for e in portal.entries(0, 15)}
    report, with_file = [r for r in portal.reports if r.art_path in first_page][2:4]
    with serve_portal(portal) as mirror, serve_portal(edited) as base:
        start = base + portal.start_paths[0]
        first = crawl(start, db)   # everything archived once: nothing may be marked removed later
        assert first.returncode == 0, first.stderr
        edited.routes[report.art_path] = redirect(mirror + report.art_path, 301)
        edited.edits[with_file.art_path] = [(rb"</body>", '<a href="/files/report.pdf">附件：年度报告.pdf</a></body>'.encode())]
        edited.routes["/files/report.pdf"] = redirect(mirror + "/files/report.pdf")
        proxy = "/module/web/jpage/dataproxy.jsp"

        def second_list_page_moves(method, query, body):   # list page 2 redirects off-site
            if "startrecord=16&" in query:
                return redirect(f"{mirror}{proxy}?{query}", 307)(method, query, body)
            return portal.handle(method, proxy, query, body)
        edited.routes[proxy] = second_list_page_moves
        with RemovedWatch(db) as watch:
            done = crawl(start, db, "--refresh-days", "0")
    assert done.returncode == 0, done.stderr
    mirror_port = urlsplit(mirror).port
    urls = [r["url"] for r in q(db, "select url from fetches union all select url from attachments "
                                    "union all select url from reports")]
    assert urls and not [u for u in urls if urlsplit(u).port == mirror_port], "followed a redirect off-site"
    refused = {urlsplit(r["url"]).path: r["error"] for r in q(db, "select url, error from fetches "
                                                                  "where error like '%redirect off-site%'")}
    assert {report.art_path, "/files/report.pdf", "/module/web/jpage/dataproxy.jsp"} <= set(refused)
    assert all(str(mirror_port) in e for e in refused.values())
    assert watch.most == 0


# --- finding 7: a start URL that goes nowhere is a failure with a reason ------------------

def registry(path, entries):
    lines = ["portals:"]
    for pid, url in entries:
        lines += [f"  - id: {pid}", f"    name: {pid}", "    family: generic", f'    start_urls: ["{url}"]',
                  "    status: confirmed", "    verified: 2026-12-04", "    evidence: a loopback test portal"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_start_url_redirecting_off_site_or_in_a_loop_fails_with_a_reason(tmp_path):
    portal = build_demo_portal(n_reports=3)
    edited = Edited(portal)
    with serve_portal(portal) as mirror, serve_portal(edited) as base:
        edited.routes["/away/index.html"] = redirect(mirror + portal.start_paths[0])
        edited.routes["/self/index.html"] = redirect("/self/index.html")
        edited.routes["/ping/index.html"] = redirect("/pong/index.html")
        edited.routes["/pong/index.html"] = redirect("/ping/index.html")
        reg = tmp_path / "portals.yaml"
        registry(reg, [("away", base + "/away/index.html"), ("self", base + "/self/index.html"),
                       ("pingpong", base + "/ping/index.html"), ("good", base + portal.start_paths[0])])
        db = tmp_path / "a.db"
        done = subprocess.run([sys.executable, "-m", "xxgk", "crawl", "--all", "--db", str(db), "-q"],
                              cwd=REPO, env=dict(os.environ, XXGK_REGISTRY=str(reg)),
                              capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "3 of 4 portals failed completely" in done.stderr
    runs = {r["portal"]: r for r in q(db, "select portal, status, pages, errors from crawl_runs")}
    assert runs["good"]["status"] == "finished"
    for pid in ("away", "self", "pingpong"):
        assert runs[pid]["status"] == "failed" and runs[pid]["errors"] >= 1, runs[pid]
    errors = {urlsplit(r["url"]).path: r["error"] for r in q(db, "select url, error from fetches where error is not null")}
    assert "redirect off-site" in errors["/away/index.html"]
    assert "redirect loop" in errors["/self/index.html"]
    assert "redirect loop" in errors["/pong/index.html"] or "redirect loop" in errors.get("/ping/index.html", "")
