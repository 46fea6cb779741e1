"""Bytes → text for portal pages and plain-text files.

Government portals serve UTF-8, GBK, GBK labelled gb2312, and GB18030, often with a
missing or wrong charset. Declarations are followed when the bytes agree with them;
otherwise the bytes themselves decide, because a strict UTF-8 or GB18030 decode of a
whole page almost never succeeds by accident.
"""
from __future__ import annotations

import encodings
import re

from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
    to_unicode,
)

UTF8 = "utf-8"
GB18030 = "gb18030"
# Labels of GB2312/GBK/GB18030 (normalised as by encodings.normalize_encoding, lower case).
# All decode as GB18030, their superset: real "gb2312" pages use GBK-only characters (镕).
# w3lib resolves most of them already; these catch the ones it does not (x-gbk, …).
GB_LABELS = frozenset(
    {
        "gb2312", "gb_2312", "gb_2312_80", "csgb2312", "chinese", "iso_ir_58",
        "gbk", "x_gbk", "cp936", "ms936", "windows_936", "euc_cn", "x_euc_cn", "zh_cn",
        "gb18030",
    }
)
# Single-byte Western labels: on a Chinese portal these are server defaults, not facts,
# so they only win when the page is neither valid UTF-8 nor valid GB18030.
WEAK_ENCODINGS = frozenset({"cp1252", "latin-1", "iso8859-1", "ascii"})
WIDE_UNICODE_PREFIXES = ("utf-16", "utf-32")
META_SCAN_BYTES = 4096
# A page whose non-ASCII bytes are this many times more often valid UTF-8 than not is
# UTF-8 with a few damaged bytes (GBK read as UTF-8 scores about 0.2).
NEAR_UTF8_RATIO = 20

_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?\s*([\w-]+)", re.IGNORECASE)
_META_CHARSET_RE = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([\w-]+)", re.IGNORECASE)


def _canonical(label: str | None) -> str | None:
    """Python codec name for a charset label; every GB label becomes gb18030."""
    if not label:
        return None
    if encodings.normalize_encoding(label).lower() in GB_LABELS:
        return GB18030
    resolved = resolve_encoding(label)
    if resolved is None:
        return None
    return GB18030 if resolved in GB_LABELS else resolved


def _header_encoding(content_type: str | None) -> str | None:
    """Charset of the Content-Type header (w3lib first; raw label only for GB aliases)."""
    if not content_type:
        return None
    enc = http_content_type_encoding(content_type)
    if enc is None and (m := _HEADER_CHARSET_RE.search(content_type)):
        enc = _canonical(m.group(1))
    return _canonical(enc)


def _meta_encoding(body: bytes) -> str | None:
    """Charset of a <meta> (charset or http-equiv) in the first few KB."""
    head = body[:META_SCAN_BYTES]
    enc = html_body_declared_encoding(head)
    if enc is None and (m := _META_CHARSET_RE.search(head)):
        enc = _canonical(m.group(1).decode("ascii"))
    return _canonical(enc)


def _strict(data: bytes, encoding: str) -> str | None:
    """Text if `data` decodes cleanly in `encoding`, else None."""
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _utf8(data: bytes) -> str | None:
    """UTF-8 text if the bytes are UTF-8, allowing a few damaged bytes (stray or cut-off)."""
    text = _strict(data, UTF8)
    if text is not None:
        return text
    text = data.decode(UTF8, "replace")
    bad = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return text if non_ascii - bad >= NEAR_UTF8_RATIO * bad else None


def _last_resort(data: bytes, preferred: list[str]) -> tuple[str, str]:
    """Lossy decode: the candidate with the fewest U+FFFD, ties going to GB18030.

    A UTF-8 page with one stray or truncated byte stays readable instead of
    turning into GB18030 mojibake.
    """
    best: tuple[int, int, str, str] | None = None
    candidates = [GB18030] + [enc for enc in preferred if enc != GB18030]
    for rank, enc in enumerate(candidates):
        try:
            text = to_unicode(data, enc)
        except LookupError:
            continue
        key = (text.count("\ufffd"), rank, text, enc)
        if best is None or key[:2] < best[:2]:
            best = key
    assert best is not None  # gb18030 always exists
    return best[2], best[3]


def _from_bom(data: bytes) -> tuple[str, str] | None:
    enc, bom = read_bom(data)
    if enc is None or bom is None:
        return None
    rest = data[len(bom):]
    text = _strict(rest, enc)
    return (text if text is not None else rest.decode(enc, "replace")), enc


def _decode(data: bytes, declared: list[str]) -> tuple[str, str]:
    """Declared encodings in order, checked against the bytes, then UTF-8, then GB18030."""
    ascii_compatible = [enc for enc in declared if not enc.startswith(WIDE_UNICODE_PREFIXES)]
    if data.isascii():
        return data.decode("ascii"), (ascii_compatible[0] if ascii_compatible else UTF8)
    utf8_text = _utf8(data)
    for enc in declared:
        if enc in WEAK_ENCODINGS:
            continue
        if enc.startswith(WIDE_UNICODE_PREFIXES):
            # UTF-16/32 without a BOM: believable only if ASCII markup left NUL bytes.
            if b"\x00" in data and (text := _strict(data, enc)) is not None:
                return text, enc
            continue
        text = _strict(data, enc)
        if text is not None:
            # Non-ASCII GBK bytes are (practically) never valid UTF-8, so a page that is
            # (almost) valid UTF-8 is UTF-8 even when a stale meta says gb2312.
            if enc != UTF8 and utf8_text is not None:
                return utf8_text, UTF8
            return text, enc
    if utf8_text is not None:
        return utf8_text, UTF8
    text = _strict(data, GB18030)
    if text is not None:
        return text, GB18030
    for enc in declared:  # a Western page really declared as such
        if enc in WEAK_ENCODINGS and (text := _strict(data, enc)) is not None:
            return text, enc
    return _last_resort(data, declared + [UTF8])


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(text, encoding) of an HTML page: BOM → header charset → meta charset → UTF-8 → GB18030.

    A declaration the bytes contradict is dropped for whichever of UTF-8/GB18030
    decodes the whole body cleanly; wrong charsets are common on portals.
    """
    from_bom = _from_bom(body)
    if from_bom is not None:
        return from_bom
    declared: list[str] = []
    for enc in (_header_encoding(content_type), _meta_encoding(body)):
        if enc is not None and enc not in declared:
            declared.append(enc)
    return _decode(body, declared)


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a plain-text file: BOM → strict UTF-8 → GB18030."""
    from_bom = _from_bom(data)
    if from_bom is not None:
        return from_bom
    return _decode(data, [])
