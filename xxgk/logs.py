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


def quiet_download_errors(crawler, log_level: str) -> Optional[DownloadErrorFilter]:
    """Unless at DEBUG, a fresh filter for this crawl's log; None at DEBUG.

    Scrapy replaces its log handler when the crawl starts, so the filter goes on the handler
    in place once the engine has started."""
    if log_level.upper() == "DEBUG":
        return None
    from scrapy import signals
    from scrapy.utils.log import get_scrapy_root_handler

    found = DownloadErrorFilter()

    def install() -> None:
        handler = get_scrapy_root_handler()
        if handler is not None:
            handler.addFilter(found)

    crawler.signals.connect(install, signal=signals.engine_started, weak=False)
    return found
