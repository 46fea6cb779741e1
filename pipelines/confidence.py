"""How far one extraction can be trusted: a number from 0 to 1, so that doubtful reports
can be filtered out (the rule is in the README, *Confidence*).

    confidence = 0.5 × tables + 0.25 × checks + 0.25 × header

* tables: 2019/2021 — the share of the template's value cells found (2019: 198, 2021: 200;
  a blank cell printed as blank counts as found), at most 1; pre2019 — 1 when a canonical
  indicator was read from the 统计表, else 0.5 (cells without a known indicator); unknown
  template — 0 (no statistics table read); an error (image-only, damaged pages) — 0.
* checks: 1 when no consistency check failed, less 0.25 per failed check, at least 0.
* header: the share of title, agency, report year and a date (written, published or
  signed) that were found.

A page that is not a report has no confidence (None).
"""
from __future__ import annotations

from typing import Optional

from .model import Extraction
from .templates import (
    NATIONAL_TABLE_NAMES, T2_BLOCKS_2019, T2_BLOCKS_2021, T3_COLUMNS, T3_ROWS_2019, T3_ROWS_2021, T4_COLUMNS,
)

WEIGHTS = {"tables": 0.5, "checks": 0.25, "header": 0.25}
CHECK_PENALTY = 0.25
PRE2019_WITHOUT_INDICATOR = 0.5


def _parents(rows: tuple[tuple[int, str], ...]) -> int:
    """Rows printed without figures: those followed by a deeper row."""
    return sum(1 for (d, _l), (d2, _l2) in zip(rows, rows[1:]) if d2 > d)


def _expected(blocks, rows) -> int:
    t2 = sum(len(headers) * len(labels) for _t, headers, labels in blocks)
    t3 = (len(rows) - _parents(rows)) * len(T3_COLUMNS)
    return t2 + t3 + len(T4_COLUMNS)


TEMPLATE_CELLS = {"2019": _expected(T2_BLOCKS_2019, T3_ROWS_2019), "2021": _expected(T2_BLOCKS_2021, T3_ROWS_2021)}


def tables_part(ex: Extraction) -> float:
    if ex.errors:
        return 0.0
    if ex.template in TEMPLATE_CELLS:
        # national.py keeps one cell per (table, row, column): a plain count is enough
        found = sum(1 for c in ex.cells if c.table in NATIONAL_TABLE_NAMES)
        return min(1.0, found / TEMPLATE_CELLS[ex.template])
    if ex.template == "pre2019":
        return 1.0 if any(v is not None for v in ex.indicators.values()) else PRE2019_WITHOUT_INDICATOR
    return 0.0


def checks_part(ex: Extraction) -> float:
    return max(0.0, 1.0 - CHECK_PENALTY * len(ex.checks))


def header_part(ex: Extraction) -> float:
    present = [ex.title, ex.agency, ex.report_year, ex.written_date or ex.published_date or ex.signed_date]
    return sum(1 for v in present if v not in (None, "")) / len(present)


def confidence(ex: Extraction) -> Optional[float]:
    if not ex.is_report:
        return None
    score = (WEIGHTS["tables"] * tables_part(ex) + WEIGHTS["checks"] * checks_part(ex)
             + WEIGHTS["header"] * header_part(ex))
    return round(score, 2)
