"""The pre-2019 form: its labels, its indicator mapping, and its 统计表 → cells with full row
and column label paths.

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
from .base import Form, register

# The 2015–2018 national 政府信息公开情况统计表: (depth, label, unit).
# depth 1 = 一、…, 2 = （一）…, 3 = 1.…, 4 = 其中：… and the rows that follow it.
PRE2019_TABLE_NAME = "政府信息公开情况统计表"
PRE2019_COLUMNS = ("统计指标", "单位", "统计数")
PRE2019_ROWS: tuple[tuple[int, str, str], ...] = (
    (1, "一、主动公开情况", "——"),
    (2, "（一）主动公开政府信息数", "条"),
    (3, "其中：主动公开规范性文件数", "条"),
    (3, "制发规范性文件总数", "件"),
    (2, "（二）通过不同渠道和方式公开政府信息的情况", "——"),
    (3, "1.政府公报公开政府信息数", "条"),
    (3, "2.政府网站公开政府信息数", "条"),
    (3, "3.政务微博公开政府信息数", "条"),
    (3, "4.政务微信公开政府信息数", "条"),
    (3, "5.其他方式公开政府信息数", "条"),
    (1, "二、回应解读情况", "——"),
    (2, "（一）回应公众关注热点或重大舆情数", "次"),
    (2, "（二）通过不同渠道和方式回应解读的情况", "——"),
    (3, "1.参加或举办新闻发布会总次数", "次"),
    (4, "其中：主要负责同志参加新闻发布会次数", "次"),
    (3, "2.政府网站在线访谈次数", "次"),
    (4, "其中：主要负责同志参加政府网站在线访谈次数", "次"),
    (3, "3.政策解读稿件发布数", "篇"),
    (3, "4.微博微信回应事件数", "次"),
    (3, "5.其他方式回应事件数", "次"),
    (1, "三、依申请公开情况", "——"),
    (2, "（一）收到申请数", "件"),
    (3, "1.当面申请数", "件"),
    (3, "2.传真申请数", "件"),
    (3, "3.网络申请数", "件"),
    (3, "4.信函申请数", "件"),
    (2, "（二）申请办结数", "件"),
    (3, "1.按时办结数", "件"),
    (3, "2.延期办结数", "件"),
    (2, "（三）申请答复数", "件"),
    (3, "1.属于已主动公开范围数", "件"),
    (3, "2.同意公开答复数", "件"),
    (3, "3.同意部分公开答复数", "件"),
    (3, "4.不同意公开答复数", "件"),
    (4, "其中：涉及国家秘密", "件"),
    (4, "涉及商业秘密", "件"),
    (4, "涉及个人隐私", "件"),
    (4, "危及国家安全、公共安全、经济安全和社会稳定", "件"),
    (4, "不是《条例》所指政府信息", "件"),
    (4, "法律法规规定的其他情形", "件"),
    (3, "5.不属于本行政机关公开数", "件"),
    (3, "6.申请信息不存在数", "件"),
    (3, "7.告知作出更改补充数", "件"),
    (3, "8.告知通过其他途径办理数", "件"),
    (2, "（四）申请类型数", "件"),
    (3, "1.财政预决算", "件"),
    (3, "2.征收补偿", "件"),
    (3, "3.规划计划", "件"),
    (3, "4.重大建设项目审批及实施", "件"),
    (3, "5.工商管理", "件"),
    (3, "6.食品药品", "件"),
    (3, "7.环境保护", "件"),
    (3, "8.公共资源监管", "件"),
    (3, "9.劳动就业及社会保障", "件"),
    (3, "10.社会救助及扶贫", "件"),
    (3, "11.医疗卫生及计生", "件"),
    (3, "12.教育信息", "件"),
    (3, "13.统计信息", "件"),
    (3, "14.行政处罚", "件"),
    (3, "15.人事信息", "件"),
    (3, "16.价格收费", "件"),
    (3, "17.企业信用", "件"),
    (3, "18.其它", "件"),
    (1, "四、行政复议数量", "件"),
    (2, "（一）维持具体行政行为数", "件"),
    (2, "（二）被依法纠错数", "件"),
    (2, "（三）其他情形数", "件"),
    (1, "五、行政诉讼数量", "件"),
    (2, "（一）维持具体行政行为或者驳回原告诉讼请求数", "件"),
    (2, "（二）被依法纠错数", "件"),
    (2, "（三）其他情形数", "件"),
    (1, "六、举报投诉数量", "件"),
    (1, "七、依申请公开信息收取的费用", "万元"),
    (1, "八、机构建设和保障经费情况", "——"),
    (2, "（一）政府信息公开工作专门机构数", "个"),
    (2, "（二）设置政府信息公开查阅点数", "个"),
    (2, "（三）从事政府信息公开工作人员数", "人"),
    (3, "1.专职人员数（不包括政府公报及政府网站工作人员数）", "人"),
    (3, "2.兼职人员数", "人"),
    (2, "（四）政府信息公开专项经费（不包括用于政府公报编辑管理及政府网站建设维护等方面的经费）", "万元"),
    (1, "九、政府信息公开会议和培训情况", "——"),
    (2, "（一）召开政府信息公开工作会议或专题会议数", "次"),
    (2, "（二）举办各类培训班数", "次"),
    (2, "（三）接受培训人员数", "人次"),
)

# indicator -> the innermost label (normalised) of the row that holds it (pipelines/indicators.py).
# The national 统计表's label first, then local forms' synonyms (Fujian's 统计表:
# 受理依申请公开信息总数; 定西's 统计报表: 申请总数 …). Not mapped on purpose: 对申请的答复数
# (answers, not completed applications) and 政府信息公开收费减免金额 (fees waived, not collected).
# A cumulative column (历年累计) is never read (indicators.cumulative).
PRE2019_INDICATORS: dict[str, tuple[str, ...]] = {
    "proactive_disclosed": ("主动公开政府信息数", "主动公开信息数", "主动公开政府信息总数", "主动公开信息总数",
                            "主动公开政府信息条数", "主动公开信息条数"),
    "applications_received": ("收到申请数", "申请总数", "受理依申请公开信息总数", "受理依申请公开申请数",
                              "受理依申请公开申请总数", "受理政府信息公开申请数", "受理政府信息公开申请总数",
                              "受理申请总数", "受理申请数", "收到政府信息公开申请数", "依申请公开申请总数",
                              "依申请公开申请数", "收到依申请公开申请数"),
    "applications_completed": ("申请办结数", "办结申请数", "依申请公开办结数"),
    "reconsideration_total": ("行政复议数量", "行政复议数", "行政复议案件数", "申请行政复议数", "被申请行政复议数"),
    "litigation_total": ("行政诉讼数量", "行政诉讼数", "行政诉讼案件数", "提起行政诉讼数", "被提起行政诉讼数"),
    "fees_collected": ("依申请公开信息收取的费用", "依申请公开收取的费用", "依申请公开信息收费金额",
                       "政府信息公开收费金额", "收取的费用"),
    "staff_count": ("从事政府信息公开工作人员数", "政府信息公开工作人员数"),
}

_SPACES = re.compile(r"[\s\u3000]+")
LABEL_HEADERS = frozenset(("统计指标", "指标名称", "指标", "项目"))
UNIT_HEADERS = frozenset(("单位", "计量单位"))
SKIP_HEADERS = frozenset(("代码", "序号", "行次"))
# Label headers specific enough to mark a 统计表 even without a 单位 column.
UNITLESS_LABEL_HEADERS = frozenset(("统计指标", "指标名称"))
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
    # every row of every 统计表 asks for the same labels and small figures: the short ones
    # are cached (a long cell, a whole page in a layout table, is not kept)
    return _short_key(text) if len(text) <= 64 else _SPACES.sub("", text)


@lru_cache(maxsize=8192)
def _short_key(text: str) -> str:
    return _SPACES.sub("", text)


# The same few hundred figures fill every table: parsed once.
_number = lru_cache(maxsize=8192)(parse_number)


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
        if label_col is None or (unit_col is None and keys[label_col] not in UNITLESS_LABEL_HEADERS):
            continue
        first = unit_col if unit_col is not None else label_col  # local forms without a unit column
        values = [
            (i, row[i].strip())
            for i, k in enumerate(keys)
            if i > first and k and k not in SKIP_HEADERS and k != keys[i - 1]
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
        # the stack keeps ascending depths in insertion order (only shallower entries stay
        # before the one added), so its values are already the path: no sort per row
        stack = {d: lab for d, lab in self.stack.items() if d < depth}
        stack[depth] = label
        self.stack = stack
        self.prev_depth, self.prev_style = depth, (SUB if style == PLAIN and self.prev_style == SUB else style)
        return list(stack.values())


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
    # one column list per value column, shared by its cells (as a row's path is)
    columns = [(col, [header]) for col, header in layout.value_cols]
    for row in table.rows[layout.header_row + 1:]:
        if layout.label_col >= len(row):
            continue
        label = row[layout.label_col].strip()
        if not label or len(_key(label)) <= 1 and all(not _key(c) or len(_key(c)) <= 1 for c in row):
            continue  # blank rows and the 甲/乙/丙/1/2 column-number row of local forms
        path = outline.path(label)
        unit = row[layout.unit_col].strip() if layout.unit_col is not None and layout.unit_col < len(row) else ""
        for col, column in columns:
            raw = row[col].strip() if col < len(row) else ""
            cells.append(Cell(name, path, column, unit or None, _number(raw), raw))
    return cells


FORM = register(Form(id="pre2019", name="2008–2018 政府信息公开情况统计表", first_year=2008,
                     national=False, indicators=PRE2019_INDICATORS))
