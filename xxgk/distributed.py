"""`xxgk worker`, `xxgk ingest`, `xxgk enqueue`: crawling on several machines through Redis
(README "Running on several machines"; the protocol is in crawler/distributed.py).

A single-machine `xxgk crawl` / `xxgk demo` never imports this module and needs no Redis.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sqlite3
import sys
import time
import warnings
from typing import Any, Callable, NamedTuple

log = logging.getLogger("xxgk.distributed")


class Helpers(NamedTuple):
    """What the commands share with `xxgk crawl` (xxgk/cli.py hands them over: no import cycle)."""
    usage_error: type
    crawl_targets: Callable
    is_loopback: Callable
    setting_overrides: Callable


def add_commands(sub, db_arg, log_arg, helpers: Helpers) -> None:
    """The three sub-commands, added to `xxgk`'s parser (xxgk/cli.py)."""
    def redis_arg(p):
        p.add_argument("--redis", required=True, metavar="URL", help="the Redis server, e.g. redis://host:6379/0")

    def idle_arg(p):
        p.add_argument("--exit-when-idle", action="store_true",
                       help="exit once no job is queued or running (default: wait for work for ever)")

    p = sub.add_parser("enqueue", help="put portal crawls on the Redis queue (for cron or systemd)",
                       description="Queue crawls of registered portals, of every registered portal (--all), "
                       "or of report columns by URL, for `xxgk worker`s to take.")
    redis_arg(p)
    p.add_argument("portals", nargs="*", metavar="PORTAL", help="registered portal ids")
    p.add_argument("--url", action="append", default=[], metavar="URL", help="a report column's list page (repeatable)")
    p.add_argument("--all", action="store_true", help="every registered portal that `xxgk crawl --all` crawls")
    p.add_argument("--status", metavar="S[,S]", help="with --all: the statuses to crawl")
    p.add_argument("--refresh-days", type=float, default=7.0, metavar="DAYS",
                   help="report pages archived within DAYS are not requested again (default 7)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="settings",
                   help="a crawl setting for these jobs (repeatable), as with `xxgk crawl --set`")
    p.set_defaults(func=cmd_enqueue, helpers=helpers)

    p = sub.add_parser("worker", help="take crawls from Redis: fetch, capture, extract, push results",
                       description="Take queued portal crawls from Redis one at a time, crawl them (captures "
                       "and fetched bodies into the shared --store), extract, and push the results for "
                       "`xxgk ingest`. Run many, on many machines.")
    redis_arg(p)
    p.add_argument("--store", required=True, metavar="DIR", help="the shared store (WARC captures, spool)")
    p.add_argument("--lease", type=float, default=60.0, metavar="SECONDS",
                   help="a worker silent this long has its crawl taken over by another (default 60)")
    idle_arg(p); log_arg(p)
    p.set_defaults(func=cmd_worker, helpers=helpers)

    p = sub.add_parser("ingest", help="the one writer: results from Redis into the archive",
                       description="Write the workers' results into the archive (the only writer of it), "
                       "acknowledging each crawl's results after their commit, and publish what was "
                       "fetched when to Redis for incremental crawls.")
    redis_arg(p)
    p.add_argument("--store", required=True, metavar="DIR", help="the shared store the workers write")
    idle_arg(p); db_arg(p)
    p.add_argument("--wait", action="store_true", help="wait for a crawl holding the archive")
    p.set_defaults(func=cmd_ingest, helpers=helpers)


def _client(args):
    import redis

    from crawler.distributed import connect, ensure_groups

    url = args.redis
    try:
        redis.Redis.from_url(url, socket_connect_timeout=10).ping()  # no retries: a wrong URL fails at once
        client = connect(url)
        ensure_groups(client)
    except (redis.RedisError, ValueError) as exc:
        raise args.helpers.usage_error(f"cannot use Redis at {url}: {exc}") from None
    return client


