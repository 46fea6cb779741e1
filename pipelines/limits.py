"""Limits on what a file or page may unfold into, in one place (README "Limits and safety").

A few kilobytes of HTML or a megabyte of XLSX can describe billions of cells (spans, far-apart
cells, merged ranges, rows of a million cells). Every reader stops at these limits; a limit that
is hit is noted in `Document.limits` (the extraction's `errors`) and the rest of the file is
still read, or, where no useful part can be read, the file is refused with one line.
Real reports stay far below them: a statistics table spans a few dozen rows or columns and holds
a few thousand cells; a report's workbook has a few sheets of a few hundred rows.
"""
from __future__ import annotations

from typing import Optional

# HTML tables (pipelines/readers/html.py)
MAX_SPAN = 200                 # one rowspan or colspan
MAX_SPAN_AREA = 2_000          # rowspan × colspan of one cell (its rowspan shrinks to fit)
# every grid (HTML, DOCX, XLSX, XLS, PDF)
MAX_TABLE_CELLS = 100_000      # grid cells of one table: the rest of that table is not read
MAX_DOCUMENT_CELLS = 500_000   # grid cells of a page or workbook: later tables / rows are not read
# office files (pipelines/readers/)
MAX_XML_PART_BYTES = 16 * 1024 * 1024   # one unpacked XML part of a DOCX/XLSX (document, shared strings…): else refused
MAX_SHEET_XML_BYTES = 2 * 1024 * 1024   # worksheet XML read per workbook (a report sheet: KBs): later rows not read
MAX_SHEETS = 50                         # sheets read per workbook
MAX_SHEET_ROWS = 5_000                  # rows read per sheet
MAX_COLUMNS = 256                       # columns read per sheet or DOCX table row
MAX_MERGED_RANGES = 10_000              # merged ranges applied per sheet
MAX_XLS_BYTES = 10 * 1024 * 1024        # XLS (BIFF keeps every cell unpacked): else refused
MAX_PDF_PAGES = 300                     # pages read per PDF
MAX_PAGE_CONTENT_BYTES = 1024 * 1024    # decoded content stream of a PDF page (a dense page: ~50 KB): else skipped
MAX_PAGE_OBJECTS = 50_000               # chars + lines + rects + curves of a PDF page: else the page is skipped


def note(notes: Optional[list[str]], message: str) -> None:
    """Record a limit that was hit, once."""
    if notes is not None and message not in notes:
        notes.append(message)
