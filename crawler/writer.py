"""The archive writer process: extraction and storage beside Scrapy's reactor, not on it.

`xxgk crawl` fetches on one thread (Scrapy's reactor); extracting a report and writing it to
SQLite cost about three times what fetching it does (benchmarks/crawl_bench.py). So the crawl
process hands every item to one child process, which runs the same `ArchivePipeline` (same
tables, ids, versions, checks, removals, crawl_runs and fetches rows) for every crawl of the
run, one after another, as the reactor did. The writer feeds the report pages it has queued to
its extraction process(es) (`Extractor`, XXGK_EXTRACT_PROCESSES), which extract them and make
their rows ahead of storage: three processes on two cores.

- One writer process per `run_crawls` (all crawls running at once share it, so their writes
  are serialised as before and there is one more process whatever --parallel is).
- Items go through a pipe; the writer's reader thread keeps at most QUEUE_ITEMS items and
  QUEUE_BYTES bytes waiting (and what its last read took from the pipe, at most READ_BYTES
  more: FrameReader). Past that the pipe fills and the reactor waits: back pressure,
  so memory stays bounded when extraction is slower than fetching.
- Nothing counts as stored before its SQLite commit (the pipeline's own batches). The writer
  ignores SIGINT / SIGTERM: the crawl process stops the crawls and closes each run through it
  (interrupted, no removal marked), then tells it to exit.
- The crawl process killed (its pipe closed without `exit`): the writer exits at once without
  committing, as the crawl process itself would have (the next run fetches it again).
- The writer killed or crashed: the crawl process says so in one line, stops the crawls and
  closes their runs as failed; what was not committed is fetched again by the next run.

Progress lines and log records of the writer are sent back and written by the crawl process.
"""
from __future__ import annotations

import logging
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
from collections import deque
from concurrent.futures import Future
from multiprocessing.connection import Connection
from typing import Any, Callable, Optional

from crawler import writer_start
from crawler.heap import handled, settle
from crawler.writer_start import grow_pipe
from crawler.items import ARTICLE
from crawler.pipelines import NOT_MODIFIED, ArchivePipeline
from pipelines.errors import UnreadableInput
from storage.archive import alias_url
from storage.rows import prepare
from storage.search import grams_ahead, provide_grams

log = logging.getLogger(__name__)

QUEUE_ITEMS = 320                # items waiting in the writer process, at most
QUEUE_BYTES = 64 * 1024 * 1024   # … and their pickled bytes (an item may be a large attachment)
STOP_TIMEOUT = 120.0             # seconds the writer may take to finish after the crawls closed
LOOKAHEAD = 256                  # of those, how many are being extracted ahead of storage: more
                                 # than one write batch holds (crawler/pipelines.py WRITE_BATCH,
                                 # two writes a report), or the extraction process idles while the
                                 # writer commits a batch and the writer then waits for it
READ_BYTES = 1024 * 1024         # read from a pipe at once by a reader thread (FrameReader)
OUTBOX_BYTES = 8 * 1024 * 1024   # messages the crawl process queues for the writer, at most (~250 pages)
EXTRACT_PROCESSES = 1            # processes extracting report pages for the writer (0: none) …
EXTRACT_PROCESSES_ENV = "XXGK_EXTRACT_PROCESSES"  # … or this many (0-16), set where `xxgk crawl` runs
PROFILE_ENV = "XXGK_WRITER_PROFILE"  # a file: the writer runs under cProfile (crawl_bench --profile)
EXIT_ORPHANED = 3                # the writer's exit status when the crawl process went away

# Messages, crawl process -> writer: (kind, key, payload).
OPEN, ITEM, CLOSE, ABORT, EXIT = "open", "item", "close", "abort", "exit"
# writer -> crawl process: (kind, key, payload).
OPENED, CLOSED, FAILED, STDERR, LOG = "opened", "closed", "failed", "stderr", "log"
_EXIT_MESSAGE = pickle.dumps((EXIT, "", None), protocol=pickle.HIGHEST_PROTOCOL)


