"""Canonical indicators: figures comparable across templates.

One mapping per template, as data. pre2019: from a row's innermost label (numbering,
spaces and punctuation removed) to an indicator. 2019/2021: from (table, row path,
column path), matched label by label on `national.core_key` (numbering, spaces,
character set and punctuation width ignored; each label matched by its beginning).
Documented in the README.

| indicator | pre2019 (统计表, 统计数) | 2019 (〔2019〕60号) | 2021 (〔2021〕30号) |
|---|---|---|---|
| proactive_disclosed | （一）主动公开政府信息数 | null (no comparable figure) | null (no comparable figure) |
| applications_received | （一）收到申请数 | 三: 一、本年新收… × 总计 | same as 2019 |
| applications_carried_over | null | 三: 二、上年结转… × 总计 | same as 2019 |
| applications_completed | （二）申请办结数 | 三: （七）总计 × 总计 | same as 2019 |
| carried_to_next_year | null | 三: 四、结转下年度继续办理 × 总计 | same as 2019 |
| reconsideration_total | 四、行政复议数量 | 四: 行政复议 › 总计 | same as 2019 |
| litigation_total | 五、行政诉讼数量 | 四: 未经复议直接起诉 › 总计 + 复议后起诉 › 总计 | same as 2019 |
| fees_collected (元) | 七、依申请公开信息收取的费用 (万元 ×10000) | null | null (see below) |
| staff_count | （三）从事政府信息公开工作人员数 | null | null |

National fall-backs: a blank 总计 is replaced by the sum of its parts when at least one
part is given (三: the six applicant columns of the row; 四: the four results of the
group); litigation_total adds the two groups, a blank group counting as 0 when the
other is given. Money is normalised to 元 from the cell's unit (万元 ×10000; a cell
printed with 元 is taken as is).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

from .model import INDICATOR_KEYS, Cell, Number
from .templates.national import core_key
from .templates import T3_NAME, T4_NAME

_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+[、．.]|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、]|其中[:：])")
_NOISE = re.compile(r"[\s\u3000（）()《》“”\"'：:，,、。.]")

# pre2019: indicator -> the innermost label (normalised) of the row that holds it.
PRE2019_MAP: dict[str, tuple[str, ...]] = {
    "proactive_disclosed": ("主动公开政府信息数", "主动公开信息数"),
    "applications_received": ("收到申请数", "申请总数"),
    "applications_completed": ("申请办结数",),
    "reconsideration_total": ("行政复议数量", "行政复议数"),
    "litigation_total": ("行政诉讼数量", "行政诉讼数"),
    "fees_collected": ("依申请公开信息收取的费用",),
    "staff_count": ("从事政府信息公开工作人员数",),
}
WAN_YUAN = "万元"
YUAN_PER_WAN = 10_000

# 2019/2021: indicator -> the cells whose values are added (usually one):
# (table, row label keys, column label keys). Row keys match the row path label by
# label (same length); column keys must all occur in the column path, in order, the
# last one matching the innermost label.
NationalSource = tuple[str, tuple[str, ...], tuple[str, ...]]
_NATIONAL_COMMON: dict[str, tuple[NationalSource, ...]] = {
    "applications_received": ((T3_NAME, ("本年新收",), ("总计",)),),
    "applications_carried_over": ((T3_NAME, ("上年结转",), ("总计",)),),
    "applications_completed": ((T3_NAME, ("本年度办理结果", "总计"), ("总计",)),),
    "carried_to_next_year": ((T3_NAME, ("结转下年度",), ("总计",)),),
    "reconsideration_total": ((T4_NAME, (), ("行政复议", "总计")),),
    "litigation_total": ((T4_NAME, (), ("未经复议直接起诉", "总计")), (T4_NAME, (), ("复议后起诉", "总计"))),
}
NATIONAL_MAPS: dict[str, dict[str, tuple[NationalSource, ...]]] = {
    "2019": dict(_NATIONAL_COMMON),
    # Not fees_collected from 二 第二十条第（八）项 本年收费金额: that is the body's administrative
    # fees (行政事业性收费), not fees for disclosure; the 2019/2021 templates report those in
    # prose (section 六, 信息处理费). Mapping one to the other would mislead a comparison.
    "2021": dict(_NATIONAL_COMMON),
    # tables 三 and 四 are the same in both templates: usable when the template is unknown
    "unknown": dict(_NATIONAL_COMMON),
}
TOTAL = "总计"


@lru_cache(maxsize=8192)
def _norm(label: str) -> str:
    return _NOISE.sub("", _NUMBERING.sub("", label.strip()))


def _starts(label: str, names: tuple[str, ...]) -> bool:
    key = _norm(label)
    return any(key.startswith(n) for n in names)


def _to_yuan(value: Number, unit: Optional[str]) -> Number:
    if (unit or "").strip() == WAN_YUAN:
        value = round(value * YUAN_PER_WAN, 2)
        value = int(value) if float(value).is_integer() else value
    return value


def compute(template: str, cells: list[Cell]) -> dict[str, Optional[Number]]:
    out: dict[str, Optional[Number]] = {k: None for k in INDICATOR_KEYS}
    if template == "pre2019":
        return _compute_pre2019(cells, out)
    mapping = NATIONAL_MAPS.get(template)
    if mapping and cells:
        _compute_national(mapping, cells, out)
    return out


def _compute_pre2019(cells: list[Cell], out: dict[str, Optional[Number]]) -> dict[str, Optional[Number]]:
    for key, names in PRE2019_MAP.items():
        for cell in cells:
            if cell.value is None or not _starts(cell.row[-1], names):
                continue
            value = cell.value
            if key == "fees_collected":
                value = _to_yuan(value, cell.unit)
            out[key] = value
            break
    return out


def _row_matches(row: list[str], keys: tuple[str, ...]) -> bool:
    return len(row) == len(keys) and all(core_key(lab).startswith(k) for lab, k in zip(row, keys))


def _column_matches(column: list[str], keys: tuple[str, ...]) -> bool:
    if not column or not core_key(column[-1]).startswith(keys[-1]):
        return False
    labels = iter(core_key(lab) for lab in column[:-1])
    return all(any(lab.startswith(k) for lab in labels) for k in keys[:-1])


def _national_value(source: NationalSource, cells: list[Cell]) -> Optional[Number]:
    table, row_keys, column_keys = source
    for cell in cells:
        if cell.table != table or len(cell.row) != len(row_keys) or not _row_matches(cell.row, row_keys) \
                or not _column_matches(cell.column, column_keys):
            continue
        if cell.value is not None:
            return _to_yuan(cell.value, cell.unit)
        if column_keys[-1] != TOTAL:
            return None
        # a blank 总计: the sum of the parts beside it, if any is given
        prefix = cell.column[:-1]
        parts = [c.value for c in cells
                 if c.table == table and c.row == cell.row and c.column != cell.column
                 and c.column[: len(prefix)] == prefix and c.value is not None]
        return _add(parts) if parts else None
    return None


def _add(values: list[Number]) -> Number:
    total = sum(values)
    return round(total, 6) if isinstance(total, float) else total


def _compute_national(mapping: dict[str, tuple[NationalSource, ...]], cells: list[Cell],
                      out: dict[str, Optional[Number]]) -> None:
    by_table: dict[str, list[Cell]] = {}
    for cell in cells:
        by_table.setdefault(cell.table, []).append(cell)
    for key, sources in mapping.items():
        found = [v for v in (_national_value(src, by_table.get(src[0], [])) for src in sources) if v is not None]
        out[key] = _add(found) if found else None
