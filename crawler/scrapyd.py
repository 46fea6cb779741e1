"""Crawls that Scrapy starts itself (a Scrapyd job, `scrapy crawl portal`): what `xxgk crawl`
does around a crawl, done here instead.

- `ArchiveLockExtension` takes the archive's one-writer lock (storage/lock.py, the lock
  `xxgk crawl` holds), waiting for a crawl that holds it, and lets it go when the spider has
  closed (its pipeline has written everything). `xxgk crawl` holds the lock itself and turns
  the extension off (XXGK_ARCHIVE_LOCK = False).
- `registry_arguments` gives a job scheduled with only `portal=ID` that portal's registry
  entry: start URLs, family, allowed origins, and the settings the archive pipeline reads
  (XXGK_PORTAL, XXGK_REGION: province, city, level, region code; XXGK_HOSTS); a loopback
  portal gets the loopback settings the CLI gives it (no politeness delays).
- Under Scrapyd (a job gets its id as the spider argument `_job`), a job keeps its request
  queue in a JOBDIR beside the archive (`archive.jobs/PORTAL`): a job stopped with Scrapyd's
  cancel resumes when the portal is scheduled again. A resumed job marks no removal (what
  its interrupted predecessor had seen is not listed again: its walk is not complete), and a
  job that finished removes its JOBDIR, so the next one walks afresh. The progress line goes
  to the job's log at INFO.
"""
from __future__ import annotations

import logging
import os
import shutil
from typing import Any, Optional
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler import settings as project_settings
from storage.lock import ArchiveBusy, archive_lock

log = logging.getLogger(__name__)


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def jobs_dir_for(db: str) -> str:
    """Request queues of Scrapyd jobs live beside the archive: archive.db → archive.jobs/."""
    base, _ext = os.path.splitext(os.path.abspath(db))
    return base + ".jobs"


def registry_arguments(settings, portal: str) -> dict[str, Any]:
    """The spider arguments of a registered portal, its settings set on `settings` (not yet
    frozen: called while the spider is made). ValueError, one line, for a portal that cannot
    be crawled this way."""
    from crawler.registry import load

    entries = load()
    entry = entries.get(portal)
    if entry is None:
        raise ValueError(f"unknown portal {portal!r} (see 'xxgk portals'), and no start_url given")
    if entry.bundled:
        raise ValueError(f"portal {portal!r} is bundled (the demo): crawl it with 'xxgk demo'")
    settings.set("XXGK_PORTAL", entry.id, priority="spider")
    settings.set("XXGK_REGION", entry.region(), priority="spider")
    if entry.hosts:
        settings.set("XXGK_HOSTS", list(entry.hosts), priority="spider")
    if all(map(_is_loopback, entry.start_urls)):
        settings.setdict(project_settings.LOCAL_PORTAL_SETTINGS, priority="spider")
    return {"start_urls": list(entry.start_urls), "family": entry.family,
            "allowed_origins": entry.crawl_origins}


def scrapyd_settings(settings, portal: str, job: Optional[str]) -> None:
    """A Scrapyd job (`job`: its id): a JOBDIR per portal beside the archive, progress in the
    job's log."""
    if not job:
        return
    if not settings.get("JOBDIR"):
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in portal)[:60] or "crawl"
        settings.set("JOBDIR", os.path.join(jobs_dir_for(settings.get("XXGK_DB") or "archive.db"), safe),
                     priority="spider")
    settings.set("XXGK_PROGRESS_LOG", True, priority="spider")
    if settings.getpriority("LOG_LEVEL") < settings.getpriority("XXGK_PROGRESS_LOG"):
        settings.set("LOG_LEVEL", "INFO", priority="spider")


def resuming(settings) -> bool:
    """Does this crawl resume a job stopped earlier (its JOBDIR has requests seen)?"""
    jobdir = settings.get("JOBDIR")
    seen = os.path.join(jobdir, "requests.seen") if jobdir else None
    return bool(seen and os.path.isfile(seen) and os.path.getsize(seen) > 0)


class ArchiveLockExtension:
    """One writer per archive, for crawls the CLI does not run (see the module's docstring)."""

    def __init__(self, db: str):
        self.db, self.jobdir = db, None
        self.lock = archive_lock(db, wait=False)
        try:
            self.lock.__enter__()
        except ArchiveBusy as busy:
            log.warning("another crawl (pid %s) is writing %s: waiting for it", getattr(busy, "holder", "?"), db)
            self.lock = archive_lock(db, wait=True)
            self.lock.__enter__()
        log.info("holding the archive lock of %s", db)

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        if not s.getbool("XXGK_ARCHIVE_LOCK", True):
            # No message: Scrapy logs a NotConfigured with one as a WARNING, which every CLI
            # crawl (cron's log, the journal) would then show although nothing is wrong.
            raise NotConfigured
        ext = cls(s.get("XXGK_DB") or "archive.db")
        ext.jobdir = s.get("JOBDIR")
        crawler.signals.connect(ext.release, signal=signals.spider_closed)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        return ext

    def opened(self, spider=None) -> None:
        if self.jobdir:
            log.info("request queue kept in JOBDIR %s (%s)", self.jobdir,
                     "resuming a stopped job: no removal will be marked" if getattr(spider, "resumed", False)
                     else "a job stopped before its end resumes from it")

    def release(self, spider=None, reason: Optional[str] = None) -> None:
        """After the pipeline closed the run: a finished job's JOBDIR goes (a stopped one's
        stays, for the next job to resume), then the lock."""
        jobdir = self.jobdir
        if reason == "finished" and jobdir and os.path.isdir(jobdir):
            shutil.rmtree(jobdir, ignore_errors=True)
        if self.lock is not None:
            self.lock.__exit__(None, None, None)
            self.lock = None
