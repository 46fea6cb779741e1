"""The chaos portal: a real loopback HTTP server in front of a portal (the demo portal or
any object with the same `handle(method, path, query, body, headers)`), that misbehaves on
purpose, per request, at a set rate with a fixed seed.

Whether a request is faulted is decided from (seed, method, path, query, body, how many
times that request was made before), never from arrival order: the same crawl against the
same seed meets the same faults however Scrapy orders its requests.

Faults (KINDS): 500; 503 and 429 with Retry-After; a connection reset; a stall past the
client's timeout; a truncated body; a gzip bomb; a redirect loop; a redirect off-site (to
another port that serves the same pages, so a crawler that followed it would archive them);
a wrong charset in Content-Type. `endless` adds a 下一页 chain without end to list pages.
"""
from __future__ import annotations

import contextlib
import gzip
import hashlib
import re
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator, Optional
from urllib.parse import unquote, urlsplit

FAILING = ("500", "503", "429", "reset", "stall", "truncate", "gzip_bomb", "loop", "offsite")
KINDS = FAILING + ("charset",)

# What the crawler must write in fetches.error for each fault (charset is not an error).
REASONS = {
    "500": r"HTTP 500",
    "503": r"HTTP 503, Retry-After 1 s",
    "429": r"HTTP 429, Retry-After 1 s",
    "reset": r"Connection|connection|closed|lost|reset",
    "stall": r"took longer than|timeout|Timeout",
    "truncate": r"DataLoss|PotentialDataLoss|ResponseFailed|Connection|closed",
    "gzip_bomb": r"DOWNLOAD_MAXSIZE|max size",
    "loop": r"redirect loop",
    "offsite": r"redirect off-site",
}

_BOMB: Optional[bytes] = None
BOMB_BYTES = 96 * 1024 * 1024   # past Scrapy's DOWNLOAD_MAXSIZE (64 MB) once inflated


def gzip_bomb() -> bytes:
    """96 MB of zeros in about 100 KB (made once per process)."""
    global _BOMB
    if _BOMB is None:
        _BOMB = gzip.compress(b"\0" * BOMB_BYTES, compresslevel=9, mtime=0)
    return _BOMB


@dataclass
class Fault:
    kind: str
    method: str
    path: str
    query: str

    @property
    def target(self) -> str:
        return self.path + (f"?{self.query}" if self.query else "")


@dataclass
class Chaos:
    """Decides and logs faults for one portal. rate: share of requests faulted."""

    portal: object
    rate: float = 0.0
    seed: int = 0
    kinds: tuple[str, ...] = KINDS
    stall_s: float = 3.0
    offsite_base: Optional[str] = None
    endless: bool = False
    exempt: tuple[str, ...] = ("/robots.txt",)
    log: list[Fault] = field(default_factory=list)
    seen: Counter = field(default_factory=Counter)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def decide(self, method: str, path: str, query: str, body: bytes) -> Optional[str]:
        key = f"{method} {path}?{query} {body!r}"
        with self.lock:
            self.requests += 1
            attempt = self.seen[key]
            self.seen[key] += 1
        if path in self.exempt or path.startswith("/chaos/") or not self.rate:
            return None
        digest = hashlib.sha256(f"{self.seed}|{key}|{attempt}".encode()).digest()
        roll, pick = struct.unpack(">QQ", digest[:16])
        if roll / 2**64 >= self.rate:
            return None
        kind = self.kinds[pick % len(self.kinds)]
        if kind == "offsite" and not self.offsite_base:
            return None
        with self.lock:
            self.log.append(Fault(kind, method, path, query))
        return kind


_NEXT_CHAIN = re.compile(rb"</body>", re.I)


