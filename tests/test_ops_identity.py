"""Issue 15 finding 5: report ids come from a canonical URL, so a portal reached by another name
(a registry-declared alias such as localhost for 127.0.0.1, `www.`), by https instead of http,
or with tracking parameters keeps its reports' ids. Re-crawls are real loopback crawls (the
https one through a TLS server with a throw-away certificate); an archive keyed by the old
rules is re-keyed in place by migration 3, which keeps the old ids in `report_ids`."""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import sqlite3
import ssl
import subprocess
import sys

import urllib.request
from urllib.parse import urlsplit, urlunsplit

import pytest

from conftest import GOLDEN, REPO, free_port, rows, xxgk
from servers import running_server
from crawler.registry import load
from pipelines.report import extract_path
from storage.archive import Archive
from storage.identity import canonical_url, host_aliases, report_id_for
from storage.search import register_functions
from storage.migrations import SCHEMA_VERSION
from xxgk.portal import build_demo_portal, serve_portal

N_REPORTS = 6


def test_canonical_url_folds_what_does_not_name_another_page():
    same = ["http://example.gov.cn/col/a.html", "https://example.gov.cn/col/a.html",
            "HTTPS://WWW.Example.gov.cn:443/col/a.html#top", "http://www.example.gov.cn:80/col/a.html",
            "http://example.gov.cn./col/a.html?utm_source=weixin&utm_medium=x",
            "http://old.example.gov.cn/col/a.html"]
    aliases = host_aliases([["example.gov.cn", "old.example.gov.cn"]])
    assert {report_id_for(u, aliases) for u in same} == {report_id_for(same[0])}
    # an id of the old rules (plain http) is unchanged
    assert canonical_url("http://example.gov.cn/col/a.html") == "http://example.gov.cn/col/a.html"
    different = ["http://example.gov.cn/col/b.html", "http://example.gov.cn:8080/col/a.html",
                 "http://example.gov.cn/col/a.html?id=2", "http://example.gov.cn/COL/a.html",
                 "http://other.gov.cn/col/a.html"]
    assert len({report_id_for(u, aliases) for u in [same[0], *different]}) == 1 + len(different)
    assert canonical_url("http://a.gov.cn/x?id=1&utm_campaign=c&page=2") == "http://a.gov.cn/x?id=1&page=2"


