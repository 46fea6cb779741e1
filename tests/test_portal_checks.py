"""`xxgk portals --check`: one polite look at each registered column, against the loopback
replicas (tests/replicas) and the bundled demo, through a registry of loopback entries
($XXGK_REGISTRY): reachable, the family the page shows against the registered one (one
replica is registered with the wrong family), report links and their years, and a row per
look in the archive's portal_checks table."""
from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys

import yaml

from conftest import REPO, free_port
from replicas import build, serve_replica

REPLICAS = ("trs", "govcn", "yunnan", "aspnet", "gbk_gb2312")


def entry(pid, family, url, **more):
    return {"id": pid, "name": pid, "family": family, "start_urls": [url], "level": "city",
            "region_code": "330800", "status": "confirmed", "verified": "2026-12-04",
            "evidence": f"loopback replica served at {url} by the test"} | more


def portals(env, *args):
    return subprocess.run([sys.executable, "-m", "xxgk", "portals", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=180)


def test_check_against_replicas_and_a_wrong_family(tmp_path):
    replicas = {name: build(name) for name in REPLICAS}
    db, reg = tmp_path / "archive.db", tmp_path / "portals.yaml"
    with contextlib.ExitStack() as stack:
        bases = {n: stack.enter_context(serve_replica(r)) for n, r in replicas.items()}
        entries = [{"id": "demo", "name": "demo", "family": "jcms", "start_urls": ["/col/col1229000001/index.html"],
                    "bundled": True, "status": "confirmed", "verified": "2026-12-04",
                    "evidence": "the bundled demo portal, http://127.0.0.1/col/col1229000001/index.html"}]
        entries += [entry(n.replace("_", "-"), r.family, bases[n] + r.start_path) for n, r in replicas.items()]
        entries.append(entry("trs-as-aspnet", "aspnet", bases["trs"] + replicas["trs"].start_path))
        entries.append(entry("gone", "trs", f"http://127.0.0.1:{free_port()}/zfxxgknb/"))
        entries.append(entry("never-seen", "trs", bases["trs"] + "/elsewhere/", status="unverified"))
        reg.write_text(yaml.safe_dump({"portals": entries}, allow_unicode=True), encoding="utf-8")
        env = dict(os.environ, XXGK_REGISTRY=str(reg))
        result = portals(env, "--check", "--db", str(db), "--timeout", "10")
        again = portals(env, "--check", "trs-as-aspnet", "--db", str(db))

    assert result.returncode == 1, result.stderr
    lines = {line.split("\t")[0]: line for line in result.stdout.splitlines()}
    assert set(lines) == {"demo", "trs", "govcn", "yunnan", "aspnet", "gbk-gb2312", "trs-as-aspnet", "gone"}
    assert "never-seen" not in lines      # unverified: not checked unless named or asked for
    assert "checked 8 portals: 6 as registered, 2 not: trs-as-aspnet, gone" in result.stderr
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        rows = {r["portal"]: r for r in conn.execute("select * from portal_checks where id <= 8")}
        assert conn.execute("select count(*) from portal_checks where portal = 'trs-as-aspnet'").fetchone()[0] == 2
    for name, replica in replicas.items():
        pid = name.replace("_", "-")
        row = rows[pid]
        assert row["reachable"] == 1 and row["http_status"] == 200, pid
        assert row["family_detected"] == replica.family and row["family_matches"] == 1, pid
        assert f"family {replica.family}" in lines[pid] and "reachable 200" in lines[pid]
        assert 0 < row["report_links"] <= len(replica.reports) and row["links"] >= row["report_links"], pid
        years = {int(y) for y in row["years"].split(",")}
        assert years <= {f.report_year for f in replica.reports} and row["first_year"] == min(years), pid
    assert rows["demo"]["family_detected"] == "jcms" and rows["demo"]["report_links"] > 0
    wrong = rows["trs-as-aspnet"]
    assert (wrong["reachable"], wrong["family_detected"], wrong["family_matches"]) == (1, "trs", 0)
    assert "FAMILY trs (registered aspnet)" in lines["trs-as-aspnet"]
    gone = rows["gone"]
    assert gone["reachable"] == 0 and gone["family_matches"] is None and gone["error"]
    assert "UNREACHABLE" in lines["gone"] and "Traceback" not in result.stderr
    assert again.returncode == 1 and "FAMILY trs (registered aspnet)" in again.stdout


def test_listing_statuses_and_coverage(tmp_path):
    reg = tmp_path / "portals.yaml"
    reg.write_text(yaml.safe_dump({"portals": [
        entry("a", "trs", "http://www.a.gov.cn/nb/"),
        entry("b", "trs", "http://www.b.gov.cn/nb/", status="plausible", region_code="530100"),
        entry("c", "trs", "http://www.c.gov.cn/nb/", status="unverified")]}, allow_unicode=True), encoding="utf-8")
    env = dict(os.environ, XXGK_REGISTRY=str(reg))
    listed = portals(env)
    assert [l.split("\t")[:3] for l in listed.stdout.splitlines()] == [
        ["a", "trs", "confirmed"], ["b", "trs", "plausible"], ["c", "trs", "unverified"]]
    assert "loopback replica served at http://www.a.gov.cn/nb/" in listed.stdout   # the evidence is shown
    assert portals(env, "--status", "unverified").stdout.split("\t")[0] == "c"
    coverage = portals(env, "--coverage").stdout
    assert "| 浙江省 |  |  | 2 |  |  | 1 |  | 1 | 2 |" in coverage
    assert "| 云南省 |  |  | 1 |  |  |  | 1 |  | 1 |" in coverage
    assert "| **all (2 provinces)** |" in coverage
    bad = portals(env, "--status", "doubtful")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


def test_crawl_all_skips_unverified_unless_asked(tmp_path):
    from xxgk.portal import build_demo_portal, serve_portal

    small, other = build_demo_portal(n_reports=3), build_demo_portal(n_reports=2)
    reg, db = tmp_path / "portals.yaml", tmp_path / "a.db"
    with serve_portal(small) as a, serve_portal(other) as b:
        reg.write_text(yaml.safe_dump({"portals": [
            entry("seen", "jcms", a + small.start_paths[0]),
            entry("unseen", "jcms", b + other.start_paths[0], status="unverified", evidence="nothing found")]},
            allow_unicode=True), encoding="utf-8")
        env = dict(os.environ, XXGK_REGISTRY=str(reg))

        def crawl(*more):
            return subprocess.run([sys.executable, "-m", "xxgk", "crawl", "--all", "--db", str(db), "-q", *more],
                                  cwd=REPO, env=env, capture_output=True, text=True, timeout=300)

        first = crawl()
        second = crawl("--status", "unverified")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    with sqlite3.connect(db) as conn:
        runs = [r[0] for r in conn.execute("select portal from crawl_runs order by id")]
    assert runs == ["seen", "unseen"]
    assert "seen: finished" in first.stderr and "unseen" not in first.stderr


def test_robots_disallow_and_a_silent_server_are_one_line_each(tmp_path):
    """robots.txt is obeyed (the page is not requested) and a server that never answers
    is a timeout: one line each, a row each, no traceback."""
    import socket

    from replicas.common import Replica, key_of

    replica = build("trs")
    asked: list[str] = []

    class Closed(Replica):
        def handle(self, method, path, query="", body=b"", headers=None):
            asked.append(key_of(path, query))
            if path == "/robots.txt":
                return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /\n"
            return super().handle(method, path, query, body, headers)

    closed = Closed(**{f: getattr(replica, f) for f in replica.__dataclass_fields__})
    db, reg = tmp_path / "a.db", tmp_path / "portals.yaml"
    with serve_replica(closed) as base, socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()                                   # accepts, never answers
        mute = f"http://127.0.0.1:{silent.getsockname()[1]}/zfxxgknb/"
        reg.write_text(yaml.safe_dump({"portals": [entry("closed", "trs", base + replica.start_path),
                                                   entry("mute", "trs", mute)]}, allow_unicode=True),
                       encoding="utf-8")
        env = dict(os.environ, XXGK_REGISTRY=str(reg))
        result = portals(env, "--check", "--db", str(db), "--timeout", "1")
        bad_timeout = portals(env, "--check", "--timeout", "0", "--db", str(db))
        bad_db = portals(env, "--check", "closed", "--db", str(tmp_path / "no" / "such" / "dir.db"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = {line.split("\t")[0]: line for line in result.stdout.splitlines()}
    assert "UNREACHABLE" in lines["closed"] and "disallowed by robots.txt" in lines["closed"]
    assert set(asked) == {"/robots.txt"}                 # the page itself was never requested
    assert "UNREACHABLE" in lines["mute"] and "timed out" in lines["mute"].lower()
    with sqlite3.connect(db) as conn:
        got = dict(conn.execute("select portal, error from portal_checks"))
    assert got["closed"] == "disallowed by robots.txt" and "timed out" in got["mute"].lower()
    assert bad_timeout.returncode == 2 and bad_timeout.stderr.count("\n") == 1
    assert bad_db.returncode == 2 and "cannot record the checks" in bad_db.stderr and "Traceback" not in bad_db.stderr


def test_portal_checks_is_a_table_of_the_archive_schema(tmp_path):
    """portal_checks is described once, in storage/schema.py, with the other tables; a check
    row fills exactly its columns."""
    from crawler.check import PortalCheck, record
    from storage.schema import TABLES
    from xxgk.serve import datasette_metadata

    record(str(tmp_path / "a.db"), [PortalCheck("p", "http://127.0.0.1/", "trs", reachable=True, http_status=200,
                                               family_detected="trs", report_links=2, links=3, years=[2019, 2021],
                                               checked_at="2026-12-04T00:00:00Z")])
    with sqlite3.connect(tmp_path / "a.db") as conn:
        conn.row_factory = sqlite3.Row
        row = dict(conn.execute("select * from portal_checks").fetchone())
    assert list(row) == [c.name for c in TABLES["portal_checks"].columns]
    assert (row["family_matches"], row["years"], row["first_year"], row["last_year"]) == (1, "2019,2021", 2019, 2021)
    described = datasette_metadata("archive")["databases"]["archive"]["tables"]["portal_checks"]
    assert described["columns"] == TABLES["portal_checks"].descriptions()
