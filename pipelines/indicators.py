"""Canonical indicators: figures comparable across templates.

One mapping per template, from a row path (matched by its labels with numbering,
spaces and punctuation removed) to an indicator. Documented in the README.
"""
from __future__ import annotations

import re
from typing import Optional

from .model import INDICATOR_KEYS, Cell, Number

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


def _norm(label: str) -> str:
    return _NOISE.sub("", _NUMBERING.sub("", label.strip()))


def _starts(label: str, names: tuple[str, ...]) -> bool:
    key = _norm(label)
    return any(key.startswith(n) for n in names)


def compute(template: str, cells: list[Cell]) -> dict[str, Optional[Number]]:
    out: dict[str, Optional[Number]] = {k: None for k in INDICATOR_KEYS}
    if template != "pre2019":
        return out
    for key, names in PRE2019_MAP.items():
        for cell in cells:
            if cell.value is None or not _starts(cell.row[-1], names):
                continue
            value = cell.value
            if key == "fees_collected" and (cell.unit or "").strip() == WAN_YUAN:
                value = round(value * YUAN_PER_WAN, 2)
                value = int(value) if float(value).is_integer() else value
            out[key] = value
            break
    return out
