"""Crawling on several machines: scrapy-redis and a real Redis between workers and one writer.

The unit of work is a portal crawl (a *job*). Why: a portal's list walk must be known whole to
mark removals, per-domain politeness caps each portal anyway, and a nationwide registry has
thousands of portals to spread; extraction, the expensive part, runs in the worker that fetched.

Redis keys (all under `xxgk:`):

- `xxgk:jobs`: a stream of crawl jobs, consumer group `workers`. A worker holds a job as a lease
  (its pending entry, renewed while it crawls); the entry of a worker that died is taken over by
  another (XAUTOCLAIM past the lease) and a job delivered more than MAX_DELIVERIES times is given
  up with the reason recorded in the archive.
- `xxgk:job:<attempt>:requests` / `:dupefilter`: the request queue and dupefilter (scrapy-redis)
  of one attempt at a job. A job taken over starts again from its start URLs with a new queue (the
  dead attempt's keys are deleted), as a single-machine crawl resumes: list pages are re-read,
  fresh report pages are not fetched again.
- `xxgk:results`: a stream of what the workers fetched and extracted (`open`, `item`, `close`,
  `gaveup` messages), consumer group `writer`. The writer acknowledges an attempt's entries only
  after their SQLite commit, when the attempt closed (so a writer killed mid-attempt replays it
  whole: its list walk, waiting attachments and removals are rebuilt, never guessed).
- `xxgk:fresh`: a hash url → [last good fetch, ETag, Last-Modified], published by the writer, so
  that workers never open the archive (incremental crawls).
- `xxgk:slots:<scheme://host:port>`: a sorted set of the requests in flight on a site across all
  workers (a Lua script admits at most the site's limit; a dead worker's slots expire after
  SLOT_LEASE s, a live one renews them).

Bodies travel through the shared store (`--store DIR`): `DIR/spool/<attempt>/` (content-addressed,
removed by the writer once the attempt is committed) and WARC captures in `DIR/warc/`.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import socket
import uuid
from dataclasses import fields
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any, Iterable, Optional

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from scrapy.http import Request

from crawler.incremental import FreshPagesMiddleware, IncrementalMiddleware, parse_ts
from crawler.items import ARTICLE, ATTACHMENT, META_KIND, Kind, PageItem
from crawler.pipelines import ArchivePipeline, walk_summary
from crawler.safety import origin_of
from crawler.warc import WarcCaptureMiddleware
from pipelines.errors import UnreadableInput
from pipelines.model import Extraction
from pipelines.report import extract_bytes, report_with_attachment, waits_for_attachments
from storage.archive import alias_url, store_file
from storage.rows import extraction_from_json

log = logging.getLogger(__name__)

JOBS, WORKERS = "xxgk:jobs", "workers"
RESULTS, WRITER = "xxgk:results", "writer"
FRESH = "xxgk:fresh"
SLOTS = "xxgk:slots:"
JOB_QUEUE = "xxgk:job:{attempt}:requests"
JOB_DUPEFILTER = "xxgk:job:{attempt}:dupefilter"
WRITER_CONSUMER = "ingest"     # one writer per archive (its lock): a fixed name finds its own pending
MAX_DELIVERIES = 5             # a job taken this many times by workers that died is given up
DEFAULT_LEASE = 60.0           # seconds a worker may stay silent before its job is taken over
# How long a command waits for Redis to come back (a restart, a fail-over) before failing.
RECONNECT_ATTEMPTS, RECONNECT_CAP = 30, 2.0


class CountingRetry(Retry):
    """Retries through a Redis restart, counting the failures (`outages()`): a command whose
    reply was lost may have run (a request popped, a fingerprint added), so whoever saw an
    outage distrusts what it was doing then (a worker's crawl is queued again, the writer reads
    its unacknowledged results again)."""

    failures = 0

    def call_with_retry(self, do, fail, *args, **kwargs):
        def counted(*a):
            CountingRetry.failures += 1
            return fail(*a)
        return super().call_with_retry(do, counted, *args, **kwargs)


def outages() -> int:
    """Failed Redis commands (then retried) in this process so far."""
    return CountingRetry.failures


def connect(url: str) -> redis.Redis:
    """A client that retries through a Redis restart (up to about a minute), then fails."""
    return redis.Redis.from_url(url, **redis_params())


def redis_params() -> dict[str, Any]:
    return {"socket_timeout": 30, "socket_connect_timeout": 10, "health_check_interval": 30,
            "retry": CountingRetry(ExponentialBackoff(cap=RECONNECT_CAP, base=0.1), RECONNECT_ATTEMPTS),
            "retry_on_error": [redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError]}


def ensure_groups(client: redis.Redis) -> None:
    """Create both streams and their consumer groups (from the start: nothing enqueued is missed)."""
    for stream, group in ((JOBS, WORKERS), (RESULTS, WRITER)):
        try:
            client.xgroup_create(stream, group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def stream_state(client: redis.Redis, stream: str, group: str) -> tuple[int, bool]:
    """(entries delivered and not acknowledged, entries not delivered yet?)."""
    pending = int(client.xpending(stream, group)["pending"])
    info = client.xinfo_stream(stream)
    last = _text(info.get("last-generated-id") or "0-0")
    groups = {_text(g["name"]): _text(g["last-delivered-id"]) for g in client.xinfo_groups(stream)}
    return pending, info.get("length", 0) > 0 and groups.get(group, "0-0") != last


# -- jobs ------------------------------------------------------------------------------------------
def enqueue_job(client: redis.Redis, job: dict[str, Any]) -> str:
    ensure_groups(client)
    return _text(client.xadd(JOBS, {"job": json.dumps(job, ensure_ascii=False)}))


# Renew a lease only while this consumer still holds the entry (a worker that was thought dead and
# whose job was taken over must not take it back).
_RENEW = """
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #p == 0 or p[1][2] ~= ARGV[3] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'JUSTID')
return 1
"""


class JobQueue:
    """The workers' side of `xxgk:jobs`: take (new or taken over), renew, finish, give up."""

    def __init__(self, client: redis.Redis, consumer: str, lease: float = DEFAULT_LEASE):
        self.client, self.consumer, self.lease = client, consumer, float(lease)
        self._renew = client.register_script(_RENEW)
        ensure_groups(client)

    def take(self, block_ms: int = 1000) -> Optional[tuple[str, dict, int]]:
        """(entry id, job, deliveries) of a job whose worker went silent past the lease, else of a
        new one (waiting up to block_ms), else None."""
        _next, claimed, _deleted = self.client.xautoclaim(JOBS, WORKERS, self.consumer,
                                                          int(self.lease * 1000), "0-0", count=1)
        entries = claimed or []
        if not entries:
            got = self.client.xreadgroup(WORKERS, self.consumer, {JOBS: ">"}, count=1, block=block_ms)
            entries = got[0][1] if got else []
        for entry_id, data in entries:
            if not data:  # deleted meanwhile
                self.client.xack(JOBS, WORKERS, entry_id)
                continue
            entry_id = _text(entry_id)
            info = self.client.xpending_range(JOBS, WORKERS, entry_id, entry_id, 1)
            deliveries = int(info[0]["times_delivered"]) if info else 1
            return entry_id, json.loads(_text(data[b"job"] if b"job" in data else data["job"])), deliveries
        return None

    def renew(self, entry_id: str) -> bool:
        """Keep the lease; False when another worker took the job over."""
        return bool(self._renew(keys=[JOBS], args=[WORKERS, entry_id, self.consumer]))

    def done(self, entry_id: str) -> None:
        self.client.xack(JOBS, WORKERS, entry_id)
        self.client.xdel(JOBS, entry_id)

    def again(self, entry_id: str, job: dict) -> None:
        """A worker stopped on purpose: the job goes back to the queue now (not after the lease)."""
        enqueue_job(self.client, job)
        self.done(entry_id)

    def idle(self) -> bool:
        pending, undelivered = stream_state(self.client, JOBS, WORKERS)
        return pending == 0 and not undelivered


