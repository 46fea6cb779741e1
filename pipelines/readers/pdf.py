"""PDF attachments (pdfplumber): ruled tables → grids (merged cells filled, a table
continued on the next page appended to the one before, its repeated header dropped); the
text around them as lines in reading order, wrapped lines joined back into paragraphs,
page numbers dropped."""
from __future__ import annotations

import io
import logging
import re
from typing import Any, Optional

from ..document import Block, Document, Table, clean
from ..errors import UnreadableInput
from ..limits import MAX_PAGE_CONTENT_BYTES, MAX_PAGE_OBJECTS, MAX_PDF_PAGES, MAX_TABLE_CELLS, note
from .base import (PAGES_KEY, TEXT_LAYER_KEY, UNREADABLE_PAGES_KEY, _cluster, _kept,
                   _nearest, join_wrapped)

_PAGE_NUMBER_RE = re.compile(
    r"^(?:[-—–－\s]*\d{1,4}[-—–－\s]*|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$", re.I)
_NEW_ITEM_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+\s*[、．.]|[（(]\s*[一二三四五六七八九十\d]+\s*[）)]|\d+\s*[.．、](?!\d)"
    r"|第[一二三四五六七八九十\d]+[章节条部分]|其中\s*[:：]|附[件表]\s*\d*\s*[:：]?)")


def read(data: bytes) -> Document:
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
                note(notes, f"PDF has {len(pdf.pages)} pages: pages after {MAX_PDF_PAGES} not read (limit MAX_PDF_PAGES)")
                break
            try:
                if _content_bytes(page.page_obj, MAX_PAGE_CONTENT_BYTES) > MAX_PAGE_CONTENT_BYTES:
                    note(notes, f"PDF page {number} draws more than {MAX_PAGE_CONTENT_BYTES // 1024} KB of "
                                "content: not read (limit MAX_PAGE_CONTENT_BYTES)")
                    pages.append([])
                    continue
                if len(page.chars) + len(page.lines) + len(page.rects) + len(page.curves) > MAX_PAGE_OBJECTS:
                    note(notes, f"PDF page {number} has more than {MAX_PAGE_OBJECTS} objects: not read "
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


def _content_bytes(page_obj: Any, limit: int) -> int:
    """Decoded size of a page's content streams, counted no further than limit + 1: parsing
    the page (pdfminer lays out every object) costs time and memory in proportion to it, and
    a flate stream can unpack a thousandfold."""
    import zlib  # noqa: PLC0415

    from pdfminer.pdftypes import resolve1  # noqa: PLC0415

    total = 0
    for ref in page_obj.contents or []:
        stream = resolve1(ref)
        raw = getattr(stream, "rawdata", None)
        if raw is None:
            raw = getattr(stream, "data", None) or b""
            total += len(raw)
        else:
            filters = [name for name, _params in stream.get_filters()]
            if [getattr(f, "name", f) for f in filters] == ["FlateDecode"]:
                try:
                    total += len(zlib.decompressobj().decompress(raw, limit + 1 - total))
                except zlib.error:
                    total += len(raw)
            else:
                total += len(raw)
        if total > limit:
            break
    return total


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



def _pdf_grid(table: Any) -> list[list[str]]:
    """A pdfplumber table → a grid, a merged cell's text in every slot it covers (as
    readers.html.table_grid does for rowspan/colspan)."""
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

