"""The whole crawl pipeline against bare Scrapy fetching the same pages (issue #11).

In one run, against one generated jcms portal served on loopback (`xxgk.portal`):

1. a warm-up `xxgk crawl` into a throw-away archive records every request the project's crawl
   makes (method, path, query, form body) and fills the server's response cache, so that the
   portal's page rendering (in this process) costs the same in both measured runs;
2. **bare Scrapy** (no pipeline, no middlewares of ours, the same reactor and the same
   concurrency as `xxgk crawl` uses for a loopback portal) fetches exactly those requests and
   does nothing with the pages: the baseline;
3. `xxgk crawl --url …` crawls the portal into a fresh archive.

Both measured runs are separate processes timed from start to exit (interpreter start-up
included, for both). It prints pages/s for both, their ratio (the issue's target is ≥ 0.8×,
its floor 0.5×), each process's peak RSS and the archive's size (database, WAL and WARC files).

    .venv/bin/python benchmarks/crawl_bench.py [--reports 3000] [--profile crawl.prof] [--one-process] [--timeline]

`--profile FILE` runs the measured crawl under cProfile (slower; the ratio then says so) and
prints its top functions by cumulative time, and the archive writer process's (into FILE.writer;
the extraction process is not profiled). `--one-process` also times the crawl with extraction and storage on Scrapy's
reactor thread (XXGK_WRITER_PROCESS=0), as before the writer process, in the same run.
`--timeline` prints the crawl's, the writer's and the extraction process's CPU use second by
second (sampled from /proc): where the measured crawl waits.
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent


class Recording:
    """Wraps a Portal: records every request and answers repeats from a cache."""

    def __init__(self, portal):
        self.portal = portal
        self.start_paths = portal.start_paths
        self.requests: list[tuple[str, str, str, str]] = []
        self.recording = True
        self.cache: dict[tuple[str, str, str, bytes], tuple] = {}
        self.lock = threading.Lock()

    def handle(self, method, path, query="", body=b"", headers=None):
        key = (method.upper(), path, query, body)
        if self.recording:
            with self.lock:
                self.requests.append((key[0], path, query, body.decode("utf-8", "replace")))
        answer = self.cache.get(key)
        if answer is None:
            answer = self.portal.handle(method, path, query, body, headers)
            if answer[0] == 200:
                self.cache[key] = answer
        return answer


class TreeSampler(threading.Thread):
    """Samples a process and its descendants (the crawl, its archive writer and extraction
    processes) every 0.1 s from
    /proc: the peak of their summed RSS, and each process's CPU seconds as last seen (a child
    that exits between two samples loses at most 0.1 s)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.done = pid, threading.Event()
        self.peak_rss, self.cpu = 0, {}  # bytes; pid -> (name, seconds)
        self.samples: list[tuple[float, dict[str, float]]] = []  # (time, CPU seconds by name so far)
        self.t0 = time.perf_counter()
        self.tick, self.page = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")

    def _tree(self) -> list[tuple[int, int]]:
        """(pid, depth): the crawl 0, its archive writer 1, the writer's extraction process 2
        (and multiprocessing's resource tracker, counted with it)."""
        pids, i = [(self.pid, 0)], 0
        while i < len(pids):
            pid, depth = pids[i]
            try:
                with open(f"/proc/{pid}/task/{pid}/children") as fh:
                    pids += [(int(p), depth + 1) for p in fh.read().split()]
            except OSError:
                pass
            i += 1
        return pids

    def run(self) -> None:
        names = ("crawl", "writer", "extraction")
        while not self.done.wait(0.1):
            rss = 0
            for pid, depth in self._tree():
                try:
                    with open(f"/proc/{pid}/stat") as fh:
                        stat = fh.read()
                except OSError:
                    continue
                fields = stat[stat.rindex(")") + 2:].split()
                rss += int(fields[21]) * self.page
                self.cpu[pid] = (names[min(depth, 2)], (int(fields[11]) + int(fields[12])) / self.tick)
            self.peak_rss = max(self.peak_rss, rss)
            self.samples.append((time.perf_counter() - self.t0, {n: self.cpu_of(n) for n in names}))

    def cpu_of(self, name: str) -> float:
        return sum(sec for n, sec in self.cpu.values() if n == name)

    def timeline(self, step: float = 1.0) -> str:
        """CPU use of each process per `step` seconds (1.00 = one core busy): where the crawl
        waits (start-up, a process starved or idle, the drain at the end)."""
        lines, last_t, last = ["   time   crawl  writer  extraction  (cores busy)"], 0.0, {}
        for t, cpu in self.samples:
            if t - last_t >= step or (t, cpu) == self.samples[-1]:
                use = {n: (cpu[n] - last.get(n, 0.0)) / (t - last_t) for n in cpu}
                lines.append(f"{t:7.1f}  {use['crawl']:6.2f}  {use['writer']:6.2f}  {use['extraction']:10.2f}")
                last_t, last = t, cpu
        return "\n".join(lines)


