"""Arithmetic consistency checks (勾稽关系) over the extracted cells → `Check`s.

Only failures are reported. Check names are stable:

* ``t3_identity`` — table 三, per column: 一、本年新收 + 二、上年结转 = （七）总计 +
  四、结转下年度继续办理. expected = 一 + 二, found = （七） + 四.
* ``t3_row_total`` — table 三, per row: the 总计 column = the sum of the six applicant
  columns (自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他).
* ``t3_results_total`` — table 三, per column: （七）总计 = （一） + … + （六）, a category
  with sub-items (（三）（四）（五）, 2021 （六）) counting its own figure when printed,
  else the sum of its sub-items.
* ``t3_subtotal`` — table 三, per column: a category printed with its own figure = the
  sum of its sub-items (only in layouts that give the parent row values).
* ``t4_total`` — table 四: each 总计 (行政复议, 未经复议直接起诉, 复议后起诉) = 结果维持 +
  结果纠正 + 其他结果 + 尚未审结.
* ``pre2019_parts`` — pre-2019 统计表, per value column, for the partitions of
  ``PRE2019_GROUPS``: parent = sum of its parts (收到申请数 = 当面 + 传真 + 网络 + 信函;
  申请办结数 = 按时 + 延期; 从事…人员数 = 专职 + 兼职; 行政复议数量 and 行政诉讼数量 =
  their three outcomes). Parts are the parent's child rows; 其中 rows (subsets) and
  申请答复数 (tables often print only some of its eight rows) are not checked.

Blank rule, the same for every check (blank = null, never 0 in the data):
* everything blank → nothing;
* the total blank, the parts summing to a non-zero figure → kind ``missing``
  (expected = the sum, found = null); a blank total over parts that add up to 0 is
  accepted (blank for nothing is how many reports print zero);
* the total given, every part blank → nothing (the figure is just not broken down);
* otherwise blank parts count 0 and a difference is kind ``mismatch``.
For ``t3_identity`` the sides are (一, 二) and (（七）, 四): one side wholly blank with the
other non-zero is ``missing`` (the blank side null).

In table 三 a blank 总计 cell, where it is an input of another check (t3_results_total,
t3_subtotal, t3_identity), counts as the sum of its row's applicant columns: the blank is
reported once, by t3_row_total, and reports that leave the 总计 column blank on result
rows (common) are still checked column by column.

`where` names the checked total: ``{"table", "row", "column"}`` (t3_identity:
``{"table", "column", "rule"}``).
"""
from __future__ import annotations

import re
from typing import Optional

from .model import Cell, Check, Number
from .templates.national import core_key
from .templates import NATIONAL_TABLE_NAMES, T3_NAME, T4_NAME

TOTAL = "总计"
RESULTS = "本年度办理结果"
T3_IDENTITY_RULE = "一+二=（七）+四"

# pre-2019 partitions: parent label → its parts (labels matched by their beginning,
# numbering and punctuation removed).
PRE2019_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("收到申请数", ("当面申请数", "传真申请数", "网络申请数", "信函申请数")),
    ("申请办结数", ("按时办结数", "延期办结数")),
    ("从事政府信息公开工作人员数", ("专职人员数", "兼职人员数")),
    ("行政复议数量", ("维持具体行政行为数", "被依法纠错数", "其他情形数")),
    ("行政诉讼数量", ("维持具体行政行为或者驳回原告诉讼请求数", "被依法纠错数", "其他情形数")),
)
_PRE2019_PARTS = dict(PRE2019_GROUPS)
_PRE2019_PARENT_RE = re.compile("|".join(re.escape(p) for p, _parts in PRE2019_GROUPS))
_EPS = 1e-6


def _add(values: list[Optional[Number]]) -> Optional[Number]:
    given = [v for v in values if v is not None]
    if not given:
        return None
    total = sum(given)
    return round(total, 6) if isinstance(total, float) else total


