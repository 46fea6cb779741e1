"""WARC records of an exchange (crawler/warc.py): written directly, they are the bytes warcio
writes (record ids and dates aside), and warcio reads them back; a header that is not ASCII
takes warcio's own way (it %-encodes it)."""
from __future__ import annotations

import re
import zlib

import pytest
from scrapy.http import Request, Response
from warcio.archiveiterator import ArchiveIterator

from crawler import warc

URL = "http://127.0.0.1:8080/art/2021/1/2/art_1229000001_1.html?x=1&y=%E5%B9%B4"
PAGE = "<html><body>政府信息公开工作年度报告</body></html>".encode("utf-8")


def exchanges():
    plain = Request(URL, headers={"User-Agent": "xxgk-archive/0.1", "Accept-Encoding": "gzip, deflate"})
    posted = Request(URL, method="POST", body=b"a=1&b=2", headers={"Host": "example.gov.cn"})
    yield plain, Response(URL, status=200, body=PAGE, request=plain,
                          headers={"Content-Type": "text/html; charset=utf-8", "Set-Cookie": ["a=1", "b=2"],
                                   "Transfer-Encoding": "chunked"})
    yield plain, Response(URL, status=302, body=b"", request=plain, headers={"Location": "/other"})
    yield posted, Response(URL, status=404, body=b"not here", request=posted)
    yield plain, Response(URL, status=599, body=PAGE * 50, request=plain)


def members(data: bytes) -> list[bytes]:
    out = []
    while data:
        inflate = zlib.decompressobj(zlib.MAX_WBITS + 16)
        out.append(inflate.decompress(data))
        data = inflate.unused_data
    return out


def normalised(records: list[bytes]) -> list[bytes]:
    """Record ids numbered in the order they appear, dates blanked."""
    ids: dict[bytes, bytes] = {}
    out = []
    for record in records:
        record = re.sub(rb"<urn:uuid:[0-9a-f-]+>", lambda m: ids.setdefault(m.group(0), b"<id%d>" % len(ids)), record)
        out.append(re.sub(rb"WARC-Date: [0-9TZ:-]+", b"WARC-Date: -", record))
    return out


@pytest.mark.parametrize("request_, response", list(exchanges()))
def test_records_are_the_bytes_warcio_writes(tmp_path, request_, response):
    file = warc.WarcWriterFile(str(tmp_path), "p", 1)
    start = file.size()
    file.write_exchange(request_, response)
    file.close()
    ours = (tmp_path / file.name).read_bytes()[start:]
    target = request_.url.split("8080", 1)[1]
    theirs = file._exchange_by_warcio(request_, response, "127.0.0.1:8080", target,
                                      f"{response.status} {warc._reason(response.status)}")
    assert normalised(members(ours)) == normalised(members(theirs))
    assert len(members(ours)) == 2


def test_records_read_back_with_warcio(tmp_path):
    file = warc.WarcWriterFile(str(tmp_path), "p", 1)
    offsets = [file.write_exchange(req, resp) for req, resp in exchanges()]
    file.close()
    with open(tmp_path / file.name, "rb") as fh:
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
                   for r in ArchiveIterator(fh, check_digests="raise")]
    assert [kind for kind, _, _ in records] == ["warcinfo"] + ["response", "request"] * 4
    assert records[1] == ("response", URL, PAGE)
    assert warc.read_record(str(tmp_path / file.name), offsets[0])[4] == PAGE


def test_a_header_that_is_not_ascii_goes_warcios_way(tmp_path):
    req = Request(URL)
    resp = Response(URL, status=200, body=b"%PDF", request=req,
                    headers={"Content-Disposition": 'attachment; filename="年报.pdf"'.encode("utf-8")})
    file = warc.WarcWriterFile(str(tmp_path), "p", 1)
    offset = file.write_exchange(req, resp)
    file.close()
    headers = dict(warc.read_record(str(tmp_path / file.name), offset)[3])
    assert headers["Content-Disposition"].startswith("attachment; filename*=UTF-8''")  # RFC 8187, by warcio
