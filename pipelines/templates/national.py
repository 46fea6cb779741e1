"""Tables 二, 三 and 四 of the national templates (2019: 国办公开办函〔2019〕60号,
2021: 国办公开办函〔2021〕30号) → cells, and template detection.

Naming scheme of the cells (labels as printed, surrounding white space removed):

* table 二 — table ``二、主动公开政府信息情况``; row ``[block title, 信息内容 label]``, e.g.
  ``["第二十条第（一）项", "规章"]``; column ``[header]``, e.g. ``["本年新制作数量"]``.
  Each block has its own header row (信息内容 | …). Unit: the one printed in the cell
  (``251000元`` → 元) or in the header (``本年收费金额（单位：万元）`` → 万元), else null.
* table 三 — table ``三、收到和处理政府信息公开申请情况``; row path from the outermost
  label, e.g. ``["三、本年度办理结果", "（三）不予公开", "1.属于国家秘密"]`` or
  ``["一、本年新收政府信息公开申请数量"]``; column path from the three header rows, e.g.
  ``["申请人情况", "法人或其他组织", "商业企业"]``, ``["申请人情况", "自然人"]``,
  ``["申请人情况", "总计"]``.
* table 四 — table ``四、政府信息公开行政复议、行政诉讼情况``; row ``[]`` (the single data
  row has no label); column e.g. ``["行政复议", "总计"]``,
  ``["行政诉讼", "未经复议直接起诉", "结果维持"]``.

The tables are read as a stream of rows over every table of the body, so a table split
over several ``<table>`` elements (header in one, rows in the next) reads as one; the
section headings between tables (二、… 三、… 四、…) say which table the rows belong to.
Column headers of 三 and 四 are read from the page; when they cannot be read (text
form, header missing, header flattened) the canonical paths of ``labels.py`` are
used, and they are also used when a printed path differs from the official one other
than by spaces, character set or punctuation width, so the same column always has the
same path.

Template detection (``decide``): labels that only one template prints are counted per
registered national form (``form2019.SIGNALS_2019`` / ``form2021.SIGNALS_2021``: 本年新制作数量, 上一年项目数量, 本年增/减,
第二十条第（九）项 … vs 本年制发件数, 本年处理决定数量, 本年收费金额, the 2021 （六） sub-rows
…), plus two structural signals: （六）其他处理 printed as one row (2019) or split into
sub-rows (2021), and a table 二 with block （八） but no block （九） (2021). Labels are
compared after `label_key` (traditional → simplified for the characters of these
labels, full-width → half-width, spaces and mirror-site pinyin removed). More signals
wins; a tie (typically: only tables 三/四, which are the same in both) is decided by
the report year (2019–2020 → 2019, 2021 on → 2021); without a year it is ``unknown``
(cells are still extracted). A report with only a pre-2019 统计表 is ``pre2019``.

Spans: ``readers.html.table_grid`` repeats a spanned cell's text in every grid position, so
equal neighbouring labels are one label, and value cells are fitted to the header's
columns (a run of equal values under one spanned header is one value; an extra blank
trailing cell is dropped; a value cell shifted by a colspan collapses onto its column).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Iterable, Optional

from ..chinese import to_simplified
from ..document import Block, Table
from ..model import Cell, Number
from ..numbers import BLANKS, inline_unit, parse_number
from .base import national_forms
from .labels import T2_NAME, T2_ROW_HEADER, T3_COLUMNS, T3_NAME, T4_COLUMNS, T4_NAME

# --- label normalisation (detection and matching only; labels are kept as printed) ----

_HALF = str.maketrans("（）：，／．０１２３４５６７８９＋－　", "():,/.0123456789+- ")
_WS_RE = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
# Pinyin that mirror sites add after characters: 數(shù)據(jù).
_PINYIN_RE = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}\)")
_NUMBERING_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十]+\)|\d+[.、](?!\d)|\(\d+\)|其中:?)"
)
_STYLE_RES = (
    (0, re.compile(r"^[一二三四五六七八九十]+[、.]")),
    (1, re.compile(r"^\([一二三四五六七八九十]+\)")),
    (2, re.compile(r"^(?:\d+[.、](?!\d)|\(\d+\))")),
)
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
_UNIT_IN_HEADER_RE = re.compile(r"单位:?([^()]{1,4})\)")
_BLOCK_TITLE_RE = re.compile(r"^第二十条第\(?([一二三四五六七八九十]+)\)?项")

# Section headings (key form) in the text between tables.
_HEAD_T2_RE = re.compile(r"^二[、.]?主动公开政府信息")
_HEAD_T3_RE = re.compile(r"^三[、.]?收到和处理政府信息公开申请")
_HEAD_T4_RE = re.compile(r"^四[、.]?.{0,12}行政复议")
_HEAD_END_RE = re.compile(r"^[五六七][、.]")

# Labels that open table 三 even without its header.
_T3_STRONG = ("本年新收", "上年结转", "本年度办理结果", "结转下年度")
_T3_HEADER_WORDS = frozenset(("申请人情况", "自然人", "法人或其他组织", "商业企业", "科研机构",
                              "社会公益组织", "法律服务机构"))
_T4_HEADER_WORDS = frozenset(("行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉",
                              "结果维持", "结果纠正", "其他结果", "尚未审结"))
_T4_WIDTH = len(T4_COLUMNS)


@lru_cache(maxsize=16384)
def label_key(text: str) -> str:
    """A label for matching: simplified characters, half-width punctuation, no spaces,
    no pinyin noise."""
    key = _WS_RE.sub("", to_simplified(text).translate(_HALF))
    if "(" in key:
        key = _PINYIN_RE.sub("", key)
    return key.replace("资讯", "信息") if "资讯" in key else key


@lru_cache(maxsize=16384)
def core_key(text: str) -> str:
    """label_key without the outline numbering (一、 （一） 1. 其中：)."""
    key = label_key(text)
    return _NUMBERING_RE.sub("", key, count=1)


@lru_cache(maxsize=4096)
def label_level(text: str) -> Optional[int]:
    key = label_key(text)
    for level, pattern in _STYLE_RES:
        if pattern.match(key):
            return level
    return None


@lru_cache(maxsize=16384)
def _value(text: str) -> tuple[Optional[Number], Optional[str], bool]:
    """(number, unit printed in the cell, label-like) of a cell text, cached: the same
    few hundred texts fill every report."""
    value = parse_number(text) if text else None
    if value is not None:
        return value, inline_unit(text), False
    return None, None, bool(text) and text not in BLANKS and bool(_CJK_RE.search(text))


# Cached themselves (not only through _value): a cache hit runs no Python frame, and these
# run for every cell of every row, often as any(map(_is_number, cells)).
@lru_cache(maxsize=16384)
def _is_number(text: str) -> bool:
    return _value(text)[0] is not None


@lru_cache(maxsize=16384)
def _is_label(text: str) -> bool:
    return _value(text)[2]


def _dedupe(labels: Iterable[str]) -> list[str]:
    """Non-blank labels, a run of equal neighbours (a spanned cell) once."""
    out: list[str] = []
    last = None
    for lab in labels:
        if lab and lab != last:
            out.append(lab)
            last = lab
    return out


# --- headers and value fitting ---------------------------------------------------------

@dataclass
class Header:
    """Value columns of a table (or of a table 二 block): each a label path and the grid
    positions [start, end) it spans; `offset` is the grid index of the first value column
    (None when unknown: rows are then split where their labels end)."""

    runs: list[tuple[tuple[str, ...], int, int]]
    offset: Optional[int]
    unit: list[Optional[str]] = field(default_factory=list)

    @cached_property
    def columns(self) -> list[list[str]]:
        """Each run's path as the list a Cell holds, one per header: shared by the cells of
        its column (none mutates it; to_json copies), so a report makes ~130 lists fewer."""
        return [list(path) for path, _a, _b in self.runs]


def _runs(paths: list[tuple[str, ...]]) -> list[tuple[tuple[str, ...], int, int]]:
    while paths and not paths[-1]:
        paths.pop()
    runs: list[list] = []
    for i, path in enumerate(paths):
        if runs and runs[-1][0] == path:
            runs[-1][2] = i + 1
        else:
            runs.append([path, i, i + 1])
    return [(p, a, b) for p, a, b in runs]


def header_from_rows(rows: list[list[str]], offset: int) -> Header:
    runs, units = _header_runs(tuple(map(tuple, rows)), offset)
    return Header(list(runs), offset, list(units))


@lru_cache(maxsize=512)
def _header_runs(rows: tuple[tuple[str, ...], ...], offset: int) -> tuple[tuple, tuple]:
    """(runs, units) of header rows; cached: most reports print the same header rows."""
    width = max(len(r) for r in rows)
    paths = []
    for c in range(offset, width):
        paths.append(tuple(_dedupe(r[c].strip() if c < len(r) else "" for r in rows)))
    runs = _runs(paths)
    units = []
    for path, _a, _b in runs:
        m = _UNIT_IN_HEADER_RE.search(label_key(path[-1])) if path else None
        units.append(m.group(1) if m else None)
    return tuple(runs), tuple(units)


def canonical_header(paths: tuple[tuple[str, ...], ...]) -> Header:
    return Header([(p, i, i + 1) for i, p in enumerate(paths)], None, [None] * len(paths))


def _match_canonical(header: Header, canonical: tuple[tuple[str, ...], ...]) -> Header:
    """The printed header if it names the canonical columns (by key), in order, with
    non-matching paths replaced by the canonical labels; else the canonical header."""
    if len(header.runs) != len(canonical):
        return canonical_header(canonical)
    runs = []
    for (path, a, b), canon in zip(header.runs, canonical):
        keys = [label_key(p) for p in path]
        canon_keys = [label_key(p) for p in canon]
        if not keys or keys[-1] != canon_keys[-1]:
            return canonical_header(canonical)
        runs.append((path if keys == canon_keys else canon, a, b))
    return Header(runs, header.offset, [None] * len(runs))


def split_row(row: list[str], offset: Optional[int]) -> tuple[list[str], list[str], bool]:
    """(label cells, value cells, positional): at the header's offset when the row agrees
    with it, else where the last label-like cell ends."""
    cells = row  # already stripped by _Parser.row
    if offset is not None and offset <= len(cells):
        labels, values = cells[:offset], cells[offset:]
        if not any(map(_is_number, labels)) and not any(map(_is_label, values)):
            return labels, values, True
    last = len(cells) - 1
    while last >= 0 and not _is_label(cells[last]):
        last -= 1
    return cells[: last + 1], cells[last + 1:], False


def fit(values: list[str], header: Header, positional: bool) -> list[str]:
    """One raw value per header column."""
    runs = header.runs
    n = len(runs)
    if positional:
        width = runs[-1][2] if runs else 0
        if not any(values[width:]):
            out: list[str] = []
            for _path, a, b in runs:
                seg = values[a:b] or [""]
                first = seg[0]
                if len(seg) > 1 and seg.count(first) != len(seg):
                    break
                out.append(first)
            else:
                return out
    vals = list(values)
    while len(vals) > n and not vals[-1]:
        vals.pop()
    i = 1
    while len(vals) > n and i < len(vals):
        if vals[i] == vals[i - 1]:
            del vals[i]
        else:
            i += 1
    if len(vals) > n and positional:
        return [next((v for v in values[a:b] if v), "") for _p, a, b in runs]
    return (vals + [""] * n)[:n]


# --- the row stream ----------------------------------------------------------------------

@dataclass
class NationalResult:
    cells: list[Cell]
    keys: str  # every label key seen in the national tables, joined by "|" (for detection)
    tables: set[str]
    blocks: list[str]  # table 二 block numbers seen (一, 五, …)
    other_split: Optional[bool]  # table 三 （六）其他处理: True = sub-rows, False = one row


class _Parser:
    def __init__(self) -> None:
        self.cells: list[Cell] = []
        self.seen: set[tuple] = set()
        self.keys: list[str] = []
        self.tables: set[str] = set()
        self.blocks: list[str] = []
        self.other_split: Optional[bool] = None
        self.section: Optional[str] = None
        self.t2_block: Optional[str] = None
        self.t2_header: Optional[Header] = None
        self.t3_header: Optional[Header] = None
        self.t3_header_rows: list[list[str]] = []
        self.t3_stack: dict[int, str] = {}
        self.t3_prev_level = 0
        self.t4_header: Optional[Header] = None
        self.t4_header_rows: list[list[str]] = []
        self.t4_done = False
        self.prev_kind: Optional[str] = None

    # cells -------------------------------------------------------------------------
    def emit(self, table: str, row: list[str], header: Header, raws: list[str]) -> None:
        self.tables.add(table)
        row_key = tuple(row)
        row = list(row)  # one list for the row's cells, as pre2019_cells does: none mutates it
        seen, cells = self.seen, self.cells
        for (path, _a, _b), column, unit, raw in zip(header.runs, header.columns,
                                                     header.unit or [None] * len(raws), raws):
            if not path:
                continue
            key = (table, row_key, path)
            if key in seen:
                continue  # a second copy of the same table: keep the first
            seen.add(key)
            value, cell_unit, _label = _value(raw)
            cells.append(Cell(table, row, column, cell_unit or unit, value, raw))

    # sections ----------------------------------------------------------------------
    def heading(self, key: str) -> bool:
        if _HEAD_T2_RE.match(key):
            self.enter("二")
        elif _HEAD_T3_RE.match(key):
            self.enter("三")
        elif _HEAD_T4_RE.match(key):
            self.enter("四")
        elif _HEAD_END_RE.match(key):
            self.enter(None)
        else:
            return False
        return True

    def enter(self, section: Optional[str]) -> None:
        if section == self.section:
            return
        self.finish_t4()
        self.section = section
        if section == "四":
            self.t4_done = False

    def finish_t4(self) -> None:
        """A table 四 header with no data row (blank cells drop out of the grid): its 15
        cells are blank."""
        if self.section == "四" and self.t4_header is not None and not self.t4_done:
            self.emit(T4_NAME, [], self.t4_header, [""] * len(self.t4_header.runs))
            self.t4_done = True

    def line(self, text: str) -> None:
        self.heading(label_key(text))
        self.prev_kind = None

    # rows --------------------------------------------------------------------------
    def row(self, row: list[str]) -> None:
        cells = [c.strip() for c in row]
        distinct = _dedupe(cells)
        self.keys.extend([label_key(c) for c in distinct if _is_label(c)])
        has_number = any(map(_is_number, cells))
        keys = [] if has_number else [label_key(c) if _is_label(c) else "" for c in cells]
        kind = None
        if not has_number and len(distinct) == 1 and self.heading(label_key(distinct[0])):
            kind = "heading"
        elif not has_number and (not _T3_HEADER_WORDS.isdisjoint(keys) or any("勾稽关系" in k for k in keys)):
            kind = "t3_header"
            self.t3_header_row(cells, keys)
        elif not has_number and not _T4_HEADER_WORDS.isdisjoint(keys):
            kind = "t4_header"
            self.t4_header_row(cells, keys)
        elif has_number and _T4_WIDTH <= len(cells) <= _T4_WIDTH + 2 and not any(map(_is_label, cells)):
            kind = "t4"  # table 四 printed as one bare row of 15 values
            self.enter("四")
            self.t4_row(cells)
        elif distinct and _BLOCK_TITLE_RE.match(label_key(distinct[0])):
            kind = "t2"
            self.t2_row(cells)
        elif self.section == "三" or (distinct and core_key(distinct[0]).startswith(_T3_STRONG)):
            kind = "t3"
            self.t3_row(cells)
        elif self.section == "二" and self.t2_block is not None:
            kind = "t2"
            self.t2_row(cells)
        elif self.section == "四" and has_number:
            kind = "t4"
            self.t4_row(cells)
        self.prev_kind = kind

    def t2_row(self, cells: list[str]) -> None:
        if self.section != "二":
            self.enter("二")
        first = next((c for c in cells if c), "")
        m = _BLOCK_TITLE_RE.match(label_key(first))
        if m:
            if first != self.t2_block:
                self.t2_block, self.t2_header = first, None
                self.blocks.append(m.group(1))
            # the title may also be a left column spanning the block's rows: drop it
            k = 0
            while k < len(cells) and cells[k] in ("", first):
                k += 1
            cells = cells[k:]
            if not cells:
                return
        if label_key(cells[0]) == T2_ROW_HEADER:
            k = 0
            while k < len(cells) and cells[k] in ("", cells[0]):
                k += 1
            self.t2_header = header_from_rows([cells], k)
            return
        if self.t2_header is None or self.t2_block is None:
            return
        labels, values, positional = split_row(cells, self.t2_header.offset)
        labels = _dedupe(labels)
        if not labels or not values:
            return
        self.emit(T2_NAME, [self.t2_block] + labels, self.t2_header, fit(values, self.t2_header, positional))

    def t3_header_row(self, cells: list[str], keys: list[str]) -> None:
        self.enter("三")
        if self.prev_kind != "t3_header":
            self.t3_header_rows = []
        self.t3_header_rows.append(cells)
        offsets = [
            next((i for i, k in enumerate(rk) if k in _T3_HEADER_WORDS or k == "总计"), None)
            for rk in ([label_key(c) for c in r] for r in self.t3_header_rows)
        ]
        found = [o for o in offsets if o is not None]
        offset = min(found) if found else 0
        printed = header_from_rows(self.t3_header_rows, offset)
        self.t3_header = _match_canonical(printed, T3_COLUMNS)
        self.t3_stack, self.t3_prev_level = {}, 0

    def t3_row(self, cells: list[str]) -> None:
        if self.section != "三":
            self.enter("三")
        header = self.t3_header or canonical_header(T3_COLUMNS)
        labels, values, positional = split_row(cells, header.offset)
        labels = _dedupe(labels)
        if not labels:
            return
        levels = [label_level(lab) for lab in labels]
        first = levels[0] if levels[0] is not None else self.t3_prev_level
        path = [self.t3_stack[lv] for lv in sorted(self.t3_stack) if lv < first] + labels
        self.t3_stack = {lv: lab for lv, lab in self.t3_stack.items() if lv < first}
        level = first
        for lab, lv in zip(labels, levels):
            level = lv if lv is not None and lv >= level else level
            self.t3_stack[level] = lab
            level += 1
        self.t3_prev_level = level - 1
        if not values or (len(path) == 1 and not any(values) and core_key(path[0]).startswith("本年度办理结果")):
            return  # a label-only row (a parent printed on a row of its own)
        if len(path) >= 2 and core_key(path[1]).startswith("其他处理"):
            self.other_split = len(path) >= 3 or bool(self.other_split)
        self.emit(T3_NAME, path, header, fit(values, header, positional))

    def t4_header_row(self, cells: list[str], keys: list[str]) -> None:
        self.enter("四")
        if self.prev_kind != "t4_header":
            self.t4_header_rows = []
        self.t4_header_rows.append(cells)
        offsets = [
            next((i for i, c in enumerate(r) if label_key(c) in _T4_HEADER_WORDS), None)
            for r in self.t4_header_rows
        ]
        found = [o for o in offsets if o is not None]
        printed = header_from_rows(self.t4_header_rows, min(found) if found else 0)
        self.t4_header = _match_canonical(printed, T4_COLUMNS)
        self.t4_done = False

    def t4_row(self, cells: list[str]) -> None:
        if self.t4_done:
            return
        header = self.t4_header or canonical_header(T4_COLUMNS)
        _labels, values, positional = split_row(cells, header.offset)
        if sum(1 for v in values if v) == 0:
            return
        self.emit(T4_NAME, [], header, fit(values, header, positional))
        self.t4_done = True

    def result(self) -> NationalResult:
        self.finish_t4()
        return NationalResult(self.cells, "|".join(self.keys), self.tables, self.blocks, self.other_split)


def extract_national(blocks: list[Block], skip: Iterable[int] = ()) -> NationalResult:
    """Cells of tables 二/三/四 among the blocks; block indexes in `skip` (pre-2019
    tables) are passed over."""
    parser = _Parser()
    skipped = set(skip)
    for i, block in enumerate(blocks):
        if i in skipped:
            continue
        if isinstance(block, Table):
            for row in block.rows:
                parser.row(row)
        else:
            parser.line(block)
    return parser.result()


# --- template detection -----------------------------------------------------------------

def signals(result: NationalResult) -> dict[str, set[str]]:
    """The signals of each registered national form found in the national tables."""
    found: dict[str, set[str]] = {}
    for form in national_forms():
        hits = set(form.signal_re.findall(result.keys)) if form.signal_re else set()
        hits.update(name for name, test in form.structural if test(result))
        found[form.id] = hits
    return found


def decide(result: NationalResult, has_pre2019: bool, year_hint: Optional[int] = None) -> str:
    """The template: the national form with the most signals; on a tie the report year
    decides (the latest form in use that year: 2019–2020 → 2019, 2021 on → 2021); no
    national table → pre2019 or unknown."""
    if not result.cells:
        return "pre2019" if has_pre2019 else "unknown"
    counts = {form_id: len(hits) for form_id, hits in signals(result).items()}
    best = max(counts.values(), default=0)
    leaders = [form_id for form_id, n in counts.items() if n == best]
    if len(leaders) == 1:
        return leaders[0]
    if year_hint is not None:
        in_use = [f.id for f in national_forms() if f.first_year <= year_hint]
        if in_use:
            return in_use[-1]
    return "pre2019" if has_pre2019 else "unknown"