def compare(check: str, total: Optional[Number], parts: list[Optional[Number]],
            where: dict) -> Optional[Check]:
    """The blank rule of the module docstring, for total = sum(parts)."""
    failed = _verdict(total, parts)
    return Check(check, failed[0], failed[1], where, failed[2]) if failed else None


def _verdict(total: Optional[Number], parts: list[Optional[Number]]
             ) -> Optional[tuple[Optional[Number], Optional[Number], str]]:
    """(expected, found, kind) when total = sum(parts) fails the blank rule, else None.
    The checks below call it and build `where` only for a failure (most pass)."""
    expected = _add(parts)
    if total is None:
        if expected is not None and abs(expected) > _EPS:
            return expected, None, "missing"
        return None
    if expected is None or abs(expected - total) <= _EPS:
        return None
    return expected, total, "mismatch"


def run(template: str, cells: list[Cell]) -> list[Check]:
    if not cells:
        return []
    out: list[Check] = []
    t3 = [c for c in cells if c.table == T3_NAME]
    t4 = [c for c in cells if c.table == T4_NAME]
    if t3:
        out.extend(table3(t3))
    if t4:
        out.extend(table4(t4))
    pre = [c for c in cells if c.table not in NATIONAL_TABLE_NAMES]
    if pre:
        out.extend(pre2019(pre))
    return out


class _Grid:
    """Cells of one table indexed by row and column path, in printed order."""

    def __init__(self, cells: list[Cell]) -> None:
        keys = [(tuple(c.row), tuple(c.column)) for c in cells]
        # a repeated (row, column) keeps its first place and its last value, as assignment does
        self.values: dict[tuple[tuple[str, ...], tuple[str, ...]], Optional[Number]] = dict(
            zip(keys, [c.value for c in cells]))
        # distinct rows and columns in printed order (dict.fromkeys keeps the first occurrence)
        self.rows: list[tuple[str, ...]] = list(dict.fromkeys([r for r, _k in keys]))
        self.columns: list[tuple[str, ...]] = list(dict.fromkeys([k for _r, k in keys]))

    def get(self, row: tuple[str, ...], column: tuple[str, ...]) -> Optional[Number]:
        return self.values.get((row, column))


def _is_total(label: str) -> bool:
    return core_key(label).startswith(TOTAL)