def give_up_reason(deliveries: int) -> str:
    return (f"gave up after {deliveries - 1} deliveries: the workers that took this crawl died or lost "
            f"their lease each time (limit {MAX_DELIVERIES}, crawler/distributed.py MAX_DELIVERIES)")


def job_id_key(entry_id: str) -> str:
    return entry_id.replace(":", "_")


def worker_overrides(base: dict[str, dict], *, redis_url: str, store: str, job_id: str, attempt: str,
                     worker: str) -> dict[str, Any]:
    """Settings that turn a single-machine crawl into a worker's: the scrapy-redis scheduler and
    dupefilter for the job, results to Redis instead of the archive, freshness from Redis,
    site slots across workers, captures in the shared store."""
    spider_mw = dict(base["SPIDER_MIDDLEWARES"])
    spider_mw["crawler.incremental.FreshPagesMiddleware"] = None
    spider_mw["crawler.distributed.RedisFreshPages"] = 950
    downloader_mw = dict(base["DOWNLOADER_MIDDLEWARES"])
    downloader_mw["crawler.incremental.IncrementalMiddleware"] = None
    downloader_mw["crawler.distributed.RedisIncremental"] = 50
    downloader_mw["crawler.warc.WarcCaptureMiddleware"] = None
    downloader_mw["crawler.distributed.SharedWarcCapture"] = 950
    downloader_mw["crawler.distributed.SiteSlots"] = 940
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        # One queue per attempt: a job taken over walks its lists again from the start, and a
        # worker that lost its lease (still running until it notices) takes nothing from it.
        "SCHEDULER_QUEUE_KEY": JOB_QUEUE.format(attempt=attempt),
        "SCHEDULER_DUPEFILTER_KEY": JOB_DUPEFILTER.format(attempt=attempt),
        "SCHEDULER_FLUSH_ON_START": True,
        "SCHEDULER_PERSIST": False,
        "REDIS_URL": redis_url,
        "REDIS_PARAMS": redis_params(),
        "ITEM_PIPELINES": {"crawler.distributed.ResultsPipeline": 300},
        "SPIDER_MIDDLEWARES": spider_mw,
        "DOWNLOADER_MIDDLEWARES": downloader_mw,
        "XXGK_WARC_DIR": os.path.join(store, "warc"),
        "XXGK_DB": None,
        "XXGK_STORE": store,
        "XXGK_REDIS_URL": redis_url,
        "XXGK_JOB_ID": job_id,
        "XXGK_ATTEMPT": attempt,
        "XXGK_WORKER_ID": worker,
    }


