"""What an unattended crawl writes to its log: lines an operator (or cron's mail) can read.

- Summary lines start with a UTC timestamp, so a log appended to for a year can be read back.
- Below DEBUG, a failed download (connection refused, DNS, timeout) is not logged by Scrapy
  with its traceback: it is recorded in `fetches.error` anyway, and the portal's summary line
  names the first such failure (`unreachable: …`). `--log-level DEBUG` shows everything.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Optional

# How Scrapy words a failed download (retry middleware, robots.txt middleware, scraper): these
# are recorded in `fetches` already.
DOWNLOAD_ERROR_PREFIXES = ("Gave up retrying", "Error downloading")


def stamp() -> str:
    """Now in UTC, ISO 8601 to the second: the archive's timestamp format."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def summary_line(result, db: str) -> str:
    """One line per crawled portal; a failed one says why."""
    line = (f"{stamp()} {result.portal}: {result.status}, {result.pages} pages, {result.reports_new} new "
            f"and {result.reports_changed} changed reports, {result.errors} errors → {db}")
    reason = getattr(result, "reason", "")
    if reason and result.status == "failed":
        line += f" — unreachable: {reason}"
    return line


class DownloadErrorFilter(logging.Filter):
    """Drops download-failure records (keeping the first message as the portal's reason) and
    the tracebacks of other records; installed on the log handler below DEBUG only."""

    def __init__(self) -> None:
        super().__init__()
        self.first_error: Optional[str] = None

    def filter(self, record: logging.LogRecord) -> bool:
        if (record.levelno >= logging.ERROR and record.name.startswith("scrapy.")
                and str(record.msg).startswith(DOWNLOAD_ERROR_PREFIXES)):
            if self.first_error is None:
                self.first_error = _reason(record)
            return False
        if record.exc_info or record.exc_text:
            exc = record.exc_info[1] if record.exc_info else None
            record.msg = f"{record.getMessage()}" + (f" ({type(exc).__name__}: {exc})" if exc else "")
            record.args = ()
            record.exc_info, record.exc_text = None, None
        return True


def _reason(record: logging.LogRecord) -> str:
    """The failure itself, without Scrapy's framing ('Gave up retrying <GET …> (failed 1 times): ')."""
    exc = record.exc_info[1] if record.exc_info else None
    if exc is not None:
        return str(exc) or type(exc).__name__
    message = record.getMessage()
    return message.rsplit("): ", 1)[-1].rsplit(">: ", 1)[-1].strip()


class CrawlLogs:
    """The log of a run of several crawls at once: one handler on the root logger (stderr, the
    given level) for the whole run, and below DEBUG one DownloadErrorFilter per crawl, each
    taking the download failures of its own spider only (Scrapy logs them with the spider).

    Scrapy's own root handler is not installed: it is replaced whenever a crawler starts, which
    would drop the filters of the crawls already running."""

    FORMAT = "%(levelname)s %(name)s: %(message)s"

    def __init__(self, log_level: str = "WARNING", stream=None) -> None:
        self.level = log_level.upper()
        self.stream = stream
        self.crawls: list[tuple[object, DownloadErrorFilter]] = []
        self.handler: Optional[logging.Handler] = None
        self._root_level = logging.root.level

    def __enter__(self) -> "CrawlLogs":
        from scrapy.utils.log import configure_logging

        # Routes Twisted's log and warnings to logging, Scrapy's loggers at DEBUG; no handler.
        configure_logging({"LOG_INSTALL_ROOT_HANDLER": False})
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(logging.Formatter(self.FORMAT))
        self.handler.setLevel(self.level)
        if self.level != "DEBUG":
            self.handler.addFilter(self._filter)
        self._root_level = logging.root.level
        logging.root.setLevel(logging.NOTSET)
        logging.root.addHandler(self.handler)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.handler is not None:
            logging.root.removeHandler(self.handler)
            self.handler.flush()
        logging.root.setLevel(self._root_level)

    def watch(self, crawler) -> Optional[DownloadErrorFilter]:
        """A fresh filter for this crawl's download failures (None at DEBUG: all is logged)."""
        if self.level == "DEBUG":
            return None
        found = DownloadErrorFilter()
        self.crawls.append((crawler, found))
        return found

    def _filter(self, record: logging.LogRecord) -> bool:
        spider = getattr(record, "spider", None)
        mine = [f for crawler, f in self.crawls if spider is not None and getattr(crawler, "spider", None) is spider]
        if not mine and len(self.crawls) == 1:  # one crawl: everything is about it
            mine = [self.crawls[0][1]]
        # A failure of no known crawl is still dropped (it is in `fetches`); tracebacks go too.
        return (mine[0] if mine else DownloadErrorFilter()).filter(record)
