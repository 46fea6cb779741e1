"""Consistency checks (勾稽关系): names, rules, the blank rule."""
from __future__ import annotations

from pathlib import Path

from pipelines.checks import compare, run
from pipelines.model import Cell
from pipelines.report import extract_path
from pipelines.templates import T3_COLUMNS, T3_NAME, T4_COLUMNS, T4_NAME

GOLDEN = Path(__file__).parent / "golden"
RESULTS = "三、本年度办理结果"


def t3(rows: dict[tuple[str, ...], tuple]) -> list[Cell]:
    cells = []
    for row, values in rows.items():
        for col, v in zip(T3_COLUMNS, values):
            cells.append(Cell(T3_NAME, list(row), list(col), None, v, "" if v is None else str(v)))
    return cells


def t4(values) -> list[Cell]:
    return [Cell(T4_NAME, [], list(col), None, v, "" if v is None else str(v)) for col, v in zip(T4_COLUMNS, values)]


def names(checks):
    return sorted((c.check, c.kind) for c in checks)


# --- the blank rule -----------------------------------------------------------------------

def test_compare_blank_rule():
    w = {}
    assert compare("x", 5, [2, 3], w) is None
    assert compare("x", 5, [2, None], w).to_json() == {"check": "x", "expected": 2, "found": 5, "where": {}, "kind": "mismatch"}
    assert compare("x", None, [2, 3], w).kind == "missing"
    assert compare("x", None, [0, None], w) is None       # blank over zero parts is accepted
    assert compare("x", None, [None, None], w) is None    # everything blank: nothing
    assert compare("x", 4, [None, None], w) is None       # total not broken down: nothing
    assert compare("x", 0.35, [0.1, 0.25], w) is None     # floats compared with a tolerance


# --- table 三 --------------------------------------------------------------------------

CONSISTENT = {
    ("一、本年新收政府信息公开申请数量",): (3, 1, 0, 0, 0, 0, 4),
    ("二、上年结转政府信息公开申请数量",): (1, 0, 0, 0, 0, 0, 1),
    (RESULTS, "（一）予以公开"): (2, 1, 0, 0, 0, 0, 3),
    (RESULTS, "（三）不予公开", "1.属于国家秘密"): (1, 0, 0, 0, 0, 0, 1),
    (RESULTS, "（三）不予公开", "2.其他法律行政法规禁止公开"): (0, 0, 0, 0, 0, 0, 0),
    (RESULTS, "（七）总计"): (3, 1, 0, 0, 0, 0, 4),
    ("四、结转下年度继续办理",): (1, 0, 0, 0, 0, 0, 1),
}


def test_consistent_table3_gives_nothing():
    assert run("2021", t3(CONSISTENT)) == []


def test_identity_row_total_and_results_total():
    rows = dict(CONSISTENT)
    rows[("四、结转下年度继续办理",)] = (2, 0, 0, 0, 0, 0, 2)    # identity broken in 自然人 and 总计
    rows[(RESULTS, "（一）予以公开")] = (2, 1, 0, 0, 0, 0, 5)    # row total wrong, and so （七）'s 总计 column
    found = run("2021", t3(rows))
    assert names(found) == [("t3_identity", "mismatch"), ("t3_identity", "mismatch"),
                            ("t3_results_total", "mismatch"), ("t3_row_total", "mismatch")]
    ident = [c for c in found if c.check == "t3_identity" and c.where["column"] == ["申请人情况", "自然人"]][0]
    assert (ident.expected, ident.found) == (4, 5)
    assert ident.where["rule"] == "一+二=（七）+四"
    row_total = [c for c in found if c.check == "t3_row_total"][0]
    assert (row_total.expected, row_total.found) == (3, 5)
    assert row_total.where == {"table": T3_NAME, "row": [RESULTS, "（一）予以公开"], "column": ["申请人情况", "总计"]}


