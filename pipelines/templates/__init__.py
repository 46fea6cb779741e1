"""The report templates (forms): one module per form, each holding its labels, detection
signals and indicator mapping and registering itself (base.Form, FORMS): pre2019.py (the
统计表, with its parser), form2019.py and form2021.py (the national forms, whose tables 二/三/四
national.py parses, with their shared labels in labels.py); and the one entry point that reads
every statistics table of a page and decides its template. A new form is one new module,
imported below.

Importers take labels and entry points from here (`from pipelines.templates import T3_NAME,
extract_tables`), so where a label lives inside the package can change freely.
"""
from __future__ import annotations

from typing import Optional

from ..document import Block, Table
from ..model import Cell
from .base import FORMS, Form  # noqa: F401 (re-exported)
from .form2019 import SIGNALS_2019, T2_BLOCKS_2019, T3_ROWS_2019  # noqa: F401 (re-exported labels)
from .form2021 import SIGNALS_2021, T2_BLOCKS_2021, T3_ROWS_2021  # noqa: F401
from .labels import (  # noqa: F401 (re-exported: the national forms' shared labels)
    NATIONAL_INDICATORS, NATIONAL_TABLE_NAMES, T2_NAME, T2_ROW_HEADER, T3_COLUMNS, T3_CORNER, T3_NAME,
    T4_COLUMNS, T4_NAME, T4_RESULTS,
)
from .national import decide, extract_national
from .pre2019 import (PRE2019_COLUMNS, PRE2019_ROWS, PRE2019_TABLE_NAME, find_layout,  # noqa: F401
                      pre2019_cells, table_title)


def extract_tables(blocks: list[Block], year_hint: Optional[int] = None) -> tuple[str, list[Cell]]:
    """(template, cells) for every statistics table found among the blocks: pre-2019
    统计表 in pre2019.py, tables 二/三/四 of the 2019/2021 national templates in national.py."""
    cells: list[Cell] = []
    pre2019: list[int] = []
    for i, block in enumerate(blocks):
        if not isinstance(block, Table):
            continue
        layout = find_layout(block)
        if layout is None:
            continue
        pre2019.append(i)
        cells.extend(pre2019_cells(block, layout, table_title(block, blocks[:i], layout)))
    national = extract_national(blocks, pre2019)
    template = decide(national, bool(pre2019), year_hint)
    return template, cells + national.cells


def detect_template(blocks: list[Block], year_hint: Optional[int] = None) -> str:
    pre = [i for i, b in enumerate(blocks) if isinstance(b, Table) and find_layout(b) is not None]
    return decide(extract_national(blocks, pre), bool(pre), year_hint)
