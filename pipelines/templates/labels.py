"""Labels of the national report forms' tables 二, 三 and 四, as data, shared by the 2019 and
2021 forms (form2019.py and form2021.py hold what differs; pre2019.py the 统计表's labels).

The extraction parses tables as printed and never needs these lists to read a report; they
serve template detection, the canonical column paths, the indicator mapping and the demo
portal generator (which renders reports from them).
"""
from __future__ import annotations

# --- The national templates: 国办公开办函〔2019〕60号 (report years 2019–2020) and
# 国办公开办函〔2021〕30号 (report years 2021 on). Labels as in the official forms
# (../shared/reference/report-formats.md §1–2). Extraction keeps the labels as printed;
# these serve detection, the canonical column paths used when a printed header cannot be
# read (text form, headers lost), the indicator mapping and the demo generator.

# Table names the extraction gives the cells of tables 二, 三 and 四 (fixed, whatever
# the report's own heading says, so that the same table has the same name everywhere).
T2_NAME = "二、主动公开政府信息情况"
T3_NAME = "三、收到和处理政府信息公开申请情况"
T4_NAME = "四、政府信息公开行政复议、行政诉讼情况"
NATIONAL_TABLE_NAMES = (T2_NAME, T3_NAME, T4_NAME)
# Table 二: (block title, column headers after 信息内容, row labels). see form2019.py / form2021.py
T2_ROW_HEADER = "信息内容"

# Table 三: the corner cell, the canonical column paths (value columns in printed order)
# and the rows as (depth, label); depth 1 = 一、…, 2 = （一）…, 3 = 1.…
T3_CORNER = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
T3_COLUMNS: tuple[tuple[str, ...], ...] = (
    ("申请人情况", "自然人"),
    ("申请人情况", "法人或其他组织", "商业企业"),
    ("申请人情况", "法人或其他组织", "科研机构"),
    ("申请人情况", "法人或其他组织", "社会公益组织"),
    ("申请人情况", "法人或其他组织", "法律服务机构"),
    ("申请人情况", "法人或其他组织", "其他"),
    ("申请人情况", "总计"),
)
T3_ROWS_HEAD: tuple[tuple[int, str], ...] = (
    (1, "一、本年新收政府信息公开申请数量"),
    (1, "二、上年结转政府信息公开申请数量"),
    (1, "三、本年度办理结果"),
    (2, "（一）予以公开"),
    (2, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    (2, "（三）不予公开"),
    (3, "1.属于国家秘密"),
    (3, "2.其他法律行政法规禁止公开"),
    (3, "3.危及“三安全一稳定”"),
    (3, "4.保护第三方合法权益"),
    (3, "5.属于三类内部事务信息"),
    (3, "6.属于四类过程性信息"),
    (3, "7.属于行政执法案卷"),
    (3, "8.属于行政查询事项"),
    (2, "（四）无法提供"),
    (3, "1.本机关不掌握相关政府信息"),
    (3, "2.没有现成信息需要另行制作"),
    (3, "3.补正后申请内容仍不明确"),
    (2, "（五）不予处理"),
    (3, "1.信访举报投诉类申请"),
    (3, "2.重复申请"),
    (3, "3.要求提供公开出版物"),
    (3, "4.无正当理由大量反复申请"),
    (3, "5.要求行政机关确认或重新出具已获取信息"),
)
T3_ROWS_TAIL: tuple[tuple[int, str], ...] = (
    (2, "（七）总计"),
    (1, "四、结转下年度继续办理"),
)

# Table 四 (same in 2019 and 2021): 15 value columns, one data row.
T4_RESULTS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
T4_COLUMNS: tuple[tuple[str, ...], ...] = (
    tuple(("行政复议", r) for r in T4_RESULTS)
    + tuple(("行政诉讼", "未经复议直接起诉", r) for r in T4_RESULTS)
    + tuple(("行政诉讼", "复议后起诉", r) for r in T4_RESULTS)
)

# Indicators of tables 三 and 四 (the same in both national forms; README "Canonical
# indicators"): indicator -> the cells whose values are added (usually one), as
# (table, row label keys, column label keys). Row keys match the row path label by label
# (same length); column keys must all occur in the column path, in order, the last one
# matching the innermost label. Not fees_collected from 二 第二十条第（八）项 本年收费金额: that
# is the body's administrative fees (行政事业性收费), not fees for disclosure; the 2019/2021
# forms report those in prose (section 六, 信息处理费). Mapping one to the other would mislead.
NATIONAL_INDICATORS: dict[str, tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]] = {
    "applications_received": ((T3_NAME, ("本年新收",), ("总计",)),),
    "applications_carried_over": ((T3_NAME, ("上年结转",), ("总计",)),),
    "applications_completed": ((T3_NAME, ("本年度办理结果", "总计"), ("总计",)),),
    "carried_to_next_year": ((T3_NAME, ("结转下年度",), ("总计",)),),
    "reconsideration_total": ((T4_NAME, (), ("行政复议", "总计")),),
    "litigation_total": ((T4_NAME, (), ("未经复议直接起诉", "总计")), (T4_NAME, (), ("复议后起诉", "总计"))),
}