class FrameReader:
    """The messages of a multiprocessing Connection (its framing: a 4-byte big-endian length,
    or -1 and an 8-byte one) read many at a time.

    A thread reading a pipe beside a busy main thread waits for the interpreter after every
    read call, up to its switch interval (5 ms); Connection.recv_bytes makes two or more calls
    a message, so such a thread fell behind a pipe of a few hundred messages a second. One read
    takes all that is waiting, however many messages."""

    def __init__(self, fd: int):
        self.fd = fd
        self.buffer = bytearray()
        self.frames: deque = deque()

    def recv_bytes(self) -> bytes:
        while not self.frames:
            chunk = os.read(self.fd, READ_BYTES)
            if not chunk:
                raise EOFError
            self.buffer += chunk
            self._split()
        return self.frames.popleft()

    def _split(self) -> None:
        buffer, start, end = self.buffer, 0, len(self.buffer)
        while end - start >= 4:
            (size,), header = struct.unpack_from("!i", buffer, start), 4
            if size == -1:
                if end - start < 12:
                    break
                (size,), header = struct.unpack_from("!Q", buffer, start + 4), 12
            if end - start < header + size:
                break
            self.frames.append(bytes(buffer[start + header:start + header + size]))
            start += header + size
        del buffer[:start]


class PipeFeeder:
    """Writes framed messages to a pipe from a thread of its own, all that wait in one call, so
    the thread that queues them never waits on a full pipe: up to `limit` bytes queued (and
    being written), past which `put` waits (back pressure); no bound without one. The
    interpreter is let go while the pipe is full. Used both ways a page travels: the crawl
    process to its writer, the writer to its extraction processes."""

    def __init__(self, fd: int, name: str, limit: Optional[int] = None,
                 on_error: Optional[Callable[[], None]] = None):
        self.fd, self.limit, self.on_error = fd, limit, on_error
        self.queued: list[bytes] = []
        self.size = 0  # bytes queued and being written
        self.ready = threading.Condition()
        self.closing = self.ended = False  # ended: stopped, or the pipe failed
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def put(self, data: bytes, wait: bool = True) -> bool:
        """Queue `data` (never waiting for room for the first, nor when told not to); False when
        it will not be written (closing, stopped, failed)."""
        with self.ready:
            while (wait and self.limit and self.size and self.size + len(data) > self.limit
                   and not self.closing and not self.ended):
                self.ready.wait()
            if self.closing or self.ended:
                return False
            self.queued.append(data)
            self.size += len(data)
            self.ready.notify_all()
            return True

    def close(self) -> None:
        """Write what is queued, then end."""
        with self.ready:
            self.closing = True
            self.ready.notify_all()

    def stop(self) -> None:
        """End now: what is queued is not written (a thread waiting in `put` is let go)."""
        with self.ready:
            self.ended = True
            self.queued, self.size = [], 0
            self.ready.notify_all()

    def _run(self) -> None:
        while True:
            with self.ready:
                while not self.queued and not self.closing and not self.ended:
                    self.ready.wait()
                if self.ended or not self.queued:
                    return
                batch, self.queued = self.queued, []
            data = memoryview(b"".join(batch))
            size = len(data)
            try:
                while data:  # one call unless interrupted
                    data = data[os.write(self.fd, data):]
            except OSError:  # the reading process is gone
                self.stop()
                if self.on_error is not None:
                    self.on_error()
                return
            with self.ready:
                self.size -= size
                self.ready.notify_all()


# -- the crawl process's side --------------------------------------------------------------------
class WriterDied(RuntimeError):
    """The writer process is gone; the message says how (one line)."""