def new_attempt(job_id: str) -> str:
    return f"{job_id_key(job_id)}.{uuid.uuid4().hex[:10]}"


def drop_attempts(client: redis.Redis, job_id: str, keep: str = "") -> int:
    """Delete the request queues and dupefilters left by earlier attempts at a job."""
    gone = [key for key in client.scan_iter(match=f"xxgk:job:{job_id_key(job_id)}.*", count=1000)
            if not _text(key).startswith(f"xxgk:job:{keep}:")]
    if gone:
        client.delete(*gone)
    return len(gone)


def worker_name() -> str:
    return f"{socket.gethostname()}.{os.getpid()}"


# -- freshness ------------------------------------------------------------------------------------
class FreshBoard:
    """`xxgk:fresh`: what the archive last fetched with a usable answer, per URL."""

    def __init__(self, client: redis.Redis):
        self.client = client

    def get(self, url: str):
        raw = self.client.hget(FRESH, url)
        if raw is None:
            return None
        fetched, etag, modified = json.loads(raw)
        return parse_ts(fetched), etag, modified

    def publish(self, rows: Iterable[tuple[str, Optional[str], Optional[str], Optional[str]]],
                chunk: int = 5000) -> int:
        count, batch = 0, {}
        for url, fetched, etag, modified in rows:
            batch[url] = json.dumps([fetched, etag, modified])
            if len(batch) >= chunk:
                self.client.hset(FRESH, mapping=batch)
                count, batch = count + len(batch), {}
        if batch:
            self.client.hset(FRESH, mapping=batch)
            count += len(batch)
        return count


