"""Labels a PDF's table broke apart, joined back into one label.

PDFs printed from Word or WPS break a table's labels in ways the grid does not show:

* a row split over a page break leaves the end of its label (``作``, ``理其政府信息公开
  申请``) in a row of its own at the top of the next page, with no figures;
* a block label printed one character per line down a tall merged cell
  (``三、本年度办理结果``) can come out as two cells (``三、本`` above ``年度办理结果``)
  when the cell is cut by a page break or read as two boxes.

Both are repaired on the grid, before any template logic, with the templates' labels as
the evidence for the second (a fragment pair is joined only when together they make, or
begin, a known label); the first needs no knowledge: an unnumbered label-only row under a
row with figures is the rest of that row.
"""
from __future__ import annotations

from functools import lru_cache

from .celllines import KNOWN, _is_value
from .document import Block, Table
from .templates.national import core_key, label_key, label_level


@lru_cache(maxsize=8192)
def _numbered(text: str) -> bool:
    return label_level(text) is not None or core_key(text) != label_key(text)


def _has_value(row: list[str]) -> bool:
    return any(c and _is_value(c) for c in row)


def _is_label(text: str) -> bool:
    return bool(text) and not _is_value(text)


def _known(text: str) -> bool:
    key = core_key(text)
    return key in KNOWN or any(k.startswith(key) for k in KNOWN)


def join_row_tails(rows: list[list[str]]) -> list[list[str]]:
    """A figure-less row of unnumbered label ends under a row with figures: the rest of
    that row's labels (the row was split by a page break)."""
    out: list[list[str]] = []
    for row in rows:
        prev = out[-1] if out else None
        filled = [i for i, c in enumerate(row) if c]
        if (prev is not None and filled and not _has_value(row) and _has_value(prev)
                and all(i < len(prev) and _is_label(prev[i]) and _is_label(row[i]) and not _numbered(row[i])
                        and not _known(row[i]) for i in filled)):
            old = {i: prev[i] for i in filled}
            for j, cell in enumerate(prev):  # the label may fill several spanned slots
                for i in filled:
                    if cell == old[i]:
                        prev[j] = old[i] + row[i]
            continue
        out.append(list(row))
    return out


def join_split_cells(rows: list[list[str]]) -> list[list[str]]:
    """Vertically adjacent label fragments (三、本 / 年度办理结果) that make a known label
    together: every slot of both gets the whole label."""
    width = max((len(r) for r in rows), default=0)
    for c in range(width):
        r = 0
        while r < len(rows):
            a = rows[r][c] if c < len(rows[r]) else ""
            if not _is_label(a) or _known(a) and core_key(a) in KNOWN:
                r += 1
                continue
            end_a = r
            while end_a + 1 < len(rows) and c < len(rows[end_a + 1]) and rows[end_a + 1][c] == a:
                end_a += 1
            nxt = end_a + 1
            b = rows[nxt][c] if nxt < len(rows) and c < len(rows[nxt]) else ""
            if _is_label(b) and not _numbered(b) and core_key(a + b) in KNOWN:
                end_b = nxt
                while end_b + 1 < len(rows) and c < len(rows[end_b + 1]) and rows[end_b + 1][c] == b:
                    end_b += 1
                for k in range(r, end_b + 1):
                    row = rows[k]
                    slots = [j for j in range(len(row)) if row[j] in (a, b) and _spans(row, j, c)]
                    for j in slots:  # in place: the rows may belong to several tables
                        row[j] = a + b
                r = end_b + 1
                continue
            r = end_a + 1
    return rows


def _spans(row: list[str], j: int, c: int) -> bool:
    """Slot j holds the same spanned cell as slot c (equal text all the way between)."""
    lo, hi = sorted((j, c))
    return all(row[k] == row[c] for k in range(lo, hi + 1))


def repair_blocks(blocks: list[Block]) -> list[Block]:
    """Repair every table; tables that follow each other with no text between (one
    printed table the PDF reader cut in two) are read as one for split cells."""
    out: list[Block] = [Table(join_row_tails(b.rows)) if isinstance(b, Table) else b for b in blocks]
    run: list[Table] = []
    for block in out + [""]:
        if isinstance(block, Table):
            run.append(block)
            continue
        if run:
            join_split_cells([row for table in run for row in table.rows])
            run = []
    return out
