"""Hostile files, generated (never committed): small inputs that unfold into huge grids.

Each builder returns bytes; sizes are those of the issue-9 findings (an 11.5 KB page of
300 cells spanning 200 × 200, an XLSX of 18 million cells in about a megabyte …). The
bounded-resources test (test_hostile_files.py) extracts every one in a subprocess.
"""
from __future__ import annotations

import io
import zipfile
from typing import Callable, Iterable

_SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


# --- HTML -----------------------------------------------------------------------------

def span_page(cells: int = 300, span: int = 200) -> bytes:
    """The finding's page: one row of `cells` cells, each rowspan = colspan = `span`."""
    row = "".join(f'<td rowspan="{span}" colspan="{span}">1</td>' for _ in range(cells))
    return (f"<html><head><title>2017年政府信息公开工作年度报告</title></head><body>"
            f"<p>一、主动公开政府信息情况</p><p>二、依申请公开政府信息情况</p>"
            f"<table><tr>{row}</tr><tr><td>x</td></tr></table></body></html>").encode()


def span_tables_page(tables: int = 300) -> bytes:
    """Many tables, each as large as the per-table limits allow."""
    one = "<table><tr>" + '<td rowspan="10" colspan="200">统计数</td>' * 60 + "</tr></table>"
    return f"<html><body><p>2017年政府信息公开工作年度报告</p>{one * tables}</body></html>".encode()


def huge_span_values_page() -> bytes:
    """Span values far beyond any integer a grid could hold."""
    cells = '<td rowspan="99999999999999999999" colspan="18446744073709551617">1</td>' * 50
    return f"<html><body><table><tr>{cells}</tr></table></body></html>".encode()


# --- XLSX -----------------------------------------------------------------------------

