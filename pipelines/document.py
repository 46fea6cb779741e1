"""A report page reduced to what extraction needs: lines of text and table grids.

Every reader (readers/: HTML pages, the plain-text form with `|` cells, attachments)
gives a `Document`, so every later step (metadata, tables, dates) is written once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, Optional, Union

_SPACE_RE = re.compile(r"[ \t\r\f\v\u00a0\u2002\u2003\u2009\u200b\ufeff]+")


@dataclass
class Table:
    """A table as a rectangular-ish grid of cell texts (spans already expanded)."""

    rows: list[list[str]]


Block = Union[str, Table]


@dataclass
class Document:
    blocks: list[Block] = field(default_factory=list)
    html_title: Optional[str] = None  # <title> or a title meta tag
    meta: dict[str, str] = field(default_factory=dict)  # <meta name=… content=…>
    header_blocks: list[Block] = field(default_factory=list)  # page blocks outside the body
    limits: list[str] = field(default_factory=list)  # limits hit while reading, one line each

    def lines(self) -> Iterator[str]:
        for block in self.blocks:
            if isinstance(block, str):
                yield block

    def tables(self) -> Iterator[Table]:
        for block in self.blocks:
            if isinstance(block, Table):
                yield block

    def text(self) -> str:
        """Body text with tables as `|`-separated rows, one line each."""
        out: list[str] = []
        for block in self.blocks:
            if isinstance(block, str):
                out.append(block)
            else:
                out.extend(" | ".join(row) for row in block.rows)
        return "\n".join(out)


def clean(text: str) -> str:
    """Collapse spaces (keeping full-width ones, which real labels contain) and strip."""
    if text.isalnum():  # most table cells: a number or a word, nothing to collapse
        return text
    return _SPACE_RE.sub(" ", text).strip(" \n\u3000")