# -- enqueue ----------------------------------------------------------------------------------------
def cmd_enqueue(args) -> int:
    from crawler.distributed import enqueue_job

    h = args.helpers
    entries, targets = h.crawl_targets(args)
    if any(e.bundled for e in entries):
        raise h.usage_error("bundled portals (the demo) are served by `xxgk demo`, not queued")
    overrides = {"XXGK_REFRESH_DAYS": args.refresh_days, **h.setting_overrides(args.settings)}
    jobs = [{"portal": e.id, "start_urls": list(e.start_urls), "local": all(map(h.is_loopback, e.start_urls)),
             "family": e.family, "region": e.region(), "allowed_origins": list(e.crawl_origins),
             "hosts": list(e.hosts)}
            for e in entries]
    jobs += [{"portal": t.portal, "start_urls": list(t.start_urls), "local": t.local} for t in targets]
    client = _client(args)
    for job in jobs:
        job["overrides"] = overrides
        enqueue_job(client, job)
    print(f"xxgk: {len(jobs)} crawl(s) queued on {args.redis}", file=sys.stderr)
    for problem in getattr(args, "registry_problems", []):
        print(f"xxgk: error: registry entry skipped: {problem}", file=sys.stderr)
    return 1 if getattr(args, "registry_problems", None) else 0


# -- worker -----------------------------------------------------------------------------------------
def cmd_worker(args) -> int:
    from scrapy.crawler import Crawler, CrawlerRunner
    from scrapy.utils.defer import deferred_from_coro
    from scrapy.utils.log import configure_logging
    from scrapy.utils.reactor import install_reactor

    from crawler.distributed import (MAX_DELIVERIES, JobQueue, drop_attempts, give_up_reason, new_attempt,
                                     send_gave_up, worker_name, worker_overrides)
    from crawler.spiders.portal import PortalSpider
    from xxgk.crawl import CrawlTarget, _settings
    from xxgk.logs import stamp

    client = _client(args)
    store = os.path.abspath(args.store)
    os.makedirs(store, exist_ok=True)
    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from twisted.internet import defer, reactor, task

    configure_logging({"LOG_LEVEL": args.log_level, "LOG_FORMAT": "%(levelname)s %(name)s: %(message)s"})
    # scrapy-redis 0.9 still passes `spider` to the stats collector (deprecated by Scrapy 2.13).
    warnings.filterwarnings("ignore", message=".*'spider' argument to StatsCollector", module="scrapy_redis")
    name = worker_name()
    queue = JobQueue(client, name, args.lease)
    runner = CrawlerRunner()
    stopping: list[int] = []
    current: dict[str, Any] = {}
    done = {"jobs": 0}

    def stop_crawler(crawler) -> None:
        if crawler.crawling:
            deferred_from_coro(crawler.stop_async()).addErrback(lambda _f: None)

    def renew(entry_id: str, crawler, force: bool = False) -> None:
        """Keep the job's lease (every lease/3, from a timer and from each item pushed: a busy
        reactor may starve the timer); a lease lost to another worker stops this crawl."""
        now = time.monotonic()
        if crawler.xxgk_lost or (not force and now - crawler.xxgk_renewed < args.lease / 3):
            return
        crawler.xxgk_renewed = now
        if not queue.renew(entry_id):
            print(f"{stamp()} xxgk worker {name}: lost the lease of job {entry_id}: stopping it", file=sys.stderr)
            crawler.xxgk_lost = True
            stop_crawler(crawler)

    @defer.inlineCallbacks
    def loop():
        while not stopping:
            taken = queue.take(block_ms=500)
            if taken is None:
                if args.exit_when_idle and queue.idle():
                    break
                yield task.deferLater(reactor, 0, lambda: None)
                continue
            entry_id, job, deliveries = taken
            if deliveries > MAX_DELIVERIES:
                reason = give_up_reason(deliveries)
                send_gave_up(client, entry_id, job, reason)
                queue.done(entry_id)
                print(f"{stamp()} xxgk worker {name}: portal {job.get('portal')}: {reason}", file=sys.stderr)
                continue
            target = CrawlTarget(job["portal"], job["start_urls"], local=bool(job.get("local")),
                                 alias=tuple(job["alias"]) if job.get("alias") else None,
                                 family=job.get("family"), region=job.get("region"),
                                 allowed_origins=tuple(job.get("allowed_origins") or ()),
                                 hosts=tuple(job.get("hosts") or ()))
            settings = _settings(target, "", False, job.get("overrides"))
            settings.set("LOG_LEVEL", args.log_level, priority="cmdline")
            attempt = new_attempt(entry_id)
            if deliveries > 1:
                drop_attempts(client, entry_id, keep=attempt)
            base = {"SPIDER_MIDDLEWARES": settings.getdict("SPIDER_MIDDLEWARES"),
                    "DOWNLOADER_MIDDLEWARES": settings.getdict("DOWNLOADER_MIDDLEWARES")}
            settings.setdict(worker_overrides(base, redis_url=args.redis, store=store, job_id=entry_id,
                                              attempt=attempt, worker=name), priority="cmdline")
            crawler = Crawler(PortalSpider, settings)
            crawler.xxgk_lost, crawler.xxgk_renewed = False, time.monotonic()
            crawler.xxgk_renew = lambda entry_id=entry_id, crawler=crawler: renew(entry_id, crawler)
            current["crawler"] = crawler
            heartbeat = task.LoopingCall(renew, entry_id, crawler, True)
            heartbeat.start(max(0.5, args.lease / 4), now=False)
            try:
                yield runner.crawl(crawler, start_urls=target.start_urls, portal=target.portal,
                                   family=target.family, allowed_origins=target.allowed_origins)
            except Exception as exc:  # the job stays leased: another worker (or this one) retries it
                print(f"{stamp()} xxgk worker {name}: portal {target.portal}: crawl failed: "
                      f"{type(exc).__name__}: {exc}", file=sys.stderr)
                continue
            finally:
                current.pop("crawler", None)
                if heartbeat.running:
                    heartbeat.stop()
            if crawler.xxgk_lost:
                continue
            if getattr(crawler, "xxgk_interrupted", False):
                queue.again(entry_id, job)
            else:
                queue.done(entry_id)
                done["jobs"] += 1

    def on_signal(signum, _frame) -> None:
        stopping.append(signum)

        def graceful():
            crawler = current.get("crawler")
            if crawler is not None:
                crawler.xxgk_interrupted = True
                stop_crawler(crawler)
        reactor.callFromThread(graceful)

    def start():
        def finished(result):
            if reactor.running:
                reactor.stop()
            return result
        loop().addErrback(_report_failure).addBoth(finished)

    failures: list[str] = []

    def _report_failure(failure):
        failures.append(f"{failure.type.__name__}: {failure.value}")

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        reactor.callWhenRunning(start)
        reactor.run(installSignalHandlers=False)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failures:
        print(f"xxgk: error: worker {name} stopped: {failures[0]}", file=sys.stderr)
        return 1
    print(f"{stamp()} xxgk worker {name}: {done['jobs']} crawl(s) done", file=sys.stderr)
    return 128 + stopping[0] if stopping else 0


