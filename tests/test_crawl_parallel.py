"""Issue 11 point 3: `xxgk crawl --all` crawls every due portal at once in one process, so the
registry takes about as long as its slowest portal, not the sum. Five loopback portals, each
answering every request after a delay (the slowest twice as slow): their crawl_runs intervals
overlap, and the whole run takes under twice the slowest portal crawled alone. Portals on one
site take turns (politeness_groups)."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import subprocess
import sys
import time

from conftest import REPO
from test_crawl_all import registry as _registry
from xxgk.crawl import CrawlTarget, politeness_groups
from xxgk.portal import build_demo_portal, serve_portal

DELAYS = {"p1": 0.3, "p2": 0.3, "p3": 0.3, "p4": 0.3, "slow": 0.6}  # seconds per answer


def _crawl(reg, db, *args):
    env = dict(os.environ, XXGK_REGISTRY=str(reg))
    env.pop("XXGK_CRAWL_PARALLEL", None)
    t0 = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "xxgk", "crawl", *args, "--db", str(db), "-q"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    return done, time.monotonic() - t0


def _t(value):
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_all_portals_crawl_at_once(tmp_path):
    portal = build_demo_portal(n_reports=3)
    with contextlib.ExitStack() as stack:
        bases = {pid: stack.enter_context(serve_portal(portal, delay=delay)) for pid, delay in DELAYS.items()}
        reg = tmp_path / "portals.yaml"
        _registry(reg, [(pid, base + portal.start_paths[0]) for pid, base in bases.items()])
        alone, alone_s = _crawl(reg, tmp_path / "alone.db", "slow")
        assert alone.returncode == 0, alone.stderr
        every, every_s = _crawl(reg, tmp_path / "all.db", "--all")
    assert every.returncode == 0, every.stderr
    with sqlite3.connect(tmp_path / "all.db") as conn:
        runs = conn.execute("select portal, status, reports_new, started_at, finished_at from crawl_runs").fetchall()
    assert sorted(r[0] for r in runs) == sorted(DELAYS), runs   # one row per portal
    assert all(r[1] == "finished" and r[2] == 3 for r in runs), runs
    # Every crawl was running while every other one was: the intervals all overlap.
    starts, ends = [_t(r[3]) for r in runs], [_t(r[4]) for r in runs]
    assert max(starts) < min(ends), runs
    # The five together take under twice the slowest alone (one after another: about 3×).
    assert every_s < 2 * alone_s, (every_s, alone_s)
    # One summary line per portal, readable: the portal's own counts.
    for pid in DELAYS:
        assert sum(1 for line in every.stderr.splitlines() if f" {pid}: finished, " in line and "3 new" in line) == 1, \
            every.stderr


def test_parallel_one_is_one_after_another_and_bad_values_are_one_line(tmp_path):
    portal = build_demo_portal(n_reports=2)
    with serve_portal(portal, delay=0.3) as a, serve_portal(portal, delay=0.3) as b:
        reg = tmp_path / "portals.yaml"
        _registry(reg, [("a", a + portal.start_paths[0]), ("b", b + portal.start_paths[0])])
        done, _s = _crawl(reg, tmp_path / "one.db", "--all", "--parallel", "1")
        assert done.returncode == 0, done.stderr
        bad, _s = _crawl(reg, tmp_path / "bad.db", "--all", "--parallel", "lots")
    with sqlite3.connect(tmp_path / "one.db") as conn:
        (a_run, b_run) = conn.execute("select started_at, finished_at from crawl_runs order by id").fetchall()
    assert _t(a_run[1]) <= _t(b_run[0])   # b started once a had finished
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "--parallel wants a whole number" in bad.stderr
    assert not (tmp_path / "bad.db").exists()


def test_portals_on_one_site_take_turns():
    t = [CrawlTarget("a", ["https://www.example.gov.cn/col/1/"]),
         CrawlTarget("b", ["https://WWW.example.gov.cn/col/2/"]),        # same host as a
         CrawlTarget("c", ["https://other.gov.cn/col/1/"]),
         CrawlTarget("d", ["https://third.gov.cn/", "https://other.gov.cn/x"]),  # shares c's host
         CrawlTarget("e", ["http://127.0.0.1:1/"], local=True),
         CrawlTarget("f", ["http://127.0.0.1:2/"], local=True),          # loopback: no turns
         CrawlTarget("e", ["http://127.0.0.1:3/"], local=True)]           # same portal as e
    assert politeness_groups(t) == [[0, 1], [2, 3], [4, 6], [5]]


def test_sigterm_closes_every_running_crawl_as_interrupted(tmp_path):
    portal = build_demo_portal(n_reports=40)
    db = tmp_path / "a.db"
    with contextlib.ExitStack() as stack:
        bases = [stack.enter_context(serve_portal(portal, delay=0.3)) for _ in range(3)]
        reg = tmp_path / "portals.yaml"
        _registry(reg, [(f"p{i}", base + portal.start_paths[0]) for i, base in enumerate(bases)])
        env = dict(os.environ, XXGK_REGISTRY=str(reg))
        proc = subprocess.Popen([sys.executable, "-m", "xxgk", "crawl", "--all", "--db", str(db), "-q",
                                 "--set", "CONCURRENT_REQUESTS=2"],
                                cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with contextlib.suppress(sqlite3.Error), contextlib.closing(sqlite3.connect(db)) as conn:
                    if conn.execute("select count(*) from crawl_runs where status = 'running'").fetchone()[0] == 3:
                        break
                time.sleep(0.2)
            time.sleep(1.0)   # all three are fetching
            proc.terminate()
            _out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 143, err
    assert "Traceback" not in err and "interrupted by SIGTERM" in err.splitlines()[-1]
    with sqlite3.connect(db) as conn:
        runs = conn.execute("select portal, status, finished_at, reports_new from crawl_runs").fetchall()
        stored = conn.execute("select count(*) from reports").fetchone()[0]
    assert sorted(r[0] for r in runs) == ["p0", "p1", "p2"], runs
    assert all(r[1] == "interrupted" and r[2] for r in runs), runs
    assert sum(r[3] for r in runs) == stored < 120   # stopped early, and what was stored is counted


def test_a_crawl_loads_the_fetch_state_of_its_own_site_only(tmp_path):
    """With many portals in one archive, each of the crawls running at once holds the
    incremental state (crawler/incremental.py) of its own origins, not the whole archive's."""
    from crawler.incremental import crawl_origins, load_state
    from storage.archive import Archive

    db = tmp_path / "a.db"
    urls = ["http://a.example/art/1.html", "http://a.example/", "http://a.example:8080/art/2.html",
            "http://a.example.evil/art/3.html", "https://b.example/art/4.html", "http://c.example/x"]
    with Archive(db) as archive:
        for url in urls:
            archive.record_fetch(url=url, status=200, content_type="text/html", body=url.encode(),
                                 fetched_at="2026-12-05T00:00:00Z", etag='"e"')

    class Spider:
        start_urls = ["http://a.example/col/1/index.html"]
        allowed_origins = ("https://b.example",)

    origins = crawl_origins(Spider())
    assert origins == ["http://a.example", "https://b.example"]
    assert sorted(load_state(str(db), origins)) == ["http://a.example/", "http://a.example/art/1.html",
                                                    "https://b.example/art/4.html"]
    assert sorted(load_state(str(db))) == sorted(urls)
    # The demo's served origin is stored under its fixed one (alias): that is the origin looked up.
    Spider.start_urls, Spider.allowed_origins = ["http://127.0.0.1:5/col/1/"], ()
    assert crawl_origins(Spider(), ("http://127.0.0.1:5", "http://c.example")) == ["http://c.example"]