def _xlsx(sheets: list[Callable[[], Iterable[bytes]]], tail: str = "") -> bytes:
    names = [f"sheet{i + 1}.xml" for i in range(len(sheets))]
    types = "".join(f'<Override PartName="/xl/worksheets/{n}" ContentType="application/'
                    f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for n in names)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="rels" ContentType="application/'
                   'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                   'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
                   '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   f'{types}</Types>')
        z.writestr("_rels/.rels", f'{_XML}<Relationships xmlns="{_REL_NS}"><Relationship Id="rId1" '
                   f'Type="{_DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        sheet_list = "".join(f'<sheet name="S{i + 1}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                             for i in range(len(sheets)))
        z.writestr("xl/workbook.xml", f'{_XML}<workbook xmlns="{_SHEET_NS}" xmlns:r="{_DOC_REL}">'
                   f'<sheets>{sheet_list}</sheets></workbook>')
        rels = "".join(f'<Relationship Id="rId{i + 1}" Type="{_DOC_REL}/worksheet" '
                       f'Target="worksheets/{n}"/>' for i, n in enumerate(names))
        z.writestr("xl/_rels/workbook.xml.rels", f'{_XML}<Relationships xmlns="{_REL_NS}">{rels}</Relationships>')
        for name, rows in zip(names, sheets):
            with z.open(f"xl/worksheets/{name}", "w") as fh:
                fh.write(f'{_XML}<worksheet xmlns="{_SHEET_NS}"><sheetData>'.encode())
                for chunk in rows():
                    fh.write(chunk)
                fh.write(f"</sheetData>{tail}</worksheet>".encode())
    return buf.getvalue()


def xlsx_many_cells(rows: int = 1_000_000, cols: int = 18) -> bytes:
    """18 million stored cells (1,000,000 rows × 18) in about a megabyte."""
    row = b"<row>" + b"<c><v>1</v></c>" * cols + b"</row>"

    def gen():
        block = row * 10_000
        for _ in range(rows // 10_000):
            yield block
    return _xlsx([gen])


def xlsx_one_wide_row(cells: int = 2_000_000) -> bytes:
    """One row of two million cells: read-only openpyxl parses a row whole."""
    def gen():
        yield b'<row r="1">'
        block = b"<c><v>1</v></c>" * 10_000
        for _ in range(cells // 10_000):
            yield block
        yield b"</row>"
    return _xlsx([gen])


def xlsx_same_row_number(rows: int = 400_000) -> bytes:
    """Every row says r="1": a reader that stops at a row number never stops."""
    def gen():
        block = b'<row r="1"><c><v>1</v></c><c><v>2</v></c></row>' * 10_000
        for _ in range(rows // 10_000):
            yield block
    return _xlsx([gen])


def xlsx_far_corners() -> bytes:
    """Two cells at A1 and XFD1048576, one merge over the whole sheet, a lying dimension:
    a reader that fills the rectangle makes 17 billion cells."""
    def gen():
        yield b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
        yield b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    merges = '<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
    return _xlsx([gen], tail=merges).replace(b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>', 1)


def xlsx_many_merges(merges: int = 200_000) -> bytes:
    """A small table under 200,000 overlapping merged ranges."""
    def gen():
        for r in range(1, 201):
            yield (f'<row r="{r}">' + "".join(f"<c><v>{c}</v></c>" for c in range(50)) + "</row>").encode()
    tail = f'<mergeCells count="{merges}">' + '<mergeCell ref="A1:AX200"/>' * merges + "</mergeCells>"
    return _xlsx([gen], tail=tail)


def xlsx_many_sheets(sheets: int = 500) -> bytes:
    def gen():
        yield b"<row>" + b"<c><v>1</v></c>" * 200 + b"</row>"
    return _xlsx([gen] * sheets)


# --- DOCX -----------------------------------------------------------------------------

def _docx(body: Iterable[bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="rels" ContentType="application/'
                   'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                   'ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType='
                   '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                   '</Types>')
        z.writestr("_rels/.rels", f'{_XML}<Relationships xmlns="{_REL_NS}"><Relationship Id="rId1" '
                   f'Type="{_DOC_REL}/officeDocument" Target="word/document.xml"/></Relationships>')
        with z.open("word/document.xml", "w") as fh:
            fh.write(f'{_XML}<w:document xmlns:w="{_W_NS}"><w:body>'.encode())
            for chunk in body:
                fh.write(chunk)
            fh.write(b"</w:body></w:document>")
    return buf.getvalue()


def docx_wide_spans(rows: int = 300, cells: int = 300) -> bytes:
    """Cells with gridSpan 100,000 and rows starting 10^9 columns late."""
    tc = b'<w:tc><w:tcPr><w:gridSpan w:val="100000"/></w:tcPr><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc>'
    tr = b'<w:tr><w:trPr><w:gridBefore w:val="1000000000"/></w:trPr>' + tc * cells + b"</w:tr>"
    return _docx([b"<w:tbl><w:tblGrid/>" + tr * rows + b"</w:tbl>"])


def docx_long_vmerge(rows: int = 3_000, cols: int = 30) -> bytes:
    """A merge down 3,000 rows in 30 columns: python-docx walks it up for every cell."""
    first = b"<w:tr>" + b'<w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>v</w:t></w:r></w:p></w:tc>' * cols + b"</w:tr>"
    cont = b"<w:tr>" + b"<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>" * cols + b"</w:tr>"
    return _docx([b"<w:tbl><w:tblGrid/>" + first + cont * rows + b"</w:tbl>"])


# --- PDF ------------------------------------------------------------------------------

def _pdf(page_streams: list[bytes]) -> bytes:
    """A minimal PDF: one page per content stream (deflated), written by hand."""
    import zlib

    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    for stream in page_streams:
        data = zlib.compress(stream, 9)
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream")
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>" % len(objects))
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(kids)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_many_pages(pages: int = 3_000) -> bytes:
    """Three thousand empty pages (a real report has a few dozen)."""
    return _pdf([b""] * pages)


def pdf_many_objects(rects: int = 200_000) -> bytes:
    """One page ruled with 200,000 rectangles: a table finder's worst case."""
    stream = b"".join(b"%d %d 2 2 re S\n" % (i % 590, (i // 590) % 840) for i in range(rects))
    return _pdf([stream])


HOSTILE_FILES: dict[str, tuple[str, Callable[[], bytes]]] = {
    # name: (file name, builder)
    "span_page": ("spans.html", span_page),
    "span_tables_page": ("span-tables.html", span_tables_page),
    "huge_span_values_page": ("huge-spans.html", huge_span_values_page),
    "xlsx_many_cells": ("cells.xlsx", xlsx_many_cells),
    "xlsx_one_wide_row": ("wide-row.xlsx", xlsx_one_wide_row),
    "xlsx_same_row_number": ("same-row.xlsx", xlsx_same_row_number),
    "xlsx_far_corners": ("corners.xlsx", xlsx_far_corners),
    "xlsx_many_merges": ("merges.xlsx", xlsx_many_merges),
    "xlsx_many_sheets": ("sheets.xlsx", xlsx_many_sheets),
    "docx_wide_spans": ("spans.docx", docx_wide_spans),
    "docx_long_vmerge": ("vmerge.docx", docx_long_vmerge),
    "pdf_many_pages": ("pages.pdf", pdf_many_pages),
    "pdf_many_objects": ("objects.pdf", pdf_many_objects),
}
