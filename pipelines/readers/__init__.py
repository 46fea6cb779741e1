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
import os
import re
import zipfile
from typing import Callable, Optional
from urllib.parse import unquote, urlsplit

from ..document import Document, clean
from ..errors import UnreadableInput
from ..limits import MAX_XML_PART_BYTES
from . import docx, pdf, sheets, word
from .sheets import _is_worksheet
from .base import DOC, DOCX, FORMAT_KEY, PDF, TEXT_LAYER_KEY, WPS, XLS, XLSX, _CJK, _one_line

# Binary formats by their first bytes: read below (PDF, DOCX/XLSX, DOC/XLS/WPS) or refused.
MAGIC_FORMATS = (
    (b"%PDF", "PDF"),
    (b"PK\x03\x04", "ZIP-based office document (DOCX/XLSX)"),
    (b"\xd0\xcf\x11\xe0", "OLE office document (DOC/XLS/WPS)"),
    (b"{\\rtf", "RTF"),
)


DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_BYTES_ENV = "XXGK_MAX_ATTACHMENT_BYTES"     # the size limit, in bytes
ZIP_EXPANSION = 8                               # DOCX/XLSX may unpack to at most 8 × the size limit

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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
        reader: Callable[[bytes], Document] = pdf.read
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
        return DOCX, docx.read
    if "xl/workbook.xml" in names:
        return XLSX, sheets.read_xlsx
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
        return kind, lambda d: word.read(d, kind)
    if "Workbook" in streams or "Book" in streams:
        return XLS, sheets.read_xls
    if hint == WPS:
        raise UnreadableInput("WPS is not readable: not a Word-compatible WPS file "
                              "(no WordDocument stream; old Kingsoft or Microsoft Works format)")
    if "PowerPoint Document" in streams:
        raise UnreadableInput("PPT attachments are not readable")
    raise UnreadableInput("OLE file that is neither a DOC nor an XLS document")