# -- ingest -----------------------------------------------------------------------------------------
class Writer:
    """Drains `xxgk:results` into the archive: one IngestPipeline per crawl attempt; an attempt's
    entries are acknowledged (and its spool removed) once its run is closed and committed."""

    def __init__(self, client, db: str, store: str):
        from crawler.distributed import FreshBoard

        self.client, self.db, self.store = client, db, store
        self.board = FreshBoard(client)
        self.open: dict[str, Any] = {}          # job id -> IngestPipeline of its current attempt
        self.entries: dict[str, list[str]] = {}  # attempt -> its stream entry ids
        self.handled: set[str] = set()           # entries handled, not yet acknowledged
        self.items = 0

    def publish_all(self) -> int:
        from storage.archive import Archive
        from storage.queries import fetch_state

        Archive(self.db).close()  # creates or migrates the archive
        with contextlib.closing(sqlite3.connect(self.db)) as conn:
            return self.board.publish(fetch_state(conn))

    def handle(self, entry_id: str, fields: dict) -> None:
        from crawler.distributed import IngestPipeline

        kind, job, attempt = fields["t"], fields["job"], fields["a"]
        data = json.loads(fields["d"])
        self.handled.add(entry_id)
        if kind == "gaveup":
            self._gave_up(job, data)
            self._ack([entry_id])
            return
        pipeline = self.open.get(job)
        if kind == "open":
            if pipeline is not None and pipeline.attempt == attempt:  # sent twice (a Redis retry)
                self.entries[attempt].append(entry_id)
                return
            if pipeline is not None:  # the job was taken over
                self._end(job, abort=True)
            self.open[job] = IngestPipeline(self.db, data, self.store, attempt)
            self.entries[attempt] = [entry_id]
            return
        if pipeline is None or pipeline.attempt != attempt:  # an attempt taken over: nothing of it is kept
            self._ack([entry_id])
            return
        self.entries[attempt].append(entry_id)
        if kind == "item":
            pipeline.item(data)
            self.items += 1
        elif kind == "close":
            pipeline.close(data)
            self._end(job, abort=False)

    def _end(self, job: str, abort: bool) -> None:
        from storage.queries import fetch_state

        pipeline = self.open.pop(job)
        if abort:
            pipeline.abort()
        with contextlib.closing(sqlite3.connect(self.db, timeout=30)) as conn:
            self.board.publish(fetch_state(conn, pipeline.urls))
        self._ack(self.entries.pop(pipeline.attempt, []))
        pipeline.discard_spool()

    def _ack(self, ids: list[str]) -> None:
        from crawler.distributed import RESULTS, WRITER

        for i in range(0, len(ids), 1000):
            chunk = ids[i:i + 1000]
            self.client.xack(RESULTS, WRITER, *chunk)
            self.client.xdel(RESULTS, *chunk)
        self.handled.difference_update(ids)

    def _gave_up(self, job: str, data: dict) -> None:
        from storage.archive import Archive
        from xxgk.logs import stamp

        if job in self.open:
            self._end(job, abort=True)
        with Archive(self.db) as archive:
            run = archive.start_run(data["portal"])
            for url in data["start_urls"][:1]:
                archive.record_fetch(url=url, status=None, content_type=None, body=None, error=data["reason"])
            archive.finish_run(run, status="failed", pages=0, reports_new=0, reports_changed=0, errors=1)
        print(f"{stamp()} xxgk ingest: portal {data['portal']}: {data['reason']}", file=sys.stderr)

    def close(self) -> None:
        """Stopped: what was written stays, nothing open is acknowledged (replayed at the next start)."""
        for pipeline in self.open.values():
            if pipeline.archive is not None:
                pipeline.archive.close()
        self.open.clear()