def run_timed(argv: list[str], env: dict | None = None) -> tuple[float, float, float, float, TreeSampler]:
    """Run a process to completion; (wall seconds, peak RSS in MiB, CPU seconds of it and its
    children, CPU seconds of this process meanwhile: the portal server, the sampler)."""
    t0, server0 = time.perf_counter(), time.process_time()
    proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})})
    sampler = TreeSampler(proc.pid)
    sampler.start()
    _pid, status, usage = os.wait4(proc.pid, 0)
    sampler.done.set()
    wall, server = time.perf_counter() - t0, time.process_time() - server0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode != 0:
        sys.exit(f"crawl_bench: {' '.join(argv[1:4])} … failed ({proc.returncode}): {err.strip()[-500:]}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, server, sampler  # ru_maxrss: KiB


def crawl_argv(start: str, db: Path, profile: str | None = None, *extra: str) -> list[str]:
    head = [sys.executable]
    if profile:
        head += ["-m", "cProfile", "-o", profile]
    return head + ["-m", "xxgk", "crawl", "--url", start, "--db", str(db), "-q", *extra]


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return 0


def bare_scrapy(requests_file: str) -> None:
    """The baseline: fetch the recorded requests, do nothing with the answers."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from crawler import settings as project_settings

    with open(requests_file, encoding="utf-8") as fh:
        spec = json.load(fh)
    base, requests = spec["base"], spec["requests"]
    fetched = []

    class Bare(scrapy.Spider):
        name = "bare"

        async def start(self):
            for method, path, query, body in requests:
                url = base + quote(path) + (f"?{query}" if query else "")
                yield scrapy.Request(url, method=method, body=body or None, dont_filter=True,
                                     callback=self.parse, errback=self.failed)

        def parse(self, response):
            fetched.append(response.status)

        def failed(self, failure):
            fetched.append(None)

    settings = {
        "TWISTED_REACTOR": project_settings.TWISTED_REACTOR,
        "USER_AGENT": project_settings.USER_AGENT,
        "LOG_LEVEL": os.environ.get("CRAWL_BENCH_LOG", "WARNING"),
        "TELNETCONSOLE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "DOWNLOAD_TIMEOUT": project_settings.DOWNLOAD_TIMEOUT,
        "HTTPERROR_ALLOW_ALL": True,
        **project_settings.LOCAL_PORTAL_SETTINGS,
        "ROBOTSTXT_OBEY": False,  # robots.txt is among the recorded requests
    }
    process = CrawlerProcess(settings)
    process.crawl(Bare)
    process.start()
    if len(fetched) != len(requests) or None in fetched:
        sys.exit(f"bare scrapy: {len(fetched)} answers to {len(requests)} requests, "
                 f"{fetched.count(None)} failed")


def archive_counts(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as conn:
        reports = conn.execute("select count(*) from reports").fetchone()[0]
        pages = conn.execute("select coalesce(sum(times_seen), 0) from fetches").fetchone()[0]
    return reports, pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=3000)
    parser.add_argument("--profile", metavar="FILE", help="run the measured crawl under cProfile into FILE")
    parser.add_argument("--one-process", action="store_true",
                        help="also time the crawl without its archive writer process (XXGK_WRITER_PROCESS=0)")
    parser.add_argument("--timeline", action="store_true",
                        help="also print each process's CPU use second by second during the measured crawl")
    parser.add_argument("--bare", metavar="REQUESTS_JSON", help=argparse.SUPPRESS)  # the baseline's process
    args = parser.parse_args()
    if args.bare:
        bare_scrapy(args.bare)
        return

    from xxgk.portal import build_demo_portal, serve_portal

    portal = Recording(build_demo_portal(n_reports=args.reports))
    with tempfile.TemporaryDirectory(prefix="crawl-bench-") as tmp, serve_portal(portal) as base:
        tmp_path = Path(tmp)
        start = base + portal.start_paths[0]
        run_timed(crawl_argv(start, tmp_path / "warmup.db"))
        portal.recording = False
        requests_file = tmp_path / "requests.json"
        requests_file.write_text(json.dumps({"base": base, "requests": portal.requests}), encoding="utf-8")
        n = len(portal.requests)

        bare_s, bare_rss, bare_cpu, bare_server, _ = run_timed([sys.executable, str(Path(__file__).resolve()), "--bare", str(requests_file)])
        db = tmp_path / "archive.db"
        writer_profile = {"XXGK_WRITER_PROFILE": args.profile + ".writer"} if args.profile else None
        crawl_s, crawl_rss, crawl_cpu, crawl_server, tree = run_timed(crawl_argv(start, db, args.profile),
                                                                      writer_profile)
        reports, recorded = archive_counts(db)
        if args.one_process:
            one = run_timed(crawl_argv(start, tmp_path / "one.db", None, "--set", "XXGK_WRITER_PROCESS=0"))
        db_bytes = sum(size_of(tmp_path / f"archive.db{ext}") for ext in ("", "-wal", "-shm"))
        warc_bytes = size_of(tmp_path / "archive.warc")

    bare_rate, crawl_rate = n / bare_s, n / crawl_s
    print(f"portal: {args.reports} reports generated; the crawl made {n} requests, archived {reports} reports "
          f"({recorded} fetches recorded)")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    print(f"bare Scrapy (baseline): {bare_s:6.1f} s  {bare_rate:6.1f} pages/s  CPU {bare_cpu:6.1f} s  "
          f"peak RSS {bare_rss:5.0f} MiB  portal server CPU {bare_server:5.1f} s")
    print(f"xxgk crawl            : {crawl_s:6.1f} s  {crawl_rate:6.1f} pages/s  CPU {crawl_cpu:6.1f} s  "
          f"peak RSS {crawl_rss:5.0f} MiB  portal server CPU {crawl_server:5.1f} s"
          + ("  (under cProfile)" if args.profile else ""))
    print(f"  of which: crawl process CPU {tree.cpu_of('crawl'):5.1f} s, archive writer process "
          f"{tree.cpu_of('writer'):5.1f} s, extraction process {tree.cpu_of('extraction'):5.1f} s; "
          f"peak RSS of all together {tree.peak_rss / 2**20:5.0f} MiB (sampled)")
    if args.one_process:
        print(f"xxgk crawl, one process: {one[0]:6.1f} s  {n / one[0]:6.1f} pages/s  CPU {one[2]:6.1f} s  "
              f"peak RSS {one[1]:5.0f} MiB  (ratio {n / one[0] / bare_rate:.2f}x)")
    print(f"ratio xxgk / bare: {crawl_rate / bare_rate:.2f}x  (target >= 0.8x, floor 0.5x); "
          f"CPU per page, bare / xxgk: {bare_cpu / crawl_cpu:.2f}x (less sensitive to a busy machine)")
    print(f"archive: database {db_bytes / 2**20:.1f} MiB ({db_bytes / max(reports, 1) / 1024:.1f} KiB/report), "
          f"WARC {warc_bytes / 2**20:.1f} MiB")
    if args.timeline:
        print(tree.timeline())
    if args.profile:
        import pstats

        pstats.Stats(args.profile).sort_stats("cumulative").print_stats(35)
        print(f"archive writer process ({args.profile}.writer):")
        pstats.Stats(args.profile + ".writer").sort_stats("cumulative").print_stats(35)


if __name__ == "__main__":
    main()
