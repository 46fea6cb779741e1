import codecs

import pytest

from pipelines.decode import decode_html, decode_text

BODY = "朱镕基 政府信息公开工作年度报告 一、总体情况"  # 镕 is GBK-only (not in GB2312)


def page(meta: str = "") -> str:
    return f"<html><head>{meta}<title>年报</title></head><body><p>{BODY}</p></body></html>"


META_GB2312 = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
META_UTF8 = '<meta charset="utf-8">'

CASES = {
    "utf-8 with meta": (page(META_UTF8).encode("utf-8"), None, "utf-8"),
    "utf-8 without meta or header": (page().encode("utf-8"), None, "utf-8"),
    "utf-8 with header": (page().encode("utf-8"), "text/html; charset=UTF-8", "utf-8"),
    "gbk, meta gb2312, no header charset": (page(META_GB2312).encode("gbk"), "text/html", "gb18030"),
    "gbk, no declaration at all": (page().encode("gbk"), None, "gb18030"),
    "gbk bytes, header wrongly says utf-8": (page(META_GB2312).encode("gbk"), "text/html; charset=utf-8", "gb18030"),
    "gbk bytes, header and meta wrongly say utf-8": (page(META_UTF8).encode("gbk"), "text/html; charset=utf-8", "gb18030"),
    "header right (gbk), meta wrong (utf-8)": (page(META_UTF8).encode("gbk"), "text/html; charset=GBK", "gb18030"),
    "header right (utf-8), meta wrong (gb2312)": (page(META_GB2312).encode("utf-8"), "text/html; charset=utf-8", "utf-8"),
    "utf-8 bytes under a stale gb2312 meta": (page(META_GB2312).encode("utf-8"), None, "utf-8"),
    "header label x-gbk": (page().encode("gbk"), "text/html; charset=x-gbk", "gb18030"),
    "header latin-1 on gbk bytes": (page().encode("gbk"), "text/html; charset=ISO-8859-1", "gb18030"),
}


@pytest.mark.parametrize(("body", "content_type", "encoding"), list(CASES.values()), ids=list(CASES))
def test_decode_html_text(body, content_type, encoding):
    text, _used = decode_html(body, content_type)
    assert BODY in text


@pytest.mark.parametrize(("body", "content_type", "encoding"), list(CASES.values()), ids=list(CASES))
def test_decode_html_encoding_name(body, content_type, encoding):
    _text, used = decode_html(body, content_type)
    assert used == encoding


@pytest.mark.parametrize("label", ["gb2312", "GBK", "gb_2312-80", "x-gbk", "cp936", "GB18030"])
def test_gb_labels_decode_as_gb18030(label):
    body = page(f'<meta charset="{label}">').encode("gb18030")
    assert decode_html(body) == (page(f'<meta charset="{label}">'), "gb18030")


def test_gb18030_only_character():
    text = page(META_GB2312).replace(BODY, "𠀀 " + BODY)
    assert decode_html(text.encode("gb18030")) == (text, "gb18030")


def test_gbk_euro_byte_0x80():
    # Windows cp936 writes € as the single byte 0x80, which Python's gbk cannot encode.
    body = page(META_GB2312).encode("gbk").replace(BODY.encode("gbk"), b"\x80" + BODY.encode("gbk"))
    assert "€" + BODY in decode_html(body)[0]


def test_utf8_bom_is_stripped():
    body = codecs.BOM_UTF8 + page(META_GB2312).encode("utf-8")
    assert decode_html(body, "text/html; charset=gbk") == (page(META_GB2312), "utf-8")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_bom(codec):
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    assert decode_html(bom + page().encode(codec)) == (page(), codec)


def test_utf16_header_without_nul_bytes_is_ignored():
    assert decode_html(page().encode("gbk"), "text/html; charset=utf-16") == (page(), "gb18030")


def test_ascii_page_uses_declared_encoding_name():
    assert decode_html(b"<html>ok</html>", "text/html; charset=gbk") == ("<html>ok</html>", "gb18030")


def test_undecodable_bytes_fall_back_to_replacement():
    text, used = decode_html(b"<p>\xff\xff\xff</p>")
    assert (text.startswith("<p>"), "\ufffd" in text, used) == (True, True, "gb18030")


def test_utf8_with_a_stray_gbk_byte_keeps_utf8():
    body = page(META_UTF8).encode("utf-8").replace(b"<p>", b"<p>\xb1")
    text, used = decode_html(body)
    assert (BODY in text, used) == (True, "utf-8")


def test_truncated_utf8_keeps_utf8():
    body = page(META_UTF8).encode("utf-8") + "报".encode("utf-8")[:2]
    text, used = decode_html(body)
    assert (BODY in text, used) == (True, "utf-8")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (BODY.encode("utf-8"), (BODY, "utf-8")),
        (BODY.encode("gbk"), (BODY, "gb18030")),
        (("𠀀" + BODY).encode("gb18030"), ("𠀀" + BODY, "gb18030")),
        (codecs.BOM_UTF8 + BODY.encode("utf-8"), (BODY, "utf-8")),
        (codecs.BOM_UTF16_LE + BODY.encode("utf-16-le"), (BODY, "utf-16-le")),
        (b"plain ascii", ("plain ascii", "utf-8")),
    ],
)
def test_decode_text(data, expected):
    assert decode_text(data) == expected
