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


MAX_FRAGMENTS = 40  # a label cut into more pieces than this (one character each) is not joined


def _segments(rows: list[list[str]], c: int) -> list[tuple[int, int, str]]:
    """Runs of equal text down column c: (first row, last row, text)."""
    out: list[tuple[int, int, str]] = []
    for r, row in enumerate(rows):
        text = row[c] if c < len(row) else ""
        if out and out[-1][2] == text and out[-1][1] == r - 1:
            out[-1] = (out[-1][0], r, text)
        else:
            out.append((r, r, text))
    return out


def join_split_cells(rows: list[list[str]]) -> list[list[str]]:
    """Vertically adjacent label fragments that make a known label together (三、本 /
    年度办理结果, or 三 / 、 / 本 / 年 … one character a row): every slot of each gets the
    whole label."""
    width = max((len(r) for r in rows), default=0)
    for c in range(width):
        segs = _segments(rows, c)
        i = 0
        while i < len(segs):
            text = segs[i][2]
            if not _is_label(text) or core_key(text) in KNOWN:
                i += 1
                continue
            acc, j, found = text, i, None
            while j + 1 < len(segs) and j - i < MAX_FRAGMENTS:
                nxt = segs[j + 1][2]
                if not _is_label(nxt) or _numbered(nxt) and label_level(nxt) is not None:
                    break
                acc, j = acc + nxt, j + 1
                key = core_key(acc)
                if key in KNOWN:
                    found = j
                    break
                if key and not _known(acc):
                    break
            if found is None:
                i += 1
                continue
            pieces = {seg[2] for seg in segs[i:found + 1]}
            for k in range(segs[i][0], segs[found][1] + 1):
                row = rows[k]
                for slot in [s for s in range(len(row)) if row[s] in pieces and _spans(row, s, c)]:
                    row[slot] = acc  # in place: the rows may belong to several tables
            i = found + 1
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
