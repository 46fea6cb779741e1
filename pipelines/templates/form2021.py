"""The national form of 国办公开办函〔2021〕30号 (report years 2021 on): what differs from 2019
(table 二's blocks, （六）其他处理 split in three), its detection and indicators."""
from __future__ import annotations

from .base import Form, register
from .labels import NATIONAL_INDICATORS, T3_ROWS_HEAD, T3_ROWS_TAIL  # noqa: F401

# Table 二: (block title, column headers after 信息内容, row labels).
T2_BLOCKS_2021: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("第二十条第（一）项", ("本年制发件数", "本年废止件数", "现行有效件数"), ("规章", "行政规范性文件")),
    ("第二十条第（五）项", ("本年处理决定数量",), ("行政许可",)),
    ("第二十条第（六）项", ("本年处理决定数量",), ("行政处罚", "行政强制")),
    ("第二十条第（八）项", ("本年收费金额（单位：万元）",), ("行政事业性收费",)),
)

# Table 三: rows as (depth, label); depth 1 = 一、…, 2 = （一）…, 3 = 1.…
T3_ROWS_2021 = T3_ROWS_HEAD + (
    (2, "（六）其他处理"),
    (3, "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    (3, "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    (3, "3.其他"),
) + T3_ROWS_TAIL

# Template detection: labels (spaces removed, simplified characters, half-width
# punctuation) that only this national form prints.
SIGNALS_2021 = (
    "本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额",
    "行政规范性文件", "申请人无正当理由逾期不补正", "申请人逾期未按收费通知要求缴纳费用",
)

FORM = register(Form(
    id="2021", name="国办公开办函〔2021〕30号", first_year=2021, national=True,
    signals=SIGNALS_2021,
    structural=(("（六）其他处理 split", lambda result: result.other_split is True),
                ("no 第二十条第（九）项",
                 lambda result: bool(result.blocks) and "九" not in result.blocks and "八" in result.blocks)),
    indicators=NATIONAL_INDICATORS,
))
