"""DOCX attachments (python-docx): paragraphs and tables in body order, merged cells
filled. Also the second half of the DOC/WPS reader (LibreOffice converts to DOCX)."""
from __future__ import annotations

import io
from typing import Any

from ..document import Block, Document, Table, clean
from ..errors import UnreadableInput
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

    def walk(parent: Any) -> None:
        for child in parent.iterchildren():
            if child.tag == p_tag:
                for line in Paragraph(child, document).text.split("\n"):
                    if clean(line):
                        blocks.append(clean(line))
            elif child.tag == tbl_tag:
                grid = _docx_grid(DocxTable(child, document))
                if grid:
                    blocks.append(Table(grid))
            elif child.tag == sdt_tag:
                for content in child.iterchildren(content_tag):
                    walk(content)

    walk(body)
    doc = Document(blocks=blocks)
    if not blocks and (body.findall(".//" + qn("w:drawing")) or body.findall(".//" + qn("w:pict"))):
        doc.meta[TEXT_LAYER_KEY] = "none"
    title = document.core_properties.title
    if title and clean(title):
        doc.html_title = clean(title)
    return doc


def _docx_grid(table: Any) -> list[list[str]]:
    keys: list[list[Any]] = []  # the <w:tc> element behind each grid slot (None: no cell there)
    texts: dict[Any, str] = {}  # one text per <w:tc>, however many slots it covers
    for row in table.rows:
        slots: list[Any] = [None] * row.grid_cols_before
        for cell in row.cells:
            if cell._tc not in texts:
                texts[cell._tc] = join_wrapped(p.text for p in cell.paragraphs)
            slots.append(cell._tc)
        keys.append(slots + [None] * row.grid_cols_after)
    widths = [col.w or 0 for col in table._tbl.tblGrid.gridCol_lst]
    width = max((len(row) for row in keys), default=0)
    keep = _kept(widths, keys) if len(widths) == width and all(widths) else list(range(width))
    grid = [[texts[row[c]] if c < len(row) and row[c] is not None else "" for c in keep] for row in keys]
    return [row for row in grid if any(row)]

