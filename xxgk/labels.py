"""Chinese (and English) labels of the UI, as data: one place for every word a reader sees.

Column labels come from the metadata descriptions in `xxgk.serve` (the part before " / "),
so a column described there is labelled the same on every page and in every CSV header.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

NOT_REPORTED = "未填报"
NOT_REPORTED_EN = "not reported"
LOCAL_TZ = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")  # China has no DST
LOCAL_TZ_LABEL = "北京时间"

# The consistency rules, as printed on the report page and in the inconsistent-reports question.
CHECK_NAMES = {
    "t3_identity": "表三：一 + 二 = （七）总计 + 四",
    "t3_row_total": "表三：总计 = 自然人 + 法人或其他组织各列",
    "t3_results_total": "表三：（七）总计 = （一）…（六）",
    "t3_subtotal": "表三：小计 = 各分项之和",
    "t4_total": "表四：总计 = 维持 + 纠正 + 其他 + 尚未审结",
    "pre2019_parts": "统计表：合计 = 各分项之和",
}
# What `expected` and `found` hold for each rule (pipelines/checks.py): (expected side, found side).
CHECK_SIDES = {
    "t3_identity": ("一 + 二", "（七）总计 + 四"),
}
DEFAULT_SIDES = ("各分项之和 sum of the parts", "表中所填总计 total as printed")
CHECK_KINDS = {"mismatch": "不相等 / does not add up", "missing": "总计未填 / total left blank"}

# Facets of the reports table.
FACET_LABELS = {
    "agency": "机关 agency", "report_year": "年度 year", "template": "表格模板 template",
    "portal": "门户 portal", "province": "省份 province", "city": "城市 city",
    "level": "层级 level", "checks_count": "勾稽关系不符 failed checks",
    "table_name": "表名 table", "unit": "单位 unit", "check": "校验规则 rule", "kind": "类型 kind",
    "status": "状态 status", "content_type": "内容类型 content type",
}
# Parameters of the canned questions.
PARAM_LABELS = {"q": ("搜索词", "search words"), "year": ("年度", "year, e.g. 2022 or 2022年")}

# Columns of the canned questions that are not columns of a table.
QUERY_COLUMNS = {
    "report_id": "报告", "reports": "报告数", "agencies": "机关数", "first_year": "最早年度",
    "last_year": "最近年度", "reconsiderations": "行政复议", "lawsuits": "行政诉讼",
    "total": "合计", "not_reported": "未填报的报告数", "previous_year": "上一年度",
    "previous_value": "上一年度数值", "change": "变化", "change_percent": "变化（%）",
    "rule": "规则", "expected_side": "应为（一方）", "found_side": "实为（另一方）",
    "expected": "应为", "found": "实为", "difference": "差", "table_name": "表",
    "places": "位置", "failed_checks": "勾稽不符", "snippet": "摘录", "score": "相关度",
    "rowid": "行号", "check": "规则代码", "kind": "类型", "detail": "位置（JSON）",
    "value": "数值", "year": "年度", "removed_at": "删除时间", "captured_at": "抓取时间",
    "column_url": "栏目", "last_complete_walk_at": "最近完整遍历", "listed": "列表中的报告数",
    "changed_at": "变化发现于", "name": "字段或单元格", "places_count": "位置数",
    "applications": "申请数",
}
# Columns that hold figures: a blank there is "not reported", never 0.
FIGURE_COLUMNS = {
    "reconsiderations", "lawsuits", "total", "previous_value", "change", "change_percent",
    "expected", "found", "difference", "value",
}
# Columns that hold UTC timestamps (shown in local time).
TIME_COLUMNS = {"changed_at", "first_seen", "last_seen", "captured_at", "removed_at", "fetched_at",
                "last_fetched_at", "started_at", "finished_at", "last_complete_walk_at"}


def zh_of(description: Optional[str]) -> Optional[str]:
    """'报告年度 / year the report covers' → '报告年度'."""
    if not description:
        return None
    return description.split(" / ", 1)[0].strip() or None


def column_zh(name: str, table: Optional[str] = None) -> Optional[str]:
    """The Chinese name of a column (of `table`, or of a canned question), or None."""
    from storage.schema import INDICATORS, TABLES

    if table in TABLES:
        column = next((c for c in TABLES[table].columns if c.name == name), None)
        if column is not None:
            return column.zh
    if name in INDICATORS:
        return INDICATORS[name][0]
    if name in QUERY_COLUMNS:
        return QUERY_COLUMNS[name]
    column = next((c for c in TABLES["reports"].columns if c.name == name), None)
    return column.zh if column is not None else None


def column_label(name: str, table: Optional[str] = None) -> str:
    """'报告年度 report_year': Chinese first, the column's own name after it (CSV headers)."""
    zh = column_zh(name, table)
    return f"{zh} {name}" if zh and zh != name else name


def parse_utc(value: Optional[str]) -> Optional[dt.datetime]:
    """An archive timestamp ('…Z', or naive meaning UTC) as an aware datetime; None if not one."""
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def local_time(value: Any, seconds: bool = False) -> str:
    """'2026-12-04T15:21:06Z' → '2026-12-04 23:21' (Asia/Shanghai); other text unchanged."""
    if not isinstance(value, str) or "T" not in value:
        return "" if value is None else str(value)
    when = parse_utc(value)
    if when is None:
        return value
    return when.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def parse_year(text: Any) -> Optional[int]:
    """'2022', ' 2022年 ', '２０２２' → 2022; '' → None; anything else → ValueError."""
    if text is None:
        return None
    s = str(text).strip().translate({0xFF10 + i: 0x30 + i for i in range(10)})
    s = s.removesuffix("年度").removesuffix("年").strip()
    if not s:
        return None
    if not s.isdigit() or len(s) != 4:
        raise ValueError(f"年度应为四位数字，如 2022 / a year is four digits, e.g. 2022: {text!r}")
    return int(s)

TABLE_LABELS = {"reports": "报告", "cells": "单元格", "checks": "勾稽不符", "fetches": "抓取记录",
                "crawl_runs": "抓取批次", "report_versions": "报告版本", "report_changes": "报告变化",
                "attachments": "附件", "column_walks": "栏目遍历", "crawl_columns": "栏目抓取"}
