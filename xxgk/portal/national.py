"""Reports of the national templates for the demo portal: 国办公开办函〔2019〕60号 for
report years 2019–2020, 〔2021〕30号 from 2021 on (report-formats.md §1–§2).

Same agencies, header block, signature and encodings as the pre-2019 reports, so an
agency has one series from 2008 to 2024. Figures are generated as integers first and
hold where the forms say they must:

* table 三, per applicant column: 一 + 二 = （七）总计 + 四, （七） = the sum of every
  result row; 总计 = the six applicant columns; 二 of year Y is 四 of year Y-1 for the
  same agency (both come from `carried`, a pure function of agency and year);
* table 四: each 总计 = 维持 + 纠正 + 其他 + 尚未审结;
* table 二: 本年增/减 never takes a count below 0.

Then they are printed (zeros as 0 or as blank &nbsp; cells, signed 本年增/减, amounts
with or without 元/万元) into ExpectedCells, which the renderer prints as they are. A
few reports (layout.DEFECTS) carry one deliberate error, named by the checks it must
trip (ReportFacts.expected_checks).
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from functools import lru_cache
from typing import Optional

from pipelines.templates import (
    T2_BLOCKS_2019, T2_BLOCKS_2021, T2_NAME, T3_COLUMNS, T3_NAME, T3_ROWS_2019, T3_ROWS_2021,
    T4_COLUMNS, T4_NAME,
)
from xxgk.portal.facts import (
    AGENCIES, REPORT_ID0, Agency, Article, ExpectedCell, Look, NationalTables, Number, ReportFacts,
    ReportPlan, _contact, _signature_date, _split, _title, encoding_for, header_metadata, mix, money,
)

FIRST_YEAR, LAST_YEAR = 2019, 2024
N_YEARS = LAST_YEAR - FIRST_YEAR + 1
N_SLOTS = len(AGENCIES) * N_YEARS
T2019, T2021 = "2019", "2021"
DOCUMENT = {T2019: "国办公开办函〔2019〕60号", T2021: "国办公开办函〔2021〕30号"}


def template_for(year: int) -> str:
    return T2019 if year <= 2020 else T2021


# --- Deliberate errors ----------------------------------------------------------------
# name → the checks (pipelines/checks.py) a page printing it must fail, and only those.
DEFECT_T3_TOTAL = "t3_total_off_by_one"        # （七）总计 × 总计 printed one too many
DEFECT_T3_CARRIED = "t3_carried_off_by_one"    # 四、结转下年度 one too many (自然人 and 总计)
DEFECT_T4_TOTAL = "t4_total_off_by_one"        # 行政复议 总计 one more than its four results
DEFECT_CHECKS: dict[str, tuple[str, ...]] = {
    DEFECT_T3_TOTAL: ("t3_identity", "t3_results_total", "t3_row_total"),
    DEFECT_T3_CARRIED: ("t3_identity",),
    DEFECT_T4_TOTAL: ("t4_total",),
}

# --- Table 三: rows, columns and how requests are answered -----------------------------


def _leaf_paths(rows: tuple[tuple[int, str], ...]) -> tuple[tuple[str, ...], ...]:
    """Row paths of the rows that carry figures (a row followed by a deeper one is a
    spanning label only)."""
    stack: list[str] = []
    out = []
    for i, (depth, label) in enumerate(rows):
        stack = stack[:depth - 1] + [label]
        if i + 1 == len(rows) or rows[i + 1][0] <= depth:
            out.append(tuple(stack))
    return tuple(out)


T3_PATHS = {T2019: _leaf_paths(T3_ROWS_2019), T2021: _leaf_paths(T3_ROWS_2021)}
# Weights of the result rows （一）…（六） (in T3_PATHS order between 二 and （七）).
_RESULT_WEIGHTS_HEAD = (30, 6, 0.3, 0.5, 0.3, 1.5, 1.0, 1.2, 0.4, 1.0, 14, 2, 1.5, 3, 2, 0.5, 0.3, 0.8)
RESULT_WEIGHTS = {T2019: _RESULT_WEIGHTS_HEAD + (2.5,), T2021: _RESULT_WEIGHTS_HEAD + (1.2, 0.3, 1.0)}
for _t, _paths in T3_PATHS.items():   # 一, 二, results…, （七）, 四
    if len(_paths) != len(RESULT_WEIGHTS[_t]) + 4:
        raise RuntimeError("RESULT_WEIGHTS no longer line up with pipelines.templates.T3_ROWS")
# 自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他
APPLICANT_WEIGHTS = (80, 10, 0.6, 0.6, 4, 5)
N_APPLICANTS = len(APPLICANT_WEIGHTS)


def carried(seed: int, agency: Agency, year: int) -> list[int]:
    """Requests carried from `year` into the next, per applicant column: 四 of that year's
    report and 二 of the next one."""
    rng = random.Random(mix(seed, int(agency.code[:17]), year, 0xCA77))
    if rng.random() >= (0.3, 0.55, 0.85)[agency.scale]:
        return [0] * N_APPLICANTS
    return _split(rng, rng.randint(1, (1, 4, 15)[agency.scale]), APPLICANT_WEIGHTS)


def t3_figures(rng: random.Random, seed: int, agency: Agency, year: int, template: str) -> list[list[int]]:
    """One row of 7 figures (6 applicant columns, 总计) per T3_PATHS row."""
    scale = agency.scale
    base = (rng.randint(0, 4), rng.randint(3, 40), rng.randint(30, 360))[scale]
    new = _split(rng, int(base * (1 + 0.06 * (year - FIRST_YEAR))), APPLICANT_WEIGHTS)
    before, after = carried(seed, agency, year - 1), carried(seed, agency, year)
    new = [max(n, a - b) for n, b, a in zip(new, before, after)]
    done = [n + b - a for n, b, a in zip(new, before, after)]
    weights = RESULT_WEIGHTS[template]
    per_column = [_split(rng, d, weights) for d in done]
    rows = [new, before] + [[per_column[c][k] for c in range(N_APPLICANTS)] for k in range(len(weights))]
    rows += [done, after]
    return [r + [sum(r)] for r in rows]


def t4_figures(rng: random.Random, scale: int) -> list[int]:
    """15 figures: 复议, 直接起诉, 复议后起诉, each 维持/纠正/其他/尚未审结/总计."""
    out: list[int] = []
    for chance, top in (((0.15, 0.35, 0.7), (1, 3, 8)), ((0.1, 0.25, 0.5), (1, 2, 5)),
                        ((0.05, 0.15, 0.3), (1, 1, 3))):
        total = rng.randint(1, top[scale]) if rng.random() < chance[scale] else 0
        parts = _split(rng, total, (5, 1, 1, 1.5))
        out += parts + [total]
    return out


# --- Printing figures into cells --------------------------------------------------------

@lru_cache(maxsize=1 << 16)
def _cell(table: str, row: tuple[str, ...], column: tuple[str, ...], unit: Optional[str], raw: str,
          value: Optional[Number]) -> ExpectedCell:
    """Cells repeat a lot between reports (zeros): share them."""
    return ExpectedCell(row, column, unit, raw, value, table)


def _count(v: int, blank_zero: bool) -> tuple[str, Optional[int]]:
    return ("", None) if blank_zero and v == 0 else (str(v), v)


def _signed(v: int, blank_zero: bool, plus: bool) -> tuple[str, Optional[int]]:
    if v == 0:
        return _count(0, blank_zero)
    return (f"+{v}" if plus and v > 0 else str(v)), v


def _as_number(text: str) -> Number:
    return float(text) if "." in text else int(text)


def _amount(yuan: int, style: int, blank_zero: bool) -> tuple[str, Optional[Number], Optional[str]]:
    """采购总金额 as printed: 0 plain 元, 1 with 元, 2 in 万元 with the unit."""
    if yuan == 0 and blank_zero:
        return "", None, None
    if style == 2:
        text = money(yuan // 100)
        return text + "万元", _as_number(text), "万元"
    return (f"{yuan}元", yuan, "元") if style == 1 else (str(yuan), yuan, None)


def _t2_2019(rng: random.Random, scale: int, blank_zero: bool):
    plus = rng.random() < 0.5
    style = rng.randrange(3)
    made = rng.randint(0, (1, 4, 10)[scale])
    rows: dict[str, list[tuple[str, Optional[Number], Optional[str]]]] = {}

    def counts(*vs: int) -> list:
        return [(*_count(v, blank_zero), None) for v in vs]

    rows["规章"] = counts(0, 0, 0)
    rows["规范性文件"] = counts(made, made, rng.randint(5, (20, 60, 150)[scale]) + made)
    for label, items, decisions in (("行政许可", (5, 30, 80), (50, 1500, 6000)),
                                    ("其他对外管理服务事项", (3, 15, 40), (30, 500, 3000)),
                                    ("行政处罚", (20, 120, 300), (10, 200, 800)),
                                    ("行政强制", (2, 10, 30), (2, 20, 60))):
        before = rng.randint(0, items[scale])
        change = max(rng.randint(-3, 3), -before) if before else rng.randint(0, 1)
        made_decisions = rng.randint(0, decisions[scale]) if before + change else 0
        rows[label] = counts(before) + [(*_signed(change, blank_zero, plus), None)] + counts(made_decisions)
    fees_before = rng.randint(0, (1, 3, 8)[scale])
    rows["行政事业性收费"] = counts(fees_before) + [(*_signed(max(rng.randint(-1, 1), -fees_before), blank_zero, plus), None)]
    purchases = rng.randint(0, (5, 20, 60)[scale])
    yuan = purchases * rng.randint(20, 300) * 1000 + (rng.randint(1, 99) * 100 if purchases else 0)
    rows["政府集中采购"] = counts(purchases) + [_amount(yuan, style, blank_zero)]
    return rows


def _t2_2021(rng: random.Random, scale: int, blank_zero: bool):
    rows: dict[str, list[tuple[str, Optional[Number], Optional[str]]]] = {}

    def counts(*vs: int) -> list:
        return [(*_count(v, blank_zero), None) for v in vs]

    rows["规章"] = counts(0, 0, 0)
    rows["行政规范性文件"] = counts(rng.randint(0, (1, 5, 12)[scale]), rng.randint(0, (1, 3, 6)[scale]),
                                rng.randint(5, (20, 60, 150)[scale]))
    rows["行政许可"] = counts(rng.randint(0, (80, 2000, 8000)[scale]))
    rows["行政处罚"] = counts(rng.randint(0, (10, 200, 800)[scale]))
    rows["行政强制"] = counts(rng.randint(0, (2, 20, 60)[scale]))
    cents = rng.randint(1, (5_000, 200_000, 2_000_000)[scale]) if rng.random() < 0.5 else 0
    raw, value = ("", None) if cents == 0 and blank_zero else (money(cents), _as_number(money(cents)))
    rows["行政事业性收费"] = [(raw, value, "万元")]     # the header says （单位：万元）
    return rows


def national_tables(template: str, t2: dict, t3: list[list[int]], t4: list[int], blank_zero: bool) -> NationalTables:
    blocks = []
    for title, heads, items in (T2_BLOCKS_2019 if template == T2019 else T2_BLOCKS_2021):
        rows = tuple(tuple(_cell(T2_NAME, (title, item), (head,), unit, raw, value)
                           for head, (raw, value, unit) in zip(heads, t2[item]))
                     for item in items)
        blocks.append((title, heads, rows))
    t3_rows = tuple(tuple(_cell(T3_NAME, path, column, None, *_count(v, blank_zero))
                          for column, v in zip(T3_COLUMNS, figures))
                    for path, figures in zip(T3_PATHS[template], t3))
    t4_cells = tuple(_cell(T4_NAME, (), column, None, *_count(v, blank_zero)) for column, v in zip(T4_COLUMNS, t4))
    return NationalTables(template, tuple(blocks), t3_rows, t4_cells)


# --- Plans and facts ---------------------------------------------------------------------

def agency_year(m: int) -> tuple[Agency, int]:
    """The m-th national agency-year: agency by agency (city first), newest year first."""
    agency_no, r = divmod(m % N_SLOTS, N_YEARS)
    return AGENCIES[agency_no], LAST_YEAR - r


def national_plan(seed: int, index: int, m: int, defect: Optional[str] = None) -> ReportPlan:
    """Plan of the national report at position index, the m-th national agency-year.
    Written in January: the 2019 regulations want the report out by 31 January."""
    agency, year = agency_year(m)
    salt = mix(seed, m, 0x2019)
    written = date(year + 1, 1, 5) + timedelta(days=salt % 27)
    signed = written - timedelta(days=(salt >> 8) % 2)
    published = written + timedelta(days=(salt >> 12) % 5)
    return ReportPlan(index, REPORT_ID0 + index, agency, year, written, signed, published,
                      _title(agency, year, salt >> 16), salt, template_for(year), defect)


@lru_cache(maxsize=4096)
def _figures(seed: int, index: int, m: int, defect: Optional[str]):
    plan = national_plan(seed, index, m, defect)
    rng = random.Random(plan.salt)
    scale = plan.agency.scale
    blank_zero = defect is None and rng.random() < (0.35, 0.2, 0.1)[scale]
    t2 = (_t2_2019 if plan.template == T2019 else _t2_2021)(rng, scale, blank_zero)
    t3 = t3_figures(rng, seed, plan.agency, plan.year, plan.template)
    t4 = t4_figures(rng, scale)
    if defect == DEFECT_T3_TOTAL:
        t3[-2][-1] += 1
    elif defect == DEFECT_T3_CARRIED:
        t3[-1][0] += 1
        t3[-1][-1] += 1
    elif defect == DEFECT_T4_TOTAL:
        t4[4] += 1
    return plan, t2, t3, t4, blank_zero


@lru_cache(maxsize=4096)
def national_facts(seed: int, index: int, m: int, defect: Optional[str] = None) -> ReportFacts:
    plan = _figures(seed, index, m, defect)[0]
    index_no, metadata = header_metadata(plan, index)
    tables = national_tables_of(seed, index, m, defect)
    return ReportFacts(
        art_path=plan.path, title=plan.title, agency=plan.agency.name, publisher=plan.agency.short,
        index_no=index_no, written_date=plan.written.isoformat(), published_date=plan.published.isoformat(),
        signed_date=plan.signed.isoformat(), signed_date_text=_signature_date(plan), report_year=plan.year,
        encoding=encoding_for(plan.art_id), template=plan.template, cells=tables.cells, art_id=plan.art_id,
        metadata=metadata, expected_checks=DEFECT_CHECKS.get(defect or "", ()))


@lru_cache(maxsize=256)
def national_tables_of(seed: int, index: int, m: int, defect: Optional[str] = None) -> NationalTables:
    plan, t2, t3, t4, blank_zero = _figures(seed, index, m, defect)
    return national_tables(plan.template, t2, t3, t4, blank_zero)


# --- Prose (own wording; the figures come from the tables) -------------------------------

INTRO = (
    "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《中华人民共和国政府信息公开工作年度报告格式》"
    "（{document}）的要求编制，由{short}办公室负责汇总。全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
    "政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。本报告所列数据的统计期限自{year}年1月1日起"
    "至{year}年12月31日止。如对本报告有疑问，请与{short}办公室联系（联系人：{contact}，电话：{phone}）。",
    "根据《中华人民共和国政府信息公开条例》第五十条的规定，现公布{agency}{year}年度政府信息公开工作情况。报告中的数据统计期限为"
    "{year}年1月1日至{year}年12月31日。联系人：{contact}，联系电话：{phone}。",
)
HEADINGS = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况",
            ("五、存在的主要问题及改进情况", "五、政府信息公开工作存在的主要问题及改进情况"),
            "六、其他需要报告的事项")
_ACTIVE = (
    "{year}年，{self}以门户网站“政府信息公开”专栏为主平台，主动公开政府信息{items}条，及时发布机构职能、政策文件、"
    "财政预决算、行政执法等信息，并对照基层政务公开标准目录逐项梳理更新公开内容。",
    "{year}年，{self}坚持以公开为常态、不公开为例外，全年主动公开各类政府信息{items}条，重点做好重大决策、"
    "行政许可和行政处罚结果、财政资金等信息的公开，政策文件均同步发布解读材料。",
)
_REQUESTS = (
    "全年新收政府信息公开申请{new}件，上年结转{before}件；已办结{done}件，其中予以公开{granted}件、部分公开{partial}件，"
    "结转下年度继续办理{after}件。所有申请均在法定期限内答复。",
    "{year}年共受理政府信息公开申请{new}件，加上年结转的{before}件，全年办结{done}件，另有{after}件结转下年度继续办理。"
    "答复前严格履行审查程序，答复书均告知申请人救济途径。",
)
_NO_REQUESTS = "{year}年，{self}未收到政府信息公开申请，也没有上年结转的申请。"
_MANAGEMENT = (
    "（三）政府信息管理。严格执行公开前保密审查制度，动态更新政府信息公开指南和主动公开目录，对已公开的规范性文件进行清理并标注有效性。",
    "（三）政府信息管理。完善信息发布协调和审核机制，规范公文公开属性源头认定，全年未发生因公开不当引起的失泄密事件。",
)
_PLATFORM = (
    "（四）政府信息公开平台建设。依托市政府门户网站集约化平台发布信息，政务新媒体与网站同步更新，政务服务大厅设置政府信息查阅点。",
    "（四）政府信息公开平台建设。优化门户网站“政府信息公开”专栏栏目设置，加强政务新媒体管理，确保信息发布准确及时。",
)
_OVERSIGHT = (
    "（五）监督保障。将政府信息公开工作纳入年度目标责任考核，组织业务培训{trainings}次，自觉接受社会评议和群众监督。",
    "（五）监督保障。明确分管领导和专人负责，开展政府信息公开专题培训{trainings}次，对发现的问题及时整改。",
)
_APPEALS = ("全年因政府信息公开引起行政复议{recon}件、行政诉讼{lit}件，具体情况见下表。",)
_PROBLEMS = (
    "{year}年，{self}政府信息公开工作取得了一定成效，但仍存在一些不足：一是政策解读形式较为单一，图解、视频等形式运用不多；"
    "二是个别栏目信息更新不够及时。下一步，{self}将丰富解读形式，建立栏目更新提醒机制，加强对业务科室的指导和培训。",
    "存在的主要问题：主动公开的深度和广度还有差距，依申请公开答复的规范性有待提高。改进措施：进一步梳理公开事项清单，"
    "加强答复文书的法制审核，组织经办人员参加业务培训，不断提升政府信息公开工作质量。",
)
_OTHER_2019 = ("无。", "本年度无其他需要报告的事项。")
_OTHER_2021 = (
    "依据《政府信息公开信息处理费管理办法》，{year}年{self}未收取信息处理费。",
    "{year}年度，{self}没有收取信息处理费，无其他需要报告的事项。",
)


@lru_cache(maxsize=256)
def national_article(seed: int, index: int, m: int, defect: Optional[str] = None) -> Article:
    plan, _t2, t3, t4, _blank = _figures(seed, index, m, defect)
    facts = national_facts(seed, index, m, defect)
    tables = national_tables_of(seed, index, m, defect)
    s = plan.salt >> 34
    rng = random.Random(s)        # prose-only figures (not in any table)
    words = dict(year=plan.year, agency=plan.agency.name, short=plan.agency.short, self=plan.agency.self_word,
                 contact=_contact(plan, facts.encoding), phone=f"8{(s * 7919) % 10**7:07d}",
                 document=DOCUMENT[plan.template],
                 items=rng.randint(*((30, 200), (150, 900), (600, 5000))[plan.agency.scale]),
                 trainings=rng.randint(1, 4), new=t3[0][-1], before=t3[1][-1], done=t3[-2][-1], after=t3[-1][-1],
                 granted=t3[2][-1], partial=t3[3][-1], recon=t4[4], lit=t4[9] + t4[14])
    has_requests = any(words[k] for k in ("new", "before", "done", "after"))
    requests = (_REQUESTS[(s >> 1) % 2] if has_requests else _NO_REQUESTS).format(**words)
    active = _ACTIVE[s % 2].format(**words)
    if plan.template == T2021:
        overview = ("（一）主动公开。" + active, "（二）依申请公开。" + requests, _MANAGEMENT[(s >> 2) % 2],
                    _PLATFORM[(s >> 3) % 2], _OVERSIGHT[(s >> 4) % 2].format(**words))
        other = _OTHER_2021[(s >> 5) % 2].format(**words)
    else:
        overview = (active, requests)
        other = _OTHER_2019[(s >> 5) % 2]
    appeals = (_APPEALS[0].format(**words),) if words["recon"] or words["lit"] else ()
    sections = (
        (HEADINGS[0], overview),
        (HEADINGS[1], ()),
        (HEADINGS[2], ()),
        (HEADINGS[3], appeals),
        (HEADINGS[4][(s >> 6) % 2], (_PROBLEMS[(s >> 7) % 2].format(**words),)),
        (HEADINGS[5], (other,)),
    )
    metadata = facts.metadata if (s >> 8) % 2 else tuple(facts.metadata[k] for k in (0, 3, 4, 1, 2))
    return Article(
        art_id=plan.art_id, art_path=plan.path, title=plan.title, published_date=facts.published_date,
        encoding=facts.encoding, metadata=metadata, intro=(INTRO[(s >> 9) % 2].format(**words),),
        sections=sections, table=None, signature=(plan.agency.name, facts.signed_date_text),
        look=Look.from_bits(s >> 10), national=tables)
