"""The national form of 国办公开办函〔2019〕60号 (report years 2019–2020): what differs from
2021 (table 二's blocks, table 三's （六）其他处理 as one row), its detection and indicators."""
from __future__ import annotations

from .base import Form, register
from .labels import NATIONAL_INDICATORS, T3_ROWS_HEAD, T3_ROWS_TAIL  # noqa: F401

# Table 二: (block title, column headers after 信息内容, row labels).
T2_BLOCKS_2019: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("第二十条第（一）项", ("本年新制作数量", "本年新公开数量", "对外公开总数量"), ("规章", "规范性文件")),
    ("第二十条第（五）项", ("上一年项目数量", "本年增/减", "处理决定数量"), ("行政许可", "其他对外管理服务事项")),
    ("第二十条第（六）项", ("上一年项目数量", "本年增/减", "处理决定数量"), ("行政处罚", "行政强制")),
    ("第二十条第（八）项", ("上一年项目数量", "本年增/减"), ("行政事业性收费",)),
    ("第二十条第（九）项", ("采购项目数量", "采购总金额"), ("政府集中采购",)),
)

# Table 三: rows as (depth, label); depth 1 = 一、…, 2 = （一）…, 3 = 1.…
T3_ROWS_2019 = T3_ROWS_HEAD + ((2, "（六）其他处理"),) + T3_ROWS_TAIL

# Template detection: labels (spaces removed, simplified characters, half-width
# punctuation) that only this national form prints.
SIGNALS_2019 = (
    "本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增/减",
    "采购项目数量", "采购总金额", "第二十条第(九)项", "其他对外管理服务事项",
)

FORM = register(Form(
    id="2019", name="国办公开办函〔2019〕60号", first_year=2019, national=True,
    signals=SIGNALS_2019,
    signal_patterns=(r"(?<!本年)处理决定数量",),
    structural=(("（六）其他处理 one row", lambda result: result.other_split is False),),
    indicators=NATIONAL_INDICATORS,
))