def _handler(chaos: Chaos) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "chaos"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, status: int, headers: dict, data: bytes, send_body: bool = True) -> None:
            # One request per connection: a client reuses a kept-alive connection and silently
            # re-sends a request reset on it, so a reset fault would never reach the crawler.
            self.close_connection = True
            headers = dict(headers, Connection="close")
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if send_body and status != 304:
                self.wfile.write(data)

        def _answer(self, send_body: bool = True) -> None:
            url = urlsplit(self.path)
            path, query = unquote(url.path), url.query
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            kind = chaos.decide(self.command, path, query, body)
            target = self.path
            if kind == "500":
                return self._send(500, {"Content-Length": "5", "Content-Type": "text/plain"}, b"chaos")
            if kind in ("503", "429"):
                return self._send(int(kind), {"Retry-After": "1", "Content-Length": "0"}, b"")
            if kind == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                return
            if kind == "stall":
                time.sleep(chaos.stall_s)
                self.close_connection = True
                return
            if kind == "loop":
                return self._send(302, {"Location": target, "Content-Length": "0"}, b"")
            if kind == "offsite":
                return self._send(302, {"Location": chaos.offsite_base + target, "Content-Length": "0"}, b"")
            if kind == "gzip_bomb":
                bomb = gzip_bomb()
                return self._send(200, {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip",
                                        "Content-Length": str(len(bomb))}, bomb, send_body)
            if path.startswith("/chaos/endless/"):
                return self._send(*endless_page(chaos.portal, int(path.rsplit("/", 1)[-1] or 0)), send_body)
            status, headers, data = chaos.portal.handle(self.command, path, query, body, dict(self.headers.items()))
            headers = dict(headers)
            if chaos.endless and status == 200 and b"<datastore>" not in data and b"<recordset>" not in data \
                    and path.startswith("/col/"):
                data = _NEXT_CHAIN.sub('<a href="/chaos/endless/1">下一页</a></body>'.encode(), data, count=1)
                headers["Content-Length"] = str(len(data))
            if kind == "charset":
                declared = headers.get("Content-Type", "text/html")
                wrong = "gbk" if "utf-8" in declared.lower() else "utf-8"
                headers["Content-Type"] = declared.split(";")[0] + f"; charset={wrong}"
            if kind == "truncate" and data:
                headers["Content-Length"] = str(len(data))
                headers["Connection"] = "close"
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            return self._send(status, headers, data, send_body)

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def do_HEAD(self) -> None:
            self._answer(False)

    return Handler


def endless_page(portal, n: int) -> tuple[int, dict, bytes]:
    """Page n of a list that always has a next page; it links one of the portal's reports."""
    reports = getattr(portal, "reports", ())
    link = ""
    if reports:
        report = reports[n % len(reports)]
        link = f"<li><a href='{report.art_path}'>{report.title}</a></li>"
    html = (f"<html><head><meta charset='utf-8'><title>列表 第{n}页</title></head><body>"
            f"<ul>{link}</ul><a href='/chaos/endless/{n + 1}'>下一页</a></body></html>").encode()
    return 200, {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(html))}, html


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass   # resets and broken pipes are what this server is for


@contextlib.contextmanager
def serve_chaos(chaos: Chaos) -> Iterator[str]:
    """The chaos portal on a free loopback port: its base URL."""
    server = _QuietServer(("127.0.0.1", 0), _handler(chaos))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="chaos-portal", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- running and watching crawls ------------------------------------------------------------

def crawl_args(start_url: str, db, *extra: str) -> list[str]:
    import sys

    return [sys.executable, "-m", "xxgk", "crawl", "--url", start_url, "--db", str(db), "-q", *extra]


def count(db, sql: str, *params) -> Optional[int]:
    """One number from the archive, or None while it cannot be read yet."""
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute(sql, params).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def snapshot(db) -> tuple[set, set]:
    """What must be equal between two archives of the same portal: reports (id, content,
    version) and every cell."""
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        reports = set(conn.execute("select id, content_sha256, version from reports"))
        cells = set(conn.execute("select report_id, table_name, row_path, column_path, value, raw from cells"))
    finally:
        conn.close()
    return reports, cells


class RemovedWatch:
    """Polls an archive while crawls run: the most reports ever seen with removed_at."""

    def __init__(self, db, every: float = 0.1):
        self.db, self.every = db, every
        self.most = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="removed-watch", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            n = count(self.db, "select count(*) from reports where removed_at is not null")
            if n:
                self.most = max(self.most, n)
            self._stop.wait(self.every)

    def __enter__(self) -> "RemovedWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        n = count(self.db, "select count(*) from reports where removed_at is not null")
        self.most = max(self.most, n or 0)


def run_until(args: list[str], db, stored: int, timeout: float = 180.0):
    """Start a crawl and return the running process once its run has started and the
    archive holds `stored` reports; fails if it ends first."""
    import subprocess

    from conftest import REPO

    runs_before = count(db, "select count(*) from crawl_runs") or 0
    log_path = f"{db}.{runs_before}.log"   # a file, not a pipe: a full pipe would block the crawl
    with open(log_path, "w") as log:
        proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=log, text=True)
    proc.log_path = log_path
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            with open(log_path) as log:
                raise AssertionError(f"the crawl ended (exit {proc.returncode}) before {stored} reports were "
                                     f"stored: {log.read()[-2000:]}")
        started = (count(db, "select count(*) from crawl_runs") or 0) > runs_before  # its row exists
        n = count(db, "select count(*) from reports") if started else None
        if n is not None and n >= stored:
            return proc
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"no {stored} reports within {timeout}s")
