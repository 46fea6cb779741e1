"""What the demo portal states: agencies, reports, notices and their page models.

Every fact is a pure function of (seed, index), so a portal of 100 000 reports
pays only for its list order up front; a report's table and prose are computed
when someone asks for that report. The fictional city 江澜市 keeps invented
numbers away from real agencies.

This module holds the shared models (ExpectedCell, ReportFacts, Article …), the
agencies, the pre-2019 reports (report years 2008–2018) and the notices; national.py
generates the 2019/2021-template reports (2019–2024) of the same agencies, and
layout.py says which report each position of portal.reports holds.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Mapping, Optional, Union

from pipelines.templates import PRE2019_COLUMNS, PRE2019_ROWS, PRE2019_TABLE_NAME

Number = Union[int, float]

# --- The site -------------------------------------------------------------------------

SITE_NAME = "江澜市人民政府信息公开（演示门户）"
WEB_NAME = "江澜市人民政府"
CITY = "江澜市"
COLUMN_ID = 1229000001
UNIT_ID = 5001
WEB_ID = 1
PER_PAGE = 15
COLUMN_PATH = f"/col/col{COLUMN_ID}/index.html"
TEMPLATE = "pre2019"
FIRST_YEAR, LAST_YEAR = 2008, 2018
# The standard demo: the reference report, 47 pre-2019 reports, the 2019–2024 reports
# of the twelve city agencies (national templates) and one more pre-2019 report.
# layout.py says which position holds which report.
STANDARD_REPORTS = 121
NOTICE_ID0 = 1001                # article ids: notices from here ...
REPORT_ID0 = 10001               # ... reports from here (reports[i] has id REPORT_ID0 + i)
FIRST_GENERATED = 1              # reports[0] is the reference report (quzhou.py)
UTF8, GBK = "utf-8", "gbk"

# Header-block labels (canonical spelling; render.py varies the printed form).
LABEL_INDEX_NO = "索引号"
LABEL_WRITTEN = "成文日期"
LABEL_METHOD = "公开方式"
LABEL_CATEGORY = "组配分类"
LABEL_PUBLISHER = "发布机构"
METHOD_PROACTIVE = "主动公开"
CATEGORY_REPORTS = "政府信息公开年报"
APPENDIX_LABEL = "附表："
STAT_COLUMN = (PRE2019_COLUMNS[-1],)   # ("统计数",)
HEADER_UNIT = "——"                     # unit of section-header rows: always blank

# Outline of a pre-2019 report (section 三 has a common alternative wording).
SECTION_HEADINGS = (
    "一、概述",
    "二、主动公开政府信息情况",
    ("三、依申请公开政府信息情况", "三、政府信息依申请公开办理情况"),
    "四、政府信息公开的收费及减免情况",
    "五、因政府信息公开申请行政复议、提起行政诉讼的情况",
    "六、存在的主要问题及改进措施",
    "七、其他需要报告的事项",
)
TITLE_PATTERNS = (   # weights: most agencies use the first
    ("{agency}{year}年政府信息公开工作年度报告", 7),
    ("{agency}{year}年度政府信息公开工作年度报告", 2),
    ("{agency}{year}年政府信息公开年报", 1),
    ("{agency}{year}年度政府信息公开工作报告", 1),
)

# --- Dataclasses ----------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedCell:
    """One statistics-table cell as an extractor should report it."""
    row: tuple[str, ...]
    column: tuple[str, ...]
    unit: Optional[str]          # None where the page prints no unit (national tables)
    raw: str
    value: Optional[Number]
    table: str = PRE2019_TABLE_NAME


@dataclass(frozen=True)
class ReportFacts:
    """The ground truth of one report page, for checking crawls and extraction."""
    art_path: str
    title: str
    agency: str
    publisher: str
    index_no: str
    written_date: str
    published_date: str
    signed_date: str
    signed_date_text: str
    report_year: int
    encoding: str
    template: str
    cells: tuple[ExpectedCell, ...]
    art_id: int = 0
    metadata: tuple[tuple[str, str], ...] = ()   # header block: (canonical label, value as printed)
    expected_checks: tuple[str, ...] = ()        # consistency checks the page fails on purpose


@dataclass(frozen=True)
class NoticeFacts:
    """A list entry that is not a report (it must not end up in the archive as one)."""
    art_path: str
    title: str
    published_date: str
    art_id: int = 0
    encoding: str = UTF8


@dataclass(frozen=True)
class ListEntry:
    """What a list record shows: link, full title and date."""
    art_path: str
    title: str
    published_date: str


@dataclass(frozen=True)
class Look:
    """Layout choices of one article page, so that pages differ as real ones do."""
    label_spacing: int = 0        # 0 索引号, 1 索 引 号, 2 索　引　号 (three-character labels)
    ascii_colon: bool = False     # "：" or ":"
    label_tag: int = 0            # 0 <td class>, 1 <th>, 2 <td><b>
    caption_in_table: bool = False
    spaced_header: bool = False   # 统 计 指 标
    word_cells: bool = False      # cells wrapped in <p><span> as exported from Word
    blank_offset: int = 0         # which blank-cell spelling comes first

    @classmethod
    def from_bits(cls, bits: int) -> "Look":
        return cls(label_spacing=bits % 3, ascii_colon=bool(bits // 3 % 2), label_tag=bits // 6 % 3,
                   caption_in_table=bool(bits // 18 % 2), spaced_header=bool(bits // 36 % 2),
                   word_cells=bool(bits // 72 % 2), blank_offset=bits // 144 % 3)


@dataclass(frozen=True)
class StatTable:
    year: int
    cells: tuple[ExpectedCell, ...]
    name: str = PRE2019_TABLE_NAME


@dataclass(frozen=True)
class NationalTables:
    """Tables 二, 三 and 四 of a 2019/2021-template report, as the page prints them.

    The renderer prints these very cells (labels from their paths, raw text as is),
    so the page and the expected extraction cannot drift apart.
    t2: (block title, value headers, rows of cells); t3: the value rows, seven cells
    each (applicant columns, then 总计); t4: the fifteen cells of the data row."""
    template: str
    t2: tuple[tuple[str, tuple[str, ...], tuple[tuple[ExpectedCell, ...], ...]], ...]
    t3: tuple[tuple[ExpectedCell, ...], ...]
    t4: tuple[ExpectedCell, ...]

    @property
    def cells(self) -> tuple[ExpectedCell, ...]:
        out = [c for _title, _heads, rows in self.t2 for row in rows for c in row]
        out += [c for row in self.t3 for c in row]
        return tuple(out) + self.t4


@dataclass(frozen=True)
class Article:
    """One article page before markup: what it says, in order, and how it looks."""
    art_id: int
    art_path: str
    title: str
    published_date: str
    encoding: str
    metadata: tuple[tuple[str, str], ...]        # shown two pairs a row, in this order
    intro: tuple[str, ...]
    sections: tuple[tuple[str, tuple[str, ...]], ...]
    table: Optional[StatTable]
    signature: tuple[str, ...]                   # right-aligned closing lines
    look: Look = Look()
    national: Optional[NationalTables] = None    # 2019/2021 templates: tables 二/三/四 after
                                                 # the headings of sections[1], [2] and [3]


@dataclass(frozen=True)
class Agency:
    name: str          # full name, as in titles and signatures
    short: str         # 发布机构 as printed
    scale: int         # 0 small, 1 medium, 2 large: how much it publishes and is asked
    focus: int         # the application type (1..18) it is asked about most
    code: str          # organisation code, the first part of 索引号

    @property
    def self_word(self) -> str:
        """How the agency calls itself in prose (我局, 我委)."""
        return "我委" if self.name.endswith("委员会") else "我局"


# --- Agencies -------------------------------------------------------------------------

_CITY_AGENCIES = (   # (name without the city, short name, scale, focus)
    ("财政局", "市财政局", 2, 1),
    ("教育局", "市教育局", 2, 12),
    ("民政局", "市民政局", 1, 10),
    ("人力资源和社会保障局", "市人力社保局", 2, 9),
    ("国土资源局", "市国土资源局", 2, 2),
    ("卫生和计划生育委员会", "市卫生计生委", 1, 11),
    ("统计局", "市统计局", 0, 13),
    ("交通运输局", "市交通运输局", 1, 4),
    ("环境保护局", "市环保局", 1, 7),
    ("审计局", "市审计局", 0, 1),
    ("住房和城乡建设局", "市住建局", 1, 3),
    ("农业局", "市农业局", 0, 18),
)
_COUNTIES = ("澜江区", "清溪区", "白沙区", "云岭县", "东港县", "南屏县")


def _org_code(n: int) -> str:
    """An 18-character code in the shape of a unified credit code (region 3399xx does not exist)."""
    body = f"11339{n % 1000:03d}{(n * 48271 + 1009) % 10**9:09d}"
    return body + "0123456789X"[sum(int(c) for c in body) % 11]


def _agencies() -> tuple[Agency, ...]:
    city = tuple(Agency(CITY + name, short, scale, focus, _org_code(k))
                 for k, (name, short, scale, focus) in enumerate(_CITY_AGENCIES))
    county = tuple(
        Agency(CITY + county + name, county[-1] + short[1:], max(scale - 1, 0), focus,
               _org_code(100 + c * 50 + k))
        for c, county in enumerate(_COUNTIES)
        for k, (name, short, scale, focus) in enumerate(_CITY_AGENCIES))
    return city + county


AGENCIES = _agencies()
N_CITY = len(_CITY_AGENCIES)
N_YEARS = LAST_YEAR - FIRST_YEAR + 1

# Contact people of the reports' prose. GBK pages name someone from the second list,
# whose characters lie outside GB2312 (a page labelled gb2312 then only decodes as GBK).
CONTACTS = ("陈晓燕", "王建军", "李红梅", "周立新", "吴敏", "郑海峰", "徐丽华", "孙志刚")
CONTACTS_OUTSIDE_GB2312 = ("王镕", "陈喆", "刘镕华", "周喆")

# --- Small deterministic helpers ------------------------------------------------------

_MASK = (1 << 64) - 1


def mix(*parts: int) -> int:
    """splitmix64 over the parts: cheap and stable across runs (str hash() is salted)."""
    h = 0x9E3779B97F4A7C15
    for p in parts:
        z = (h ^ (p & _MASK)) * 0xBF58476D1CE4E5B9 & _MASK
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB & _MASK
        h = z ^ (z >> 31)
    return h


def art_path(art_id: int, published: date) -> str:
    return f"/art/{published.year}/{published.month}/{published.day}/art_{COLUMN_ID}_{art_id}.html"


def encoding_for(art_id: int) -> str:
    """One article page in six is legacy GBK (fixed by id, so independent of the seed)."""
    return GBK if art_id % 6 == 3 else UTF8


_CN_DIGITS = "〇一二三四五六七八九"


def _cn_small(n: int) -> str:
    tens, ones = divmod(n, 10)
    if not tens:
        return _CN_DIGITS[ones]
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def chinese_date(d: date, zero: str = "〇") -> str:
    """二〇一八年二月二十七日 (zero may be the look-alike ○ U+25CB, as some pages type it)."""
    year = "".join(_CN_DIGITS[int(c)] for c in str(d.year)).replace("〇", zero)
    return f"{year}年{_cn_small(d.month)}月{_cn_small(d.day)}日"


def arabic_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def money(cents: int) -> str:
    """万元 amount as printed: 0.35, 12.5, 3."""
    return f"{cents // 100}.{cents % 100:02d}".rstrip("0").rstrip(".")


# --- The statistics table -------------------------------------------------------------

def _row_paths() -> tuple[tuple[str, ...], ...]:
    """Label path of every PRE2019_ROWS row: the open labels of shallower depth, then its own."""
    stack: list[str] = []
    paths = []
    for depth, label, _unit in PRE2019_ROWS:
        stack = stack[:depth - 1] + [label]
        paths.append(tuple(stack))
    return tuple(paths)


ROW_PATHS = _row_paths()
ROW_UNITS = tuple(unit for _depth, _label, unit in PRE2019_ROWS)

# One English key per PRE2019_ROWS row, in order, so that the generator can state how
# rows relate (sums, subsets) without spelling labels. "h_" rows are section headers.
ROW_KEYS: tuple[str, ...] = (
    "h_proactive", "proactive", "normative_public", "normative_issued",
    "h_channels", "ch_gazette", "ch_website", "ch_weibo", "ch_weixin", "ch_other",
    "h_response", "hot_topics", "h_response_channels", "press", "press_leader",
    "interviews", "interviews_leader", "interpretations", "weibo_weixin_responses", "other_responses",
    "h_applications", "received", "recv_in_person", "recv_fax", "recv_online", "recv_letter",
    "concluded", "concluded_on_time", "concluded_extended",
    "replies", "rep_already_public", "rep_granted", "rep_partial", "rep_refused",
    "ref_state_secret", "ref_commercial_secret", "ref_privacy", "ref_security",
    "ref_not_gov_info", "ref_other_law",
    "rep_not_ours", "rep_nonexistent", "rep_amend", "rep_other_channel",
    "types", *(f"type_{k:02d}" for k in range(1, 19)),
    "reconsideration", "recon_upheld", "recon_corrected", "recon_other",
    "litigation", "lit_upheld", "lit_corrected", "lit_other",
    "complaints", "fees",
    "h_capacity", "offices", "reading_points", "staff", "staff_fulltime", "staff_parttime", "funding",
    "h_meetings", "meetings", "trainings", "trainees",
)
if len(ROW_KEYS) != len(PRE2019_ROWS) or any(
        key.startswith("h_") != (unit == HEADER_UNIT) for key, unit in zip(ROW_KEYS, ROW_UNITS)):
    raise RuntimeError("ROW_KEYS no longer line up with pipelines.templates.PRE2019_ROWS")

_BLANK_CELLS = tuple(ExpectedCell(path, STAT_COLUMN, unit, "", None)
                     for path, unit in zip(ROW_PATHS, ROW_UNITS))


_VALUE_ROWS = tuple((k, key) for k, key in enumerate(ROW_KEYS) if not key.startswith("h_"))


@lru_cache(maxsize=1 << 16)
def _cell(k: int, raw: str) -> ExpectedCell:
    """Cells are immutable and small numbers repeat: share them between reports."""
    return ExpectedCell(ROW_PATHS[k], STAT_COLUMN, ROW_UNITS[k], raw, float(raw) if "." in raw else int(raw))


def make_cells(values: Mapping[str, Union[int, str, None]], print_zeros: bool) -> tuple[ExpectedCell, ...]:
    """Cells of the whole table. values: key → int, money text (万元) or None (left blank)."""
    cells = list(_BLANK_CELLS)
    for k, key in _VALUE_ROWS:
        v = values.get(key)
        if v is None or (not print_zeros and (v == 0 or v == "0")):
            continue
        cells[k] = _cell(k, v if isinstance(v, str) else str(v))
    return tuple(cells)


def values_of(cells: tuple[ExpectedCell, ...]) -> dict[str, Number]:
    """key → value, blanks as 0: what the prose of a generated report can cite."""
    return {key: (cell.value or 0) for key, cell in zip(ROW_KEYS, cells)}


def _split(rng: random.Random, total: int, weights: tuple[float, ...]) -> list[int]:
    """total shared out roughly by weights (jittered); the parts always sum to total."""
    if not total:
        return [0] * len(weights)
    shares = [w * (0.4 + rng.random()) for w in weights]
    scale = total / sum(shares)
    parts = [int(x * scale) for x in shares]
    parts[shares.index(max(shares))] += total - sum(parts)
    return parts


def generate_values(rng: random.Random, scale: int, year: int, focus: int) -> dict[str, Union[int, str, None]]:
    """Plausible, internally consistent figures for one agency-year.

    Sums hold where the form implies them (收到申请数 = its four channels, 申请办结数 =
    按时 + 延期, 申请答复数 = its eight outcomes, 不同意公开 = its six reasons, 申请类型数 =
    收到申请数, 复议/诉讼 = their outcomes, 人员数 = 专职 + 兼职); subsets stay below their
    whole. Rows the national form did not have yet (微博, 微信, 回应解读) stay blank early on.
    """
    v: dict[str, Union[int, str, None]] = {}
    damp = 2 if year <= 2010 else 1
    proactive = rng.randint(*((15, 120), (80, 700), (400, 4000))[scale]) // damp
    v["proactive"] = proactive
    v["normative_public"] = normative = rng.randint(0, (2, 12, 40)[scale])
    v["normative_issued"] = normative + rng.randint(0, 3)
    v["ch_gazette"] = rng.randint(0, normative) if scale else 0
    v["ch_website"] = proactive - rng.randint(0, proactive // 20)
    v["ch_weibo"] = rng.randint(0, proactive // 3) if year >= 2011 else None
    v["ch_weixin"] = rng.randint(0, proactive // 3) if year >= 2014 else None
    v["ch_other"] = rng.randint(0, proactive // 10)
    if year >= 2013:
        v["hot_topics"] = hot = rng.randint(0, (3, 15, 60)[scale])
        v["press"] = press = rng.randint(0, (1, 6, 24)[scale])
        v["press_leader"] = rng.randint(0, press)
        v["interviews"] = talks = rng.randint(0, (1, 4, 12)[scale])
        v["interviews_leader"] = rng.randint(0, talks)
        v["interpretations"] = rng.randint(0, (3, 20, 80)[scale])
        v["weibo_weixin_responses"] = rng.randint(0, hot)
        v["other_responses"] = rng.randint(0, hot)
    received = (rng.choice((0, 0, 0, 1, 2, 3)), rng.randint(0, 25), rng.randint(10, 300))[scale] // damp
    v["received"] = received
    parts = _split(rng, received, (3, 0.3, 5, 1.5))
    v.update(zip(("recv_in_person", "recv_fax", "recv_online", "recv_letter"), parts))
    concluded = received - rng.randint(0, received // 15)
    extended = rng.randint(0, concluded // 8)
    v.update(concluded=concluded, concluded_on_time=concluded - extended, concluded_extended=extended)
    v["replies"] = concluded
    outcomes = _split(rng, concluded, (3, 6, 1, 1, 2, 2, 1, 1))
    v.update(zip(("rep_already_public", "rep_granted", "rep_partial", "rep_refused",
                  "rep_not_ours", "rep_nonexistent", "rep_amend", "rep_other_channel"), outcomes))
    reasons = _split(rng, outcomes[3], (0.5, 1, 2, 0.5, 3, 1))
    v.update(zip(("ref_state_secret", "ref_commercial_secret", "ref_privacy", "ref_security",
                  "ref_not_gov_info", "ref_other_law"), reasons))
    v["types"] = received
    weights = tuple(12 if k == focus else 3 if k == 18 else 1 for k in range(1, 19))
    v.update(zip((f"type_{k:02d}" for k in range(1, 19)), _split(rng, received, weights)))
    for total_key, keys, top in (("reconsideration", ("recon_upheld", "recon_corrected", "recon_other"), (0, 2, 5)),
                                 ("litigation", ("lit_upheld", "lit_corrected", "lit_other"), (0, 1, 3))):
        total = rng.randint(0, top[scale]) if rng.random() < 0.4 else 0
        v[total_key] = total
        v.update(zip(keys, _split(rng, total, (4, 1, 1))))
    v["complaints"] = rng.randint(0, (0, 2, 5)[scale]) if rng.random() < 0.3 else 0
    v["fees"] = money(rng.randint(1, (20, 60, 300)[scale])) if received and rng.random() < 0.25 else 0
    v["offices"] = 1 if scale or rng.random() < 0.5 else 0
    v["reading_points"] = rng.randint(1, (1, 3, 9)[scale])
    v["staff_fulltime"] = full = rng.randint(0, (0, 2, 4)[scale])
    v["staff_parttime"] = part = rng.randint(1, (2, 4, 8)[scale])
    v["staff"] = full + part
    v["funding"] = money(rng.randint(*((20, 150), (50, 1500), (500, 6000))[scale])) if scale or rng.random() < 0.3 else 0
    v["meetings"] = rng.randint(0, (2, 4, 8)[scale])
    v["trainings"] = trainings = rng.randint(0, (1, 3, 6)[scale])
    v["trainees"] = trainings * rng.randint(12, 60)
    return v


# --- Generated reports ----------------------------------------------------------------

@dataclass(frozen=True)
class ReportPlan:
    """The cheap part of a generated report: enough to list it and to seed the rest."""
    index: int
    art_id: int
    agency: Agency
    year: int
    written: date
    signed: date
    published: date
    title: str
    salt: int
    template: str = TEMPLATE
    defect: Optional[str] = None     # the inconsistency printed on purpose (see layout.py)

    @property
    def path(self) -> str:
        return art_path(self.art_id, self.published)

    @property
    def entry(self) -> ListEntry:
        return ListEntry(self.path, self.title, self.published.isoformat())


def _agency_year(g: int) -> tuple[Agency, int]:
    """The g-th agency-year: city agencies over all years first (every agency and year
    early on), then county agencies; a huge portal cycles through them again."""
    city_slots = N_CITY * N_YEARS
    county_slots = (len(AGENCIES) - N_CITY) * N_YEARS
    g %= city_slots + county_slots
    if g < city_slots:
        q, r = divmod(g, N_YEARS)
        step = 5 if math.gcd(5, N_CITY) == 1 else 1
        return AGENCIES[(r + step * q) % N_CITY], LAST_YEAR - r
    q, r = divmod(g - city_slots, N_YEARS)
    return AGENCIES[N_CITY + (r + q) % (len(AGENCIES) - N_CITY)], LAST_YEAR - r


def _title(agency: Agency, year: int, salt: int) -> str:
    pick = salt % sum(w for _p, w in TITLE_PATTERNS)
    for pattern, weight in TITLE_PATTERNS:
        if pick < weight:
            return pattern.format(agency=agency.name, year=year)
        pick -= weight
    raise AssertionError("unreachable")


def report_plan(seed: int, index: int, g: Optional[int] = None, defect: Optional[str] = None) -> ReportPlan:
    """Plan of the pre-2019 report at position index (index ≥ FIRST_GENERATED): agency,
    year, dates, title. g, the agency-year slot, defaults to index - FIRST_GENERATED."""
    g = index - FIRST_GENERATED if g is None else g
    agency, year = _agency_year(g)
    salt = mix(seed, g, 0x5EED)
    # written between 8 January and the end of March of the following year
    written = date(year + 1, 1, 8) + timedelta(days=salt % 83)
    signed = written - timedelta(days=1 + (salt >> 8) % 2)
    published = written + timedelta(days=(salt >> 12) % 5)
    return ReportPlan(index, REPORT_ID0 + index, agency, year, written, signed, published,
                      _title(agency, year, salt >> 16), salt, TEMPLATE, defect)


def _signature_date(plan: ReportPlan) -> str:
    if plan.index % 97 == FIRST_GENERATED + 2:      # a few type the look-alike circle ○
        return chinese_date(plan.signed, zero="○")
    return chinese_date(plan.signed) if (plan.salt >> 20) % 20 < 9 else arabic_date(plan.signed)


def header_metadata(plan: ReportPlan, index: int) -> tuple[str, tuple[tuple[str, str], ...]]:
    """(索引号, header block) of the report at position index."""
    written_text = arabic_date(plan.written) if (plan.salt >> 26) % 5 == 0 else plan.written.isoformat()
    category = f"{plan.year}年度" if (plan.salt >> 29) % 2 else CATEGORY_REPORTS
    index_no = f"{plan.agency.code}/{plan.written.year}-{10000 + index:05d}"
    return index_no, ((LABEL_INDEX_NO, index_no), (LABEL_WRITTEN, written_text), (LABEL_METHOD, METHOD_PROACTIVE),
                      (LABEL_CATEGORY, category), (LABEL_PUBLISHER, plan.agency.short))


# The one deliberate inconsistency a pre-2019 report can carry: 收到申请数 printed one
# more than its four channels (当面 + 传真 + 网络 + 信函).
DEFECT_RECEIVED = "received_off_by_one"
PRE2019_DEFECT_CHECKS = {DEFECT_RECEIVED: ("pre2019_parts",)}


@lru_cache(maxsize=4096)
def report_facts(seed: int, index: int, g: Optional[int] = None, defect: Optional[str] = None) -> ReportFacts:
    """The pre-2019 report at position index (the defaults give what every portal
    position up to 47 holds; layout.py passes g and defect for the others)."""
    plan = report_plan(seed, index, g, defect)
    rng = random.Random(plan.salt)
    values = generate_values(rng, plan.agency.scale, plan.year, plan.agency.focus)
    print_zeros = rng.random() < (0.15, 0.5, 0.85)[plan.agency.scale]
    if defect == DEFECT_RECEIVED:
        print_zeros = True       # every channel printed, so the sum visibly disagrees
        values["received"] = sum(values[k] for k in ("recv_in_person", "recv_fax", "recv_online", "recv_letter")) + 1
    index_no, metadata = header_metadata(plan, index)
    return ReportFacts(
        art_path=plan.path, title=plan.title, agency=plan.agency.name, publisher=plan.agency.short,
        index_no=index_no, written_date=plan.written.isoformat(),
        published_date=plan.published.isoformat(), signed_date=plan.signed.isoformat(),
        signed_date_text=_signature_date(plan), report_year=plan.year,
        encoding=encoding_for(plan.art_id), template=TEMPLATE,
        cells=make_cells(values, print_zeros), art_id=plan.art_id, metadata=metadata,
        expected_checks=PRE2019_DEFECT_CHECKS.get(defect or "", ()))


# --- Prose of generated reports (own wording; the numbers come from the table) --------

_OVERVIEW = (
    "{year}年，{short}把政府信息公开作为转变作风、接受监督的一项经常性工作，由办公室牵头承办，"
    "各科室指定信息员负责本条线信息的收集和报送，形成了“谁制作、谁公开、谁负责”的工作链条。",
    "{year}年，{self}对照市政府的年度部署，修订了信息发布审核和保密审查办法，对拟公开的信息实行"
    "科室初审、办公室复核、分管领导签发三级把关，公开工作的规范化水平有所提升。",
    "一年来，{self}坚持以公开为常态、不公开为例外，在调整充实信息公开工作领导小组的同时，"
    "结合机构和人员变动及时更新公开目录，使公开内容与实际职能保持一致。",
)
_PROBLEMS = (
    "工作中仍有不足：个别科室对主动公开的时效重视不够，信息更新偶有滞后；公开内容以工作动态居多，"
    "政策解读和数据类信息偏少。下一步，{self}将加强对信息员的业务培训，完善考核通报办法，提高公开信息的质量。",
    "对照上级要求和群众期待，{self}的信息公开工作还有差距，主要是公开形式较为单一，与网上办事、"
    "政民互动衔接不够紧密。今后将拓展公开渠道，做好重要政策的解读和回应，推动公开工作向纵深发展。",
)
_OTHER = ("无。", "本年度无其他需要报告的事项。")
_INTRO = (
    "本报告依据《中华人民共和国政府信息公开条例》编制，由{agency}办公室负责汇总，分为概述、主动公开政府"
    "信息情况、依申请公开政府信息情况、收费及减免情况、行政复议和行政诉讼情况、存在的主要问题及改进措施、"
    "其他需要报告的事项七个部分。所列数据的统计期限为{year}年1月1日至{year}年12月31日。"
    "对本报告如有疑问，请与{short}办公室联系（联系人：{contact}，电话：{phone}）。",
    "按照《中华人民共和国政府信息公开条例》的规定，现向社会公布{agency}{year}年度政府信息公开工作情况，"
    "报告中的数据截至{year}年12月31日。联系人：{contact}，联系电话：{phone}。",
)


def _contact(plan: ReportPlan, encoding: str) -> str:
    names = CONTACTS_OUTSIDE_GB2312 if encoding == GBK else CONTACTS
    return names[(plan.salt >> 32) % len(names)]


def _proactive_text(v: Mapping[str, Number], year: int, self_word: str) -> str:
    text = f"{year}年，{self_word}共主动公开政府信息{v['proactive']}条，其中通过政府网站公开{v['ch_website']}条"
    if v["ch_weibo"]:
        text += f"，通过政务微博发布{v['ch_weibo']}条"
    if v["ch_weixin"]:
        text += f"，通过政务微信发布{v['ch_weixin']}条"
    text += "。"
    if v["normative_public"]:
        text += f"全年公开规范性文件{v['normative_public']}件。"
    return text + "公开的内容主要涉及机构职能、政策文件、规划计划、财政资金、人事任免和业务工作动态。"


def _response_text(v: Mapping[str, Number]) -> Optional[str]:
    if not v["hot_topics"] and not v["interpretations"]:
        return None
    text = f"围绕社会关注的问题，全年回应公众关注热点或舆情{v['hot_topics']}次，发布政策解读稿件{v['interpretations']}篇"
    if v["press"]:
        text += f"，参加或举办新闻发布会{v['press']}次"
    return text + "。"


def _applications_text(v: Mapping[str, Number], year: int, self_word: str) -> str:
    if not v["received"]:
        return f"{year}年，{self_word}未收到公民、法人或其他组织提出的政府信息公开申请。"
    return (f"全年共收到政府信息公开申请{v['received']}件，其中当面申请{v['recv_in_person']}件、"
            f"传真申请{v['recv_fax']}件、网络申请{v['recv_online']}件、信函申请{v['recv_letter']}件。"
            f"已办结{v['concluded']}件，其中按时办结{v['concluded_on_time']}件。从答复情况看，属于已主动公开范围的"
            f"{v['rep_already_public']}件，同意公开{v['rep_granted']}件，同意部分公开{v['rep_partial']}件，"
            f"不同意公开{v['rep_refused']}件，其余为不属于本机关公开、信息不存在或告知通过其他途径办理等情形。")


def _fees_text(v: Mapping[str, Number]) -> str:
    if v["fees"]:
        return f"全年依申请提供政府信息共收取检索、复制、邮寄等费用{v['fees']}万元，未发生减免。"
    return "本年度未收取任何费用，也没有减免情况。"


def _appeals_text(v: Mapping[str, Number]) -> str:
    if not v["reconsideration"] and not v["litigation"]:
        return "全年未发生因政府信息公开引起的行政复议和行政诉讼。"
    return (f"全年因政府信息公开申请行政复议{v['reconsideration']}件、提起行政诉讼{v['litigation']}件，"
            f"其中维持原行政行为的复议{v['recon_upheld']}件、诉讼{v['lit_upheld']}件。")


@lru_cache(maxsize=256)
def report_article(seed: int, index: int, g: Optional[int] = None, defect: Optional[str] = None) -> Article:
    plan = report_plan(seed, index, g, defect)
    facts = report_facts(seed, index, g, defect)
    v = values_of(facts.cells)
    s = plan.salt >> 34
    words = dict(year=plan.year, agency=plan.agency.name, short=plan.agency.short,
                 self=plan.agency.self_word, contact=_contact(plan, facts.encoding),
                 phone=f"8{(s * 7919) % 10**7:07d}")
    heading3 = SECTION_HEADINGS[2][s % 2]
    second = [_proactive_text(v, plan.year, plan.agency.self_word)]
    response = _response_text(v)
    if response:
        second.append(response)
    sections = (
        (SECTION_HEADINGS[0], (_OVERVIEW[s % 3].format(**words),)),
        (SECTION_HEADINGS[1], tuple(second)),
        (heading3, (_applications_text(v, plan.year, plan.agency.self_word),)),
        (SECTION_HEADINGS[3], (_fees_text(v),)),
        (SECTION_HEADINGS[4], (_appeals_text(v),)),
        (SECTION_HEADINGS[5], (_PROBLEMS[(s >> 2) % 2].format(**words),)),
        (SECTION_HEADINGS[6], (_OTHER[(s >> 3) % 2],)),
    )
    metadata = facts.metadata if (s >> 4) % 2 else tuple(facts.metadata[k] for k in (0, 3, 4, 1, 2))
    return Article(
        art_id=plan.art_id, art_path=plan.path, title=plan.title, published_date=facts.published_date,
        encoding=facts.encoding, metadata=metadata, intro=(_INTRO[(s >> 5) % 2].format(**words),),
        sections=sections, table=StatTable(plan.year, facts.cells),
        signature=(plan.agency.name, facts.signed_date_text), look=Look.from_bits(s >> 6))


# --- Notices: list entries that are not reports ----------------------------------------

OFFICE_NAME = CITY + "人民政府办公室"
OFFICE_SHORT = "市政府办公室"
OFFICE_CODE = _org_code(999)
ADDRESSEE = "各县（区）人民政府，市政府各部门、各直属单位："
CLOSING = "特此{kind}。"            # 特此通知 / 特此通报 / 特此公告, after the title's last word
NOTICE, PLAN, GUIDE = "notice", "plan", "guide"

# (title, published, 组配分类, kind, lead). Several say 政府信息公开 or even 年度报告 in the
# title: a crawler must tell them from reports by more than a keyword.
NOTICES: tuple[tuple[str, str, str, str, str], ...] = (
    ("江澜市2019年政务公开工作要点", "2019-03-29", "工作要点", PLAN,
     "为进一步做好2019年全市政务公开工作，现提出如下工作要点。"),
    ("关于印发江澜市政务公开标准化规范化试点工作方案的通知", "2018-09-27", "通知公告", NOTICE,
     "为探索基层政务公开的标准和规范，市政府决定在部分县（区）和部门开展试点，现将工作方案印发给你们，请结合实际认真组织实施。"),
    ("江澜市2018年政务公开工作要点", "2018-04-16", "工作要点", PLAN,
     "为推动政务公开工作提质增效，现就2018年全市政务公开工作提出以下要点。"),
    ("关于做好2017年度政府信息公开工作年度报告编制发布工作的通知", "2018-01-09", "通知公告", NOTICE,
     "上一年度的政府信息公开工作年度报告应于3月31日前在本单位的政府信息公开平台发布，报告须使用统一的统计表格式，数据应与季度统计报表相互衔接。"),
    ("关于2016年度政府信息公开工作考核结果的通报", "2017-03-28", "通知公告", NOTICE,
     "根据年度考核办法，市政务公开办对各单位2016年度政府信息公开工作进行了考核，现将结果予以通报，请得分靠后的单位认真查找原因、限期整改。"),
    ("江澜市2017年政务公开工作要点", "2017-04-20", "工作要点", PLAN,
     "为贯彻落实上级关于全面推进政务公开工作的部署，现提出2017年全市政务公开工作要点。"),
    ("江澜市2016年政务公开工作要点", "2016-05-06", "工作要点", PLAN,
     "为深入推进政务公开，增强政府公信力和执行力，现将2016年全市政务公开工作要点印发如下。"),
    ("关于做好政府信息公开工作年度报告集中公开工作的通知", "2016-01-12", "通知公告", NOTICE,
     "为方便公众集中查阅，今年起各单位的政府信息公开工作年度报告统一在市政府门户网站的年报栏目集中发布，请各单位按时提交报告的电子文本。"),
    ("江澜市政府信息公开指南", "2015-09-01", "政府信息公开指南", GUIDE,
     "为便于公民、法人和其他组织获取政府信息，根据《中华人民共和国政府信息公开条例》，编制本指南。"),
    ("江澜市政府信息主动公开基本目录（2015年修订）", "2015-06-18", "政府信息公开目录", GUIDE,
     "为适应机构职能的调整，市政府对主动公开基本目录进行了修订，现予公布。"),
    ("关于进一步加强政府信息公开保密审查工作的通知", "2014-11-03", "通知公告", NOTICE,
     "近期个别单位在公开信息时出现审查把关不严的问题，为堵塞漏洞，现就进一步加强公开前的保密审查提出要求。"),
    ("江澜市依申请公开政府信息办理规程", "2014-03-12", "政府信息公开制度", GUIDE,
     "为规范依申请公开的受理、登记、审查、答复和归档各环节，制定本规程。"),
    ("关于开展政府网站信息内容普查工作的通知", "2013-07-22", "通知公告", NOTICE,
     "为解决部分网站栏目长期不更新、内容不准确的问题，市政府决定对全市政府网站开展一次信息内容普查。"),
    ("江澜市政府信息公开工作考核办法", "2012-10-15", "政府信息公开制度", GUIDE,
     "为推动政府信息公开工作落到实处，建立科学的评价和激励机制，制定本办法。"),
    ("关于报送2011年度政府信息公开工作年度报告的通知", "2012-01-06", "通知公告", NOTICE,
     "请各单位于2月底前将本单位上一年度的政府信息公开工作年度报告报送市政府办公室，同时在本单位网站公开。"),
    ("关于公布政府信息公开工作机构及联系方式的公告", "2011-04-08", "通知公告", NOTICE,
     "为方便群众咨询和申请政府信息，现将市政府各部门政府信息公开工作机构的名称、办公地址和联系电话予以公布。"),
    ("关于开展政府信息公开工作专项检查的通知", "2010-06-21", "通知公告", NOTICE,
     "为检验《条例》施行两年来的成效，市政府决定于下半年对各单位政府信息公开工作开展一次专项检查。"),
    ("江澜市政府信息公开申请受理工作规范", "2009-08-10", "政府信息公开制度", GUIDE,
     "为做好政府信息公开申请的受理工作，明确受理机构、受理方式和办理时限，制定本规范。"),
)
# Listed, but its page has been taken down: the link answers 404.
REMOVED_NOTICE = ("关于调整江澜市政府信息公开工作领导小组成员的通知", "2016-08-30")
REMOVED_NOTICE_ID = NOTICE_ID0 + len(NOTICES)

_NOTICE_POINTS = (
    "一、高度重视，明确责任。各单位主要负责同志要亲自过问，分管负责同志具体抓，确保各项要求落到实处。",
    "二、严格审核，把好关口。信息公开前必须按规定进行保密审查，未经审查的信息一律不得公开。",
    "三、按时报送，注重质量。请各单位在规定时间内完成相关工作，并将完成情况报市政府办公室（市政务公开办）。",
)
_PLAN_POINTS = (
    ("一、推进重点领域信息公开", "重点做好财政预决算、重大建设项目、公共资源配置、社会公益事业等领域的信息公开，做到应公开尽公开。"),
    ("二、加强政策解读和回应关切", "出台重要政策时同步准备解读材料，对涉及群众切身利益的舆情及时作出回应，说明情况、解疑释惑。"),
    ("三、夯实公开工作基础", "健全信息发布协调、保密审查和考核评估制度，加强政府网站和政务新媒体管理，组织业务培训。"),
)
_GUIDE_POINTS = (
    ("一、主动公开", "主动公开的信息通过政府门户网站、政府公报、新闻发布会以及档案馆、图书馆设置的查阅点等途径公开。"),
    ("二、依申请公开", "申请人可以通过当面、信函、传真或网络等方式提出申请，并如实填写政府信息公开申请表；能够当场答复的当场答复，不能当场答复的在规定期限内答复。"),
    ("三、监督和救济", "公民、法人或者其他组织认为行政机关在政府信息公开工作中侵犯其合法权益的，可以向上级机关或者监察机关举报，也可以依法申请行政复议或者提起行政诉讼。"),
)


def notice_facts(j: int) -> NoticeFacts:
    title, published, _category, _kind, _lead = NOTICES[j]
    art_id = NOTICE_ID0 + j
    return NoticeFacts(art_path(art_id, date.fromisoformat(published)), title, published,
                       art_id, encoding_for(art_id))


def removed_entry() -> ListEntry:
    title, published = REMOVED_NOTICE
    return ListEntry(art_path(REMOVED_NOTICE_ID, date.fromisoformat(published)), title, published)


def notice_article(seed: int, j: int) -> Article:
    title, published, category, kind, lead = NOTICES[j]
    facts = notice_facts(j)
    salt = mix(seed, j, 0x0711CE)
    day = date.fromisoformat(published)
    written = day - timedelta(days=salt % 3)
    names = CONTACTS_OUTSIDE_GB2312 if facts.encoding == GBK else CONTACTS
    contact = f"联系人：{names[(salt >> 4) % len(names)]}，电话：8{(salt >> 8) % 10**7:07d}。"
    metadata = ((LABEL_INDEX_NO, f"{OFFICE_CODE}/{day.year}-{200 + j:05d}"), (LABEL_WRITTEN, written.isoformat()),
                (LABEL_METHOD, METHOD_PROACTIVE), (LABEL_CATEGORY, category), (LABEL_PUBLISHER, OFFICE_SHORT))
    if kind == NOTICE:
        intro: tuple[str, ...] = (ADDRESSEE, lead)
        sections: tuple[tuple[str, tuple[str, ...]], ...] = (("", _NOTICE_POINTS + (contact, CLOSING.format(kind=title[-2:]))),)
    else:
        intro = (lead,)
        sections = (_PLAN_POINTS if kind == PLAN else _GUIDE_POINTS)
        sections = tuple((h, (p,)) for h, p in sections) + (("", (contact,)),)
    return Article(art_id=facts.art_id, art_path=facts.art_path, title=title, published_date=published,
                   encoding=facts.encoding, metadata=metadata, intro=intro, sections=sections, table=None,
                   signature=(OFFICE_NAME, chinese_date(written)), look=Look.from_bits(salt >> 20))
