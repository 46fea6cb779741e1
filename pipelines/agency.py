"""Who reports: the agency named by a report title, whatever the title's shape.

Titles put the reporting body before the year (衢州市机关事务管理局2017年政府信息公开工作
年度报告) or after it (2019年上海市人民政府办公厅政府信息公开工作年度报告), a page may
print the title over two lines (乌海市工业和信息化局 / 政府信息公开工作年度报告), and a
text-only report names itself inside a sentence (现公布泰州市人民政府2017年政府信息公开工作
年度报告). The words are data below; the rules only cut the name out.
"""
from __future__ import annotations

import re
from typing import Optional

# Last characters of a body's name: departments (局, 厅, 委员会 …), governments and their
# offices, and places that report as a whole (平潭综合实验区, 上海市, a 镇 or 乡).
ORG_SUFFIXES = (
    "局", "委员会", "委", "厅", "部", "署", "办公室", "办", "院", "政府", "中心", "所", "站", "馆", "处", "队",
    "会", "公司", "镇", "乡", "街道", "街道办事处", "管委会", "管理委员会", "集团", "学校", "大学",
    "区", "县", "市", "省", "州", "旗", "盟", "社", "行", "司", "组", "团",
)
ORG_SUFFIX_RE = re.compile("(?:" + "|".join(sorted(map(re.escape, ORG_SUFFIXES), key=len, reverse=True)) + ")$")
# Words that introduce the quoted title in a sentence; the name starts after the last one.
LEAD_INS = ("现予以公布", "现予公布", "现公布", "现发布", "现将", "特发布", "向社会公布", "公布", "发布", "印发",
            "编制", "《", "“", "\"", "：", ":", "，", "。", "、")
# What follows the name in a report title.
REPORT_WORDS = r"(?:政府信息公开|政务公开|信息公开|政府信息)"
YEAR = r"(?:(?:19|20)\d{2}|[〇○零一二][〇○零一二三四五六七八九]{3})\s*年度?"
_NAME = r"[\u4e00-\u9fff（）()·]{2,40}?"

_NAME_THEN_YEAR = re.compile(rf"^\s*({_NAME})\s*{YEAR}")
_YEAR_THEN_NAME = re.compile(rf"^\s*{YEAR}\s*(?!度|{REPORT_WORDS})({_NAME})\s*{REPORT_WORDS}")
_IN_SENTENCE = re.compile(rf"([^\s]{{2,60}}?)\s*{YEAR}\s*(?:{REPORT_WORDS})[^，。；]{{0,12}}?(?:年度报告|年报)")
_NAME_LINE = re.compile(r"^[\u4e00-\u9fff（）()·]{2,30}$")
_UNTITLED_REPORT = re.compile(rf"^\s*(?:{YEAR}\s*)?{REPORT_WORDS}.{{0,10}}?(?:年度报告|年报)\s*$")


def is_name(text: str) -> bool:
    return bool(text) and bool(ORG_SUFFIX_RE.search(text)) and not text.startswith(("关于", "本", "我"))


def from_title(title: Optional[str]) -> Optional[str]:
    """The body a report title names: before the year, or after a leading year."""
    if not title:
        return None
    for pattern in (_NAME_THEN_YEAR, _YEAR_THEN_NAME):
        m = pattern.match(title)
        if m and is_name(m.group(1).strip()):
            return m.group(1).strip()
    return None


def from_sentence(text: str) -> Optional[str]:
    """The body named where a sentence quotes the report's title."""
    for m in _IN_SENTENCE.finditer(text):
        name = m.group(1)
        cut = max((name.rfind(w) + len(w) for w in LEAD_INS if w in name), default=0)
        name = name[cut:].strip()
        if 2 <= len(name) <= 40 and _NAME_LINE.match(name) and is_name(name):
            return name
    return None


def joined_title(lines: list[str]) -> Optional[str]:
    """A title printed over two lines: a name line, then 政府信息公开工作年度报告 (with or
    without its year) on the next."""
    for prev, line in zip(lines, lines[1:]):
        if _UNTITLED_REPORT.match(line) and _NAME_LINE.match(prev.strip()) and is_name(prev.strip()):
            return prev.strip() + line.strip()
    return None