class _Waiter:
    """An answer of the writer to come (opened / closed / failed: its one-line reason)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.error: Optional[str] = None
        self.callback: Optional[Callable[[Optional[str]], None]] = None
        self.lock = threading.Lock()

    def fire(self, error: Optional[str]) -> None:
        with self.lock:
            if self.event.is_set():
                return
            self.error = error
            self.event.set()
            callback = self.callback
        if callback is not None:
            callback(error)

    def then(self, callback: Callable[[Optional[str]], None]) -> None:
        """Call `callback(error)` once answered (from whichever thread answers)."""
        with self.lock:
            if not self.event.is_set():
                self.callback = callback
                return
        callback(self.error)

    def wait(self, timeout: Optional[float] = None) -> Optional[str]:
        if not self.event.wait(timeout):
            return "the archive writer process did not answer"
        return self.error


class WriterProcess:
    """The crawl process's handle on its writer process (start, send, wait, stop)."""

    def __init__(self, on_death: Optional[Callable[[str], None]] = None):
        self.on_death = on_death  # called (from the reader thread) with the one-line reason
        # started early by `xxgk crawl` (crawler/writer_start.py), or now
        self.proc, self.out_fd, from_writer_r = writer_start.take() or writer_start.start()
        self.inbox = Connection(from_writer_r, writable=False)
        self.lock = threading.Lock()
        self.waiters: dict[str, _Waiter] = {}  # by crawl key: its open / close / abort
        self.death: Optional[str] = None
        self.exiting = False
        # The reactor queues its messages and a thread writes them: it wrote them itself and
        # waited whenever the writer's reader thread was slow to empty the pipe (0.5-1.4 s of a
        # 3,000-report crawl_bench run, some waits over 50 ms, fetching nothing meanwhile).
        self.feeder = PipeFeeder(self.out_fd, "xxgk-writer-feeder", limit=OUTBOX_BYTES,
                                 on_error=lambda: None if self.exiting else self._died())
        self.reader = threading.Thread(target=self._read, name="xxgk-writer-reader", daemon=True)
        self.reader.start()

    # sending (the reactor thread)
    def send(self, kind: str, key: str, payload: Any = None) -> None:
        if self.death is not None:
            raise WriterDied(self.death)
        if not self.feeder.put(frame(pickle.dumps((kind, key, payload), protocol=pickle.HIGHEST_PROTOCOL))):
            raise WriterDied(self.death or "the archive writer process stopped")

    def request(self, kind: str, key: str, payload: Any = None) -> _Waiter:
        """Send a message the writer answers (open, close, abort); its waiter."""
        waiter = self.waiters[key] = _Waiter()
        try:
            self.send(kind, key, payload)
        except WriterDied as exc:
            waiter.fire(str(exc))
        return waiter

    # receiving (a thread of its own)
    def _read(self) -> None:
        while True:
            try:
                kind, key, payload = pickle.loads(self.inbox.recv_bytes())
            except (EOFError, OSError, pickle.UnpicklingError):
                if not self.exiting:
                    self._died()
                return
            if kind == STDERR:
                try:
                    sys.stderr.write(payload)
                    sys.stderr.flush()
                except (OSError, ValueError):  # stderr closed: the line is lost, not the crawl
                    pass
            elif kind == LOG:
                logging.getLogger(payload["name"]).handle(logging.makeLogRecord(payload))
            elif kind in (OPENED, CLOSED, FAILED):
                waiter = self.waiters.pop(key, None)
                if waiter is not None:
                    waiter.fire(payload if kind == FAILED else None)

    def _died(self) -> None:
        with self.lock:
            if self.death is not None:
                return
            try:
                status = self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                status = self.proc.wait()
            how = (f"killed by signal {signal.Signals(-status).name}" if status < 0
                   else f"exited with status {status}")
            self.death = f"the archive writer process stopped ({how})"
        self.feeder.stop()  # a crawl waiting to queue a message learns it
        for waiter in list(self.waiters.values()):
            waiter.fire(self.death)
        self.waiters.clear()
        if self.on_death is not None:
            self.on_death(self.death)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Ask the writer to exit once done and wait for it (killed past `timeout`)."""
        if self.death is None:
            self.exiting = True
            self.feeder.put(frame(_EXIT_MESSAGE), wait=False)
        self.feeder.close()  # what is queued is written, then the feeder ends
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log.error("the archive writer process did not stop within %.0f s: killed", timeout)
            self.proc.kill()
            self.proc.wait()
        self.feeder.thread.join(timeout=5)  # its write ends with the process
        if not self.feeder.thread.is_alive():  # never an fd closed under a thread still using it
            os.close(self.out_fd)
        self.reader.join(timeout=5)
        self.inbox.close()


# Writer processes of the running `run_crawls` calls, by the id in their crawls' XXGK_WRITER
# setting (settings are copied, so they name the process rather than hold it).
WRITERS: dict[str, WriterProcess] = {}


class WriterPipeline:
    """A crawl's item pipeline when its archive writes happen in the writer process: it sends
    the crawl's items there and closes its run through it (crawler/pipelines.py does the work)."""

    def __init__(self, crawler, writer: WriterProcess):
        self.crawler, self.writer = crawler, writer
        self.key = f"{os.getpid()}-{id(self)}"
        s = crawler.settings
        self.options = ArchivePipeline.options(s)
        self.log_level = s.get("LOG_LEVEL", "WARNING")
        self.state = "new"  # open, closed

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, WRITERS[crawler.settings.get("XXGK_WRITER")])

    async def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        portal = self.options["args"]["portal"] or getattr(spider, "portal", None) or "unknown"
        waiter = self.writer.request(OPEN, self.key, {
            "options": self.options, "log_level": self.log_level,
            "stderr_tty": bool(getattr(sys.stderr, "isatty", lambda: False)()),
            "portal": portal, "start_urls": list(getattr(spider, "start_urls", []) or [])})
        error = await _answer(waiter)
        if error is not None:
            raise RuntimeError(error)
        self.state = "open"
        settle()  # the crawl process is set up: Scrapy, the spider and its components loaded

    def process_item(self, item, spider=None):
        handled()  # the allocator's free pages go back to the system now and then (crawler/heap.py)
        if self.state == "open":
            try:
                self.writer.send(ITEM, self.key, item)
            except WriterDied:
                pass  # said once, and the crawls are being stopped (WriterProcess.on_death)
        return item

    async def close_spider(self, spider=None):
        if self.state != "open":
            return
        spider = spider or self.crawler.spider
        from crawler.pipelines import close_summary

        crawler = self.crawler
        interrupted = getattr(crawler, "xxgk_interrupted", False) or getattr(crawler, "crawling", True) is False
        self.state = "closed"
        error = await _answer(self.writer.request(CLOSE, self.key, close_summary(crawler, spider, interrupted)))
        if error is not None and self.writer.death is None:
            log.error("%s: %s", self.options["args"]["portal"], error)

    def abort(self) -> None:
        """Stopped without closing (a second Ctrl-C): the writer closes the run as interrupted."""
        if self.state != "open":
            return
        self.state = "closed"
        self.writer.request(ABORT, self.key).wait(STOP_TIMEOUT)


