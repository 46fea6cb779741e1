"""Canonical indicators: figures comparable across templates.

One mapping per template, as data, in the template's own module (pipelines/templates:
pre2019.py, labels.py for tables 三/四 of the national forms). pre2019: from a row's innermost label (numbering,
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
from typing import Mapping, Optional

from .model import INDICATOR_KEYS, Cell, Number
from .templates import FORMS, NATIONAL_INDICATORS
from .templates.base import NationalSource
from .templates.national import core_key

_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+[、．.]|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、]|其中[:：])")
_NOISE = re.compile(r"[\s\u3000（）()《》“”\"'：:，,、。.]")

# The mappings are the forms' own (pipelines/templates: PRE2019_INDICATORS in pre2019.py,
# NATIONAL_INDICATORS in labels.py for the national forms' tables 三 and 四).
# Column headers of a cumulative figure (历年累计): never an indicator, which is the year's.
CUMULATIVE_WORDS = ("历年", "累计")
CURRENT_YEAR_WORDS = ("本年",)  # 本年累计 is the year's own total
WAN_YUAN = "万元"
YUAN_PER_WAN = 10_000
TOTAL = "总计"


@lru_cache(maxsize=8192)
def _norm(label: str) -> str:
    return _NOISE.sub("", _NUMBERING.sub("", label.strip()))


def _to_yuan(value: Number, unit: Optional[str]) -> Number:
    if (unit or "").strip() == WAN_YUAN:
        value = round(value * YUAN_PER_WAN, 2)
        value = int(value) if float(value).is_integer() else value
    return value


def compute(template: str, cells: list[Cell]) -> dict[str, Optional[Number]]:
    out: dict[str, Optional[Number]] = {k: None for k in INDICATOR_KEYS}
    form = FORMS.get(template)
    if form is not None and not form.national:
        return _compute_pre2019(form.indicators, cells, out)
    # tables 三 and 四 are the same in both national forms: usable when the template is unknown
    mapping = form.indicators if form is not None else NATIONAL_INDICATORS if template == "unknown" else None
    if mapping and cells:
        _compute_national(mapping, cells, out)
    return out


@lru_cache(maxsize=1024)
def cumulative(header: str) -> bool:
    """A column that adds up past years (历年累计), not the report year's figure."""
    key = _norm(header)
    return any(w in key for w in CUMULATIVE_WORDS) and not any(w in key for w in CURRENT_YEAR_WORDS)


def _compute_pre2019(mapping: Mapping[str, tuple[str, ...]], cells: list[Cell],
                     out: dict[str, Optional[Number]]) -> dict[str, Optional[Number]]:
    # each figure's row label normalised once, not once per indicator asking for it
    figures = [(_norm(cell.row[-1]), cell) for cell in cells if cell.value is not None]
    for key, names in mapping.items():
        for label, cell in figures:
            if not label.startswith(names) or (cell.column and cumulative(cell.column[-1])):
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
    last_row, row_ok = None, False
    for cell in cells:
        if cell.table != table:
            continue
        if cell.row is not last_row:  # a row's cells share one list (templates/national.py)
            last_row, row_ok = cell.row, len(cell.row) == len(row_keys) and _row_matches(cell.row, row_keys)
        if not row_ok or not _column_matches(cell.column, column_keys):
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


def _compute_national(mapping: Mapping[str, tuple[NationalSource, ...]], cells: list[Cell],
                      out: dict[str, Optional[Number]]) -> None:
    by_table: dict[str, list[Cell]] = {}
    for cell in cells:
        by_table.setdefault(cell.table, []).append(cell)
    for key, sources in mapping.items():
        found = [v for v in (_national_value(src, by_table.get(src[0], [])) for src in sources) if v is not None]
        out[key] = _add(found) if found else None
