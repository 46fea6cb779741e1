"""Statistics tables → cells with full row and column label paths.

The pre-2019 统计表 (统计指标 | 单位 | 统计数, and local variants with 代码/序号 and
several count columns) is read as printed: the row hierarchy comes from the
numbering of each label (一、 → （一） → 1. → 其中：), not from a fixed list.
"""
from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass
from typing import Optional

from ..document import Block, Table
from ..model import Cell
from ..numbers import parse_number
from .labels import PRE2019_TABLE_NAME

_SPACES = re.compile(r"[\s\u3000]+")
LABEL_HEADERS = frozenset(("统计指标", "指标名称", "指标", "项目"))
UNIT_HEADERS = frozenset(("单位", "计量单位"))
SKIP_HEADERS = frozenset(("代码", "序号", "行次"))
TABLE_TITLE_RE = re.compile(r"(政府信息公开[^|]{0,20}?统计(?:报)?表)")

# Numbering styles of outline rows. A style's depth is fixed by where it first
# appears (as a child of the row above), the way printed outlines work, so tables
# that skip a level or start with unnumbered rows still nest correctly.
_STYLES = (
    ("han", re.compile(r"^[一二三四五六七八九十]+\s*[、．.]")),
    ("paren_han", re.compile(r"^[（(]\s*[一二三四五六七八九十]+\s*[）)]")),
    ("arabic", re.compile(r"^\d+\s*[.．、](?!\d)")),
    ("paren_arabic", re.compile(r"^[（(]\s*\d+\s*[）)]")),
)
_SUBITEM_RE = re.compile(r"^其中\s*[:：]\s*")
PLAIN, SUB = "plain", "sub"


def _key(text: str) -> str:
    return _SPACES.sub("", text)


@dataclass
class StatLayout:
    header_row: int
    label_col: int
    unit_col: Optional[int]
    value_cols: list[tuple[int, str]]  # (column index, header label)


def find_layout(table: Table) -> Optional[StatLayout]:
    """Locate the 统计指标/单位/统计数 header of a pre-2019 style table."""
    for r, row in enumerate(table.rows[:6]):
        keys = [_key(c) for c in row]
        label_col = next((i for i, k in enumerate(keys) if k in LABEL_HEADERS), None)
        unit_col = next((i for i, k in enumerate(keys) if k in UNIT_HEADERS), None)
        if label_col is None or unit_col is None:
            continue
        values = [
            (i, row[i].strip())
            for i, k in enumerate(keys)
            if i > unit_col and k and k not in SKIP_HEADERS and k != keys[i - 1]
        ]
        if values:
            return StatLayout(r, label_col, unit_col, values)
    return None


@lru_cache(maxsize=4096)
def numbering_style(label: str) -> str:
    """The outline style of a row label; 其中： rows take the style of what follows."""
    rest = _SUBITEM_RE.sub("", label, count=1)
    for style, pattern in _STYLES:
        if pattern.match(rest):
            return style
    return SUB if rest != label else PLAIN


class Outline:
    """Turns the row labels of a table, in order, into label paths."""

    def __init__(self) -> None:
        self.levels: dict[str, int] = {}
        self.stack: dict[int, str] = {}
        self.prev_depth = 0
        self.prev_style: Optional[str] = None

    def depth(self, style: str) -> int:
        if style in self.levels:
            return self.levels[style]
        if style == SUB:
            return self.prev_depth + 1 if self.prev_style != SUB else self.prev_depth
        if style == PLAIN and self.prev_style == SUB:
            return self.prev_depth  # 制发规范性文件总数 after 其中：… is its sibling
        depth = self.prev_depth + 1
        self.levels[style] = depth
        return depth

    def path(self, label: str) -> list[str]:
        style = numbering_style(label)
        depth = self.depth(style)
        self.stack = {d: lab for d, lab in self.stack.items() if d < depth}
        self.stack[depth] = label
        self.prev_depth, self.prev_style = depth, (SUB if style == PLAIN and self.prev_style == SUB else style)
        return [self.stack[d] for d in sorted(self.stack)]


def table_title(table: Table, before: list[Block], layout: StatLayout) -> str:
    for row in table.rows[: layout.header_row]:
        for cell in row:
            m = TABLE_TITLE_RE.search(_key(cell))
            if m:
                return m.group(1)
    for block in reversed(before[-3:]):
        if isinstance(block, str):
            m = TABLE_TITLE_RE.search(_key(block))
            if m:
                return m.group(1)
    return PRE2019_TABLE_NAME


def pre2019_cells(table: Table, layout: StatLayout, name: str) -> list[Cell]:
    cells: list[Cell] = []
    outline = Outline()
    for row in table.rows[layout.header_row + 1:]:
        if layout.label_col >= len(row):
            continue
        label = row[layout.label_col].strip()
        if not label or len(_key(label)) <= 1 and all(not _key(c) or len(_key(c)) <= 1 for c in row):
            continue  # blank rows and the 甲/乙/丙/1/2 column-number row of local forms
        path = outline.path(label)
        unit = row[layout.unit_col].strip() if layout.unit_col is not None and layout.unit_col < len(row) else ""
        for col, header in layout.value_cols:
            raw = row[col].strip() if col < len(row) else ""
            cells.append(Cell(name, path, [header], unit or None, parse_number(raw), raw))
    return cells

