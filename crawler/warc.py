"""WARC captures: every HTTP exchange of a crawl, bodies as received.

A downloader middleware placed next to the downloader (after redirects, retries and
decompression in the response path), so it sees each redirect hop and the raw,
still-compressed body. Each response is written as a request + response record pair
(warcio, gzip per record) and the response's file and offset are put in
`request.meta["warc"]` for the pipeline to store in `fetches`.
"""
from __future__ import annotations

import hashlib
import io
import os
import uuid
import zlib
from base64 import b32encode
from datetime import datetime, timezone
from typing import Optional
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

SOFTWARE = "xxgk-archive/0.1 (Scrapy; warcio)"
MAX_FILE_BYTES = 1024 ** 3  # start a new file past 1 GiB
# Each record is its own gzip member, compressed at zlib's default level: warcio's level 9
# took 9% more time on the reactor thread for 1% smaller files (crawl_bench pages).
GZIP_LEVEL = 6
# Scrapy decodes chunked transfer encoding before we see the body.
DROP_RESPONSE_HEADERS = frozenset((b"transfer-encoding",))


def warc_dir_for(db: str) -> str:
    """Captures live beside the archive: archive.db → archive.warc/."""
    base, _ext = os.path.splitext(os.path.abspath(db))
    return base + ".warc"


def _headers(headers) -> list[tuple[str, str]]:
    out = []
    for name, values in headers.items():
        if name.lower() in DROP_RESPONSE_HEADERS:
            continue
        for value in values:
            out.append((name.decode("latin-1"), value.decode("latin-1")))
    return out


