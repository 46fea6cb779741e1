"""`xxgk`: crawl, extract, serve, export, demo, portals (../shared/contracts/cli.md).

Every failure prints one line on stderr and exits non-zero (2 for bad usage or bad
input); no traceback reaches the user for bad input.
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import re
import sys
from typing import Optional, Sequence
from urllib.parse import urlsplit

from xxgk.lock import ArchiveBusy

DEFAULT_DB = "archive.db"
DEFAULT_PORT = 8001
EXIT_USAGE = 2
EXIT_FAILED = 1
EXIT_BUSY = 75  # EX_TEMPFAIL: another crawl holds the archive; cron may simply try later


class UsageError(Exception):
    """Bad usage or bad input: exit 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not a usage block
        self.exit(EXIT_USAGE, f"xxgk: error: {message} (see '{self.prog} --help')\n")


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"xxgk: error: {message}", file=sys.stderr)
    return code


SQLITE_MAGIC = b"SQLite format 3\x00"


def _require_archive(db: str, hint: str = "") -> None:
    """An existing SQLite file, or a one-line UsageError (not sqlite3's traceback)."""
    if not os.path.exists(db):
        raise UsageError(f"no archive at {db}{hint}")
    if not os.path.isfile(db):
        raise UsageError(f"not a file: {db} (--db names the archive's SQLite file)")
    try:
        with open(db, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise UsageError(f"cannot read {db}: {exc.strerror or exc}") from None
    if head != SQLITE_MAGIC:
        raise UsageError(f"{db} is not an SQLite archive")


# --- commands ---------------------------------------------------------------------

def cmd_extract(args: argparse.Namespace) -> int:
    from pipelines.report import extract_path

    if args.url and len(args.paths) > 1:
        raise UsageError("--url names one page: give one PATH with it")
    if len(args.paths) > 1 and not args.jsonl:
        raise UsageError("several PATHs need --jsonl (one JSON object a line)")
    code = 0
    for path in args.paths:
        result = extract_path(path, url=args.url)
        data = result.to_json()
        if not args.body:
            data.pop("body_text", None)
        if args.jsonl:
            print(json.dumps(data, ensure_ascii=False))
        else:
            print(json.dumps(data, ensure_ascii=False, indent=2))
        if result.errors and not result.is_report:
            print(f"xxgk: error: {path}: {result.errors[0]}", file=sys.stderr)
            code = EXIT_USAGE
    return code


def _statuses(text: Optional[str]) -> tuple[str, ...]:
    """--status confirmed,plausible → the statuses (default: those crawl --all takes)."""
    from crawler.registry import CRAWLED_BY_DEFAULT, STATUSES

    if not text:
        return CRAWLED_BY_DEFAULT
    wanted = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = [s for s in wanted if s not in STATUSES]
    if unknown or not wanted:
        raise UsageError(f"unknown status {unknown[0] if unknown else text!r} (known: {', '.join(STATUSES)})")
    return wanted


def _load_registry(problems: Optional[list[str]] = None):
    """The registry; with `problems`, bad entries are listed there and skipped (crawl --all)."""
    from crawler.registry import RegistryError, load

    try:
        return load(problems=problems)
    except (RegistryError, OSError) as exc:
        raise UsageError(f"portal registry: {exc}") from None


def _crawl_targets(args: argparse.Namespace):
    from crawler.registry import select
    from xxgk.crawl import CrawlTarget
    from xxgk.logs import stamp

    problems: list[str] = []
    registry = _load_registry(problems if args.all else None)
    for problem in problems:  # cron's other portals are still crawled
        print(f"{stamp()} xxgk: error: registry entry skipped: {problem}", file=sys.stderr)
    args.registry_problems = problems
    if args.status and not args.all:
        raise UsageError("--status chooses among the portals of --all")
    if args.all:
        if args.portals or args.url:
            raise UsageError("--all crawls every registered portal: give no PORTAL or --url with it")
        # Bundled portals (the demo's fictional city) never reach a production archive
        # through cron: only `xxgk demo` or naming them crawls them.
        return [e for e in select(registry.values(), _statuses(args.status)) if not e.bundled], []
    if args.url:
        for url in args.url:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise UsageError(f"not an http(s) URL: {url}")
    unknown = [p for p in args.portals if p not in registry]
    if unknown:
        raise UsageError(f"unknown portal {unknown[0]!r} (see 'xxgk portals')")
    if not args.portals and not args.url:
        raise UsageError("name a PORTAL, give --url URL, or use --all")
    targets = [CrawlTarget(urlsplit(u).hostname or u, [u], local=_is_loopback(u)) for u in args.url]
    return [registry[p] for p in args.portals], targets


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler import writer_start

    if not any(pair.startswith("XXGK_WRITER_PROCESS=") for pair in args.settings):
        writer_start.start_early()  # it loads its modules while this process loads Scrapy
    try:
        return _crawl(args)
    finally:
        writer_start.discard_early()  # when no crawl took it (nothing to crawl, an error)


def _crawl(args: argparse.Namespace) -> int:
    from crawler.health import EXIT_SUSPECT
    from xxgk.crawl import CrawlInterrupted, CrawlTarget, ParallelError, parallel_crawls
    from xxgk.logs import stamp, summary_line

    entries, targets = _crawl_targets(args)
    for e in entries:
        if e.status == "unverified" and not args.quiet:
            print(f"xxgk: note: portal {e.id!r} is unverified: no evidence shows its column (see 'xxgk portals')",
                  file=sys.stderr)
    bundled = [e for e in entries if e.bundled]
    remote = [CrawlTarget(e.id, list(e.start_urls), local=all(map(_is_loopback, e.start_urls)),
                          family=e.family, region=e.region(),
                          allowed_origins=e.crawl_origins, hosts=e.hosts)
              for e in entries if not e.bundled]
    overrides = {"XXGK_REFRESH_DAYS": args.refresh_days, **_setting_overrides(args.settings)}
    try:
        args.parallel = parallel_crawls(args.parallel)
    except ParallelError as exc:
        raise UsageError(str(exc)) from None
    try:
        results = _run_locked(args, targets, bundled, remote, overrides)
    except CrawlInterrupted as stop:
        for r in stop.results:
            print(summary_line(r, args.db), file=sys.stderr)
        print(f"xxgk: interrupted by {stop}: the run is closed as interrupted; run the same command again "
              "to resume", file=sys.stderr)
        return stop.exit_code
    failed = [r for r in results if r.status == "failed"]
    for r in results:
        print(summary_line(r, args.db), file=sys.stderr)
    suspect = [r for r in results if r.health.startswith("suspect")]
    for r in suspect:
        print(f"{stamp()} xxgk: error: portal {r.portal} {r.health}; nothing marked removed — check its "
              "column (xxgk portals --health)", file=sys.stderr)
    if failed:
        return _fail(f"{len(failed)} of {len(results)} portals failed completely: "
                     + ", ".join(r.portal for r in failed), EXIT_FAILED)
    if suspect:
        return EXIT_SUSPECT
    if args.registry_problems:
        return _fail(f"{len(args.registry_problems)} registry entries skipped (see above)", EXIT_FAILED)
    return 0


_SETTING_RE = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")


def _setting_overrides(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        m = _SETTING_RE.match(pair)
        if not m:
            raise UsageError(f"--set wants NAME=VALUE with an upper-case setting name, not {pair!r}")
        out[m.group(1)] = m.group(2)
    from crawler.health import SETTINGS as HEALTH_SETTINGS, threshold

    for name in HEALTH_SETTINGS.keys() & out.keys():  # refused here, not in every portal's crawl
        try:
            threshold(name, out[name])
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return out


def _run_locked(args, targets, bundled, remote, overrides):
    from xxgk.crawl import DEMO_ORIGIN, CrawlTarget, bundled_portal, run_crawls
    from xxgk.lock import archive_lock

    with archive_lock(args.db, wait=args.wait):
        if bundled:
            with bundled_portal() as (base_url, _start):
                for e in bundled:
                    targets.append(CrawlTarget(e.id, [base_url + p for p in e.start_urls], local=True,
                                               alias=(base_url, DEMO_ORIGIN), family=e.family,
                                               region=e.region()))
                results = run_crawls(targets + remote, args.db, progress=not args.quiet,
                                     overrides=overrides, log_level=args.log_level, parallel=args.parallel)
        else:
            results = run_crawls(targets + remote, args.db, progress=not args.quiet,
                                 overrides=overrides, log_level=args.log_level, parallel=args.parallel)
    return results


def cmd_demo(args: argparse.Namespace) -> int:
    from xxgk.crawl import CrawlInterrupted

    try:
        return _demo(args)
    except CrawlInterrupted as stop:
        print(f"xxgk: interrupted by {stop}", file=sys.stderr)
        return stop.exit_code


def _demo(args: argparse.Namespace) -> int:
    from crawler.registry import load as load_registry
    from xxgk.crawl import DEMO_ORIGIN, CrawlTarget, bundled_portal, run_crawls
    from xxgk.lock import archive_lock
    from xxgk.logs import summary_line

    # Two crawls: the portal as it was (one more report, one report's text before its revision),
    # then as it is now, so the archive has a removed and a changed report to show. The second
    # crawl re-reads every page (refresh 0 days; conditional requests answer 304 when unchanged).
    with archive_lock(args.db, wait=False), bundled_portal(earlier=True) as (old_url, old_starts), \
            bundled_portal() as (base_url, start_urls):
        print(f"demo portal on {base_url} — crawling into {args.db} (its earlier edition first)",
              file=sys.stderr)
        demo = load_registry()["demo"]
        targets = [CrawlTarget("demo", starts, local=True, alias=(url, DEMO_ORIGIN),
                               family=demo.family, region=demo.region())
                   for url, starts in ((old_url, old_starts), (base_url, start_urls))]
        results = run_crawls(targets, args.db, progress=True, log_level=args.log_level,
                             overrides={"XXGK_REFRESH_DAYS": 0})
    r = results[-1]
    print(summary_line(r, args.db), file=sys.stderr)
    if r.status == "failed":
        return _fail("the demo crawl failed", EXIT_FAILED)
    if args.no_serve:
        return 0
    return _serve(args.db, "127.0.0.1", args.port)


def _upgrade(db: str) -> None:
    """Every command that opens an archive first brings it to this code's schema."""
    from storage.migrations import ReadOnlyArchive, upgrade

    try:
        upgrade(db, progress=lambda line: print(line, file=sys.stderr, flush=True))
    except ReadOnlyArchive as exc:
        raise UsageError(str(exc)) from None


def _serve(db: str, host: str, port: int) -> int:
    from xxgk.serve import serve

    _require_archive(db, ": run 'xxgk crawl' or 'xxgk demo' first")
    _upgrade(db)
    _check_port_free(host, port)
    print(f"serving {db} on http://{host}:{port}/ — Ctrl-C to stop", file=sys.stderr)
    return serve(db, host, port)


def _check_port_free(host: str, port: int) -> None:
    """Say so in one line, rather than letting the web server fail with its own log."""
    import socket

    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.bind((host, port))
    except OSError as exc:
        raise UsageError(f"cannot serve on {host}:{port}: {exc.strerror or exc} (pick another --port)") from None


def cmd_serve(args: argparse.Namespace) -> int:
    return _serve(args.db, args.host, args.port)


def cmd_export(args: argparse.Namespace) -> int:
    from xxgk.export import export_archive

    _require_archive(args.db)
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise UsageError(f"--out must name a folder, and {args.out} is a file")
    _upgrade(args.db)
    try:
        folder = export_archive(args.db, args.out, dated_subfolder=not args.no_date, raw=args.raw)
    except OSError as exc:  # a folder that cannot be made or written
        raise UsageError(f"cannot write the snapshot into {args.out}: {exc.strerror or exc}") from None
    print(str(folder))
    return 0


def cmd_accuracy(args: argparse.Namespace) -> int:
    from pathlib import Path

    from xxgk.accuracy import Report, corpus_pairs, format_report, measure
    from xxgk.accuracy_cases import case_dirs
    from pipelines.report import extract_path

    folders = [Path(c) for c in args.corpus]
    for folder in folders:
        if not folder.is_dir():
            raise UsageError(f"not a folder: {folder}")
        if not corpus_pairs(folder) and not case_dirs(folder):
            raise UsageError(f"no labelled pages in {folder} (PAGE next to PAGE.expected.json, "
                             "or CASE/expected.json beside one input file)")

    def extract(path: str) -> dict:
        return extract_path(path, url=f"golden/{Path(path).name}").to_json()

    report = Report()
    for folder in folders:
        measure(folder, extract, report)
    print(format_report(report, misses=args.misses))
    return 0


def cmd_capture(args: argparse.Namespace) -> int:
    from xxgk.capture import CaptureNotFound, find_capture

    _require_archive(args.db)
    _upgrade(args.db)
    try:
        cap = find_capture(args.db, args.report_id)
    except CaptureNotFound as exc:
        raise UsageError(str(exc)) from None
    print(f"{cap.url} captured {cap.captured_at} ({cap.status}) from {cap.warc_file} @ {cap.offset}",
          file=sys.stderr)
    if args.headers:
        for name, value in cap.headers:
            print(f"{name}: {value}", file=sys.stderr)
    if args.out:
        with open(args.out, "wb") as fh:
            fh.write(cap.body)
    else:
        sys.stdout.buffer.write(cap.body)
        sys.stdout.flush()
    return 0


def _portal_health(db: str) -> int:
    """Each portal's last runs (what `crawl_health` shows in the UI), newest first; a portal
    of several columns has each run's per-column rows after it."""
    import contextlib
    import sqlite3

    from storage.queries import CRAWL_HEALTH_SQL

    _require_archive(db)
    _upgrade(db)
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        cursor = conn.execute(CRAWL_HEALTH_SQL)
        names = [d[0] for d in cursor.description]
        print("\t".join(names))
        shown: dict[str, int] = {}
        for row in cursor:
            if not row[-1]:  # a run (column_url empty; its columns' rows, when it has several, follow it)
                shown[row[0]] = shown.get(row[0], 0) + 1
            if shown.get(row[0], 0) <= 5:
                print("\t".join("" if v is None else str(v) for v in row))
    return 0


def _registry_places() -> dict[str, dict]:
    """What the registry says of each portal's reports: its region and, for a portal of one
    column, that column (the bundled demo's under the origin its pages are stored with)."""
    from xxgk.crawl import DEMO_ORIGIN

    places = {}
    for e in _load_registry(problems=[]).values():
        starts = [DEMO_ORIGIN + p for p in e.start_urls] if e.bundled else list(e.start_urls)
        # A portal of several columns: which one a report is in only its lists tell (a crawl).
        places[e.id] = {"region": e.region(), "column_url": starts[0] if len(starts) == 1 else None}
    return places


def cmd_reextract(args: argparse.Namespace) -> int:
    import datetime as dt

    from crawler.reextract import reextract_archive
    from pipelines.version import EXTRACTOR_VERSION
    from xxgk.lock import archive_lock
    from xxgk.logs import stamp

    _require_archive(args.db)
    if args.since:
        try:
            dt.date.fromisoformat(args.since[:10])
        except ValueError:
            raise UsageError(f"--since wants a date (YYYY-MM-DD), not {args.since!r}") from None
    _upgrade(args.db)
    tty = sys.stderr.isatty()

    def progress(line: str, final: bool) -> None:
        if args.quiet:
            return
        end = "\n" if final or not tty else ""
        sys.stderr.write(("\r" if tty else "") + line + end)
        sys.stderr.flush()

    with archive_lock(args.db, wait=args.wait):
        counts = reextract_archive(args.db, portals=args.portal, since=args.since, stale_only=args.stale,
                                   registry=_registry_places(), progress=progress,
                                   every=1.0 if tty else 10.0)
    for failure in counts.failures:
        print(f"xxgk: error: not re-extracted: {failure}", file=sys.stderr)
    print(f"{stamp()} reextract: {counts.reports} reports, {counts.changed} changed (new version), "
          f"{counts.unchanged} unchanged, {counts.no_capture} without a capture, {counts.not_report} no longer "
          f"read as a report (kept), {counts.failed} failed; extractor version {EXTRACTOR_VERSION}",
          file=sys.stderr)
    return EXIT_FAILED if counts.failed else 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from storage.migrations import SCHEMA_VERSION, ReadOnlyArchive, code_version

    if not os.path.exists(args.db):
        raise UsageError(f"no archive at {args.db}")
    from xxgk.lock import archive_lock

    with archive_lock(args.db, wait=args.wait):
        from storage.migrations import upgrade

        try:
            ran = upgrade(args.db, progress=lambda line: print(line, file=sys.stderr, flush=True),
                          read_only=False)
        except ReadOnlyArchive as exc:
            raise UsageError(str(exc)) from None
    state = "upgraded to" if ran else "already at"
    print(f"{args.db}: {state} schema version {SCHEMA_VERSION} (xxgk-archive {code_version()})", file=sys.stderr)
    return 0


def cmd_portals(args: argparse.Namespace) -> int:
    from crawler.registry import STATUSES, coverage_markdown, select

    if args.health:
        return _portal_health(args.db)
    registry = _load_registry()
    if args.coverage:
        if args.ids or args.check:
            raise UsageError("--coverage describes the whole registry: give no PORTAL or --check with it")
        print(coverage_markdown(registry.values()))
        return 0
    unknown = [p for p in args.ids if p not in registry]
    if unknown:
        raise UsageError(f"unknown portal {unknown[0]!r} (see 'xxgk portals')")
    if args.ids:
        entries = [registry[p] for p in args.ids]
    else:
        entries = select(registry.values(), _statuses(args.status) if (args.status or args.check) else STATUSES)
    if args.check:
        return _check_portals(entries, args)
    for e in entries:
        where = "(bundled demo)" if e.bundled else " ".join(e.start_urls)
        print(f"{e.id}\t{e.family}\t{e.status}\t{e.verified or '-'}\t{e.level or '-'}\t{e.name}\t{where}\t{e.evidence}")
    return 0


def _check_portals(entries, args: argparse.Namespace) -> int:
    """One polite look at each portal's start URL(s): one line each, rows in portal_checks."""
    import sqlite3

    from crawler.check import check_entries, record

    if not args.timeout > 0:
        raise UsageError("--timeout must be a positive number of seconds")

    def run(served):
        checks = []
        for check in check_entries(served, timeout=args.timeout):
            print(check.line(), flush=True)
            checks.append(check)
        return checks

    bundled = [e for e in entries if e.bundled]
    remote = [(e, None) for e in entries if not e.bundled]
    if bundled:
        from xxgk.crawl import bundled_portal

        with bundled_portal() as (base_url, _start):
            checks = run([(e, [base_url + p for p in e.start_urls]) for e in bundled] + remote)
    else:
        checks = run(remote)
    try:
        record(args.db, checks)
    except (sqlite3.Error, OSError) as exc:
        raise UsageError(f"cannot record the checks in {args.db}: {exc}") from None
    bad = [c.portal for c in checks if not c.ok]
    print(f"checked {len(checks)} portals: {len(checks) - len(bad)} as registered, {len(bad)} not"
          f"{(': ' + ', '.join(bad)) if bad else ''} → {args.db} (portal_checks)", file=sys.stderr)
    return EXIT_FAILED if bad else 0


# --- parser -----------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="xxgk", description="Archive Chinese government information-disclosure annual "
                    "reports (政府信息公开工作年度报告): crawl portals, extract every table value, "
                    "serve and export the archive.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    def db_arg(p):
        p.add_argument("--db", default=DEFAULT_DB, metavar="PATH", help=f"the archive (SQLite) file (default {DEFAULT_DB})")

    def log_arg(p):
        p.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                       help="Scrapy log level (default WARNING; the progress line is always shown)")

    p = sub.add_parser("demo", help="crawl the bundled demo portal, then serve the archive",
                       description="Start the bundled demo portal on a free loopback port, crawl it into "
                       "the archive, then serve datasette until Ctrl-C.")
    p.add_argument("--no-serve", action="store_true", help="stop after the crawl (exit 0)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"datasette port (default {DEFAULT_PORT})")
    db_arg(p); log_arg(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("crawl", help="crawl registered portals or any report column by URL",
                       description="Crawl portals named in the registry (see 'xxgk portals'), any portal "
                       "column given by the URL of its list page (--url), or every registered portal (--all).",
                       epilog="Exit codes (what cron and systemd see): 0 all well; 1 a portal failed completely or "
                       "a registry entry was skipped; 3 a portal's run was suspect, nothing marked removed (README: "
                       "Portal health; 'xxgk portals --health'); 75 another crawl holds the archive (without "
                       "--wait); 143 / 130 stopped by SIGTERM / Ctrl-C.")
    p.add_argument("portals", nargs="*", metavar="PORTAL", help="registered portal ids")
    p.add_argument("--url", action="append", default=[], metavar="URL",
                   help="address of a report column's list page (repeatable); the crawl stays on its site")
    p.add_argument("--all", action="store_true", help="every registered portal (what cron runs) whose status is "
                   "confirmed or plausible; bundled ones (the demo) never")
    p.add_argument("--status", metavar="S[,S]", help="with --all: the statuses to crawl (confirmed, plausible, "
                   "unverified; default confirmed,plausible)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    p.add_argument("--refresh-days", type=float, default=7.0, metavar="DAYS",
                   help="report pages archived within DAYS are not requested again (default 7; 0 = fetch all)")
    p.add_argument("--wait", action="store_true",
                   help="if another crawl is writing the same archive, wait for it instead of exiting")
    p.add_argument("--parallel", metavar="N",
                   help="crawls running at once (default 8, or $XXGK_CRAWL_PARALLEL; 1 = one after another); "
                        "portals on the same site always take turns")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="settings",
                   help="a crawl setting (repeatable), e.g. XXGK_MAX_LIST_PAGES=1000 or DOWNLOAD_TIMEOUT=30 "
                        "(README: Limits and safety)")
    db_arg(p); log_arg(p)
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("extract", help="one saved report → JSON (no network)",
                       description="Turn saved reports (HTML in any encoding, or text with |-separated "
                       "cells) into structured JSON. Exit 0, or 2 when a file is unreadable.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--url", help="the address the page was served from (recorded as source)")
    p.add_argument("--jsonl", action="store_true", help="one JSON object a line, one per PATH")
    p.add_argument("--body", action="store_true", help="include the report's body text (body_text)")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("serve", help="datasette over the archive",
                       description="Serve the archive with datasette: metadata, facets, search, canned queries.")
    db_arg(p)
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("export", help="CSV snapshot of the archive",
                       description="Write one CSV per table (UTF-8 with BOM) plus manifest.json into a dated "
                       "sub-folder of DIR.")
    db_arg(p)
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the snapshot")
    p.add_argument("--no-date", action="store_true", help="write into DIR itself, not a dated sub-folder")
    p.add_argument("--raw", action="store_true",
                   help="write text as stored: no ' before text starting with = + - @ (which "
                   "spreadsheets would run as a formula)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("accuracy", help="field- and cell-level accuracy over a labelled corpus",
                       description="Extract every page of CORPUS that has an expected JSON next to it "
                       "(PAGE.expected.json, as in tests/golden/) or in a case folder (CASE/expected.json, the external "
                       "format of labelled real reports) and print field-level and cell-level accuracy.")
    p.add_argument("corpus", metavar="CORPUS", nargs="+",
                   help="folder of pages and their expected JSON (PAGE.expected.json), or of case "
                        "folders (CASE/expected.json beside one input file); several are scored together")
    p.add_argument("--misses", type=int, default=20, help="how many misses to list (default 20)")
    p.set_defaults(func=cmd_accuracy)

    p = sub.add_parser("capture", help="the archived original of a report (from its WARC capture)",
                       description="Write a report's page exactly as it was served (bytes as received) "
                       "to stdout or --out; the capture time and source go to stderr.")
    p.add_argument("report_id", metavar="REPORT_ID", help="reports.id")
    p.add_argument("--out", metavar="FILE", help="write the page to FILE instead of stdout")
    p.add_argument("--headers", action="store_true", help="also print the HTTP headers (stderr)")
    db_arg(p)
    p.set_defaults(func=cmd_capture)

    p = sub.add_parser("migrate", help="upgrade an archive written by an older version",
                       description="Run the archive's pending migrations (storage/migrations.py). Every "
                       "command that opens an archive does this itself; this one is for a file that "
                       "is served read-only, or to upgrade at a chosen time.")
    p.add_argument("--wait", action="store_true", help="wait for a crawl holding the archive")
    db_arg(p)
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("reextract", help="extract the archived captures again (after an upgrade); no network",
                       description="Run this version's extraction again on the WARC captures the archive "
                       "holds (and the stored attachments), with no network: a report whose extracted "
                       "content changed gets a new version with its report_changes; every report re-read "
                       "records the extractor version; registered portals' reports take the registry's "
                       "province, city, level and region code, and their column where they have none. "
                       "Exit 1 when a capture could not be read.")
    p.add_argument("--portal", action="append", default=[], metavar="P",
                   help="only reports of this portal (repeatable)")
    p.add_argument("--since", metavar="DATE", help="only reports captured on or after DATE (YYYY-MM-DD, UTC)")
    p.add_argument("--stale", action="store_true",
                   help="only reports stored by an older extractor (reports.extractor_version)")
    p.add_argument("--wait", action="store_true", help="wait for a crawl holding the archive instead of exiting 75")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    db_arg(p)
    p.set_defaults(func=cmd_reextract)

    p = sub.add_parser("portals", help="list, check or count the registered portals",
                       description="The portal registry, one a line: id, family, status, verified, level, name, "
                       "start URLs, evidence. --check looks at each portal's start URL (robots.txt and one page) "
                       "and records what it found in the archive's portal_checks table; exit 1 when a portal is "
                       "unreachable, shows another family or no report link. --coverage prints the coverage "
                       "table (Markdown) of the README.")
    p.add_argument("ids", nargs="*", metavar="PORTAL", help="only these portals")
    p.add_argument("--status", metavar="S[,S]", help="only portals of these statuses (with --check, default "
                   "confirmed,plausible)")
    p.add_argument("--check", action="store_true", help="fetch each start URL politely and compare with the registry")
    p.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS", help="per request with --check (default 20)")
    p.add_argument("--coverage", action="store_true", help="entries by province, level and status, as Markdown")
    p.add_argument("--health", action="store_true", help="each portal's last 5 runs from the archive (--db): "
                   "reports listed, new, changed, unchanged, would-be-removed, and suspect runs; "
                   "per column too for a portal of several start URLs")
    db_arg(p)
    p.set_defaults(func=cmd_portals)

    from xxgk.distributed import Helpers, add_commands  # worker, ingest, enqueue (README: several machines)
    add_commands(sub, db_arg, log_arg, Helpers(UsageError, _crawl_targets, _is_loopback, _setting_overrides))
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except UsageError as exc:
        return _fail(str(exc))
    except ArchiveBusy as exc:
        return _fail(str(exc), EXIT_BUSY)
    except sqlite3.DatabaseError as exc:  # a damaged archive, or a file that is not one
        return _fail(f"archive {getattr(args, 'db', '')} could not be read: {exc}")
    except KeyboardInterrupt:
        print("xxgk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
