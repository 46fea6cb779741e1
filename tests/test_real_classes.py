"""Issue 10: the classes of real reports, in the variants the golden cases do not show.

Cell-per-line tables with other gap widths (including none), line ends and blank cells in
the middle of a row, the 2019 template, cells delimited by pipes; agency and date rules;
local pre-2019 synonyms and the cumulative column; the confidence rule.
"""
from __future__ import annotations

import pytest

from pipelines import agency, celllines
from pipelines.indicators import compute
from pipelines.model import Cell
from pipelines.report import extract_bytes, signature

T2_2019 = [["第二十条第（一）项"], ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
           ["规章", "0", "0", "0"], ["规范性文件", "3", "3", "12"],
           ["第二十条第（五）项"], ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
           ["行政许可", "25", "+2", "130"], ["其他对外管理服务事项", "4", "", "9"],
           ["第二十条第（六）项"], ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
           ["行政处罚", "12", "-1", "40"], ["行政强制", "0", "0", "0"],
           ["第二十条第（八）项"], ["信息内容", "上一年项目数量", "本年增/减"], ["行政事业性收费", "2", "0"],
           ["第二十条第（九）项"], ["信息内容", "采购项目数量", "采购总金额"], ["政府集中采购", "6", "251000元"]]
ZERO = ["0"] * 7
T3 = ([["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"], ["申请人情况"],
       ["自然人", "法人或其他组织", "总计"], ["商业\n企业", "科研\n机构", "社会公益组织", "法律服务机构", "其他"],
       ["一、本年新收政府信息公开申请数量", "10", "2", "", "0", "1", "0", "13"],
       ["二、上年结转政府信息公开申请数量", "1", "0", "0", "0", "0", "0", "1"],
       ["三、本年度办理结果", "（一）予以公开", "5", "1", "0", "0", "0", "0", "6"],
       ["（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "1", "0", "0", "0", "0", "0", "1"],
       ["（三）不予公开", "1.属于国家秘密"] + ZERO]
      + [[lab] + ZERO for lab in ("2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
                                  "5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项")]
      + [["（四）无法提供", "1.本机关不掌握相关政府信息", "2", "0", "0", "0", "1", "0", "3"],
         ["2.没有现成信息需要另行制作"] + ZERO, ["3.补正后申请内容仍不明确"] + ZERO,
         ["（五）不予处理", "1.信访举报投诉类申请", "1", "0", "0", "0", "0", "0", "1"]]
      + [[lab] + ZERO for lab in ("2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
                                  "5.要求行政机关确认或重新出具已获取信息")]
      + [["（六）其他处理", "1", "1", "0", "0", "0", "0", "2"], ["（七）总计", "10", "2", "0", "0", "1", "0", "13"],
         ["四、结转下年度继续办理", "1", "0", "0", "0", "0", "0", "1"]])
T4 = [["行政复议", "行政诉讼"], ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"],
      ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2,
      ["1", "", "0", "0", "1", "2", "0", "", "0", "2", "0", "0", "0", "0", ""]]
SECTIONS = [("二、主动公开政府信息情况", T2_2019), ("三、收到和处理政府信息公开申请情况", T3),
            ("四、政府信息公开行政复议、行政诉讼情况", T4)]
HEAD = "某某县人民政府2019年政府信息公开工作年度报告\n\n本报告说明主动公开和依申请公开情况。\n一、总体情况\n全年工作平稳。\n"
TAIL = "五、存在的主要问题及改进情况\n仍有不足。\n"


def one_cell_per_line(cell_gap: int, row_gap: int, newline: str = "\n") -> str:
    """The report above with every cell on its own line: `cell_gap` blank lines between
    cells, `row_gap` between rows; a blank cell is only its separator."""
    out = [HEAD]
    for heading, rows in SECTIONS:
        out.append(heading + "\n" * (row_gap + 1))
        out.append(("\n" * (row_gap + 1)).join(("\n" * (cell_gap + 1)).join(r) for r in rows) + "\n" * (row_gap + 1))
    out.append(TAIL)
    return "".join(out).replace("\n", newline)


def cells_by(result) -> dict:
    return {(c.table[:1], c.row[-1] if c.row else "", "/".join(c.column[-2:])): c for c in result.cells}


@pytest.mark.parametrize("cell_gap,row_gap,newline", [(2, 4, "\r"), (1, 1, "\n"), (0, 0, "\n"), (1, 2, "\r\n")])
def test_cell_per_line_2019_blank_cells_where_the_gaps_say(cell_gap: int, row_gap: int, newline: str) -> None:
    result = extract_bytes(one_cell_per_line(cell_gap, row_gap, newline).encode(), "report.txt")
    assert result.template == "2019" and len(result.cells) == 198 and result.checks == []
    cells = cells_by(result)
    new = "一、本年新收政府信息公开申请数量"
    assert cells[("三", new, "法人或其他组织/科研机构")].value is None  # blank in the middle
    assert cells[("三", new, "法人或其他组织/社会公益组织")].value == 0
    assert cells[("三", new, "法人或其他组织/商业企业")].value == 2
    assert cells[("二", "其他对外管理服务事项", "本年增/减")].raw == ""
    assert cells[("二", "其他对外管理服务事项", "处理决定数量")].value == 9
    assert cells[("二", "行政许可", "本年增/减")].value == 2
    assert cells[("二", "政府集中采购", "采购总金额")].unit == "元"
    t4 = [c.raw for c in result.cells if c.table.startswith("四")]
    assert t4 == ["1", "", "0", "0", "1", "2", "0", "", "0", "2", "0", "0", "0", "0", ""]
    assert result.indicators["applications_received"] == 13
    assert result.indicators["litigation_total"] == 2


def test_cells_ending_with_pipes_one_per_line() -> None:
    lines = ["某某局2021年政府信息公开工作年度报告", "二、主动公开政府信息情况",
             "第二十条第(一)项 |", "|||", "信息内容 |", "本年制发件数 |", "本年废止件数 |", "现行有效件数 |",
             "规章 |", "0 |", "0 |", "1 |", "行政规范性文件", "|", "2 |", "|", "5 |",
             "第二十条第(五)项 |", "|||", "信息内容 |", "本年处理决定数量 |", "||", "行政许可 |", "7 |", "||",
             "五、存在的主要问题及改进情况", "无。"]
    result = extract_bytes("\n".join(lines).encode(), "report.txt")
    cells = cells_by(result)
    assert cells[("二", "行政规范性文件", "本年制发件数")].value == 2
    assert cells[("二", "行政规范性文件", "本年废止件数")].value is None
    assert cells[("二", "行政规范性文件", "现行有效件数")].value == 5
    assert cells[("二", "行政许可", "本年处理决定数量")].value == 7


def test_pre2019_form_one_cell_per_line_with_pipe_prefixes() -> None:
    lines = ["附件", "某市政府信息公开情况统计报表", "指 标 名 称", "| 计量", "单位", "| 代码", "| 本期实际", "| 本年累计",
             "|", "主动公开信息数", "| 条", "| 01", "| 12", "| 30", "|", "申请总数", "| 条", "| 10", "| 3", "|", "|",
             "行政复议数", "| 件", "| 32", "| 0", "| 1", "|"]
    result = extract_bytes("\n".join(lines).encode(), "form.txt")
    got = {(c.row[-1], c.column[0]): c.raw for c in result.cells}
    assert got[("主动公开信息数", "本期实际")] == "12" and got[("主动公开信息数", "本年累计")] == "30"
    assert got[("申请总数", "本期实际")] == "3" and got[("申请总数", "本年累计")] == ""
    assert result.indicators["applications_received"] == 3


def test_lines_without_a_table_anchor_are_left_alone() -> None:
    lines = ["规章", "", "0", "", "行政许可", "", "3"]
    assert celllines.split_text(lines) == [(False, lines)]


@pytest.mark.parametrize("title,name", [
    ("平潭综合实验区2024年度政府信息公开工作年度报告", "平潭综合实验区"),
    ("2019年上海市人民政府办公厅政府信息公开工作年度报告", "上海市人民政府办公厅"),
    ("衢州市机关事务管理局2017年政府信息公开工作年度报告", "衢州市机关事务管理局"),
    ("2021年政府信息公开工作年度报告", None),
    ("2023年度政府信息公开工作年度报告", None),
    ("关于报送2021年政府信息公开工作年度报告的通知", None),
])
def test_agency_from_titles_of_every_shape(title: str, name) -> None:
    assert agency.from_title(title) == name


def test_agency_from_a_sentence_and_a_two_line_title() -> None:
    assert agency.from_sentence("现公布泰州市人民政府2017年政府信息公开工作年度报告。") == "泰州市人民政府"
    assert agency.from_sentence("现发布《蒙城县工业和信息化局2024年政府信息公开工作年度报告》。") == "蒙城县工业和信息化局"
    assert agency.from_sentence("我局2017年政府信息公开工作年度报告如下。") is None
    assert agency.joined_title(["五常市民意乡", "2021年政府信息公开工作年度报告"]) == \
        "五常市民意乡2021年政府信息公开工作年度报告"
    assert signature(["无。", "河北省教育厅2024年1月26日"]) == ("河北省教育厅", "2024-01-26")


@pytest.mark.parametrize("chrome", ["来源：某某区人民政府办公室 时间：2025-03-10 10:00",
                                    "发布时间:2022-01-25 14:25:00 作者: 来源:",
                                    "来源: 某某县 时间: 2025-03-10"])
def test_publication_date_from_page_chrome(chrome: str) -> None:
    page = f"某某区2024年度政府信息公开工作年度报告\n{chrome}\n一、总体情况\n主动公开、依申请公开工作有序，行政复议0件。\n"
    result = extract_bytes(page.encode(), "page.txt")
    assert result.published_date == chrome.split("时间")[1].lstrip(":： ")[:10]


def pre_cell(label: str, column: str, value) -> Cell:
    return Cell("统计表", [label], [column], "件", value, "" if value is None else str(value))


def test_local_synonyms_map_indicators_from_the_current_year_column_only() -> None:
    cells = [pre_cell("受理依申请公开信息总数", "2013年度", 7), pre_cell("受理依申请公开信息总数", "历年累计", 28),
             pre_cell("政府信息公开收费减免金额", "2013年度", 5)]
    out = compute("pre2019", cells)
    assert out["applications_received"] == 7 and out["fees_collected"] is None
    # a blank current year is unknown, never the cumulative figure
    blank = [pre_cell("受理依申请公开信息总数", "2013年度", None), pre_cell("受理依申请公开信息总数", "历年累计", 28)]
    assert compute("pre2019", blank)["applications_received"] is None


def test_confidence_rule(tmp_path) -> None:
    from pathlib import Path

    golden = Path(__file__).parent / "golden"
    full = extract_bytes((golden / "celllines_t2021_province_dept.txt").read_bytes(), "a.txt")
    assert full.confidence == 1.0  # 200 of 200 template cells, no failed check, every header field
    notice = extract_bytes("关于开展政务公开培训的通知\n各单位：请按时参加。\n".encode(), "n.txt")
    assert notice.is_report is False and notice.confidence is None
    wrong = extract_bytes((golden / "t2021_inconsistent_checks.html").read_bytes(), "w.html")
    assert wrong.checks and wrong.confidence < 1.0
    bare = extract_bytes("某某镇2021年政府信息公开工作年度报告\n主动公开、依申请公开情况良好。\n".encode(), "b.txt")
    assert bare.is_report and bare.template == "unknown" and bare.confidence == round(0.25 + 0.25 * 0.75, 2)


def test_confidence_is_a_reports_column(tmp_path) -> None:
    import sqlite3
    from pathlib import Path

    from storage.archive import Archive

    golden = Path(__file__).parent / "golden"
    ex = extract_bytes((golden / "trs_name_year_title_chrome_time.html").read_bytes(), "p.html")
    archive = Archive(tmp_path / "a.db")
    archive.save_report(url="http://127.0.0.1/a.html", portal="t", extraction=ex)
    archive.close()
    with sqlite3.connect(tmp_path / "a.db") as conn:
        (value,) = conn.execute("select confidence from reports").fetchone()
    assert value == ex.confidence == 1.0


def test_accuracy_reads_case_folders_with_the_golden_corpus(tmp_path) -> None:
    """A folder per case (expected.json beside one input), scored with PAGE.expected.json
    pairs in one command; label fragments in printed order, acceptable indicator values."""
    import json
    import shutil
    from pathlib import Path

    from conftest import xxgk

    golden = Path(__file__).parent / "golden"
    case = tmp_path / "cases" / "province-dept"
    case.mkdir(parents=True)
    shutil.copy(golden / "celllines_t2021_province_dept.txt", case / "report.txt")
    expected = {"exit": [0], "is_report": True,
                "fields": {"agency": "河北省教育厅", "report_year": 2021, "signed_date": "2022-01-20"},
                "indicators": {"applications_carried_over": [None, 0], "litigation_total": [8]},
                "cells": [{"row": ["上年结转政府信息公开申请数量"], "col": ["总计"], "value": None},
                          {"row": ["其他处理", "其他"], "col": ["自然人"], "value": 0},
                          {"row": None, "col": ["未经复议直接起诉", "总计"], "value": 6},
                          {"row": ["信访举报投诉类申请"], "col": ["商业企业"], "value": 1}]}
    (case / "expected.json").write_text(json.dumps(expected, ensure_ascii=False), encoding="utf-8")
    result = xxgk("accuracy", str(golden), str(tmp_path / "cases"), timeout=120)
    assert result.returncode == 0, result.stderr
    assert "labelled cells (external cases): 4/4 right" in result.stdout
    assert "accuracy (fields and cells): 1.000" in result.stdout
    expected["cells"][3]["value"] = 2
    expected["fields"]["agency"] = "别的机关"
    (case / "expected.json").write_text(json.dumps(expected, ensure_ascii=False), encoding="utf-8")
    result = xxgk("accuracy", str(tmp_path / "cases"), timeout=120)
    assert "labelled cells (external cases): 3/4 right" in result.stdout
    assert "agency: 0/1" in result.stdout and "别的机关" in result.stdout


@pytest.mark.parametrize("cell_gap,row_gap", [(2, 4), (1, 1), (0, 0)])
def test_pre2019_statistics_table_one_cell_per_line_reads_as_the_pipe_form(cell_gap: int, row_gap: int) -> None:
    from pipelines.templates import PRE2019_ROWS

    figures = {"（一）主动公开政府信息数": "67", "（一）收到申请数": "5", "1.当面申请数": "2", "3.网络申请数": "3",
               "七、依申请公开信息收取的费用": "0.35", "（二）申请办结数": "5", "1.按时办结数": "5"}
    rows = [["统计指标", "单位", "统计数"]] + [[lab, unit, figures.get(lab, "" if unit == "——" else "0")]
                                            for _d, lab, unit in PRE2019_ROWS]
    head = "某某局2017年政府信息公开工作年度报告\n一、概述\n主动公开和依申请公开情况如下。\n政府信息公开情况统计表\n"
    tail = "\n某某局\n2018年1月20日\n"
    lines = ("\n" * (row_gap + 1)).join(("\n" * (cell_gap + 1)).join(r) for r in rows)
    piped = "\n".join(" | ".join(r) for r in rows)
    got = extract_bytes((head + lines + "\n" * (row_gap + 1) + tail).encode(), "lines.txt")
    want = extract_bytes((head + piped + tail).encode(), "pipes.txt")
    assert got.template == "pre2019" and len(got.cells) == len(want.cells) > 80
    assert [(c.row, c.column, c.raw) for c in got.cells] == [(c.row, c.column, c.raw) for c in want.cells]
    assert got.indicators == want.indicators and got.indicators["fees_collected"] == 3500
    assert (got.agency, got.signed_date) == ("某某局", "2018-01-20")  # the signature is not a table row


def test_local_form_without_a_unit_column() -> None:
    text = ("某县人民政府2012年政府信息公开工作年度报告\n一、概述\n主动公开、依申请公开情况如下。\n"
            "指标名称 | 2012年度 | 历年累计\n主动公开信息数 | 120 | 900\n受理依申请公开信息总数 | 4 | 30\n行政复议数 | | 1\n")
    result = extract_bytes(text.encode(), "form.txt")
    assert result.template == "pre2019" and len(result.cells) == 6
    assert result.indicators["proactive_disclosed"] == 120 and result.indicators["applications_received"] == 4
    assert result.indicators["reconsideration_total"] is None  # blank this year; 历年累计 is never used


def test_table_four_without_its_heading_after_table_three() -> None:
    text = one_cell_per_line(2, 4).replace("四、政府信息公开行政复议、行政诉讼情况\n", "")
    result = extract_bytes(text.encode(), "report.txt")
    assert len(result.cells) == 198 and result.checks == []
    assert [c.raw for c in result.cells if c.table.startswith("四")][:5] == ["1", "", "0", "0", "1"]


def test_a_blank_chrome_date_does_not_take_a_date_from_the_prose() -> None:
    page = ("发布时间:\n根据条例编制，统计期限自2021年1月1日起至2021年12月31日止。现将信访局2021年度政府信息公开工作报告如下：\n"
            "一、总体情况\n主动公开、依申请公开工作有序。\n")
    assert extract_bytes(page.encode(), "p.txt").published_date is None


def test_a_block_label_cut_one_character_per_row_becomes_one_label() -> None:
    from pipelines.wrapped import join_split_cells, join_row_tails

    label = "三、本年度办理结果"
    rows = [[ch, f"（{n}）", "1"] for n, ch in zip("一二三四五六七八九", label)]
    assert {r[0] for r in join_split_cells(rows)} == {label}
    # distinct labels in a column are left alone, numbered or not
    rows = [["主动公开信息数", "条", "1"], ["其中:全文电子化的主动公开信息数", "条", "2"], ["新增的行政规范性文件数", "条", "3"]]
    assert [r[0] for r in join_split_cells([list(r) for r in rows])] == [r[0] for r in rows]
    # the rest of a row pushed to the next page joins its row; a numbered parent row does not
    split = [["2.没有现成信息需要另行制", "1", "0"], ["作", "", ""], ["（五）不予处理", "", ""]]
    assert join_row_tails(split) == [["2.没有现成信息需要另行制作", "1", "0"], ["（五）不予处理", "", ""]]
