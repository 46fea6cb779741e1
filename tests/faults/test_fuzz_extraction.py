"""Property-based fuzzing (hypothesis) of the pure extraction steps: any bytes or text give a
result or a clean error (`UnreadableInput`), never another exception, and never an output
larger than a bound proportional to the input.

Fixed seed (derandomize) and a few hundred examples per target, so `make test` is
reproducible and quick. The inputs mix raw bytes, text in the scripts the portals use, and
HTML / `|`-table fragments with spans, so the generators reach past the first parse.
"""
from __future__ import annotations

import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines import dates, numbers
from pipelines.decode import decode_html, decode_text
from pipelines.document import Table
from pipelines.errors import UnreadableInput
from pipelines.limits import MAX_DOCUMENT_CELLS, MAX_SPAN_AREA
from pipelines.readers.html import from_html
from pipelines.readers.text import from_text
from pipelines.report import extract_bytes
from pipelines.templates import extract_tables

FUZZ = settings(max_examples=300, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Characters of real reports: CJK, full-width digits and punctuation, Chinese numerals,
# date and table words, ASCII digits and separators.
WORDS = ["政府信息公开", "年度报告", "统计指标", "单位", "统计数", "件", "万元", "总计", "其中：",
         "一、", "（二）", "3.", "2017年", "二〇一八年二月二十七日", "成文日期：", "索引号：",
         "１２３", "－", "—", "/", "+2", "-1", "1,234", "0.35", "年", "月", "日", " ", "\u3000",
         "\n", "|", "<br>", "&nbsp;"]
text_st = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=6)), max_size=40).map("".join)


@st.composite
def html_st(draw) -> str:
    """A page of nested tags, tables with random spans, and text."""
    def cell() -> str:
        tag = draw(st.sampled_from(["td", "th"]))
        attrs = ""
        for name in draw(st.lists(st.sampled_from(["rowspan", "colspan"]), max_size=2, unique=True)):
            value = draw(st.one_of(st.integers(-3, 300).map(str), st.text(max_size=4),
                                   st.sampled_from(["", "x", "1e3", "99999999999999999999", "²", "١٢", "0000000000000002"])))
            attrs += f' {name}="{value}"'
        return f"<{tag}{attrs}>{draw(text_st)}</{tag}>"

    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["table", "p", "div", "raw"]))
        if kind == "table":
            rows = draw(st.integers(0, 6))
            parts.append("<table>" + "".join(
                "<tr>" + "".join(cell() for _ in range(draw(st.integers(0, 6)))) + "</tr>"
                for _ in range(rows)) + "</table>")
        elif kind == "raw":
            parts.append(draw(st.text(max_size=40)))
        else:
            parts.append(f"<{kind}>{draw(text_st)}</{kind}>")
    head = draw(st.sampled_from(["", "<title>2017年政府信息公开工作年度报告</title>", '<meta charset="gbk">']))
    return f"<html><head>{head}</head><body><div id='zoom'>{''.join(parts)}</div></body></html>"


MAGIC = [b"", b"%PDF-1.4\n", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"{\\rtf", b"\xef\xbb\xbf",
         b"\xff\xfe", b"<html>"]
bytes_st = st.one_of(
    st.binary(max_size=2048),
    st.tuples(st.sampled_from(MAGIC), st.binary(max_size=512)).map(lambda t: t[0] + t[1]),
    html_st().flatmap(lambda h: st.sampled_from(["utf-8", "gb18030", "utf-16"]).map(
        lambda enc: h.encode(enc, "replace"))),
    text_st.map(lambda t: t.encode("utf-8")),
)


def grid_chars(blocks) -> tuple[int, int]:
    cells = chars = 0
    for block in blocks:
        if isinstance(block, Table):
            cells += sum(len(r) for r in block.rows)
            chars += sum(len(c) for r in block.rows for c in r)
        else:
            chars += len(block)
    return cells, chars


@FUZZ
@given(bytes_st, st.sampled_from([None, "text/html", "text/html; charset=gbk", "text/html; charset=x-bogus"]))
def test_decode(data: bytes, content_type) -> None:
    for text, encoding in (decode_html(data, content_type), decode_text(data)):
        assert isinstance(text, str) and isinstance(encoding, str)
        assert len(text) <= len(data) + 1


@FUZZ
@given(st.one_of(html_st(), text_st, st.text(max_size=500)))
def test_document(text: str) -> None:
    for doc in (from_html(text), from_text(text)):
        cells, chars = grid_chars(list(doc.blocks) + list(doc.header_blocks))
        assert cells <= MAX_DOCUMENT_CELLS
        # a span repeats its cell's text, at most MAX_SPAN_AREA times
        assert chars <= MAX_SPAN_AREA * (len(text) + 1)
        assert all(isinstance(line, str) for line in doc.limits)


@FUZZ
@given(st.one_of(html_st(), text_st), st.one_of(st.none(), st.integers(1900, 2100)))
def test_tables(text: str, year) -> None:
    doc = from_html(text) if text.startswith("<html>") else from_text(text)
    template, cells = extract_tables(doc.blocks, year)
    assert template in ("pre2019", "2019", "2021", "unknown")
    assert len(cells) <= grid_chars(doc.blocks)[0]
    for cell in cells:
        assert cell.value is None or isinstance(cell.value, (int, float))


@FUZZ
@given(st.one_of(text_st, st.text(max_size=80)))
def test_dates(text: str) -> None:
    for iso in (dates.parse_date(text), dates.find_signed_date(text)):
        if iso is not None:
            dt.date.fromisoformat(iso)
    for start, end, iso in dates.find_dates(text):
        assert 0 <= start < end <= len(text)
        dt.date.fromisoformat(iso)
    year = dates.year_of(text)
    assert year is None or isinstance(year, int)


@FUZZ
@given(st.one_of(text_st, st.text(max_size=30),
                 st.from_regex(r"\s*[+\-－]?\s*[0-9０-９,，.．]{0,12}\s*(元|万元|件|%|％)?\s*", fullmatch=True)))
def test_numbers(text: str) -> None:
    value = numbers.parse_number(text)
    assert value is None or isinstance(value, (int, float))
    if isinstance(value, int):  # digits of the input, no more
        assert len(str(abs(value))) <= len(text)
    unit = numbers.inline_unit(text)
    assert unit is None or unit in text.translate(numbers._FULLWIDTH)


@FUZZ
@given(bytes_st)
def test_extract_bytes(data: bytes) -> None:
    try:
        result = extract_bytes(data, "fuzz.html")
    except UnreadableInput as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    out = json.dumps(result.to_json(), ensure_ascii=False)
    assert len(out) <= MAX_SPAN_AREA * (len(data) + 1) + 10_000
    assert all(isinstance(e, str) and "\n" not in e for e in result.errors)