async def _answer(waiter: _Waiter) -> Optional[str]:
    """The writer's answer, awaited on the reactor's asyncio loop."""
    import asyncio

    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def done(error: Optional[str]) -> None:
        try:
            loop.call_soon_threadsafe(lambda: future.done() or future.set_result(error))
        except RuntimeError:  # the reactor was stopped meanwhile (a second Ctrl-C): nobody waits
            pass

    waiter.then(done)
    return await future


# -- the writer process's side -------------------------------------------------------------------
class _Forwarded:
    """The writer's stderr: text goes to the crawl process, which writes it to its own."""

    def __init__(self, reply: Callable[..., None], tty: bool):
        self.reply, self.tty = reply, tty

    def write(self, text: str) -> int:
        self.reply(STDERR, "", text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return self.tty


class _LogForwarder(logging.Handler):
    def __init__(self, reply: Callable[..., None]):
        super().__init__()
        self.reply = reply

    def emit(self, record: logging.LogRecord) -> None:
        try:
            exc = record.exc_info[1] if record.exc_info else None
            message = record.getMessage() + (f" ({type(exc).__name__}: {exc})" if exc else "")
            self.reply(LOG, "", {"name": record.name, "levelno": record.levelno,
                                 "levelname": record.levelname, "msg": message})
        except Exception:  # noqa: BLE001 (a log line must not stop the writer)
            self.handleError(record)


def writer_main(read_fd: int, write_fd: int) -> int:
    for sig in (signal.SIGINT, signal.SIGTERM):  # the crawl process decides when to stop
        signal.signal(sig, signal.SIG_IGN)
    inbox = Connection(read_fd, writable=False)
    out = Connection(write_fd, readable=False)
    send_lock = threading.Lock()

    def reply(kind: str, key: str, payload: Any = None) -> None:
        data = pickle.dumps((kind, key, payload), protocol=pickle.HIGHEST_PROTOCOL)
        with send_lock:
            out.send_bytes(data)

    frames = FrameReader(inbox.fileno())
    waiting: queue.Queue = queue.Queue()
    room = threading.Semaphore(QUEUE_ITEMS)
    held = [0]
    bytes_free = threading.Condition()

    def read() -> None:
        while True:
            room.acquire()
            try:
                data = frames.recv_bytes()
            except (EOFError, OSError):
                os._exit(EXIT_ORPHANED)  # the crawl process is gone: stop now, commit nothing more
            with bytes_free:
                bytes_free.wait_for(lambda: held[0] == 0 or held[0] + len(data) <= QUEUE_BYTES)
                held[0] += len(data)
            waiting.put((len(data), pickle.loads(data)))
            if data == _EXIT_MESSAGE:  # nothing follows but the end of the pipe
                return

    threading.Thread(target=read, name="xxgk-writer-inbox", daemon=True).start()
    sys.stderr = _Forwarded(reply, tty=False)
    handler = _LogForwarder(reply)
    logging.root.addHandler(handler)
    extractor = Extractor()
    aliases: dict[str, Any] = {}
    pipelines: dict[str, PrefetchingPipeline] = {}
    ahead: deque = deque()  # (size, message, extraction to come or None), taken from `waiting`

    def take(block: bool) -> bool:
        try:
            size, message = waiting.get(block=block)
        except queue.Empty:
            return False
        kind, key, payload = message
        if kind == OPEN:
            aliases[key] = payload["options"]["args"].get("alias")
        future = extractor.submit(payload, aliases.get(key)) if kind == ITEM else None
        ahead.append((size, message, future))
        return True

    while True:
        if not ahead:
            take(block=True)
        while len(ahead) < LOOKAHEAD and take(block=False):
            pass
        size, (kind, key, payload), future = ahead.popleft()
        with bytes_free:
            held[0] -= size
            bytes_free.notify_all()
        room.release()
        if kind == ITEM:
            pipeline = pipelines.get(key)
            if pipeline is not None:
                pipeline.prefetched = future
                try:
                    pipeline.process_item(payload)
                finally:
                    pipeline.prefetched = None
        elif kind == OPEN:
            logging.root.setLevel(payload.pop("log_level", "WARNING"))
            sys.stderr.tty = payload.pop("stderr_tty", False)
            try:
                pipeline = PrefetchingPipeline.from_options(payload.pop("options"))
                pipeline.extractor = extractor
                pipeline.open_spider(_Spider(**payload))
            except Exception as exc:  # noqa: BLE001 (the crawl fails with this reason, not the writer)
                reply(FAILED, key, f"{type(exc).__name__}: {exc}")
                continue
            pipelines[key] = pipeline
            reply(OPENED, key)
            settle()  # the writer is set up: its archive open, its extraction process started
        elif kind in (CLOSE, ABORT):
            pipeline = pipelines.pop(key, None)
            aliases.pop(key, None)
            error = None
            if pipeline is not None:
                try:
                    pipeline.close_from(payload) if kind == CLOSE else pipeline.abort()
                except Exception as exc:  # noqa: BLE001
                    log.exception("%s: the run could not be closed", pipeline.portal)
                    error = f"{type(exc).__name__}: {exc}"
            reply(FAILED if error else CLOSED, key, error)
        elif kind == EXIT:
            for pipeline in pipelines.values():  # never closed (should not happen): keep what was done
                pipeline.abort()
            extractor.stop()
            return 0


# -- extraction ahead of storage ------------------------------------------------------------------
def _quiet_child() -> None:
    """An extraction process: stops with the writer (even killed), ignores Ctrl-C / SIGTERM."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _extract_outcome(body: bytes, url: str, content_type: Optional[str]) -> tuple:
    """A report page's extraction as the pipeline would get it, its archive rows made here:
    ("ok", PreparedReport, its short-word index text), ("unreadable", why) or ("failed",
    exception type name, message)."""
    from pipelines.report import extract_bytes

    try:
        extraction = extract_bytes(body, url, content_type)
    except UnreadableInput as exc:
        return ("unreadable", str(exc))
    except Exception as exc:  # noqa: BLE001 (recorded in fetches.error, as in the pipeline)
        return ("failed", type(exc).__name__, str(exc))
    # the short-word index's text too, made here rather than by the writer's trigger
    return ("ok", prepare(extraction), grams_ahead(extraction.title, extraction.agency, extraction.index_no,
                                          extraction.body_text))


def _extraction_main(tasks: Connection, results: Connection) -> None:
    """An extraction process: pages in, pickled outcomes out, in order, until its pipe closes."""
    _quiet_child()
    import pipelines.report  # noqa: F401 (loaded before the collector is settled)

    settle()
    while True:
        try:
            body, url, content_type = pickle.loads(tasks.recv_bytes())
        except (EOFError, OSError):
            return
        handled()
        results.send_bytes(pickle.dumps(_extract_outcome(body, url, content_type),
                                        protocol=pickle.HIGHEST_PROTOCOL))


def frame(data: bytes) -> bytes:
    """`data` framed as Connection.send_bytes frames it (FrameReader reads it back)."""
    if len(data) > 0x7FFFFFFF:
        return struct.pack("!iQ", -1, len(data)) + data
    return struct.pack("!i", len(data)) + data


class _ExtractionProcess:
    """One extraction process, a pipe each way. The writer's main thread queues the pages; a
    feeder thread writes all that are queued in one call (PipeFeeder), and a reader thread
    reads the outcomes as they come, so the main thread never waits for a full pipe (it did: a pipe holds
    ~50 pages, and while the main thread waited there, committing a batch of ~100 reports, the
    extraction process ran dry). (A ProcessPoolExecutor queues one call ahead per process and
    hands over each one through two more threads, which fought the writer's main thread for
    the interpreter: about 1.2 s of the writer's CPU a 3,000-report crawl.)"""

    def __init__(self, context) -> None:
        task_reader, self.tasks = context.Pipe(duplex=False)
        self.results, result_writer = context.Pipe(duplex=False)
        grow_pipe(self.tasks.fileno())
        grow_pipe(self.results.fileno())
        self.proc = context.Process(target=_extraction_main, args=(task_reader, result_writer), daemon=True)
        self.proc.start()
        task_reader.close()
        result_writer.close()
        self.sent: deque = deque()  # futures of the pages queued, oldest first
        self.lock = threading.Lock()
        self.dead = self.closing = False
        # no bound of its own: the writer queues at most LOOKAHEAD pages; a failed write (the
        # process is gone) is the reader thread's to report, for every page queued
        self.feeder = PipeFeeder(self.tasks.fileno(), "xxgk-extraction-pages")
        self.reader = threading.Thread(target=self._collect, name="xxgk-extraction-results", daemon=True)
        self.reader.start()

    def submit(self, body: bytes, url: str, content_type: Optional[str]) -> Future:
        data = frame(pickle.dumps((body, url, content_type), protocol=pickle.HIGHEST_PROTOCOL))
        future: Future = Future()
        with self.lock:
            if self.dead or self.closing or not self.feeder.put(data):
                raise RuntimeError("the extraction process stopped")
            self.sent.append(future)
        return future

    def _collect(self) -> None:
        frames = FrameReader(self.results.fileno())
        while True:
            try:
                data = frames.recv_bytes()
            except (EOFError, OSError):
                break
            with self.lock:
                future = self.sent.popleft() if self.sent else None
            if future is not None:
                future.set_result(data)
        with self.lock:
            self.dead = True
            left, self.sent = list(self.sent), deque()
        for future in left:
            future.set_exception(RuntimeError("the extraction process stopped"))

    def stop(self) -> None:
        """Stopped at once: extraction is pure, and nobody waits for the pages still queued (the
        writer stops it once every run is closed, or when it failed)."""
        with self.lock:
            self.closing = True
        self.feeder.stop()
        self.proc.kill()
        self.proc.join()
        for thread, conn in ((self.feeder.thread, self.tasks), (self.reader, self.results)):
            thread.join(timeout=5)  # its read or write ends with the process
            if not thread.is_alive():  # never an fd closed under a thread still using it
                conn.close()


def extract_processes() -> int:
    """EXTRACT_PROCESSES, or XXGK_EXTRACT_PROCESSES when it is a number from 0 to 16 (a
    machine with more cores than two can extract on more than one)."""
    value = os.environ.get(EXTRACT_PROCESSES_ENV, "").strip()
    if value.isdigit() and int(value) <= 16:
        return int(value)
    if value:
        log.warning("%s=%r is not a number from 0 to 16: %d extraction process(es)",
                    EXTRACT_PROCESSES_ENV, value, EXTRACT_PROCESSES)
    return EXTRACT_PROCESSES


class Extractor:
    """EXTRACT_PROCESSES processes extracting the report pages queued in the writer while it
    stores the ones before them (extraction is pure: same page, same result). Attachments and
    anything else are extracted in the writer itself, as is everything once a process died."""

    def __init__(self, processes: Optional[int] = None):
        if processes is None:
            processes = extract_processes()
        self.workers: list[_ExtractionProcess] = []
        if processes > 0:
            import multiprocessing

            context = multiprocessing.get_context("spawn")
            self.workers = [_ExtractionProcess(context) for _ in range(processes)]
        self.turn = 0

    def submit(self, item: Any, alias: Any):
        if (not self.workers or getattr(item, "kind", None) != ARTICLE or item.cached or item.retrying
                or item.body is None or item.status == NOT_MODIFIED):
            return None
        url = alias_url(item.url, tuple(alias) if alias else None)
        self.turn = (self.turn + 1) % len(self.workers)
        try:
            return url, self.workers[self.turn].submit(item.body, url, item.content_type)
        except Exception:  # noqa: BLE001 (a process died: extract in the writer from now on)
            self.broken()
            return None

    def broken(self) -> None:
        if self.workers:
            log.warning("an extraction process stopped: the archive writer extracts the pages itself")
            workers, self.workers = self.workers, []
            for worker in workers:
                worker.stop()

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.workers = []


class PrefetchingPipeline(ArchivePipeline):
    """ArchivePipeline taking a report page's extraction from the Extractor when it did it."""

    prefetched = None  # (url, future) of the item being processed
    extractor: Optional[Extractor] = None

    def extract(self, body, url, content_type, filename=None):
        pending, self.prefetched = self.prefetched, None
        if pending is None or filename is not None or pending[0] != url:
            return super().extract(body, url, content_type, filename)
        try:
            outcome = pickle.loads(pending[1].result())
        except Exception:  # noqa: BLE001 (the process died: do it here)
            if self.extractor is not None:
                self.extractor.broken()
            return super().extract(body, url, content_type, filename)
        if outcome[0] == "ok":
            provide_grams(*outcome[2])
            return outcome[1]
        if outcome[0] == "unreadable":
            raise UnreadableInput(outcome[1])
        raise type(outcome[1], (Exception,), {})(outcome[2])


class _Spider:
    """What ArchivePipeline.open_spider reads of a spider."""

    def __init__(self, portal: str, start_urls: list[str]):
        self.portal, self.start_urls = portal, list(start_urls)


_REAL_STDERR = 2


def _main() -> int:
    read_fd, write_fd = int(sys.argv[1]), int(sys.argv[2])
    # What the writer says goes through the crawl process (sys.stderr is replaced); what its
    # helpers would print on the terminal (multiprocessing's resource tracker when an
    # extraction process is killed: a traceback) goes nowhere. The real stderr is kept for
    # the writer's own last line.
    global _REAL_STDERR
    _REAL_STDERR = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    profile = os.environ.get(PROFILE_ENV)
    if not profile:
        return writer_main(read_fd, write_fd)
    import cProfile

    profiler = cProfile.Profile()
    try:
        return profiler.runcall(writer_main, read_fd, write_fd)
    finally:
        profiler.dump_stats(profile)


if __name__ == "__main__":
    try:
        sys.exit(_main())
    except Exception as exc:  # noqa: BLE001 (one line: the crawl process reports the exit status)
        os.write(_REAL_STDERR, f"xxgk: archive writer process failed: {type(exc).__name__}: {exc}\n".encode())
        os._exit(70)
