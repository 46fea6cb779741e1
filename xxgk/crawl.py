"""Run Scrapy crawls from the command line: one process, crawls one after another.

SIGTERM and SIGINT stop a crawl cleanly: the first one closes the running crawl the way
Scrapy closes any spider (pipelines flush, the run is closed as `interrupted`, no removal
is marked) and skips the portals not started yet; a second one stops at once and the run
is still closed as `interrupted`. `run_crawls` then raises CrawlInterrupted, and the CLI
exits 128 + the signal number (130 for Ctrl-C, 143 for SIGTERM) so cron sees a failure.
"""
from __future__ import annotations

import contextlib
import signal
import sqlite3
from dataclasses import dataclass
from typing import Iterator, Optional

from scrapy.crawler import Crawler, CrawlerRunner
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.log import configure_logging
from scrapy.utils.project import get_project_settings
from scrapy.utils.reactor import install_reactor

from crawler import settings as project_settings
from crawler.spiders.portal import PortalSpider
from storage.queries import health_after, latest_run_id, run_after
from xxgk.logs import quiet_download_errors


# Where the bundled demo portal's pages are stored: it is served on a new port each run.
DEMO_ORIGIN = "http://demo.xxgk.invalid"


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


def _settings(target: CrawlTarget, db: str, progress: bool, overrides: Optional[dict]) -> Settings:
    settings = get_project_settings()
    if not settings.get("BOT_NAME") or settings.get("BOT_NAME") == "scrapybot":
        settings.setmodule(project_settings, priority="project")
    settings.set("XXGK_DB", db, priority="cmdline")
    settings.set("XXGK_PORTAL", target.portal, priority="cmdline")
    settings.set("XXGK_PROGRESS", progress, priority="cmdline")
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
               overrides: Optional[dict] = None, log_level: str = "WARNING") -> list[CrawlResult]:
    """Crawl each target in turn into `db`; one crawl_runs row per target."""
    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from twisted.internet import defer, reactor

    configure_logging({"LOG_LEVEL": log_level, "LOG_FORMAT": "%(levelname)s %(name)s: %(message)s"})
    runner = CrawlerRunner()
    results: list[CrawlResult] = []
    started: list[tuple[CrawlTarget, Crawler, int]] = []
    stopping: list[int] = []

    @defer.inlineCallbacks
    def crawl_all():
        for target in targets:
            if stopping:
                break
            settings = _settings(target, db, progress, overrides)
            settings.set("LOG_LEVEL", log_level, priority="cmdline")
            crawler = Crawler(PortalSpider, settings)
            quiet = quiet_download_errors(crawler, log_level)
            before = _latest_run_id(db, target.portal)
            started.append((target, crawler, before))
            try:
                yield runner.crawl(crawler, start_urls=target.start_urls, portal=target.portal,
                                   family=target.family, allowed_origins=target.allowed_origins)
            except Exception:  # keep going: one broken portal must not stop cron
                pass  # its result: the run row it wrote (status from the pipeline), else failed
            result = run_since(db, target.portal, before)
            result.reason = (quiet.first_error if quiet else "") or ""
            results.append(result)

    def graceful() -> None:
        for _target, crawler, _before in started:
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
        crawl_all().addBoth(lambda _: _stop_reactor(reactor))

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        reactor.callWhenRunning(start)
        reactor.run(installSignalHandlers=False)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    for _target, crawler, _before in started:  # stopped before its spider closed: close the run here
        for pipeline in _pipelines(crawler):
            pipeline.abort()
    if stopping:
        results += [run_since(db, t.portal, before) for t, _c, before in started[len(results):]]
        raise CrawlInterrupted(stopping[0], results)
    return results


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
