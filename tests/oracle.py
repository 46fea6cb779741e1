"""Test oracle: the canonical indicators a demo report should give, computed from its
expected cells by the README mapping ("Canonical indicators"), written from the README
and not from pipelines/indicators.py, so that it checks it."""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

from pipelines.templates import T3_NAME, T4_NAME
from xxgk.portal.facts import TEMPLATE, ExpectedCell, Number, ReportFacts


INDICATOR_NAMES = ("proactive_disclosed", "applications_received", "applications_carried_over",
                   "applications_completed", "carried_to_next_year", "reconsideration_total",
                   "litigation_total", "fees_collected", "staff_count")
_PRE2019_INDICATOR_ROWS = {
    "proactive_disclosed": ("一、主动公开情况", "（一）主动公开政府信息数"),
    "applications_received": ("三、依申请公开情况", "（一）收到申请数"),
    "applications_completed": ("三、依申请公开情况", "（二）申请办结数"),
    "reconsideration_total": ("四、行政复议数量",),
    "litigation_total": ("五、行政诉讼数量",),
    "fees_collected": ("七、依申请公开信息收取的费用",),
    "staff_count": ("八、机构建设和保障经费情况", "（三）从事政府信息公开工作人员数"),
}
_T3_TOTAL = ("申请人情况", "总计")
_NATIONAL_INDICATOR_CELLS = {   # indicator -> (table, row, column) whose values are added
    "applications_received": ((T3_NAME, ("一、本年新收政府信息公开申请数量",), _T3_TOTAL),),
    "applications_carried_over": ((T3_NAME, ("二、上年结转政府信息公开申请数量",), _T3_TOTAL),),
    "applications_completed": ((T3_NAME, ("三、本年度办理结果", "（七）总计"), _T3_TOTAL),),
    "carried_to_next_year": ((T3_NAME, ("四、结转下年度继续办理",), _T3_TOTAL),),
    "reconsideration_total": ((T4_NAME, (), ("行政复议", "总计")),),
    "litigation_total": ((T4_NAME, (), ("行政诉讼", "未经复议直接起诉", "总计")),
                         (T4_NAME, (), ("行政诉讼", "复议后起诉", "总计"))),
}


def _yuan(raw: str) -> Number:
    """万元 as printed → 元, exactly (Decimal), an int when whole."""
    yuan = Decimal(raw.strip().removesuffix("万元")) * 10000
    return int(yuan) if yuan == yuan.to_integral_value() else float(yuan)


def expected_indicators(template: str, cells: tuple[ExpectedCell, ...]) -> dict[str, Optional[Number]]:
    out: dict[str, Optional[Number]] = dict.fromkeys(INDICATOR_NAMES)
    if template == TEMPLATE:
        by_row = {c.row: c for c in cells}
        for key, row in _PRE2019_INDICATOR_ROWS.items():
            cell = by_row.get(row)
            if cell is not None and cell.value is not None:
                out[key] = _yuan(cell.raw) if key == "fees_collected" else cell.value
        return out
    grid = {(c.table, c.row, c.column): c for c in cells}

    def total(table: str, row: tuple[str, ...], column: tuple[str, ...]) -> Optional[Number]:
        cell = grid.get((table, row, column))
        if cell is None:
            return None
        if cell.value is not None:
            return cell.value
        # a blank 总计: the sum of the given cells of its row under the same parent header
        # (三: the six applicant columns; 四: the four results of the group)
        head = column[:-1]
        parts = [c.value for (t, r, k), c in grid.items()
                 if t == table and r == row and k != column and k[:len(head)] == head and c.value is not None]
        return sum(parts) if parts else None

    for key, sources in _NATIONAL_INDICATOR_CELLS.items():
        found = [v for v in (total(*src) for src in sources) if v is not None]
        out[key] = sum(found) if found else None
    return out


def indicators_of(facts: ReportFacts) -> dict[str, Optional[Number]]:
    """The canonical indicators of the README mapping for one demo report."""
    return expected_indicators(facts.template, facts.cells)