def cmd_ingest(args) -> int:
    from crawler.distributed import JOBS, RESULTS, WORKERS, WRITER, WRITER_CONSUMER, outages, stream_state
    from xxgk.lock import archive_lock
    from xxgk.logs import stamp

    client = _client(args)
    store = os.path.abspath(args.store)
    stopping: list[int] = []

    def on_signal(signum, _frame) -> None:
        stopping.append(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    started = time.monotonic()
    try:
        with archive_lock(args.db, wait=args.wait):
            writer = Writer(client, args.db, store)
            published = writer.publish_all()
            print(f"{stamp()} xxgk ingest: {published} URLs' freshness published", file=sys.stderr)
            backlog = "0"   # first our own entries delivered before a stop (replayed), then new ones
            seen_outages = outages()
            try:
                while not stopping:
                    got = client.xreadgroup(WRITER, WRITER_CONSUMER, {RESULTS: backlog or ">"},
                                            count=200, block=None if backlog else 500)
                    entries = got[0][1] if got else []
                    if backlog and not entries:
                        backlog = None
                        continue
                    for entry_id, fields in entries:
                        if stopping:
                            break
                        entry_id = entry_id.decode()
                        if backlog:
                            backlog = entry_id
                        if not fields or entry_id in writer.handled:  # deleted, or read again
                            continue
                        fields = {k.decode(): v.decode("utf-8") for k, v in fields.items()}
                        writer.handle(entry_id, fields)
                    if outages() != seen_outages:  # a read whose reply was lost left entries
                        seen_outages, backlog = outages(), "0"  # pending: read ours again
                    if entries or not args.exit_when_idle or writer.open:
                        continue
                    jobs_pending, jobs_new = stream_state(client, JOBS, WORKERS)
                    results_pending, results_new = stream_state(client, RESULTS, WRITER)
                    if not (jobs_pending or jobs_new or results_pending or results_new):
                        break
            finally:
                writer.close()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    took = time.monotonic() - started
    print(f"{stamp()} xxgk ingest: {writer.items} items in {took:.1f} s "
          f"({writer.items / took if took else 0:.1f} items/s)", file=sys.stderr)
    return 128 + stopping[0] if stopping else 0

