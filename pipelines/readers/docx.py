"""DOCX attachments (python-docx): paragraphs and tables in body order, merged cells
filled. Also the second half of the DOC/WPS reader (LibreOffice converts to DOCX)."""
from __future__ import annotations

import io
from typing import Any, Optional

from ..document import Block, Document, Table, clean
from ..errors import UnreadableInput
from ..limits import MAX_COLUMNS, MAX_TABLE_CELLS, note
from .base import TEXT_LAYER_KEY, _kept, _one_line, join_wrapped


def read(data: bytes) -> Document:
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
            wanted, room = tc.grid_span, MAX_COLUMNS - len(slots)
            if wanted > room:
                note(notes, f"DOCX table row wider than {MAX_COLUMNS} columns: the rest not read (limit MAX_COLUMNS)")
            span = min(wanted, room)
            if span <= 0:
                break
            if tc.vMerge == "continue" and len(above) >= len(slots) + span:
                slots.extend(above[len(slots):len(slots) + span])
                continue
            if tc not in texts:
                texts[tc] = join_wrapped(p.text for p in _Cell(tc, table).paragraphs)
            slots.extend([tc] * span)
        slots.extend([None] * min(tr.grid_after, MAX_COLUMNS - len(slots)))
        left -= len(slots)
        if left < 0:
            note(notes, f"DOCX table has more than {MAX_TABLE_CELLS} cells: the rest not read (limit MAX_TABLE_CELLS)")
            break
        keys.append(slots)
    widths = [col.w or 0 for col in table._tbl.tblGrid.gridCol_lst]
    width = max((len(row) for row in keys), default=0)
    keep = _kept(widths, keys) if len(widths) == width and all(widths) else list(range(width))
    grid = [[texts[row[c]] if c < len(row) and row[c] is not None else "" for c in keep] for row in keys]
    return [row for row in grid if any(row)]


