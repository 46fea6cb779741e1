"""The Scrapy item pipeline: extraction and storage at the edge of a crawl.

Thin on purpose: it routes each `crawler.items.PageItem` to the pure extraction
(pipelines/report.py, which also decides when a page waits for its attachments and what
an attachment gives it) and the archive (storage/archive.py), and keeps the crawl's
counts. A page that cannot be parsed is recorded with its reason in `fetches.error` and
the crawl goes on.
"""
from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Optional

from crawler.heap import handled
from crawler.health import INCOMPLETE, LISTED_MIN, REMOVED_MAX, threshold, verdict
from crawler.health import SETTINGS as HEALTH_SETTINGS
from crawler.items import ARTICLE, ATTACHMENT, FAILED, PageItem
from crawler.reextract import Counts, Reextractor
from pipelines.model import Extraction
from pipelines.report import (UnreadableInput, extract_bytes, report_with_attachment,
                              waits_for_attachments)
from storage.archive import REGION_KEYS, Archive, alias_url
from storage.rows import PreparedReport
from storage.identity import host_aliases

log = logging.getLogger(__name__)

NOT_MODIFIED = 304
INTERRUPTED = "interrupted"  # crawl_runs.status of a run stopped by SIGTERM / Ctrl-C
# Archive writes buffered per transaction (fetch rows and reports; about 100 reports). Large
# transactions keep the crawl's storage cheap (benchmarks/crawl_bench.py); the buffer is
# committed when the spider closes, SIGTERM and Ctrl-C included, and what a SIGKILL loses is
# fetched again by the next run (nothing counts as archived before it is committed).
WRITE_BATCH = 200


@dataclass
class Waiting:
    """A report-titled page with no tables whose attachments are still to come."""

    extraction: Extraction
    fetched_at: str
    capture: Optional[dict]
    remaining: set[str] = field(default_factory=set)
    column: Optional[str] = None
    # The page's own fetches row, written once the page settles: a crawl killed before its
    # attachments came leaves no sign that the page was fetched, so the next one fetches it (and
    # its attachments) again instead of taking it for fresh and never reading its report.
    fetch: Optional[dict] = None


class CloseStats(dict):
    """A closed crawl's Scrapy stats as far as the pipeline reads them, from a summary."""

    def get_value(self, key, default=None):
        return self.get(key, default)


def walk_summary(walk) -> dict:
    """A crawl's list walk (crawler/walk.py) as plain data: the pages never answered, each with
    its column, and whether the whole walk and each column's were complete."""
    return {"pending": [[url, form, walk.column_of((url, form))] for url, form in sorted(walk.pending, key=repr)],
            "complete": walk.complete(),
            "columns": {column: walk.complete(column) for column in walk.columns}}


class ClosedWalk:
    """A closed crawl's list walk as far as the pipeline reads it, from `walk_summary`; a
    summary of an earlier release (a distributed worker's) tells no columns: each is the whole."""

    def __init__(self, summary: Optional[dict]):
        summary = summary or {}
        self.owner = {(entry[0], tuple(map(tuple, entry[1])) if entry[1] else None): (entry[2:] or [None])[0]
                      for entry in summary.get("pending", [])}
        self.pending = set(self.owner)
        self._complete = bool(summary.get("complete"))
        self.columns = {str(k): bool(v) for k, v in (summary.get("columns") or {}).items()}

    def column_of(self, key) -> Optional[str]:
        return self.owner.get(key)

    def complete(self, column: Optional[str] = None) -> bool:
        if column is None or not self.columns:
            return self._complete
        return self.columns.get(column, False)


def close_summary(crawler, spider, interrupted: bool) -> dict:
    """What `ArchivePipeline.close_from` needs of a closing crawl, as plain data: for a
    pipeline in another process (the archive writer process, the distributed writer)."""
    stats = crawler.stats
    walk = getattr(spider, "walk", None)
    return {
        "finish_reason": stats.get_value("finish_reason"),
        "spider_errors": stats.get_value("spider_exceptions/count") or 0,
        "interrupted": bool(interrupted),
        "resumed": bool(getattr(spider, "resumed", False)),
        "walk": None if walk is None else walk_summary(walk),
    }


