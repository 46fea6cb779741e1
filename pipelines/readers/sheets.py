"""XLSX / XLS attachments (openpyxl / xlrd): one grid per sheet, merged cells filled;
the title rows above a sheet's table and the signature rows below it become text lines."""
from __future__ import annotations

import io
from datetime import date, datetime, time
from typing import Any, Iterable

from ..document import Block, Document, Table, clean
from ..errors import UnreadableInput
from .base import join_wrapped


def _cell(value: Any, number_format: str = "") -> str:
    """A spreadsheet value as printed: 67 not 67.0, dates ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, (int, float)):
        if number_format.endswith("%"):
            return f"{value * 100:.12g}%"
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}" if isinstance(value, float) else str(value)
    return join_wrapped(str(value).splitlines())


def _sheet_blocks(grid: list[list[str]]) -> list[Block]:
    """One sheet → blocks: leading rows with one distinct text (title, 年度, 填报单位) and
    trailing ones (signature, date) become lines, the rest one table."""
    rows = [row for row in grid if any(row)]
    if not rows:
        return []
    width = max((max((i for i, c in enumerate(row) if c), default=-1) for row in rows)) + 1
    rows = [(row + [""] * width)[:width] for row in rows]

    def single(row: list[str]) -> bool:
        return len({c for c in row if c}) == 1

    start, end = 0, len(rows)
    while start < end and single(rows[start]):
        start += 1
    while end > start and single(rows[end - 1]):
        end -= 1
    if end - start < 2:  # no table: every row is text
        start, end = len(rows), len(rows)
    blocks: list[Block] = [next(c for c in row if c) for row in rows[:start]]
    if end > start:
        blocks.append(Table(rows[start:end]))
    blocks.extend(" ".join(dict.fromkeys(c for c in row if c)) for row in rows[end:])
    return blocks


def _fill_merged(grid: list[list[str]], ranges: Iterable[tuple[int, int, int, int]]) -> None:
    """Copy each merged range's top-left text into every cell it covers
    (ranges as row_lo, row_hi, col_lo, col_hi, upper bounds exclusive)."""
    for r0, r1, c0, c1 in ranges:
        if r0 >= len(grid) or c0 >= len(grid[r0]):
            continue
        text = grid[r0][c0]
        for r in range(r0, min(r1, len(grid))):
            for c in range(c0, min(c1, len(grid[r]))):
                grid[r][c] = text



def read_xlsx(data: bytes) -> Document:
    import openpyxl  # noqa: PLC0415

    wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    blocks: list[Block] = []
    for ws in wb.worksheets:
        grid = [[_cell(c.value, c.number_format or "") for c in row] for row in ws.iter_rows()]
        _fill_merged(grid, ((r.min_row - 1, r.max_row, r.min_col - 1, r.max_col) for r in ws.merged_cells.ranges))
        blocks.extend(_sheet_blocks(grid))
    doc = Document(blocks=blocks)
    if wb.properties.title and clean(wb.properties.title):
        doc.html_title = clean(wb.properties.title)
    return doc


def read_xls(data: bytes) -> Document:
    import xlrd  # noqa: PLC0415

    log = io.StringIO()
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, logfile=log)
    except xlrd.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise UnreadableInput("XLS is encrypted (password-protected): cannot read it") from None
        raise
    except NotImplementedError:  # formatting records xlrd does not know: read without merges
        book = xlrd.open_workbook(file_contents=data, logfile=log)
    blocks: list[Block] = []
    for sheet in book.sheets():
        grid = []
        for r in range(sheet.nrows):
            row = []
            for c in range(sheet.ncols):
                cell = sheet.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        row.append(_cell(xlrd.xldate_as_datetime(cell.value, book.datemode)))
                    except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                        row.append(_cell(cell.value))
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    row.append(_cell(bool(cell.value)))
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                    row.append("")
                else:
                    row.append(_cell(cell.value))
            grid.append(row)
        _fill_merged(grid, sheet.merged_cells)
        blocks.extend(_sheet_blocks(grid))
    return Document(blocks=blocks)