def _board(crawler) -> FreshBoard:
    return FreshBoard(connect(crawler.settings.get("XXGK_REDIS_URL")))


class RedisFreshPages(FreshPagesMiddleware):
    """FreshPagesMiddleware with the freshness read from Redis, one listed page at a time."""

    @classmethod
    def from_crawler(cls, crawler):
        mw = super().from_crawler(crawler)
        mw.board, mw.looked = _board(crawler), set()
        return mw

    def open(self, spider=None):
        self.now = datetime.now(timezone.utc)
        self.fresh, self.looked = set(), set()

    def _is_fresh(self, result) -> bool:
        if isinstance(result, Request) and result.meta.get(META_KIND) == ARTICLE:
            key = alias_url(result.url, self.alias)
            if key not in self.looked:
                self.looked.add(key)
                state = self.board.get(key)
                if state and state[0] is not None and self.now - state[0] < self.refresh:
                    self.fresh.add(key)
        return super()._is_fresh(result)


class RedisIncremental(IncrementalMiddleware):
    """IncrementalMiddleware with the validators read from Redis."""

    @classmethod
    def from_crawler(cls, crawler):
        mw = super().from_crawler(crawler)
        mw.board = _board(crawler)
        return mw

    def open(self, spider=None):
        self.state = {}

    def process_request(self, request, spider=None):
        if request.meta.get(META_KIND) == ARTICLE:
            key = alias_url(request.url, self.alias)
            if key not in self.state:
                self.state[key] = self.board.get(key) or (None, None, None)
        return super().process_request(request, spider)


# -- politeness across workers ---------------------------------------------------------------------
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""


# Keep the slots this worker holds (KEYS[i] holds token ARGV[i + 1]) for ARGV[1] more ms.
_RENEW_SLOTS = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', now + tonumber(ARGV[1]), ARGV[i + 1])
  redis.call('PEXPIRE', key, ARGV[1])
