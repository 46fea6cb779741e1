"""The header block (索引号, 成文日期, 发布机构 …), whatever its markup.

Real portals print it as a label/value table, as `label：value` lines (several per
line on some systems), or as a label block followed by a value block. Labels carry
ASCII or full-width spaces (索 引 号, 标　　题); they are matched with spaces removed.
"""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import islice
from typing import Iterable, Optional

from .document import Block, Document, Table

# Labels seen across portal systems (report-formats.md §4.1), as data.
KNOWN_LABELS = (
    "索引号", "主题分类", "分类", "组配分类", "体裁分类", "服务对象分类", "发文机关", "发布机构", "发文机构",
    "成文日期", "生成日期", "发文日期", "发布日期", "发布时间", "标题", "名称", "发文字号", "文号",
    "文件编号", "统一编号", "有效性", "公开方式", "公开目录", "公开范围", "主题词", "信息来源", "来源",
    "公开时限", "文件状态", "时间",
)
_LABEL_SET = frozenset(KNOWN_LABELS)
_SPACES = re.compile(r"[\s\u3000\u00a0]+")
_COLON = "：:"
# Longest first so 发布日期 wins over a shorter label sharing its start.
_LABEL_ALT = "|".join(
    "".join(re.escape(ch) + r"[\s\u3000]*" for ch in label)[: -len(r"[\s\u3000]*")]
    for label in sorted(KNOWN_LABELS, key=len, reverse=True)
)
_INLINE_RE = re.compile(rf"(?:^|(?<=[\s\u3000]))({_LABEL_ALT})[\s\u3000]*[：:][\s\u3000]*")

# Where each contract field comes from, in order of preference.
WRITTEN_DATE_LABELS = ("成文日期", "生成日期", "发文日期")
# 时间 alone: the page chrome of TRS and other portals (来源：… 时间：2025-03-10 10:00).
PUBLISHED_DATE_LABELS = ("发布日期", "发布时间", "时间")
PUBLISHER_LABELS = ("发布机构", "发文机关", "发文机构")
TITLE_LABELS = ("标题", "名称")
INDEX_LABELS = ("索引号",)
MAX_VALUE_LINE = 80  # a value on the line after its label is short; a paragraph is the body


@lru_cache(maxsize=8192)
def normalise_label(text: str) -> Optional[str]:
    """The known label a cell or line names, or None."""
    key = _SPACES.sub("", text).rstrip(_COLON)
    return key if key in _LABEL_SET else None


def from_table(table: Table) -> dict[str, str]:
    """Label cells followed by value cells, any number of pairs per row."""
    found: dict[str, str] = {}
    for row in table.rows:
        labels = list(map(normalise_label, row))
        if not any(labels):  # most rows of a statistics table: nothing to read
            continue
        i = 0
        while i < len(row):
            label = labels[i]
            if label is None:
                i += 1
                continue
            j = i + 1
            while j < len(row) and row[j] == row[i]:  # colspan copies of the label
                j += 1
            value = row[j] if j < len(row) and labels[j] is None else ""
            found.setdefault(label, value.strip())
            i = j + 1 if value else j
    return found


def from_lines(lines: Iterable[str]) -> dict[str, str]:
    """`label：value` (several per line) and label-line-then-value-line forms."""
    found: dict[str, str] = {}
    pending: Optional[str] = None
    for line in lines:
        # `label：value` needs a colon: prose without one is not searched
        matches = list(_INLINE_RE.finditer(line)) if ":" in line or "：" in line else []
        if len(matches) == 1 and matches[0].start() == 0 and matches[0].end() == len(line.rstrip()):
            pending = _SPACES.sub("", matches[0].group(1))  # "索引号：" alone: the value follows
            continue
        if matches:
            pending = None
            for k, m in enumerate(matches):
                end = matches[k + 1].start() if k + 1 < len(matches) else len(line)
                label = _SPACES.sub("", m.group(1))
                found.setdefault(label, line[m.end():end].strip())
            continue
        label = normalise_label(line)
        if label is not None:
            pending = label
            continue
        if pending is not None:
            if len(line) <= MAX_VALUE_LINE and "。" not in line:  # `发布时间:` left blank: prose is no value
                found.setdefault(pending, line.strip())
            pending = None
    return {k: v for k, v in found.items() if v}


def extract_metadata(doc: Document) -> dict[str, str]:
    """Every label/value pair of the header block; the first occurrence of a label wins."""
    meta: dict[str, str] = {}
    blocks: list[Block] = list(doc.header_blocks) + list(doc.blocks)
    for block in blocks:
        if isinstance(block, Table):
            for k, v in from_table(block).items():
                if v:
                    meta.setdefault(k, v)
    # a block may hold several lines of page chrome (来源：…\n 时间：…)
    lines = (part for b in blocks if isinstance(b, str) for part in b.split("\n") if part.strip())
    # Only the top of a page carries header lines; prose further down may quote 来源：…
    for k, v in from_lines(islice(lines, 40)).items():
        meta.setdefault(k, v)
    return meta


def first(meta: dict[str, str], labels: Iterable[str]) -> Optional[str]:
    for label in labels:
        if meta.get(label):
            return meta[label]
    return None


_INDEX_RE = re.compile(r"^\s*(?P<org>[0-9A-Za-z-]+?)\s*[/-]\s*(?P<year>(?:19|20)\d{2})\s*-\s*(?P<serial>\d+)\s*$")


def index_parts(index_no: Optional[str]) -> Optional[dict]:
    """12330800002618357U/2018-103701, 0142768-8/2022-00185, 01527918X-2020-153077."""
    if not index_no:
        return None
    m = _INDEX_RE.match(index_no.replace("／", "/").replace("－", "-"))
    if not m:
        return None
    return {"org_code": m.group("org"), "year": int(m.group("year")), "serial": m.group("serial")}
