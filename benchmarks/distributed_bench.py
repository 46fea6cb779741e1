"""Crawling on several machines (issue 13): 1 and 2 `xxgk worker`s against the single-process
`xxgk crawl` on the same portals, the writer's items/s, and Redis memory per 10,000 queued requests.

The portals are extraction-heavy: demo portals (xxgk.portal) on loopback most of whose report
pages only link their report as a PDF (tests/attachment_factory.py, reportlab), so that PDF
reading, the cost the workers spread, dominates. A real Redis (Debian's redis-server) is started
on a free loopback port.

1. single: `xxgk crawl P1 … Pn` into a fresh archive, timed from start to exit;
2. workers: `xxgk enqueue`, then 1 (and then 2) `xxgk worker --exit-when-idle` and one
   `xxgk ingest --exit-when-idle`, timed from the enqueue to the writer's exit (everything in the
   archive);
3. writer alone: the workers' results of a crawl left in Redis, then `xxgk ingest` alone: the
   items/s one writer takes, hence how many workers it can feed (a worker's items/s from 2.);
4. Redis `used_memory` before and after pushing 10,000 report-page requests through the
   scrapy-redis queue the workers use (the priority queue, pickled requests with their meta).

Ratios are against the single-process run of the same invocation; the load average is printed
with them (a shared machine makes the absolute figures move, the ratios less so).

    .venv/bin/python benchmarks/distributed_bench.py [--portals 4] [--reports 40] [--pdfs 30]
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import attachment_factory as af  # noqa: E402  (reportlab: the test extra, `make install`)
from xxgk.portal import build_demo_portal, serve_portal  # noqa: E402

X = [sys.executable, "-m", "xxgk"]


class PdfPortal:
    """A demo portal whose first `pdfs` pre-2019 UTF-8 report pages only link a PDF of the report."""

    def __init__(self, seed: int, n_reports: int, pdfs: int):
        self.portal = build_demo_portal(seed=seed, n_reports=n_reports)
        self.start_paths = self.portal.start_paths
        self.files, self.pages = {}, {}
        chosen = [r for r in self.portal.reports if r.encoding == "utf-8" and r.template == "pre2019"][:pdfs]
        for facts in chosen:
            path = f"/att/{hashlib.sha1(facts.art_path.encode()).hexdigest()[:10]}.pdf"
            self.files[path] = af.pdf_bytes(af.content(self.portal, facts))
            self.pages[facts.art_path] = path

    def handle(self, method, path, query="", body=b"", headers=None):
        if path in self.files:
            data = self.files[path]
            return 200, {"Content-Type": "application/pdf", "Content-Length": str(len(data))}, data
        status, out, data = self.portal.handle(method, path, query, body, headers)
        if path in self.pages:
            out, data = af.linking_page(out, data, self.pages[path])
        return status, out, data


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def redis_server(folder: Path):
    import redis

    exe = shutil.which("redis-server")
    if exe is None:
        sys.exit("redis-server is not installed (make system-deps installs it)")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
                                "--appendonly", "yes", "--save", "", "--maxmemory-policy", "noeviction"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    sys.exit("redis-server did not start")
                time.sleep(0.05)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def registry(path: Path, urls: dict[str, str]) -> None:
    lines = ["portals:"]
    for pid, url in urls.items():
        lines += [f"  - id: {pid}", f"    name: {pid}", "    family: generic", f'    start_urls: ["{url}"]',
                  "    level: city", '    region_code: "330800"', "    status: confirmed", "    verified: 2026-12-04",
                  "    evidence: a loopback benchmark portal"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def cpu_wait(process: subprocess.Popen) -> float:
    """Wait for a child; its user + system CPU seconds (load-independent, unlike wall time)."""
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


def run(args: list[str], env: dict, timeout: float = 1800) -> str:
    done = subprocess.run(X + args, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        sys.exit(f"xxgk {args[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stderr


def reports(db: Path) -> int:
    import sqlite3

    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("select count(*) from reports").fetchone()[0]


def distributed(folder: Path, url: str, portals: list[str], env: dict, workers: int) -> tuple[float, float, float]:
    """Seconds from the enqueue until the writer has everything; CPU seconds of the workers, the writer."""
    store, db = folder / "store", folder / "archive.db"
    started = time.monotonic()
    run(["enqueue", "--redis", url, *portals], env)
    procs = [subprocess.Popen(X + ["worker", "--redis", url, "--store", str(store), "--exit-when-idle"],
                              cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(workers)]
    writer = subprocess.Popen(X + ["ingest", "--redis", url, "--store", str(store), "--db", str(db), "--exit-when-idle"],
                              cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = writer.stderr.read()
    writer_cpu = cpu_wait(writer)
    took = time.monotonic() - started
    workers_cpu = sum(cpu_wait(p) for p in procs)
    if writer.returncode != 0:
        sys.exit(f"ingest failed: {err[-2000:]}")
    return took, workers_cpu, writer_cpu


def writer_alone(folder: Path, url: str, portals: list[str], env: dict) -> tuple[int, float]:
    """(items, seconds) of one writer draining a whole crawl's results already in Redis."""
    store, db = folder / "store", folder / "archive.db"
    run(["enqueue", "--redis", url, *portals], env)
    run(["worker", "--redis", url, "--store", str(store), "--exit-when-idle"], env)
    line = run(["ingest", "--redis", url, "--store", str(store), "--db", str(db), "--exit-when-idle"], env)
    m = re.search(r"(\d+) items in ([\d.]+) s", line)
    return int(m.group(1)), float(m.group(2))


