"""XLSX / XLS attachments (openpyxl / xlrd): one grid per sheet, merged cells filled;
the title rows above a sheet's table and the signature rows below it become text lines."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, time
from typing import Any, Iterable, Optional

from ..document import Block, Document, Table, clean
from ..errors import UnreadableInput
from ..limits import (MAX_COLUMNS, MAX_DOCUMENT_CELLS, MAX_MERGED_RANGES, MAX_SHEET_ROWS, MAX_SHEET_XML_BYTES,
                      MAX_SHEETS, MAX_XLS_BYTES, note)
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


def _fill_merged(grid: list[list[str]], ranges: Iterable[tuple[int, int, int, int]],
                 notes: Optional[list[str]] = None) -> None:
    """Copy each merged range's top-left text into every cell it covers
    (ranges as row_lo, row_hi, col_lo, col_hi, upper bounds exclusive). Bounded: at most
    MAX_MERGED_RANGES ranges, and no more copies than twice the grid's cells."""
    work = 2 * sum(len(row) for row in grid)
    for n, (r0, r1, c0, c1) in enumerate(ranges):
        if n >= MAX_MERGED_RANGES or work < 0:
            note(notes, f"merged cells beyond {MAX_MERGED_RANGES} ranges or twice the sheet's cells "
                         "not filled (limit MAX_MERGED_RANGES)")
            return
        if r0 >= len(grid) or c0 >= len(grid[r0]):
            continue
        text = grid[r0][c0]
        c1 = min(c1, MAX_COLUMNS)
        for r in range(r0, min(r1, len(grid))):
            row = grid[r]
            if len(row) < c1:  # rows are read without their trailing blank cells
                row.extend([""] * (c1 - len(row)))
            for c in range(c0, min(c1, len(row))):
                row[c] = text
            work -= max(0, min(c1, len(row)) - c0)


_ROW_END_RE = re.compile(rb"</(?:\w+:)?row\s*>")
_ROOT_RE = re.compile(rb"<(\w+:)?worksheet\b")
_SHEET_DATA_RE = re.compile(rb"<(?:\w+:)?sheetData\b[^>]*>")
_EMPTY_SHEET = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns='
                b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>')


def _cut_sheet(head: bytes) -> bytes:
    """The first part of a worksheet's XML, cut after its last complete row and closed."""
    root = _ROOT_RE.search(head[:4096])
    prefix = (root.group(1) or b"") if root else b""
    last = None
    for last in _ROW_END_RE.finditer(head):
        pass
    cut = last.end() if last else (_SHEET_DATA_RE.search(head).end() if _SHEET_DATA_RE.search(head) else -1)
    if not root or cut < 0:
        return _EMPTY_SHEET
    return head[:cut] + b"</" + prefix + b"sheetData></" + prefix + b"worksheet>"


def _bounded_xlsx(data: bytes, notes: list[str]) -> bytes:
    """The workbook's XML parts, its worksheets cut to MAX_SHEET_XML_BYTES in all.

    Read-only openpyxl alone is not bounded: it parses a row whole (a row of a million cells:
    0.5 GB), scans a sheet to its end for a missing <dimension>, and reads on past its row
    limit when every row claims to be row 1. Cutting the XML bounds all three."""
    budget = MAX_SHEET_XML_BYTES
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            if not info.filename.endswith((".xml", ".rels")):
                continue  # images, printer settings: not read
            if not _is_worksheet(info.filename):
                zout.writestr(info.filename, zin.read(info))
                continue
            with zin.open(info) as fh:
                head = fh.read(budget + 1)
            if len(head) > budget:
                note(notes, f"more than {MAX_SHEET_XML_BYTES / 1e6:.0f} MB of sheet data: the rest not read "
                             "(limit MAX_SHEET_XML_BYTES)")
                head = _cut_sheet(head[:budget])
            budget = max(0, budget - len(head))
            zout.writestr(info.filename, head)
    return out.getvalue()


_MERGE_RE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]{1,3})(\d{1,7})(?::([A-Z]{1,3})(\d{1,7}))?\"")


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _xlsx_merges(data: bytes, member: str) -> list[tuple[int, int, int, int]]:
    """Merged ranges of one worksheet, found by streaming its XML (read-only openpyxl has
    none); at most MAX_MERGED_RANGES + 1."""
    found: list[tuple[int, int, int, int]] = []
    tail = b""
    with zipfile.ZipFile(io.BytesIO(data)) as zf, zf.open(member) as fh:
        while len(found) <= MAX_MERGED_RANGES:
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            text = tail + chunk
            cut = text.rfind(b"<")
            head, tail = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
            for m in (_MERGE_RE.finditer(head) if b"mergeCell" in head else ()):  # a C scan first
                c0, r0 = _column_number(m.group(1)), int(m.group(2))
                c1, r1 = (_column_number(m.group(3)), int(m.group(4))) if m.group(3) else (c0, r0)
                found.append((r0 - 1, r1, c0 - 1, c1))
        found.extend((r0 - 1, r1, c0 - 1, c1) for m in _MERGE_RE.finditer(tail)
                     for c0, r0, c1, r1 in [(_column_number(m.group(1)), int(m.group(2)),
                                             _column_number(m.group(3) or m.group(1)),
                                             int(m.group(4) or m.group(2)))])
    return found


