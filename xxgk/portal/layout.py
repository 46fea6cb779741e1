"""Which report each position of portal.reports holds.

    0          the reference report (quzhou.py)
    1 … 47     pre-2019 reports, agency-year slot g = position - 1 (facts._agency_year):
               what the demo held before the national templates came
    48 … 119   the twelve city agencies' reports of 2019–2024, agency by agency, newest
               year first (national.agency_year(m), m = position - 48): 2019 template for
               2019–2020, 2021 template from 2021
    120        one more pre-2019 report (a slot 1 … 47 did not use), with a deliberate error
    121 …      big portals: blocks of 17 positions, 11 pre-2019 (g = position - 1) then
               6 national (m continuing from 72: the county agencies, then round again),
               so the three templates come in the proportion of their years

The standard demo is positions 0 … 120 (facts.STANDARD_REPORTS); a portal of n reports
is positions 0 … n-1, so every portal is a prefix of a bigger one. DEFECTS are the
reports printed with one deliberate error; their ReportFacts.expected_checks name the
consistency checks that must catch it.

`facts.report_facts(seed, i)` / `report_article(seed, i)` stay the pre-2019 generator
for any i (the replicas take reports from it); the portal asks this module.
"""
from __future__ import annotations

from typing import Optional

from xxgk.portal import facts, national
from xxgk.portal.facts import FIRST_GENERATED, N_CITY, STANDARD_REPORTS, Article, ReportFacts, ReportPlan

PRE2019 = "pre2019"
NATIONAL = "national"
LEGACY_END = 48                                  # positions < 48: as before the national templates
NATIONAL_FIRST = LEGACY_END
CITY_NATIONAL = N_CITY * national.N_YEARS        # 72
EXTRA_PRE2019 = NATIONAL_FIRST + CITY_NATIONAL   # 120
CYCLE_START = EXTRA_PRE2019 + 1                  # 121 == STANDARD_REPORTS
CYCLE_PRE2019, CYCLE_NATIONAL = 11, 6            # years 2008–2018 vs 2019–2024
CYCLE = CYCLE_PRE2019 + CYCLE_NATIONAL
if CYCLE_START != STANDARD_REPORTS:
    raise RuntimeError("facts.STANDARD_REPORTS no longer matches the layout")


def _unused_pre2019_slot() -> int:
    """A pre-2019 agency-year no position uses (slots 47 … 118 belong to positions that hold
    national reports), of a large agency in a year the form had all its rows."""
    for g in range(LEGACY_END - FIRST_GENERATED, EXTRA_PRE2019 - FIRST_GENERATED):
        agency, year = facts._agency_year(g)
        if agency.scale == 2 and year >= 2013:
            return g
    raise RuntimeError("no free pre-2019 slot")


EXTRA_PRE2019_SLOT = _unused_pre2019_slot()


def national_position(agency_no: int, year: int) -> int:
    """Position of a city agency's national report in the standard demo."""
    return NATIONAL_FIRST + agency_no * national.N_YEARS + (national.LAST_YEAR - year)


# position → the deliberate error printed there (all inside the standard demo)
DEFECTS: dict[int, str] = {
    national_position(3, 2022): national.DEFECT_T3_TOTAL,     # 人力资源和社会保障局, 2021 template
    national_position(1, 2023): national.DEFECT_T3_CARRIED,   # 教育局, 2021 template
    national_position(4, 2020): national.DEFECT_T4_TOTAL,     # 国土资源局, 2019 template
    EXTRA_PRE2019: facts.DEFECT_RECEIVED,                     # pre-2019
}


def slot(index: int) -> tuple[str, int, Optional[str]]:
    """(kind, agency-year slot, defect) of position index ≥ FIRST_GENERATED: kind PRE2019
    with slot g (facts._agency_year) or NATIONAL with slot m (national.agency_year)."""
    defect = DEFECTS.get(index)
    if index < LEGACY_END:
        return PRE2019, index - FIRST_GENERATED, defect
    if index < EXTRA_PRE2019:
        return NATIONAL, index - NATIONAL_FIRST, defect
    if index == EXTRA_PRE2019:
        return PRE2019, EXTRA_PRE2019_SLOT, defect
    block, j = divmod(index - CYCLE_START, CYCLE)
    if j < CYCLE_PRE2019:
        return PRE2019, index - FIRST_GENERATED, defect
    return NATIONAL, CITY_NATIONAL + block * CYCLE_NATIONAL + j - CYCLE_PRE2019, defect


def plan_at(seed: int, index: int) -> ReportPlan:
    kind, k, defect = slot(index)
    if kind == PRE2019:
        return facts.report_plan(seed, index, k, defect)
    return national.national_plan(seed, index, k, defect)


def facts_at(seed: int, index: int) -> ReportFacts:
    kind, k, defect = slot(index)
    if kind == PRE2019:
        return facts.report_facts(seed, index, k, defect)
    return national.national_facts(seed, index, k, defect)


def article_at(seed: int, index: int) -> Article:
    kind, k, defect = slot(index)
    if kind == PRE2019:
        return facts.report_article(seed, index, k, defect)
    return national.national_article(seed, index, k, defect)
