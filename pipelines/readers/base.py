"""What every attachment reader shares: the Document.meta keys a reader fills, the
format names, and the text and grid helpers (joining wrapped lines, column geometry)."""
from __future__ import annotations

import re
from typing import Any, Iterable

from ..document import clean

# What the reader learnt about the file, kept in Document.meta under names no HTML
# <meta name=…> uses.
FORMAT_KEY = "xxgk:attachment-format"
PAGES_KEY = "xxgk:pages"
TEXT_LAYER_KEY = "xxgk:text-layer"              # "none": a scanned / image-only attachment
UNREADABLE_PAGES_KEY = "xxgk:unreadable-pages"  # PDF pages skipped as damaged: "3,7"

PDF, DOCX, XLSX, DOC, WPS, XLS = "PDF", "DOCX", "XLSX", "DOC", "WPS", "XLS"

_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_CJK_END_RE = re.compile(f"[{_CJK}]$")
_CJK_START_RE = re.compile(f"^[{_CJK}]")


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



def _cluster(values: Iterable[float], tolerance: float = 2.0) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tolerance:
            out.append(v)
    return out


def _nearest(edges: list[float], v: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - v))



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

