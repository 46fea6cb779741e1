"""Run Scrapy crawls from the command line: one process, one reactor, several crawls at once.

Every target is its own Scrapy crawler (own spider, pipelines, downloader, stats) and writes its
own `crawl_runs` row. Up to `parallel` crawls run at the same time (PARALLEL_DEFAULT, or
$XXGK_CRAWL_PARALLEL, or `xxgk crawl --parallel N`), so that the whole registry takes about as
long as its slowest portal, not the sum of them. Politeness stays per site: Scrapy's
per-domain limits are per crawler, so targets that share a host (or a portal id) never run at
the same time: they take turns, in the order given (`politeness_groups`). Loopback targets
lift the politeness limits and only take turns with targets of the same portal id.

SIGTERM and SIGINT stop the crawls cleanly: the first one closes every running crawl the way
Scrapy closes any spider (pipelines flush, each run is closed as `interrupted`, no removal
is marked) and skips the portals not started yet; a second one stops at once and the runs
are still closed as `interrupted`. `run_crawls` then raises CrawlInterrupted, and the CLI
exits 128 + the signal number (130 for Ctrl-C, 143 for SIGTERM) so cron sees a failure.
"""
from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import sys
from dataclasses import dataclass
from typing import Iterator, Optional
from urllib.parse import urlsplit

from scrapy.crawler import Crawler, CrawlerRunner
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.project import get_project_settings
from scrapy.utils.reactor import install_reactor

from crawler import settings as project_settings
from crawler.pipelines import WRITE_BATCH
from crawler.spiders.portal import PortalSpider
from crawler.writer import WRITERS, WriterProcess
from storage.queries import fail_running_runs, health_after, latest_run_id, run_after
from xxgk.logs import CrawlLogs, stamp


# Where the bundled demo portal's pages are stored: it is served on a new port each run.
DEMO_ORIGIN = "http://demo.xxgk.invalid"
# Crawls running at the same time (each has its own per-domain limits); env overrides.
PARALLEL_DEFAULT = 8
PARALLEL_ENV = "XXGK_CRAWL_PARALLEL"
PARALLEL_MAX = 256
WRITE_BATCH_MIN = 20  # writes per commit of one crawl, at the most crawls at once


@dataclass
class CrawlTarget:
    portal: str
    start_urls: list[str]
    local: bool = False  # a loopback portal: lift the politeness limits
    alias: Optional[tuple[str, str]] = None  # (served origin, stored origin): the demo
    family: Optional[str] = None  # registry hint; None = detect from the page
    region: Optional[dict] = None  # province, city, level, region_code (registry)
    allowed_origins: tuple[str, ...] = ()  # other origins the registry lets the crawl follow
    hosts: tuple[str, ...] = ()  # the portal's host names, the first for its reports' ids (registry)


@dataclass
class CrawlResult:
    portal: str
    status: str
    pages: int
    reports_new: int
    reports_changed: int
    errors: int
    health: str = "ok"  # or "suspect: why" (crawler/health.py)
    reason: str = ""  # why a failed portal failed (its first download error), for the log


class CrawlInterrupted(Exception):
    """SIGTERM / SIGINT stopped the crawls; `results` has the runs that had started."""

    def __init__(self, signum: int, results: list[CrawlResult]):
        super().__init__(signal.Signals(signum).name)
        self.signum, self.results = signum, results

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class ParallelError(ValueError):
    """A bad --parallel / $XXGK_CRAWL_PARALLEL value (one line for the user)."""


def parallel_crawls(value: Optional[object] = None) -> int:
    """How many crawls run at once: `value` (--parallel), else $XXGK_CRAWL_PARALLEL, else
    PARALLEL_DEFAULT; 1 crawls the portals one after another."""
    source = "--parallel"
    if value is None:
        value, source = os.environ.get(PARALLEL_ENV), PARALLEL_ENV
    if value is None or value == "":
        return PARALLEL_DEFAULT
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ParallelError(f"{source} wants a whole number of crawls, not {value!r}") from None
    if not 1 <= n <= PARALLEL_MAX:
        raise ParallelError(f"{source} must be between 1 and {PARALLEL_MAX}, not {n}")
    return n


