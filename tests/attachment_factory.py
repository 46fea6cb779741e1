"""Report attachments built from the demo portal's report facts, for the attachment tests.

A report (title, header block, prose, 附表 statistics table, signature) is written as a
PDF (reportlab, Chinese in the STSong-Light CID font, the table ruled so that it is a
real table), a DOCX (python-docx), an XLSX (openpyxl), an XLS (the XLSX converted by LibreOffice) and a DOC (the DOCX
converted by LibreOffice, when it is installed). The expected values come from the same
`ReportFacts` (xxgk.portal), so every extracted cell can be checked.
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from xxgk.portal.facts import APPENDIX_LABEL, ReportFacts
from pipelines.templates import PRE2019_COLUMNS, PRE2019_TABLE_NAME

ZOOM_RE = re.compile(rb'<div id="zoom">.*</div>\s*</div>\s*<div class="footer">', re.S)
FONT = "STSong-Light"          # an Adobe CID font every PDF reader knows: no font file needed
JUNK_PDF_TITLE = "Microsoft Word - 附件1.docx"


@dataclass(frozen=True)
class ReportContent:
    """What an attachment prints, in order."""
    title: str
    header: tuple[str, ...]                      # 索引号：… 成文日期：… lines
    body: tuple[tuple[str, str], ...]            # ("heading" | "para", text)
    caption: tuple[str, ...]                     # 政府信息公开情况统计表, （2017年度）
    rows: tuple[tuple[str, str, str], ...]       # (label, unit, raw) under the header row
    signature: tuple[str, ...]                   # agency, date


def linking_page(headers: dict, page: bytes, path: str) -> tuple[dict, bytes]:
    """A demo report page whose body is only a link to its report at `path` (an attachment);
    its validators dropped, its length corrected."""
    link = f'<div id="zoom"><p>附件：<a href="{path}">年度报告全文</a></p></div></div><div class="footer">'
    page = ZOOM_RE.sub(link.encode(), page)
    headers = {k: v for k, v in headers.items() if k.lower() not in ("etag", "last-modified")}
    headers["Content-Length"] = str(len(page))
    return headers, page


def content(portal, facts: ReportFacts) -> ReportContent:
    article = portal.article(facts.art_path)
    pairs = [f"{label}：{value}" for label, value in article.metadata]
    header = tuple("　".join(pairs[i:i + 2]) for i in range(0, len(pairs), 2))
    body: list[tuple[str, str]] = [("para", p) for p in article.intro]
    for heading, paragraphs in article.sections:
        if heading:
            body.append(("heading", heading))
        body += [("para", p) for p in paragraphs]
    rows = tuple((cell.row[-1], cell.unit, cell.raw) for cell in facts.cells)
    return ReportContent(facts.title, header, tuple(body),
                         (PRE2019_TABLE_NAME, f"（{facts.report_year}年度）"), rows, tuple(article.signature))


def _number(raw: str):
    if not raw:
        return None
    return int(raw) if raw.lstrip("-").isdigit() else float(raw)


# --- PDF --------------------------------------------------------------------------------

def pdf_bytes(c: ReportContent, repeat_header: bool = True, caption_in_table: bool = False) -> bytes:
    """A4 report; the statistics table runs over several pages, its header row repeated on
    each (repeat_header) or not; page numbers "- N -" at the foot of every page."""
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    base = dict(fontName=FONT, wordWrap="CJK")
    title = ParagraphStyle("title", fontSize=20, leading=30, alignment=TA_CENTER, **base)
    text = ParagraphStyle("text", fontSize=12, leading=20, firstLineIndent=24, **base)
    plain = ParagraphStyle("plain", fontSize=12, leading=20, **base)
    center = ParagraphStyle("center", fontSize=12, leading=20, alignment=TA_CENTER, **base)
    right = ParagraphStyle("right", fontSize=12, leading=20, alignment=TA_RIGHT, **base)
    cell = ParagraphStyle("cell", fontSize=10.5, leading=14, **base)

    story = [Paragraph(c.title, title), Spacer(1, 6)]
    story += [Paragraph(line, plain) for line in c.header]
    story += [Paragraph(t, text) for _kind, t in c.body]
    story.append(Paragraph(APPENDIX_LABEL, plain))
    data = []
    if caption_in_table:
        data.append([Paragraph("".join(c.caption), center), "", ""])
    else:
        story += [Paragraph(line, center) for line in c.caption]
    data.append([Paragraph(h, cell) for h in PRE2019_COLUMNS])
    data += [[Paragraph(label, cell), Paragraph(unit, cell), Paragraph(raw, cell)] for label, unit, raw in c.rows]
    style = [("GRID", (0, 0), (-1, -1), 0.6, "black"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    if caption_in_table:
        style.append(("SPAN", (0, 0), (-1, 0)))
    head_rows = (2 if caption_in_table else 1) if repeat_header else 0
    story.append(Table(data, colWidths=[300, 70, 90], repeatRows=head_rows, style=TableStyle(style)))
    story.append(Spacer(1, 12))
    story += [Paragraph(line, right) for line in c.signature]

    def page_number(canvas, doc):
        canvas.setFont(FONT, 10)
        canvas.drawCentredString(A4[0] / 2, 30, f"- {doc.page} -")

    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=JUNK_PDF_TITLE).build(
        story, onFirstPage=page_number, onLaterPages=page_number)
    return out.getvalue()


def image_only_pdf_bytes() -> bytes:
    """A scanned-looking report: a raster image and a drawn frame, no text at all."""
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (400, 560), 255)
    draw = ImageDraw.Draw(image)
    for y in range(40, 540, 24):
        draw.rectangle((40, y, 40 + (y * 7) % 300 + 20, y + 10), fill=0)
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    for _page in range(2):
        pdf.rect(40, 40, A4[0] - 80, A4[1] - 80)
        pdf.drawImage(ImageReader(image), 80, 120, width=400, height=560)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def encrypted_pdf_bytes() -> bytes:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, encrypt=pdfencrypt.StandardEncryption("user-secret", "owner-secret"))
    pdf.drawString(100, 700, "annual report")
    pdf.save()
    return out.getvalue()


# --- DOCX -------------------------------------------------------------------------------

def docx_bytes(c: ReportContent, caption_in_table: bool = False) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    d = docx.Document()
    d.core_properties.title = ""
    d.add_paragraph(c.title).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in c.header:
        d.add_paragraph(line)
    for _kind, t in c.body:
        d.add_paragraph(t)
    d.add_paragraph(APPENDIX_LABEL)
    if not caption_in_table:
        for line in c.caption:
            d.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER
    head = 1 + (1 if caption_in_table else 0)
    table = d.add_table(rows=head + len(c.rows), cols=3)
    table.style = "Table Grid"
    if caption_in_table:
        merged = table.cell(0, 0).merge(table.cell(0, 2))
        merged.text = c.caption[0]
        merged.add_paragraph(c.caption[1])       # two paragraphs in one merged cell
    for j, h in enumerate(PRE2019_COLUMNS):
        table.cell(head - 1, j).text = h
    for i, row in enumerate(c.rows):
        cells = table.rows[head + i].cells
        for j, value in enumerate(row):
            cells[j].text = value
    for line in c.signature:
        d.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def merged_docx_bytes() -> bytes:
    """A 4×4 table with a vertical, a horizontal and a block merge (r{row}c{col} texts)."""
    import docx

    d = docx.Document()
    table = d.add_table(rows=4, cols=4)
    for r in range(4):
        for c in range(4):
            table.cell(r, c).text = f"r{r}c{c}"
    table.cell(0, 0).merge(table.cell(1, 0)).text = "V"
    table.cell(0, 1).merge(table.cell(0, 3)).text = "H"
    table.cell(2, 1).merge(table.cell(3, 2)).text = "B"
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


# --- spreadsheets -----------------------------------------------------------------------

def _sheet_rows(c: ReportContent) -> list[list]:
    """Title, caption, header, rows, a blank row, signature: what a 统计表 workbook holds."""
    rows: list[list] = [[c.title, None, None], [c.caption[1], None, None], list(PRE2019_COLUMNS)]
    rows += [[label, unit, _number(raw)] for label, unit, raw in c.rows]
    rows += [[None, None, None]] + [[None, None, line] for line in c.signature]
    return rows


def xlsx_bytes(c: ReportContent) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = PRE2019_TABLE_NAME
    for row in _sheet_rows(c):
        ws.append(row)
    ws.merge_cells("A1:C1")
    ws.merge_cells("A2:C2")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def merged_xlsx_bytes() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 5):
        ws.append([f"r{r - 1}c{c}" for c in range(4)])
    ws["A1"] = "V"
    ws.merge_cells("A1:A2")
    ws["B1"] = "H"
    ws.merge_cells("B1:D1")
    ws["B3"] = "B"
    ws.merge_cells("B3:C4")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def xls_bytes(c: ReportContent) -> Optional[bytes]:
    """The XLSX saved as Excel 97 (BIFF8) by headless LibreOffice, a maintained writer;
    None when it is not installed."""
    return _convert(xlsx_bytes(c), "xlsx", "xls:MS Excel 97", "xls")


# --- DOC (LibreOffice) ------------------------------------------------------------------

def soffice() -> Optional[str]:
    return shutil.which("soffice") or shutil.which("libreoffice")


def doc_bytes(docx_data: bytes) -> Optional[bytes]:
    """The DOCX saved as Word 97 by headless LibreOffice; None when it is not installed."""
    return _convert(docx_data, "docx", "doc:MS Word 97", "doc")


def _convert(data: bytes, src_ext: str, filter_name: str, out_ext: str) -> Optional[bytes]:
    exe = soffice()
    if exe is None:
        return None
    with tempfile.TemporaryDirectory(prefix="xxgk-test-office-") as tmp:
        src = Path(tmp) / f"report.{src_ext}"
        src.write_bytes(data)
        subprocess.run([exe, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
                        "--convert-to", filter_name, "--outdir", tmp, str(src)],
                       capture_output=True, timeout=180, check=True, stdin=subprocess.DEVNULL)
        return (Path(tmp) / f"report.{out_ext}").read_bytes()


# --- any Document (e.g. a golden HTML report) as a PDF or DOCX -----------------------------

def spans(rows: list[list[str]]) -> list[tuple[int, int, int, int, str]]:
    """Cover a filled grid with merged rectangles (row0, col0, row1, col1 inclusive, text):
    equal non-blank neighbours become one cell, as the spans were before filling."""
    width = max(len(r) for r in rows)
    grid = [r + [""] * (width - len(r)) for r in rows]
    taken = [[False] * width for _ in grid]
    out = []
    for r, row in enumerate(grid):
        for c, text in enumerate(row):
            if taken[r][c]:
                continue
            c1 = c
            while text and c1 + 1 < width and grid[r][c1 + 1] == text and not taken[r][c1 + 1]:
                c1 += 1
            r1 = r
            while (text and r1 + 1 < len(grid)
                   and all(grid[r1 + 1][k] == text and not taken[r1 + 1][k] for k in range(c, c1 + 1))):
                r1 += 1
            for rr in range(r, r1 + 1):
                for cc in range(c, c1 + 1):
                    taken[rr][cc] = True
            out.append((r, c, r1, c1, text))
    return out


def document_pdf_bytes(doc) -> bytes:
    """Lines as paragraphs, tables as ruled tables with their merged cells (landscape A3, so
    that a table with tall merged cells fits on one page)."""
    from reportlab.lib.pagesizes import A3, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from pipelines.document import Table as DocTable

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    text = ParagraphStyle("text", fontName=FONT, fontSize=11, leading=18, wordWrap="CJK")
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=8, leading=10, wordWrap="CJK")
    page = landscape(A3)
    story = []
    for block in doc.blocks:
        if not isinstance(block, DocTable):
            story.append(Paragraph(block.replace("&", "&amp;").replace("<", "&lt;"), text))
            continue
        width = max(len(r) for r in block.rows)
        data = [["" for _ in range(width)] for _ in block.rows]
        style = [("GRID", (0, 0), (-1, -1), 0.6, "black"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
        for r0, c0, r1, c1, t in spans(block.rows):
            data[r0][c0] = Paragraph(t, cell) if t else ""
            if (r0, c0) != (r1, c1):
                style.append(("SPAN", (c0, r0), (c1, r1)))
        story += [Table(data, colWidths=[(page[0] - 90) / width] * width, style=TableStyle(style)), Spacer(1, 8)]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=page, leftMargin=45, rightMargin=45).build(story)
    return out.getvalue()


def document_docx_bytes(doc) -> bytes:
    import docx

    from pipelines.document import Table as DocTable

    d = docx.Document()
    for block in doc.blocks:
        if not isinstance(block, DocTable):
            d.add_paragraph(block)
            continue
        width = max(len(r) for r in block.rows)
        table = d.add_table(rows=len(block.rows), cols=width)
        table.style = "Table Grid"
        for r0, c0, r1, c1, t in spans(block.rows):
            target = table.cell(r0, c0)
            if (r0, c0) != (r1, c1):
                target = target.merge(table.cell(r1, c1))
            target.text = t
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()