def table3(cells: list[Cell]) -> list[Check]:
    grid = _Grid(cells)
    get = grid.values.get  # by (row, column): the lookups below run a few hundred times a table
    out: list[Check] = []
    total_cols = [k for k in grid.columns if k and _is_total(k[-1])]
    total_col = total_cols[0] if total_cols else None
    parts_cols = [k for k in grid.columns if k != total_col]

    def fail(check: str, failed: tuple, row: tuple[str, ...], col: tuple[str, ...]) -> None:
        out.append(Check(check, failed[0], failed[1], {"table": T3_NAME, "row": list(row), "column": list(col)},
                         failed[2]))

    # t3_row_total
    if total_col is not None:
        for row in grid.rows:
            failed = _verdict(get((row, total_col)), [get((row, k)) for k in parts_cols])
            if failed:
                fail("t3_row_total", failed, row, total_col)

    # the result categories under 三、本年度办理结果
    categories: dict[str, dict] = {}
    for row in grid.rows:
        if len(row) >= 2 and core_key(row[0]).startswith(RESULTS):
            cat = categories.setdefault(row[1], {"own": None, "subs": []})
            if len(row) == 2:
                cat["own"] = row
            else:
                cat["subs"].append(row)
    total_cat = next((c for c in categories if _is_total(c)), None)

    def value(row: Optional[tuple[str, ...]], col: tuple[str, ...]) -> Optional[Number]:
        """A cell's figure; a blank 总计 counts as the sum of the row's applicant columns
        (a blank there is reported once, by t3_row_total)."""
        if row is None:
            return None
        found = get((row, col))
        if found is None and col == total_col:
            return _add([get((row, k)) for k in parts_cols])
        return found

    def category_value(cat: dict, col: tuple[str, ...]) -> Optional[Number]:
        own = value(cat["own"], col) if cat["own"] else None
        return own if own is not None else _add([value(r, col) for r in cat["subs"]])

    # a parent printed on a row of its own with every cell blank is a heading, not a figure
    figured = [cat for cat in categories.values()
               if cat["own"] is not None and cat["subs"]
               and any(get((cat["own"], k)) is not None for k in grid.columns)]
    for col in grid.columns:
        # t3_subtotal
        for cat in figured:
            failed = _verdict(get((cat["own"], col)), [value(r, col) for r in cat["subs"]])
            if failed:
                fail("t3_subtotal", failed, cat["own"], col)
        # t3_results_total
        if total_cat is not None and categories[total_cat]["own"] is not None:
            total_row = categories[total_cat]["own"]
            parts = [category_value(cat, col) for name, cat in categories.items() if name != total_cat]
            failed = _verdict(get((total_row, col)), parts)
            if failed:
                fail("t3_results_total", failed, total_row, col)

    # t3_identity
    def top(prefix: str) -> Optional[tuple[str, ...]]:
        return next((r for r in grid.rows if len(r) == 1 and core_key(r[0]).startswith(prefix)), None)

    new, carried, nxt = top("本年新收"), top("上年结转"), top("结转下年度")
    total_row = categories[total_cat]["own"] if total_cat is not None else None
    if new is not None and total_row is not None:
        for col in grid.columns:
            left = [value(new, col), value(carried, col)]
            right = [value(total_row, col), value(nxt, col)]
            lsum, rsum = _add(left), _add(right)
            if lsum is None and rsum is None:
                continue
            if rsum is None or lsum is None:
                given = lsum if lsum is not None else rsum
                if abs(given) > _EPS:
                    out.append(Check("t3_identity", lsum, rsum, _identity_spot(col), "missing"))
            elif abs(lsum - rsum) > _EPS:
                out.append(Check("t3_identity", lsum, rsum, _identity_spot(col), "mismatch"))
    return out


def _identity_spot(col: tuple[str, ...]) -> dict:
    return {"table": T3_NAME, "column": list(col), "rule": T3_IDENTITY_RULE}


def table4(cells: list[Cell]) -> list[Check]:
    grid = _Grid(cells)
    out: list[Check] = []
    for row in grid.rows:
        for col in grid.columns:
            if not col or not _is_total(col[-1]):
                continue
            group = col[:-1]
            parts = [k for k in grid.columns if k != col and k[:-1] == group]
            failed = _verdict(grid.get(row, col), [grid.get(row, k) for k in parts])
            if failed:
                out.append(Check("t4_total", failed[0], failed[1],
                                 {"table": T4_NAME, "row": list(row), "column": list(col)}, failed[2]))
    return out


def pre2019(cells: list[Cell]) -> list[Check]:
    out: list[Check] = []
    tables: dict[str, list[Cell]] = {}
    for c in cells:
        tables.setdefault(c.table, []).append(c)
    for table, table_cells in tables.items():
        grid = _Grid(table_cells)
        kids: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        for r in grid.rows:
            kids.setdefault(r[:-1], []).append(r)
        for row in grid.rows:
            m = _PRE2019_PARENT_RE.match(core_key(row[-1])) if row else None
            if not m:
                continue
            part_names = _PRE2019_PARTS[m.group(0)]
            children = kids.get(row, ())
            parts = [next((r for r in children if core_key(r[-1]).startswith(p)), None) for p in part_names]
            if not any(parts):
                continue
            for col in grid.columns:
                failed = _verdict(grid.get(row, col), [grid.get(r, col) if r else None for r in parts])
                if failed:
                    out.append(Check("pre2019_parts", failed[0], failed[1],
                                     {"table": table, "row": list(row), "column": list(col)}, failed[2]))
    return out
