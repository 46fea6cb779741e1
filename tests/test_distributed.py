"""Crawling on several machines (issue 13): `xxgk enqueue`, `xxgk worker`s and one `xxgk ingest`
over a real Redis (tests/redis_server.py) give the archive a single-process `xxgk crawl` gives,
through kills of workers and of the writer and a Redis restart, incrementally on a re-crawl.

Portals are the demo portal (xxgk.portal) on loopback, a few report pages of each reduced to a
link to their report as a PDF (tests/attachment_factory.py), served fast: the distributed crawl
and the single-process one run side by side, and every wait is bounded with a clear failure."""
from __future__ import annotations

import contextlib
import hashlib
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import attachment_factory as af
from conftest import REPO
from redis_server import die_with_parent, redis_server
from storage.identity import host_aliases, report_id_for
from storage.versions import register as register_versions
from xxgk.portal import build_demo_portal, serve_portal

TABLE_RE = re.compile(rb"<table.*?</table>", re.S | re.I)
# Columns that say when or where (capture file, offset) a thing was seen: they differ between any
# two crawls. Everything else must be equal.
WHEN = {"first_seen", "last_seen", "captured_at", "warc_file", "warc_offset", "fetched_at",
        "last_fetched_at", "times_seen", "removed_at", "started_at", "finished_at", "duration_s"}
COMPARED = ("reports", "cells", "checks", "report_versions", "report_changes", "attachments")
WAIT = 240.0   # the longest any process of these tests may take (it fails, naming what hung)


class Site:
    """A demo portal; `pdfs` of its report pages only link their report as a PDF, and only one
    report page in `tables_every` keeps its statistics tables (the others are small text-only
    reports: the archive's writes, not the pages, are what the test is about, and small pages keep
    it fast). Counts the requests in flight (politeness) and every path asked (incremental)."""

    def __init__(self, seed: int, n_reports: int, pdfs: int, delay: float = 0.0, tables_every: int = 8,
                 pdf_delay: float = 0.0):
        self.portal = build_demo_portal(seed=seed, n_reports=n_reports)
        self.pdf_delay, self.pdf_asked = pdf_delay, threading.Event()
        self.small = {r.art_path for i, r in enumerate(self.portal.reports) if i % tables_every}
        self.files: dict[str, bytes] = {}
        self.pages: dict[str, str] = {}
        self.delay = delay
        self.hidden: set[str] = set()   # report pages taken off the lists (a removal)
        self.lock = threading.Lock()
        self.in_flight = self.max_in_flight = 0
        self.asked: list[str] = []
        chosen = [r for r in self.portal.reports if r.template == "pre2019" and r.encoding == "utf-8"][:pdfs]
        for facts in chosen:
            path = f"/att/{hashlib.sha1(facts.art_path.encode()).hexdigest()[:10]}.pdf"
            self.files[path] = af.pdf_bytes(af.content(self.portal, facts))
            self.pages[facts.art_path] = path

    @property
    def report_paths(self) -> set[str]:
        return {r.art_path for r in self.portal.reports}

    @property
    def start_path(self) -> str:
        return self.portal.start_paths[0]

    def handle(self, method, path, query="", body=b"", headers=None):
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.asked.append(path)
        try:
            if self.delay:
                time.sleep(self.delay)
            if path in self.files:
                self.pdf_asked.set()
                time.sleep(self.pdf_delay)
            return self._answer(method, path, query, body, headers)
        finally:
            with self.lock:
                self.in_flight -= 1

    def _answer(self, method, path, query, body, headers):
        if path in self.files:
            data = self.files[path]
            return 200, {"Content-Type": "application/pdf", "Content-Length": str(len(data))}, data
        status, out, data = self.portal.handle(method, path, query, body, headers)
        if path in self.small and path not in self.pages and status == 200:
            data = TABLE_RE.sub(b"", data)
            out = dict(out, **{"Content-Length": str(len(data))})
        if path in self.pages:
            out, data = af.linking_page(out, data, self.pages[path])
        for hidden in self.hidden:
            record = re.compile(rb"<record>(?:(?!</record>).)*?" + re.escape(hidden.encode()) + rb".*?</record>", re.S)
            if path != hidden and record.search(data):
                data = record.sub(b"", data)
                out = dict(out, **{"Content-Length": str(len(data))})
        return status, out, data


