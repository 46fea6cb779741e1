"""Reports published as attachments (PDF, DOCX, DOC, WPS, XLSX, XLS) → a `Document`.

Each format becomes the same lines-and-table-grids `Document` that an HTML page
becomes, so the template extraction in report.py reads it unchanged:

- PDF: pdfplumber. Ruled tables → grids (merged cells filled, a table continued on
  the next page appended to the one before, its repeated header dropped); the text
  around them as lines in reading order, wrapped lines joined back into paragraphs,
  page numbers dropped.
- DOCX: python-docx, paragraphs and tables in body order, merged cells filled.
- XLSX / XLS: openpyxl / xlrd, one grid per sheet, merged cells filled; the title rows
  above a sheet's table and the signature rows below it become text lines.
- DOC / WPS (Word-compatible WPS files): LibreOffice (headless, → DOCX) when installed,
  else antiword (DocBook output; merged columns are rebuilt from column widths, the
  rows under a vertically merged cell stay blank).

Whatever cannot be read (corrupt, encrypted, too large, an unsupported variant) raises
`errors.UnreadableInput` with a one-line reason. A PDF without a text layer (a scanned,
"图片版" report) still gives a `Document`; `is_image_only(doc)` says so.
"""
from __future__ import annotations

import io
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
from datetime import date, datetime, time
from typing import Any, Callable, Iterable, Optional
from urllib.parse import unquote, urlsplit

from .document import MAX_DOCUMENT_CELLS, MAX_TABLE_CELLS, Block, Document, Table, clean
from .errors import UnreadableInput

# Binary formats by their first bytes: read below (PDF, DOCX/XLSX, DOC/XLS/WPS) or refused.
MAGIC_FORMATS = (
    (b"%PDF", "PDF"),
    (b"PK\x03\x04", "ZIP-based office document (DOCX/XLSX)"),
    (b"\xd0\xcf\x11\xe0", "OLE office document (DOC/XLS/WPS)"),
    (b"{\\rtf", "RTF"),
)


DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_BYTES_ENV = "XXGK_MAX_ATTACHMENT_BYTES"     # the size limit, in bytes
DOC_READER_ENV = "XXGK_DOC_READER"              # auto (LibreOffice, else antiword) | libreoffice | antiword
TOOL_TIMEOUT = 120                              # seconds for one external conversion
ZIP_EXPANSION = 8                               # DOCX/XLSX may unpack to at most 8 × the size limit

# What a file of a few MB may unfold into (README "Limits and safety"). A limit that is hit
# is noted in Document.limits (the extraction's `errors`) and the rest is read, or, where no
# useful part can be read, the file is refused with one line.
MAX_XML_PART_BYTES = 16 * 1024 * 1024          # one unpacked XML part (document, shared strings…): else refused
MAX_SHEET_XML_BYTES = 4 * 1024 * 1024          # worksheet XML read per workbook: later rows not read
MAX_SHEETS = 50                                 # sheets read per workbook
MAX_SHEET_ROWS = 5_000                          # rows read per sheet
MAX_COLUMNS = 256                               # columns read per sheet or DOCX table row
MAX_MERGED_RANGES = 10_000                      # merged ranges applied per sheet
MAX_XLS_BYTES = 10 * 1024 * 1024                # XLS (BIFF keeps every cell unpacked): else refused
MAX_PDF_PAGES = 300                             # pages read per PDF
MAX_PAGE_OBJECTS = 50_000                       # chars + lines + rects on a page looked at for tables

# What the reader learnt about the file, kept in Document.meta under names no HTML
# <meta name=…> uses.
FORMAT_KEY = "xxgk:attachment-format"
PAGES_KEY = "xxgk:pages"
TEXT_LAYER_KEY = "xxgk:text-layer"              # "none": a scanned / image-only attachment
UNREADABLE_PAGES_KEY = "xxgk:unreadable-pages"  # PDF pages skipped as damaged: "3,7"

PDF, DOCX, XLSX, DOC, WPS, XLS = "PDF", "DOCX", "XLSX", "DOC", "WPS", "XLS"

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_CJK_END_RE = re.compile(f"[{_CJK}]$")
_CJK_START_RE = re.compile(f"^[{_CJK}]")
_PAGE_NUMBER_RE = re.compile(
    r"^(?:[-—–－\s]*\d{1,4}[-—–－\s]*|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$", re.I)