class Progress:
    """One status line (pages, reports, errors), refreshed at most every `every` s. `shared`:
    other crawls write to the same terminal, so each update is a whole line of its own (at the
    log cadence), never rewritten in place."""

    def __init__(self, portal: str, enabled: bool = True, every: float = 1.0, stream=None,
                 shared: bool = False, logger: Optional[logging.Logger] = None):
        self.portal, self.enabled, self.every = portal, enabled, every
        self.stream = stream or sys.stderr
        self.logger = logger  # a Scrapyd job: the lines go to its log (INFO), not to a terminal
        self.tty = (hasattr(self.stream, "isatty") and self.stream.isatty() and not shared
                    and logger is None)
        self.last = 0.0

    def show(self, stats: dict[str, int], final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and now - self.last < (self.every if self.tty else 10 * self.every):
            return
        self.last = now
        line = (
            f"[{self.portal}] pages {stats['pages']} · reports {stats['reports']} "
            f"(new {stats['reports_new']}, changed {stats['reports_changed']}) · "
            f"not reports {stats['not_reports']} · errors {stats['errors']}"
        )
        if self.logger is not None:
            self.logger.info(line)
            return
        end = "\n" if final or not self.tty else ""
        self.stream.write(("\r" if self.tty else "") + line + end)
        self.stream.flush()


class ArchivePipeline:
    # Portal health thresholds (crawler/health.py); from_crawler reads the settings.
    listed_min, removed_max = LISTED_MIN, REMOVED_MAX

    def __init__(self, db: str, portal: Optional[str], progress: bool, alias=None, region=None,
                 progress_shared: bool = False, hosts=None, progress_log: bool = False):
        self.db, self.portal_setting, self.progress_enabled = db, portal, progress
        self.progress_log = progress_log
        self.progress_shared = progress_shared
        self.aliases = host_aliases([hosts]) if hosts else {}
        self.region = dict(region or {})
        self.alias = tuple(alias) if alias else None
        # Article URLs each column's lists named in this crawl (None: a column not known, an
        # item from a worker of an earlier release on a portal of several columns).
        self.listed: dict[Optional[str], set[str]] = {}
        self.column_counts: dict[Optional[str], dict[str, int]] = {}
        self.failed_columns: set[Optional[str]] = set()   # columns with a list page that failed
        self.waiting: dict[str, Waiting] = {}
        self.list_failures = 0
        self.item_failures = 0             # items the archive could not take (logged)
        self.archive: Optional[Archive] = None
        self.run_id: Optional[int] = None
        self.stats = dict(pages=0, reports=0, reports_new=0, reports_changed=0, not_reports=0, errors=0)

    @staticmethod
    def options(s) -> dict[str, Any]:
        """What the pipeline takes from a crawl's settings, as plain data (the archive writer
        process builds its pipelines from it: crawler/writer.py)."""
        listed_min, removed_max = (threshold(name, s.get(name, default)) for name, default in HEALTH_SETTINGS.items())
        return {"args": dict(db=s.get("XXGK_DB", "archive.db"), portal=s.get("XXGK_PORTAL"),
                             progress=s.getbool("XXGK_PROGRESS", True), alias=s.getlist("XXGK_URL_ALIAS") or None,
                             region=s.getdict("XXGK_REGION"), progress_shared=s.getbool("XXGK_PROGRESS_SHARED", False),
                             hosts=s.getlist("XXGK_HOSTS") or None, progress_log=s.getbool("XXGK_PROGRESS_LOG", False)),
                "write_batch": max(1, int(s.get("XXGK_WRITE_BATCH") or WRITE_BATCH)),
                "listed_min": listed_min, "removed_max": removed_max}

    @classmethod
    def from_options(cls, options: dict[str, Any]):
        pipeline = cls(**options["args"])
        pipeline.write_batch = options["write_batch"]
        pipeline.listed_min, pipeline.removed_max = options["listed_min"], options["removed_max"]
        return pipeline

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls.from_options(cls.options(crawler.settings))
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self, spider=None):
        spider = spider or getattr(getattr(self, "crawler", None), "spider", None)
        self.portal = self.portal_setting or getattr(spider, "portal", None) or "unknown"
        self.archive = Archive(self.db, batch_size=getattr(self, "write_batch", WRITE_BATCH), aliases=self.aliases)
        if self.aliases:  # reports archived under a host the registry now names as an alias
            self.archive.rekey(self.portal)
        self.run_id = self.archive.start_run(self.portal)
        # Reports an older extractor stored: re-read from their capture when this crawl does
        # not fetch them again (304 or fresh), or they would keep that extraction for ever.
        self.stale = self.archive.stale_reports()
        self.reextractor = Reextractor(self.archive)
        self.progress = Progress(self.portal, self.progress_enabled, shared=self.progress_shared,
                                 logger=logging.getLogger("xxgk.progress") if self.progress_log else None)
        # Each start URL is a column (a column per year, say), judged on its own.
        starts = sorted(getattr(spider, "start_urls", []) or [])
        self.columns = [alias_url(u, self.alias) for u in starts]
        # What an earlier release stored as the column of every report of a portal of several.
        self.joined_columns = " ".join(self.columns) if len(self.columns) > 1 else None

    def _column(self, item: PageItem) -> Optional[str]:
        """The column (its aliased start URL) whose lists led to the item."""
        if item.column:
            return alias_url(item.column, self.alias)
        return self.columns[0] if len(self.columns) == 1 else None

    def _listed(self, column: Optional[str], url: str) -> None:
        self.listed.setdefault(column, set()).add(url)

    def _count(self, column: Optional[str], outcome: str) -> None:
        """A report of `column` stored or seen: 'new', 'changed' or 'unchanged'."""
        counts = self.column_counts.setdefault(column, {"new": 0, "changed": 0, "unchanged": 0})
        counts[outcome] += 1

    def process_item(self, item: PageItem, spider=None) -> PageItem:
        assert self.archive is not None
        handled()  # the allocator's free pages go back to the system now and then (crawler/heap.py)
        try:
            return self._process(item)
        except Exception as exc:  # an archive bug must not stop the crawl; the walk is no longer trusted
            log.exception("could not store %s", getattr(item, "url", item))
            self.item_failures += 1
            self.stats["errors"] += 1
            return item

    def _process(self, item: PageItem) -> PageItem:
        column = self._column(item)
        if item.cached:  # fresh in the archive: no request was made
            seen_urls = [alias_url(seen, self.alias) for seen in item.seen_urls]
            for seen in seen_urls:
                self._listed(column, seen)
                self._touch(seen, item.fetched_at, column)
            self.progress.show(self.stats)
            return item
        url = alias_url(item.url, self.alias)
        if item.retrying:  # an attempt asked again: its reason is kept, no error yet
            warc = getattr(item, "warc", None) or {}
            self.archive.record_fetch(url=url, status=item.status, content_type=item.content_type, body=item.body,
                                      error=f"{item.error} (retried)", fetched_at=item.fetched_at,
                                      warc_file=warc.get("file"), warc_offset=warc.get("offset"))
            return item
        if item.kind in (ARTICLE, FAILED):
            self._listed(column, url)
        if item.kind == FAILED and item.list_page:
            self.list_failures += 1
            self.failed_columns.add(column)
        self.stats["pages"] += 1
        error = item.error
        if item.kind == ARTICLE and item.status == NOT_MODIFIED:
            self._touch(url, item.fetched_at, column)
        elif item.kind == ARTICLE and item.body is not None:
            error = self._store_article(item, url, column)
        elif item.kind == ATTACHMENT and item.body is not None:
            error = self._store_attachment(item, url)
        if item.kind == FAILED and item.parent_url:
            self._attachment_done(alias_url(item.parent_url, self.alias), url)
        if item.kind == FAILED or error:
            self.stats["errors"] += 1
        warc = item.warc or {}
        fetch = dict(url=url, status=item.status, content_type=item.content_type,
                     body=item.body, error=error, fetched_at=item.fetched_at,
                     etag=item.etag, last_modified=item.last_modified,
                     warc_file=warc.get("file"), warc_offset=warc.get("offset"))
        waiting = self.waiting.get(url) if item.kind == ARTICLE else None
        if waiting is not None and waiting.fetch is None:
            waiting.fetch = fetch
        else:
            self.archive.record_fetch(**fetch)
        self.progress.show(self.stats)
        return item

    def extract(self, body: bytes, url: str, content_type: Optional[str],
                filename: Optional[str] = None) -> Extraction:
        """One fetched body's extraction (the distributed writer takes the worker's instead:
        crawler/distributed.py IngestPipeline; the writer process's may come as a
        storage.rows.PreparedReport, which stands in for it: crawler/writer.py)."""
        return extract_bytes(body, url, content_type, filename=filename)

    def _touch(self, url: str, seen_at: str, column: Optional[str]) -> None:
        """A listed report not fetched again (fresh or 304)."""
        changed = self._refresh(url, column)
        if self.archive.touch_report(url, seen_at, column, self.region):
            self.stats["reports"] += 1
            self._count(column, "changed" if changed else "unchanged")

    def _refresh(self, url: str, column: Optional[str]) -> bool:
        """A report not fetched again whose stored extraction is older than this code's: extract
        it again from its capture (crawler/reextract.py); a changed one counts as changed."""
        report_id = self.archive.report_id(url)
        if report_id not in self.stale:
            return False
        self.stale.discard(report_id)
        counts = Counts()
        where = {k: self.region.get(k) for k in REGION_KEYS}
        if column:
            where["column_url"] = column
        changed = self.reextractor.redo(report_id, counts, overwrite=where) == "changed"
        if changed:
            self.stats["reports_changed"] += 1
        for failure in counts.failures:
            log.warning("not re-extracted: %s", failure)
        return changed

    def _store_article(self, item: PageItem, url: str, column: Optional[str]) -> Optional[str]:
        """Extract and store one article; returns the error text if it failed."""
        try:
            extraction = self.extract(item.body, url, item.content_type)
        except UnreadableInput as exc:
            return str(exc)
        except Exception as exc:  # a parser bug must not stop the crawl: record it
            log.exception("extraction failed for %s", item.url)
            return f"extraction failed: {type(exc).__name__}: {exc}"
        if waits_for_attachments(extraction, item.attachments):
            if isinstance(extraction, PreparedReport):  # merged with its attachment's later
                extraction = extraction.extraction()
            self.waiting[url] = Waiting(extraction, item.fetched_at, item.warc,
                                        {alias_url(a, self.alias) for a in item.attachments}, column=column)
            return None
        if not extraction.is_report:
            self.stats["not_reports"] += 1
            return None
        self._save(url, extraction, item.fetched_at, item.warc, column)
        return "; ".join(extraction.errors) or None

    def _save(self, url: str, extraction: Extraction, fetched_at: str, capture: Optional[dict],
              column: Optional[str]) -> None:
        outcome = self.archive.save_report(
            url=url, portal=self.portal, extraction=extraction, fetched_at=fetched_at,
            capture=capture, column_url=column, region=self.region,
        )
        self._count(column, outcome)
        self.stats["reports"] += 1
        if outcome == "new":
            self.stats["reports_new"] += 1
        elif outcome == "changed":
            self.stats["reports_changed"] += 1

    def _store_attachment(self, item: PageItem, url: str) -> Optional[str]:
        """Keep the file (sha256 name, `attachments` row); when its page is waiting for it,
        the page's report gets its data from the file."""
        parent = alias_url(item.parent_url, self.alias) if item.parent_url else None
        waiting = self.waiting.get(parent) if parent else None
        error, used = None, False
        if waiting is not None:
            try:
                attached = self.extract(item.body, url, item.content_type, filename=url)
            except UnreadableInput as exc:
                attached, error = None, str(exc)
            except Exception as exc:  # a reader bug must not stop the crawl: record it
                log.exception("attachment extraction failed for %s", url)
                attached, error = None, f"extraction failed: {type(exc).__name__}: {exc}"
            merged = report_with_attachment(waiting.extraction, attached) if attached is not None else None
            if merged is not None:
                del self.waiting[parent]
                self._record_page(waiting)
                self._save(parent, merged, waiting.fetched_at, waiting.capture, waiting.column)
                used = True
                error = "; ".join(attached.errors) or None
        self.archive.record_attachment(
            url=url, parent_url=parent, filename=item.filename,
            content_type=item.content_type, data=item.body, fetched_at=item.fetched_at,
            used_for_report=used, error=error,
        )
        if parent:
            self._attachment_done(parent, url)
        return error

    def _attachment_done(self, parent: str, url: str) -> None:
        waiting = self.waiting.get(parent)
        if waiting is None:
            return
        waiting.remaining.discard(url)
        if not waiting.remaining:
            del self.waiting[parent]
            self._settle(parent, waiting)

    def _record_page(self, waiting: Waiting) -> None:
        if waiting.fetch is not None:
            self.archive.record_fetch(**waiting.fetch)
            waiting.fetch = None

    def _settle(self, url: str, waiting: Waiting) -> None:
        """No attachment gave tables: the page stands on its own."""
        self._record_page(waiting)
        if waiting.extraction.is_report:
            self._save(url, waiting.extraction, waiting.fetched_at, waiting.capture, waiting.column)
        else:
            self.stats["not_reports"] += 1

    def close_spider(self, spider=None):
        spider = spider or getattr(getattr(self, "crawler", None), "spider", None)
        if self.archive is None:
            return
        for url, waiting in list(self.waiting.items()):  # attachments that never came
            self._settle(url, waiting)
        self.waiting.clear()
        reason = None
        if spider is not None and getattr(spider, "crawler", None) is not None:
            reason = spider.crawler.stats.get_value("finish_reason")
        status = "finished" if reason in (None, "finished") else INTERRUPTED if reason == "shutdown" else str(reason)
        crawler = getattr(self, "crawler", None)
        # Stopped from outside: `xxgk crawl` on SIGTERM / Ctrl-C says so; a crawl Scrapy runs
        # itself (a Scrapyd job cancelled) shows it by no longer crawling (Crawler.stop): its
        # close reason is not known yet when the pipelines close.
        if getattr(crawler, "xxgk_interrupted", False) or getattr(crawler, "crawling", True) is False:
            status = INTERRUPTED
        walk = getattr(spider, "walk", None)
        if status == "finished" and walk is not None:
            for key in sorted(walk.pending, key=repr):  # asked for, never answered (filtered)
                url = key[0]
                self.list_failures += 1
                column = walk.column_of(key)
                self.failed_columns.add(alias_url(column, self.alias) if column else None)
                self.stats["errors"] += 1
                self.archive.record_fetch(url=alias_url(url, self.alias), status=None, content_type=None, body=None,
                                          error="list page never answered (dropped by the crawler)")
        if self.stats["pages"] and self.stats["errors"] >= self.stats["pages"]:
            status = "failed"
        # Only a complete walk of a column's lists can tell that a report of it is gone: every
        # list page it asked for in this run answered, none failed, no limit hit, the run not
        # interrupted, and nothing in the run went wrong that might have lost a listed report.
        resumed = getattr(spider, "resumed", False)
        stats = spider.crawler.stats if spider is not None and getattr(spider, "crawler", None) else None
        spider_errors = (stats.get_value("spider_exceptions/count") or 0) if stats is not None else 0
        sound = not resumed and not self.item_failures and not spider_errors
        walked = (walk is None or walk.complete()) and not resumed
        if walked and not self.list_failures and not sound:
            log.warning("%s: no removal marked: %d spider errors, %d items not stored", self.portal,
                        spider_errors, self.item_failures)
        complete = {}
        for column in self.columns:
            raw = self._start_url(walk, column)
            complete[column] = (sound and column not in self.failed_columns and None not in self.failed_columns
                                and (walk is None or walk.complete(raw)))
        self.health = self._health(complete, sound and walked and not self.list_failures)
        if self.progress_log and self.health["health"].startswith("suspect"):
            # A crawl Scrapy runs itself (a Scrapyd job): its log is all anyone sees of it.
            # `xxgk crawl` prints this line itself, with the exit code.
            log.error("portal %s %s; nothing marked removed — check its column (xxgk portals --health)",
                      self.portal, self.health["health"])
        if status == "finished" and not self.health["health"].startswith("suspect"):
            for row in self.column_rows:
                column = row["column_url"]
                if row["health"] == "ok" and self.listed.get(column):
                    self.archive.mark_removed(column, self.listed[column])
            if self.legacy_ok:   # reports an earlier release filed under all the columns at once
                self.archive.mark_removed(self.joined_columns, set().union(*self.listed.values()))
        self._finish(status)

    def close_from(self, summary: dict[str, Any]) -> None:
        """close_spider for a crawl that ran in another process, from its `close_summary`."""
        self.crawler = SimpleNamespace(xxgk_interrupted=bool(summary.get("interrupted")))
        stats = CloseStats({"finish_reason": summary.get("finish_reason"),
                            "spider_exceptions/count": summary.get("spider_errors") or 0})
        spider = SimpleNamespace(portal=self.portal, start_urls=list(getattr(self, "start_urls", ())),
                                 walk=ClosedWalk(summary["walk"]) if summary.get("walk") is not None else None,
                                 resumed=bool(summary.get("resumed")), crawler=SimpleNamespace(stats=stats))
        self.close_spider(spider)

    def _start_url(self, walk, column: str) -> Optional[str]:
        """The walk's name (the raw start URL) of an aliased column."""
        for raw in getattr(walk, "columns", None) or ():
            if alias_url(raw, self.alias) == column:
                return raw
        return column

    def _health(self, complete: dict[str, bool], whole: bool) -> dict:
        """What each column's lists showed, and whether it is believable (crawler/health.py).
        Only a complete walk of a column is judged (or becomes its next baseline): an
        incomplete one marks nothing removed anyway, and its errors already say why. The run
        is suspect when any column is; crawl_runs keeps the sums."""
        self.column_rows, self.legacy_ok = [], False
        suspects, present_total = [], 0
        for column in self.columns:
            listed, previous, would_remove, present = self.archive.column_state(
                self.run_id, self.portal, column, self.listed.get(column, set()), only_column=len(self.columns) == 1)
            present_total += present
            counts = self.column_counts.get(column, {})
            health = (verdict(listed, previous, would_remove, present, self.listed_min, self.removed_max)
                      if complete[column] else INCOMPLETE)
            if health.startswith("suspect"):
                suspects.append((column, health))
            self.column_rows.append({
                "portal": self.portal, "column_url": column, "reports_listed": listed,
                "reports_new": counts.get("new", 0), "reports_changed": counts.get("changed", 0),
                "reports_unchanged": counts.get("unchanged", 0), "would_remove": would_remove, "health": health})
        if self.joined_columns and all(complete.values()) and not suspects:
            suspects += self._legacy_health(present_total)
        if suspects:
            column, why = suspects[0]
            more = f" (and {len(suspects) - 1} more columns)" if len(suspects) > 1 else ""
            health = f"{why} in column {column}{more}"
        elif all(complete.values()) and (self.columns or whole):
            health = "ok"
        elif any(complete.values()):
            health = (f"incomplete: {sum(not c for c in complete.values())} of {len(complete)} columns not walked "
                      "to the end; their removals not judged")
        else:
            health = INCOMPLETE
        unchanged = max(0, self.stats["reports"] - self.stats["reports_new"] - self.stats["reports_changed"])
        return {"reports_listed": sum(r["reports_listed"] for r in self.column_rows), "reports_unchanged": unchanged,
                "would_remove": sum(r["would_remove"] for r in self.column_rows), "health": health}

    def _legacy_health(self, present_total: int) -> list[tuple[str, str]]:
        """Reports an earlier release filed under all of a portal's columns joined: those this
        run listed are under their own column now; the rest are judged as that release judged
        the portal (would-be-removed against all its reports), once every column was walked
        completely and found healthy."""
        listed = set().union(*self.listed.values()) if self.listed else set()
        _listed, _previous, would_remove, present = self.archive.column_state(
            self.run_id, self.portal, self.joined_columns, listed, only_column=False)
        if not present:
            return []
        if would_remove > self.removed_max * (present_total + present):
            return [(self.joined_columns,
                     f"suspect: would remove {would_remove} of the portal's {present_total + present} reports, "
                     f"archived by an earlier release under all its columns (over {self.removed_max:.0%})")]
        self.legacy_ok = bool(would_remove)
        return []
    def abort(self) -> None:
        """The crawl was stopped without closing (a second Ctrl-C): keep what was done and
        close the run as interrupted, never marking removals."""
        if self.archive is not None and self.run_id is not None:
            self._finish(INTERRUPTED)

    def _finish(self, status: str) -> None:
        self.archive.finish_run(
            self.run_id, status=status, pages=self.stats["pages"],
            reports_new=self.stats["reports_new"], reports_changed=self.stats["reports_changed"],
            errors=self.stats["errors"], health=getattr(self, "health", None),
            columns=getattr(self, "column_rows", None),
        )
        self.archive.close()
        self.archive = None
        self.progress.show(self.stats, final=True)
