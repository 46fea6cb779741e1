"""The plain-text form of a report (table cells separated by `|`) → a `Document`."""
from __future__ import annotations

from ..document import Document, Table, clean


def from_text(text: str) -> Document:
    """Parse the text form: lines with `|` are table rows; a line starting with `|`
    continues the row above (a blank cell broken over two lines)."""
    doc = Document()
    rows: list[list[str]] = []
    merged: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if line.startswith("|") and merged and "|" in merged[-1]:
            merged[-1] = merged[-1] + " " + line
        else:
            merged.append(line)
    for line in merged:
        if "|" in line:
            cells = [clean(c) for c in line.split("|")]
            if line.startswith("|"):
                cells = cells[1:]
            rows.append(cells)
            continue
        if rows:
            doc.blocks.append(Table(rows))
            rows = []
        if clean(line):
            doc.blocks.append(clean(line))
    if rows:
        doc.blocks.append(Table(rows))
    return doc