def run(db, registry, *args):
    env = dict(os.environ, PYTHONUNBUFFERED="1", XXGK_REGISTRY=str(registry))
    return subprocess.run([sys.executable, "-m", "xxgk", *args, "--db", str(db)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


def write_registry(path, url, hosts):
    path.write_text("portals:\n  - id: loop\n    name: 江澜市 loopback\n    family: generic\n"
                    f'    start_urls: ["{url}"]\n    hosts: {hosts}\n    level: city\n    region_code: "330800"\n'
                    "    status: confirmed\n    verified: 2026-12-04\n"
                    f"    evidence: a loopback demo portal at {url}\n", encoding="utf-8")


def tls_context(tmp_path):
    """A server-side TLS context with a throw-away self-signed certificate (Scrapy does not
    verify certificates)."""
    if not shutil.which("openssl"):
        pytest.skip("no openssl command to make a certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def test_a_portal_reached_by_another_name_or_over_https_keeps_its_report_ids(tmp_path):
    db, reg, port = tmp_path / "archive.db", tmp_path / "portals.yaml", free_port()
    portal = build_demo_portal(n_reports=N_REPORTS)
    path = portal.start_paths[0]
    with serve_portal(portal, port=port) as base:
        write_registry(reg, base + path, '["127.0.0.1", "localhost"]')
        first = run(db, reg, "crawl", "loop", "-q")
        assert first.returncode == 0, first.stderr
        ids = {r[0] for r in rows(db, "select id from reports")}
        assert len(ids) == N_REPORTS
        # the same portal, now registered under its other name
        write_registry(reg, f"http://localhost:{port}{path}", '["127.0.0.1", "localhost"]')
        second = run(db, reg, "crawl", "loop", "-q")
        assert second.returncode == 0, second.stderr
    assert {r[0] for r in rows(db, "select id from reports")} == ids, "the alias gave new ids"
    entry = load(reg)["loop"]   # pages linking the portal by its other name stay on the site
    assert f"http://127.0.0.1:{port}" in entry.crawl_origins
    assert all("localhost" in r[0] for r in rows(db, "select url from reports")), "url is where it was last read"
    agencies = rows(db, "select agency, count(*) from reports group by agency having count(*) > 1")
    assert not agencies

    with serve_portal(portal, port=port, tls=tls_context(tmp_path)) as base:   # the portal moved to https (same port)
        write_registry(reg, base + path, '["127.0.0.1", "localhost"]')
        third = run(db, reg, "crawl", "loop", "-q")
        assert third.returncode == 0, third.stderr
    assert rows(db, "select count(*) from fetches where url like 'https://%' and status = 200")[0][0] >= N_REPORTS
    assert {r[0] for r in rows(db, "select id from reports")} == ids, "https gave new ids"
    assert {r[0] for r in rows(db, "select version from reports")} == {1}
    assert rows(db, "select count(*) from reports where removed_at is not null")[0][0] == 0


def old_rule_id(url):
    """The id the previous releases gave (scheme and host lower-cased, the scheme's default port
    and the fragment dropped; https, www. and query kept)."""
    parts = urlsplit(url)
    scheme, netloc = parts.scheme.lower(), parts.netloc.lower()
    default = {"http": ":80", "https": ":443"}[scheme]
    netloc = netloc[: -len(default)] if netloc.endswith(default) else netloc
    canonical = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def test_migration_3_rekeys_an_archive_of_the_old_ids_and_keeps_the_mapping(tmp_path):
    db = tmp_path / "archive.db"
    page = extract_path(str(GOLDEN / "chrome_publish_time.html"))
    urls = {"plain": "http://example.gov.cn/a.html", "https": "https://example.gov.cn/b.html",
            "www": "http://www.example.gov.cn/c.html?utm_source=weixin",
            "twin_http": "http://example.gov.cn/d.html", "twin_https": "https://www.example.gov.cn/d.html"}
    with Archive(db) as archive:   # written by this code, then keyed and laid out as before
        for n, (name, url) in enumerate(urls.items()):
            stored_as = url + "?twin" if name == "twin_https" else url  # its own row for now
            archive.save_report(url=stored_as, portal="p", extraction=page,
                                fetched_at=f"2025-01-0{n + 1}T00:00:00Z")
    conn = sqlite3.connect(db)
    register_functions(conn)
    with conn:
        for name, url in urls.items():
            now = report_id_for(url + "?twin" if name == "twin_https" else url)
            for table, column in (("reports", "id"), ("cell_values", "report_id"), ("checks", "report_id"),
                                  ("version_store", "report_id")):  # the tables behind the views
                conn.execute(f"update {table} set {column} = ? where {column} = ?", [old_rule_id(url), now])
            conn.execute("update reports set url = ? where id = ?", [url, old_rule_id(url)])
        conn.execute("drop table report_ids")
        conn.execute("delete from archive_info")
    conn.execute("pragma user_version = 2")
    conn.close()
    before = {r["url"]: r["id"] for r in rows(db, "select id, url from reports")}
    assert before[urls["plain"]] == report_id_for(urls["plain"])   # plain http: its id does not move
    assert len(before) == 5 and len(set(before.values())) == 5

    done = xxgk("migrate", "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "3. report ids from canonical URLs" in done.stderr
    after = rows(db, "select id, url from reports")
    assert len(after) == 4   # the twins are one report
    assert all(r["id"] == report_id_for(r["url"]) for r in after)
    mapping = {r["old_id"]: (r["new_id"], r["kept"]) for r in rows(db, "select * from report_ids")}
    assert mapping == {old_rule_id(urls["https"]): (report_id_for(urls["https"]), 1),
                       old_rule_id(urls["www"]): (report_id_for(urls["www"]), 1),
                       old_rule_id(urls["twin_https"]): (report_id_for(urls["twin_http"]), 0)}
    for r in after:   # cells, checks and versions moved with their report
        assert rows(db, "select count(*) from cells where report_id = ?", r["id"])[0][0] == page_cells(page)
        assert rows(db, "select count(*) from report_versions where report_id = ?", r["id"])[0][0] == 1
    # the merged twin's history stays under its old id, which report_ids names
    assert rows(db, "select count(*) from report_versions where report_id = ?",
                old_rule_id(urls["twin_https"]))[0][0] == 1
    assert rows(db, "select count(*) from cells where report_id not in (select id from reports)")[0][0] == 0
    assert rows(db, "select value from archive_info where key = 'schema_version'")[0][0] == str(SCHEMA_VERSION)
    again = xxgk("migrate", "--db", str(db))
    assert again.returncode == 0 and "already at" in again.stderr
    # an old id still finds its report: its capture, and its page (a 301 to the new one)
    moved = xxgk("capture", old_rule_id(urls["https"]), "--db", str(db))
    assert "no report" not in moved.stderr, moved.stderr
    with running_server(db) as base:
        address = urlsplit(base)
        conn = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        conn.request("GET", f"/-/xxgk/report/{old_rule_id(urls['https'])}")
        answer = conn.getresponse()
        assert answer.status == 301 and answer.getheader("Location").endswith(
            f"/-/xxgk/report/{report_id_for(urls['https'])}"), (answer.status, answer.getheader("Location"))
        conn.close()
        with urllib.request.urlopen(base + f"/-/xxgk/report/{report_id_for(urls['https'])}.json") as page:
            assert page.status == 200


def page_cells(extraction):
    return len({(c.table, json.dumps(c.row), json.dumps(c.column)) for c in extraction.cells})