def write_registry(path: Path, portals: dict[str, str], hosts: bool = False) -> None:
    """With `hosts`, each portal's reports take their ids from a host name of its own (the
    loopback address an alias of it), which the workers and the writer must both know."""
    lines = ["portals:"]
    for pid, url in portals.items():
        lines += [f"  - id: {pid}", f"    name: {pid}", "    family: generic", f'    start_urls: ["{url}"]',
                  "    level: city", '    region_code: "330800"', "    status: confirmed", "    verified: 2026-12-04",
                  f"    evidence: a loopback demo portal at {url}"]
        if hosts:
            lines.append(f'    hosts: ["www.{pid}.example", "127.0.0.1"]')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


class Cluster:
    """The processes of a distributed crawl, their output in log files, all stopped at the end."""

    def __init__(self, folder: Path, redis_url: str, registry: Path, lease: float = 10.0):
        self.folder, self.redis_url, self.lease = folder, redis_url, lease
        self.store, self.db = folder / "store", folder / "archive.db"
        self.env = dict(os.environ, XXGK_REGISTRY=str(registry), PYTHONUNBUFFERED="1")
        self.processes: list[tuple[str, subprocess.Popen, Path]] = []

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "xxgk", *args], cwd=REPO, env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"xxgk {args[0]} exited with {done.returncode}: {done.stderr}"
        return done

    def enqueue(self, *portals: str, extra: tuple[str, ...] = ()) -> None:
        self.run("enqueue", "--redis", self.redis_url, *portals, *extra)

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = self.folder / f"{name}-{len(self.processes)}.log"
        with open(log, "wb") as fh:
            process = subprocess.Popen([sys.executable, "-m", "xxgk", *args], cwd=REPO, env=self.env,
                                       stdout=fh, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        self.processes.append((name, process, log))
        return process

    def worker(self) -> subprocess.Popen:
        return self.start("worker", "worker", "--redis", self.redis_url, "--store", str(self.store),
                          "--lease", str(self.lease), "--exit-when-idle")

    def writer(self) -> subprocess.Popen:
        return self.start("ingest", "ingest", "--redis", self.redis_url, "--store", str(self.store),
                          "--db", str(self.db), "--exit-when-idle")

    def wait_all(self, timeout: float = WAIT) -> None:
        """Every process started exits 0 (or was killed on purpose) within `timeout`."""
        deadline = time.monotonic() + timeout
        for name, process, log in self.processes:
            try:
                code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pytest.fail(f"{name} did not finish within {timeout:.0f} s: {self.tail(log)}")
            assert code in (0, -signal.SIGKILL), f"{name} exited with {code}: {self.tail(log)}"

    @staticmethod
    def tail(log: Path) -> str:
        return log.read_text("utf-8", "replace")[-3000:]

    def stop(self) -> None:
        for _name, process, _log in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


@contextlib.contextmanager
def cluster(folder: Path, redis_url: str, registry: Path, lease: float = 10.0):
    c = Cluster(folder, redis_url, registry, lease)
    try:
        yield c
    finally:
        c.stop()


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """The archive's content, with what differs between any two crawls (times, captures) left out;
    plus which reports are removed and the distinct fetch outcomes."""
    conn = sqlite3.connect(db)
    register_versions(conn)  # the report_versions view's
    try:
        out = {}
        for table in COMPARED:
            cols = [r[1] for r in conn.execute(f"pragma table_info({table})") if r[1] not in WHEN]
            if cols:
                out[table] = sorted(conn.execute(f"select {', '.join(map(quote, cols))} from {table}").fetchall(),
                                    key=repr)
        out["removed"] = sorted(conn.execute("select id from reports where removed_at is not null").fetchall())
        out["fetches"] = sorted(conn.execute("select distinct url, status, sha256, error from fetches").fetchall(),
                                key=repr)
        return out
    finally:
        conn.close()


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def assert_same(got: Path, want: Path, fetches: bool = True) -> None:
    """`got` holds what `want` holds. Without `fetches`, only the answers with a body (200) are
    compared: a crawl resumed after a kill may also ask some pages conditionally (304)."""
    a, b = snapshot(got), snapshot(want)
    if not fetches:
        for x in (a, b):
            x["fetches"] = [f for f in x["fetches"] if f[1] == 200]
    for table in b:
        assert len(a[table]) == len(b[table]), f"{table}: {len(a[table])} rows, single-process {len(b[table])}"
        assert a[table] == b[table], f"{table} differs from the single-process crawl"


def single(folder: Path, registry: Path, portals: list[str]) -> subprocess.Popen:
    """The same portals crawled by one `xxgk crawl` (started, not waited for)."""
    env = dict(os.environ, XXGK_REGISTRY=str(registry))
    log = open(folder / "single.log", "wb")
    return subprocess.Popen([sys.executable, "-m", "xxgk", "crawl", *portals, "--db", str(folder / "single.db"), "-q"],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_single(process: subprocess.Popen, folder: Path) -> Path:
    try:
        code = process.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"the single-process crawl did not finish within {WAIT:.0f} s")
    assert code == 0, (folder / "single.log").read_text("utf-8", "replace")[-3000:]
    return folder / "single.db"


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(0.05)


def last_runs(db: Path) -> list[tuple]:
    """(portal, status, health) of each portal's latest run."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("select portal, status, health from crawl_runs where id in "
                            "(select max(id) from crawl_runs group by portal) order by portal").fetchall()


def count(db: Path, sql: str) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql).fetchone()[0]


# -- (a) 3 workers, 1 writer, 5 portals -----------------------------------------------------------
N_PORTALS, N_REPORTS, N_PDFS = 5, 420, 4


@pytest.fixture(scope="module")
def five(tmp_path_factory):
    sites = {f"p{i + 1}": Site(seed=100 + i, n_reports=N_REPORTS, pdfs=N_PDFS) for i in range(N_PORTALS)}
    with contextlib.ExitStack() as stack:
        urls = {pid: stack.enter_context(serve_portal(site)) + site.start_path for pid, site in sites.items()}
        folder = tmp_path_factory.mktemp("five")
        registry = folder / "portals.yaml"
        write_registry(registry, urls, hosts=True)
        yield dict(sites=sites, urls=urls, registry=registry, folder=folder)


def test_three_workers_one_writer_same_archive_as_one_process(five, tmp_path):
    started = time.monotonic()
    portals = list(five["urls"])
    baseline = single(tmp_path, five["registry"], portals)
    with redis_server(tmp_path / "redis") as redis, cluster(tmp_path, redis.url, five["registry"]) as c:
        c.enqueue(*portals)
        c.writer()
        for _ in range(3):
            c.worker()
        c.wait_all()
        logs = "".join(Cluster.tail(log) for name, _p, log in c.processes if name == "worker")
    want = wait_single(baseline, tmp_path)
    reports = count(c.db, "select count(*) from reports where is_report = 1")
    assert reports >= 2000
    assert count(c.db, "select count(*) from attachments where used_for_report = 1") == N_PORTALS * N_PDFS
    assert_same(c.db, want)
    with contextlib.closing(sqlite3.connect(c.db)) as conn:
        runs = conn.execute("select portal, status, health from crawl_runs order by portal").fetchall()
    assert runs == [(p, "finished", "ok") for p in portals]
    with contextlib.closing(sqlite3.connect(c.db)) as conn:  # ids from the registry's host names
        got = dict(conn.execute("select url, id from reports").fetchall())
    for pid, url in five["urls"].items():
        aliases = host_aliases([(f"www.{pid}.example", "127.0.0.1")])
        mine = {u: i for u, i in got.items() if u.startswith(url.split("/col/")[0] + "/")}
        assert mine and all(i == report_id_for(u, aliases) != report_id_for(u) for u, i in mine.items())
    # every worker took part (five jobs, three workers)
    assert logs.count("crawl(s) done") == 3 and " 0 crawl(s) done" not in logs, logs
    print(f"\n(a) {reports} reports, 3 workers + writer and a single-process crawl side by side: "
          f"{time.monotonic() - started:.1f} s")


# -- (b)-(d): two portals, kills, a Redis restart, a re-crawl ----------------------------------------
@pytest.fixture(scope="module")
def two(tmp_path_factory):
    """Two portals whose PDFs answer slowly (a kill can land between a page and its attachment),
    and the archive a single-process crawl makes of them."""
    sites = {f"q{i + 1}": Site(seed=300 + i, n_reports=150, pdfs=3, pdf_delay=0.4) for i in range(2)}
    with contextlib.ExitStack() as stack:
        urls = {pid: stack.enter_context(serve_portal(site)) + site.start_path for pid, site in sites.items()}
        folder = tmp_path_factory.mktemp("two")
        registry = folder / "portals.yaml"
        write_registry(registry, urls)
        want = wait_single(single(folder, registry, list(urls)), folder)
        for site in sites.values():
            site.pdf_asked.clear()
        yield dict(sites=sites, urls=urls, registry=registry, want=want)


def asked(sites) -> int:
    return sum(len(site.asked) for site in sites.values())


@pytest.mark.parametrize("when", ["attachment", "random"])
def test_kill_9_workers(two, tmp_path, when):
    """Both workers killed while a report's PDF is being fetched (after its page was pushed), or
    after a random number of requests: replacements take the crawls over after the lease, and
    the archive is the single-process one (a report read from its PDF, nothing twice)."""
    sites = two["sites"]
    rng = random.Random()
    seed = rng.randrange(10 ** 6)
    rng.seed(seed)
    print(f"seed {seed}")   # shown with a failure
    for site in sites.values():
        site.pdf_asked.clear()
    with redis_server(tmp_path / "redis") as redis, cluster(tmp_path, redis.url, two["registry"], lease=4) as c:
        c.enqueue(*two["urls"])
        c.writer()
        first = [c.worker(), c.worker()]
        if when == "attachment":
            wait_for(lambda: any(s.pdf_asked.is_set() for s in sites.values()), 120, "a PDF request")
        else:
            start, point = asked(sites), rng.randint(5, 300)
            wait_for(lambda: asked(sites) - start >= point, 120, f"{point} requests (seed {seed})")
        for process in first:
            process.kill()
        c.worker(), c.worker()
        c.wait_all()
    assert_same(c.db, two["want"], fetches=False)
    assert last_runs(c.db) == [(p, "finished", "ok") for p in two["urls"]], f"seed {seed}"


def test_kill_9_writer_at_a_random_point(two, tmp_path):
    rng = random.Random()
    seed = rng.randrange(10 ** 6)
    rng.seed(seed)
    sites = two["sites"]
    with redis_server(tmp_path / "redis") as redis, cluster(tmp_path, redis.url, two["registry"]) as c:
        c.enqueue(*two["urls"])
        writer = c.writer()
        c.worker(), c.worker()
        start, point = asked(sites), rng.randint(20, 300)
        wait_for(lambda: asked(sites) - start >= point, 120, f"{point} requests (seed {seed})")
        writer.kill()
        writer.wait(timeout=10)
        c.writer()
        c.wait_all()
    assert_same(c.db, two["want"], fetches=False)
    assert last_runs(c.db) == [(p, "finished", "ok") for p in two["urls"]], f"seed {seed}"


def test_redis_restarted_mid_crawl_resumes(two, tmp_path):
    """Redis stopped (its AOF written) and started again while workers and the writer run: they
    wait for it and go on; nothing queued, pending or acknowledged is lost."""
    sites = two["sites"]
    with redis_server(tmp_path / "redis") as redis, cluster(tmp_path, redis.url, two["registry"]) as c:
        c.enqueue(*two["urls"])
        c.writer()
        c.worker(), c.worker()
        start = asked(sites)
        wait_for(lambda: asked(sites) - start >= 100, 120, "100 requests")
        redis.restart(down_for=1.0)
        c.wait_all()
    assert_same(c.db, two["want"], fetches=False)
    assert last_runs(c.db) == [(p, "finished", "ok") for p in two["urls"]]


def test_recrawl_through_the_queue_is_incremental(two, tmp_path):
    """The second crawl asks for list pages only: the workers learn from Redis (never from the
    archive) which report pages are fresh."""
    sites = two["sites"]
    with redis_server(tmp_path / "redis") as redis:
        with cluster(tmp_path, redis.url, two["registry"]) as c:
            c.enqueue(*two["urls"])
            c.writer(), c.worker()
            c.wait_all()
        before = {pid: len(site.asked) for pid, site in sites.items()}
        first_runs = count(c.db, "select count(*) from crawl_runs")
        with cluster(tmp_path / "again", redis.url, two["registry"]) as again:
            (tmp_path / "again").mkdir()
            again.db, again.store = c.db, c.store
            again.enqueue(*two["urls"])
            again.writer(), again.worker(), again.worker()
            again.wait_all()
    for pid, site in sites.items():
        second = site.asked[before[pid]:]
        assert second, pid
        assert not [p for p in second if p in site.report_paths or p in site.files], pid
    with contextlib.closing(sqlite3.connect(c.db)) as conn:
        runs = conn.execute("select portal, status, reports_new, reports_changed, health from crawl_runs "
                            "where id > ? order by portal", (first_runs,)).fetchall()
    assert runs == [(p, "finished", 0, 0, "ok") for p in two["urls"]]
    assert_same(c.db, two["want"], fetches=False)


def test_one_site_is_not_hit_beyond_its_limit_by_several_workers(tmp_path):
    site = Site(seed=500, n_reports=40, pdfs=0, delay=0.03)
    with serve_portal(site) as base, redis_server(tmp_path / "redis") as redis:
        registry = tmp_path / "portals.yaml"
        write_registry(registry, {"s1": base + site.start_path})
        with cluster(tmp_path, redis.url, registry) as c:
            for _ in range(2):  # two crawls of one site, taken by two workers at once
                c.enqueue("s1", extra=("--set", "XXGK_SITE_SLOTS=2", "--refresh-days", "0"))
            c.writer(), c.worker(), c.worker()
            c.wait_all()
            logs = "".join(Cluster.tail(log) for name, _p, log in c.processes if name == "worker")
    assert logs.count(" 1 crawl(s) done") == 2, logs
    assert site.max_in_flight == 2


def test_a_crawl_whose_workers_keep_dying_is_given_up_with_its_reason(tmp_path):
    """A job delivered 5 times to workers that never finished it (here: consumers that took it
    and vanished) is not run a 6th time: the archive gets a failed run and the reason."""
    registry = tmp_path / "portals.yaml"
    write_registry(registry, {"s1": "http://127.0.0.1:9/col/col1/index.html"})
    with redis_server(tmp_path / "redis") as redis, cluster(tmp_path, redis.url, registry, lease=1) as c:
        c.enqueue("s1")
        client = redis.client()
        got = client.xreadgroup("workers", "dead-0", {"xxgk:jobs": ">"}, count=1)
        entry = got[0][1][0][0]
        for i in range(1, 5):
            client.xclaim("xxgk:jobs", "workers", f"dead-{i}", 0, [entry])
        time.sleep(1.2)  # past the lease
        c.writer(), c.worker()
        c.wait_all()
    with contextlib.closing(sqlite3.connect(c.db)) as conn:
        assert conn.execute("select portal, status, errors from crawl_runs").fetchall() == [("s1", "failed", 1)]
        (error,) = conn.execute("select error from fetches").fetchone()
    assert error.startswith("gave up after 5 deliveries")


def test_removal_is_marked_by_a_whole_walk_only_through_kills(tmp_path):
    """A report taken off the lists is marked removed by a re-crawl through the queue, as by a
    single-process re-crawl, and only it: the worker and the writer killed (kill -9) at a random
    point of that re-crawl's list walk mark nothing, since a partial walk proves no absence."""
    rng = random.Random()
    seed = rng.randrange(10 ** 6)
    rng.seed(seed)
    print(f"seed {seed}")   # shown with a failure
    site = Site(seed=700, n_reports=120, pdfs=0)
    with serve_portal(site) as base, redis_server(tmp_path / "redis") as redis:
        registry = tmp_path / "portals.yaml"
        write_registry(registry, {"r1": base + site.start_path})
        wait_single(single(tmp_path, registry, ["r1"]), tmp_path)
        with cluster(tmp_path, redis.url, registry) as c:
            c.enqueue("r1")
            c.writer(), c.worker()
            c.wait_all()
        gone = site.portal.reports[len(site.portal.reports) // 2]
        site.hidden.add(gone.art_path)
        want = wait_single(single(tmp_path, registry, ["r1"]), tmp_path)
        runs_before = count(c.db, "select count(*) from crawl_runs")
        site.delay = 0.25   # the re-crawl's walk takes seconds: the kill lands inside it
        (tmp_path / "again").mkdir()
        with cluster(tmp_path / "again", redis.url, registry, lease=4) as again:
            again.db, again.store = c.db, c.store
            again.enqueue("r1")
            results, point = redis.client(), rng.randint(2, 8)   # the open message, then list pages
            writer, worker = again.writer(), again.worker()
            wait_for(lambda: results.xlen("xxgk:results") >= point, 120, f"{point} results (seed {seed})")
            worker.kill()
            writer.kill()
            writer.wait(timeout=10), worker.wait(timeout=10)
            walked = results.xlen("xxgk:results")
            restarted = [again.writer(), again.worker()]
            most = 0   # reports marked removed at any moment, read while the crawl goes on
            while any(p.poll() is None for p in restarted):
                most = max(most, count(c.db, "select count(*) from reports where removed_at is not null"))
                time.sleep(0.05)
            again.wait_all()
            logs = Cluster.tail(again.processes[-1][2])
    assert most <= 1, f"seed {seed}: {most} reports marked removed at one point: a partial walk removed some"
    # the killed worker's crawl was not done: its replacement crawled the portal again
    assert " 1 crawl(s) done" in logs, f"seed {seed}: killed after {walked} results: {logs}"
    with contextlib.closing(sqlite3.connect(c.db)) as conn:
        removed = [u for (u,) in conn.execute("select url from reports where removed_at is not null")]
        runs = [s for (s,) in conn.execute("select status from crawl_runs where id > ? order by id", (runs_before,))]
    assert len(removed) == 1 and removed[0].endswith(gone.art_path), f"seed {seed}: {removed}"
    # each killed process left an interrupted run (the writer's replay opens the attempt again)
    assert runs[-1] == "finished" and set(runs[:-1]) == {"interrupted"}, f"seed {seed}: {runs}"
    assert_same(c.db, want, fetches=False)


def test_a_single_machine_crawl_needs_no_redis(tmp_path):
    """`xxgk crawl` (and `xxgk demo`, which crawls the same way) with the Redis client and
    scrapy-redis impossible to import: the crawl runs and never reaches for them."""
    portal = build_demo_portal(seed=900, n_reports=5)
    db = tmp_path / "a.db"
    script = ("import sys\n"
              "for name in ('redis', 'scrapy_redis'):\n"
              "    sys.modules[name] = None   # import fails\n"
              "from xxgk.cli import main\n"
              "code = main(sys.argv[1:])\n"
              "assert not [m for m, v in sys.modules.items() if 'redis' in m and v is not None]\n"
              "sys.exit(code)\n")
    with serve_portal(portal) as base:
        done = subprocess.run([sys.executable, "-c", script, "crawl", "--url", base + portal.start_paths[0],
                               "--db", str(db), "-q"], cwd=REPO, capture_output=True, text=True, timeout=WAIT)
    assert done.returncode == 0, done.stderr[-3000:]
    assert count(db, "select count(*) from reports where is_report = 1") == 5
