"""Run Scrapy crawls from the command line: one process, crawls one after another."""
from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from typing import Iterator, Optional

from scrapy.crawler import Crawler, CrawlerRunner
from scrapy.settings import Settings
from scrapy.utils.log import configure_logging
from scrapy.utils.project import get_project_settings
from scrapy.utils.reactor import install_reactor

from crawler import settings as project_settings
from crawler.jobs import jobdir_for
from crawler.spiders.portal import PortalSpider
from storage.queries import latest_run_id, run_after


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


@dataclass
class CrawlResult:
    portal: str
    status: str
    pages: int
    reports_new: int
    reports_changed: int
    errors: int


def _settings(target: CrawlTarget, db: str, progress: bool, overrides: Optional[dict]) -> Settings:
    settings = get_project_settings()
    if not settings.get("BOT_NAME") or settings.get("BOT_NAME") == "scrapybot":
        settings.setmodule(project_settings, priority="project")
    settings.set("XXGK_DB", db, priority="cmdline")
    settings.set("XXGK_PORTAL", target.portal, priority="cmdline")
    settings.set("XXGK_PROGRESS", progress, priority="cmdline")
    settings.set("JOBDIR", jobdir_for(db, target.portal), priority="cmdline")
    if target.region:
        settings.set("XXGK_REGION", dict(target.region), priority="cmdline")
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

    @defer.inlineCallbacks
    def crawl_all():
        for target in targets:
            settings = _settings(target, db, progress, overrides)
            settings.set("LOG_LEVEL", log_level, priority="cmdline")
            crawler = Crawler(PortalSpider, settings)
            before = _latest_run_id(db, target.portal)
            try:
                yield runner.crawl(crawler, start_urls=target.start_urls, portal=target.portal,
                                   family=target.family)
            except Exception:  # keep going: one broken portal must not stop cron
                pass  # its result: the run row it wrote (status from the pipeline), else failed
            results.append(run_since(db, target.portal, before))

    d = crawl_all()
    d.addBoth(lambda _: reactor.stop())
    reactor.run(installSignalHandlers=True)
    return results


def _latest_run_id(db: str, portal: str) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return latest_run_id(conn, portal)


def run_since(db: str, portal: str, before: int) -> CrawlResult:
    """The portal's run recorded after run `before`; failed when the crawl died before
    recording one (never the previous run's row)."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        row = run_after(conn, portal, before)
    if row is None:
        return CrawlResult(portal, "failed", 0, 0, 0, 0)
    return CrawlResult(portal, *row)


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