end
return #KEYS
"""
SLOT_LEASE = 20.0   # seconds a slot outlives a worker that stopped renewing it (killed)


class SiteSlots:
    """Downloader middleware: at most CONCURRENT_REQUESTS_PER_DOMAIN (or XXGK_SITE_SLOTS)
    requests in flight on one site (scheme, host, port) across every worker. A slot is held from
    the request to its answer, renewed every SLOT_LEASE/4 while the worker lives; the slots of a
    worker killed mid-request free themselves SLOT_LEASE s later."""

    META = "xxgk_site_slot"

    def __init__(self, client: redis.Redis, limit: int, lease: float = SLOT_LEASE):
        self.client, self.limit, self.lease_ms = client, max(1, limit), int(lease * 1000)
        self.acquire = client.register_script(_ACQUIRE)
        self.renew_script = client.register_script(_RENEW_SLOTS)
        self.held: dict[str, str] = {}   # token -> key
        self.renewal = None

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals

        s = crawler.settings
        mw = cls(connect(s.get("XXGK_REDIS_URL")),
                 s.getint("XXGK_SITE_SLOTS", s.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 2)))
        crawler.signals.connect(mw.open, signal=signals.spider_opened)
        crawler.signals.connect(mw.close, signal=signals.spider_closed)
        return mw

    def open(self, spider=None):
        from twisted.internet import task

        self.renewal = task.LoopingCall(self.renew)
        self.renewal.start(self.lease_ms / 4000, now=False)

    def close(self, spider=None):
        if self.renewal is not None and self.renewal.running:
            self.renewal.stop()
        for token, key in list(self.held.items()):
            self.client.zrem(key, token)
        self.held.clear()

    def renew(self) -> None:
        held = list(self.held.items())
        if held:
            self.renew_script(keys=[key for _t, key in held], args=[self.lease_ms, *[t for t, _k in held]])

    async def process_request(self, request, spider=None):
        origin = origin_of(request.url)
        key = SLOTS + "{}://{}:{}".format(*origin) if origin else SLOTS + "unknown"
        token, wait = uuid.uuid4().hex, 0.01
        while not self.acquire(keys=[key], args=[self.limit, self.lease_ms, token]):
            await asyncio.sleep(wait)
            wait = min(wait * 2, 0.2)
        request.meta[self.META] = (key, token)
        self.held[token] = key
        return None

    def _release(self, request) -> None:
        held = request.meta.pop(self.META, None)
        if held:
            self.held.pop(held[1], None)
            self.client.zrem(held[0], held[1])

    def process_response(self, request, response, spider=None):
        self._release(request)
        return response

    def process_exception(self, request, exception, spider=None):
        self._release(request)
        return None


class SharedWarcCapture(WarcCaptureMiddleware):
    """WARC capture into the shared store, the worker named in each file's name (many machines
    write one folder)."""

    @classmethod
    def from_crawler(cls, crawler):
        mw = super().from_crawler(crawler)
        mw.portal = f"{mw.portal}.{crawler.settings.get('XXGK_WORKER_ID') or worker_name()}"
        return mw


# -- results: worker side --------------------------------------------------------------------------
_ITEM_FIELDS = tuple(f.name for f in fields(PageItem) if f.name != "body")


def extraction_to_json(extraction: Extraction) -> dict[str, Any]:
    return extraction.to_json()


def spool_dir(store: str, attempt: str) -> str:
    return os.path.join(store, "spool", attempt)


class ResultsPipeline:
    """The worker's item pipeline: extract where the single-machine pipeline would, keep bodies in
    the shared store, and push each result to `xxgk:results` (open, item…, close)."""

    def __init__(self, client: redis.Redis, store: str, job_id: str, attempt: str, portal: str,
                 alias=None, region=None):
        self.client, self.store, self.job_id, self.attempt = client, store, job_id, attempt
        self.portal, self.alias, self.region = portal, (tuple(alias) if alias else None), dict(region or {})
        self.waiting: dict[str, Extraction] = {}
        self.spool = spool_dir(store, attempt)

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        pipeline = cls(connect(s.get("XXGK_REDIS_URL")), s.get("XXGK_STORE"), s.get("XXGK_JOB_ID"),
                       s.get("XXGK_ATTEMPT"), s.get("XXGK_PORTAL"), s.getlist("XXGK_URL_ALIAS") or None,
                       s.getdict("XXGK_REGION"))
        pipeline.crawler = crawler
        return pipeline

    def _send(self, kind: str, payload: dict[str, Any]) -> None:
        self.client.xadd(RESULTS, {"t": kind, "job": self.job_id, "a": self.attempt,
                                   "d": json.dumps(payload, ensure_ascii=False)})

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        self.outages = outages()
        os.makedirs(self.spool, exist_ok=True)
        self._send("open", {"portal": self.portal, "start_urls": list(spider.start_urls),
                            "alias": list(self.alias) if self.alias else None, "region": self.region,
                            "hosts": self.crawler.settings.getlist("XXGK_HOSTS")})

    def process_item(self, item: PageItem, spider=None) -> PageItem:
        payload = {name: getattr(item, name) for name in _ITEM_FIELDS}
        payload["kind"] = item.kind.value
        payload["body"] = store_file(self.spool, item.body)[1] if item.body is not None else None
        payload["outcome"] = self._outcome(item)
        self._send("item", payload)
        renew = getattr(self.crawler, "xxgk_renew", None)  # the worker's lease (xxgk/distributed.py)
        if renew is not None:
            renew()
        return item

    def _outcome(self, item: PageItem) -> Optional[dict[str, Any]]:
        """What ArchivePipeline would extract from this item, done here (the costly part)."""
        if item.cached or item.retrying or item.body is None:
            return None
        url = alias_url(item.url, self.alias)
        if item.kind == ARTICLE and item.status != 304:
            outcome, extraction = _extract(item.body, url, item.content_type)
            if extraction is not None and waits_for_attachments(extraction, item.attachments):
                self.waiting[url] = extraction
            return outcome
        parent = alias_url(item.parent_url, self.alias) if item.parent_url else None
        if item.kind == ATTACHMENT and parent in self.waiting:
            outcome, attached = _extract(item.body, url, item.content_type, filename=url)
            if attached is not None and report_with_attachment(self.waiting[parent], attached) is not None:
                del self.waiting[parent]
            return outcome
        return None

    def close_spider(self, spider=None):
        spider = spider or self.crawler.spider
        stats = self.crawler.stats
        walk = getattr(spider, "walk", None)
        if outages() != self.outages:  # Redis went away meanwhile: a request may be lost; again
            log.warning("%s: Redis was unreachable during the crawl: it is closed as interrupted "
                        "and queued again", self.portal)
            self.crawler.xxgk_interrupted = True
        self._send("close", {
            "finish_reason": stats.get_value("finish_reason"),
            "spider_errors": stats.get_value("spider_exceptions/count") or 0,
            "interrupted": bool(getattr(self.crawler, "xxgk_interrupted", False)),
            "walk": None if walk is None else walk_summary(walk),
        })


def _extract(body: bytes, url: str, content_type: Optional[str], filename: Optional[str] = None):
    try:
        extraction = extract_bytes(body, url, content_type, filename=filename)
    except UnreadableInput as exc:
        return {"unreadable": str(exc)}, None
    except Exception as exc:  # the writer records it as the single-machine pipeline would
        return {"failed": [type(exc).__name__, str(exc)]}, None
    return {"ok": extraction_to_json(extraction)}, extraction


def send_gave_up(client: redis.Redis, job_id: str, job: dict, reason: str) -> None:
    client.xadd(RESULTS, {"t": "gaveup", "job": job_id, "a": "", "d": json.dumps(
        {"portal": job.get("portal"), "start_urls": job.get("start_urls") or [], "reason": reason},
        ensure_ascii=False)})


# -- results: writer side --------------------------------------------------------------------------
class IngestPipeline(ArchivePipeline):
    """The single-machine archive pipeline fed from `xxgk:results`: same tables, ids, versions,
    checks and removals; the extraction is the worker's (`extract` hook), the body the spool's."""

    def __init__(self, db: str, opened: dict[str, Any], store: str, attempt: str):
        super().__init__(db, opened["portal"], False, opened.get("alias"), opened.get("region"),
                         hosts=opened.get("hosts") or None)
        self.store, self.attempt = store, attempt
        self.start_urls = list(opened["start_urls"])
        self.outcome: Optional[dict[str, Any]] = None
        self.urls: set[str] = set()
        self.crawler = SimpleNamespace(xxgk_interrupted=False)
        self.open_spider(SimpleNamespace(portal=opened["portal"], start_urls=self.start_urls))

    def item(self, payload: dict[str, Any]) -> None:
        payload = dict(payload)
        body_ref, self.outcome = payload.pop("body"), payload.pop("outcome", None)
        body = None
        if body_ref is not None:
            with open(os.path.join(spool_dir(self.store, self.attempt), body_ref), "rb") as fh:
                body = fh.read()
        payload["kind"] = Kind(payload["kind"])
        for name in ("seen_urls", "attachments"):
            payload[name] = tuple(payload.get(name) or ())
        item = PageItem(body=body, **payload)
        self.urls.add(alias_url(item.url, self.alias))
        try:
            self.process_item(item)
        finally:
            self.outcome = None

    def extract(self, body: bytes, url: str, content_type: Optional[str],
                filename: Optional[str] = None) -> Extraction:
        outcome, self.outcome = self.outcome, None
        if outcome is None:  # the worker did not extract it: do it here
            return super().extract(body, url, content_type, filename)
        if "ok" in outcome:
            return extraction_from_json(outcome["ok"])
        if "unreadable" in outcome:
            raise UnreadableInput(outcome["unreadable"])
        name, text = outcome["failed"]
        raise type(name, (Exception,), {})(text)

    def close(self, summary: dict[str, Any]) -> None:
        self.close_from(summary)

    def discard_spool(self) -> None:
        shutil.rmtree(spool_dir(self.store, self.attempt), ignore_errors=True)