_NEW_ITEM_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+\s*[、．.]|[（(]\s*[一二三四五六七八九十\d]+\s*[）)]|\d+\s*[.．、](?!\d)"
    r"|第[一二三四五六七八九十\d]+[章节条部分]|其中\s*[:：]|附[件表]\s*\d*\s*[:：]?)")


# --- entry points -------------------------------------------------------------------

def max_bytes() -> int:
    value = os.environ.get(MAX_BYTES_ENV, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_MAX_BYTES


def attachment_kind(data: bytes, filename: Optional[str] = None) -> Optional[str]:
    """The attachment format of `data` by its magic bytes (the file name's extension only
    tells WPS from DOC), or None when it is not an attachment (HTML, text)."""
    if data.startswith(MAGIC_FORMATS[0][0]) or b"%PDF-" in data[:1024]:
        return PDF
    ext = _extension(filename)
    if data.startswith(b"PK\x03\x04"):
        return "ZIP"
    if data.startswith(_OLE_MAGIC[:4]):
        return WPS if ext in ("wps", "wpt") else "OLE"
    if any(data.startswith(magic) for magic, _name in MAGIC_FORMATS):
        return "OTHER"
    return None


def document_from_attachment(data: bytes, filename: Optional[str] = None,
                             limit: Optional[int] = None) -> Document:
    """Read one attachment. Raises UnreadableInput (one line, no traceback) for input
    that cannot be read, including input over the size limit (default 50 MB)."""
    limit = max_bytes() if limit is None else limit
    if len(data) > limit:
        raise UnreadableInput(f"attachment too large: {len(data) / 1e6:.1f} MB (limit {limit / 1e6:.1f} MB)")
    kind = attachment_kind(data, filename)
    if kind is None:
        named = f" ({_extension(filename)} by its name)" if _extension(filename) else ""
        raise UnreadableInput(f"not a PDF, DOCX, DOC, WPS, XLS or XLSX file{named}")
    if kind == PDF:
        reader: Callable[[bytes], Document] = _pdf_document
    elif kind == "ZIP":
        kind, reader = _zip_kind(data, limit)
    elif kind in ("OLE", WPS):
        kind, reader = _ole_kind(data, kind)
    else:
        name = next(n for magic, n in MAGIC_FORMATS if data.startswith(magic))
        raise UnreadableInput(f"{name} attachments are not readable")
    try:
        doc = reader(data)
    except UnreadableInput:
        raise
    except Exception as exc:  # corrupt files make the libraries raise anything at all
        raise UnreadableInput(f"{kind} could not be read (corrupt or unsupported file): {_one_line(exc)}") from None
    doc.meta[FORMAT_KEY] = kind
    if not (doc.html_title and re.search(f"[{_CJK}]", doc.html_title)):  # not "untitled", "Slide 1"…
        doc.html_title = _title_from_filename(filename)
    return doc


def is_image_only(doc: Document) -> bool:
    """True for an attachment with no text layer at all (a scanned or 图片版 report)."""
    return doc.meta.get(TEXT_LAYER_KEY) == "none"


# --- helpers shared by the formats ----------------------------------------------------

def _extension(filename: Optional[str]) -> str:
    if not filename:
        return ""
    path = urlsplit(filename).path if "://" in filename else filename
    base = os.path.basename(unquote(path))
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def _title_from_filename(filename: Optional[str]) -> Optional[str]:
    """A Chinese file name is often the report title (宿州市…年度报告（图片版）.pdf)."""
    if not filename:
        return None
    path = urlsplit(filename).path if "://" in filename else filename
    stem = os.path.basename(unquote(path)).rsplit(".", 1)[0]
    return clean(stem) if re.search(f"[{_CJK}]", stem) else None


def _one_line(exc: BaseException) -> str:
    if type(exc).__name__ == "PdfminerException" and exc.args and isinstance(exc.args[0], BaseException):
        exc = exc.args[0]  # pdfplumber wraps pdfminer's own error
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def join_wrapped(parts: Iterable[str]) -> str:
    """Join the lines of a wrapped paragraph or cell: no gap between Chinese characters,
    one space between Latin words."""
    out = ""
    for part in parts:
        part = clean(part)
        if not part:
            continue
        if out and not (_CJK_END_RE.search(out) or _CJK_START_RE.search(part)):
            out += " "
        out += part
    return out


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
            _note(notes, f"merged cells beyond {MAX_MERGED_RANGES} ranges or twice the sheet's cells "
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


def _note(notes: Optional[list[str]], message: str) -> None:
    if notes is not None and message not in notes:
        notes.append(message)


def _is_worksheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


# --- ZIP- and OLE-based office files ----------------------------------------------------

def _zip_kind(data: bytes, limit: int) -> tuple[str, Callable[[bytes], Document]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnreadableInput(f"ZIP-based office file could not be read (corrupt or truncated): {_one_line(exc)}") from None
    names = {info.filename for info in infos}
    if sum(info.file_size for info in infos) > ZIP_EXPANSION * limit:
        raise UnreadableInput(f"attachment too large: unpacks to more than {ZIP_EXPANSION * limit / 1e6:.0f} MB")
    for info in infos:  # a declared size also bounds what zipfile unpacks (a lie fails the CRC)
        if (info.filename.endswith((".xml", ".rels")) and not _is_worksheet(info.filename)
                and info.file_size > MAX_XML_PART_BYTES):
            raise UnreadableInput(f"attachment part {info.filename[:60]} unpacks to {info.file_size / 1e6:.0f} MB "
                                  f"(limit MAX_XML_PART_BYTES = {MAX_XML_PART_BYTES / 1e6:.0f} MB)")
    if "word/document.xml" in names:
        return DOCX, _docx_document
    if "xl/workbook.xml" in names:
        return XLSX, _xlsx_document
    if "xl/workbook.bin" in names:
        raise UnreadableInput("XLSB (binary Excel workbook) attachments are not readable")
    if "content.xml" in names and "mimetype" in names:
        raise UnreadableInput("OpenDocument (ODT/ODS) attachments are not readable")
    raise UnreadableInput("a ZIP archive, not a DOCX or XLSX document")


def _ole_streams(data: bytes) -> list[str]:
    from xlrd.compdoc import CompDoc  # noqa: PLC0415

    try:
        return [entry.name for entry in CompDoc(data, logfile=io.StringIO()).dirlist]
    except Exception as exc:
        raise UnreadableInput(f"OLE office file could not be read (corrupt or truncated): {_one_line(exc)}") from None


def _ole_kind(data: bytes, hint: str) -> tuple[str, Callable[[bytes], Document]]:
    streams = set(_ole_streams(data))
    if "EncryptedPackage" in streams:
        raise UnreadableInput("encrypted (password-protected) DOCX/XLSX document: cannot read it")
    if "WordDocument" in streams:
        kind = WPS if hint == WPS else DOC
        return kind, lambda d: _doc_document(d, kind)
    if "Workbook" in streams or "Book" in streams:
        return XLS, _xls_document
    if hint == WPS:
        raise UnreadableInput("WPS is not readable: not a Word-compatible WPS file "
                              "(no WordDocument stream; old Kingsoft or Microsoft Works format)")
    if "PowerPoint Document" in streams:
        raise UnreadableInput("PPT attachments are not readable")
    raise UnreadableInput("OLE file that is neither a DOC nor an XLS document")


# --- PDF --------------------------------------------------------------------------------

def _pdf_document(data: bytes) -> Document:
    import pdfplumber  # noqa: PLC0415
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect  # noqa: PLC0415

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # benign font/xref warnings
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise UnreadableInput("PDF is encrypted (password-protected): cannot read it") from None
        raise
    with pdf:
        if not pdf.pages:
            raise UnreadableInput("PDF has no pages (corrupt or truncated)")
        pages: list[list[tuple[float, str, Any]]] = []
        failed: list[int] = []
        notes: list[str] = []
        first_error: Exception = UnreadableInput("PDF could not be read")
        for number, page in enumerate(pdf.pages, start=1):
            if number > MAX_PDF_PAGES:
                _note(notes, f"PDF has {len(pdf.pages)} pages: pages after {MAX_PDF_PAGES} not read (limit MAX_PDF_PAGES)")
                break
            try:
                if len(page.chars) + len(page.lines) + len(page.rects) + len(page.curves) > MAX_PAGE_OBJECTS:
                    _note(notes, f"PDF page {number} has more than {MAX_PAGE_OBJECTS} objects: not read "
                                 "(limit MAX_PAGE_OBJECTS)")
                    pages.append([])
                    continue
                pages.append(_pdf_page(page))
            except Exception as exc:  # one damaged page: read the others
                first_error = exc if not failed else first_error
                failed.append(number)
                pages.append([])
            finally:
                page.close()  # drop the page's parsed objects: long PDFs stay small in memory
        if len(failed) == len(pages):
            raise first_error
        title = (pdf.metadata or {}).get("Title")
    doc = Document(blocks=_pdf_blocks(pages), limits=notes)
    doc.meta[PAGES_KEY] = str(len(pages))
    if failed:
        doc.meta[UNREADABLE_PAGES_KEY] = ",".join(map(str, failed))
    if not any(items for items in pages):
        doc.meta[TEXT_LAYER_KEY] = "none"
    if isinstance(title, bytes):
        title = title.decode("utf-16" if title.startswith((b"\xfe\xff", b"\xff\xfe")) else "latin-1", "replace")
    if isinstance(title, str) and clean(title):
        doc.html_title = clean(title)
    return doc


def _pdf_page(page: Any) -> list[tuple[float, str, Any]]:
    """(top, "line" | "table", item) in reading order for one page."""
    tables: list[tuple[tuple[float, float, float, float], list[list[str]]]] = []
    for found in page.find_tables():
        grid = _pdf_grid(found)
        if len(grid) >= 2 and max(len(r) for r in grid) >= 2:
            tables.append((found.bbox, grid))
    text_page = page
    if tables:
        boxes = [bbox for bbox, _grid in tables]

        def outside(obj: dict) -> bool:
            if obj.get("object_type") != "char":
                return True
            cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
            return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

        text_page = page.filter(outside)
    items: list[tuple[float, str, Any]] = []
    for line in text_page.extract_text_lines(layout=False, strip=True, return_chars=True):
        text = clean(line["text"])
        if text:
            sizes = [c.get("size", 0) for c in line["chars"] if not c["text"].isspace()] or [0]
            items.append((line["top"], "line", {
                "text": text, "x0": line["x0"], "x1": line["x1"], "top": line["top"],
                "bottom": line["bottom"], "size": round(max(set(sizes), key=sizes.count), 1)}))
    items.extend((bbox[1], "table", grid) for bbox, grid in tables)
    items.sort(key=lambda item: item[0])
    # page furniture: a page number as the first or last line of the page
    while items and items[-1][1] == "line" and _PAGE_NUMBER_RE.match(items[-1][2]["text"]):
        items.pop()
    while items and items[0][1] == "line" and _PAGE_NUMBER_RE.match(items[0][2]["text"]):
        items.pop(0)
    return items


def _cluster(values: Iterable[float], tolerance: float = 2.0) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tolerance:
            out.append(v)
    return out


def _nearest(edges: list[float], v: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - v))


def _pdf_grid(table: Any) -> list[list[str]]:
    """A pdfplumber table → a grid, a merged cell's text in every slot it covers (as
    document.table_grid does for rowspan/colspan)."""
    cells: list[tuple[tuple[float, float, float, float], str]] = []
    for row, texts in zip(table.rows, table.extract()):
        for bbox, text in zip(row.cells, texts):
            if bbox is not None:
                cells.append((bbox, join_wrapped((text or "").splitlines())))
    if not cells:
        return []
    xs = _cluster([b[0] for b, _ in cells] + [b[2] for b, _ in cells])
    ys = _cluster([b[1] for b, _ in cells] + [b[3] for b, _ in cells])
    if (len(xs) - 1) * (len(ys) - 1) > MAX_TABLE_CELLS:  # ruling of a hostile page, not a table
        return []
    grid = [[""] * (len(xs) - 1) for _ in range(len(ys) - 1)]
    keys: list[list[Optional[int]]] = [[None] * (len(xs) - 1) for _ in range(len(ys) - 1)]
    for k, ((x0, top, x1, bottom), text) in enumerate(cells):
        c0, c1, r0, r1 = _nearest(xs, x0), _nearest(xs, x1), _nearest(ys, top), _nearest(ys, bottom)
        for r in range(r0, r1):
            for c in range(c0, c1):
                grid[r][c], keys[r][c] = text, k
    keep_cols = _kept([xs[i + 1] - xs[i] for i in range(len(xs) - 1)], keys)
    keep_rows = _kept([ys[i + 1] - ys[i] for i in range(len(ys) - 1)], [list(col) for col in zip(*keys)])
    grid = [[grid[r][c] for c in keep_cols] for r in keep_rows]
    return [row for row in grid if any(row)]


SLIVER_SHARE = 0.015  # a column under 1.5 % of the table's width may be a misalignment artefact


def _kept(widths: list[float], keys: list[list[Any]]) -> list[int]:
    """Indexes of the grid columns to keep. Cell borders a few points off the ones in the
    row above (Word tables, PDFs made from them) make hairline columns; such a column is
    dropped when every slot in it belongs to a cell that also covers the slot beside it,
    so no text and no cell boundary is lost."""
    total = sum(widths)
    keep = []
    for c, width in enumerate(widths):
        if total > 0 and width < SLIVER_SHARE * total and all(_spans_beside(row, c) for row in keys):
            continue
        keep.append(c)
    return keep


def _spans_beside(row: list[Any], c: int) -> bool:
    if c >= len(row) or row[c] is None:
        return True
    return (c > 0 and row[c - 1] == row[c]) or (c + 1 < len(row) and row[c + 1] == row[c])


def _pdf_blocks(pages: list[list[tuple[float, str, Any]]]) -> list[Block]:
    lines = [item for items in pages for _t, kind, item in items if kind == "line"]
    sizes = [line["size"] for line in lines]
    body = max(set(sizes), key=sizes.count) if sizes else 0
    body_lines = [line for line in lines if abs(line["size"] - body) <= 0.6] or lines
    left = min((line["x0"] for line in body_lines), default=0)
    right = max((line["x1"] for line in body_lines), default=0)

    blocks: list[Block] = []
    prev_line: Optional[dict] = None   # the last line emitted, while a paragraph may go on
    prev_table_open = False            # the last block is a table that may go on
    for page_no, items in enumerate(pages):
        for i, (_top, kind, item) in enumerate(items):
            first = i == 0 and page_no > 0
            if kind == "table":
                prev_line = None
                if first and prev_table_open and _continue_table(blocks[-1], item):
                    continue
                blocks.append(Table(item))
                prev_table_open = True
                continue
            prev_table_open = False
            if prev_line is not None and _wraps_into(prev_line, item, body, left, right, same_page=not first):
                prev_line["text"] = join_wrapped([prev_line["text"], item["text"]])
                blocks[-1] = prev_line["text"]
                prev_line = dict(item, text=prev_line["text"])
                continue
            blocks.append(item["text"])
            prev_line = dict(item)
    return blocks


def _wraps_into(a: dict, b: dict, body: float, left: float, right: float, same_page: bool) -> bool:
    """Is line b the continuation of the paragraph whose last line is a?"""
    size = a["size"] or 10
    if abs(a["size"] - b["size"]) > 0.6 or a["x1"] < right - 2.2 * size:
        return False  # another style, or a ends before the right margin: a paragraph ends there
    if same_page and not 0 <= b["top"] - a["bottom"] <= 1.2 * size:
        return False
    if _NEW_ITEM_RE.match(b["text"]) or a["x0"] > (left + right) / 2:
        return False  # a new numbered item, or a right-aligned signature line
    heading = a["size"] > body * 1.1
    return heading or b["x0"] <= left + 0.6 * size  # an indented line starts a paragraph


def _continue_table(prev: Block, grid: list[list[str]]) -> bool:
    """Append a table that goes on from the previous page (its header repeated or not)
    to the table before; False when the column structure differs."""
    if not isinstance(prev, Table) or not prev.rows or not grid:
        return False
    if max(len(r) for r in prev.rows) != max(len(r) for r in grid):
        return False
    repeated = 0
    while (repeated < min(len(grid), len(prev.rows), 6)
           and [c.replace(" ", "") for c in grid[repeated]] == [c.replace(" ", "") for c in prev.rows[repeated]]):
        repeated += 1
    prev.rows.extend(grid[repeated:])
    return True


# --- DOCX ------------------------------------------------------------------------------

def _docx_document(data: bytes) -> Document:
    import docx  # noqa: PLC0415
    from docx.oxml.ns import qn  # noqa: PLC0415
    from docx.table import Table as DocxTable  # noqa: PLC0415
    from docx.text.paragraph import Paragraph  # noqa: PLC0415

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise UnreadableInput(f"DOCX could not be read (corrupt or not a Word document): {_one_line(exc)}") from None
    body = document.element.body
    p_tag, tbl_tag, sdt_tag, content_tag = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:sdtContent")
    blocks: list[Block] = []
    notes: list[str] = []

    def walk(parent: Any) -> None:
        for child in parent.iterchildren():
            if child.tag == p_tag:
                for line in Paragraph(child, document).text.split("\n"):
                    if clean(line):
                        blocks.append(clean(line))
            elif child.tag == tbl_tag:
                grid = _docx_grid(DocxTable(child, document), notes)
                if grid:
                    blocks.append(Table(grid))
            elif child.tag == sdt_tag:
                for content in child.iterchildren(content_tag):
                    walk(content)

    walk(body)
    doc = Document(blocks=blocks, limits=notes)
    if not blocks and (body.findall(".//" + qn("w:drawing")) or body.findall(".//" + qn("w:pict"))):
        doc.meta[TEXT_LAYER_KEY] = "none"
    title = document.core_properties.title
    if title and clean(title):
        doc.html_title = clean(title)
    return doc


def _docx_grid(table: Any, notes: Optional[list[str]] = None) -> list[list[str]]:
    """Grid slots from the table's XML: a gridSpan repeats its cell, a vMerge continuation
    takes the cell above (python-docx's row.cells walks up the merge for every cell:
    quadratic in a long merge). Bounded by MAX_COLUMNS per row and MAX_TABLE_CELLS."""
    from docx.table import _Cell  # noqa: PLC0415

    keys: list[list[Any]] = []  # the <w:tc> element behind each grid slot (None: no cell there)
    texts: dict[Any, str] = {}  # one text per <w:tc>, however many slots it covers
    left = MAX_TABLE_CELLS
    for tr in table._tbl.tr_lst:
        slots: list[Any] = [None] * min(tr.grid_before, MAX_COLUMNS)
        above = keys[-1] if keys else []
        for tc in tr.tc_lst:
            span = min(tc.grid_span, MAX_COLUMNS - len(slots))
            if span < tc.grid_span:
                _note(notes, f"DOCX table row wider than {MAX_COLUMNS} columns: the rest not read (limit MAX_COLUMNS)")
            if tc.vMerge == "continue" and len(above) >= len(slots) + span:
                slots.extend(above[len(slots):len(slots) + span])
                continue
            if tc not in texts:
                texts[tc] = join_wrapped(p.text for p in _Cell(tc, table).paragraphs)
            slots.extend([tc] * span)
        slots.extend([None] * min(tr.grid_after, MAX_COLUMNS - len(slots)))
        left -= len(slots)
        if left < 0:
            _note(notes, f"DOCX table has more than {MAX_TABLE_CELLS} cells: the rest not read (limit MAX_TABLE_CELLS)")
            break
        keys.append(slots)
    widths = [col.w or 0 for col in table._tbl.tblGrid.gridCol_lst]
    width = max((len(row) for row in keys), default=0)
    keep = _kept(widths, keys) if len(widths) == width and all(widths) else list(range(width))
    grid = [[texts[row[c]] if c < len(row) and row[c] is not None else "" for c in keep] for row in keys]
    return [row for row in grid if any(row)]


# --- XLSX / XLS ------------------------------------------------------------------------

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
                _note(notes, f"more than {MAX_SHEET_XML_BYTES / 1e6:.0f} MB of sheet data: the rest not read "
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
            for m in _MERGE_RE.finditer(head):
                c0, r0 = _column_number(m.group(1)), int(m.group(2))
                c1, r1 = (_column_number(m.group(3)), int(m.group(4))) if m.group(3) else (c0, r0)
                found.append((r0 - 1, r1, c0 - 1, c1))
        found.extend((r0 - 1, r1, c0 - 1, c1) for m in _MERGE_RE.finditer(tail)
                     for c0, r0, c1, r1 in [(_column_number(m.group(1)), int(m.group(2)),
                                             _column_number(m.group(3) or m.group(1)),
                                             int(m.group(4) or m.group(2)))])
    return found


def _xlsx_document(data: bytes) -> Document:
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
                _note(notes, f"workbook has {len(wb.worksheets)} sheets: sheets after {MAX_SHEETS} not read (limit MAX_SHEETS)")
                break
            if (ws.max_column or 0) > MAX_COLUMNS:
                _note(notes, f"sheet wider than {MAX_COLUMNS} columns: the rest not read (limit MAX_COLUMNS)")
            grid: list[list[str]] = []
            for r, row in enumerate(ws.iter_rows(max_row=MAX_SHEET_ROWS + 1, max_col=MAX_COLUMNS)):
                if r >= MAX_SHEET_ROWS:
                    _note(notes, f"sheet longer than {MAX_SHEET_ROWS} rows: the rest not read (limit MAX_SHEET_ROWS)")
                    break
                n = len(row)
                while n and row[n - 1].value is None:
                    n -= 1
                grid.append([_cell(c.value, c.number_format or "") for c in row[:n]])
                cells_left -= n
                if cells_left < 0:
                    _note(notes, f"workbook has more than {MAX_DOCUMENT_CELLS} cells: the rest not read "
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


def _xls_document(data: bytes) -> Document:
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
            _note(notes, f"workbook has {book.nsheets} sheets: sheets after {MAX_SHEETS} not read (limit MAX_SHEETS)")
            break
        if cells_left < 0:
            break
        sheet = book.sheet_by_index(number)
        if sheet.nrows > MAX_SHEET_ROWS:
            _note(notes, f"sheet longer than {MAX_SHEET_ROWS} rows: the rest not read (limit MAX_SHEET_ROWS)")
        grid = []
        for r in range(min(sheet.nrows, MAX_SHEET_ROWS)):
            row = []
            width = sheet.row_len(r)
            if width > MAX_COLUMNS:
                _note(notes, f"sheet wider than {MAX_COLUMNS} columns: the rest not read (limit MAX_COLUMNS)")
            cells_left -= min(width, MAX_COLUMNS)
            if cells_left < 0:
                _note(notes, f"workbook has more than {MAX_DOCUMENT_CELLS} cells: the rest not read "
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


# --- DOC / WPS -------------------------------------------------------------------------

def _word_encrypted(data: bytes) -> bool:
    """fEncrypted of the Word FIB (bit 0x0100 of the flags at offset 10)."""
    from xlrd.compdoc import CompDoc  # noqa: PLC0415

    try:
        stream = CompDoc(data, logfile=io.StringIO()).get_named_stream("WordDocument")
    except Exception:
        return False
    return bool(stream) and len(stream) > 11 and bool(stream[11] & 0x01)


def doc_readers() -> list[str]:
    """The DOC/WPS readers to try, in order (XXGK_DOC_READER: auto, libreoffice, antiword)."""
    wanted = os.environ.get(DOC_READER_ENV, "auto").strip().lower() or "auto"
    order = {"libreoffice": ["libreoffice"], "antiword": ["antiword"]}.get(wanted, ["libreoffice", "antiword"])
    found = {"libreoffice": _soffice(), "antiword": shutil.which("antiword")}
    return [name for name in order if found[name]]


def _soffice() -> Optional[str]:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _doc_document(data: bytes, kind: str) -> Document:
    if _word_encrypted(data):
        raise UnreadableInput(f"{kind} is encrypted (password-protected): cannot read it")
    readers = doc_readers()
    if not readers:
        prefix = "WPS is not readable: " if kind == WPS else f"{kind} is not readable: "
        raise UnreadableInput(prefix + "no DOC reader installed (apt-get install libreoffice-writer-nogui or antiword)")
    failures = []
    for name in readers:
        try:
            return _doc_via_libreoffice(data) if name == "libreoffice" else _doc_via_antiword(data)
        except UnreadableInput as exc:
            failures.append(f"{name}: {exc}")
    prefix = "WPS is not readable: " if kind == WPS else f"{kind} could not be read: "
    raise UnreadableInput(prefix + "; ".join(failures))


def _run(args: list[str], cwd: str) -> subprocess.CompletedProcess:
    """Run a converter in its own process group, killed whole if it hangs."""
    proc = subprocess.Popen(args, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=TOOL_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise UnreadableInput(f"{os.path.basename(args[0])} took longer than {TOOL_TIMEOUT} s") from None
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def _doc_via_libreoffice(data: bytes) -> Document:
    with tempfile.TemporaryDirectory(prefix="xxgk-doc-") as tmp:
        src = os.path.join(tmp, "input.doc")
        with open(src, "wb") as fh:
            fh.write(data)
        profile = "file://" + os.path.join(tmp, "profile")  # own profile: parallel conversions
        result = _run([_soffice() or "soffice", f"-env:UserInstallation={profile}", "--headless", "--norestore",
                       "--convert-to", "docx:MS Word 2007 XML", "--outdir", tmp, src], cwd=tmp)
        out = os.path.join(tmp, "input.docx")
        if not os.path.exists(out):
            message = (result.stderr or result.stdout).decode("utf-8", "replace").strip().splitlines()
            raise UnreadableInput(f"LibreOffice could not convert it ({message[-1] if message else 'no output'})")
        with open(out, "rb") as fh:
            return _docx_document(fh.read())


def _doc_via_antiword(data: bytes) -> Document:
    from lxml import etree  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="xxgk-doc-") as tmp:
        src = os.path.join(tmp, "input.doc")
        with open(src, "wb") as fh:
            fh.write(data)
        result = _run(["antiword", "-m", "UTF-8.txt", "-x", "db", src], cwd=tmp)
    if result.returncode != 0 or not result.stdout.strip():
        message = result.stderr.decode("utf-8", "replace").replace(src, "").strip().splitlines()
        raise UnreadableInput(f"antiword: {message[-1] if message else 'no output'}")
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(result.stdout, parser)
    if root is None:
        raise UnreadableInput("antiword gave no readable output")
    blocks: list[Block] = []

    def walk(el: Any) -> None:
        for child in el:
            if not isinstance(child.tag, str):
                continue
            if child.tag == "informaltable" or child.tag == "table":
                grid = _docbook_grid(child)
                if grid:
                    blocks.append(Table(grid))
            elif child.tag in ("para", "title", "simpara") and child.find(".//informaltable") is None:
                for line in "".join(child.itertext()).splitlines():
                    if clean(line):
                        blocks.append(clean(line))
            elif child.tag not in ("bookinfo",):
                walk(child)

    walk(root)
    return Document(blocks=blocks)


def _docbook_grid(table: Any) -> list[list[str]]:
    """antiword writes each run of rows with the same cell widths as a <tgroup>; merged
    columns show as one wide cell, so slots come from the cumulative column widths."""
    groups = []
    for tgroup in table.iter("tgroup"):
        widths = [float(re.sub(r"[^\d.]", "", spec.get("colwidth", "0")) or 0) for spec in tgroup.iter("colspec")]
        rows = [[join_wrapped("".join(entry.itertext()).splitlines()) for entry in row.iter("entry")]
                for row in tgroup.iter("row")]
        groups.append((widths, rows))
    if any(not widths or not sum(widths) for widths, _rows in groups):  # no widths: cells by position
        width = max((len(row) for _w, rows in groups for row in rows), default=0)
        return [row + [""] * (width - len(row)) for _w, rows in groups for row in rows if any(row)]
    edges = _cluster([sum(w[:i]) for w, _r in groups for i in range(len(w) + 1)], tolerance=3.0)
    grid: list[list[str]] = []
    for widths, rows in groups:
        bounds = [sum(widths[:i]) for i in range(len(widths) + 1)]
        for row in rows:
            out = [""] * max(len(edges) - 1, 1)
            for i, text in enumerate(row):
                if i + 1 >= len(bounds):
                    break
                c0, c1 = _nearest(edges, bounds[i]), _nearest(edges, bounds[i + 1])
                for c in range(c0, max(c1, c0 + 1)):
                    if c < len(out):
                        out[c] = text
            grid.append(out)
    return [row for row in grid if any(row)]