class WarcWriterFile:
    """One gzipped WARC file being written, with a warcinfo record at its start.

    warcio writes each record uncompressed into a buffer; the file gets it as one gzip member,
    both records of an exchange in one write."""

    def __init__(self, directory: str, portal: str, serial: int):
        os.makedirs(directory, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in portal)[:60]
        self.name = f"{safe}-{stamp}-{os.getpid()}-{serial:05d}.warc.gz"
        self.path = os.path.join(directory, self.name)
        self.fh = open(self.path, "ab")
        self.buffer = io.BytesIO()
        self.writer = WARCWriter(self.buffer, gzip=False)
        info = self.writer.create_warcinfo_record(self.name, {
            "software": SOFTWARE, "format": "WARC File Format 1.1",
            "description": f"xxgk archive crawl of portal {portal}",
        })
        self.fh.write(self._member(info))
        self.fh.flush()

    def _member(self, record) -> bytes:
        """The record as one gzip member."""
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.write_record(record)
        return _gzip(self.buffer.getvalue())

    def write_exchange(self, request, response) -> int:
        """Write request + response; return the response record's offset."""
        parts = urlsplit(request.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        status_line = f"{response.status} {_reason(response.status)}"
        request_head = _http_head(f"{request.method} {target} HTTP/1.1", request.headers, parts.netloc)
        response_head = _http_head(f"HTTP/1.1 {status_line}", response.headers)
        if request_head is None or response_head is None:  # a header that is not ASCII: warcio's way
            members = self._exchange_by_warcio(request, response, parts.netloc, target, status_line)
        else:
            date, response_id = _warc_date(), _record_id()
            members = (_gzip(_record(b"response", response_id, response.url.encode("utf-8"), date, response_head,
                                     response.body))
                       + _gzip(_record(b"request", _record_id(), request.url.encode("utf-8"), date, request_head,
                                       request.body or b"", concurrent_to=response_id)))
        offset = self.fh.tell()
        self.fh.write(members)
        self.fh.flush()  # on disk before the fetches row that points here can be committed
        return offset

    def _exchange_by_warcio(self, request, response, host: str, target: str, status_line: str) -> bytes:
        """The exchange's two members as warcio writes them (it %-encodes what is not ASCII in
        a header, RFC 8187; `_record` writes the same records for every other exchange)."""
        req_headers = _headers(request.headers)
        if not any(k.lower() == "host" for k, _ in req_headers):
            req_headers.insert(0, ("Host", host))
        req_record = self.writer.create_warc_record(
            request.url, "request", payload=io.BytesIO(request.body or b""),
            http_headers=StatusAndHeaders(f"{request.method} {target} HTTP/1.1", req_headers, is_http_request=True),
        )
        resp_record = self.writer.create_warc_record(
            response.url, "response", payload=io.BytesIO(response.body),
            http_headers=StatusAndHeaders(status_line, _headers(response.headers), protocol="HTTP/1.1"),
        )
        req_record.rec_headers.replace_header("WARC-Concurrent-To", resp_record.rec_headers.get_header("WARC-Record-ID"))
        return self._member(resp_record) + self._member(req_record)

    def size(self) -> int:
        return self.fh.tell()

    def close(self) -> None:
        self.fh.close()


# -- one exchange's records, written directly ----------------------------------------------------
# warcio builds a record through several layers of objects, streams and header parsing: 0.19 ms
# of the reactor thread's time a page beside 0.16 ms of compression (measured on crawl_bench
# pages). These write the same bytes (test: byte for byte against warcio, ids and dates aside).

def _http_head(first_line: str, headers, host: Optional[str] = None) -> Optional[bytes]:
    """The HTTP head as the record holds it, or None when a header is not ASCII."""
    lines = [first_line.encode("utf-8")]
    if host is not None and b"Host" not in headers:  # Scrapy's Headers: keys case-insensitive
        lines.append(b"Host: " + host.encode("utf-8"))
    for name, values in headers.items():
        if name.lower() in DROP_RESPONSE_HEADERS:
            continue
        for value in values:
            lines.append(name + b": " + value)
    head = b"\r\n".join(lines) + b"\r\n\r\n"
    return head if head.isascii() else None


def _record_id() -> bytes:
    return b"<urn:uuid:%s>" % str(uuid.uuid4()).encode("ascii")


def _warc_date() -> bytes:
    """WARC/1.0 dates: UTC, to the second (as warcio writes them)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")


def _record(kind: bytes, record_id: bytes, uri: bytes, date: bytes, head: bytes, payload: bytes,
            concurrent_to: Optional[bytes] = None) -> bytes:
    block = hashlib.sha1(head)
    block.update(payload)
    fields = [b"WARC/1.0", b"WARC-Type: " + kind, b"WARC-Record-ID: " + record_id, b"WARC-Target-URI: " + uri,
              b"WARC-Date: " + date]
    if concurrent_to is not None:
        fields.append(b"WARC-Concurrent-To: " + concurrent_to)
    fields += [b"WARC-Payload-Digest: sha1:" + b32encode(hashlib.sha1(payload).digest()),
               b"WARC-Block-Digest: sha1:" + b32encode(block.digest()),
               b"Content-Type: application/http; msgtype=" + kind,
               b"Content-Length: %d" % (len(head) + len(payload))]
    return b"\r\n".join(fields) + b"\r\n\r\n" + head + payload + b"\r\n\r\n"


def _gzip(data: bytes) -> bytes:
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return compressor.compress(data) + compressor.flush()


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class WarcCaptureMiddleware:
    """Downloader middleware: capture every response that came over the network."""

    def __init__(self, directory: Optional[str], portal: str):
        self.directory, self.portal = directory, portal
        self.file: Optional[WarcWriterFile] = None
        self.serial = 0

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals

        settings = crawler.settings
        directory = settings.get("XXGK_WARC_DIR")
        if directory is None and settings.get("XXGK_DB"):
            directory = warc_dir_for(settings.get("XXGK_DB"))
        mw = cls(directory or None, settings.get("XXGK_PORTAL") or "crawl")
        crawler.signals.connect(mw.close, signal=signals.spider_closed)
        return mw

    def process_response(self, request, response, spider=None):
        if self.directory is None:
            return response
        if self.file is None or self.file.size() > MAX_FILE_BYTES:
            if self.file is not None:
                self.file.close()
            self.serial += 1
            self.file = WarcWriterFile(self.directory, self.portal, self.serial)
        offset = self.file.write_exchange(request, response)
        request.meta["warc"] = {"file": self.file.name, "offset": offset}
        return response

    def close(self, spider=None):
        if self.file is not None:
            self.file.close()
            self.file = None


# -- reading captures back (xxgk capture, the report page's original, re-extraction) --------

GZIP_MAGIC = b"\x1f\x8b"
CAPTURE_TYPES = ("response", "resource", "revisit")  # records that hold a captured answer


class CaptureNotFound(LookupError):
    pass


def read_record(path: str, offset: int) -> tuple[str, str, str, list[tuple[str, str]], bytes]:
    """(target URI, WARC-Date, HTTP status line, HTTP headers, body as received)."""
    name = os.path.basename(path)
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            # our WARCs are gzipped record by record: an offset that is not a member's start is
            # wrong, and warcio would read its compressed bytes as a junk uncompressed record
            if path.endswith(".gz") and fh.read(2) != GZIP_MAGIC:
                raise CaptureNotFound(f"no WARC record at {name} @ {offset}")
            fh.seek(offset)
            for record in ArchiveIterator(fh):
                http = record.http_headers
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                if record.rec_type not in CAPTURE_TYPES or not uri.startswith(("http://", "https://")):
                    raise CaptureNotFound(f"no capture at {name} @ {offset}")
                return (uri,
                        record.rec_headers.get_header("WARC-Date"),
                        http.statusline if http else "", list(http.headers) if http else [],
                        record.content_stream().read())
    except CaptureNotFound:
        raise
    except Exception as exc:  # noqa: BLE001 (damaged bytes make warcio raise anything at all)
        # warcio's messages quote the bytes it found: name the kind of failure only
        raise CaptureNotFound(f"WARC record {name} @ {offset} could not be read "
                              f"(damaged capture: {type(exc).__name__})") from None
    raise CaptureNotFound(f"no WARC record at {name} @ {offset}")


def warc_path(warc_dir: str, warc_file: str) -> str:
    """The WARC file a report names, which must be a plain file name in the WARC folder (an
    archive row is data: `../../etc/passwd` or an absolute path is refused)."""
    if (not isinstance(warc_file, str) or not warc_file or warc_file != os.path.basename(warc_file)
            or warc_file in (".", "..") or "\x00" in warc_file or "/" in warc_file or "\\" in warc_file):
        raise CaptureNotFound("the archive names an invalid WARC file")
    path = os.path.join(warc_dir, warc_file)
    if os.path.islink(path) or not os.path.isfile(path):
        raise CaptureNotFound(f"WARC file missing: {warc_file}")
    return path