def test_blank_total_column_on_result_rows_is_missing_not_mismatch():
    rows = {k: v for k, v in CONSISTENT.items()}
    rows[(RESULTS, "（一）予以公开")] = (2, 1, None, None, None, None, None)
    found = run("2019", t3(rows))
    assert names(found) == [("t3_row_total", "missing")]
    assert (found[0].expected, found[0].found) == (3, None)


def test_parent_with_its_own_figure_is_checked_against_its_sub_items():
    rows = dict(CONSISTENT)
    rows[(RESULTS, "（三）不予公开")] = (2, 0, 0, 0, 0, 0, 2)     # parent printed, sub-items say 1
    found = run("2019", t3(rows))
    assert ("t3_subtotal", "mismatch") in names(found)
    # （七） uses the parent's own figure (2): 2+1 ≠ 3 in 自然人 → results total also flags it
    assert ("t3_results_total", "mismatch") in names(found)


def test_all_blank_table3_gives_nothing():
    rows = {k: (None,) * 7 for k in CONSISTENT}
    assert run("2021", t3(rows)) == []


# --- table 四 --------------------------------------------------------------------------

def test_t4_totals():
    assert run("2021", t4((1, 0, 0, 1, 2, 0, 0, 0, 0, 0, None, None, None, None, None))) == []
    found = run("2021", t4((1, 0, 0, 1, 3, 1, None, None, None, None, None, None, None, None, None)))
    assert [(c.check, c.kind, c.where["column"]) for c in found] == [
        ("t4_total", "mismatch", ["行政复议", "总计"]),
        ("t4_total", "missing", ["行政诉讼", "未经复议直接起诉", "总计"]),
    ]


# --- pre-2019 ------------------------------------------------------------------------------

def pre(rows):
    return [Cell("政府信息公开情况统计表", list(r), ["统计数"], "件", v, "" if v is None else str(v)) for r, v in rows]


def test_pre2019_parts():
    a = "三、依申请公开情况"
    cells = pre([
        ((a, "（一）收到申请数"), 10), ((a, "（一）收到申请数", "1.当面申请数"), 3),
        ((a, "（一）收到申请数", "3.网络申请数"), 5),            # 传真/信函 rows not printed: count 0
        ((a, "（二）申请办结数"), None), ((a, "（二）申请办结数", "1.按时办结数"), 6),
        ((a, "（二）申请办结数", "2.延期办结数"), 1),
        (("四、行政复议数量",), 2), (("四、行政复议数量", "（一）维持具体行政行为数"), None),
    ])
    found = run("pre2019", cells)
    assert [(c.check, c.kind, c.expected, c.found, c.where["row"][-1]) for c in found] == [
        ("pre2019_parts", "mismatch", 8, 10, "（一）收到申请数"),
        ("pre2019_parts", "missing", 7, None, "（二）申请办结数"),
    ]


def test_pre2019_subsets_are_not_partitions():
    cells = pre([(("（一）主动公开政府信息数",), 42), (("（一）主动公开政府信息数", "其中：主动公开规范性文件数"), 3)])
    assert run("pre2019", cells) == []


# --- whole pages ------------------------------------------------------------------------------

def test_inconsistent_page():
    r = extract_path(str(GOLDEN / "t2021_inconsistent_checks.html"))
    assert names(r.checks) == [
        ("t3_identity", "mismatch"), ("t3_results_total", "mismatch"), ("t3_results_total", "mismatch"),
        ("t3_row_total", "mismatch"), ("t3_row_total", "mismatch"), ("t4_total", "mismatch"), ("t4_total", "missing"),
    ]


def test_existing_pre2019_pages_stay_clean():
    for name in ("text_pipes_pre2019.txt", "jcms_utf8_spaced_labels.html", "govcn_bd1_nested.html",
                 "local_form_code_columns.txt"):
        assert extract_path(str(GOLDEN / name)).checks == [], name


def test_parent_heading_row_with_blank_cells_is_not_checked():
    rows = dict(CONSISTENT)
    rows[(RESULTS, "（三）不予公开")] = (None,) * 7                  # flat layout: a heading row
    assert run("2019", t3(rows)) == []