def read_xlsx(data: bytes) -> Document:
    """Read-only openpyxl, bounded: MAX_SHEETS, MAX_SHEET_ROWS × MAX_COLUMNS per sheet,
    MAX_SHEET_XML_BYTES of sheet XML and MAX_DOCUMENT_CELLS cells in all."""
    import openpyxl  # noqa: PLC0415

    notes: list[str] = []
    wb = openpyxl.load_workbook(io.BytesIO(_bounded_xlsx(data, notes)), read_only=True, data_only=True)
    blocks: list[Block] = []
    cells_left = MAX_DOCUMENT_CELLS
    try:
        for number, ws in enumerate(wb.worksheets):
            if number >= MAX_SHEETS:
                note(notes, f"workbook has {len(wb.worksheets)} sheets: sheets after {MAX_SHEETS} not read (limit MAX_SHEETS)")
                break
            if (ws.max_column or 0) > MAX_COLUMNS:
                note(notes, f"sheet wider than {MAX_COLUMNS} columns: the rest not read (limit MAX_COLUMNS)")
            grid: list[list[str]] = []
            for r, row in enumerate(ws.iter_rows(max_row=MAX_SHEET_ROWS + 1, max_col=MAX_COLUMNS)):
                if r >= MAX_SHEET_ROWS:
                    note(notes, f"sheet longer than {MAX_SHEET_ROWS} rows: the rest not read (limit MAX_SHEET_ROWS)")
                    break
                n = len(row)
                while n and row[n - 1].value is None:
                    n -= 1
                grid.append([_cell(c.value, c.number_format or "") for c in row[:n]])
                cells_left -= n
                if cells_left < 0:
                    note(notes, f"workbook has more than {MAX_DOCUMENT_CELLS} cells: the rest not read "
                                 "(limit MAX_DOCUMENT_CELLS)")
                    break
            _fill_merged(grid, _xlsx_merges(data, ws._worksheet_path), notes)
            blocks.extend(_sheet_blocks(grid))
            if cells_left < 0:
                break
        title = wb.properties.title
    finally:
        wb.close()
    doc = Document(blocks=blocks, limits=notes)
    if title and clean(title):
        doc.html_title = clean(title)
    return doc


def read_xls(data: bytes) -> Document:
    import xlrd  # noqa: PLC0415

    if len(data) > MAX_XLS_BYTES:
        raise UnreadableInput(f"XLS too large: {len(data) / 1e6:.1f} MB (limit MAX_XLS_BYTES = {MAX_XLS_BYTES / 1e6:.0f} MB)")
    log = io.StringIO()
    # on_demand: one sheet in memory at a time; ragged_rows: rows are not padded to the
    # widest one (a cell at IV65536 would pad 16 million).
    options = dict(file_contents=data, logfile=log, on_demand=True, ragged_rows=True)
    try:
        book = xlrd.open_workbook(formatting_info=True, **options)
    except xlrd.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise UnreadableInput("XLS is encrypted (password-protected): cannot read it") from None
        raise
    except NotImplementedError:  # formatting records xlrd does not know: read without merges
        book = xlrd.open_workbook(**options)
    blocks: list[Block] = []
    notes: list[str] = []
    cells_left = MAX_DOCUMENT_CELLS
    for number in range(book.nsheets):
        if number >= MAX_SHEETS:
            note(notes, f"workbook has {book.nsheets} sheets: sheets after {MAX_SHEETS} not read (limit MAX_SHEETS)")
            break
        if cells_left < 0:
            break
        sheet = book.sheet_by_index(number)
        if sheet.nrows > MAX_SHEET_ROWS:
            note(notes, f"sheet longer than {MAX_SHEET_ROWS} rows: the rest not read (limit MAX_SHEET_ROWS)")
        grid = []
        for r in range(min(sheet.nrows, MAX_SHEET_ROWS)):
            row = []
            width = sheet.row_len(r)
            if width > MAX_COLUMNS:
                note(notes, f"sheet wider than {MAX_COLUMNS} columns: the rest not read (limit MAX_COLUMNS)")
            cells_left -= min(width, MAX_COLUMNS)
            if cells_left < 0:
                note(notes, f"workbook has more than {MAX_DOCUMENT_CELLS} cells: the rest not read "
                             "(limit MAX_DOCUMENT_CELLS)")
                break
            for c in range(min(width, MAX_COLUMNS)):
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
        _fill_merged(grid, sheet.merged_cells, notes)
        blocks.extend(_sheet_blocks(grid))
        book.unload_sheet(number)
    return Document(blocks=blocks, limits=notes)


def _is_worksheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")
