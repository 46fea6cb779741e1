"""Statistics tables printed one cell per line → table grids.

Text copied or crawled out of a page (or a PDF's text layer) often keeps every table
cell on a line of its own: blank lines between cells and more between rows, a header
word broken over two lines (商业 / 企业), and a blank cell visible only as one more
blank line. Read line by line, such a table is prose; read against the templates it is
a grid, because the national forms fix the row order, the column order and the number
of value columns of every row (table 三: 7, table 四: 15, table 二: the block's header).

Two shapes are read:

* blank-line separated cells (gaps known): a wrapped cell is lines with no blank line
  between them; a row is a label followed by its values; a missing value is placed where
  a gap is one cell wider than usual (else at the row's end, the usual blank 总计);
* cells ending or starting with ``|`` one per line (``规章 |`` / ``0 |`` / ``||``):
  the pipes delimit cells, blank cells are explicit.

Blocks of an HTML page whose table was flattened into one paragraph per cell are read
the same way without gaps (`rebuild_blocks`). The result is ordinary `Table` grids in
the shape `national.py` and `tables.py` read (block title row, 信息内容 header row,
``label | values`` rows; pre-2019 统计表 header and rows), so nothing downstream knows
where a table came from. Limits: a region is at most `MAX_REGION_LINES` lines.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Iterable, Optional

from .agency import is_name
from .document import Block, Document, Table
from .numbers import BLANKS, parse_number
from .readers.text import from_text
from .templates.national import _BLOCK_TITLE_RE, _HEAD_END_RE, _HEAD_T2_RE, _HEAD_T3_RE, _HEAD_T4_RE, core_key, label_key
from .templates import (
    PRE2019_ROWS, T2_BLOCKS_2019, T2_BLOCKS_2021, T2_ROW_HEADER, T3_COLUMNS, T3_ROWS_2021, T4_COLUMNS,
)

MAX_REGION_LINES = 5000  # a statistics region longer than this is not a table
PROSE_LEN = 60           # a cell line longer than this (or with 。) is prose: the region ends
T3_WIDTH = len(T3_COLUMNS)
T4_WIDTH = len(T4_COLUMNS)
# pre-2019 统计表 headers (tables.py reads the rebuilt grid; these only find it).
PRE_LABEL_HEADERS = frozenset(("统计指标", "指标名称", "指标"))
PRE_UNIT_HEADERS = frozenset(("单位", "计量单位"))
UNITS = frozenset(("条", "件", "个", "人", "次", "人次", "篇", "万元", "元", "项", "——", "—", "-", "/", "％", "%"))

_PUNCT_END = re.compile(r"[。；;]")
_SPACES = re.compile(r"[\s\u3000]+")
_PIPE_ONLY = re.compile(r"^\|+$")
# A date alone on a line (under a signature): 2018年1月20日, 二〇一八年一月二十日, 2018-01-20.
_DATE_LINE = re.compile(r"^(?:(?:19|20)\d{2}|[〇○零一二][〇○零一二三四五六七八九]{3})\s*年.{1,3}月.{1,4}日$"
                        r"|^(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}$")


# --- template knowledge -----------------------------------------------------------------

def _keys(labels: Iterable[str]) -> frozenset[str]:
    return frozenset(core_key(lab) for lab in labels)


T2_HEADERS = _keys(h for blocks in (T2_BLOCKS_2019, T2_BLOCKS_2021) for _t, hs, _r in blocks for h in hs)
T2_ROWS = _keys(r for blocks in (T2_BLOCKS_2019, T2_BLOCKS_2021) for _t, _h, rs in blocks for r in rs)
T3_ROWS = _keys(lab for _d, lab in T3_ROWS_2021)
# Rows of table 三 that are parents (printed with no figures of their own).
T3_PARENTS = _keys(("三、本年度办理结果", "（三）不予公开", "（四）无法提供", "（五）不予处理"))
# The first row of table 三 begins so (its label may wrap after these words).
T3_FIRST = "本年新收"
T3_HEADER = _keys(p for path in T3_COLUMNS for p in path) | {core_key("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）")}
T4_HEADER = _keys(p for path in T4_COLUMNS for p in path)
PRE_ROWS = _keys(lab for _d, lab, _u in PRE2019_ROWS)
KNOWN = T2_HEADERS | T2_ROWS | T3_ROWS | T3_HEADER | T4_HEADER | PRE_ROWS | {T2_ROW_HEADER}


@lru_cache(maxsize=8192)
def _is_value(text: str) -> bool:
    """A value cell: a number (signed, with an inline unit) or an explicit blank mark."""
    return text == "" or text in BLANKS or parse_number(text) is not None


@lru_cache(maxsize=8192)
def _known_prefix(key: str) -> bool:
    return any(k.startswith(key) for k in KNOWN)


def _heading(text: str) -> Optional[str]:
    key = label_key(text)
    if _HEAD_T2_RE.match(key):
        return "二"
    if _HEAD_T3_RE.match(key):
        return "三"
    if _HEAD_T4_RE.match(key):
        return "四"
    if _HEAD_END_RE.match(key):
        return "end"
    return None


def _is_prose(text: str) -> bool:
    return len(text) > PROSE_LEN or bool(_PUNCT_END.search(text))


# --- tokens: (text, blank lines before it or None when unknown) --------------------------

Token = tuple[str, Optional[int]]


def _join(parts: list[str]) -> str:
    """Lines of one wrapped cell: CJK joined without a gap, Latin words with one space."""
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and part[0].isascii() and part[0].isalnum():
            out += " "
        out += part
    return out


def tokens_from_lines(lines: list[str]) -> tuple[list[Token], bool]:
    """(tokens, spaced): blank-line separated cells; lines with no blank line between them
    are one cell when the cells are otherwise blank-line separated (spaced). Without
    separating blank lines, a blank line is a blank cell."""
    raw: list[tuple[str, int]] = []
    gap = 0
    for line in lines:
        text = line.strip()
        if not text:
            gap += 1
            continue
        raw.append((text, gap))
        gap = 0
    spaced = sum(1 for _t, g in raw[1:] if g > 0) > len(raw) // 2
    out: list[Token] = []
    for text, g in raw:
        if spaced and out and g == 0 and not _is_value(text) and not _is_value(out[-1][0]) \
                and not _is_prose(out[-1][0]) and _heading(text) is None:
            out[-1] = (_join([out[-1][0], text]), out[-1][1])
        else:
            out.append((text, g))
    return out, spaced


def _prefix_style(lines: list[str]) -> bool:
    """Cells that start with `|` (a row's first cell has none): rows are marked."""
    piped = [l.strip() for l in lines if "|" in l and l.strip() != "|"]
    return bool(piped) and sum(1 for l in piped if l.startswith("|")) > len(piped) * 0.6


def rows_from_prefix_pipes(lines: list[str]) -> list[list[str]]:
    """`| cell` lines continue the row; a line without the pipe after a closed cell (a line
    ending with `|`) starts the next row; other lines wrap the cell above."""
    rows: list[list[str]] = []
    closed = True
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if line.startswith("|"):
            parts = line.split("|")[1:]
            if not rows:
                rows.append([])
            rows[-1].extend(p.strip() for p in parts)
        elif closed or not rows:
            rows.append([p.strip() for p in line.split("|")])
        else:
            rows[-1][-1] = _join([rows[-1][-1], line.split("|")[0]])
            rows[-1].extend(p.strip() for p in line.split("|")[1:])
        closed = line.endswith("|")
    for row in rows:  # the closing pipe of a row leaves one empty piece
        if row and row[-1] == "":
            row.pop()
    return [r for r in rows if any(r)]


def tokens_from_pipes(lines: list[str]) -> list[Token]:
    """One cell per line delimited by `|`: split the joined lines on the pipes (a heading
    line without a pipe is a cell of its own)."""
    lines = [l + "|" if "|" not in l and l.strip() and _heading(l.strip()) else l for l in lines]
    pieces = "\n".join(lines).split("|")
    return [(_join(p.split("\n")), None) for p in pieces[:-1]] + (
        [(_join(pieces[-1].split("\n")), None)] if pieces[-1].strip() else [])


def merge_wrapped(tokens: list[Token]) -> list[Token]:
    """Join a label broken over two cells when the parts together begin or make a label
    of the templates and the first part alone does not (no-gap shapes)."""
    out: list[Token] = []
    for text, gap in tokens:
        if out and text and not _is_value(text) and out[-1][0] and not _is_value(out[-1][0]):
            prev = core_key(out[-1][0])
            both = core_key(out[-1][0] + text)
            if prev not in KNOWN and _known_prefix(both) and core_key(text) not in KNOWN:
                out[-1] = (out[-1][0] + text, out[-1][1])
                continue
        out.append((text, gap))
    return out


# --- placing a row's values ----------------------------------------------------------------

class Gaps:
    """Typical blank-line counts of a region: between two cells of a row, and between a
    row's last cell and the next row."""

    def __init__(self, tokens: list[Token]) -> None:
        cell: Counter = Counter()
        row: Counter = Counter()
        for (a, _ga), (b, gb) in zip(tokens, tokens[1:]):
            if gb is None:
                continue
            if _is_value(a) and _is_value(b):
                cell[gb] += 1
            elif _is_value(a) and not _is_value(b):
                row[gb] += 1
        self.cell = cell.most_common(1)[0][0] if cell else None
        self.row = row.most_common(1)[0][0] if row else None


def place(values: list[Token], after: Optional[int], n: int, gaps: Gaps, first_base: Optional[int] = None) -> list[str]:
    """Exactly n raw values: the row's own, with blanks where the gaps show them (one
    blank cell = one more cell separator), else at the end."""
    texts = [t for t, _g in values]
    missing = n - len(texts)
    if missing <= 0:
        return texts[:n]
    if gaps.cell is not None and gaps.row is not None and all(g is not None for _t, g in values):
        step = gaps.cell + 1
        slots = []
        for i, (_t, g) in enumerate(values):
            base = gaps.cell if i or first_base is None else first_base
            slots.append(max(0, round((g - base) / step)))
        slots.append(max(0, round(((after if after is not None else gaps.row) - gaps.row) / step)))
        if sum(slots) == missing:
            out: list[str] = []
            for i, text in enumerate(texts):
                out.extend([""] * slots[i])
                out.append(text)
            out.extend([""] * slots[-1])
            return out
    return texts + [""] * missing


# --- the reader -------------------------------------------------------------------------------

def _rows_between(tokens: list[Token], i: int) -> tuple[list[Token], int]:
    """Value tokens from i on, and the index after them."""
    j = i
    while j < len(tokens) and _is_value(tokens[j][0]):
        j += 1
    return tokens[i:j], j


def read_national(tokens: list[Token], tail_gap: Optional[int] = None) -> list[Block]:
    """Tokens of tables 二/三/四 (section headings included) → heading lines and grids;
    `tail_gap`: blank lines after the last token (a blank last cell shows there)."""
    gaps = Gaps(tokens)
    blocks: list[Block] = []
    rows: list[list[str]] = []
    section: Optional[str] = None
    t2_width = 0
    t3_rows = False  # the first row of table 三 has been read (header words are done)

    def flush() -> None:
        nonlocal rows
        if rows:
            blocks.append(Table(rows))
            rows = []

    def after(j: int) -> Optional[int]:
        return tokens[j][1] if j < len(tokens) else tail_gap

    i = 0
    while i < len(tokens):
        text, _gap = tokens[i]
        head = _heading(text) if text else None
        if head is not None and not (section == "三" and core_key(text) in T3_ROWS):
            flush()
            blocks.append(text)
            section = head
            i += 1
            continue
        if not text:
            i += 1  # an explicit blank outside a row (a spanned title's other cells)
            continue
        key = core_key(text)
        if _BLOCK_TITLE_RE.match(label_key(text)):
            section = "二"
            rows.append([text])
            i += 1
            continue
        if section == "二" and key == T2_ROW_HEADER:
            headers = []
            j = i + 1
            while j < len(tokens):
                t = tokens[j][0]
                if not t:
                    j += 1
                    continue
                k = core_key(t)
                nxt = next((x for x, _g in tokens[j + 1:j + 2]), None)
                if _is_value(t) or k in T2_ROWS or _BLOCK_TITLE_RE.match(label_key(t)) \
                        or (nxt is not None and nxt != "" and _is_value(nxt) and k not in T2_HEADERS):
                    break
                headers.append(t)
                j += 1
            t2_width = len(headers)
            rows.append([text] + headers)
            i = j
            continue
        if section == "二":
            values, j = _rows_between(tokens, i + 1)
            if values or key in T2_ROWS:
                rows.append([text] + place(values, after(j), max(t2_width, 1), gaps))
            i = j
            continue
        if section == "三" and t3_rows and key in T4_HEADER and key not in T3_ROWS:
            flush()  # table 四's header right after table 三, its heading left out
            section = "四"
        if section == "三" or key.startswith(T3_FIRST):
            section = "三"
            if not t3_rows and not key.startswith(T3_FIRST):
                i += 1  # the printed header: the canonical column order is used
                continue
            t3_rows = True
            values, j = _rows_between(tokens, i + 1)
            if values:
                rows.append([text] + place(values, after(j), T3_WIDTH, gaps))
            elif key in T3_PARENTS or (key.startswith("其他处理") and j < len(tokens)
                                        and tokens[j][0] and not _is_value(tokens[j][0])
                                        and label_key(tokens[j][0])[:1].isdigit()):
                rows.append([text])
            else:
                rows.append([text] + [""] * T3_WIDTH)
            i = j
            continue
        if section == "四":
            if not _is_value(text):
                i += 1  # header words
                continue
            values, j = _rows_between(tokens, i)
            base = gaps.row
            flush()
            blocks.append(Table([place(values, after(j), T4_WIDTH, gaps, first_base=base)]))
            section = None
            i = j
            continue
        i += 1
    flush()
    return blocks


def read_pre2019(tokens: list[Token], fixed: bool, tail_gap: Optional[int] = None) -> list[Block]:
    """A 统计表 (统计指标 | 单位 | 统计数 …): the header fixes the width; rows are a label and
    the cells after it (fixed-width chunks when blanks are explicit)."""
    header: list[str] = []
    i = 0
    while i < len(tokens) and (not tokens[i][0] or core_key(tokens[i][0]) not in PRE_LABEL_HEADERS):
        i += 1
    start = i
    while i < len(tokens):
        t = tokens[i][0]
        if header and (not t or (_is_value(t) and len(header) > 2) or (i > start + 1 and core_key(t) in PRE_ROWS)):
            break
        if t:
            header.append(t)
        i += 1
        if len(header) >= 2 and core_key(header[1]) in PRE_UNIT_HEADERS and len(header) >= 3 and not fixed:
            # the value headers: up to the first row label
            while i < len(tokens) and tokens[i][0] and not _is_value(tokens[i][0]) \
                    and not _label_like(tokens[i][0]) and len(header) < 8:
                header.append(tokens[i][0])
                i += 1
            break
    width = len(header)
    if width < 3:
        return []
    rows = [header]
    gaps = Gaps(tokens[i:])
    if fixed:
        while i + width <= len(tokens):
            rows.append([t for t, _g in tokens[i:i + width]])
            i += width
        return [Table(rows)]
    while i < len(tokens):
        label = tokens[i][0]
        j = i + 1
        while j < len(tokens) and (_is_value(tokens[j][0]) or tokens[j][0] in UNITS):
            j += 1
        rows.append([label] + place(tokens[i + 1:j], tokens[j][1] if j < len(tokens) else tail_gap, width - 1, gaps))
        i = j
    return [Table(rows)]


def _label_like(text: str) -> bool:
    """A pre-2019 row label rather than a header word (numbered, or a known row)."""
    key = core_key(text)
    return key in PRE_ROWS or key != label_key(text) or len(key) > 8


# --- finding regions ----------------------------------------------------------------------------

def _national_start(text: str) -> bool:
    key = label_key(text.strip(" |"))
    return bool(_BLOCK_TITLE_RE.match(key)) or core_key(key).startswith(T3_FIRST) and len(key) < 24


def _pre_start(text: str) -> bool:
    return _SPACES.sub("", text.strip(" |")) in PRE_LABEL_HEADERS


def has_cell_lines(lines: list[str]) -> bool:
    """Cheap test: a table anchor standing alone on a line (a block title, the first row
    of table 三, or a 统计表 label header)."""
    return any(_national_start(l) or _pre_start(l) for l in lines
               if l and len(l) < 40 and ("第" in l or "本年新收" in l or "指" in l))


def _region(lines: list[str], start: int, national: bool = True) -> int:
    """Index after the last line of the table region starting near `start`: before the next
    prose line, the next section heading (五、… for tables 二–四; a 统计表's own rows are
    numbered 五、六、… so it runs on) or a signature (a body's name over a date line)."""
    end = start
    limit = min(len(lines), start + MAX_REGION_LINES)
    k = start
    named: Optional[int] = None  # where a line that could open a signature is
    while k < limit:
        line = lines[k].strip()
        if line:
            if _is_prose(line) and not core_key(line) in KNOWN:
                break
            if national and _heading(line) == "end":
                break
            if _DATE_LINE.match(line):
                return named if named is not None else end
            named = k if is_name(line) and core_key(line) not in KNOWN else None
            end = k + 1
        k += 1
    return end


def _pipe_style(lines: list[str]) -> bool:
    body = [l.strip() for l in lines if l.strip()]
    piped = [l for l in body if "|" in l]
    one_cell = [l for l in piped if len([c for c in l.split("|") if c.strip()]) <= 1]
    return bool(body) and len(piped) > len(body) // 2 and len(one_cell) > len(piped) * 0.8


def _row_per_line(lines: list[str]) -> bool:
    """Rows already on one line each (`a | b | c`): not this module's business."""
    piped = [l for l in lines if l.count("|") >= 2 and len([c for c in l.split("|") if c.strip()]) >= 2]
    return len(piped) >= 3


def split_text(lines: list[str]) -> list[tuple[bool, list]]:
    """(is_table, items) segments of a text: plain lines for the caller, or blocks of
    rebuilt tables. Lines before a table's start back to its section heading go with it."""
    if not has_cell_lines(lines) or _row_per_line(lines):
        return [(False, lines)]
    out: list[tuple[bool, list]] = []
    pos = 0
    k = 0
    while k < len(lines):
        line = lines[k].strip()
        national, pre = (_national_start(line), _pre_start(line)) if line and len(line) < 40 else (False, False)
        if not (national or pre):
            k += 1
            continue
        start = k
        if national:  # take the section heading just above (二、主动公开… / 三、收到和处理…)
            b = k - 1
            while b >= pos and (not lines[b].strip() or (b > k - 8 and _heading(lines[b]) in ("二", "三"))):
                if lines[b].strip() and _heading(lines[b]) in ("二", "三"):
                    start = b
                b -= 1
        end = _region(lines, k, national)
        if national:  # table 四 follows its own heading after 三's last row
            while end < len(lines) and _heading(lines[end].strip() or "x") is None and not lines[end].strip():
                end += 1
        part = lines[start:end]
        fixed = _pipe_style(part)
        if fixed and _prefix_style(part):
            rows = rows_from_prefix_pipes(part)
            if start > pos:
                out.append((False, lines[pos:start]))
            out.append((True, [Table(rows)] if rows else []))
            pos = k = max(end, k + 1)
            continue
        tokens, spaced = (tokens_from_pipes(part), False) if fixed else tokens_from_lines(part)
        if not spaced:
            tokens = merge_wrapped(tokens)
        last = end - 1
        while last > start and not lines[last].strip():
            last -= 1
        tail = last + 1
        while tail < len(lines) and not lines[tail].strip():
            tail += 1
        tail_gap = tail - last - 1 if tail < len(lines) and not fixed else None
        blocks = read_national(tokens, tail_gap) if national else read_pre2019(tokens, fixed, tail_gap)
        if not blocks:
            k += 1
            continue
        if start > pos:
            out.append((False, lines[pos:start]))
        out.append((True, blocks))
        pos = k = max(end, k + 1)
    if pos < len(lines):
        out.append((False, lines[pos:]))
    return out


def rebuild_blocks(blocks: list[Block]) -> list[Block]:
    """An HTML page whose statistics table is one paragraph per cell: the same reading,
    without gaps. Blocks are returned unchanged when there is nothing to rebuild."""
    lines = [b for b in blocks if isinstance(b, str)]
    if not has_cell_lines(lines):
        return blocks
    out: list[Block] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            for is_table, items in split_text(run):
                out.extend(items)
            run.clear()

    for block in blocks:
        if isinstance(block, str):
            run.append(block)
        else:
            flush()
            out.append(block)
    flush()
    return out


def text_document(text: str) -> Document:
    """The plain-text form with tables printed one cell per line rebuilt into grids; the
    rest is read by `readers.text.from_text` (rows of `|`-separated cells)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    doc = Document()
    for is_table, items in split_text(lines):
        doc.blocks.extend(items if is_table else from_text("\n".join(items)).blocks)
    return doc