def politeness_groups(targets: list[CrawlTarget]) -> list[list[int]]:
    """Indexes of `targets` in groups that must take turns: targets sharing a portal id, or
    (unless loopback) a host. Groups keep the given order, and so does each group."""
    parent = list(range(len(targets)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[str, str], int] = {}
    for i, target in enumerate(targets):
        keys = [("portal", target.portal)]
        if not target.local:
            keys += [("host", (urlsplit(u).hostname or u).lower()) for u in target.start_urls]
        for key in keys:
            if key in owner:
                a, b = find(owner[key]), find(i)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                owner[key] = i
    groups: dict[int, list[int]] = {}
    for i in range(len(targets)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _settings(target: CrawlTarget, db: str, progress: bool, overrides: Optional[dict],
              shared_terminal: bool = False, writer: Optional[str] = None) -> Settings:
    settings = get_project_settings()
    if not settings.get("BOT_NAME") or settings.get("BOT_NAME") == "scrapybot":
        settings.setmodule(project_settings, priority="project")
    if writer is not None:  # extraction and storage in the writer process (crawler/writer.py)
        settings.set("XXGK_WRITER", writer, priority="cmdline")
        settings.set("ITEM_PIPELINES", {"crawler.writer.WriterPipeline": 300}, priority="cmdline")
    settings.set("XXGK_DB", db, priority="cmdline")
    settings.set("XXGK_ARCHIVE_LOCK", False, priority="cmdline")  # the CLI holds it (xxgk/lock.py)
    settings.set("XXGK_PORTAL", target.portal, priority="cmdline")
    settings.set("XXGK_PROGRESS", progress, priority="cmdline")
    settings.set("XXGK_PROGRESS_SHARED", shared_terminal, priority="cmdline")
    if target.region:
        settings.set("XXGK_REGION", dict(target.region), priority="cmdline")
    if target.hosts:
        settings.set("XXGK_HOSTS", list(target.hosts), priority="cmdline")
    if target.alias:
        settings.set("XXGK_URL_ALIAS", list(target.alias), priority="cmdline")
    if target.local:
        settings.setdict(project_settings.LOCAL_PORTAL_SETTINGS, priority="cmdline")
    if overrides:
        settings.setdict(overrides, priority="cmdline")
    return settings


def run_crawls(targets: list[CrawlTarget], db: str, progress: bool = True,
               overrides: Optional[dict] = None, log_level: str = "WARNING",
               parallel: Optional[int] = None) -> list[CrawlResult]:
    """Crawl the targets into `db`, up to `parallel` at once (politeness groups take turns);
    one crawl_runs row per target; results in the order of `targets`."""
    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from twisted.internet import defer, reactor

    parallel = parallel_crawls() if parallel is None else max(1, int(parallel))
    groups = politeness_groups(targets)
    at_once = max(1, min(parallel, len(groups)))
    shared_terminal = progress and at_once > 1
    # The crawls running at once share one write buffer's worth of memory (each buffers
    # reports, cells and fetches until it commits): memory stays flat with --parallel.
    batch = {"XXGK_WRITE_BATCH": max(WRITE_BATCH_MIN, WRITE_BATCH // at_once)} if at_once > 1 else {}
    if overrides and "XXGK_WRITE_BATCH" in overrides:
        batch = {}
    writer_id = None
    if Settings({"on": (overrides or {}).get("XXGK_WRITER_PROCESS", True)}).getbool("on"):
        writer_id = f"{os.getpid()}-{len(WRITERS)}"
        WRITERS[writer_id] = WriterProcess(
            on_death=lambda reason: (writer_died.append(reason), reactor.callFromThread(graceful)))
    writer_died: list[str] = []
    runner = CrawlerRunner()
    slots = defer.DeferredSemaphore(parallel)
    results: dict[int, CrawlResult] = {}
    started: list[tuple[int, CrawlTarget, Crawler, int]] = []
    stopping: list[int] = []
    logs = CrawlLogs(log_level)

    @defer.inlineCallbacks
    def crawl_one(index: int, target: CrawlTarget):
        if stopping or writer_died:
            return
        settings = _settings(target, db, progress, {**batch, **(overrides or {})}, shared_terminal, writer_id)
        settings.set("LOG_LEVEL", log_level, priority="cmdline")
        crawler = Crawler(PortalSpider, settings)
        quiet = logs.watch(crawler)
        before = _latest_run_id(db, target.portal)
        started.append((index, target, crawler, before))
        try:
            yield runner.crawl(crawler, start_urls=target.start_urls, portal=target.portal,
                               family=target.family, allowed_origins=target.allowed_origins)
        except Exception:  # keep going: one broken portal must not stop cron
            pass  # its result: the run row it wrote (status from the pipeline), else failed
        result = run_since(db, target.portal, before)
        result.reason = (quiet.first_error if quiet else "") or ""
        results[index] = result

    @defer.inlineCallbacks
    def crawl_group(members: list[int]):
        for index in members:
            if stopping or writer_died:
                break
            yield slots.run(crawl_one, index, targets[index])

    def graceful() -> None:
        for _index, _target, crawler, _before in started:
            crawler.xxgk_interrupted = True  # read by the archive pipeline when it closes the run
            engine = _engine(crawler)
            if crawler.crawling and engine is not None and engine.running:
                deferred_from_coro(crawler.stop_async()).addErrback(lambda _f: None)
            elif crawler.crawling:  # still starting up: a stop now would be lost, ask again shortly
                reactor.callLater(0.2, graceful)

    def on_signal(signum, _frame) -> None:
        stopping.append(signum)
        if len(stopping) == 1:
            reactor.callFromThread(graceful)
        else:  # asked twice: stop now (the runs are closed below)
            reactor.callFromThread(_stop_reactor, reactor)

    def start() -> None:
        # Started once the reactor runs: with nothing to crawl the deferred fires at once, and a
        # stop asked before run() would be lost (the reactor would then run for ever).
        done = defer.DeferredList([crawl_group(members) for members in groups], consumeErrors=True)
        done.addBoth(lambda _: _stop_reactor(reactor))

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with logs:
            reactor.callWhenRunning(start)
            reactor.run(installSignalHandlers=False)
            for _index, _target, crawler, _before in started:  # stopped before its spider closed: close the run here
                for pipeline in _pipelines(crawler):
                    pipeline.abort()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if writer_id is not None:
            WRITERS.pop(writer_id).stop()
    if writer_died:
        # Its runs never closed: failed, no removal marked; what it had not committed is
        # fetched again by the next run (nothing counts as archived before its commit).
        for index, target, _crawler, before in started:
            _fail_running(db, target.portal, before)
            results[index] = run_since(db, target.portal, before)
        print(f"{stamp()} xxgk: error: {writer_died[0]}: the crawls were stopped and their runs closed as "
              "failed; what was not stored yet is fetched again by the next run", file=sys.stderr)
    if stopping:
        for index, target, _crawler, before in started:
            if index not in results:
                results[index] = run_since(db, target.portal, before)
        raise CrawlInterrupted(stopping[0], [results[i] for i in sorted(results)])
    return [results[i] for i in sorted(results)]


def _stop_reactor(reactor) -> None:
    if reactor.running:
        reactor.stop()


def _engine(crawler: Crawler):
    """The crawler's engine, or None before it exists (Scrapy raises on access then)."""
    try:
        return crawler.engine
    except (AttributeError, RuntimeError):
        return None


def _pipelines(crawler: Crawler) -> list:
    """The item pipelines of a crawler (the archive pipeline among them)."""
    scraper = getattr(_engine(crawler), "scraper", None)
    middleware = getattr(scraper, "itemproc", None)
    return [p for p in getattr(middleware, "middlewares", ()) if hasattr(p, "abort")]


def _fail_running(db: str, portal: str, before: int) -> None:
    with contextlib.closing(sqlite3.connect(db, timeout=30)) as conn, conn:
        fail_running_runs(conn, portal, before, stamp())


def _latest_run_id(db: str, portal: str) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return latest_run_id(conn, portal)


def run_since(db: str, portal: str, before: int) -> CrawlResult:
    """The portal's run recorded after run `before`; failed when the crawl died before
    recording one (never the previous run's row)."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        row = run_after(conn, portal, before)
        health = health_after(conn, portal, before)
    if row is None:
        return CrawlResult(portal, "failed", 0, 0, 0, 0)
    return CrawlResult(portal, *row, health=health or "ok")


@contextlib.contextmanager
def bundled_portal(seed: Optional[int] = None, n_reports: Optional[int] = None,
                   earlier: bool = False) -> Iterator[tuple[str, list[str]]]:
    """Serve the demo portal on a free loopback port: (base URL, start URLs). `earlier`: the
    edition it served before (one more report, one report's text not yet revised)."""
    from xxgk.portal import build_demo_portal, serve_portal

    portal = (build_demo_portal(earlier=earlier) if seed is None
              else build_demo_portal(seed=seed, n_reports=n_reports, earlier=earlier))
    with serve_portal(portal, host="127.0.0.1", port=0) as base_url:
        yield base_url, [base_url + path for path in portal.start_paths]