def queue_memory(url: str, n: int = 10_000) -> float:
    """Bytes of Redis memory per queued request (scrapy-redis priority queue, as the workers use)."""
    import redis
    from scrapy import Request
    from scrapy_redis import picklecompat
    from scrapy_redis.queue import PriorityQueue

    from crawler.items import ARTICLE, META_KIND
    from crawler.spiders.portal import PortalSpider

    client = redis.Redis.from_url(url)
    spider = PortalSpider(start_url="http://www.example.gov.cn/col/col1229000001/index.html", portal="bench")
    queue = PriorityQueue(client, spider, "bench:requests", picklecompat)
    client.delete("bench:requests")
    before = client.info("memory")["used_memory"]
    for i in range(n):
        queue.push(Request(f"http://www.example.gov.cn/art/2020/1/{i % 28 + 1}/art_1229000001_{i}.html",
                           callback=spider.parse_article, errback=spider.failed,
                           meta={META_KIND: ARTICLE, "handle_httpstatus_list": [304]}))
    after = client.info("memory")["used_memory"]
    client.delete("bench:requests")
    return (after - before) / n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--portals", type=int, default=4)
    ap.add_argument("--reports", type=int, default=40, help="reports per portal")
    ap.add_argument("--pdfs", type=int, default=30, help="of them published as a PDF only")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="xxgk-dist-bench-"))
    load = [os.getloadavg()[0]]
    sites = {f"b{i + 1}": PdfPortal(700 + i, a.reports, a.pdfs) for i in range(a.portals)}
    try:
        with contextlib.ExitStack() as stack:
            urls = {pid: stack.enter_context(serve_portal(site)) + site.start_paths[0] for pid, site in sites.items()}
            reg = tmp / "portals.yaml"
            registry(reg, urls)
            env = dict(os.environ, XXGK_REGISTRY=str(reg))
            portals = list(urls)
            started = time.monotonic()
            crawl = subprocess.Popen(X + ["crawl", *portals, "--db", str(tmp / "single.db"), "-q"], cwd=REPO, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            single_cpu = cpu_wait(crawl)
            single = time.monotonic() - started
            n = reports(tmp / "single.db")
            figures = {}
            for workers in (1, 2):
                folder = tmp / f"w{workers}"
                with redis_server(folder / "redis") as url:
                    figures[workers] = distributed(folder, url, portals, env, workers)
                load.append(os.getloadavg()[0])
                if reports(folder / "archive.db") != n:
                    sys.exit(f"{workers} worker(s) archived {reports(folder / 'archive.db')} reports, not {n}")
            with redis_server(tmp / "alone" / "redis") as url:
                items, secs = writer_alone(tmp / "alone", url, portals, env)
                per_request = queue_memory(url)
            load.append(os.getloadavg()[0])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    one, two = figures[1][0], figures[2][0]
    cpu = {w: figures[w][1] + figures[w][2] for w in (1, 2)}
    pdfs = a.portals * a.pdfs
    print(f"{a.portals} portals, {n} reports ({pdfs} of them from PDFs), {os.cpu_count()} CPUs, "
          f"load average {', '.join(f'{x:.1f}' for x in load)} (start, after 1, 2 workers, writer)")
    print(f"single process (xxgk crawl):  {single:6.1f} s  {n / single:6.1f} reports/s")
    print(f"1 worker + writer:            {one:6.1f} s  {n / one:6.1f} reports/s  {single / one:4.2f}x single")
    print(f"2 workers + writer:           {two:6.1f} s  {n / two:6.1f} reports/s  {single / two:4.2f}x single, "
          f"{one / two:4.2f}x one worker")
    print(f"CPU seconds (user+sys): single {single_cpu:.1f}; 1 worker {figures[1][1]:.1f} + writer "
          f"{figures[1][2]:.1f} = {cpu[1] / single_cpu:.2f}x single; 2 workers {figures[2][1]:.1f} + writer "
          f"{figures[2][2]:.1f} = {cpu[2] / single_cpu:.2f}x single")
    print(f"writer alone:                 {items} items in {secs:.1f} s = {items / secs:.1f} items/s "
          f"(1 worker delivered {items / one:.1f} items/s here: one writer feeds ~{one / secs:.1f} such workers)")
    print(f"Redis memory: {per_request:.0f} bytes per queued request = "
          f"{per_request * 10_000 / 2 ** 20:.2f} MiB per 10,000")
    return 0


if __name__ == "__main__":
    sys.exit(main())
