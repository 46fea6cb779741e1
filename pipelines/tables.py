"""Statistics tables → cells with full row and column label paths.

The pre-2019 统计表 (统计指标 | 单位 | 统计数, and local variants with 代码/序号 and
several count columns) is read as printed: the row hierarchy comes from the
numbering of each label (一、 → （一） → 1. → 其中：), not from a fixed list.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .document import Block, Table
from .model import Cell
from .numbers import parse_number
from .templates import PRE2019_TABLE_NAME

_SPACES = re.compile(r"[\s\u3000]+")
LABEL_HEADERS = frozenset(("统计指标", "指标名称", "指标", "项目"))
UNIT_HEADERS = frozenset(("单位", "计量单位"))
SKIP_HEADERS = frozenset(("代码", "序号", "行次"))
TABLE_TITLE_RE = re.compile(r"(政府信息公开[^|]{0,20}?统计(?:报)?表)")

_DEPTH_PATTERNS = (
    (1, re.compile(r"^[一二三四五六七八九十]+\s*[、．.]")),
    (2, re.compile(r"^[（(]\s*[一二三四五六七八九十]+\s*[）)]")),
    (3, re.compile(r"^\d+\s*[.．、]")),
    (4, re.compile(r"^[（(]\s*\d+\s*[）)]")),
)
_SUBITEM_RE = re.compile(r"^其中\s*[:：]")


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


def row_depth(label: str, previous: Optional[tuple[int, str]], last_numbered: int) -> int:
    """Depth of a row in the outline; unnumbered rows follow the row above."""
    for depth, pattern in _DEPTH_PATTERNS:
        if pattern.match(label):
            return depth
    if _SUBITEM_RE.match(label):
        return last_numbered + 1
    if previous is None:
        return 1
    prev_depth, prev_kind = previous
    return prev_depth if prev_kind == "sub" else prev_depth + 1


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
    stack: dict[int, str] = {}
    previous: Optional[tuple[int, str]] = None
    last_numbered = 0
    for row in table.rows[layout.header_row + 1:]:
        if layout.label_col >= len(row):
            continue
        label = row[layout.label_col].strip()
        if not label or len(_key(label)) <= 1 and all(not _key(c) or len(_key(c)) <= 1 for c in row):
            continue  # blank rows and the 甲/乙/丙/1/2 column-number row of local forms
        depth = row_depth(label, previous, last_numbered)
        if any(p.match(label) for _, p in _DEPTH_PATTERNS):
            last_numbered = depth
            kind = "numbered"
        else:
            kind = "sub" if _SUBITEM_RE.match(label) or (previous and previous[1] == "sub") else "plain"
        stack = {d: lab for d, lab in stack.items() if d < depth}
        stack[depth] = label
        previous = (depth, kind)
        path = [stack[d] for d in sorted(stack)]
        unit = row[layout.unit_col].strip() if layout.unit_col is not None and layout.unit_col < len(row) else ""
        for col, header in layout.value_cols:
            raw = row[col].strip() if col < len(row) else ""
            cells.append(Cell(name, path, [header], unit or None, parse_number(raw), raw))
    return cells


def extract_tables(blocks: list[Block]) -> tuple[str, list[Cell]]:
    """(template, cells) for every statistics table found among the blocks."""
    cells: list[Cell] = []
    template = "unknown"
    for i, block in enumerate(blocks):
        if not isinstance(block, Table):
            continue
        layout = find_layout(block)
        if layout is None:
            continue
        template = "pre2019"
        cells.extend(pre2019_cells(block, layout, table_title(block, blocks[:i], layout)))
    return template, cells
